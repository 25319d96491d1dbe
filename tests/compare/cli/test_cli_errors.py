"""The CLI never lies: user errors are one line and exit 2, Ctrl-C is exit 130 with nothing half-written,
and the same command gives the same JSON - twice, and with 1 or 2 BLAS/OpenMP threads."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time

import pytest

from compare.cli.main import main
from compare.measure.tolerance import tolerance_for

# The cheapest real run: one activation, one loss, one init, both nets, float64, no finite differences.
FAST = ["grads", "--dtype", "float64", "--activations", "relu,tanh", "--losses", "mse", "--inits", "torch_default",
        "--no-fd"]

BAD_INPUTS = [
    (["grads", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["grads", "--activations", "rleu"], "unknown activation 'rleu' (did you mean 'relu'?)"),
    (["grads", "--activations", "relu,sigmod"], "unknown activation 'sigmod' (did you mean 'sigmoid'?)"),
    (["grads", "--output-activation", "tanhh"], "unknown activation 'tanhh' (did you mean 'tanh'?)"),
    (["grads", "--losses", "mse,mea"], "unknown loss 'mea' (did you mean 'mse'?)"),
    (["grads", "--inits", "xavier"], "unknown initialiser 'xavier' (did you mean 'xavier_normal'?)"),
    (["grads", "--inits", "normal(sd=0.1)"], "initialiser 'normal' has no parameter 'sd'; its parameters are: std"),
    (["grads", "--inits", "normal(std=x)"], "'x' is not a number"),
    (["grads", "--activations", "leaky_relu(negative_slope=0.1"], "cannot read 'leaky_relu(negative_slope=0.1'"),
    (["grads", "--activations", ","], "expected a comma-separated list, got nothing"),
    (["grads", "--dtype", "float16"], "'float16': choose float64, float32 or both"),
    (["grads", "--json"], "argument --json: expected one argument"),
    (["grads", "--dtype", "float64", "--activations", "relu", "--losses", "mse", "--inits", "uniform(a=1, b=0)",
      "--no-fd"], "uniform initialiser needs a < b, got a=1, b=0"),
    (["grads", "--dtype", "float64", "--activations", "relu", "--losses", "mse", "--inits", "constant(value=inf)",
      "--no-fd"], "inf"),
    (["grads", "--inits", "normal(std=-1)"], "std must be > 0"),
    (["grads", "--inits", "kaiming_normal(fan_out=2)"], "fan_out takes true or false"),
    (["grads", "--activations", "leaky_relu(negative_slope=true)"], "negative_slope takes a number"),
    (["grads", "--json", "/tmp"], "'/tmp' is a directory; give a file name"),
    (["grads", "--json", "/dev/null/x.json"], "cannot write '/dev/null/x.json'"),
    (["nosuchcommand"], "invalid choice: 'nosuchcommand'"),
]


def run_main(argv, capsys):
    """main() in-process; argparse's own errors arrive as SystemExit."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv, message", BAD_INPUTS, ids=[" ".join(a[1:]) or a[0] for a, _ in BAD_INPUTS])
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    code, out, err = run_main(argv, capsys)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    assert err.startswith("mlp-parity")


def test_bad_option_in_a_real_process_has_no_traceback(tmp_path):
    """The console entry point end to end: the exit status and stderr a shell sees."""
    done = cli(["grads", "--activations", "rleu", "--json", str(tmp_path / "r.json")])
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "did you mean 'relu'?" in done.stderr
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []


# -- Ctrl-C ---------------------------------------------------------------------------------------
def test_interrupted_run_exits_130_and_writes_nothing(tmp_path):
    """SIGINT once the suite is running (its progress bar has been drawn): exit 130, a short message, no JSON.

    stderr is a pseudo-terminal so that the progress bar is drawn: it is the sign that the
    run has started, so the test waits for an event, not for a guessed number of seconds.
    """
    master, slave = os.openpty()
    target = tmp_path / "out" / "grads.json"
    proc = subprocess.Popen([sys.executable, "-m", "compare", "grads", "--json", str(target)], stdout=subprocess.PIPE,
                            stderr=slave, stdin=subprocess.DEVNULL, cwd=tmp_path, env=cli_env())
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 120  # a safety net against a hang, not a timing assertion
        while b"grads:" not in seen:
            assert time.monotonic() < deadline, f"no progress bar yet: {seen!r}"
            assert proc.poll() is None, f"finished before it could be interrupted: {seen!r}"
            seen += read_available(master)
        proc.send_signal(signal.SIGINT)
        stdout, _ = proc.communicate(timeout=60)
        seen += read_available(master, until_eof=True)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    text = seen.decode(errors="replace")
    message = "mlp-parity grads: interrupted; no partial output was written"
    assert proc.returncode == 130, text
    # The last thing on stderr, once. (If the signal lands while the bar is being drawn, the bar is
    # not erased first, so the message may share its terminal line: compare the ending, not the line.)
    assert text.rstrip().endswith(message) and text.count(message) == 1, text
    assert "Traceback" not in text
    assert not target.exists()
    assert not target.parent.exists() or list(target.parent.iterdir()) == []  # no temp file either
    assert stdout == b""  # the table is printed only after the whole suite ran


def read_available(fd, until_eof=False) -> bytes:
    data = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            if until_eof:
                continue
            return data
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            return data
        if not chunk:
            return data
        data += chunk
        if not until_eof:
            return data


# -- determinism --------------------------------------------------------------------------------
def test_same_command_twice_gives_identical_json(tmp_path):
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    assert cli([*FAST, "--json", str(first)]).returncode == 0
    assert cli([*FAST, "--json", str(second)]).returncode == 0
    assert first.read_bytes() == second.read_bytes()


def test_thread_count_does_not_change_float64_results(tmp_path):
    """1 vs 2 threads for OpenMP, MKL, OpenBLAS and torch: every float64 number within the step tolerance."""
    results = {}
    for threads in ("1", "2"):
        path = tmp_path / f"threads{threads}.json"
        done = cli([*FAST, "--json", str(path)], threads=threads)
        assert done.returncode == 0, done.stderr
        results[threads] = json.loads(path.read_text())
    one, two = results["1"], results["2"]
    tol = tolerance_for("float64").step
    assert len(one["cases"]) == len(two["cases"]) > 0
    compared = 0
    for case1, case2 in zip(one["cases"], two["cases"]):
        assert case1["spec"] == case2["spec"]
        for r1, r2 in zip(case1["records"], case2["records"], strict=True):
            assert r1["name"] == r2["name"] and r1["shape"] == r2["shape"]
            assert r1["passed"] and r2["passed"]
            # The tensor's scale is max_abs_diff / max_rel_diff; without a difference, use the values themselves.
            scale = max(abs(r1["handmade_at_worst"]), abs(r1["reference_at_worst"]), 1e-300)
            if r1["max_rel_diff"] > 0:
                scale = max(scale, r1["max_abs_diff"] / r1["max_rel_diff"])
            if r1["worst_index"] == r2["worst_index"]:
                for side in ("handmade_at_worst", "reference_at_worst"):
                    assert abs(r1[side] - r2[side]) <= tol * scale, (r1["name"], side, r1[side], r2[side])
                    compared += 1
    assert compared > 0
    assert one["summary"]["checks"] == two["summary"]["checks"] and one["summary"]["failed"] == 0


# -- helpers ------------------------------------------------------------------------------------
def cli_env(threads=None):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env["PYTHONHASHSEED"] = "0"
    if threads is not None:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[var] = threads
    return env


def cli(argv, threads=None):
    return subprocess.run([sys.executable, "-m", "compare", *argv], capture_output=True, text=True,
                          env=cli_env(threads), timeout=300)

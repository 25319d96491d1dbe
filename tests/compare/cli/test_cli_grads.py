"""``mlp-parity grads``: exit codes, JSON summary, one-line errors."""

import json
import subprocess
import sys

import pytest

from compare.cli.main import main


def test_grads_passes_and_writes_summary(tmp_path, capsys):
    out = tmp_path / "grads.json"
    code = main(["grads", "--activations", "relu,tanh", "--losses", "mse", "--inits", "torch_default",
                 "--json", str(out)])
    assert code == 0
    data = json.loads(out.read_text())
    summary = data["summary"]
    assert summary["failed"] == 0 and summary["checks"] > 50
    assert 0 < summary["worst_rel_diff"] <= 1e-5
    worst64 = max(r["max_rel_diff"] for c in data["cases"] if c["spec"]["dtype"] == "float64" for r in c["records"])
    assert worst64 <= 1e-13
    assert "0 failed" in capsys.readouterr().out


def test_grads_exits_1_when_a_gradient_is_wrong(monkeypatch, tmp_path):
    import handmade.activations as acts
    entry = acts.ACTIVATIONS["tanh"]
    monkeypatch.setitem(acts.ACTIVATIONS, "tanh",
                        acts.ActivationEntry(entry.f, lambda z, a: 1 + 0 * a, entry.defaults, entry.smooth))
    out = tmp_path / "g.json"
    code = main(["grads", "--activations", "tanh", "--losses", "mse", "--inits", "torch_default",
                 "--dtype", "float64", "--json", str(out)])
    assert code == 1
    assert json.loads(out.read_text())["summary"]["failed"] > 0


def test_huge_weights_overflow_without_warnings(tmp_path):
    """Weights of 1e300 overflow on both sides alike: every record against torch passes (identical non-finite
    values), the finite differences - inf - fail, so the run exits 1; numpy stays silent (warnings are errors
    in this suite)."""
    out = tmp_path / "g.json"
    code = main(["grads", "--activations", "tanh", "--losses", "mse", "--inits", "normal(std=1e300)",
                 "--dtype", "float64", "--json", str(out)])
    assert code == 1
    cases = json.loads(out.read_text())["cases"]
    records = [r for c in cases for r in c["records"]]
    assert all(r["passed"] for r in records) and any(r["note"] == "non-finite values" for r in records)
    fd = [f for c in cases for f in c["finite_difference"]]
    assert fd and all(f["rel_error"] == "inf" and not f["passed"] for f in fd)


@pytest.mark.parametrize("argv, message", [
    (["grads", "--activations", "rleu"], "did you mean 'relu'"),
    (["grads", "--dtype", "float16"], "choose float64, float32 or both"),
    (["grads", "--losses", ""], "expected a comma-separated list"),
    (["grads", "--bogus"], "unrecognized arguments"),
    (["grads", "--inits", "normal(std=-1)"], "std must be > 0"),
    (["grads", "--json", "tests"], "'tests' is a directory"),
    (["grads", "--json", "/proc/1/x.json"], "is not a writable directory"),
])
def test_bad_arguments_one_line_exit_2(argv, message):
    proc = subprocess.run([sys.executable, "-m", "compare", *argv], capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr

"""``check`` against code that attacks it (issue 12, sections 2 and 3): the verdict stays the checker's.

The user's class runs in a child process; these tests run the classes of ``mutants/hostile.py``
(and a few written inline) and assert the finding each must end in - or the pass, where its
gradients are right. Time limits are about 1 s so the whole file stays within seconds per test.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compare.check import CheckConfig, check
from compare.check.checker import run_check
from compare.cli.main import main
from compare.sandbox.plan import describe

HERE = Path(__file__).parent / "mutants"
HOSTILE = HERE / "hostile.py"
F64 = ("float64",)


def hostile(name: str, timeout: float = 1.0, dtypes=F64, **options):
    return run_check(f"{HOSTILE}:{name}", CheckConfig(timeout=timeout, dtypes=dtypes, **options))


def children_of_this_process() -> list[int]:
    """Processes whose parent is this one and that run the checker's child (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"compare.sandbox.child" in cmdline:
            found.append(int(entry.name))
    return found


def findings(report, name: str) -> list[tuple[str, str]]:
    return [(f.code, f.message) for f in report.check(name).findings]


def test_a_class_that_patches_torch_cannot_make_doubled_gradients_match():
    """Its torch is the child's own: the reference, in the checker's process, still says 2 x torch's."""
    report = hostile("PatchesTorch", timeout=20)
    assert not report.passed
    for name in ("gradient W2", "gradient b2", "gradient W1", "gradient b1"):
        assert "= 2 x torch's: an extra factor 2" in findings(report, name)[0][1]


def test_a_class_that_edits_the_checkers_x_and_y_in_place_is_checked_on_the_real_batch():
    report = hostile("EditsTheCheckersArrays", dtypes=("float64", "float32"))
    assert report.passed, [c.name for c in report.checks if not c.passed]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_a_thread_left_running_neither_keeps_the_check_alive_nor_outlives_it():
    start = time.monotonic()
    report = hostile("LeavesAThread")
    assert report.passed
    assert time.monotonic() - start < 60  # the thread sleeps an hour
    assert children_of_this_process() == []


def test_os_exit_in_backward_is_a_finding_and_the_other_checks_still_run(capsys):
    code = main(["check", f"{HOSTILE}:ExitsTheProcess", "--timeout", "1", "--dtype", "float64"])
    assert code == 1
    printed = " ".join(capsys.readouterr().out.split())
    assert "forward output ok" in printed
    assert "the process running your code exited with code 3 in backward(...)" in printed
    report = hostile("ExitsTheProcess")
    assert report.check("backward").codes() == ["process_died"]
    assert report.check("one training step").codes() == ["process_died"]


def test_an_atexit_hook_never_decides_the_exit_code(capsys):
    assert main(["check", f"{HOSTILE}:AtexitHook", "--timeout", "1", "--dtype", "float64"]) == 0
    assert "everything matches torch" in capsys.readouterr().out


def test_code_that_ignores_the_alarm_is_stopped_by_killing_its_process():
    start = time.monotonic()
    report = hostile("IgnoresTheAlarm")
    # Two calls reach the endless loop (forward in discovery, then train, which calls forward); each is
    # cut at the limit + the 2 s grace, once: far from the loop's 30 s.
    assert time.monotonic() - start < 25
    forward = report.check("forward output").findings[0]
    assert forward.code == "timeout"
    assert forward.message.startswith("forward(X) did not return within 1 s (the process was stopped)")
    assert report.check("training run (10 epochs)").codes() == ["timeout"]


def test_an_exception_whose_message_never_returns_is_still_reported():
    (code, message), = findings(hostile("LoopingMessage"), "backward")
    assert code == "exception"
    assert message.startswith("backward raised _Unprintable: (its message could not be read) (at hostile.py line")


def test_output_written_to_the_file_descriptors_is_captured_and_its_loss_read(capfd):
    report = hostile("WritesToTheDescriptors")
    assert report.passed
    assert report.check("reported loss").passed and report.check("reported loss").rel < 1e-5
    seen = capfd.readouterr()
    assert "fd-2 noise" not in seen.out + seen.err and "loss:" not in seen.out + seen.err


def test_outputs_and_gradients_returned_as_torch_tensors_that_require_grad(tmp_path):
    path = tmp_path / "torch_tensors.py"
    path.write_text('''
import numpy as np
import torch


class Net:
    def __init__(self, input_size, hidden_size, output_size):
        rng = np.random.default_rng(0)
        self.W1, self.b1 = rng.normal(0, 0.1, (input_size, hidden_size)), np.zeros((1, hidden_size))
        self.W2, self.b2 = rng.normal(0, 0.1, (hidden_size, output_size)), np.zeros((1, output_size))

    def forward(self, X):
        self.z1 = X @ self.W1 + self.b1
        self.a1 = np.maximum(self.z1, 0)
        return torch.tensor(self.a1 @ self.W2 + self.b2, requires_grad=True)

    def backward(self, X, Y, output):
        d = 2 * (output.detach().numpy() - Y) / Y.size   # gets its own tensor back, not a converted copy
        dz1 = d @ self.W2.T * (self.z1 > 0)
        grads = (X.T @ dz1, dz1.sum(0, keepdims=True), self.a1.T @ d, d.sum(0, keepdims=True))
        return tuple(torch.tensor(g, requires_grad=True) for g in grads)
''')
    report = run_check(str(path), CheckConfig(timeout=20))
    assert report.passed, [(c.name, c.findings) for c in report.checks if not c.passed]
    assert report.check("gradient W1", "float32").rel < 1e-5


@pytest.mark.parametrize("name", ["RaisingProperty", "LoopingProperty"])
def test_a_weight_behind_a_property_that_raises_or_loops_is_found_where_it_lives(name):
    """Reading an attribute is running the user's code: the walk reads an object's own dict, never its
    properties, so neither the exception nor the endless loop is reached."""
    start = time.monotonic()
    report = hostile(name)
    assert report.passed
    assert "layers.0.weight = _w1 (30, 16)" in " ".join(" ".join(describe(report.plan)).split())
    assert time.monotonic() - start < 30


def test_module_colon_class_runs_in_the_child_with_the_time_limit(tmp_path, monkeypatch, capsys):
    (tmp_path / "good_student.py").write_text((HERE / "correct.py").read_text())
    (tmp_path / "raising_student.py").write_text("raise ValueError('not finished')\n")
    (tmp_path / "endless_student.py").write_text("while True:\n    pass\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    assert main(["check", "good_student:NeuralNetwork", "--timeout", "1", "--dtype", "float64"]) == 0
    assert main(["check", "raising_student:Net", "--timeout", "1"]) == 1
    assert "ValueError: not finished" in capsys.readouterr().out
    start = time.monotonic()
    assert main(["check", "endless_student:Net", "--timeout", "1"]) == 1
    assert "did not return within 1 s" in " ".join(capsys.readouterr().out.split())
    assert time.monotonic() - start < 20


def test_complex_gradients_are_a_finding_not_a_silently_dropped_imaginary_part():
    report = hostile("ComplexGradients")
    for name in ("gradient W2", "gradient b2", "gradient W1", "gradient b1"):
        (code, message), = findings(report, name)
        assert code == "complex" and "imaginary parts up to 0.001" in message


def test_half_precision_gradients_are_called_a_precision_problem():
    report = hostile("HalfPrecisionGradients")
    for name in ("gradient W2", "gradient W1"):
        codes = report.check(name).codes()
        assert codes[0] == "half_precision" and "fd_backward_wrong" not in codes
        assert "a precision problem" in report.check(name).findings[0].message


def test_a_class_that_asks_for_too_much_memory_meets_the_limit():
    report = hostile("EatsMemory", memory=2**30)
    (code, message), = findings(report, "backward")
    assert code == "exception" and "MemoryError" in message
    assert report.check("forward output").passed


BROKEN_BACKWARDS = {
    # What backward returns (the class has no train(): the checker's own SGD uses these gradients).
    "a missing gradient": ("return dW1, db1, dW2", "backward",
                           "backward returned a tuple of 3 (nothing in it fits b2 (1, 3))"),
    "a string": ('return "done"', "backward", "returned a str"),
    "a wrongly shaped array": ("return dW1, db1, dW2, db2[:, :2]", "gradient b2", "wrong shape"),
    "a ragged object array": ('return {"W1": dW1, "b1": db1, "W2": dW2, "b2": np.array([db2, 0], dtype=object)}',
                              "gradient b2", "db2 is an array of object values, shape (2,), not an array of numbers"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_BACKWARDS))
def test_a_broken_backward_without_train_is_a_finding_never_a_traceback(tmp_path, case, capsys):
    line, check_name, expected = BROKEN_BACKWARDS[case]
    source = (HERE / "correct.py").read_text()
    source = source.replace("        return dW1, db1, dW2, db2\n", f"        {line}\n")
    source = source[:source.index("    def train(")]
    path = tmp_path / "broken_backward.py"
    path.write_text(source)
    assert main(["check", f"{path}:NeuralNetwork", "--timeout", "1", "--dtype", "float64"]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    report = run_check(f"{path}:NeuralNetwork", CheckConfig(timeout=1, dtypes=F64))
    messages = " ".join(f.message for c in report.checks if c.name == check_name for f in c.findings)
    assert expected in messages.replace("has shape", "wrong shape")


def test_a_backward_that_returns_none_and_changes_nothing_is_not_checked(tmp_path, capsys):
    source = (HERE / "correct.py").read_text().replace("        return dW1, db1, dW2, db2\n", "        return None\n")
    path = tmp_path / "silent_backward.py"
    path.write_text(source[:source.index("    def train(")])
    assert main(["check", f"{path}:NeuralNetwork", "--timeout", "1", "--dtype", "float64"]) == 3
    printed = " ".join(capsys.readouterr().out.split())
    assert "NOT CHECKED" in printed and "what would help:" in printed


def _correct_class():
    spec = importlib.util.spec_from_file_location("hostile_correct", HERE / "correct.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.NeuralNetwork


def test_a_class_checked_from_python_cannot_reach_the_reference_through_a_patched_torch(monkeypatch):
    """check(cls): the class stays in this process, the torch reference runs in the referee's child, so a
    torch patched here (doubling every gradient autograd computes) changes nothing."""
    import torch

    original = torch.autograd.backward
    monkeypatch.setattr(torch.autograd, "backward", lambda t, *a, **k: original(2 * t, *a, **k))
    monkeypatch.setattr(torch.Tensor, "backward", lambda t, *a, **k: original(2 * t, *a, **k))
    report = check(_correct_class(), dtypes="float64", timeout=5)
    assert report.passed


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_code_that_ignores_every_signal_dies_with_a_checker_that_is_killed(tmp_path):
    """The checker killed outright (SIGKILL: no clean-up runs) while the student's code loops ignoring SIGALRM:
    the child that runs it does not outlive it (the kernel's parent-death signal, or a watcher thread)."""
    script = (f"from compare.check.checker import run_check\nfrom compare.check import CheckConfig\n"
              f"run_check({str(HOSTILE)!r} + ':IgnoresTheAlarm', CheckConfig(timeout=120))\n")
    checker = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        children = []
        while not children and time.monotonic() < deadline and checker.poll() is None:
            children = _sandbox_children_of(checker.pid)
            time.sleep(0.05)
        assert children, "the checker never started its child"
        # Kill the checker once the child is inside the endless loop (it has burnt a second of CPU time there).
        while _cpu_seconds(children[0]) < 1.5 and time.monotonic() < deadline:
            time.sleep(0.05)
        checker.kill()
        checker.wait()
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        alive = [pid for pid in children if Path(f"/proc/{pid}/stat").exists()
                 and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
        assert alive == []
    finally:
        if checker.poll() is None:
            checker.send_signal(signal.SIGKILL)
            checker.wait()


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime + stime


def _sandbox_children_of(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat, cmdline = (entry / "stat").read_text(), (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"compare.sandbox.child" in cmdline:
                found.append(int(entry.name))
    return found

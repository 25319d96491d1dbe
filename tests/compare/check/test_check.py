"""``mlp-parity check``: the mutation catalogue is caught and diagnosed; correct code passes.

Every mutant in tests/mutants/catalogue.py is a one-line edit of a correct
lesson-interface network; the checker must fail it on the named check, with
the named diagnosis, in float64 and in float32. Correct variants (ours, a
loop-style half-sum one, one that updates inside backward, the project's own
handmade.MLP through the protocol) must pass in both dtypes.
"""

from __future__ import annotations

import importlib.util
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import compare
from compare.check import CheckConfig, check, render
from compare.check.checker import run_check
from compare.check.results import parse_reported_loss
from compare.cli.main import main
from compare.sandbox.calls import UserCalls, can_limit_time
from handmade.model import MLP

HERE = Path(__file__).parent / "mutants"
DTYPES = ("float64", "float32")


def _catalogue():
    spec = importlib.util.spec_from_file_location("mutant_catalogue", HERE / "catalogue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CATALOGUE = _catalogue()


def write(tmp_path, name, source) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    return str(path)


@pytest.mark.parametrize("mutant", CATALOGUE.MUTANTS, ids=lambda m: m.name)
def test_mutant_is_caught_and_diagnosed(tmp_path, mutant):
    report = run_check(f"{write(tmp_path, mutant.name, mutant.source())}:NeuralNetwork",
                       CheckConfig(**mutant.options))
    assert not report.passed
    for dtype in DTYPES:
        check = report.check(mutant.check, dtype)
        assert not check.passed, f"{dtype}: {check.name} passed"
        assert mutant.code in check.codes(), f"{dtype}: {check.name} says {[f.message for f in check.findings]}"
        if check.kind == "gradient":
            # The named parameter is the first wrong gradient walking back from the output.
            assert report.first_wrong_gradient(dtype).name == mutant.check
        finding = next(f for f in check.findings if f.code == mutant.code)
        for key, value in mutant.details.items():
            assert finding.details[key] == pytest.approx(value, rel=1e-3)


def test_the_catalogue_is_large_enough():
    assert len(CATALOGUE.MUTANTS) >= 12
    assert len({m.name for m in CATALOGUE.MUTANTS}) == len(CATALOGUE.MUTANTS)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "leaky_relu"])
def test_correct_network_passes_in_both_dtypes(tmp_path, activation):
    source = (HERE / "correct.py").read_text().replace('activation = "relu"', f'activation = "{activation}"')
    report = run_check(f"{write(tmp_path, 'correct_' + activation, source)}:NeuralNetwork",
                       CheckConfig(activation=activation))
    assert report.passed, render(report)
    assert {c.dtype for c in report.checks} == set(DTYPES)
    assert report.summary()["checks"] == 24 and report.summary()["failed"] == 0


def test_derivative_at_output_is_harmless_for_relu(tmp_path):
    # relu'(relu(z)) = relu'(z): the "bug" changes nothing, and the checker must not call it one.
    source = (HERE / "correct.py").read_text().replace("self.df(self.z1)", "self.df(self.a1)")
    assert run_check(f"{write(tmp_path, 'harmless', source)}:NeuralNetwork", CheckConfig()).passed


def test_loop_style_half_sum_network_passes_when_declared():
    report = run_check(f"{HERE / 'loop_half_sse.py'}:LoopNet", CheckConfig(loss="half-sum"))
    assert report.config.loss == "half_sse"
    assert report.passed, render(report)


def test_loop_style_half_sum_network_declared_as_mse_is_diagnosed():
    report = run_check(f"{HERE / 'loop_half_sse.py'}:LoopNet", CheckConfig(loss="mse", dtypes=("float64",)))
    factor = next(f for f in report.overview["float64"] if f.code == "factor")
    assert factor.details["factor"] == pytest.approx(7.5)  # N*out/2 = 15/2
    assert factor.details["suggested_loss"] == "half_sse"


def test_backward_that_updates_and_returns_nothing_passes_read_back_from_its_update():
    report = run_check(f"{HERE / 'update_in_backward.py'}:UpdatingNet", CheckConfig())
    assert report.passed, render(report)
    grads = report.plan["gradients"]
    assert grads["source"] == "update" and grads["lr_known"]  # the rate it was given: the read-back is exact
    assert "read back from the update it makes" in render(report)


def test_handmade_mlp_passes_through_the_protocol_adapter():
    report = check(MLP)
    assert report.passed, render(report)
    assert report.check("gradient layers.0.weight", "float32").rel < 1e-5


def test_an_object_is_checked_on_copies_through_the_short_import():
    net = MLP(sizes=(30, 16, 3))
    before = {k: v.copy() for k, v in net.params.items()}
    report = compare.check(net, dtypes="float64")   # the package, called: the same as compare.check.check
    assert report.passed, render(report)
    assert report.plan["construction"] == "copy.deepcopy(<MLP object>)"
    assert all(np.array_equal(net.params[k], v) for k, v in before.items())  # the checks ran on copies
    with pytest.raises(ValueError, match="no option 'los'"):
        compare.check(net, los="ce")


def test_protocol_class_with_a_scaled_gradient_is_named_in_torch_keys():
    class Doubled(MLP):
        def backward(self, Y):
            grads = super().backward(Y)
            return {k: 2 * v for k, v in grads.params.items()}

    report = check(Doubled, dtypes=("float64",))
    first = report.first_wrong_gradient()
    assert first.param == "layers.1.weight"
    assert first.findings[0].code == "factor" and first.findings[0].details["factor"] == pytest.approx(2.0)


def test_transposed_weight_in_backward_names_the_line(tmp_path):
    mutant = next(m for m in CATALOGUE.MUTANTS if m.name == "transposed_weight_in_backward")
    report = run_check(f"{write(tmp_path, mutant.name, mutant.source())}:NeuralNetwork",
                       CheckConfig(dtypes=("float64",)))
    message = report.check("backward").findings[0].message
    assert "d_hidden = d_output @ self.W2" in message and "ValueError" in message


NAN_NET = '''
import numpy as np
class Net:
    def __init__(self, n_in, n_hidden, n_out):
        self.W1, self.b1 = np.zeros((n_in, n_hidden)), np.zeros((1, n_hidden))
        self.W2, self.b2 = np.zeros((n_hidden, n_out)), np.zeros((1, n_out))
    def forward(self, X):
        return np.log(-np.ones((len(X), self.W2.shape[1])))  # NaN
    def backward(self, X, Y, output):
        return "gradients"
'''


def test_nan_and_wrong_return_types_are_findings_not_crashes(tmp_path):
    report = run_check(f"{write(tmp_path, 'nan_net', NAN_NET)}:Net", CheckConfig(dtypes=("float64",)))
    assert report.check("forward output").codes() == ["not_finite"]
    assert report.check("backward").codes() == ["wrong_return"]
    assert "returned a str" in report.check("backward").findings[0].message
    # No training method: the checker trains with the class's own gradients, so the step fails the same way.
    assert report.check("one training step").codes() == ["wrong_return"]


def test_a_forward_that_returns_a_tuple_is_read_but_its_own_backward_fails_on_it(tmp_path):
    """Many courses return (output, cache): the output is found in the tuple. This class's backward then
    subtracts the targets from the tuple itself - the finding names that line."""
    source = (HERE / "correct.py").read_text().replace("        return self.z2\n", "        return self.a1, self.z2\n")
    report = run_check(f"{write(tmp_path, 'tuple_net', source)}:NeuralNetwork", CheckConfig(dtypes=("float64",)))
    assert report.check("forward output").passed
    backward = report.check("backward")
    assert backward.codes() == ["exception"] and "d_output = 2 * (output - Y)" in backward.findings[0].message


def test_a_file_that_raises_on_import_is_a_failed_check(tmp_path, capsys):
    path = write(tmp_path, "broken", "import numpy\nraise RuntimeError('half-written notebook')\n")
    assert main(["check", f"{path}:Net"]) == 1
    assert "half-written notebook" in capsys.readouterr().out


def test_printed_losses_are_parsed_with_their_precision():
    assert parse_reported_loss("Epoch 0, Loss: 0.3516\n") == (0.3516, pytest.approx(5e-5))
    assert parse_reported_loss("epoch 0: loss = 2.5e-01 (rmse 0.5)") == (0.25, pytest.approx(5e-3))
    assert parse_reported_loss("training...\n") is None


def test_cli_exit_codes_json_and_usage_errors(tmp_path, capsys):
    example = Path(__file__).parents[3] / "examples" / "student_mlp.py"
    out = tmp_path / "check.json"
    assert main(["check", f"{example}:NeuralNetwork", "--output-activation", "relu", "--json", str(out)]) == 1
    data = json.loads(out.read_text())
    assert data["summary"]["failed"] > 0 and data["summary"]["checks"] == 24
    assert {"checks", "failed", "worst_rel_diff"} <= set(data["summary"])
    assert "ignores_targets" in {f["code"] for c in data["checks"] for f in c["findings"]}
    capsys.readouterr()
    assert main(["check", f"{HERE / 'correct.py'}:NeuralNetwork", "--dtype", "float32"]) == 0
    capsys.readouterr()
    assert main(["check", f"{tmp_path / 'missing.py'}:Net"]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and len(err.strip().splitlines()) == 1
    assert main(["check", f"{HERE / 'correct.py'}:Nope"]) == 2
    assert "no class 'Nope'" in capsys.readouterr().err
    assert main(["check", "correct.py"]) == 2


def test_help_says_the_file_is_executed_and_does_not_import_torch():
    code = ("import sys, contextlib, io\nfrom compare.cli.main import main\nbuf = io.StringIO()\n"
            "with contextlib.redirect_stdout(buf):\n    try:\n        main(['check', '--help'])\n"
            "    except SystemExit:\n        pass\nprint('executed' in buf.getvalue(), 'torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).parents[3])
    assert result.stdout.split() == ["True", "False"]


def test_same_check_twice_gives_identical_numbers():
    a = run_check(f"{HERE / 'correct.py'}:NeuralNetwork", CheckConfig(dtypes=("float32",)))
    b = run_check(f"{HERE / 'correct.py'}:NeuralNetwork", CheckConfig(dtypes=("float32",)))
    assert [c.rel for c in a.checks] == [c.rel for c in b.checks]
    assert np.isfinite(a.summary()["worst_rel_diff"])


# -- code that misbehaves: hangs, exits, interrupts, chatters, returns NaN (tests/mutants/misbehaving.py) ------

MISBEHAVING = HERE / "misbehaving.py"


def _misbehaving():
    spec = importlib.util.spec_from_file_location("misbehaving_for_tests", MISBEHAVING)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FOREVER = _misbehaving().FOREVER  # what an uninterrupted "endless" call takes


@pytest.fixture
def alarm_untouched():
    """The check leaves SIGALRM as it found it: the same handler, no timer running."""
    before = signal.getsignal(signal.SIGALRM)
    yield
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_forward_that_never_returns_is_a_timeout_finding(alarm_untouched):
    start = time.monotonic()
    report = run_check(f"{MISBEHAVING}:HangingForward", CheckConfig(timeout=0.5))
    elapsed = time.monotonic() - start
    # One uninterrupted call takes FOREVER (30 s); every call that reaches the endless loop is cut at 0.5 s
    # and never repeated, so the whole two-dtype check costs about 1 s of waiting.
    assert elapsed < FOREVER / 2
    assert not report.passed
    first = report.check("forward output").findings[0]
    assert first.code == "timeout"
    assert "did not return within 0.5 s (interrupted at misbehaving.py line" in first.message
    # Discovery met the endless loop first (forward, then train, which calls forward): each waited for once,
    # and every later call that would reach it is skipped with the first message and its line.
    again = report.check("forward output", "float32").findings[0]
    assert again.code == "timeout" and again.message == first.message
    assert first.message.startswith("forward(X) did not return within 0.5 s (interrupted at misbehaving.py line")
    assert report.check("one training step").codes() == ["timeout"]
    run = report.check("training run (10 epochs)").findings[0]
    assert run.code == "timeout"
    assert run.message.startswith("train(X, Y, 10, 0.1) not called: train(...) did not return within 0.5 s (interr")


def test_a_train_that_never_returns_fails_the_cli_and_the_other_checks_pass(tmp_path, capsys, alarm_untouched):
    out = tmp_path / "hang.json"
    start = time.monotonic()
    code = main(["check", f"{MISBEHAVING}:HangingTrain", "--timeout", "0.5", "--dtype", "float64", "--json", str(out)])
    assert time.monotonic() - start < FOREVER / 2
    assert code == 1
    # HangingTrain wraps its loop in `except Exception`: the time limit is not an Exception, so it is not swallowed.
    printed = capsys.readouterr().out
    assert "train(X, Y, 1, 0.1) not called: train(...) did not return within 0.5 s (interrupted at misbehaving.py" \
        in " ".join(printed.split())
    data = json.loads(out.read_text())
    failed = {c["name"]: c["findings"][0]["code"] for c in data["checks"] if c["status"] == "FAIL"}
    assert failed == {"one training step": "timeout", "training run (10 epochs)": "timeout"}
    assert data["summary"]["checks"] == 10 and data["config"]["timeout"] == 0.5  # forward, 4 gradients ... all ran


def test_a_file_that_never_finishes_loading_is_a_timeout_finding(tmp_path, alarm_untouched):
    path = write(tmp_path, "endless_script", "import time\nend = time.monotonic() + 30\n"
                                             "while time.monotonic() < end:\n    pass\n")
    report = run_check(f"{path}:Net", CheckConfig(timeout=0.5))
    load = report.check("load")
    assert load.codes() == ["timeout"] and not report.passed
    assert load.findings[0].message.startswith(f"running {path} did not return within 0.5 s")


def test_sys_exit_in_user_code_is_a_finding_not_an_exit(tmp_path, capsys):
    assert main(["check", f"{MISBEHAVING}:ExitingTrain", "--dtype", "float64"]) == 1
    out = capsys.readouterr().out
    assert "train raised SystemExit(3) (at misbehaving.py line" in out and "`sys.exit(3)`" in out
    assert "10 checks, 2 failed" in out  # forward ... repeated calls: still checked, passed
    path = write(tmp_path, "exits_on_import", "import sys\nsys.exit()\n")
    report = run_check(f"{path}:Net", CheckConfig(dtypes=("float64",)))
    assert report.check("load").codes() == ["exception"]
    assert "SystemExit()" in report.check("load").findings[0].message


def test_keyboard_interrupt_raised_by_user_code_is_a_finding(capsys):
    """The user's code raising KeyboardInterrupt is its own exception (Ctrl-C reaches the checker, not the
    child process running that code): a finding, exit 1."""
    assert main(["check", f"{MISBEHAVING}:InterruptedForward", "--timeout", "5", "--dtype", "float64"]) == 1
    assert "forward raised KeyboardInterrupt" in capsys.readouterr().out


def test_a_class_that_prints_a_lot_still_passes_and_its_printed_loss_is_read():
    report = run_check(f"{MISBEHAVING}:ChattyTrain", CheckConfig(dtypes=("float64",)))
    assert report.passed, render(report)
    reported = report.check("reported loss")
    assert reported.counted and reported.tolerance == pytest.approx(5e-5 / 0.35, rel=0.1)  # 4 printed decimals


def test_nan_gradients_are_findings_and_nothing_is_diagnosed_from_them():
    report = run_check(f"{MISBEHAVING}:NaNGradients", CheckConfig(dtypes=("float64",)))
    for name in ("W2", "b2", "W1", "b1"):
        assert report.check(f"gradient {name}").codes() == ["not_finite"]
    assert report.check("one training step").codes() == ["not_finite"]
    names = [c.name for c in report.checks]
    # NaN is neither equal nor different: no verdict on the targets or the cache, none from finite differences.
    assert "uses the targets" not in names and "no stale cache" not in names
    assert "reported loss is differentiated" not in names


def test_a_missing_method_is_a_finding_not_a_crash(tmp_path):
    """backward renamed away: the renamed one is found (discovery does not go by names alone), so the class
    passes; with it deleted, train's call to it is the finding."""
    source = (HERE / "correct.py").read_text().replace("    def backward(", "    def backward_renamed(")
    report = run_check(f"{write(tmp_path, 'renamed', source)}:NeuralNetwork", CheckConfig(dtypes=("float64",)))
    assert report.plan["gradients"]["name"] == "backward_renamed"
    assert report.check("forward output").passed
    assert "has no attribute 'backward'" in report.check("one training step").findings[0].message


def test_a_timed_out_call_is_not_repeated_nor_a_larger_one_of_its_group(alarm_untouched):
    calls = UserCalls(timeout=0.1)
    assert calls.call("train 10", time.sleep, FOREVER, group="train", size=10).timed_out
    assert calls.call("train 1", lambda: "made", group="train", size=1).value == "made"  # smaller: still made
    bigger = calls.call("train 20", lambda: "made", group="train", size=20)
    assert bigger.timed_out and bigger.error == "train 20 not called: train 10 did not return within 0.1 s"
    assert calls.call("forward", lambda: "made").value == "made"  # another group


def test_time_limit_gives_back_the_previous_handler_and_timer():
    def outer_handler(signum, frame):  # pragma: no cover - must not fire during the test
        raise AssertionError("the outer timer fired early")

    previous = signal.signal(signal.SIGALRM, outer_handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 100.0)
        outcome = UserCalls(timeout=0.2).call("spin", time.sleep, FOREVER)
        assert outcome.timed_out and outcome.error == "spin did not return within 0.2 s"
        assert signal.getsignal(signal.SIGALRM) is outer_handler
        assert 90.0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 100.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_off_the_main_thread_calls_run_without_a_limit():
    results = []

    def in_a_thread():
        results.append((can_limit_time(), UserCalls(timeout=0.01).call("sleep", time.sleep, 0.2)))

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    assert can_limit_time()  # here, in the main thread, it can
    limited, outcome = results[0]
    assert not limited and outcome.ok and not outcome.timed_out


def test_timeout_option(capsys):
    from compare.cli import check as check_command

    assert check_command.DEFAULT_TIMEOUT == CheckConfig().timeout
    with pytest.raises(SystemExit) as usage_error:  # argparse's one-line usage error
        main(["check", f"{HERE / 'correct.py'}:NeuralNetwork", "--timeout", "-1"])
    assert usage_error.value.code == 2
    assert "--timeout" in capsys.readouterr().err
    assert main(["check", f"{HERE / 'correct.py'}:NeuralNetwork", "--dtype", "float64", "--timeout", "0"]) == 0

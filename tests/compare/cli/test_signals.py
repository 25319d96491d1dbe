"""Ctrl-C and SIGTERM on real processes, at named moments: one line, exit 130 / 143, the old outputs kept.

Each process is started with ``MLP_PARITY_PAUSE_AT=<point>`` (``compare.files.interrupts.pause_point``):
it announces ``paused at <point>`` on stderr and waits there, so the signal lands at that moment
for certain - no sleeps, no guessing how long an import takes. The points: ``startup`` (before
numpy, torch or any subcommand is imported: the first tenth of a second of a run) and
``commit`` (every output written to its temporary file, none renamed into place yet).
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time

import pytest

from compare.files.interrupts import PAUSE_VARIABLE

SIGNALS = [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated (SIGTERM)"),
           (signal.SIGHUP, 129, "terminated (SIGHUP)")]  # SIGHUP: the terminal was closed
IDS = ["SIGINT", "SIGTERM", "SIGHUP"]
# The cheapest sweep with both outputs: one cell, a few epochs.
SWEEP = ["sweep", "--activations", "relu", "--lrs", "0.1", "--inits", "torch_default", "--epochs", "5",
         "--jobs", "1", "--quiet"]


def paused(argv, point, cwd, preexec_fn=None):
    """Start ``mlp-parity ARGV`` and return it once it says it is paused at ``point``."""
    env = {**os.environ, PAUSE_VARIABLE: point, "PYTHONHASHSEED": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "compare", *argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=preexec_fn)
    line = b""
    deadline = time.monotonic() + 120  # a safety net against a hang, not a timing assertion
    while not line.endswith(b"\n"):
        assert time.monotonic() < deadline, f"never paused at {point}: {line!r}"
        ready, _, _ = select.select([proc.stderr], [], [], 0.5)
        if ready:
            chunk = os.read(proc.stderr.fileno(), 1)
            assert chunk, f"exited (code {proc.wait()}) before pausing at {point}: {line!r}"
            line += chunk
    assert line.decode() == f"mlp-parity: paused at {point}\n"
    return proc


def end(proc, signum):
    """Send ``signum``; return (exit code, stdout, stderr after the pause line)."""
    proc.send_signal(signum)
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, out.decode(), err.decode()


def leftovers(directory):
    """Temporary files or staging directories anywhere below ``directory``."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.name.endswith(".tmp"))


@pytest.mark.parametrize("signum, code, word", SIGNALS, ids=IDS)
def test_a_signal_in_the_first_moment_is_one_line(tmp_path, signum, code, word):
    """Before numpy and the subcommands are imported: still one line, the shell's exit code, no traceback."""
    proc = paused(["grads", "--json", "r.json"], "startup", tmp_path)
    returncode, out, err = end(proc, signum)
    assert returncode == code
    assert err == f"mlp-parity grads: {word}; no partial output was written\n"
    assert out == "" and list(tmp_path.iterdir()) == []


def _ignore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a shell starts a background job (`cmd &`)


def test_a_signal_ignored_at_start_stays_ignored(tmp_path):
    """A background job ignores Ctrl-C (and nohup ignores SIGHUP): the tool must not take that back."""
    proc = paused(["grads"], "startup", tmp_path, preexec_fn=_ignore_sigint)
    proc.send_signal(signal.SIGINT)  # ignored: the process is still paused ...
    returncode, _, err = end(proc, signal.SIGTERM)  # ... so this is what ends it
    assert returncode == 143 and err == "mlp-parity grads: terminated (SIGTERM); no partial output was written\n"


@pytest.mark.parametrize("signum, code, word", SIGNALS[:2], ids=IDS[:2])
def test_a_signal_before_the_renames_keeps_the_old_json_and_csv(tmp_path, signum, code, word):
    """The sweep's JSON and CSV are one set: interrupted with both written to temporary files, neither
    replaces its old version, and no temporary file is left behind. (SIGHUP takes SIGTERM's path:
    the same exception, after the exit code and message the first test checks.)"""
    (tmp_path / "r.json").write_text("old json")
    (tmp_path / "r.csv").write_text("old csv")
    proc = paused([*SWEEP, "--json", "r.json", "--csv", "r.csv"], "commit", tmp_path)
    staged = leftovers(tmp_path)
    assert len(staged) == 2 and all(name.startswith((".r.json.", ".r.csv.")) for name in staged)  # really mid-set
    returncode, _, err = end(proc, signum)
    assert returncode == code
    assert err.endswith(f"mlp-parity sweep: {word}; no partial output was written\n") and "Traceback" not in err
    assert (tmp_path / "r.json").read_text() == "old json" and (tmp_path / "r.csv").read_text() == "old csv"
    assert leftovers(tmp_path) == []


def test_an_interrupted_study_leaves_the_old_report_and_no_new_figure(tmp_path):
    """The study's figures, report and results.json (and --json) are one set: SIGTERM once everything is
    written but nothing renamed leaves the old files byte for byte, adds no figure, removes the staging
    directory; and the line it prints is true."""
    out = tmp_path / "study"
    (out / "figures").mkdir(parents=True)
    old = {out / "report.md": "old report", out / "report.html": "old html", out / "results.json": "old results",
           out / "figures" / "task3_lr.png": "old figure", out / "notes.txt": "the user's own",
           tmp_path / "s.json": "old"}
    for path, text in old.items():
        path.write_text(text)
    proc = paused(["study", "--quick", "--out", str(out), "--json", str(tmp_path / "s.json")], "commit", tmp_path)
    assert any(name.startswith(".study.") for name in leftovers(out))  # the staged set exists
    returncode, _, err = end(proc, signal.SIGTERM)
    assert returncode == 143
    assert err.endswith("mlp-parity study: terminated (SIGTERM); no partial output was written\n")
    assert {path: path.read_text() for path in old} == old
    assert sorted(p.name for p in out.rglob("*")) == ["figures", "notes.txt", "report.html", "report.md",
                                                      "results.json", "task3_lr.png"]

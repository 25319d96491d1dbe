"""Local worker processes never outlive their owner, and Ctrl-C ends a sweep cleanly at any stage.

Real processes: ``mlp-parity sweep`` runs as a child whose workers stop at a named point
(``compare.run.hooks``: each appends "POINT PID" to a file and waits there); the test
waits for that file to name both workers, then sends its signal. No sleeps decide anything:
every wait is for an event, with a deadline only against a hang.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compare.run.hooks import PAUSE_AT, PAUSE_FILE
from compare.run.local import LocalPool
from compare.run.threads import call_in_one_thread

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

DEADLINE = 60.0  # seconds; only a hang gets near it
SWEEP = [sys.executable, "-m", "compare", "sweep", "--activations", "relu,tanh", "--lrs", "0.1", "--epochs", "30",
         "--jobs", "2", "--quiet"]


def _wait_for(condition, what: str):
    end = time.monotonic() + DEADLINE
    while not (value := condition()):
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
    return value


def _alive(pid: int) -> bool:
    """Running (a zombie counts as gone: it has exited and only waits to be reaped)."""
    status = Path(f"/proc/{pid}/status")
    if Path("/proc").is_dir():
        try:
            return "zombie" not in status.read_text()
        except FileNotFoundError:
            return False
    try:  # no /proc (macOS): the process table
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _start(point: str, tmp_path: Path) -> tuple[subprocess.Popen, list[int]]:
    """The sweep as a child (its own session, output captured); returns it once both workers reached ``point``."""
    marks = tmp_path / "reached"
    env = {**os.environ, PAUSE_AT: point, PAUSE_FILE: str(marks)}
    child = subprocess.Popen(SWEEP, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True, cwd=tmp_path)

    def both_workers():
        lines = marks.read_text().splitlines() if marks.exists() else []
        return [int(line.split()[1]) for line in lines] if len(lines) >= 2 else None

    workers = _wait_for(lambda: both_workers() or child.poll() is not None, f"two workers at {point}")
    assert child.poll() is None, child.communicate()
    return child, workers


def _finish(child: subprocess.Popen, workers: list[int]) -> tuple[int, str, str]:
    out, err = child.communicate(timeout=DEADLINE)  # returns only once nobody holds the pipes
    _wait_for(lambda: not any(_alive(pid) for pid in workers), "the workers to be gone")
    return child.returncode, out, err


@pytest.mark.parametrize("point", ["worker-importing-torch", "task-started"])
def test_ctrl_c_ends_the_sweep_with_one_line_and_no_worker_left(point, tmp_path):
    child, workers = _start(point, tmp_path)
    os.killpg(child.pid, signal.SIGINT)  # as a terminal does: the whole process group
    code, out, err = _finish(child, workers)
    assert code == 130
    assert err.count("\n") == 1 and err.startswith("mlp-parity sweep: interrupted"), err  # the CLI's one line
    assert out == ""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_the_workers_die_with_their_owner(sig, tmp_path):
    """``kill PID`` of the sweep, even SIGKILL (no clean-up at all): the workers go, the captured output ends."""
    child, workers = _start("task-started", tmp_path)
    os.kill(child.pid, sig)
    code, _, err = _finish(child, workers)
    # SIGTERM: killed by the signal until the command line handles it (then 143 and its one line).
    assert code in ((-sig,) if sig == signal.SIGKILL else (-sig, 143)), err
    assert "Traceback" not in err


def test_abort_kills_busy_workers_at_once(tmp_path):
    """An interrupted run does not wait for running tasks: abort() returns with every worker gone."""
    os.environ[PAUSE_AT], os.environ[PAUSE_FILE] = "task-started", str(tmp_path / "reached")
    pool = LocalPool(2)
    try:
        futures = [pool.submit(call_in_one_thread, abs, -1) for _ in range(2)]
        marks = tmp_path / "reached"
        pids = _wait_for(lambda: marks.exists() and len(lines := marks.read_text().splitlines()) == 2
                         and [int(line.split()[1]) for line in lines], "both tasks to start")
    finally:
        del os.environ[PAUSE_AT], os.environ[PAUSE_FILE]
    pool.abort()
    assert all(f.done() for f in futures)
    _wait_for(lambda: not any(_alive(pid) for pid in pids), "the workers to be gone")

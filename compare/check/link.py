"""The checker's line to the process that runs the user's code: requests, time limits, deaths, restarts.

:class:`ChildLink` starts ``python -m compare.sandbox.child`` as a plain subprocess (not a
``multiprocessing`` child: it also works inside a daemonic worker, such as a Dask worker) in a
session of its own, sends it requests (``compare.sandbox.wire``) and waits for each reply at
most the call's time limit plus a grace period. A late reply, or a process that exits, ends in
an :class:`~compare.sandbox.calls.Outcome` that the checks turn into a finding - "backward did
not return within 10 s (the process was stopped)", "the process exited with code 3 in
backward" - and the process group is killed. The next request starts a new child and replays
the set-up (load, the plan), so the remaining checks run. Arrays cross as ``.npy`` copies,
nothing is unpickled, and a reply is capped in size.

:class:`PipeLink` is the same conversation over given streams, with the roles reversed: the
checker runs in a child process (``compare.check.referee``) and the user's code stays in the
caller (a class defined in a notebook), whose time limit is its own ``SIGALRM``.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time

from compare.check.results import DEFAULT_MEMORY
from compare.check.texts import say
from compare.sandbox import wire
from compare.sandbox.calls import Outcome

GRACE = 2.0           # seconds a reply may be later than the call's own time limit before the process is killed
START_TIMEOUT = 60.0  # seconds to start the child and load the user's file, on top of the limit


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:
        return f"signal {code}"


class ChildLink:
    """One user's code in a child process (see the module docstring).

    ``timeout``: seconds per call (None: no limit); ``memory``: bytes of address space (None: none).
    """

    def __init__(self, timeout: float | None, memory: int | None = DEFAULT_MEMORY, deadline: float | None = None):
        self.timeout, self.memory = timeout, memory
        self.deadline = deadline   # time.monotonic() after which no request is made (a gradebook's cap per class)
        self.process: subprocess.Popen | None = None
        self.replies: queue.Queue | None = None
        self.setup: list[dict] = []   # requests replayed into a new child (load, adopt the plan)
        self.restarts = 0
        self.calling: tuple[str, str] | None = None   # (what, group) of the user's call in progress
        self._stderr = None

    # -- the process ----------------------------------------------------------------------------------
    def start(self) -> None:
        limits = json.dumps({"timeout": self.timeout, "memory": self.memory})
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1"}
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen([sys.executable, "-m", "compare.sandbox.child", limits],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                        env=env, start_new_session=hasattr(os, "setsid"))
        self.replies = queue.Queue()
        reader = threading.Thread(target=self._read, args=(self.process.stdout, self.replies), daemon=True)
        reader.start()
        for request in self.setup:
            self._exchange(request, START_TIMEOUT + (self.timeout or 0), "setting up")

    @staticmethod
    def _read(stream, replies: queue.Queue) -> None:
        while True:
            try:
                replies.put(wire.receive(stream))
            except (wire.WireError, OSError, ValueError) as exc:
                replies.put(exc)
                return

    def stop(self) -> None:
        """Kill the child and everything it started; wait for it."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            if hasattr(os, "killpg"):
                os.killpg(self.process.pid, signal.SIGKILL)
            else:  # Windows: the child itself
                self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout, self._stderr):
            with contextlib.suppress(OSError):
                stream.close()
        self.process = None

    def close(self) -> None:
        """Ask the child to exit, then make sure it has."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(OSError, wire.WireError, ValueError):
                wire.send(self.process.stdin, {"op": "exit"})
                self.process.wait(timeout=2)
        self.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- requests ---------------------------------------------------------------------------------------------
    def _died(self, what: str) -> Outcome:
        code = self.process.wait(timeout=10)
        if code == -signal.SIGKILL and self.memory:
            error = say("call.killed_memory", signal=_signal_name(-code), what=self._in(what))
        elif code < 0:
            error = say("call.killed", signal=_signal_name(-code), what=self._in(what))
        else:
            error = say("call.exited", code=code, what=self._in(what))
        self.stop()
        return Outcome(error=error, died=True)

    def _in(self, what: str) -> str:
        """The user's call that was running (the child announces each), else the request's own name."""
        return self.calling[0] if self.calling else what

    def _exchange(self, request: dict, seconds: float | None, what: str) -> Outcome | dict:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                return Outcome(error=say("call.out_of_time", what=what), timed_out=True, died=True)
            seconds = left if seconds is None else min(seconds, left)
        if self.process is None:
            self.restarts += 1
            self.start()
        self.calling = None
        try:
            wire.send(self.process.stdin, request)
        except (OSError, ValueError):
            return self._died(what)
        while True:
            try:
                reply = self.replies.get(timeout=seconds)
            except queue.Empty:
                self.stop()
                # ``died`` too: the child is gone, and with it its memory of which calls hang.
                return Outcome(error=say("call.stopped", what=self._in(what), seconds=self.timeout or seconds),
                               timed_out=True, died=True)
            if isinstance(reply, Exception):
                return self._died(what)
            if reply.get("op") != "calling":
                return reply
            # A call into the user's code starts: it has the call's time limit, whatever came before it.
            self.calling = (reply["what"], reply["group"])
            seconds = None if self.timeout is None else self.timeout + GRACE

    def request(self, request: dict, what: str, setup: bool = False) -> Outcome:
        """Send ``request``; its reply as an Outcome (``usage`` errors pass through as ``value['usage']``).

        ``setup``: a request that shapes the child's state (load, adopt a plan): replayed after a restart.
        After a failed request ``calling`` holds (what, group) of the user's call that was running.
        """
        seconds = None if self.timeout is None else self.timeout + GRACE
        if request["op"] in ("load", "discover"):
            seconds = None if self.timeout is None else START_TIMEOUT + self.timeout
        reply = self._exchange(request, seconds, what)
        if isinstance(reply, Outcome):
            return reply
        if setup:
            self.setup.append(request)
        return Outcome.from_message(reply)


class PipeLink:
    """The same requests over two given streams, to a caller that serves them itself (see the module docstring)."""

    def __init__(self, requests_out, replies_in, timeout: float | None):
        self.out, self.into, self.timeout = requests_out, replies_in, timeout
        self.restarts = 0
        self.calling = None   # the caller does not announce its calls: it would die with the check

    def request(self, request: dict, what: str, setup: bool = False) -> Outcome:
        try:
            wire.send(self.out, request)
            reply = wire.receive(self.into)
        except (OSError, wire.WireError) as exc:
            return Outcome(error=say("call.caller_silent", what=what, error=str(exc)), died=True)
        return Outcome.from_message(reply)

    def close(self) -> None:
        with contextlib.suppress(OSError, wire.WireError, ValueError):
            wire.send(self.out, {"op": "exit"})

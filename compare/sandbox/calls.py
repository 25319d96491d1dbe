"""Calling someone else's code, inside the process that runs it: every call goes through :class:`UserCalls`.

What the user's code does never crashes the caller; it becomes an :class:`Outcome`
that the checks turn into findings:

* an exception (including ``SystemExit`` from ``sys.exit()``) -> ``Outcome.error``, one line
  naming the last line of the user's file that was running;
* a call that runs longer than the time limit -> ``Outcome.timed_out`` ("forward did not
  return within 20 s (interrupted at student.py line 12: ...)"); a call that timed out once
  is not made again, nor a larger call of the same group (``train`` for 10 epochs after
  ``train`` for 1 epoch timed out): each fails at once, so a hanging method costs the limit
  about once per run, not once per check;
* printed output is captured (``compare.sandbox.capture``: the first characters are kept, the reported
  loss is read from them) and numpy/Python warnings are silenced. In the checker's child
  process (``compare.sandbox.child``) the capture is at the file-descriptor level
  (:class:`FdCapture`: C code and ``os.write`` too); in a caller's own process (a class
  checked from a notebook) it is ``sys.stdout``/``sys.stderr`` (:class:`StreamCapture`).

In the caller's own process ``KeyboardInterrupt`` is never caught: Ctrl-C (a notebook's stop button)
still stops the check. In the child process it is the user's code that raised it (Ctrl-C reaches the
checker, not the child, which runs in a session of its own): a finding like any other exception.

The time limit here is ``signal.setitimer(ITIMER_REAL)`` + ``SIGALRM``: the handler raises
:class:`CallTimedOut` in the main thread, wherever the user's Python code is, so the report
can name the line that was running. It is only possible in the main thread and where
``setitimer`` exists (not on Windows). Code that ignores the signal, catches every exception
or sits in one long C call is stopped by the checker itself, which kills the child process
(``compare.check.link``): the limit holds whatever the code does.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from compare.language.catalogue import Said
from compare.sandbox.capture import StreamCapture
from compare.sandbox.texts import say

NOT_CALLED = ("call.not_called", "call.not_called_again")   # the sentences of a call skipped after a hang

@dataclass
class Outcome:
    """What one call into user code gave: ``value``, or ``error`` (one line), and what it printed.

    For a call that ran out of time ``timed_out`` is True and ``error`` is a whole sentence
    ("forward did not return within 20 s ..."); otherwise ``error`` describes the exception
    (or, ``died``, how the process that ran it ended).
    """

    value: object = None
    error: str | None = None
    stdout: str = ""
    timed_out: bool = False
    died: bool = False
    usage: bool = False  # the error is the user's usage mistake (no such file, no such class), not a finding

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_message(self) -> dict:
        return {"value": self.value, "error": self.error, "stdout": self.stdout, "timed_out": self.timed_out,
                "died": self.died, "usage": self.usage}

    @classmethod
    def from_message(cls, message: dict) -> Outcome:
        return cls(**{k: message.get(k, default) for k, default in
                      (("value", None), ("error", None), ("stdout", ""), ("timed_out", False), ("died", False),
                       ("usage", False))})


class CallTimedOut(BaseException):
    """Raised inside the user's code when its time is up.

    A ``BaseException`` (like ``KeyboardInterrupt``) so that the user's own ``except Exception``
    does not swallow it.
    """


def _user_frame(exc: BaseException, source: str | None) -> str:
    """``at student.py line 42: `d_hidden = d_output @ self.W2```: the last frame in the user's file ("" if none)."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if source and Path(f.filename).resolve() == Path(source).resolve()]
    if not mine:
        return ""
    frame = mine[-1]
    return say("call.at_line", file=Path(frame.filename).name, line=frame.lineno, code=(frame.line or "").strip())


_UNREADABLE: set[type] = set()   # exception classes whose __str__ raised or looped once: not tried again


def _message(exc: BaseException) -> str:
    """``str(exc)`` - user code too (an exception class may define ``__str__``): bounded in time and length."""
    if type(exc) in _UNREADABLE:
        return say("call.unreadable_message")
    if exc.args and isinstance(exc.args[0], Said):   # the checker's own words, raised inside a user call
        return exc.args[0]
    try:
        with time_limit(1.0):
            text = str(exc)
    except BaseException:  # noqa: BLE001 - a __str__ that raises or loops: say so instead
        _UNREADABLE.add(type(exc))
        return say("call.unreadable_message")
    return text if len(text) <= 500 else text[:500] + "..."


def describe_exception(exc: BaseException, source: str | None) -> str:
    """``ValueError: ... (at student.py line 42: `d_hidden = d_output @ self.W2`)``; ``SystemExit(3)`` for sys.exit."""
    if isinstance(exc, SystemExit):
        text = "SystemExit()" if exc.code is None else f"SystemExit({exc.code!r})"
    else:
        message = _message(exc)
        text = say("call.exception", type=type(exc).__name__, message=message) if isinstance(message, Said) \
            else f"{type(exc).__name__}: {message}".strip()
    where = _user_frame(exc, source)
    return say("call.exception_at", error=text, at=where) if where else text


def _raise_timed_out(signum, frame):
    raise CallTimedOut


def can_limit_time() -> bool:
    """Whether :func:`time_limit` can interrupt here: SIGALRM handlers run only in the main thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`CallTimedOut` inside the block once it has run ``seconds`` (wall clock).

    ``signal.setitimer(signal.ITIMER_REAL, seconds)`` with a SIGALRM handler that raises. On
    the way out the timer is stopped and the previous handler restored; a timer someone else
    had running (a test runner's) is given back what is left of it. ``seconds`` None or 0, off
    the main thread, or without ``setitimer`` (Windows): no limit at all - the block simply runs.
    """
    if not seconds or not can_limit_time():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _raise_timed_out)
    outer_delay, outer_interval = 0.0, 0.0
    start = time.monotonic()
    try:
        outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        # The timer is one-shot: if it fires during this clean-up it has fired for good, so the
        # nested finally always restores the handler (the CallTimedOut then reaches the caller).
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)
            if outer_delay > 0:
                left = max(outer_delay - (time.monotonic() - start), 1e-6)
                signal.setitimer(signal.ITIMER_REAL, left, outer_interval)


def not_called(what: str, cause: str) -> str:
    """"train(X, Y, 10, 0.1) not called: train(X, Y, 1, 0.1) did not return within 1 s" - the first cause
    only, however many calls were skipped because of it."""
    if isinstance(cause, Said):
        root = cause.values["cause"] if cause.key in NOT_CALLED else cause
    else:
        root = cause.split(" not called: ")[-1].removesuffix("; not called again")
    return say("call.not_called_again", cause=root) if root.startswith(what) else \
        say("call.not_called", what=what, cause=root)


class Stopped(NamedTuple):
    """A group of calls that is not made again: the smallest size that timed out (or ended the process),
    the call that did, and the sentence that said so."""

    size: float
    what: str
    message: str
    died: bool = False   # the call ended the process (known from an earlier process: ``UserCalls.avoid``)


class UserCalls:
    """Makes every call into one user's code: ``calls.call("forward", net.forward, X) -> Outcome``.

    ``source`` is the user's file (to name the line that raised); ``timeout`` the per-call limit
    in seconds (None or 0: none); ``capture`` how printed output is captured (default: Python's
    streams). ``what`` names the call in messages. Calls are grouped (``group``, default
    ``what``: the method's name) and sized (``size``, e.g. the number of epochs): once a call has
    timed out, no call of its group at least as large is made again (see the module docstring).
    ``announce(what, group)``, if given, is told of each call before it is made: the child process
    tells the checker, so that a call that ends the process can be named and avoided afterwards.
    """

    def __init__(self, source: str | None = None, timeout: float | None = None, capture=None,
                 interrupts_stop: bool = True, announce=None):
        self.source, self.timeout = source, timeout
        self.capture = capture or StreamCapture()
        self.interrupts_stop = interrupts_stop  # False in the child: a KeyboardInterrupt there is the user's own
        self.announce = announce
        self.hung: dict[str, Stopped] = {}   # group -> why its calls are not made again

    def avoid(self, groups: dict[str, tuple[str, bool]]) -> None:
        """Never call these groups: group -> (the sentence saying how a call of it ended an earlier process,
        whether that process was stopped for hanging)."""
        for group, (message, timed_out) in groups.items():
            self.hung[group] = Stopped(0, group, message, died=not timed_out)

    def skipped(self, what: str, group: str, size: float) -> Outcome | None:
        """The outcome of a call that is not made because it (or a smaller one of its group) timed out."""
        stopped = self.hung.get(group)
        if stopped is None or size < stopped.size:
            return None
        return Outcome(error=not_called(what, stopped.message), timed_out=not stopped.died, died=stopped.died)

    def call(self, what: str, fn, *args, group: str | None = None, size: float = 0) -> Outcome:
        """``fn(*args)`` (bind keywords with ``functools.partial``), captured as described above."""
        group = what if group is None else group
        skipped = self.skipped(what, group, size)
        if skipped is not None:
            return skipped
        if self.announce is not None:
            self.announce(what, group)
        capture = self.capture
        try:
            with capture(), np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with time_limit(self.timeout):
                    value = fn(*args)
        except KeyboardInterrupt as exc:
            if self.interrupts_stop:
                raise  # Ctrl-C in the caller's own process stops the check
            return Outcome(error=describe_exception(exc, self.source), stdout=capture.text())
        except CallTimedOut as exc:
            where = _user_frame(exc, self.source)
            message = say("call.timed_out_at", what=what, seconds=self.timeout, at=where) if where else \
                say("call.timed_out", what=what, seconds=self.timeout)
            self.note_hung(what, group, size, message)
            return Outcome(error=message, stdout=capture.text(), timed_out=True)
        except BaseException as exc:  # noqa: BLE001 - the user's bug (or sys.exit), reported as a finding
            return Outcome(error=describe_exception(exc, self.source), stdout=capture.text())
        return Outcome(value=value, stdout=capture.text())

    def note_hung(self, what: str, group: str, size: float, message: str) -> None:
        """Remember that ``what`` (of ``group``, ``size``) timed out: no call as large is made again."""
        if group not in self.hung or size < self.hung[group].size:
            self.hung[group] = Stopped(size, what, message)

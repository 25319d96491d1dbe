"""Interruptions: Ctrl-C (SIGINT), ``kill`` (SIGTERM) and a closed terminal (SIGHUP) end a run cleanly.

Python turns SIGINT into ``KeyboardInterrupt`` but lets SIGTERM and SIGHUP kill the
process on the spot, skipping every ``finally``: a temporary file being written stays
behind. :func:`install` makes them raise :class:`Terminated` (a ``KeyboardInterrupt``,
so every clean-up path that handles Ctrl-C handles them too); the command line reports
each as one line and exits 128 + the signal's number - 130 (SIGINT), 143 (SIGTERM),
129 (SIGHUP) - the shell's numbers for a process ended by them.

:func:`deferred` holds both signals back while a set of outputs is renamed into
place (``compare.files.atomic.OutputSet.commit``), so that a set is replaced
whole or not at all; a signal that arrives meanwhile is delivered right after.

:func:`pause_point` is a test hook: with ``MLP_PARITY_PAUSE_AT=<name>`` in the
environment, the process announces ``paused at <name>`` on stderr and waits
there for a signal, so that tests interrupt a real process at a named moment
instead of guessing one with sleeps. Imports only the standard library: the
entry point installs the handlers before anything heavy is imported.
"""

from __future__ import annotations

import _thread
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager

PAUSE_VARIABLE = "MLP_PARITY_PAUSE_AT"
# Ctrl-C; kill; the terminal closing (SIGHUP, where the platform has it).
SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(KeyboardInterrupt):
    """SIGTERM (or SIGHUP), as an exception: handled wherever Ctrl-C is, reported with exit code 128 + signum."""

    def __init__(self, signum: int = signal.SIGTERM):
        super().__init__()
        self.signum = signum


def _as_exception(signum: int) -> KeyboardInterrupt:
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)


def _signum(exc: KeyboardInterrupt) -> int:
    return exc.signum if isinstance(exc, Terminated) else signal.SIGINT


_received: list[int] = []  # every signal our handler saw: an interrupt an import error hides is still known
_installed: list[int] = []  # the signals install() took over (this is the CLI's own process)


def _raise(signum, frame) -> None:
    _received.append(signum)
    raise _as_exception(signum)


def received() -> KeyboardInterrupt | None:
    """The interrupt our handler raised, if any: an interrupted import can fail as something else
    (numpy reports an interrupted import of its C extension as an ImportError)."""
    return _as_exception(_received[-1]) if _received else None


def install() -> None:
    """SIGINT raises KeyboardInterrupt, SIGTERM and SIGHUP raise Terminated (main thread only, as Python
    requires). A signal ignored when the process started stays ignored, as Python keeps an ignored
    SIGINT: ``nohup`` (SIGHUP) and a shell's background jobs (SIGINT) rely on it.

    A signal handler runs wherever the main thread happens to be, a weakref callback or a
    ``__del__`` included, where Python prints the exception as "Exception ignored" and goes
    on as if nothing happened. Such a swallowed interrupt is delivered again, at once.
    """
    for signum in SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _raise)
            _installed.append(signum)
    sys.unraisablehook = _redeliver_interrupts(sys.unraisablehook)


def _redeliver_interrupts(hook):
    def unraisable(info) -> None:
        if not isinstance(info.exc_value, KeyboardInterrupt):
            hook(info)
            return
        # From another thread: raised in this one, it would land in the same callback and be swallowed again.
        try:
            threading.Thread(target=_thread.interrupt_main, args=(_signum(info.exc_value),), daemon=True).start()
        except RuntimeError:  # the interpreter is shutting down: no threads, and nothing left to interrupt
            pass

    return unraisable


def ignore() -> None:
    """From now on no signal of ours interrupts: the one-line report and the exit must not be cut short."""
    for signum in _installed:
        signal.signal(signum, signal.SIG_IGN)


def finishing(command: str | None) -> None:
    """The work is done: an interrupt from now on (interpreter shutdown, worker pools joining) ends the
    process at once with its one line - raised there, it would print a traceback nobody can catch."""

    def end(signum, frame) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe or stream: nothing more to say there
                pass
        os._exit(report(command, _as_exception(signum)))

    for signum in _installed:
        signal.signal(signum, end)


def exit_code(exc: KeyboardInterrupt) -> int:
    """128 + the signal's number, as a shell reports a process that signal ended: 130, 143, 129."""
    return 128 + _signum(exc)


def report(command: str | None, exc: KeyboardInterrupt) -> int:
    """Print the one line an interrupted command ends with; return its exit code (130, 143 or 129)."""
    if _installed:  # the CLI's process (not main() called from Python): a second Ctrl-C must not cut the line
        ignore()
    signum = _signum(exc)
    what = "interrupted" if signum == signal.SIGINT else f"terminated ({signal.Signals(signum).name})"
    clear = "\r\033[K" if sys.stderr.isatty() else ""  # a progress bar may be half drawn on this line
    name = f"mlp-parity {command}" if command else "mlp-parity"
    try:
        print(f"{clear}{name}: {what}; no partial output was written", file=sys.stderr, flush=True)
    except (OSError, ValueError):  # the terminal is gone (SIGHUP): the exit code still says it
        pass
    return exit_code(exc)


@contextmanager
def deferred():
    """Hold SIGINT and SIGTERM back for the duration; deliver the first one that came, afterwards.

    Works with whatever handlers are installed (ours, Python's default, a notebook's):
    they are swapped for a recorder and put back, and a recorded signal is raised
    again so that its own handler sees it. Outside the main thread, where handlers
    cannot be changed, signals are not deferred (they reach the main thread anyway).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {signum: signal.signal(signum, lambda signum, frame: pending.append(signum)) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if pending:
            signal.raise_signal(pending[0])


def pause_point(name: str) -> None:
    """The test hook (see the module doc): wait here for a signal when ``MLP_PARITY_PAUSE_AT`` names this point."""
    if os.environ.get(PAUSE_VARIABLE) != name:
        return
    print(f"mlp-parity: paused at {name}", file=sys.stderr, flush=True)
    while True:  # time.sleep is interrupted by the signal, whose handler raises
        time.sleep(3600)

"""Interruptions: Ctrl-C (SIGINT) and ``kill`` (SIGTERM) end a run cleanly, at any moment.

Python turns SIGINT into ``KeyboardInterrupt`` but lets SIGTERM kill the process
on the spot, skipping every ``finally``: a temporary file being written stays
behind. :func:`install` makes SIGTERM raise :class:`Terminated` (a
``KeyboardInterrupt``, so every clean-up path that handles Ctrl-C handles it
too); the command line reports either as one line and exits 130 (SIGINT) or
143 (SIGTERM, 128 + 15), the shell's numbers for a process ended by them.

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
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM, as an exception: handled wherever Ctrl-C is, reported with exit code 143."""


_received: list[int] = []  # every signal our handler saw: an interrupt an import error hides is still known


def _raise(signum, frame) -> None:
    _received.append(signum)
    if signum == signal.SIGTERM:
        raise Terminated()
    raise KeyboardInterrupt()


def received() -> KeyboardInterrupt | None:
    """The interrupt our handler raised, if any: an interrupted import can fail as something else
    (numpy reports an interrupted import of its C extension as an ImportError)."""
    if not _received:
        return None
    return Terminated() if _received[-1] == signal.SIGTERM else KeyboardInterrupt()


def install() -> None:
    """SIGINT raises KeyboardInterrupt, SIGTERM raises Terminated (main thread only, as Python requires).

    A signal handler runs wherever the main thread happens to be, a weakref callback or a
    ``__del__`` included, where Python prints the exception as "Exception ignored" and goes
    on as if nothing happened. Such a swallowed interrupt is delivered again, at once.
    """
    for signum in SIGNALS:
        signal.signal(signum, _raise)
    sys.unraisablehook = _redeliver_interrupts(sys.unraisablehook)


def _redeliver_interrupts(hook):
    def unraisable(info) -> None:
        if not isinstance(info.exc_value, KeyboardInterrupt):
            hook(info)
            return
        signum = signal.SIGTERM if isinstance(info.exc_value, Terminated) else signal.SIGINT
        # From another thread: raised in this one, it would land in the same callback and be swallowed again.
        try:
            threading.Thread(target=_thread.interrupt_main, args=(signum,), daemon=True).start()
        except RuntimeError:  # the interpreter is shutting down: no threads, and nothing left to interrupt
            pass

    return unraisable


def ignore() -> None:
    """From now on neither signal interrupts: the one-line report and the exit must not be cut short."""
    for signum in SIGNALS:
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
        os._exit(report(command, Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()))

    for signum in SIGNALS:
        signal.signal(signum, end)


def exit_code(exc: KeyboardInterrupt) -> int:
    return 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)


def report(command: str | None, exc: KeyboardInterrupt) -> int:
    """Print the one line an interrupted command ends with; return its exit code (130 or 143)."""
    if signal.getsignal(signal.SIGINT) is _raise:  # the CLI's process (not main() called from Python)
        ignore()  # a second Ctrl-C must not cut the line short
    what = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
    clear = "\r\033[K" if sys.stderr.isatty() else ""  # a progress bar may be half drawn on this line
    name = f"mlp-parity {command}" if command else "mlp-parity"
    print(f"{clear}{name}: {what}; no partial output was written", file=sys.stderr, flush=True)
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

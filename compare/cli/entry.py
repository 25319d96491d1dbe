"""The console entry point (``mlp-parity``, ``python -m compare``): signals first, then everything else.

An interrupt can come at any moment, the first tenth of a second included, while
numpy and the subcommands are still being imported. So this module imports only what
the interpreter has already loaded; everything else is imported inside
:func:`entry_point`'s ``try``, where an interrupt is a ``KeyboardInterrupt`` like any
other: whenever the signal lands, the command ends with one line on stderr and exit
code 130 (SIGINT), 143 (SIGTERM) or 129 (SIGHUP), never a traceback. (Before the
handlers are installed, SIGTERM and SIGHUP still have their default action: the
process ends at once, with nothing written yet.)
"""

import _signal  # the C core of `signal`, loaded with the interpreter (`signal` itself imports enum, ...)
import sys


def entry_point() -> None:
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    try:
        # Imported here, inside the try: an interrupt during these imports is handled below.
        from compare.files import interrupts

        interrupts.install()
        interrupts.pause_point("startup")
        # numpy and the subcommands take a moment to import: under the handlers, too.
        from compare.cli.main import main

        code = main()
    except BaseException as exc:
        interrupt = exc if isinstance(exc, KeyboardInterrupt) else _hidden_interrupt(exc)
        if interrupt is None:
            raise
        _signal.signal(_signal.SIGINT, _signal.SIG_IGN)  # a second Ctrl-C must not cut the line short
        # Imported again: the interrupt may have cut its first import short.
        from compare.files import interrupts

        code = interrupts.report(command, interrupt)
    else:
        interrupts.finishing(command)
    sys.exit(code)


def _hidden_interrupt(exc: BaseException):
    """The interrupt behind another exception: an import cut short by Ctrl-C can fail as an ImportError."""
    interrupts = sys.modules.get("compare.files.interrupts")
    if isinstance(exc, SystemExit) or interrupts is None:
        return None
    return interrupts.received()

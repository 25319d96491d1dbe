"""The console entry point (``mlp-parity``, ``python -m compare``): signals first, then everything else.

An interrupt can come at any moment, the first tenth of a second included, while
numpy and the subcommands are still being imported. So this module imports only the
standard library and ``compare.files.interrupts``, installs the handlers (SIGINT ->
``KeyboardInterrupt``, SIGTERM -> ``Terminated``) and only then imports
``compare.cli.main``: whenever the signal lands, the command ends with one line on
stderr and exit code 130 (SIGINT) or 143 (SIGTERM), never a traceback.
"""

from __future__ import annotations

import sys

from compare.files import interrupts


def entry_point() -> None:
    interrupts.install()
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    try:
        interrupts.pause_point("startup")
        # Imported only now, under the handlers: numpy and the subcommands take a moment to import.
        from compare.cli.main import main

        code = main()
    except KeyboardInterrupt as exc:  # before main's own handler is in place (imports, parsing)
        code = interrupts.report(command, exc)
    else:
        interrupts.finishing(command)
    sys.exit(code)

"""Named points where a test can stop a process, to send it a signal at a known moment (no sleeps).

A test sets ``MLP_PARITY_PAUSE_AT`` to a comma-separated list of point names and
``MLP_PARITY_PAUSE_FILE`` to a file. A process that reaches a listed point appends
``NAME PID`` to the file and waits there until a signal ends it; the test reads the file
to know that the point was reached, and by which processes, then sends its signal.
Without those variables a point costs one dictionary look-up.

Points: ``worker-importing-torch`` (a local worker process, in its start-up, before it
imports torch; its signals are already set up), ``task-started`` (any process, as it
starts one task of a grid).
"""

from __future__ import annotations

import os
import signal
import time

PAUSE_AT = "MLP_PARITY_PAUSE_AT"
PAUSE_FILE = "MLP_PARITY_PAUSE_FILE"


def pause_point(name: str) -> None:
    """Stop here for good if a test asked for ``name`` (see the module docstring)."""
    wanted = os.environ.get(PAUSE_AT)
    if not wanted or name not in wanted.split(","):
        return
    with open(os.environ[PAUSE_FILE], "a", encoding="utf-8") as handle:
        handle.write(f"{name} {os.getpid()}\n")
    while True:  # until a signal ends the process (an ignored signal wakes nothing)
        if hasattr(signal, "pause"):
            signal.pause()
        else:  # Windows has no pause()
            time.sleep(3600)

"""A process that dies with the one that started it: no worker, no sandboxed student code outlives its owner.

On Linux the kernel does it: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` kills this process when the
thread that started it exits. Elsewhere a daemon thread watches the parent id and ends the
process when it changes (the parent died and the process was re-parented).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_WATCH_INTERVAL = 0.5  # seconds between two looks at the parent id where prctl is missing


def alive(pid: int) -> bool:
    """Whether a process with this id exists (owned by anyone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def kernel_kills_orphan() -> bool:
    """Linux: SIGKILL this process when the thread that started it exits. False where unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def watch_parent(parent: int) -> None:
    """Where the kernel cannot: a daemon thread that ends this process once ``parent`` is no longer its parent."""
    def watch():
        while os.getppid() == parent:
            threading.Event().wait(_WATCH_INTERVAL)
        os._exit(1)  # orphaned: nobody will ever read a result

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def die_with_parent() -> bool:
    """Arm the guard (kernel, else watcher); False if the parent had already gone by the time it was armed."""
    parent = os.getppid()
    if not kernel_kills_orphan():
        watch_parent(parent)
    return os.getppid() == parent

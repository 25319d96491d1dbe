"""Capturing what someone's code prints during one call, with a size cap.

:class:`FdCapture` - in the checker's child process - captures file descriptors 1 and 2 (Python,
C code and ``os.write`` alike); :class:`StreamCapture` - in a caller's own process (a class
checked from a notebook) - ``sys.stdout``/``sys.stderr``. Both keep the first :data:`KEPT_OUTPUT`
characters: enough for any training printout's first loss lines (the reported loss is read from
them), bounded so that a class printing in a tight loop does not fill the memory.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys

# Printed output kept per call: enough for any training printout's first loss lines, bounded so
# that a class printing in a tight loop does not fill the memory before the time limit stops it.
KEPT_OUTPUT = 1_000_000


class KeptOutput(io.TextIOBase):
    """A stdout replacement that keeps the first ``limit`` characters printed and drops the rest."""

    def __init__(self, limit: int = KEPT_OUTPUT):
        super().__init__()
        self.limit, self.kept, self.parts = limit, 0, []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(len(text), room)
        return len(text)

    def getvalue(self) -> str:
        return "".join(self.parts)


class StreamCapture:
    """Capture ``sys.stdout``/``sys.stderr`` (Python-level prints) of one call: the caller's own process."""

    def __init__(self):
        self.buffer = KeptOutput()

    @contextlib.contextmanager
    def __call__(self):
        self.buffer = KeptOutput()
        with contextlib.redirect_stdout(self.buffer), contextlib.redirect_stderr(self.buffer):
            yield

    def text(self) -> str:
        return self.buffer.getvalue()


class FdCapture:
    """Capture file descriptors 1 and 2 of one call (Python, C code and ``os.write`` alike).

    The child process points both at one scratch file for its whole life
    (``compare.sandbox.child``); a call empties it first and reads back the first
    :data:`KEPT_OUTPUT` bytes after. How much the file may grow is bounded by the process's
    file-size limit.
    """

    def __init__(self, fd: int):
        self.fd = fd
        self._text = ""

    @contextlib.contextmanager
    def __call__(self):
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os.ftruncate(self.fd, 0)
        os.lseek(self.fd, 0, os.SEEK_SET)
        try:
            yield
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            self._text = os.pread(self.fd, KEPT_OUTPUT, 0).decode("utf-8", errors="replace")

    def text(self) -> str:
        return self._text

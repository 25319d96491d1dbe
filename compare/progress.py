"""A dependency-free progress bar on stderr (drawn only when stderr is a terminal)."""

from __future__ import annotations

import sys
import time


class Progress:
    """``with Progress(total, "sweep") as bar: ... bar.update()``.

    On a terminal: one line redrawn in place, with count, rate and ETA. Elsewhere
    (CI logs, pipes): silent, so logs stay clean and output deterministic.
    """

    def __init__(self, total: int, label: str, stream=None, enabled: bool | None = None):
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.done = 0
        self.start = time.perf_counter()
        self._last_draw = 0.0

    def __enter__(self):
        self._draw(force=True)
        return self

    def update(self, n: int = 1, note: str = "") -> None:
        self.done += n
        self._draw(note=note, force=self.done >= self.total)

    def _draw(self, note: str = "", force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        frac = min(self.done / self.total, 1.0)
        width = 28
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        elapsed = now - self.start
        eta = elapsed / frac - elapsed if frac > 0 else 0.0
        line = f"\r{self.label} [{bar}] {self.done}/{self.total} {elapsed:5.1f}s eta {eta:5.1f}s {note}"
        self.stream.write(line[:120].ljust(100))
        self.stream.flush()

    def __exit__(self, *exc):
        if self.enabled:
            self.stream.write("\r" + " " * 120 + "\r")
            self.stream.flush()
        return False

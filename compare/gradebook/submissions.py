"""The submissions of a course: every file under the folders and globs the teacher names.

A submission is one file; ``.py`` and ``.ipynb`` files are checked, any other file still gets a
row (a student who handed in a ``.docx`` or a ``.txt`` is in the gradebook too). Hidden files
and folders, ``__pycache__`` and compiled files are skipped. Each submission carries its bytes:
it is checked from a copy in a fresh directory, on this machine or on a cluster's worker, so
the result does not depend on where it ran.
"""

from __future__ import annotations

import glob
import hashlib
from dataclasses import dataclass
from pathlib import Path

from handmade.contract.errors import InvalidInput

CHECKED = (".py", ".ipynb")
SKIPPED = (".pyc", ".pyo")
MAX_BYTES = 16 * 2**20   # a homework file; anything larger is refused before it is read


@dataclass(frozen=True)
class Submission:
    """``name``: the path the gradebook shows (relative to the folder given); ``content``: the file's bytes."""

    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def checkable(self) -> bool:
        return is_checkable(self.name)


def is_checkable(name: str) -> bool:
    """A file check runs: a Python file or a notebook (by its suffix, in any case)."""
    return Path(name).suffix.lower() in CHECKED


def is_batch(targets: list[str]) -> bool:
    """More than one target, a folder, or a glob: a gradebook rather than one report card."""
    return len(targets) > 1 or any(Path(t).is_dir() or glob.has_magic(t) for t in targets)


def _visible(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts if path != root else ()
    return not any(p.startswith(".") or p == "__pycache__" for p in parts) and path.suffix.lower() not in SKIPPED


def _files(target: str) -> list[tuple[Path, str]]:
    """(file, name shown) for one target: a folder (recursively), a glob, or a file."""
    path = Path(target)
    if path.is_dir():
        return [(f, str(f.relative_to(path))) for f in sorted(path.rglob("*")) if f.is_file() and _visible(f, path)]
    if glob.has_magic(target):
        matches = sorted(Path(m) for m in glob.glob(target, recursive=True))
        return [(m, str(m)) for m in matches if m.is_file() and _visible(m, m.parent)]
    if path.is_file():
        return [(path, str(path))]
    raise InvalidInput(f"no such file or folder: {target}")


def collect(targets: list[str]) -> list[Submission]:
    """Every submission the targets name, each once, in the order found; InvalidInput when there is none."""
    seen, found = set(), []
    for target in targets:
        for path, name in _files(target):
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            size = path.stat().st_size
            if size > MAX_BYTES:
                raise InvalidInput(f"{name} is {size / 2**20:.0f} MiB: not a homework file (at most "
                                   f"{MAX_BYTES // 2**20} MiB)")
            found.append(Submission(name, path.read_bytes()))
    if not found:
        raise InvalidInput(f"no submissions in {', '.join(targets)} (files ending in {', '.join(CHECKED)})")
    return found

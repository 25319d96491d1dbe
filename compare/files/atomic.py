"""Writing results safely: every file, and every set of files, appears whole or not at all.

A file is written to a temporary file beside its destination (``.NAME.XXXX.tmp``,
same directory, so the same file system) and then ``os.replace``d into place, an
atomic rename on POSIX. A command that writes several files that belong together
(a sweep's JSON and CSV, the study's report and its figures) stages them all in an
:class:`OutputSet` and renames them only once every one is written, with SIGINT
and SIGTERM held back during the renames (``compare.files.interrupts.deferred``):
an interrupted run leaves the old set, never new figures beside an old report.
(A SIGKILL or a power cut during the renames themselves - microseconds - is the
one thing this cannot cover.)

An ``OSError`` while writing (disk full, permissions) is raised again naming the
destination as the caller gave it, not the temporary file, and the temporary
file is removed.
"""

from __future__ import annotations

import errno
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from compare.files import interrupts


class OutputSet:
    """Files that appear together or not at all: ``with OutputSet() as out: out.write_text(path, text) ...``.

    Every write goes to a temporary file at once (so a full disk shows before
    anything is replaced); leaving the ``with`` block normally renames them all
    into place (:meth:`commit`), leaving it by an exception removes them
    (:meth:`discard`). :meth:`directory` stages a whole tree (the study writes its
    figures and then a report that embeds them) in a hidden directory inside its
    destination. Paths are shown in errors as the caller gave them (``str(path)``:
    see ``compare.cli.options.OutputPath``).
    """

    _open = 0  # sets open in this process: a set written inside another's staging directory is not the outer commit

    def __init__(self):
        self._files: list[tuple[Path, Path, str]] = []  # (temporary file, destination, as shown)
        self._trees: list[tuple[Path, Path]] = []  # (staging directory, destination directory)

    def __enter__(self) -> OutputSet:
        OutputSet._open += 1
        return self

    def __exit__(self, kind, exc, traceback) -> None:
        try:
            if kind is None:
                self.commit()
            else:
                self.discard()
        finally:
            OutputSet._open -= 1

    def atomic_write(self, path, write) -> Path:
        """Stage ``path``: ``write(handle)`` fills a temporary file beside it. Returns the destination."""
        shown, path = str(path), Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise _naming(exc, shown) from None
        self._files.append((Path(tmp), path, shown))
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise _naming(exc, shown) from None
        return path

    def write_bytes(self, path, data: bytes) -> Path:
        return self.atomic_write(path, lambda handle: handle.write(data))

    def write_text(self, path, text: str) -> Path:
        return self.write_bytes(path, text.encode("utf-8"))

    def write_json(self, path, obj) -> Path:
        """``obj`` as strict, indented JSON; a dict gets ``schema_version`` as its first key."""
        if isinstance(obj, dict):
            obj = {"schema_version": SCHEMA_VERSION, **{k: v for k, v in obj.items() if k != "schema_version"}}
        return self.write_text(path, json.dumps(to_jsonable(obj), indent=2, allow_nan=False) + "\n")

    def directory(self, path) -> Path:
        """A staging directory for the tree that goes to ``path``; write into it as if it were ``path``."""
        shown, path = str(path), Path(path)
        try:
            path.mkdir(parents=True, exist_ok=True)
            stage = Path(tempfile.mkdtemp(prefix=f".{path.name or 'out'}.", suffix=".tmp", dir=path))
        except OSError as exc:
            raise _naming(exc, shown) from None
        self._trees.append((stage, path))
        return stage

    def commit(self) -> None:
        """Rename every staged file into place, uninterrupted by SIGINT, SIGTERM or SIGHUP.

        Anything that stops it before the renames (an interrupt, a destination that is a
        directory) removes the staged files: the old set stays as it was.
        """
        try:
            moves = self._moves()
            umask = os.umask(0)  # mkstemp creates 0600 files; results are meant to be shared: the usual umask
            os.umask(umask)
            if OutputSet._open <= 1:  # the outermost set: what a command is about to replace
                interrupts.pause_point("commit")
            with interrupts.deferred():
                for tmp, destination, shown in moves:
                    try:
                        destination.parent.mkdir(parents=True, exist_ok=True)
                        os.chmod(tmp, 0o666 & ~umask)
                        os.replace(tmp, destination)
                    except OSError as exc:
                        raise _naming(exc, shown) from None
                self._files = []
        finally:
            self.discard()  # what was not renamed, and the (emptied) staging directories

    def _moves(self) -> list[tuple[Path, Path, str]]:
        """(temporary file, destination, as shown) for every staged file, trees included."""
        moves = list(self._files)
        for stage, destination in self._trees:
            moves += [(file, destination / file.relative_to(stage), str(destination / file.relative_to(stage)))
                      for file in sorted(stage.rglob("*")) if file.is_file() and not file.is_symlink()]
        # Checked before the first rename: a failure half-way would leave half a set.
        for _, destination, shown in moves:
            if destination.is_dir():
                raise IsADirectoryError(errno.EISDIR, "is a directory, not a file", shown)
        return moves

    def discard(self) -> None:
        """Remove every staged file and staging directory; nothing reaches a destination."""
        for tmp, _, _ in self._files:
            tmp.unlink(missing_ok=True)
        for stage, _ in self._trees:
            shutil.rmtree(stage, ignore_errors=True)
        self._files, self._trees = [], []


def _naming(exc: OSError, shown: str) -> OSError:
    """The same error, naming the destination as the caller gave it instead of a temporary file."""
    return type(exc)(exc.errno, exc.strerror or str(exc), shown) if exc.errno else OSError(None, str(exc), shown)


def atomic_write(path, write) -> Path:
    """One file, whole or not at all (an :class:`OutputSet` of one)."""
    with OutputSet() as outputs:
        return outputs.atomic_write(path, write)


def write_bytes(path, data: bytes) -> Path:
    with OutputSet() as outputs:
        return outputs.write_bytes(path, data)


def write_text(path, text: str) -> Path:
    with OutputSet() as outputs:
        return outputs.write_text(path, text)


def write_json(path, obj) -> Path:
    """``obj`` as strict, indented JSON; a dict gets ``schema_version`` as its first key."""
    with OutputSet() as outputs:
        return outputs.write_json(path, obj)


def to_jsonable(obj):
    """numpy scalars/arrays, tuples and non-finite floats -> plain JSON values.

    NaN and inf become the strings "nan", "inf", "-inf" so that the file is
    strict JSON that any parser reads.
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if hasattr(obj, "to_dict"):
        return to_jsonable(obj.to_dict())
    return obj


# Every JSON object the tool writes starts with this, so that a script can tell which layout it reads.
# It goes up when a key is removed or changes meaning (new keys keep it).
SCHEMA_VERSION = 1

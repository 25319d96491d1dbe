"""Atomic outputs: a file appears whole or not at all, and foreign files are never touched."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from compare.figures.canvas import save_figure, subplots
from compare.files import atomic as output


def listing(directory):
    return sorted(p.name for p in directory.iterdir())


def small_figure():
    fig, ax = subplots(figsize=(2, 2))
    ax.plot([0, 1], [1, 0])
    return fig


WRITERS = {
    "json": lambda path: output.write_json(path, {"summary": {"checks": 3, "failed": 0, "worst_rel_diff": 1e-16}}),
    "text": lambda path: output.write_text(path, "# report\n" + "x" * 100_000),
    "figure": lambda path: save_figure(small_figure(), path),
}


@pytest.fixture
def interrupt_after_writing(monkeypatch):
    """Ctrl-C after the bytes reached the temp file, just before it is renamed into place."""
    seen = {}

    def fsync(fd):
        seen["size"] = os.fstat(fd).st_size
        raise KeyboardInterrupt

    monkeypatch.setattr(output.os, "fsync", fsync)
    return seen


@pytest.mark.parametrize("kind", WRITERS)
def test_interrupt_mid_write_leaves_nothing(tmp_path, kind, interrupt_after_writing):
    path = tmp_path / f"result.{kind}"
    with pytest.raises(KeyboardInterrupt):
        WRITERS[kind](path)
    assert interrupt_after_writing["size"] > 0  # the interrupt really came mid-write, with bytes on disk
    assert listing(tmp_path) == []  # neither the file nor the temp file


@pytest.mark.parametrize("kind", WRITERS)
def test_interrupted_overwrite_keeps_the_old_file(tmp_path, kind, interrupt_after_writing):
    path = tmp_path / f"result.{kind}"
    path.write_bytes(b"previous complete result")
    with pytest.raises(KeyboardInterrupt):
        WRITERS[kind](path)
    assert path.read_bytes() == b"previous complete result"
    assert listing(tmp_path) == [path.name]


def test_failure_inside_the_writer_leaves_nothing(tmp_path):
    """An exception raised by the writer itself after partial output (e.g. savefig failing half-way)."""
    fig = small_figure()

    def broken_savefig(handle, **kwargs):
        handle.write(b"\x89PNG\r\n\x1a\n partial")
        raise RuntimeError("renderer crashed")

    fig.savefig = broken_savefig
    with pytest.raises(RuntimeError, match="renderer crashed"):
        save_figure(fig, tmp_path / "plot.png")
    assert listing(tmp_path) == []


def test_unserialisable_json_writes_nothing(tmp_path):
    with pytest.raises(TypeError):
        output.write_json(tmp_path / "r.json", {"summary": object()})
    assert listing(tmp_path) == []


def test_temp_file_is_in_the_destination_directory(tmp_path, monkeypatch):
    """os.replace is only atomic within one file system, so the temp file must sit next to the target."""
    calls = []
    real_replace = os.replace

    def replace(src, dst):
        calls.append((os.path.dirname(src), os.path.dirname(dst), os.path.basename(src)))
        return real_replace(src, dst)

    monkeypatch.setattr(output.os, "replace", replace)
    output.write_text(tmp_path / "sub" / "a.txt", "hello")
    [(src_dir, dst_dir, name)] = calls
    assert src_dir == dst_dir == str(tmp_path / "sub")
    assert name.startswith(".a.txt.") and name.endswith(".tmp")  # hidden and matched by .gitignore's *.tmp


def test_existing_directory_reused_without_deleting_foreign_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine, not the tool's")
    (out / "nested").mkdir()
    (out / "nested" / "data.csv").write_text("1,2\n")
    (out / "report.md").write_text("old report")
    output.write_text(out / "report.md", "new report")
    output.write_json(out / "result.json", {"summary": {"checks": 1, "failed": 0, "worst_rel_diff": 0.0}})
    save_figure(small_figure(), out / "loss.png")
    assert listing(out) == ["loss.png", "nested", "notes.txt", "report.md", "result.json"]
    assert (out / "notes.txt").read_text() == "mine, not the tool's"
    assert (out / "nested" / "data.csv").read_text() == "1,2\n"
    assert (out / "report.md").read_text() == "new report"
    assert (out / "loss.png").read_bytes().startswith(b"\x89PNG")


def test_written_json_is_strict_and_whole(tmp_path):
    path = output.write_json(tmp_path / "r.json", {"a": np.float32(0.5), "b": float("nan"), "c": np.arange(3),
                                                   "d": (1, float("-inf"))})
    text = path.read_text()
    assert text.endswith("}\n")
    assert json.loads(text) == {"schema_version": output.SCHEMA_VERSION, "a": 0.5, "b": "nan", "c": [0, 1, 2],
                                "d": [1, "-inf"]}
    assert text.startswith('{\n  "schema_version": ')  # first, where a script looks

"""Atomic outputs: a file appears whole or not at all, and foreign files are never touched."""

from __future__ import annotations

import json
import os
import signal

import numpy as np
import pytest

from compare.figures.canvas import save_figure, subplots
from compare.files import atomic as output
from compare.files.interrupts import deferred


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


# -- sets of outputs ------------------------------------------------------------------------------
def test_a_set_appears_only_when_the_block_ends(tmp_path):
    (tmp_path / "a.json").write_text("old a")
    with output.OutputSet() as outputs:
        outputs.write_json(tmp_path / "a.json", {"x": 1})
        outputs.write_text(tmp_path / "sub" / "b.csv", "x\n1\n")
        assert (tmp_path / "a.json").read_text() == "old a" and not (tmp_path / "sub" / "b.csv").exists()
    assert json.loads((tmp_path / "a.json").read_text())["x"] == 1
    assert (tmp_path / "sub" / "b.csv").read_text() == "x\n1\n"
    assert listing(tmp_path) == ["a.json", "sub"] and listing(tmp_path / "sub") == ["b.csv"]


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
def test_a_set_left_by_an_exception_writes_nothing(tmp_path, failure):
    (tmp_path / "a.json").write_text("old a")
    with pytest.raises(failure), output.OutputSet() as outputs:
        outputs.write_json(tmp_path / "a.json", {"x": 1})
        outputs.write_text(tmp_path / "b.csv", "new b")
        raise failure()
    assert listing(tmp_path) == ["a.json"] and (tmp_path / "a.json").read_text() == "old a"


def test_a_staged_tree_keeps_foreign_files_and_removes_its_staging_directory(tmp_path):
    out = tmp_path / "study"
    (out / "figures").mkdir(parents=True)
    (out / "notes.txt").write_text("the user's own")
    (out / "figures" / "old.png").write_text("kept: the tool did not write it this time")
    with output.OutputSet() as outputs:
        stage = outputs.directory(out)
        save_figure(small_figure(), stage / "figures" / "loss.png")
        output.write_text(stage / "report.md", "![](figures/loss.png)")  # a set of one inside the stage
        assert (stage / "figures" / "loss.png").exists() and not (out / "figures" / "loss.png").exists()
    assert listing(out) == ["figures", "notes.txt", "report.md"]
    assert listing(out / "figures") == ["loss.png", "old.png"]
    assert (out / "figures" / "loss.png").read_bytes().startswith(b"\x89PNG")


def test_a_destination_that_is_a_directory_stops_the_whole_set(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "b.txt").mkdir()
    with pytest.raises(IsADirectoryError) as info, output.OutputSet() as outputs:
        outputs.write_text(tmp_path / "a.txt", "new a")
        outputs.write_text(tmp_path / "b.txt", "new b")
    assert info.value.filename == str(tmp_path / "b.txt")
    assert (tmp_path / "a.txt").read_text() == "old a"  # not replaced: the set failed as a whole
    assert listing(tmp_path) == ["a.txt", "b.txt"]


def test_a_full_disk_names_the_file_not_the_temporary_one(tmp_path, monkeypatch):
    def fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", fsync)
    with pytest.raises(OSError) as info:
        output.write_json(tmp_path / "r.json", {"a": 1})
    assert info.value.errno == 28 and info.value.filename == str(tmp_path / "r.json")
    assert listing(tmp_path) == []


@pytest.fixture
def python_sigint_handler():
    """Python's own SIGINT handler for the test, whatever an earlier test left installed."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_signals_during_the_renames_are_delivered_after_them(python_sigint_handler):
    """SIGINT inside ``deferred`` waits for the block to finish, then reaches the handler it was meant for."""
    finished = False
    with pytest.raises(KeyboardInterrupt):
        with deferred():
            os.kill(os.getpid(), signal.SIGINT)
            finished = True  # not interrupted: the signal waits
    assert finished
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is back

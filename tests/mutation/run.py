"""The curated mutation run: one-line bugs, each applied alone, each killed by the tests that promise it.

    python tests/mutation/run.py                 # every mutant; exit 1 if one survives
    python tests/mutation/run.py --only ID ...   # some of them
    python tests/mutation/run.py --table         # the promise -> mutant -> killing test table (Markdown)

``mutants.jsonl`` (beside this file) holds one mutant per line: ``id``, ``promise`` (the
README's promise it breaks), ``file``, ``old`` (text found exactly once in the file),
``new`` (its replacement) and ``tests`` (pytest node ids that must fail). Adding a mutant
is adding a line.

How it runs: the project is copied to a temporary directory (the working tree is never
modified: an interrupted run leaves nothing mutated); the listed tests of every mutant
are first run on the unmutated copy and must pass (else a "kill" would mean nothing);
then each mutant is applied alone and only its tests run, with ``-x``. A mutant is
*killed* when pytest reports a failing test (exit code 1); *survived* when they pass;
an *error* (the old text is missing, a test id does not exist, a collection error) fails
the run too, since it means the catalogue is stale. ``PYTHONPATH`` points at the copy, so
tests that start ``python -m compare`` in a subprocess run the mutant as well.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = Path(__file__).with_name("mutants.jsonl")
FIELDS = ("id", "promise", "file", "old", "new", "tests")
TIMEOUT = 300  # seconds per mutant: a mutant that hangs its tests counts as killed by the timeout
IGNORED = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", "study", "*.tmp",
                                 "*.egg-info", "build")


@dataclass(frozen=True)
class Mutant:
    id: str
    promise: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]


def load(path: Path = CATALOGUE) -> list[Mutant]:
    """The catalogue, checked: known fields, unique ids, each ``old`` found exactly once in its file."""
    mutants, problems = [], []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        entry = json.loads(line)
        if set(entry) != set(FIELDS):
            problems.append(f"line {number}: fields {sorted(entry)}, expected {sorted(FIELDS)}")
            continue
        mutant = Mutant(**{**entry, "tests": tuple(entry["tests"])})
        source = (ROOT / mutant.file).read_text() if (ROOT / mutant.file).is_file() else None
        if source is None:
            problems.append(f"{mutant.id}: no file {mutant.file}")
        elif source.count(mutant.old) != 1:
            problems.append(f"{mutant.id}: the old text occurs {source.count(mutant.old)} times in {mutant.file} "
                            "(the code changed: update the mutant)")
        if mutant.old == mutant.new or not mutant.tests:
            problems.append(f"{mutant.id}: changes nothing or names no test")
        mutants.append(mutant)
    ids = [m.id for m in mutants]
    problems += [f"{i}: id used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    if problems:
        raise StaleCatalogue("mutants.jsonl is stale:\n  " + "\n  ".join(problems))
    return mutants


class StaleCatalogue(ValueError):
    """A mutant that no longer applies (the code it mutates changed) or is malformed."""


def pytest(copy: Path, tests, timeout: float = TIMEOUT) -> tuple[int, str, float]:
    """(exit code, output, seconds) of ``pytest -x`` on ``tests`` in the copy; exit code None on a timeout."""
    env = {**os.environ, "PYTHONPATH": str(copy), "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", time.perf_counter() - start
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - start


def first_failure(output: str) -> str:
    found = re.search(r"^(?:FAILED|ERROR) (\S+)", output, re.MULTILINE)
    return found.group(1) if found else "-"


def run(mutants: list[Mutant]) -> bool:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mlp-parity-mutation-") as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(ROOT, copy, ignore=IGNORED)
        tests = sorted({t for m in mutants for t in m.tests})
        code, output, seconds = pytest(copy, tests, timeout=TIMEOUT * 2)
        print(f"baseline: {len(tests)} tests of {len(mutants)} mutants on the unmutated code: "
              f"{'pass' if code == 0 else 'FAIL'} ({seconds:.0f} s)", flush=True)
        if code != 0:
            print(output[-3000:])
            return False
        results = [mutate_and_test(copy, mutant) for mutant in mutants]
    killed = sum(result == "killed" for result in results)
    print(f"\nkilled {killed} of {len(mutants)} mutants ({100 * killed / len(mutants):.0f}%) in "
          f"{time.perf_counter() - start:.0f} s")
    return killed == len(mutants)


def mutate_and_test(copy: Path, mutant: Mutant) -> str:
    path = copy / mutant.file
    original = path.read_text()
    path.write_text(original.replace(mutant.old, mutant.new, 1))
    try:
        code, output, seconds = pytest(copy, mutant.tests)
    finally:
        path.write_text(original)
    result = {1: "killed", 0: "SURVIVED", None: "killed"}.get(code, "ERROR")
    by = "timeout" if code is None else first_failure(output)
    print(f"{result:9} {seconds:5.1f} s  {mutant.id:38} {by}", flush=True)
    if result == "ERROR":
        print(output[-2000:])
    return result


def table(mutants: list[Mutant]) -> str:
    """The promise -> mutant -> killing tests table, in catalogue order grouped by promise."""
    lines = ["| promise (README) | mutant | file: the one-line change | killing tests |", "|---|---|---|---|"]
    for promise in dict.fromkeys(m.promise for m in mutants):
        for m in (m for m in mutants if m.promise == promise):
            change = f"`{m.file}`: `{_cell(m.old)}` -> `{_cell(m.new)}`"
            tests = "<br>".join(f"`{_cell(t)}`" for t in m.tests)
            lines.append(f"| {promise} | {m.id} | {change} | {tests} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def main(argv=None) -> int:
    # `timeout` (CI) ends a run with SIGTERM: exit through SystemExit, so the copy is removed and
    # the running pytest killed (subprocess.run kills its child on any exception).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("--only", nargs="+", metavar="ID", help="run only these mutants")
    parser.add_argument("--table", action="store_true", help="print the promise -> mutant -> test table and stop")
    args = parser.parse_args(argv)
    try:
        mutants = load()
    except StaleCatalogue as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.table:
        print(table(mutants), end="")
        return 0
    if args.only:
        unknown = sorted(set(args.only) - {m.id for m in mutants})
        if unknown:
            parser.error(f"no mutant {', '.join(unknown)}")
        mutants = [m for m in mutants if m.id in args.only]
    return 0 if run(mutants) else 1


if __name__ == "__main__":
    sys.exit(main())

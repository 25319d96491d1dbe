"""``mlp-parity check FOLDER`` (or a glob, or several files): a whole course's submissions, one gradebook.

The options of ``check`` apply to every submission; ``configure`` adds those of a batch. The
work is ``compare.gradebook.book.run_gradebook``.
"""

from __future__ import annotations

from pathlib import Path

from compare.cli import options
from compare.gradebook.submissions import collect
from compare.present.tables import text_table
from handmade.contract.errors import InvalidInput

DEFAULT_CAP = 300.0


def configure(parser) -> None:
    """The options that only a batch of submissions uses."""
    parser.add_argument("--out", metavar="DIR", type=options.output_dir, default="gradebook",
                        help="with several submissions: where gradebook.csv, .json and .html go, with a cache "
                             "of the submissions already checked (default: ./gradebook)")
    parser.add_argument("--jobs", type=options.positive_int, default=None,
                        help="with several submissions: checks at once (default: one per core)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="with several submissions: check them on this Dask cluster's workers (the [dask] "
                             "extra); each submission's file is sent to the worker")
    parser.add_argument("--submission-timeout", metavar="SECONDS", type=options.positive_float, default=DEFAULT_CAP,
                        help=f"with several submissions: the most one submission may take in all (default: "
                             f"{DEFAULT_CAP:g})")


def run_batch(args, config) -> int:
    """Grade every submission the targets name; 0 once the gradebook is written (each row says its result)."""
    from compare.gradebook.book import run_gradebook  # torch: only when the command runs

    if args.json:
        raise InvalidInput("with several submissions the JSON is the gradebook's: --out DIR writes gradebook.json")
    submissions = collect(args.target)
    out = Path(args.out)
    book = run_gradebook(submissions, config, out, args.submission_timeout, args.jobs, args.scheduler)
    print(text_table(["submission", "status", "failed", "first wrong", "seconds", "diagnosis"],
                     [[r["submission"], r["status"], f"{r['failed']}/{r['checks']}", r["first_wrong"] or "-",
                       "cached" if r["cached"] else f"{r['seconds']:.1f}", _short(r["diagnosis"])]
                      for r in book.rows]))
    counts = ", ".join(f"{n} {status}" for status, n in sorted(book.counts().items()))
    print(f"\n{len(book.rows)} submissions: {counts}; {book.seconds:.1f} s; gradebook: "
          f"{out / 'gradebook.html'} (also gradebook.csv, gradebook.json)")
    return 0


def _short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."

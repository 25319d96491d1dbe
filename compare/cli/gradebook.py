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
DEFAULT_OUT = "gradebook"


def configure(parser) -> None:
    """The options that only a batch of submissions uses."""
    parser.add_argument("--out", metavar="DIR", type=options.output_dir, default=None,
                        help="with several submissions (or to grade one file as a gradebook): where "
                             "gradebook.csv, .json and .html go, with a cache of the submissions already checked "
                             f"(default: ./{DEFAULT_OUT})")
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
    from compare.gradebook import book, page  # torch (through the checks): only when the command runs

    if args.json:
        raise InvalidInput("with several submissions the JSON is the gradebook's: --out DIR writes gradebook.json")
    submissions = collect(args.target)
    out = Path(args.out or DEFAULT_OUT)
    graded = book.run_gradebook(submissions, config, out, args.submission_timeout, args.jobs, args.scheduler,
                                lang=args.lang)
    rows = [{**row, "diagnosis": _short(row["diagnosis"])} for row in page.shown_rows(graded, args.lang)]
    print(text_table(page.headings(args.lang), [[row[column] for column in page.COLUMNS] for row in rows]))
    print("\n" + page.say("summary", args.lang, n=len(graded.rows), counts=page.counts(graded, args.lang),
                          seconds=graded.seconds, page=str(out / "gradebook.html")))
    return 0


def _short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."

"""``mlp-parity plot``: the comparison figures of a saved sweep (``sweep --curves --json FILE``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from compare.cli import options
from compare.files.atomic import to_jsonable
from handmade.contract.errors import InvalidInput

NAME = "plot"
SUMMARY = "draw the comparison figures of a saved sweep (written with sweep --curves --json FILE)"
EXAMPLES = """\
examples:
  mlp-parity plot sweep.json --out sweep_plots        # sweep.json from: mlp-parity sweep --curves --json sweep.json
  mlp-parity plot adam.json                           # into adam_plots/ beside it
  mlp-parity sweep --optimizer adam --plots adam_plots     # run and draw in one command

Writes into DIR: index.html (open it in a browser), overview.png (heatmaps over the
swept axes of the worst checked relative difference and of the final loss, log10)
and one figure per (dtype, optimizer, activation, lr): handmade solid and torch dashed
per initialiser and seed, |L_handmade - L_torch| per epoch below. Figures only draw
what the sweep recorded. Files are written whole or not at all, index.html last.
exit code 0 when the figures are written, 2 for bad input (not a sweep JSON, a sweep
saved without --curves, a truncated file).
"""


def configure(parser):
    parser.epilog = EXAMPLES
    parser.add_argument("sweep_json", metavar="SWEEP.json", help="a JSON written by mlp-parity sweep --curves --json")
    parser.add_argument("--out", metavar="DIR", type=options.output_dir, default=None,
                        help="where to write the figures (default: SWEEP_plots beside the JSON file)")


def _beside(path: Path) -> str:
    """``SWEEP_plots`` beside ``SWEEP.json``, if a directory can be written there."""
    try:
        return options.output_dir(str(path.with_name(f"{path.stem}_plots")))
    except argparse.ArgumentTypeError as exc:
        raise InvalidInput(f"{exc}; give --out DIR") from None


def draw(document: dict, out_dir: str, source: str) -> int:
    """Check ``document`` (a sweep as JSON data) and draw its figures into ``out_dir``; says where."""
    from compare.trajectory.saved import sweep_from_document  # the layout of a sweep's JSON

    # As JSON data, exactly what the saved file holds: the figures match a later `plot` of it.
    return _write(sweep_from_document(to_jsonable(document), source), out_dir, source)


def run(args) -> int:
    from compare.trajectory.saved import load_sweep  # the layout of a sweep's JSON

    sweep = load_sweep(args.sweep_json)
    return _write(sweep, args.out or _beside(Path(args.sweep_json)), args.sweep_json,
                  f"{len(sweep['cells'])} cells: ")


def _write(sweep: dict, out_dir, source: str, counted: str = "") -> int:
    from compare.figures.sweep_page import write_sweep_plots  # matplotlib: only when drawing (--help stays light)

    written = write_sweep_plots(sweep, out_dir, source)
    print(f"{counted}wrote {len(written) - 1} figures and {written[-1]} (open it in a browser)")
    return 0

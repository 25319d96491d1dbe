"""Progress bars (``tqdm``): on a terminal, and as a widget in Jupyter; silent in logs and pipes."""

from __future__ import annotations

import shutil
import sys

from tqdm.auto import tqdm

# tqdm.auto builds its class on the notebook widget inside Jupyter (on the plain text bar elsewhere).
IN_NOTEBOOK = any(cls.__module__ == "tqdm.notebook" for cls in tqdm.__mro__)


def progress_bar(total: int, label: str, enabled: bool | None = None) -> tqdm:
    """``with progress_bar(n, "sweep") as bar: ... bar.update(1); bar.set_postfix_str(note)``.

    ``enabled=None`` draws on a terminal (stderr) or in a notebook, and stays silent elsewhere
    (CI logs, pipes), so that logs stay clean and output deterministic. The bar disappears
    when done (``leave=False``): the command's own summary follows it.
    """
    if enabled is None:
        enabled = IN_NOTEBOOK or sys.stderr.isatty()
    # A terminal that reports no size (a bare pseudo-terminal, 0 x 0) gets 100 x 24: tqdm itself would
    # take the 0 rows as "no room" and draw nothing.
    size = shutil.get_terminal_size((100, 24))
    return tqdm(total=max(int(total), 1), desc=label, disable=not enabled, leave=False, file=sys.stderr,
                ncols=size.columns, nrows=size.lines)

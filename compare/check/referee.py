"""The checker in a child process of a Python caller: ``python -m compare.check.referee CONFIG [TARGET]``.

A class defined in a notebook cell exists only in that kernel, so its code stays there and the
roles flip: this process holds the torch reference and the verdict, sends its requests to the
caller (which answers them with ``compare.sandbox.server.UserServer`` on its own objects), and
ends with one message, ``{"op": "report", "report": ...}``. Whatever the caller's code does to
the modules it shares with the caller (a patched ``torch``, a replaced NumPy function), it cannot
reach this process. With a TARGET (a file), the user's code runs in a child of this process
instead, as on the command line, and the caller only waits for the report: either way the caller
never imports torch.

Streams: requests go out on this process's standard output, replies come in on its standard
input; anything else printed here (a library's warning) goes to standard error.
"""

from __future__ import annotations

import json
import os
import sys

from compare.check.checker import check_with, run_check
from compare.check.link import PipeLink
from compare.check.results import CheckConfig
from compare.sandbox import wire

TARGET = "<the caller's class>"


def main() -> None:
    requests_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # this process's own prints go to stderr: stdout carries messages only
    replies_in = os.fdopen(os.dup(0), "rb", buffering=0)
    config = CheckConfig.from_dict(json.loads(sys.argv[1]))
    try:
        if len(sys.argv) > 2:
            report = run_check(sys.argv[2], config)
        else:
            report = check_with(PipeLink(requests_out, replies_in, config.timeout), TARGET, config)
        message = {"op": "report", "report": report.to_dict()}
    except Exception as exc:  # noqa: BLE001 - the caller must get an answer, not a silent pipe
        message = {"op": "report", "error": f"{type(exc).__name__}: {exc}"}
    wire.send(requests_out, message)
    requests_out.close()
    os._exit(0)


if __name__ == "__main__":
    main()

"""The child process that runs someone's code: ``python -m compare.sandbox.child LIMITS_JSON``.

Before any user code runs it takes the process's standard input and output for the checker's
messages (``compare.sandbox.wire``) and gives the user's code a silent stdin and, for fd 1 and 2,
one scratch file that every call's capture reads (``FdCapture``); then it sets its own limits:

* memory: ``RLIMIT_AS`` (address space; ``MemoryError`` in Python beyond it);
* output: ``RLIMIT_FSIZE`` on every file it writes (a print loop fails with "File too large" instead
  of filling the disk), with SIGXFSZ ignored so the write fails rather than the process;
* time: each call's own ``SIGALRM`` (to name the line that was running) - and, whatever the code
  does, the checker kills the whole process group when a reply is late (``compare.check.link``).

Enforced on Linux; macOS does not enforce RLIMIT_AS; Windows has neither limit (the checker's
time limit and kill still hold everywhere). The process exits with ``os._exit`` after ``exit``: no
``atexit`` hook or lingering thread of the user's can keep it alive or change its exit code.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile

try:
    import resource
except ImportError:  # Windows: no resource limits (the checker's time limit still holds)
    resource = None

from compare.sandbox import wire
from compare.sandbox.calls import UserCalls
from compare.sandbox.capture import FdCapture
from compare.sandbox.server import UserServer
from compare.sandbox.texts import say
from compare.system.lifetime import die_with_parent

OUTPUT_LIMIT = 64 * 2**20  # bytes a process may write to any one file (its captured output included)


def _claim_streams():
    """(message input, message output, scratch fd); the user's code gets /dev/null and the scratch file."""
    messages_in = os.fdopen(os.dup(0), "rb", buffering=0)
    messages_out = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    scratch = tempfile.TemporaryFile()  # removed by the system when the process ends, however it ends
    os.dup2(scratch.fileno(), 1)
    os.dup2(scratch.fileno(), 2)
    return messages_in, messages_out, scratch


def _set_limits(memory_bytes: int | None) -> None:
    if resource is None:
        return
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT, OUTPUT_LIMIT))
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def main() -> None:
    # The child must not outlive the checker (an endless loop that ignores every signal, its owner killed).
    if not die_with_parent():
        os._exit(1)
    limits = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    messages_in, messages_out, scratch = _claim_streams()
    _set_limits(limits.get("memory"))
    def announce(what: str, group: str) -> None:
        """Tell the checker which call is about to run: if it ends this process, the checker can name it."""
        wire.send(messages_out, {"op": "calling", "what": what, "group": group})

    server = UserServer(UserCalls(timeout=limits.get("timeout"), capture=FdCapture(1), interrupts_stop=False,
                                  announce=announce))
    while True:
        try:
            request = wire.receive(messages_in)
        except wire.WireError:
            break  # the checker is gone
        reply = server.handle(request) if request.get("op") != "exit" else {"value": True}
        try:
            wire.send(messages_out, reply)
        except (OSError, ValueError, TypeError) as exc:  # a reply that cannot be written: say so instead
            wire.send(messages_out, {"value": None, "error": say("call.reply_unsent", error=str(exc)), "stdout": "",
                                     "timed_out": False, "died": False})
        if request.get("op") == "exit":
            break
    scratch.close()
    os._exit(0)


if __name__ == "__main__":
    main()

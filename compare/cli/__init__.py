"""cli: the ``mlp-parity`` command line - ``main`` (parser, exit codes), ``options`` (shared option
groups and argument types) and one module per subcommand.

Kept import-light: a command module imports its torch-using implementation only inside
``run``, so that ``--help`` and usage errors answer without importing torch.
"""

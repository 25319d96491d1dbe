"""One module per ``mlp-parity`` subcommand (see ``compare.cli``)."""

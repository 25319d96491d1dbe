"""compare: the parity harness between ``handmade`` and ``torch_ref``.

Kept import-light: ``import compare`` does not import torch (the CLI's
``--help`` must answer at once); the modules that need torch import it.
"""

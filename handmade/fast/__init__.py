"""fast: the same numbers as the readable core, with fewer copies - and tested bit-equal to it.

``kernels`` (fused activation kernels), ``step`` (the fused training step with reused
buffers), ``batched`` (K networks of one shape trained as one stacked computation).
The readable ``handmade.model``, ``activations``, ``losses`` and ``optim`` are their
contract: ``tests/handmade/fast`` checks every fast path against them.
"""

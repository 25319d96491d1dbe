"""measure: how two results are compared - the tolerance policy, the relative differences, the records,
and the timing rules by which two implementations' speeds are compared (``timing``).

The lowest layer of ``compare``: NumPy only, no torch, imported by every other layer.
"""

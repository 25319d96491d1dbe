"""measure: how two results are compared - the tolerance policy, the relative differences, the records.

The lowest layer of ``compare``: NumPy only, no torch, imported by every other layer.
"""

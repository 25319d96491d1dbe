"""trajectory: whole training runs of both sides compared epoch by epoch, re-synchronised where they part.

``verdict`` (statuses, the comparison of two finished runs), ``growth`` (how fast they
part), ``spread`` (a step's own rounding sensitivity), ``resync`` (every single step
re-run from the handmade state), ``training`` (train both sides and decide), ``sweep``
(grids of those, batched and on any executor).
"""

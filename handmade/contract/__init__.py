"""contract: what both implementations agree on, and no maths.

The rules that ``handmade`` and ``torch_ref`` share, so that both build the same network
from the same numbers and train it on the same batches: errors (``errors``), names with
parameters (``naming``), parameter keys and shapes (``keys``), the network spec and data
validation (``spec``), the training plan - batch order and stopping rules - (``plan``)
and what a run records (``runs``). Each side owns its own arithmetic; ``torch_ref``
imports from ``handmade`` only this package and the registries' names.
"""

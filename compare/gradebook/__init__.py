"""A whole course at once: every submission checked in its own processes, one gradebook (CSV, JSON, HTML).

``submissions`` finds the files, ``grading`` checks one (the task a worker runs), ``book`` runs
them all - locally or on a Dask cluster, skipping the ones already checked - and writes the
gradebook. The command line is ``mlp-parity check FOLDER`` (``compare.cli.gradebook``).
"""

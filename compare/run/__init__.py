"""run: where the tasks of a grid run - in this process, in local worker processes, or on a Dask cluster."""

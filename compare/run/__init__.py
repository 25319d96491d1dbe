"""run: where work runs - in this process, or in worker processes (any ``concurrent.futures`` executor)."""

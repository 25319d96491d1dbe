"""bench: speed, side by side in one process - handmade NumPy, torch eager and scikit-learn.

``sizes`` (what is timed), ``contenders`` (one step of each implementation),
``timing`` (blocks in turns, paired ratios, settle pauses), ``runs`` (whole runs,
batched training), ``environment`` (versions, threads), ``targets`` (the summary
and the performance goals), ``runner`` (the whole bench).
"""

"""bench: speed, side by side in one process - handmade NumPy, torch eager and scikit-learn.

``sizes`` (what is timed), ``contenders`` (one step of each implementation), ``runs``
(whole runs, batched training), ``environment`` (versions, threads), ``targets`` (the
summary and the performance goals), ``runner`` (the whole bench). The timing rules
(blocks in turns, paired ratios, settle pauses) are ``compare.measure.timing``.
"""

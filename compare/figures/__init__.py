"""figures: plot code shared by the study and by saved sweeps. Figures only draw numbers the harness
produced; they compute nothing themselves.

``canvas`` (a figure, log axes, saving a PNG atomically) and ``curves`` (both sides' loss
curves with their per-epoch difference below).
"""

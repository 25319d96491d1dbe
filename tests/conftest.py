"""Shared pytest set-up: the Hypothesis profiles.

* ``ci`` (the default, and whenever ``CI=true``): derandomised - the same examples
  on every run and every machine - with no example database on disk, so a run
  neither depends on nor leaves behind ``.hypothesis/``. Few examples: the
  property suite stays well under a minute on 2 cores.
* ``long`` (``HYPOTHESIS_PROFILE=long``): random search, at least 2000 examples
  per property, no deadline; for a local hunt before a release. Failures it finds
  are stored in ``.hypothesis/`` (git-ignored) and replayed first next time.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    max_examples=40,
    deadline=None,  # a shared 2-core machine makes per-example timing meaningless
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)

_profile = os.environ.get("HYPOTHESIS_PROFILE") or "ci"
settings.load_profile(_profile)

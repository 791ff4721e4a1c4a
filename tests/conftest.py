"""Shared pytest configuration.

Hypothesis profiles (select with the ``HYPOTHESIS_PROFILE`` environment
variable):

* ``ci`` (default): about 60 examples per property, no deadline; keeps the
  fuzz tests within a minute.
* ``long``: 2000 examples per property, for local runs, e.g.
  ``HYPOTHESIS_PROFILE=long python -m pytest tests/test_fuzz.py``.
"""

import os

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # pragma: no cover - hypothesis is a test extra
    settings = None

if settings is not None:
    _common = dict(
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )
    settings.register_profile("ci", max_examples=60, **_common)
    settings.register_profile("long", max_examples=2000, **_common)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

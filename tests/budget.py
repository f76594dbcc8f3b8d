"""Hypothesis example budgets: the full budget in ``make test``, a small one under
``make mutation`` (RATECARD_MUTATION=1, tests/mutation/run.py).

A mutation run repeats a property once per mutant of every function the property calls; the
hand-computed vectors and corpora are what must kill a mutant there, and a property's first
examples (derandomized by the ``mutation`` profile in tests/conftest.py, so every mutant meets
the same ones) still catch a fault that breaks a whole shape or rule."""

from __future__ import annotations

import os

#: examples per property under ``make mutation``
MUTATION_EXAMPLES = 20


def examples(n: int) -> int:
    """``n``, or at most :data:`MUTATION_EXAMPLES` under ``make mutation``."""
    return min(n, MUTATION_EXAMPLES) if os.environ.get("RATECARD_MUTATION") else n

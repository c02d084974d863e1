"""Shared fixtures: a seeded RNG, and deterministic hypothesis runs (same examples every run)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("symhess", derandomize=True, deadline=None, database=None,
                          print_blob=True)
settings.load_profile("symhess")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261127)

"""Shared pytest fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


@pytest.fixture
def data_dir(request: pytest.FixtureRequest) -> Path:
    """The real-data folder (``chainrule.data.default_data_dir()``), or skip the test.

    Mark the test with the subfolder it needs, e.g. ``@pytest.mark.data("mnist")``
    or ``@pytest.mark.data("catvnoncat")``; the test is skipped with a clear reason
    when that subfolder (or, without an argument, the data folder) is missing.
    """
    from chainrule.data import DATA_ENV_VAR, default_data_dir

    root = default_data_dir()
    marker = request.node.get_closest_marker("data")
    needed = root / marker.args[0] if marker is not None and marker.args else root
    if not needed.is_dir():
        pytest.skip(
            f"real data folder {needed.name!r} not found at {needed}; "
            f"set {DATA_ENV_VAR} to the folder that holds catvnoncat/ and mnist/"
        )
    return root


@pytest.fixture
def rng():  # -> numpy.random.Generator
    """A fresh, seeded NumPy Generator (never the global state)."""
    import numpy as np

    return np.random.default_rng(20240607)


# tests/strategies.py (shared hypothesis strategies) is imported as `strategies`;
# with --import-mode=importlib the tests folder is not on sys.path by itself.
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

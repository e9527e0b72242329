"""The one BLAS thread limiter used by the CLI and the Nielsen trainer."""

from __future__ import annotations

import numpy as np  # noqa: F401  (loads the BLAS library threadpoolctl inspects)
import pytest
from threadpoolctl import threadpool_info

from chainrule._threads import blas_threads


def _blas_threads_now() -> list[int]:
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_limits_inside_the_block_and_restores_after():
    before = _blas_threads_now()
    if not before:
        pytest.skip("no BLAS library visible to threadpoolctl")
    with blas_threads(1):
        assert all(n == 1 for n in _blas_threads_now())
    assert _blas_threads_now() == before


@pytest.mark.parametrize("n", [0, None])
def test_zero_or_none_leaves_the_pool_alone(n):
    before = _blas_threads_now()
    with blas_threads(n):
        assert _blas_threads_now() == before

"""The one BLAS thread limiter used by the CLI and the Nielsen trainer."""

from __future__ import annotations

import numpy as np
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


# -- one policy for fit, the CLI and nielsen (issue 18, item 9) --------------------------------


@pytest.mark.parametrize(
    ("setting", "batch_size", "expected"),
    [("auto", 32, 1), ("auto", 256, 1), ("auto", 257, None), ("auto", None, None),
     (0, 32, None), (3, 32, 3), (None, 32, None)],
)  # fmt: skip
def test_training_threads_policy(setting, batch_size, expected):
    from chainrule._threads import training_threads

    assert training_threads(setting, batch_size) == expected


@pytest.mark.parametrize("bad", [-1, "two", 1.5, True])
def test_bad_blas_threads_is_refused_before_training(bad):
    import chainrule

    net = chainrule.Network([2, 3, 1], seed=0)
    before = net.theta.copy()
    with pytest.raises(ValueError, match="blas_threads must be 'auto', None or a number"):
        net.fit(np.zeros((2, 4)), np.zeros((1, 4)), epochs=1, blas_threads=bad, progress=False)
    assert np.array_equal(net.theta, before)


def test_fit_trains_small_batches_on_one_blas_thread():
    import chainrule

    before = _blas_threads_now()
    if not before or max(before) < 2:
        pytest.skip("the BLAS pool has one thread already: nothing to limit")
    seen = []
    net = chainrule.Network([2, 3, 1], seed=0)
    X, Y = np.random.default_rng(0).standard_normal((2, 40)), np.ones((1, 40))
    net.fit(X, Y, epochs=2, batch_size=8, progress=False,
            callback=lambda e, logs: seen.append(max(_blas_threads_now())))  # fmt: skip
    assert seen == [1, 1]
    net.fit(X, Y, epochs=1, batch_size=8, blas_threads=None, progress=False,
            callback=lambda e, logs: seen.append(max(_blas_threads_now())))  # fmt: skip
    assert seen[-1] == max(before)
    assert _blas_threads_now() == before

"""One place to limit the BLAS thread pool (used by the CLI and the Nielsen trainer).

Small matrix products (a mini-batch of 10–256 columns) finish faster on one
thread than the time a BLAS thread pool takes to wake up and synchronise, and
on a busy machine spinning threads can slow training tenfold.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

__all__ = ["blas_threads"]


def blas_threads(n: int | None) -> AbstractContextManager[Any]:
    """A context manager limiting BLAS to ``n`` threads inside the block.

    ``n`` of 0 or None leaves the pool alone (a no-op context manager).
    """
    if not n:
        return nullcontext()
    from threadpoolctl import threadpool_limits  # a dependency (scikit-learn's too)

    return threadpool_limits(limits=n, user_api="blas")

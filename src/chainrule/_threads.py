"""One place to limit the BLAS thread pool, and the one policy for training.

Small matrix products (a mini-batch of 10–256 columns) finish faster on one
thread than the time a BLAS thread pool takes to wake up and synchronise, and
on a busy machine spinning threads can slow training tenfold.  So ``fit``
(and through it ``chainrule train``, ``chainrule nielsen`` and the
estimators) trains mini-batches of up to :data:`SMALL_BATCH` examples on one
BLAS thread by default (``blas_threads="auto"``), and leaves larger batches
and full-batch gradient descent to the BLAS library's own choice.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

__all__ = ["SMALL_BATCH", "blas_threads", "training_threads"]

SMALL_BATCH = 256
"""Mini-batches of up to this many examples train on one BLAS thread by default."""


def blas_threads(n: int | None) -> AbstractContextManager[Any]:
    """A context manager limiting BLAS to ``n`` threads inside the block.

    ``n`` of 0 or None leaves the pool alone (a no-op context manager).
    """
    if not n:
        return nullcontext()
    from threadpoolctl import threadpool_limits  # a dependency (scikit-learn's too)

    return threadpool_limits(limits=n, user_api="blas")


def training_threads(setting: int | str | None, batch_size: int | None) -> int | None:
    """The BLAS threads a training run uses (None: leave the pool as it is).

    Parameters
    ----------
    setting : int, "auto" or None
        A number of threads (0: the BLAS library's own choice, as None),
        ``"auto"`` (one thread for mini-batches of up to :data:`SMALL_BATCH`
        examples, the library's choice otherwise) or None (change nothing).
    batch_size : int or None
        The mini-batch size (None: full batch).
    """
    if setting == "auto":
        return 1 if batch_size is not None and batch_size <= SMALL_BATCH else None
    if setting is None:
        return None
    if isinstance(setting, bool) or not isinstance(setting, int) or setting < 0:
        raise ValueError(
            f"blas_threads must be 'auto', None or a number of threads >= 0, got {setting!r}"
        )
    return setting or None

r"""The parameter layout: every W[l], b[l] as a view of one flat vector θ.

A network's parameters live in one contiguous array θ of shape (n_params,),
in the order W[1], b[1], W[2], b[2], ..., W[L], b[L], each W[l] a C-ordered
(n[l], n[l-1]) view and each b[l] an (n[l], 1) view of it.  Gradients
(dW[l], db[l] as views of a flat g = ∂J/∂θ) and the optimizers' state
(:mod:`chainrule.optim`) use the same layout, so one elementwise update
covers every parameter, and ``W[l]`` is still the course's (n[l], n[l-1])
array.

>>> import numpy as np
>>> layout = ParameterLayout([3, 2, 1])
>>> layout.size                     # W1: 2·3, b1: 2, W2: 1·2, b2: 1
11
>>> theta = np.arange(11.0)
>>> Ws, bs = layout.views(theta)
>>> Ws[0].shape, bs[0].shape, Ws[1].shape
((2, 3), (2, 1), (1, 2))
>>> bool(np.shares_memory(Ws[1], theta))
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule import _xp
from chainrule._typing import Array

__all__ = ["ParameterLayout"]


class ParameterLayout:
    """Shapes and offsets of W[1], b[1], ..., W[L], b[L] in a flat vector.

    Parameters
    ----------
    layer_dims : sequence of int
        [n[0], n[1], ..., n[L]].

    Attributes
    ----------
    W_shapes, b_shapes : lists of L tuples
        (n[l], n[l-1]) and (n[l], 1).
    size : int
        Σₗ n[l] (n[l-1] + 1), the number of parameters.
    """

    def __init__(self, layer_dims: Sequence[int]) -> None:
        dims = [int(n) for n in layer_dims]
        self.W_shapes = [(dims[l], dims[l - 1]) for l in range(1, len(dims))]
        self.b_shapes = [(dims[l], 1) for l in range(1, len(dims))]
        self.size = sum(
            math.prod(w) + math.prod(b) for w, b in zip(self.W_shapes, self.b_shapes, strict=True)
        )

    def views(self, flat: Array) -> tuple[list[Array], list[Array]]:
        """W[l] and b[l] as views of ``flat`` (shape (size,), C-contiguous).

        ``flat`` may be an array of another library (PyTorch, CuPy, ...):
        slices and reshapes of a contiguous vector are views there too.

        Returns
        -------
        Ws : list of L arrays of shape (n[l], n[l-1])
        bs : list of L arrays of shape (n[l], 1)
        """
        xp, is_np = _xp.namespace(flat)
        if tuple(flat.shape) != (self.size,) or (is_np and not flat.flags.c_contiguous):
            raise ValueError(
                f"a flat parameter vector must be a contiguous array of shape ({self.size},), "
                f"got shape {flat.shape}"
            )
        Ws: list[Array] = []
        bs: list[Array] = []
        i = 0
        for ws, bsh in zip(self.W_shapes, self.b_shapes, strict=True):
            k = math.prod(ws)
            Ws.append(xp.reshape(flat[i : i + k], ws))
            i += k
            k = math.prod(bsh)
            bs.append(xp.reshape(flat[i : i + k], bsh))
            i += k
        return Ws, bs

    def new(self, dtype: np.dtype | type | str) -> tuple[Array, list[Array], list[Array]]:
        """A zeroed flat vector of this layout and its W, b views."""
        flat = np.zeros(self.size, dtype=dtype)
        Ws, bs = self.views(flat)
        return flat, Ws, bs

    def flatten(self, Ws: Sequence[Array], bs: Sequence[Array], dtype: Any = None) -> Array:
        """A new flat vector holding copies of W[1], b[1], ..., W[L], b[L]."""
        flat = np.empty(self.size, dtype=dtype if dtype is not None else Ws[0].dtype)
        Wv, bv = self.views(flat)
        for dst, src in zip([*Wv, *bv], [*Ws, *bs], strict=True):
            dst[...] = src
        return flat

"""Array namespaces and devices: NumPy, or any library array-api-compat wraps.

chainrule computes with whatever array library its input X comes from,
"everything follows X" as in scikit-learn's array-API support: a PyTorch
tensor on a GPU gives a computation in PyTorch on that GPU.  The formulas are
written once, against a namespace ``xp`` (``xp.exp``, ``xp.sum(…, axis=0)``,
``A @ B``), in NumPy's spelling: where the training step has preallocated a
buffer, a formula passes it as ``out=``, which NumPy writes into and other
libraries, whose functions take no ``out``, get as None (their namespace is
wrapped by :class:`OutFree`, which accepts ``out=None``).  NumPy's own calls go
to NumPy directly, with nothing in between.

NumPy never goes through array-api-compat: :func:`namespace` answers
``(numpy, True)`` for NumPy arrays, lists and scalars without importing it,
so the dependency stays optional (``pip install chainrule[array-api]``).

Every helper takes arrays with the course's shapes (examples as columns); they
only decide *where* a computation runs, never *what* it computes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = [
    "NUMPY",
    "OutFree",
    "as_float_array",
    "asarray_like",
    "check_same",
    "copy",
    "copyto",
    "device",
    "exact_matmul",
    "host_dtype",
    "is_numpy",
    "namespace",
    "scalar",
    "sumsq",
    "take_columns",
    "to_host",
]

# top-level modules whose arrays are array-API arrays (a torch.Tensor has no
# __array_namespace__ of its own; array-api-compat supplies it)
_LIBRARIES = frozenset({"torch", "cupy", "array_api_strict"})
# arrays that stay NumPy's business, converted by np.asarray as before: JAX's are
# immutable and Dask's lazy, and θ is updated in place through views
_TO_NUMPY = frozenset({"jax", "jaxlib", "dask"})


def _is_foreign(a: Any) -> bool:
    """Whether ``a`` is an array of another library than NumPy (cheap, imports nothing)."""
    t = type(a)
    if t is np.ndarray:  # the training step's case: answered first
        return False
    foreign = _FOREIGN.get(t)
    if foreign is None:  # decided once per type
        top = t.__module__.partition(".")[0]
        foreign = _FOREIGN[t] = not (
            issubclass(t, np.ndarray | np.generic | list | tuple | int | float | bool)
            or a is None
            or top in _TO_NUMPY
        ) and (top in _LIBRARIES or hasattr(t, "__array_namespace__"))
    return foreign


_FOREIGN: dict[type, bool] = {}


NUMPY = (np, True)  # namespace()'s answer for NumPy arrays


def is_numpy(a: Any) -> bool:
    """True for NumPy arrays (and lists, scalars, None): whatever NumPy computes with."""
    return not _is_foreign(a)


def namespace(*arrays: Any) -> tuple[Any, bool]:
    """``(xp, is_numpy)``: the array namespace the arrays compute in.

    NumPy arrays, lists, scalars and None give ``(numpy, True)`` without
    importing array-api-compat; arrays of another library give its
    array-api-compat namespace (``array_api_compat.torch``, ...) and False.
    Whether the arrays may be mixed is :func:`check_same`'s business.
    """
    for a in arrays:
        if type(a) is not np.ndarray and _is_foreign(a):
            break
    else:
        return NUMPY
    foreign = [a for a in arrays if _is_foreign(a)]
    kind = type(foreign[0])
    if all(type(a) is kind for a in foreign):  # one array type: one namespace, looked up once
        wrapped = _BY_TYPE.get(kind)
        if wrapped is not None:
            return wrapped, False
    import array_api_compat  # only here: a NumPy user never imports it

    xp = array_api_compat.array_namespace(*foreign)
    wrapped = _WRAPPED.get(xp)
    if wrapped is None:
        wrapped = _WRAPPED[xp] = OutFree(xp)
    if all(type(a) is kind for a in foreign):
        _BY_TYPE[kind] = wrapped
    return wrapped, False


class OutFree:
    """An array-API namespace whose functions also accept ``out=None``, as NumPy's do.

    ``xp.multiply(a, b, out=out)`` is then one line for both: NumPy writes into
    the training step's buffer, another library (which never gets a buffer:
    ``out`` is None there) returns a new array.  Every other attribute (dtypes,
    constants) is the namespace's own.
    """

    def __init__(self, xp: Any) -> None:
        self.namespace = xp

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.namespace, name)
        if callable(value) and not isinstance(value, type):
            f = value

            def value(*args: Any, out: Any = None, **kwargs: Any) -> Any:
                if out is not None:
                    raise TypeError(f"{name}: out= is NumPy's; this library has no buffers")
                return f(*args, **kwargs)

        setattr(self, name, value)  # looked up once per name
        return value

    def __repr__(self) -> str:
        return f"OutFree({getattr(self.namespace, '__name__', self.namespace)!r})"


_WRAPPED: dict[Any, OutFree] = {}
_BY_TYPE: dict[type, OutFree] = {}


def device(a: Any) -> Any:
    """The device array ``a`` lives on (``"cpu"`` for NumPy)."""
    if not _is_foreign(a):
        return "cpu"
    import array_api_compat

    return array_api_compat.device(a)


def _library(a: Any) -> str:
    """A short name of ``a``'s array library, for messages (``"numpy"``, ``"torch"``)."""
    if not _is_foreign(a):
        return "numpy"
    return type(a).__module__.partition(".")[0]


def check_same(ref_name: str, ref: Any, **others: Any) -> None:
    """Raise unless every array in ``others`` has ``ref``'s library and device.

    Plain Python lists and scalars (not arrays) are accepted with any ``ref``:
    they are converted to ``ref``'s namespace by the caller.  None is skipped.

    Raises
    ------
    TypeError
        An array of another library (a NumPy ``Y`` with a PyTorch ``X``, say).
    ValueError
        An array of the same library on another device.
    """
    lib, dev = _library(ref), device(ref)
    for name, a in others.items():
        if a is None or isinstance(a, list | tuple | int | float | bool):
            continue
        a_lib = _library(a)
        if a_lib != lib:
            raise TypeError(
                f"{name} is a {a_lib} array but {ref_name} is a {lib} array: every array of "
                f"one call must come from {ref_name}'s library and device (everything follows "
                f"{ref_name}); convert {name} first"
            )
        if _is_foreign(a) and device(a) != dev:
            raise ValueError(
                f"{name} is on device {device(a)!r} but {ref_name} is on {dev!r}: every array "
                f"of one call must live on {ref_name}'s device; move {name} there first"
            )


def to_host(a: Any) -> np.ndarray[Any, Any]:
    """``a`` as a NumPy array on the host (NumPy arrays are returned as they are)."""
    if not _is_foreign(a):
        return np.asarray(a)
    import array_api_compat as c

    if c.is_torch_array(a):
        return np.asarray(a.detach().cpu().numpy())
    if c.is_cupy_array(a):
        return np.asarray(a.get())
    if c.is_array_api_strict_namespace(c.array_namespace(a)):
        import array_api_strict as strict

        return np.asarray(a.to_device(strict.Device("CPU_DEVICE")))
    return np.asarray(c.to_device(a, "cpu"))


def host_dtype(a: Any) -> np.dtype[Any]:
    """The NumPy floating dtype matching ``a``'s (float32 or float64)."""
    if not _is_foreign(a):
        return np.dtype(a.dtype)
    xp, _ = namespace(a)
    return np.dtype(np.float32 if a.dtype == xp.float32 else np.float64)


def asarray_like(a: Any, like: Any) -> Any:
    """``a`` (a host NumPy array, or already ``like``'s kind) in ``like``'s namespace and device.

    A host array is copied (never shared with the device copy, even on a CPU
    device); an array already in ``like``'s namespace and on its device is
    returned as it is.
    """
    xp, is_np = namespace(like)
    if is_np:
        return to_host(a)
    if _is_foreign(a) and _library(a) == _library(like) and device(a) == device(like):
        return a
    host = to_host(a)
    dtype = {np.dtype(np.float32): xp.float32, np.dtype(np.float64): xp.float64}.get(host.dtype)
    return xp.asarray(host, dtype=dtype, device=device(like), copy=True)


def as_float_array(X: Any, name: str, dtype: np.dtype[Any], *, ndim: int = 2) -> Any:
    """Check an array of another library and convert it to ``dtype`` in place of its device.

    The checks and messages of :func:`chainrule._validation.as_float_array`
    (numeric and real, ``ndim`` dimensions, not empty, finite), made where X
    lives: nothing is copied to the host.

    Parameters
    ----------
    X : array of shape (n, m) (``ndim`` dimensions)
    name : str
        The argument's name, for the messages.
    dtype : numpy dtype
        float32 or float64: the network's.
    """
    xp, _ = namespace(X)
    if not (xp.isdtype(X.dtype, ("real floating", "integral")) or X.dtype == xp.bool):
        raise TypeError(f"{name} must be a real numeric array, got dtype {X.dtype}")
    if X.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {tuple(X.shape)}")
    if any(n == 0 for n in X.shape):
        raise ValueError(
            f"{name} is empty (shape {tuple(X.shape)}); at least one example is needed"
        )
    target = xp.float32 if np.dtype(dtype) == np.float32 else xp.float64
    out = xp.astype(X, target, copy=False)
    finite = xp.isfinite(out)
    if not bool(xp.all(finite)):
        bad = int(xp.sum(xp.astype(xp.logical_not(finite), xp.int64)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s); all values must be finite"
        )
    return out


def take_columns(X: Any, idx: Any) -> Any:
    """The columns ``idx`` (host integer indices) of X (n, m), in X's namespace."""
    xp, is_np = namespace(X)
    if is_np:
        return X[:, idx]
    return xp.take(X, xp.asarray(np.asarray(idx, dtype=np.int64), device=device(X)), axis=1)


def scalar(a: Any, value: float) -> Any:
    """``value`` as a scalar of ``a``'s dtype: NumPy's dtype type, else a Python float.

    (An array-API library combines a Python float with a float32 array in
    float32, as NumPy does with ``np.float32(value)``.)
    """
    if isinstance(a, np.ndarray):
        return a.dtype.type(value)
    return float(value)


def copy(a: Any) -> Any:
    """A copy of ``a`` in its namespace and on its device."""
    if isinstance(a, np.ndarray):
        return a.copy()
    xp, _ = namespace(a)
    return xp.asarray(a, copy=True)


def copyto(dst: Any, src: Any) -> None:
    """``dst[...] = src`` in place (``np.copyto`` for NumPy)."""
    if isinstance(dst, np.ndarray):
        np.copyto(dst, src)
    else:
        dst[...] = src


def sumsq(W: Any) -> float:
    """‖W‖²_F = Σ W², as a Python float (NumPy: one BLAS dot product)."""
    if isinstance(W, np.ndarray):
        return float(np.vdot(W, W))
    xp, _ = namespace(W)
    return float(xp.sum(W * W))


@contextlib.contextmanager
def exact_matmul(a: Any) -> Iterator[None]:
    """Inside: float32 matrix products of ``a``'s library are true float32 products.

    PyTorch may compute float32 matrix products and convolutions on NVIDIA
    GPUs in TF32 (a 10-bit mantissa) depending on global settings
    (``torch.backends.cuda.matmul.fp32_precision`` and
    ``torch.backends.cudnn.conv.fp32_precision``, or the older
    ``allow_tf32`` flags and ``torch.set_float32_matmul_precision``);
    chainrule sets them to full float32 ("ieee" / "highest") for the call and
    puts them back after.  Other libraries (NumPy, CuPy, array-api-strict)
    never use TF32 unasked: nothing changes for them.
    """
    if _library(a) != "torch":
        yield
        return
    import torch

    backends = torch.backends
    if hasattr(backends.cuda.matmul, "fp32_precision"):  # PyTorch ≥ 2.9's settings
        matmul, conv = backends.cuda.matmul, getattr(backends.cudnn, "conv")  # noqa: B009
        saved = (matmul.fp32_precision, conv.fp32_precision)
        matmul.fp32_precision = conv.fp32_precision = "ieee"
        try:
            yield
        finally:
            matmul.fp32_precision, conv.fp32_precision = saved
        return
    old = (  # the older flags
        torch.get_float32_matmul_precision(),
        backends.cuda.matmul.allow_tf32,
        backends.cudnn.allow_tf32,
    )
    torch.set_float32_matmul_precision("highest")
    backends.cuda.matmul.allow_tf32 = False
    backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.set_float32_matmul_precision(old[0])  # (sets allow_tf32 too: restore it after)
        backends.cuda.matmul.allow_tf32 = old[1]
        backends.cudnn.allow_tf32 = old[2]

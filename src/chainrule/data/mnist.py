"""MNIST: the IDX file format (:func:`read_idx`) and the four original files (:func:`load_mnist`).

Nothing is unpickled, and memory is never allocated from a header's numbers alone.
:func:`load_mnist` returns ``X`` as the transpose of a C-ordered (m, 784) array, i.e.
an **F-ordered** (784, m) array: every example (column) is contiguous in memory, so
a mini-batch ``X[:, k:k + 64]`` is a cheap view of one contiguous block and no
47-million-element copy is made to change the layout.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from chainrule._validation import check_choice, check_dtype
from chainrule.data.dataset import Dataset
from chainrule.data.paths import DataNotFoundError, find_folder
from chainrule.head import one_hot as _one_hot  # load_mnist's ``one_hot`` flag shadows it

__all__ = ["MNIST_FILES", "load_mnist", "read_idx"]

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
"""The four MNIST file names (the uncompressed names, without ``.gz``, also work)."""

_IDX_TYPES = {
    0x08: "unsigned byte",
    0x09: "signed byte",
    0x0B: "short (int16)",
    0x0C: "int (int32)",
    0x0D: "float (float32)",
    0x0E: "double (float64)",
}
_IDX_NDIMS = (1, 3)
_IDX_CHUNK = 1 << 22  # bytes per read of an IDX payload
_NIELSEN_VAL = 10_000
_MNIST_IMAGE = (28, 28)  # rows, cols of every MNIST image


def _read_exact(f: IO[bytes], n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = f.read(n - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_idx(path: Any) -> npt.NDArray[np.uint8]:
    """Read an IDX file (gzip-compressed or raw), e.g. one of the MNIST files.

    The format: a big-endian header -- the magic number, bytes
    ``00 00 <type code> <ndim>``, then ``ndim`` unsigned 32-bit dimensions --
    followed by the values in C order.  Only type code ``0x08`` (unsigned
    byte) and 1 or 3 dimensions (labels, images) are supported, which covers
    MNIST and its look-alikes.  Compression is detected from the file's first
    bytes, not its name.  Nothing is unpickled.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    ndarray of shape dims, uint8
        ``(count,)`` for a label file, ``(count, rows, cols)`` for images.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        Naming the file: a bad magic number, an unsupported type code or
        dimension count, a payload shorter than the header says (with the
        expected and actual byte counts), trailing bytes, or broken gzip data.

    Notes
    -----
    Memory is never allocated from the header's dimensions alone (a corrupt
    header can claim terabytes): a raw file's size is compared with the
    header first, and a gzip stream is read into a buffer that grows only with
    the bytes actually decompressed, up to one byte more than the header's
    size, before the lengths are compared.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    with open(path, "rb") as raw:
        is_gzip = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        f: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if is_gzip else raw  # type: ignore[assignment]
        try:
            return _parse_idx(f, path, None if is_gzip else os.fstat(raw.fileno()).st_size)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{path}: corrupt or truncated gzip data: {exc}") from exc
        finally:
            if is_gzip:
                f.close()


def _parse_idx(f: IO[bytes], path: Path, size: int | None) -> npt.NDArray[np.uint8]:
    """Parse an IDX stream; ``size`` is the file's length in bytes (None for gzip data)."""
    magic = _read_exact(f, 4)
    if len(magic) < 4:
        raise ValueError(f"{path}: too short for an IDX header ({len(magic)} bytes)")
    if magic[:2] != b"\x00\x00":
        raise ValueError(
            f"{path}: bad IDX magic number 0x{magic.hex()} (the first two bytes must be 00 00; "
            "is this an IDX file?)"
        )
    code, ndim = magic[2], magic[3]
    if code != 0x08:
        kind = _IDX_TYPES.get(code, "unknown")
        raise ValueError(
            f"{path}: unsupported IDX type code 0x{code:02x} ({kind}); only 0x08 (unsigned "
            "byte) is supported"
        )
    if ndim not in _IDX_NDIMS:
        raise ValueError(
            f"{path}: unsupported number of dimensions {ndim} in the IDX magic number "
            f"0x{magic.hex()}; only 1 (labels) or 3 (images) are supported"
        )
    head = _read_exact(f, 4 * ndim)
    if len(head) < 4 * ndim:
        raise ValueError(
            f"{path}: truncated IDX header: expected {4 * ndim} bytes of dimensions, "
            f"got {len(head)}"
        )
    dims = struct.unpack(f">{ndim}I", head)
    n = math.prod(dims)
    header = 4 + 4 * ndim
    # Never allocate from the header's numbers alone: a corrupt header can claim terabytes.
    # The payload is read into a buffer that grows only with the bytes really present
    # (a raw file's size is checked first), and its length is compared with n.
    if size is not None and size - header != n:
        raise _payload_error(path, dims, n, header, size - header)
    buf = bytearray()
    while len(buf) <= n:  # at most n + 1 bytes: one more than expected means trailing bytes
        chunk = f.read(min(_IDX_CHUNK, n + 1 - len(buf)))
        if not chunk:
            break
        buf += chunk
    got = len(buf)
    if got > n:  # count the rest without keeping it
        while chunk := f.read(_IDX_CHUNK):
            got += len(chunk)
    if got != n:
        raise _payload_error(path, dims, n, header, got)
    return np.frombuffer(buf, dtype=np.uint8).reshape(dims)


def _payload_error(path: Path, dims: tuple[int, ...], n: int, header: int, got: int) -> ValueError:
    """The message for an IDX payload whose length does not match the header's dims."""
    if got < n:
        return ValueError(
            f"{path}: truncated IDX payload: dims {dims} need {n} bytes after the "
            f"{header}-byte header, but only {got} are present (a truncated file, or a corrupt "
            "header claiming implausible dims)"
        )
    return ValueError(
        f"{path}: {got - n} unexpected trailing byte(s) after the {n}-byte payload of dims {dims} "
        f"({got} bytes follow the {header}-byte header)"
    )


def _mnist_file(folder: Path, looked: list[Path], name: str) -> Path:
    for candidate in (folder / name, folder / name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    raise DataNotFoundError(name, folder, looked)


def load_mnist(
    data_dir: Any = None,
    *,
    split: str = "standard",
    dtype: Any = "float64",
    one_hot: bool = False,
) -> Dataset:
    """Load MNIST from the four original IDX files.

    Parameters
    ----------
    data_dir : str or path-like, optional
        The folder with ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
        ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz`` (or the
        same names without ``.gz``, uncompressed), or a folder with an ``mnist/``
        subfolder holding them.  Default: ``default_data_dir() / "mnist"``.
    split : {"standard", "nielsen"}, default="standard"
        "standard": the 60,000 training images for training, the 10,000 t10k
        images as test.  "nielsen": the first 50,000 training images for
        training, the last 10,000 as the validation part (``X_val``,
        ``y_val``), t10k as test -- the shape of Nielsen's ``mnist.pkl.gz``.
    dtype : {"float64", "float32"}, default="float64"
        dtype of X.
    one_hot : bool, default=False
        Return y as one-hot (10, m) arrays of ``dtype`` instead of int64 (m,).

    Returns
    -------
    Dataset
        ``X_train`` of shape (784, 60000) (or (784, 50000)), ``X_test`` (784,
        10000), pixels divided by 255 into [0, 1].  X is the transpose of a
        C-ordered (m, 784) array (F-ordered): each image is a contiguous
        column, so ``X[:, k:k+b]`` mini-batches are views.  With "nielsen",
        ``X_train`` and ``X_val`` are views into one array.

    Raises
    ------
    FileNotFoundError
        Naming the missing file and the folder(s) searched.
    ValueError
        For a corrupt file (see :func:`read_idx`), images that are not 3-D
        or not 28×28, labels that are not 1-D, or different image and label
        counts.
    """
    check_choice(split, ("standard", "nielsen"), "split")
    dt = check_dtype(dtype)
    folder, looked = find_folder(data_dir, "mnist", list(MNIST_FILES.values()))
    files = {k: _mnist_file(folder, looked, v) for k, v in MNIST_FILES.items()}
    parts = {}
    for part in ("train", "test"):
        img_path, lab_path = files[f"{part}_images"], files[f"{part}_labels"]
        images = read_idx(img_path)
        labels = read_idx(lab_path)
        if images.ndim != 3:
            raise ValueError(
                f"{img_path}: expected 3-D images (count, rows, cols), got {images.shape}"
            )
        if images.shape[1:] != _MNIST_IMAGE:
            rows, cols = images.shape[1:]
            want = "×".join(map(str, _MNIST_IMAGE))
            raise ValueError(
                f"{img_path}: MNIST images are {want} pixels, but this file holds {rows}×{cols} "
                f"images (dims {images.shape}); is it an MNIST file?"
            )
        if labels.ndim != 1:
            raise ValueError(
                f"{lab_path}: expected 1-D labels (count,), got dims {labels.shape}; "
                "is this a label file (magic number 0x00000801)?"
            )
        if images.shape[0] != labels.shape[0]:
            raise ValueError(
                f"MNIST {part} image and label counts differ: {img_path.name} has "
                f"{images.shape[0]} images but {lab_path.name} has {labels.shape[0]} labels"
            )
        m = images.shape[0]
        X_rows = np.empty((m, images.shape[1] * images.shape[2]), dtype=dt)
        np.divide(images.reshape(m, -1), 255, out=X_rows, dtype=dt)
        parts[part] = (X_rows.T, labels.astype(np.int64))
    X_train, y_train = parts["train"]
    X_test, y_test = parts["test"]
    n_classes = max(10, int(max(y_train.max(initial=0), y_test.max(initial=0))) + 1)
    X_val = y_val = None
    if split == "nielsen":
        m = X_train.shape[1]
        if m <= _NIELSEN_VAL:
            raise ValueError(
                f"split='nielsen' keeps the last {_NIELSEN_VAL} training images for validation, "
                f"but {files['train_images']} has only {m}"
            )
        X_val, y_val = X_train[:, m - _NIELSEN_VAL :], y_train[m - _NIELSEN_VAL :]
        X_train, y_train = X_train[:, : m - _NIELSEN_VAL], y_train[: m - _NIELSEN_VAL]
    ys: list[npt.NDArray[Any] | None] = [y_train, y_val, y_test]
    if one_hot:
        ys = [None if y is None else _one_hot(y, n_classes, dt) for y in ys]
    assert ys[0] is not None
    assert ys[2] is not None
    return Dataset(
        X_train=X_train,
        y_train=ys[0],
        X_test=X_test,
        y_test=ys[2],
        feature_names=None,
        target_names=[str(k) for k in range(n_classes)],
        task="multiclass",
        name="mnist" if split == "standard" else "mnist-nielsen",
        X_val=X_val,
        y_val=ys[1],
    )

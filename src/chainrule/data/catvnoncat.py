"""The course's cat-vs-non-cat images: two HDF5 files, and the course's flattening."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from chainrule.data.paths import DataNotFoundError, find_folder

__all__ = ["CAT_FILES", "flatten_images", "load_catvnoncat"]

CAT_FILES = ("train_catvnoncat.h5", "test_catvnoncat.h5")
"""The two files, in ``catvnoncat/`` under the data folder."""


def flatten_images(x_orig: Any) -> npt.NDArray[np.float64]:
    """Flatten images to columns and scale to [0, 1] -- the course's preprocessing.

    Computes ``x_orig.reshape(m, -1).T / 255.``: each image is flattened in C
    order (row, column, channel) into one column.

    Parameters
    ----------
    x_orig : array_like of shape (m, height, width[, channels])
        Images, values 0..255 (any numeric dtype, e.g. uint8).

    Returns
    -------
    ndarray of shape (height*width*channels, m), float64
        An F-ordered array (the transpose of a C-ordered (m, n) one): each
        example is contiguous, so column batches are cheap views.
    """
    x = np.asarray(x_orig)
    if x.ndim < 2:
        raise ValueError(f"x_orig must have shape (m, ...) with one image per row, got {x.shape}")
    flat: npt.NDArray[np.float64] = x.reshape(x.shape[0], -1).T / 255.0
    return flat


def _read_h5(path: Path, keys: Sequence[str]) -> dict[str, npt.NDArray[Any]]:
    import h5py

    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(
            f"{path} is not a readable HDF5 file (corrupt or truncated?): {exc}"
        ) from exc
    out: dict[str, npt.NDArray[Any]] = {}
    with f:
        for key in keys:
            if key not in f:
                continue
            try:
                out[key] = np.array(f[key][()])
            except (OSError, TypeError) as exc:
                raise ValueError(f"{path}: cannot read dataset {key!r}: {exc}") from exc
        found = sorted(f.keys())
    for key in keys[:2]:
        if key not in out:
            raise ValueError(f"{path} has no dataset {key!r} (it holds {found})")
    return out


def load_catvnoncat(
    data_dir: Any = None,
) -> tuple[
    npt.NDArray[np.uint8],
    npt.NDArray[np.int64],
    npt.NDArray[np.uint8],
    npt.NDArray[np.int64],
    npt.NDArray[np.bytes_],
]:
    """Load the course's cat-vs-non-cat images, exactly like the course's ``load_data()``.

    Parameters
    ----------
    data_dir : str or path-like, optional
        The folder holding ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``,
        or a folder with a ``catvnoncat/`` subfolder holding them.  Default:
        ``default_data_dir() / "catvnoncat"``.

    Returns
    -------
    train_x_orig : ndarray of shape (209, 64, 64, 3), uint8
        Training images, RGB, 0..255.
    train_y : ndarray of shape (1, 209), int64
        Training labels, 1 = cat (72 of 209), 0 = non-cat.
    test_x_orig : ndarray of shape (50, 64, 64, 3), uint8
        Test images.
    test_y : ndarray of shape (1, 50), int64
        Test labels (33 cats of 50).
    classes : ndarray of shape (2,), bytes
        ``[b'non-cat', b'cat']`` (from the test file, as in the course).

    Raises
    ------
    FileNotFoundError
        Naming the missing file and the folder(s) searched.
    ValueError
        If a file is not valid HDF5 or lacks the expected data sets (naming the file).

    See Also
    --------
    flatten_images : to (12288, m) float64 columns in [0, 1].
    """
    folder, looked = find_folder(data_dir, "catvnoncat", CAT_FILES)
    paths = [folder / f for f in CAT_FILES]
    for f, p in zip(CAT_FILES, paths, strict=True):
        if not p.is_file():
            raise DataNotFoundError(f, folder, looked)
    parts = []
    for part, p in zip(("train", "test"), paths, strict=True):
        d = _read_h5(p, (f"{part}_set_x", f"{part}_set_y", "list_classes"))
        x, y = d[f"{part}_set_x"], d[f"{part}_set_y"]
        if x.ndim != 4 or y.size != x.shape[0]:
            raise ValueError(
                f"{p}: expected {part}_set_x of shape (m, 64, 64, 3) and m labels, got "
                f"{part}_set_x {x.shape} and {part}_set_y {y.shape}"
            )
        parts.append((x, y.reshape(1, -1).astype(np.int64), d.get("list_classes")))
    (train_x, train_y, train_cls), (test_x, test_y, test_cls) = parts
    classes = test_cls if test_cls is not None else train_cls
    if classes is None:
        raise ValueError(f"neither {paths[0]} nor {paths[1]} has a 'list_classes' dataset")
    return train_x, train_y, test_x, test_y, np.asarray(classes)

"""Model files: ``.npz`` arrays plus JSON metadata; never pickle.

A model file is a NumPy ``.npz`` archive holding ``W1, b1, ..., WL, bL`` and
one more entry, ``__chainrule__``: a JSON document (stored as a Unicode
string array) with the format name and version, the chainrule version, the
architecture (:meth:`Network.config`), the training history if any, and any
extra metadata the caller passes.

Safety
------
* Files are read with ``numpy.load(..., allow_pickle=False)``: an archive
  carrying an object (pickled) array is refused, and nothing in it is ever
  executed.
* Every array's shape, dtype and finiteness is checked against the metadata
  before a network is built; a truncated, corrupt, foreign or newer-format file
  raises :class:`ModelFileError` (a ``ValueError``) with the reason.
* Writes go to a temporary file in the same folder, flushed to disk, then
  renamed over the target (``os.replace`` is atomic on POSIX and Windows), so
  a failed save never destroys an existing model file.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from chainrule._version import __version__
from chainrule.network import Network

__all__ = ["FORMAT", "FORMAT_VERSION", "ModelFileError", "load", "read_metadata", "save"]

FORMAT = "chainrule-model"
FORMAT_VERSION = 1
_META_KEY = "__chainrule__"


class ModelFileError(ValueError):
    """A model file cannot be read: corrupt, truncated, foreign, unsafe or too new."""


def atomic_write_bytes(path: str | Path, write: Any) -> Path:
    """Call ``write(fileobj)`` on a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"folder {str(folder)!r} does not exist (for {str(path)!r})")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save(net: Network, path: str | Path, **metadata: Any) -> Path:
    """Write ``net`` to ``path`` (``.npz`` is appended if missing); returns the path.

    Parameters
    ----------
    net : Network
    path : str or Path
    **metadata
        Extra JSON-able information stored with the model (e.g. the data set
        name, class names, scaler statistics as lists).
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "chainrule_version": __version__,
        "config": net.config(),
        "history": net.history.to_dict() if net.history is not None else None,
        "metadata": metadata,
    }
    try:
        text = json.dumps(meta, allow_nan=True)
    except TypeError as exc:
        raise TypeError(f"metadata must be JSON-serialisable: {exc}") from exc
    arrays = {k: np.ascontiguousarray(v) for k, v in net.parameters.items()}
    arrays[_META_KEY] = np.array(text)

    def write(f: Any) -> None:
        np.savez(f, **arrays)

    return atomic_write_bytes(path, write)


def _read(path: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file {str(path)!r} does not exist")
    try:
        with np.load(path, allow_pickle=False) as z:
            if _META_KEY not in z.files:
                raise ModelFileError(f"{path}: not a chainrule model file (no {_META_KEY} entry)")
            meta_arr = z[_META_KEY]
            if meta_arr.dtype.kind != "U" or meta_arr.shape != ():
                raise ModelFileError(f"{path}: malformed metadata entry")
            meta = json.loads(str(meta_arr))
            arrays = {k: z[k] for k in z.files if k != _META_KEY}
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: corrupt or truncated model file ({exc})") from exc
    except ValueError as exc:  # includes numpy's "Object arrays cannot be loaded ..." (pickle)
        raise ModelFileError(f"{path}: refused: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a chainrule model file")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise ModelFileError(
            f"{path}: model format version {version!r} is not supported by chainrule "
            f"{__version__} (supports 1..{FORMAT_VERSION}); upgrade chainrule"
        )
    return meta, arrays


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The JSON metadata of a model file (validated like :func:`load`)."""
    return _read(path)[0]


def load(path: str | Path) -> Network:
    """Read a model file written by :func:`save` and return the Network.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ModelFileError
        Corrupt, truncated, pickle-carrying, foreign or newer-format file, or
        arrays that do not match the stored architecture.
    """
    meta, arrays = _read(path)
    config = meta.get("config")
    try:
        if not isinstance(config, dict):
            raise TypeError("config is not a dict")
        net = Network.from_config(config)
    except (TypeError, ValueError, KeyError) as exc:
        raise ModelFileError(f"{path}: invalid architecture in metadata ({exc})") from exc
    expected = set(net.parameters)
    if set(arrays) != expected:
        raise ModelFileError(
            f"{path}: arrays {sorted(arrays)} do not match the architecture (expected {sorted(expected)})"
        )
    for k, v in arrays.items():
        if v.dtype != net.dtype:
            raise ModelFileError(f"{path}: {k} has dtype {v.dtype}, metadata says {net.dtype}")
        if not np.isfinite(v).all():
            raise ModelFileError(f"{path}: {k} contains NaN or infinite values")
    try:
        net.parameters = arrays
    except ValueError as exc:
        raise ModelFileError(f"{path}: {exc}") from exc
    hist = meta.get("history")
    if isinstance(hist, dict):
        from chainrule.training import History

        try:
            net.history = History.from_dict(hist)
        except TypeError:
            net.history = None
    net.metadata = meta.get("metadata") or {}  # type: ignore[attr-defined]
    return net

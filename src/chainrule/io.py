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
  a failed save never destroys an existing model file.  The new file gets the
  permissions the old one had (or the umask's default for a new file).
* :func:`save` refuses parameters with NaN or inf (:func:`read_model` would refuse
  the file), and :func:`read_model` compares every array's shape with the stored
  layer sizes *before* building the network, so a damaged size cannot make it
  allocate more than the file holds.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule._version import __version__

if TYPE_CHECKING:
    from chainrule.network import Network

__all__ = ["FORMAT", "FORMAT_VERSION", "ModelFileError", "read_metadata", "read_model", "save"]

FORMAT = "chainrule-model"
FORMAT_VERSION = 1
_META_KEY = "__chainrule__"


class ModelFileError(ValueError):
    """A model file cannot be read: corrupt, truncated, foreign, unsafe or too new."""


def _default_file_mode() -> int:
    """The mode ``open(path, "w")`` would give a new file: 0o666 minus the umask."""
    mask = os.umask(0)  # the only portable way to read the umask is to set it ...
    os.umask(mask)  # ... and put it straight back
    return 0o666 & ~mask


def atomic_write_bytes(path: str | Path, write: Any) -> Path:
    """Call ``write(fileobj)`` on a temporary file beside ``path``, then rename it into place.

    The temporary file lives in the target's folder (so the rename never crosses
    file systems), is flushed and fsync'ed, gets the permissions the target had (or
    those of a new file under the current umask, not ``mkstemp``'s 0600), and is
    renamed over ``path`` with :func:`os.replace`, which is atomic.  If ``write``
    (or anything before the rename) fails, the temporary file is removed and an
    existing file at ``path`` is left exactly as it was.

    Parameters
    ----------
    path : str or Path
        The file to create or replace.
    write : callable(file object) -> None
        Writes the whole content to the binary file object it is given.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"folder {str(folder)!r} does not exist (for {str(path)!r})")
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a folder, not a file")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = _default_file_mode()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    return path


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save(net: Network, path: str | Path, **metadata: Any) -> Path:
    """Write ``net`` to ``path`` (``.npz`` is appended if missing); returns the path.

    Parameters
    ----------
    net : Network
        Its parameters must be finite (ValueError otherwise, and nothing is written).
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
        "history": net.history.to_dict(scalars=True) if net.history is not None else None,
        "metadata": metadata,
    }
    try:
        text = json.dumps(meta, allow_nan=True)
    except TypeError as exc:
        raise TypeError(f"metadata must be JSON-serialisable: {exc}") from exc
    arrays = {k: np.ascontiguousarray(v) for k, v in net.parameters.items()}
    for k, v in arrays.items():
        if not np.isfinite(v).all():
            # load() refuses such a file, so writing it would only replace a good one
            raise ValueError(f"cannot save the network: parameter {k} contains NaN or inf")
    arrays[_META_KEY] = np.array(text)

    entries: dict[str, Any] = arrays  # (float arrays and one string: nothing is pickled)

    def write(f: Any) -> None:
        np.savez(f, **entries)

    return atomic_write_bytes(path, write)


def _resolve(path: str | Path) -> Path:
    """``path``, or ``path.npz`` when only that exists (save() appends the suffix)."""
    path = Path(path)
    if not path.exists() and path.suffix != ".npz":
        with_suffix = path.with_name(path.name + ".npz")
        if with_suffix.is_file():
            return with_suffix
    if not path.exists():
        raise FileNotFoundError(f"model file {str(path)!r} does not exist")
    if not path.is_file():
        raise ModelFileError(f"{path}: not a file")
    return path


def _read(path: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    path = _resolve(path)
    with open(path, "rb") as fh:  # errors opening the file (permissions) are not "corrupt"
        if fh.read(4) != b"PK\x03\x04":  # every .npz is a zip archive; say so before numpy
            raise ModelFileError(  # guesses at a CSV or a pickle
                f"{path}: not a chainrule model file (not an .npz archive; model files are "
                "written by chainrule train or Network.save)"
            )
        fh.seek(0)
        try:
            z = np.load(fh, allow_pickle=False)
        except ValueError as exc:  # e.g. a pickle stream: refused unread, never executed
            raise ModelFileError(f"{path}: not a chainrule model file ({exc})") from exc
        except Exception as exc:
            raise ModelFileError(f"{path}: corrupt or truncated model file ({exc})") from exc
        assert isinstance(z, np.lib.npyio.NpzFile)  # a zip archive always loads as one
        with z:
            try:
                if _META_KEY not in z.files:
                    raise ModelFileError(
                        f"{path}: not a chainrule model file (no {_META_KEY} entry)"
                    )
                meta_arr = z[_META_KEY]
                if meta_arr.dtype.kind != "U" or meta_arr.shape != ():
                    raise ModelFileError(f"{path}: malformed metadata entry")
                meta = json.loads(str(meta_arr))
                arrays = {k: z[k] for k in z.files if k != _META_KEY}
            except ModelFileError:
                raise
            except ValueError as exc:
                # numpy's "Object arrays cannot be loaded when allow_pickle=False" (a pickle
                # inside the archive: refused, nothing unpickled), bad JSON, bad headers
                raise ModelFileError(f"{path}: refused: {exc}") from exc
            except Exception as exc:  # BadZipFile, CRC errors, zlib.error, EOFError, ...
                raise ModelFileError(f"{path}: corrupt or truncated model file ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a chainrule model file")
    version = meta.get("format_version")
    if (
        isinstance(version, bool)
        or not isinstance(version, int)
        or version > FORMAT_VERSION
        or version < 1
    ):
        raise ModelFileError(
            f"{path}: model format version {version!r} is not supported by chainrule "
            f"{__version__} (supports 1..{FORMAT_VERSION}); upgrade chainrule"
        )
    return meta, arrays


def _check_shapes(path: Path | str, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Compare the arrays with the layer sizes in the metadata before building anything.

    (A damaged or hostile ``layer_dims`` could otherwise make :func:`read_model` allocate
    far more memory than the file holds.)
    """
    dims = config.get("layer_dims")
    if not (isinstance(dims, list) and len(dims) >= 2 and all(type(n) is int for n in dims)):
        raise ModelFileError(f"{path}: invalid architecture in metadata (layer_dims={dims!r})")
    expected = {}
    for l in range(1, len(dims)):
        expected[f"W{l}"] = (dims[l], dims[l - 1])
        expected[f"b{l}"] = (dims[l], 1)
    if set(arrays) != set(expected):
        raise ModelFileError(
            f"{path}: arrays {sorted(arrays)} do not match the architecture "
            f"(expected {sorted(expected)})"
        )
    for k, shape in expected.items():
        if arrays[k].shape != shape:
            raise ModelFileError(
                f"{path}: {k} has shape {arrays[k].shape}, the architecture needs {shape}"
            )


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The JSON metadata of a model file (validated like :func:`read_model`)."""
    return _read(path)[0]


def read_model(path: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, Any]]:
    """Read and check a model file written by :func:`save`, building nothing.

    :func:`chainrule.load` builds the Network from what this returns.

    Parameters
    ----------
    path : str or Path
        The file; as with :func:`save`, the ``.npz`` suffix may be left out.

    Returns
    -------
    config : dict
        The architecture (:meth:`chainrule.Network.config`).
    arrays : dict of str to ndarray
        ``W1, b1, ..., WL, bL``, of the shapes the config describes, finite floats.
    meta : dict
        The whole JSON metadata (``history``, ``metadata``, ...).

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
    if not isinstance(config, dict):
        raise ModelFileError(f"{path}: invalid architecture in metadata (config is not a dict)")
    _check_shapes(path, config, arrays)
    for k, v in arrays.items():
        if v.dtype.kind != "f":
            raise ModelFileError(f"{path}: {k} has dtype {v.dtype}, expected float64 or float32")
        if not np.isfinite(v).all():
            raise ModelFileError(f"{path}: {k} contains NaN or infinite values")
    return config, arrays, meta

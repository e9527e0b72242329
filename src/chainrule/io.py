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
  the file).
* Memory stays bounded by the file's size: before any data is read,
  :func:`read_model` refuses unknown or duplicate archive members, members that
  would inflate to more than the file's size plus 16 MiB (chainrule writes
  uncompressed archives), metadata over 16 Mi characters, and any ``.npy`` header
  whose shape, dtype or size disagrees with the layer sizes in the metadata or with
  the zip directory; a damaged or hostile size cannot make it allocate more than the
  file holds.
* The metadata's schema is checked (the architecture, and the fields ``chainrule
  train`` writes: their types, lengths and consistency with the arrays); an error
  names the file and the field.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import tempfile
import zipfile
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


_MAX_META_CHARS = 16 * 2**20
"""The longest metadata document read (16 Mi characters, 64 MiB as NumPy stores it)."""
_MEMBER = re.compile(r"(__chainrule__|[Wb][1-9][0-9]{0,5})\.npy")
"""The names a model file's archive may hold (anything else is refused unread)."""
_SLACK_BYTES = 16 * 2**20
"""How much more than the file's own size its members may inflate to, all together.

chainrule writes uncompressed archives (``numpy.savez``), whose members hold no more
than the file; a compressed archive from elsewhere is read only while this bound holds,
so a small file cannot make :func:`read_model` allocate much more than its own size."""


def _member_header(
    path: Path, f: Any, name: str, size: int
) -> tuple[tuple[int, ...], bool, np.dtype[Any], int]:
    """Parse one member's ``.npy`` header: (shape, fortran_order, dtype, data bytes)."""
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"unsupported .npy format version {version}")
    except ModelFileError:
        raise
    except (ValueError, TypeError, SyntaxError, OverflowError) as exc:
        raise ModelFileError(f"{path}: refused: member {name!r}: bad .npy header ({exc})") from exc
    if dtype.hasobject:
        raise ModelFileError(
            f"{path}: refused: member {name!r} holds Python objects (dtype {dtype}), which "
            "would need pickle; chainrule model files never do"
        )
    nbytes = math.prod(shape) * dtype.itemsize
    header = f.tell()
    if size != header + nbytes:
        raise ModelFileError(
            f"{path}: member {name!r} is {size:,} bytes but its header describes "
            f"{header + nbytes:,} (shape {shape}, dtype {dtype}); corrupt or truncated model file"
        )
    return tuple(shape), bool(fortran), dtype, nbytes


def _member_data(
    f: Any, shape: tuple[int, ...], fortran: bool, dtype: np.dtype[Any], nbytes: int
) -> np.ndarray:
    data = f.read(nbytes)
    if len(data) != nbytes:
        raise EOFError(f"expected {nbytes} bytes of data, got {len(data)}")
    flat = np.frombuffer(data, dtype=dtype)
    return flat.reshape(shape, order="F" if fortran else "C").copy()


def _read(path: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and check a model file, bounding every allocation before making it.

    The order: the zip directory (member names, no duplicates, the sizes the members
    inflate to against the file's own size); the metadata member (its ``.npy`` header,
    at most :data:`_MAX_META_CHARS` characters), then the JSON; the expected members
    from the metadata's ``layer_dims`` (anything else is refused unread); each array's
    ``.npy`` header (dtype, shape, size) against that; only then the arrays' data.
    """
    path = _resolve(path)
    with open(path, "rb") as fh:  # errors opening the file (permissions) are not "corrupt"
        if fh.read(4) != b"PK\x03\x04":  # every .npz is a zip archive; say so before numpy
            raise ModelFileError(  # guesses at a CSV or a pickle
                f"{path}: not a chainrule model file (not an .npz archive; model files are "
                "written by chainrule train or Network.save)"
            )
        fh.seek(0)
        file_size = os.fstat(fh.fileno()).st_size
        try:
            zf = zipfile.ZipFile(fh)
        except Exception as exc:  # BadZipFile, truncated central directory, ...
            raise ModelFileError(f"{path}: corrupt or truncated model file ({exc})") from exc
        with zf:
            try:
                return _read_members(path, zf, file_size)
            except ModelFileError:
                raise
            except Exception as exc:  # BadZipFile, CRC errors, zlib.error, EOFError, ...
                raise ModelFileError(f"{path}: corrupt or truncated model file ({exc})") from exc


def _read_members(
    path: Path, zf: zipfile.ZipFile, file_size: int
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    infos = zf.infolist()
    names = [i.filename for i in infos]
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise ModelFileError(f"{path}: refused: the archive holds member {n!r} twice")
        seen.add(n)
    unknown = [n for n in names if not _MEMBER.fullmatch(n)]
    if unknown:
        raise ModelFileError(
            f"{path}: refused: unknown archive member {unknown[0]!r} (a model file holds "
            f"{_META_KEY}.npy and W1.npy, b1.npy, ... only)"
        )
    meta_name = _META_KEY + ".npy"
    if meta_name not in seen:
        raise ModelFileError(f"{path}: not a chainrule model file (no {_META_KEY} entry)")
    meta_size = zf.getinfo(meta_name).file_size
    if meta_size > 4 * _MAX_META_CHARS + 4096:
        raise ModelFileError(
            f"{path}: refused: the metadata member is {meta_size:,} bytes; at most "
            f"{_MAX_META_CHARS:,} characters of metadata are read"
        )
    inflated = sum(i.file_size for i in infos)
    if inflated > file_size + _SLACK_BYTES:
        raise ModelFileError(
            f"{path}: refused: its members would inflate to {inflated:,} bytes from a file of "
            f"{file_size:,} bytes (chainrule writes uncompressed model files; at most "
            f"{_SLACK_BYTES // 2**20} MiB more than the file is read)"
        )
    info = zf.getinfo(meta_name)
    with zf.open(info) as f:
        shape, fortran, dtype, nbytes = _member_header(path, f, meta_name, info.file_size)
        if dtype.kind != "U" or shape != ():
            raise ModelFileError(f"{path}: malformed metadata entry")
        if dtype.itemsize // 4 > _MAX_META_CHARS:
            raise ModelFileError(
                f"{path}: refused: the metadata is {dtype.itemsize // 4:,} characters long; "
                f"at most {_MAX_META_CHARS:,} are read"
            )
        text = str(_member_data(f, shape, fortran, dtype, nbytes)[()])
    try:
        meta = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ModelFileError(f"{path}: refused: the metadata is not valid JSON ({exc})") from exc
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
    config = meta.get("config")
    if not isinstance(config, dict):
        raise ModelFileError(f"{path}: invalid architecture in metadata (config is not a dict)")
    expected = _expected_shapes(path, config)
    arrays_present = sorted(n[:-4] if n.endswith(".npy") else n for n in names if n != meta_name)
    if {n for n in names if n != meta_name} != {k + ".npy" for k in expected}:
        raise ModelFileError(
            f"{path}: arrays {arrays_present} do not match the architecture "
            f"(expected {sorted(expected)})"
        )
    arrays: dict[str, np.ndarray] = {}
    for k, want in expected.items():
        info = zf.getinfo(k + ".npy")
        with zf.open(info) as f:
            shape, fortran, dtype, nbytes = _member_header(path, f, k, info.file_size)
            if shape != want:
                raise ModelFileError(
                    f"{path}: {k} has shape {shape}, the architecture needs {want}"
                )
            if dtype.kind != "f" or dtype.itemsize not in (4, 8):
                raise ModelFileError(f"{path}: {k} has dtype {dtype}, expected float64 or float32")
            arrays[k] = _member_data(f, shape, fortran, dtype, nbytes)
    return meta, arrays


def _expected_shapes(path: Path | str, config: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """The arrays the layer sizes in the metadata call for, by name, before reading any.

    (A damaged or hostile ``layer_dims`` could otherwise make :func:`read_model` allocate
    far more memory than the file holds.)
    """
    dims = config.get("layer_dims")
    if not (
        isinstance(dims, list) and len(dims) >= 2 and all(type(n) is int and n >= 1 for n in dims)
    ):
        raise ModelFileError(f"{path}: invalid architecture in metadata (layer_dims={dims!r})")
    expected = {}
    for l in range(1, len(dims)):
        expected[f"W{l}"] = (dims[l], dims[l - 1])
        expected[f"b{l}"] = (dims[l], 1)
    return expected


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _numbers(v: Any, n: int, positive: bool = False) -> bool:
    return (
        isinstance(v, list)
        and len(v) == n
        and all(_is_number(x) and (not positive or x > 0) for x in v)
    )


_TASKS = ("binary", "multiclass", "regression")
_TARGETS = ("indices", "binary", "one_hot", "values")


def _check_extra_metadata(path: Path | str, extra: Any, dims: list[int]) -> None:
    """Check the fields ``chainrule train`` writes into a model's metadata, where present.

    Each is optional (a model saved from Python may hold none of them, and other keys
    are left alone), but one that is present must have the type, length and values the
    commands that read it rely on; the message names the file and the field.
    """
    if extra is None:
        return
    if not isinstance(extra, dict):
        raise ModelFileError(f"{path}: metadata field 'metadata' must be an object, got {extra!r}")
    n0, n_out = dims[0], dims[-1]

    def bad(field: str, value: Any, expected: str) -> ModelFileError:
        shown = repr(value)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        return ModelFileError(f"{path}: invalid metadata field {field!r}: {expected}, got {shown}")

    for key in ("dataset", "command"):
        if extra.get(key) is not None and not isinstance(extra[key], str):
            raise bad(key, extra[key], "expected a string")
    task = extra.get("task")
    if task is not None and task not in _TASKS:
        raise bad("task", task, f"expected one of {', '.join(_TASKS)}")
    targets = extra.get("targets")
    if targets is not None and targets not in _TARGETS:
        raise bad("targets", targets, f"expected one of {', '.join(_TARGETS)}")
    names = extra.get("class_names")
    if names is not None:
        if not (isinstance(names, list) and all(isinstance(s, str) for s in names)):
            raise bad("class_names", names, "expected a list of strings")
        k = 2 if n_out == 1 else n_out
        if task != "regression" and targets != "values" and len(names) != k:
            raise bad(
                "class_names",
                names,
                f"expected {k} names (the model has {n_out} output unit"
                f"{'s' if n_out != 1 else ''}), {len(names)} given",
            )
    col = extra.get("target_column")
    if col is not None and (isinstance(col, bool) or not isinstance(col, (int, str))):
        raise bad("target_column", col, "expected a column index or name")
    pre = extra.get("preprocessing")
    if pre is not None:
        kind = pre.get("kind") if isinstance(pre, dict) else None
        if kind not in ("standard", "minmax", "divide", "none"):
            raise bad("preprocessing", pre, "expected kind standard, minmax, divide or none")
        if kind in ("standard", "minmax"):
            a, b = ("mean", "std") if kind == "standard" else ("min", "range")
            if not (_numbers(pre.get(a), n0) and _numbers(pre.get(b), n0, positive=True)):
                raise bad(
                    "preprocessing",
                    pre,
                    f"expected {a!r} and {b!r} as lists of {n0} finite numbers "
                    f"(one per input feature), {b!r} > 0",
                )
        if kind == "divide" and not (_is_number(pre.get("by")) and pre["by"] > 0):
            raise bad("preprocessing", pre, "expected 'by' > 0")
    ts = extra.get("target_scaling")
    if ts is not None and not (
        isinstance(ts, dict)
        and _numbers(ts.get("mean"), n_out)
        and _numbers(ts.get("std"), n_out, positive=True)
    ):
        raise bad(
            "target_scaling",
            ts,
            f"expected null or 'mean' and 'std' as lists of {n_out} finite numbers, 'std' > 0",
        )
    split = extra.get("split")
    if split is not None:
        ok = isinstance(split, dict)
        if ok:
            seed = split.get("seed", 0)
            ok = type(seed) is int and seed >= 0
            for key in ("test_fraction", "val_fraction"):
                v = split.get(key, 0.0)
                ok = ok and _is_number(v) and 0 <= v < 1
            ok = ok and split.get("test_fraction", 0.0) + split.get("val_fraction", 0.0) < 1
        if not ok:
            raise bad(
                "split",
                split,
                "expected an object with 'seed' (an integer >= 0), 'test_fraction' and "
                "'val_fraction' (fractions in [0, 1) that sum to less than 1)",
            )
    metrics = extra.get("metrics")
    if metrics is not None and not isinstance(metrics, dict):
        raise bad("metrics", metrics, "expected an object")


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The JSON metadata of a model file (validated like :func:`read_model`)."""
    return read_model(path)[2]


def read_model(path: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, Any]]:
    """Read and check a model file written by :func:`save`, building nothing.

    :func:`chainrule.load` builds the Network from what this returns.

    Memory stays bounded by the file: member names, the sizes the zip directory and
    each ``.npy`` header declare, and the metadata's length are checked against the
    metadata's own description of the architecture and against fixed caps before any
    data is read (see :func:`_read`).

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
        Corrupt, truncated, pickle-carrying, foreign or newer-format file, unknown or
        duplicate members, sizes out of bounds, arrays that do not match the stored
        architecture, or metadata fields of the wrong type, length or value.
    """
    meta, arrays = _read(path)
    config = meta["config"]
    for k, v in arrays.items():
        if not np.isfinite(v).all():
            raise ModelFileError(f"{path}: {k} contains NaN or infinite values")
    history = meta.get("history")
    if history is not None and not isinstance(history, dict):
        raise ModelFileError(f"{path}: invalid metadata field 'history': expected an object")
    _check_extra_metadata(path, meta.get("metadata"), config["layer_dims"])
    return config, arrays, meta

r"""Reading a user's file of examples as rows: ``.csv`` and ``.npz``.

This is the one place a user's data file is opened.  :func:`read_rows` picks the
reader by the file's suffix and gives the arrays as stored (one example per
**row**); :func:`read_table` is the public entry point that ``chainrule evaluate``
and ``chainrule predict`` use (X as float64, every value checked finite), and
:func:`chainrule.data.load_dataset` builds a training :class:`Dataset` on
:func:`read_rows`.

CSV (:func:`read_csv`)
    comma-separated, an optional header row (detected, :func:`is_header`), blank
    lines and ``#`` lines skipped; the feature columns hold numbers, the label
    column numbers or class names.  A file of numbers only is read by NumPy's C
    parser; anything else (text labels, quoted cells, an error to report with its
    line and column) cell by cell.
NPZ (:func:`read_npz`)
    arrays ``"X"`` (m, n) and ``"y"`` (m,) or (m, k), optional string arrays
    ``"feature_names"`` and ``"target_names"``; nothing is unpickled.
"""

from __future__ import annotations

import csv
import warnings
from collections.abc import Generator
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from chainrule.data.paths import DataFileError, InapplicableArgumentError

__all__ = [
    "MISSING_ADVICE",
    "SUFFIXES",
    "check_lengths",
    "is_header",
    "is_number",
    "read_csv",
    "read_npz",
    "read_rows",
    "read_table",
]

SUFFIXES = (".csv", ".npz")
"""The file types a user's data may come in."""

_LABEL_NAMES = ("target", "label", "labels", "class", "y", "species", "category")

_MISSING_CELLS = {"", "na", "n/a", "nan", "null", "none", "?", "-"}
"""CSV cells that spreadsheets and pandas write for a missing value."""

MISSING_ADVICE = (
    "chainrule trains on complete examples only: drop the incomplete "
    "rows or fill in the gaps first, e.g. with pandas: "
    "pd.read_csv(FILE).dropna().to_csv(NEW_FILE, index=False)"
)
"""What to do about missing values (said with every missing-value error)."""


def _label_guess(header: list[str]) -> str:
    """The header name most likely to be the label column (a common name, else the last)."""
    lower = [h.lower() for h in header]
    return next((header[lower.index(n)] for n in _LABEL_NAMES if n in lower), header[-1])


# --------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_rows(path: Path) -> Generator[tuple[int, list[str]], None, None]:
    """(line number, stripped cells) of every CSV row that is not blank or a ``#`` comment."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            for row in reader:
                cells = [cell.strip() for cell in row]
                if not any(cells) or cells[0].startswith("#"):
                    continue
                yield reader.line_num, cells
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a text CSV file (it is not valid UTF-8: {exc})") from None
    except csv.Error as exc:
        raise ValueError(f"{path}: not a readable CSV file: {exc}") from None


def is_header(first: list[str], second: list[str] | None) -> bool:
    """Is ``first`` a header row?  Yes if it holds no number at all, or text where the next
    row has a number; a row of numbers with a text class label (``1.5,2,cat``) is data."""
    text = [not is_number(cell) for cell in first]
    if not any(text):
        return False
    if all(text):
        return True
    return second is not None and any(
        t and is_number(cell) for t, cell in zip(text, second, strict=False)
    )


def _preview_row(cells: list[str], limit: int = 60) -> str:
    text = ",".join(cells)
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def read_csv(
    path: Path, target_column: Any = None, *, has_target: bool = True
) -> tuple[npt.NDArray[np.float64], npt.NDArray[Any] | None, list[str] | None, int | None]:
    """Read a CSV file of examples as rows: features are numbers, the label may be class names.

    Parameters
    ----------
    path : Path
        The file: comma-separated, one example per row, an optional header row
        (detected, see :func:`is_header`), blank lines and ``#`` lines skipped.
    target_column : int or str, optional
        The label column, by index or header name; default the last one.
    has_target : bool, default=True
        False: every column is a feature (``target_column`` is dropped if given).

    Returns
    -------
    X_rows : ndarray of shape (m, n), float64
        The feature columns, one example per row.
    y : ndarray of shape (m,) or None
        The label column: float64 if every value is a number, else str
        (class names).  None when there is no target column.
    header : list of str or None
        The header row (all columns), if there is one.
    col : int or None
        The index of the label column in the file.
    """
    rows = _csv_rows(path)
    first = next(rows, None)
    second = next(rows, None)
    rows.close()
    if first is None:
        raise ValueError(f"{path}: no data rows (the file is empty)")
    header = first[1] if is_header(first[1], None if second is None else second[1]) else None
    if header is not None and second is None:
        raise ValueError(
            f"{path}: no data rows: the only row, {_preview_row(header)}, has no numbers, so it "
            "was read as the header row (data rows hold numbers"
            + (", except a class-label column)" if has_target else ")")
        )
    n_cols = len(first[1])
    col: int | None = None
    if has_target or target_column is not None:
        if has_target and n_cols < 2:
            raise ValueError(
                f"{path}: need at least one feature column and one label column, found {n_cols} "
                "column"
            )
        col = _column_index(target_column, n_cols, header, path)
    # Fast path: a file of numbers only, read by NumPy's C parser.  NumPy warns on a file
    # without data; every such case is reported below in our own words, so silence it.
    data: npt.NDArray[np.float64] | None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            data = np.loadtxt(
                path,
                delimiter=",",
                skiprows=1 if header else 0,
                ndmin=2,
                dtype=np.float64,
                encoding="utf-8-sig",
            )
        except ValueError:
            data = None
    if data is None or data.shape[0] == 0 or data.shape[1] != n_cols:
        # Slow path: text labels, quoted cells, comments before the header, or an error
        # to report (ragged rows, text in a feature column) with its line and column.
        data, labels = _parse_csv_cells(path, header, n_cols, col, has_target)
    else:
        labels = None if col is None else data[:, col]
    X_rows = data if col is None else np.delete(data, col, axis=1)
    return X_rows, (labels if has_target else None), header, col


def _parse_csv_cells(
    path: Path, header: list[str] | None, n_cols: int, col: int | None, has_target: bool
) -> tuple[npt.NDArray[np.float64], npt.NDArray[Any] | None]:
    """Every row's cells -> (all columns as float64 with the label column NaN, labels)."""
    rows = _csv_rows(path)
    if header is not None:
        next(rows)
    cells: list[list[str]] = []
    lines: list[int] = []
    for line, row in rows:
        if len(row) != n_cols:
            first = "header row" if header is not None else "first row"
            raise ValueError(
                f"{path}, line {line}: {len(row)} comma-separated values, but the {first} has "
                f"{n_cols}; every row needs the same number of values"
            )
        cells.append(row)
        lines.append(line)
    table = np.array(cells, dtype=str).reshape(len(cells), n_cols)
    features = [j for j in range(n_cols) if j != col]
    try:
        X = table[:, features].astype(np.float64)
    except ValueError:
        i, j = next(
            (i, j) for i, row in enumerate(cells) for j in features if not is_number(row[j])
        )
        name = f"{header[j]!r} (index {j})" if header is not None else f"index {j}"
        rule = (
            "feature columns must hold numbers (only the label column may hold class names)"
            if has_target
            else "every column must hold numbers"
        )
        cell = cells[i][j]
        if cell.strip().lower() in _MISSING_CELLS:
            n_missing = sum(
                row[k].strip().lower() in _MISSING_CELLS for row in cells for k in features
            )
            raise DataFileError(
                f"{path}, line {lines[i]}, column {name}: {cell!r} is a missing value "
                f"({n_missing} in the feature columns); {MISSING_ADVICE}"
            ) from None
        message = f"{path}, line {lines[i]}, column {name}: {cell!r} is not a number; {rule}"
        python = cli = ""
        if all(not is_number(row[j]) for row in cells):
            # a column of text in every row is most likely the labels: say how to name it
            ref = header[j] if header is not None else j
            verb = "read it as the labels" if has_target else "drop it"
            python = f" (column {ref!r} holds text in every row; to {verb}: target_column={ref!r})"
            cli = f" (column {ref!r} holds text in every row; to {verb}: --target-column {ref})"
        raise DataFileError(message, python=python, cli=cli) from None
    data = np.full((len(cells), n_cols), np.nan)
    data[:, features] = X
    labels: npt.NDArray[Any] | None = None
    if col is not None:
        labels = table[:, col]
        if all(is_number(v) for v in labels):
            labels = labels.astype(np.float64)
            data[:, col] = labels
    return data, labels


def _column_index(target_column: Any, n_cols: int, header: list[str] | None, path: Path) -> int:
    """The label column's index in a CSV file of ``n_cols`` columns (default: the last)."""
    if target_column is None:
        return n_cols - 1
    what = f"target_column={target_column!r} (--target-column on the command line)"
    if isinstance(target_column, str):
        if header is None:
            raise ValueError(
                f"{path} has no header row, so {what} cannot be found by name; give a column "
                f"index (0 to {n_cols - 1}, or negative from the end)"
            )
        if target_column not in header:
            guess = _label_guess(header)
            raise DataFileError(
                f"{path}: no column named {target_column!r}; columns are {header}",
                python=f" (pass one as target_column=, e.g. target_column={guess!r})",
                cli=f" (pass one with --target-column, e.g. --target-column {guess})",
            )
        return header.index(target_column)
    if isinstance(target_column, bool) or not isinstance(target_column, int | np.integer):
        raise TypeError(f"target_column must be a column index or name, got {target_column!r}")
    if not -n_cols <= target_column < n_cols:
        raise ValueError(
            f"{path}: {what} is out of range for {n_cols} columns (valid: {-n_cols} to "
            f"{n_cols - 1})"
        )
    return int(target_column) % n_cols


# --------------------------------------------------------------------------------------
# NPZ
# --------------------------------------------------------------------------------------


def read_npz(
    path: Path, *, need_target: bool = True, names: bool = False
) -> tuple[npt.NDArray[Any], npt.NDArray[Any] | None, dict[str, list[str]]]:
    """Read the arrays of a .npz file of examples as rows (nothing is unpickled).

    Parameters
    ----------
    path : Path
        The file.
    need_target : bool, default=True
        Read ``"y"`` too (and require it).  Without it, a file holding a single
        array of any name is read as X.
    names : bool, default=False
        Also read the optional string arrays ``"feature_names"`` and ``"target_names"``.

    Returns
    -------
    X : ndarray, as stored (examples as rows: (m, n))
    y : ndarray or None
        As stored ((m,) or (m, k)); None without ``need_target``.
    names : dict
        ``"feature_names"`` / ``"target_names"`` -> list of str, those present.

    Raises
    ------
    ValueError
        Naming the file: a missing array (listing those it holds), or a file
        NumPy cannot read (not a zip archive, truncated, an object array).
    """
    try:
        with np.load(path, allow_pickle=False) as npz:
            keys = list(npz.keys())
            if need_target and ("X" not in keys or "y" not in keys):
                raise ValueError(
                    f"{path} must hold arrays 'X' (m, n) and 'y' (m,); it holds {keys}"
                )
            if "X" in keys:
                X = npz["X"]
            elif len(keys) == 1:
                X = npz[keys[0]]
            else:
                raise ValueError(f"{path} must hold an array 'X' (m, n); it holds {keys}")
            y = npz["y"] if need_target else None
            found = {
                k: [str(s) for s in npz[k].reshape(-1)]
                for k in ("feature_names", "target_names")
                if names and k in keys
            }
    except ValueError as exc:
        if str(path) in str(exc):
            raise
        raise ValueError(f"{path}: cannot read this .npz file: {exc}") from exc
    except (OSError, EOFError) as exc:  # not a zip archive, truncated, ...
        raise ValueError(f"{path}: cannot read this .npz file: {exc}") from exc
    return X, y, found


# --------------------------------------------------------------------------------------
# Either file type
# --------------------------------------------------------------------------------------


def read_rows(
    path: Path, target_column: Any = None, *, need_target: bool = True, names: bool = False
) -> tuple[npt.NDArray[Any], npt.NDArray[Any] | None, list[str] | None, list[str] | None]:
    """The arrays of a .csv or .npz file as stored, one example per row.

    Parameters
    ----------
    path : Path
        A ``.csv`` (:func:`read_csv`) or ``.npz`` (:func:`read_npz`) file.
    target_column : int or str, optional
        CSV only: the label column (default the last); without ``need_target``
        the column is dropped.
    need_target : bool, default=True
        Read the labels too.
    names : bool, default=False
        Also read a .npz file's optional ``feature_names`` / ``target_names``.

    Returns
    -------
    X_rows : ndarray of shape (m, n)
        As stored (a CSV file's is float64).
    y : ndarray of shape (m,) or (m, k), or None
        The labels (None without ``need_target``).
    feature_names : list of str or None
        The CSV header without the label column, or the .npz ``feature_names``.
    target_names : list of str or None
        The .npz ``target_names``.

    Raises
    ------
    ValueError
        For another suffix, or unreadable contents (naming the file).
    FileNotFoundError
        For a missing file.
    InapplicableArgumentError
        For ``target_column`` with a .npz file.
    """
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{path}: unsupported file type {suffix!r}; use a .csv or .npz file")
    if not path.is_file():
        raise FileNotFoundError(f"data file not found: {path}")
    if suffix == ".csv":
        X_rows, y, header, col = read_csv(path, target_column, has_target=need_target)
        feature_names = None if header is None else [h for i, h in enumerate(header) if i != col]
        return X_rows, y, feature_names, None
    if target_column is not None:
        fact = " applies to .csv files; a .npz file has arrays 'X' and 'y'"
        raise InapplicableArgumentError(
            "", python="target_column" + fact, cli="--target-column" + fact
        )
    X_rows, y, found = read_npz(path, need_target=need_target, names=names)
    return X_rows, y, found.get("feature_names"), found.get("target_names")


def check_lengths(path: Path, X_rows: npt.NDArray[Any], y: npt.NDArray[Any]) -> None:
    """One label per example: ``y.shape[0] == X_rows.shape[0]``, else a ValueError naming both."""
    if y.ndim == 0 or y.shape[0] != X_rows.shape[0]:
        raise ValueError(
            f"{path}: X has {X_rows.shape[0]} examples (rows) but y has "
            f"{y.shape[0] if y.ndim else 'a single value'} (X {X_rows.shape}, y {y.shape}); "
            "files hold one example per row"
        )


def read_table(
    path: str | PathLike[str], target_column: int | str | None = None, *, need_target: bool
) -> tuple[npt.NDArray[np.float64], npt.NDArray[Any] | None]:
    """A .csv or .npz file of examples as rows -> (X_rows, y), as a trained model reads it.

    ``chainrule evaluate`` and ``chainrule predict`` read new data with this; a
    network takes ``X_rows.T`` (examples as columns) after the model's stored
    scaling (:func:`chainrule.data.apply_preprocessing`).

    Parameters
    ----------
    path : str or path-like
        A ``.csv`` file (comma-separated, one example per row, an optional
        header row, the label in ``target_column``) or a ``.npz`` file with an
        array ``"X"`` (m, n) and, with ``need_target``, ``"y"`` (m,); without
        ``need_target`` a .npz file's only array is read as X, whatever its name.
    target_column : int or str, optional
        CSV only: the label column, by index (negative counts from the end) or
        header name; default the last column.  Without ``need_target`` this
        column is dropped (a file that still holds its labels).
    need_target : bool
        Whether the file holds labels to read (evaluate) or features only (predict).

    Returns
    -------
    X_rows : ndarray of shape (m, n), float64
        One example per row; a 1-D array of n values is one example, (1, n).
    y : ndarray of shape (m,) or (m, k), or None
        As stored (numbers, or class names from a CSV); None without ``need_target``.

    Raises
    ------
    ValueError
        Naming the file: another suffix, unreadable contents, X not 2-D or not
        numbers, no examples, a NaN or infinite value (with its row and column),
        X and y of different lengths, a NaN or infinite label (with its row).
        :class:`~chainrule.data.InapplicableArgumentError` (a ValueError) for
        ``target_column`` with a .npz file.
    TypeError
        For a ``target_column`` that is neither a column index nor a name.
    FileNotFoundError
        For a missing file.
    """
    path = Path(path).expanduser()
    X, y, _, _ = read_rows(path, target_column, need_target=need_target)
    X = np.asarray(X)
    if X.ndim == 1:
        X = X.reshape(1, -1)
    if X.ndim != 2:
        raise ValueError(f"{path}: expected a 2-D array of examples as rows, got shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{path}: features must be numbers, got dtype {X.dtype}")
    X = X.astype(np.float64)
    if X.shape[0] == 0:
        raise ValueError(f"{path}: no examples")
    if not np.isfinite(X).all():
        r, c = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"{path}: non-finite value {X[r, c]} in example (row) {r}, column {c}")
    if y is None:
        return X, y
    y = np.asarray(y)
    check_lengths(path, X, y)
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        r = int(np.argwhere(~np.isfinite(y.reshape(len(y), -1)))[0, 0])
        raise ValueError(f"{path}: non-finite label {y[r]} in example (row) {r}")
    return X, y

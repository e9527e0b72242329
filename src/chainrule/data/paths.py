"""Where the real data sets live, and the errors that say a file is missing or wrong.

:func:`default_data_dir` is the folder that holds ``catvnoncat/`` (two HDF5 files)
and ``mnist/`` (the four IDX files); :func:`find_folder` looks for a set's files in a
folder the user gave.  The two errors speak to Python code and, through
``for_cli()``, to the command line (``data_dir=`` there is ``--data DIR`` here,
``target_column=`` is ``--target-column``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "DATA_ENV_VAR",
    "DataFileError",
    "DataNotFoundError",
    "InapplicableArgumentError",
    "default_data_dir",
    "find_folder",
]

DATA_ENV_VAR = "CHAINRULE_DATA"
"""Environment variable naming the real-data folder (overrides the default)."""


def default_data_dir() -> Path:
    """Return the folder that holds the real data sets.

    The first of these that applies:

    1. ``$CHAINRULE_DATA`` if that environment variable is set (and not empty),
       whether or not the folder exists;
    2. ``../shared/data`` relative to the current working directory, if it exists;
    3. ``<repository root>/../shared/data``, found from this file's location
       (``src/chainrule/data/paths.py``), if it exists;
    4. otherwise the working-directory-relative path of 2., which does not
       exist -- the loaders then report the missing file and where they looked.

    Returns
    -------
    pathlib.Path
        An absolute path.
    """
    env = os.environ.get(DATA_ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    cwd_candidate = (Path.cwd() / ".." / "shared" / "data").resolve()
    candidates = [cwd_candidate]
    here = Path(__file__).resolve()  # <repository>/src/chainrule/data/paths.py
    if len(here.parents) > 4:
        candidates.append(here.parents[4] / "shared" / "data")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return cwd_candidate


def find_folder(data_dir: Any, sub: str, files: Sequence[str]) -> tuple[Path, list[Path]]:
    """The folder holding ``files``: data_dir itself or data_dir/sub (default: default/sub).

    Returns the folder and the folders searched (for :class:`DataNotFoundError`).
    """
    if data_dir is None:
        folder = default_data_dir() / sub
        return folder, [folder]
    base = Path(data_dir).expanduser()
    looked = [base, base / sub]
    for folder in looked:
        if any((folder / f).exists() or (folder / f.removesuffix(".gz")).exists() for f in files):
            return folder, looked
    return (base / sub if (base / sub).is_dir() else base), looked


class DataFileError(ValueError):
    """A problem with a data file, worded for Python code and for the command line.

    ``str(error)`` ends with the way forward in Python's words (``target_column=``);
    :meth:`for_cli` gives the same facts with the option (``--target-column``).
    """

    def __init__(self, message: str, *, python: str = "", cli: str = "") -> None:
        self.message, self._python, self._cli = message, python, cli
        super().__init__(message + python)

    def for_cli(self) -> str:
        """The message in the command line's words."""
        return self.message + self._cli


class InapplicableArgumentError(DataFileError):
    """An argument given for a file it does not apply to (``target_column`` for a .npz file).

    The command line reports it as a usage error (exit code 2), in its own words
    (:meth:`for_cli`).
    """


class DataNotFoundError(FileNotFoundError):
    """A real data set's file is not where chainrule looked.

    ``str(error)`` speaks to Python code (``data_dir=``); :meth:`for_cli`
    words the same facts for the command line (``--data DIR``).

    Attributes
    ----------
    file : str
        The missing file.
    looked : list of Path
        The folders searched.
    """

    def __init__(self, file: str, folder: Path, looked: list[Path]) -> None:
        self.file, self.looked = file, list(looked)
        where = folder if len(looked) <= 1 else " and ".join(str(p) for p in looked)
        exists = "" if folder.is_dir() else " (that folder does not exist)"
        self._where = f"{file} not found in {where}{exists}"
        super().__init__(f"{self._where}; {self.hint('python')}")

    @staticmethod
    def hint(style: str) -> str:
        """How to point chainrule at the data, for Python code or the command line."""
        how = "pass data_dir=DIR" if style == "python" else "give --data DIR"
        return f"{how} or set the {DATA_ENV_VAR} environment variable to the folder that holds it"

    def for_cli(self) -> str:
        """The message in the command line's words."""
        return f"{self._where}; {self.hint('cli')}"

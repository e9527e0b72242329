"""Where a config's data comes from: generated 2-D sets, cached image presets, the upload.

A :class:`Sources` turns a :class:`~chainrule.playground.config.Config` into the
:class:`~chainrule.playground.datasets.PlaygroundData` it names: a 2-D set drawn from the
data seed, the cat or MNIST preset (read once, then kept), or the uploaded CSV table split
by the data seed.  Failures are :class:`~chainrule.playground.config.SessionError` s
that name the data set or the upload.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from chainrule.playground import datasets as ds
from chainrule.playground.config import Config, SessionError

__all__ = ["Sources", "read_upload"]


def read_upload(body: bytes, name: str = "upload.csv") -> ds.Table:
    """A CSV upload read by ``chainrule.data.read_table``; SessionError says what is wrong
    (naming the file as ``name``, never the temporary path it was read from)."""
    with tempfile.TemporaryDirectory(prefix="chainrule-upload-") as tmp:
        path = Path(tmp) / "upload.csv"
        path.write_bytes(body)
        try:
            return ds.read_upload(path, name)
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            message = str(exc).replace(str(path), name)
            raise SessionError(f"upload: {message}") from None


class Sources:
    """The data sets a session can load: the presets in ``data_dir``, and ``table``, the
    uploaded CSV (None until one is uploaded)."""

    def __init__(self, data_dir: Any = None) -> None:
        self.data_dir = data_dir
        self.table: ds.Table | None = None
        self._presets: dict[str, ds.PlaygroundData] = {}

    def load(self, cfg: Config) -> ds.PlaygroundData:
        """The data set ``cfg`` names, drawn or split with its data seed."""
        if cfg.dataset in ds.TWO_D:
            return ds.make_2d(
                cfg.dataset,
                n_points=cfg.n_points,
                noise=cfg.noise,
                classes=cfg.classes,
                features=cfg.features,
                train_fraction=cfg.train_fraction,
                seed=cfg.data_seed,
            )
        if cfg.dataset in ds.IMAGE_PRESETS:
            if cfg.dataset not in self._presets:
                try:
                    self._presets[cfg.dataset] = ds.load_preset(cfg.dataset, self.data_dir)
                except (FileNotFoundError, OSError) as exc:
                    raise SessionError(f"dataset {cfg.dataset}: {exc}") from None
            return self._presets[cfg.dataset]
        if self.table is None:
            raise SessionError("dataset upload: no file uploaded yet (POST /api/upload)")
        return ds.table_data(
            self.table,
            features=cfg.features,
            train_fraction=cfg.train_fraction,
            seed=cfg.data_seed,
        )

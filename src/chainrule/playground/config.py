"""The page's settings: :class:`Config`, its checks and limits, and what the controls offer.

A config is everything that defines a run (data set, features, network, optimizer, the
convention of 1/m); :meth:`Config.merged` is the one place a value from the page is
checked, and :class:`SessionError` is what a refused value (or request) raises, with the
HTTP status the server answers with.  API.md lists the same ranges.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from chainrule import backprop
from chainrule.activations import ACTIVATIONS
from chainrule.initializers import INITIALIZERS
from chainrule.losses import LOSSES
from chainrule.optim import OPTIMIZERS
from chainrule.playground import datasets as ds

__all__ = [
    "DEFAULT_LR",
    "HIDDEN_ACTIVATIONS",
    "LOSS_CHOICES",
    "MAX_HIDDEN_LAYERS",
    "MAX_NEURONS",
    "MAX_NEURONS_IMAGES",
    "MAX_UPLOAD_BYTES",
    "Config",
    "SessionError",
    "describe",
    "output_and_loss",
]


HIDDEN_ACTIVATIONS = tuple(a for a in ACTIVATIONS if a != "softmax")
DEFAULT_LR = {"sgd": 0.03, "momentum": 0.03, "nesterov": 0.03, "rmsprop": 0.003, "adam": 0.003}
"""The learning rate a change of optimizer suggests (the page's default)."""
MAX_HIDDEN_LAYERS = 8
MAX_NEURONS = 8
MAX_NEURONS_IMAGES = 64
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
"""The largest CSV upload the server reads (413 beyond); the page is told it too."""
LOSS_CHOICES = ("auto", *LOSSES)


class SessionError(ValueError):
    """A request the session refuses (a bad config value, a step after the NaN guard).

    ``status`` is the HTTP status the server answers with (400 or 409).
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Config:
    """Everything that defines a run (the page's controls; API.md lists the ranges)."""

    dataset: str = "circle"
    classes: int = 2
    n_points: int = 400
    noise: float = 0.0
    train_fraction: float = 0.5
    data_seed: int = 0
    features: list[str] = field(default_factory=lambda: ["x1", "x2"])
    hidden_layers: list[int] = field(default_factory=lambda: [4, 2])
    activation: str = "tanh"
    loss: str = "auto"
    init: str = "auto"
    init_seed: int = 0
    optimizer: str = "sgd"
    lr: float = 0.03
    batch_size: int = 10
    l2: float = 0.0
    convention: str = "course"

    DATA_FIELDS = (
        "dataset",
        "classes",
        "n_points",
        "noise",
        "train_fraction",
        "data_seed",
        "features",
    )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def merged(self, changes: dict[str, Any] | None) -> Config:
        """A checked copy with ``changes`` applied; SessionError names a bad field."""
        if changes is None:
            changes = {}
        if not isinstance(changes, dict):
            raise SessionError(f"config must be an object, got {type(changes).__name__}")
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise SessionError(f"config: unknown field(s) {', '.join(unknown)}")
        new = Config(**{**self.to_dict(), **changes})
        new._check()
        return new

    def _check(self) -> None:
        def choice(name: str, options: Any) -> None:
            value = getattr(self, name)
            if value not in options:
                raise SessionError(
                    f"config.{name} must be one of {', '.join(map(str, options))}, got {value!r}"
                )

        def integer(name: str, lo: int, hi: int) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise SessionError(
                    f"config.{name} must be a whole number in [{lo}, {hi}], got {value!r}"
                )

        def number(name: str, lo: float, hi: float, open_lo: bool = False) -> None:
            value = getattr(self, name)
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            ok = ok and math.isfinite(value) and (lo < value if open_lo else lo <= value)
            if not (ok and value <= hi):
                raise SessionError(
                    f"config.{name} must be a number in {'(' if open_lo else '['}{lo}, {hi}], "
                    f"got {value!r}"
                )
            setattr(self, name, float(value))

        choice("dataset", ds.DATASETS)
        integer("classes", 2, 5)
        integer("n_points", 50, 2000)
        number("noise", 0.0, 50.0)
        number("train_fraction", 0.1, 0.9)
        integer("data_seed", 0, 2**31 - 1)
        integer("init_seed", 0, 2**31 - 1)
        if (
            not isinstance(self.features, list)
            or not self.features
            or any(f not in ds.FEATURES for f in self.features)
            or len(set(self.features)) != len(self.features)
        ):
            raise SessionError(
                f"config.features must be a non-empty list of distinct names from "
                f"{', '.join(ds.FEATURES)}, got {self.features!r}"
            )
        self.features = [f for f in ds.FEATURES if f in self.features]  # the inputs' order
        images = self.dataset in ds.IMAGE_PRESETS
        widest = MAX_NEURONS_IMAGES if images else MAX_NEURONS
        if (
            not isinstance(self.hidden_layers, list)
            or len(self.hidden_layers) > MAX_HIDDEN_LAYERS
            or any(
                isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= widest
                for n in self.hidden_layers
            )
        ):
            raise SessionError(
                f"config.hidden_layers must list at most {MAX_HIDDEN_LAYERS} layer sizes, "
                f"each in [1, {widest}], got {self.hidden_layers!r}"
            )
        choice("activation", HIDDEN_ACTIVATIONS)
        choice("loss", LOSS_CHOICES)
        choice("init", ("auto", *INITIALIZERS))
        choice("optimizer", OPTIMIZERS)
        number("lr", 0.0, 10.0, open_lo=True)
        integer("batch_size", 0, 100000)
        number("l2", 0.0, 100.0)
        choice("convention", backprop.CONVENTIONS)


def output_and_loss(data: ds.PlaygroundData, loss: str) -> tuple[int, str, str]:
    """(n[L], output activation, loss name) for the data's task and the chosen loss."""
    task, k = data.task, data.n_classes
    if task == "regression":
        if loss not in ("auto", "squared_error"):
            raise SessionError(f"config.loss: a regression set needs squared_error, got {loss}")
        return 1, "identity", "squared_error"
    if loss == "auto":
        loss = "binary_crossentropy" if task == "binary" else "categorical_crossentropy"
    if task == "binary":
        if loss == "categorical_crossentropy":
            return 2, "softmax", loss
        return 1, "sigmoid", loss
    if loss == "binary_crossentropy":
        raise SessionError(
            f"config.loss: {k} classes need categorical_crossentropy or squared_error"
        )
    return k, "softmax", loss


def describe(current: dict[str, Any], data_dir: Any, has_upload: bool) -> dict[str, Any]:
    """What the page's controls offer (API.md, GET /api/config).

    Parameters
    ----------
    current : dict
        The session's config, ``Config.to_dict()`` (sent back as ``config``).
    data_dir : path or None
        Where the cat and MNIST files are looked for (a preset without them is unavailable).
    has_upload : bool
        Whether a CSV was uploaded (else the ``upload`` data set is unavailable).
    """
    datasets = []
    for name, info in ds.DATASETS.items():
        reason = ""
        if name in ds.IMAGE_PRESETS:
            reason = ds.preset_available(name, data_dir)
        elif name == "upload" and not has_upload:
            reason = "upload a CSV file first"
        datasets.append({"name": name, **info, "available": not reason, "reason": reason})
    return {
        "datasets": datasets,
        "features": [{"name": k, "label": v[0]} for k, v in ds.FEATURES.items()],
        "activations": list(HIDDEN_ACTIVATIONS),
        "losses": list(LOSS_CHOICES),
        "optimizers": [{"name": k, "default_lr": DEFAULT_LR[k]} for k in OPTIMIZERS],
        "initializers": ["auto", *INITIALIZERS],
        "conventions": list(backprop.CONVENTIONS),
        "limits": {
            "max_hidden_layers": MAX_HIDDEN_LAYERS,
            "max_neurons": MAX_NEURONS,
            "max_neurons_images": MAX_NEURONS_IMAGES,
            "max_upload_bytes": MAX_UPLOAD_BYTES,
            "n_points": [50, 2000],
            "classes": [2, 5],
            "noise": [0, 50],
        },
        "defaults": Config().to_dict(),
        "config": current,
    }

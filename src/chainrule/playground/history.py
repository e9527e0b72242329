"""The run's history: one point per step (thinned as it grows), as JSON columns or CSV rows.

A point holds the batch cost J, the train and test losses and accuracies, and per layer
‖dZ[l]‖, ‖dW[l]‖ and the update/weight ratio ‖ΔW[l]‖ / ‖W[l]‖ (the curves that show
vanishing and exploding gradients).  Past :data:`MAX_HISTORY` points every other one is
dropped and the spacing doubles; ``generation`` changes then (and on a reset), so that a
page polling with ``since`` knows to fetch the whole history again.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any

from chainrule.playground.jsonable import floats

__all__ = ["COLUMNS", "MAX_HISTORY", "PER_LAYER", "SCALARS", "History"]

MAX_HISTORY = 2000
"""History points kept; past that every other one is dropped and the spacing doubles."""
SCALARS = (
    "iteration",
    "epoch",
    "J",
    "train_loss",
    "test_loss",
    "train_accuracy",
    "test_accuracy",
)
"""A point's numbers."""
PER_LAYER = ("norm_dZ", "norm_dW", "ratio")
"""A point's lists, one number per layer l = 1..L."""
COLUMNS = SCALARS + PER_LAYER


@dataclass
class History:
    """The points kept (each a dict of :data:`COLUMNS`), one every ``every`` iterations."""

    every: int = 1
    generation: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) > MAX_HISTORY:
            self.rows = self.rows[::2]
            self.every *= 2
            self.generation += 1

    def columns(self, since: int | None = None, generation: int | None = None) -> dict[str, Any]:
        """The points from ``since`` on as JSON columns (all of them if ``generation`` is
        not the current one): API.md, GET /api/state's ``history``."""
        start = since if (since is not None and generation == self.generation) else 0
        start = max(0, min(start, len(self.rows)))
        rows = self.rows[start:]
        out: dict[str, Any] = {
            "generation": self.generation,
            "start": start,
            "every": self.every,
            "length": len(self.rows),
        }
        for key in COLUMNS:
            out[key] = [floats(r[key]) if key != "iteration" else r[key] for r in rows]
        return out

    def to_csv(self, L: int) -> str:
        """One row per point: the scalars, then ``norm_dZ[1]`` .. ``ratio[L]``; empty cells
        where a value is not finite."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([*SCALARS, *(f"{k}[{l}]" for k in PER_LAYER for l in range(1, L + 1))])
        for r in self.rows:
            vals = [r[k] for k in SCALARS] + [v for k in PER_LAYER for v in r[k]]
            w.writerow(["" if isinstance(v, float) and not math.isfinite(v) else v for v in vals])
        return buf.getvalue()

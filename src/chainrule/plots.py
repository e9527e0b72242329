r"""Learning-curve figures (matplotlib), drawn without a display.

Two plots:

* :func:`plot_history` -- the curves of a :class:`chainrule.training.History`:
  the cost J per epoch (training, and validation when it was recorded) in one
  panel, the accuracy in a second (left out for regression, where accuracy is
  undefined and recorded as NaN).  The epoch early stopping kept is marked.
* :func:`plot_costs` -- the course's figure: the cost recorded every
  ``every`` iterations of gradient descent, titled with the learning rate.

Both build a :class:`matplotlib.figure.Figure` directly, with the Agg canvas,
never through ``pyplot``: nothing needs a display, nothing is registered in
pyplot's global figure list (so a loop of plots leaks no memory), and the
backend the user chose for interactive work is left alone.  In a Jupyter
kernel each function also displays its figure at once (:func:`show`), whether
or not the call is the cell's last expression and without ``%matplotlib``; the
figure it returns is a :class:`NotebookFigure` that Jupyter then does not show
a second time in the same cell (in a later cell, ``fig`` shows it again).
Scripts and the command line display nothing.  With ``path`` the figure is also
written, atomically (:func:`chainrule.io.atomic_write_bytes`): a crash while
saving never leaves half an image.  matplotlib is imported inside the
functions, so ``import chainrule`` does not pay for it.

Examples
--------
>>> import chainrule
>>> h = chainrule.History(epoch=[1, 2], train_cost=[0.7, 0.5], train_accuracy=[0.5, 0.8],
...                       learning_rate=[0.01, 0.01])
>>> fig = chainrule.plots.plot_history(h)
>>> [ax.get_ylabel() for ax in fig.axes]
['cost J', 'accuracy']
"""

from __future__ import annotations

import functools
import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from chainrule._display import in_kernel
from chainrule._validation import check_positive_float, check_positive_int
from chainrule.io import atomic_write_bytes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from chainrule.training import History

__all__ = ["plot_costs", "plot_history", "save_figure", "show"]

# the fields of chainrule.training.History that plot_history reads, with History's defaults
_HISTORY_DEFAULTS: dict[str, Any] = {
    "epoch": [],
    "train_cost": [],
    "train_accuracy": [],
    "val_cost": [],
    "val_accuracy": [],
    "best_epoch": None,
    "stopped_early": False,
    "diverged": False,
    "message": "",
}

_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".jpg": "jpg", ".jpeg": "jpg"}
_TRAIN_COLOR = "tab:blue"
_VAL_COLOR = "tab:orange"


@functools.cache
def _notebook_figure_class() -> type[Figure]:
    """:class:`NotebookFigure`, made when first needed (matplotlib loads then)."""
    from matplotlib.figure import Figure

    class NotebookFigure(Figure):
        """A matplotlib Figure that Jupyter displays at most once per cell.

        :func:`show` displays it when a plotting function makes it; when it is
        also the cell's last expression (or passed to ``display``) in the same
        cell, Jupyter shows nothing more.  In a later cell it displays again,
        with whatever was drawn on it since.
        """

        _chainrule_shown_in: Any = None  # the execution count of the cell that showed it

        def _ipython_display_(self) -> None:
            from IPython import get_ipython
            from IPython.display import publish_display_data

            count = getattr(get_ipython(), "execution_count", None)
            if count is not None and self._chainrule_shown_in == count:
                return
            self._chainrule_shown_in = count
            buf = io.BytesIO()
            self.savefig(buf, format="png", dpi=100)
            width, height = (round(v * 100) for v in self.get_size_inches())
            publish_display_data(
                {"image/png": buf.getvalue(), "text/plain": repr(self)},
                metadata={"image/png": {"width": width, "height": height}},
            )

    NotebookFigure.__module__ = __name__  # pickled by name: chainrule.plots.NotebookFigure
    return NotebookFigure


def __getattr__(name: str) -> Any:
    if name == "NotebookFigure":  # made on first use, so that importing plots skips matplotlib
        return _notebook_figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _new_figure(
    figsize: tuple[float, float], layout: Literal["constrained"] | None = "constrained"
) -> Figure:
    """A :class:`NotebookFigure` on the Agg canvas, outside pyplot."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _notebook_figure_class()(figsize=figsize, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def show(fig: Figure) -> Figure:
    """Display ``fig`` now when running in a Jupyter kernel (else do nothing); return it.

    Every plotting function of chainrule calls this on the figure it returns,
    so a figure shows even when the call is not the cell's last expression
    (``h.plot();``) and without ``%matplotlib inline``.  Outside a kernel
    (scripts, the command line, tests) nothing is displayed.
    """
    if in_kernel():
        from IPython.display import display

        display(fig)
    return fig


def save_figure(fig: Figure, path: str | Path, dpi: int = 120) -> Path:
    """Write ``fig`` to ``path`` atomically; the format comes from the suffix.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or Path
        Ends in ``.png``, ``.svg``, ``.pdf``, ``.jpg`` or ``.jpeg``.
    dpi : int, default=120
        Resolution of raster formats.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        For another suffix.
    FileNotFoundError
        If the folder does not exist.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"path {str(path)!r}: unsupported image type {path.suffix!r}; "
            f"use one of {', '.join(sorted(_FORMATS))}"
        )
    if not isinstance(fig.canvas, FigureCanvasAgg):  # e.g. a pyplot figure on another backend
        FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi)
    data = buf.getvalue()
    return atomic_write_bytes(path, lambda f: f.write(data))


def _as_floats(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numbers, got {values!r:.80}") from exc
    return arr


def _cost_values(costs: Any) -> np.ndarray:
    """One float per recorded cost; entries may be numbers, 0-d or (1, 1) arrays (the course's)."""
    if isinstance(costs, np.ndarray):
        return _as_floats(costs, "costs")
    out = []
    for i, c in enumerate(costs):
        v = _as_floats(c, f"costs[{i}]")
        if v.size != 1:
            raise ValueError(f"costs[{i}] must be one number, got an array of shape {np.shape(c)}")
        out.append(v[0])
    return np.asarray(out, dtype=np.float64)


def _use_log_scale(*series: np.ndarray) -> bool:
    """Log y-axis when every cost is positive and they span more than a factor of 50."""
    vals = np.concatenate([s[np.isfinite(s)] for s in series]) if series else np.empty(0)
    if vals.size < 2 or (vals <= 0).any():
        return False
    return bool(vals.max() / vals.min() > 50)


def plot_history(
    history: History | Mapping[str, Any],
    path: str | Path | None = None,
    title: str | None = None,
    *,
    log_cost: bool | None = None,
    display: bool = True,
) -> Figure:
    """Learning curves of a training run: cost per epoch, and accuracy per epoch.

    Parameters
    ----------
    history : History or dict
        A :class:`chainrule.training.History` (``net.history``, or the value
        :func:`chainrule.training.fit` returns), or its :meth:`~History.to_dict`.
    path : str or Path, optional
        Also write the figure there (atomically; format from the suffix:
        ``.png``, ``.svg``, ``.pdf``, ``.jpg``).
    title : str, optional
        Figure title.  The history's end (early stopping, divergence) is added
        below it.
    log_cost : bool or None, default=None
        Logarithmic cost axis; None chooses it when every cost is positive and
        the costs span more than a factor of 50.
    display : bool, default=True
        Display the figure at once when running in a Jupyter kernel
        (:func:`show`); False only returns it.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels (``cost J``, ``accuracy``), or one (``cost J``) when no
        accuracy was recorded (regression: the accuracies are NaN).  Lines:
        ``train`` and, when the history has validation curves, ``validation``.

    Notes
    -----
    The training curve is what :class:`History` records: the average of the
    mini-batch costs during each epoch (dropout on), so early in training it
    sits above the validation curve, which is measured after the epoch with
    dropout off.
    """
    # (a History's fields, read by name: this module sits below chainrule.training)
    h: Any = history
    if isinstance(history, Mapping):
        info = getattr(history, "info", None) or {}  # History.to_dict()'s scalars
        h = SimpleNamespace(**{**_HISTORY_DEFAULTS, **info, **history})
    elif not all(hasattr(history, k) for k in _HISTORY_DEFAULTS):
        raise TypeError(f"history must be a History or a dict, got {type(history).__name__}")
    epochs = _as_floats(h.epoch, "h.epoch")
    train_cost = _as_floats(h.train_cost, "h.train_cost")
    train_acc = _as_floats(h.train_accuracy, "h.train_accuracy")
    val_cost = _as_floats(h.val_cost, "h.val_cost")
    val_acc = _as_floats(h.val_accuracy, "h.val_accuracy")
    if train_cost.size != epochs.size:
        raise ValueError(f"history has {epochs.size} epochs but {train_cost.size} training costs")
    has_val = val_cost.size > 0
    if has_val and val_cost.size != epochs.size:
        raise ValueError(f"history has {epochs.size} epochs but {val_cost.size} validation costs")
    has_acc = bool(np.isfinite(train_acc).any() or np.isfinite(val_acc).any())
    kept = _kept_epoch(h)  # the epoch whose parameters were restored, or None

    fig = _new_figure((10.0, 4.0) if has_acc else (6.0, 4.0))
    axes = fig.subplots(1, 2) if has_acc else [fig.subplots(1, 1)]
    ax_cost: Axes = axes[0]
    marker = "o" if epochs.size <= 30 else None
    ax_cost.plot(epochs, train_cost, color=_TRAIN_COLOR, marker=marker, ms=3, label="train")
    if has_val:
        ax_cost.plot(epochs, val_cost, color=_VAL_COLOR, marker=marker, ms=3, label="validation")
    use_log = _use_log_scale(train_cost, val_cost) if log_cost is None else bool(log_cost)
    if use_log:
        ax_cost.set_yscale("log")
    ax_cost.set_ylabel("cost J")
    ax_cost.set_title("cost" + (" (log scale)" if use_log else ""))
    panels: list[Axes] = [ax_cost]
    if has_acc:
        ax_acc: Axes = axes[1]
        ax_acc.plot(epochs, train_acc, color=_TRAIN_COLOR, marker=marker, ms=3, label="train")
        if has_val and np.isfinite(val_acc).any():
            if kept is not None and kept in epochs:  # the value of the epoch the model kept
                k = int(np.flatnonzero(epochs == kept)[0])
                label = f"validation (kept epoch {kept}: {val_acc[k]:.4f})"
            else:
                best = int(np.nanargmax(val_acc))
                label = f"validation (best {val_acc[best]:.4f}, epoch {epochs[best]:g})"
            ax_acc.plot(epochs, val_acc, color=_VAL_COLOR, marker=marker, ms=3, label=label)
        ax_acc.set_ylabel("accuracy")
        ax_acc.set_title("accuracy")
        panels.append(ax_acc)
    for ax in panels:
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        if epochs.size:
            ax.set_xlim(epochs[0] - 0.5, epochs[-1] + 0.5)  # (no epoch 0 on the axis)
        if kept is not None:
            ax.axvline(kept, color="gray", ls="--", lw=1, label=f"kept epoch {kept} (restored)")
        if epochs.size:
            ax.legend(loc="best", fontsize="small")
        else:
            ax.set_xticks([])  # no epoch: no numbers on either axis
            ax.set_yticks([])
            ax.text(
                0.5,
                0.5,
                "no completed epoch",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color="gray",
            )
    if epochs.size:
        from matplotlib.ticker import MaxNLocator

        for ax in panels:  # whole epochs only (a one-epoch run shows just "1")
            if epochs[-1] - epochs[0] < 10:
                ax.set_xticks(np.arange(math.ceil(epochs[0]), math.floor(epochs[-1]) + 1))
            else:
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if has_val and not np.isfinite(val_cost).all():
        bad = int(np.argmax(~np.isfinite(val_cost)))
        ax_cost.text(
            0.02, 0.02, f"validation cost not finite from epoch {epochs[bad]:g} (not drawn)",
            ha="left", va="bottom", transform=ax_cost.transAxes, color="tab:red",
            fontsize="small",
        )  # fmt: skip
    if use_log:
        _few_log_labels(ax_cost)
    suptitle = title or ""
    if h.diverged or h.stopped_early or kept is not None:
        suptitle = f"{suptitle}\n{h.message}" if suptitle else h.message
    if suptitle:
        # wrapped to the figure's width (about 11 characters an inch at this size)
        width = int(fig.get_figwidth() * 11)
        lines = [textwrap.fill(line, width) for line in suptitle.splitlines()]
        fig.suptitle("\n".join(lines), fontsize="medium")
    if path is not None:
        save_figure(fig, path)
    return show(fig) if display else fig


def _kept_epoch(h: Any) -> int | None:
    """The epoch whose parameters early stopping restored (None: the last epoch's were kept)."""
    restored = getattr(h, "restored_epoch", None)
    if restored is not None:
        return int(restored)
    # a History saved before restored_epoch existed says so in its message
    if h.best_epoch is not None and "restored the parameters of epoch" in (h.message or ""):
        return int(h.best_epoch)
    return None


def _few_log_labels(ax: Axes) -> None:
    """Label a log axis at 1, 2 and 5 times the powers of ten only, as plain numbers."""
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def plot_costs(
    costs: Sequence[float] | np.ndarray,
    learning_rate: float,
    path: str | Path | None = None,
    every: int = 100,
    *,
    title: str | None = None,
    final: tuple[int, float] | None = None,
) -> Figure:
    """The course's learning-curve figure: the cost every ``every`` iterations.

    Parameters
    ----------
    costs : sequence of float, shape (k,)
        The cost J recorded at iterations 0, every, 2·every, ... (what the
        course's ``L_layer_model`` appends to ``costs``).
    learning_rate : float
        α, shown in the title ("Learning rate = 0.0075").
    path : str or Path, optional
        Also write the figure there (atomically; format from the suffix).
    every : int, default=100
        Iterations between two recorded costs.
    title : str, optional
        Which model, put before the learning rate in the title
        ("four-layer model [12288, 20, 7, 5, 1], learning rate = 0.0075").
    final : (iteration, cost), optional
        The cost after the last iteration, drawn as the curve's last point
        (the course records none after iteration k·every).

    Returns
    -------
    matplotlib.figure.Figure
        One panel; x is the iteration number (0, every, 2·every, ...), y the cost.
    """
    every = check_positive_int(every, "every")
    lr = check_positive_float(learning_rate, "learning_rate")
    J = _cost_values(costs)
    if J.size == 0:
        raise ValueError("costs is empty: record at least one cost to plot")
    iterations = np.arange(J.size) * every
    if final is not None:
        iterations = np.append(iterations, int(final[0]))
        J = np.append(J, float(final[1]))
    fig = _new_figure((6.0, 4.0))
    ax = fig.subplots(1, 1)
    ax.plot(iterations, J, color=_TRAIN_COLOR, marker="o" if J.size <= 30 else None, ms=3)
    ax.set_xlabel(f"iteration (cost recorded every {every})")
    ax.set_ylabel("cost J")
    ax.set_title(f"{title}, learning rate = {lr:g}" if title else f"Learning rate = {lr:g}")
    ax.grid(True, alpha=0.3)
    if not np.isfinite(J).all():
        bad = int(np.argmax(~np.isfinite(J)))
        ax.text(
            0.02,
            0.95,
            f"non-finite cost from iteration {bad * every}",
            ha="left",
            va="top",
            transform=ax.transAxes,
            color="tab:red",
        )
    if path is not None:
        save_figure(fig, path)
    return show(fig)

"""``chainrule export``: write a model file in another format.

::

    chainrule export runs/digits/model.npz --format onnx
    chainrule export runs/digits/model.npz --format onnx --out digits.onnx --dtype float32

The ONNX file (opset :data:`chainrule.export.ONNX_OPSET`) takes examples as
**rows**, X of shape (batch, n[0]), and returns Y = A[L]ᵀ of shape (batch, n[L]);
the input scaling the model stores (and, for regression, the targets' scaling)
is part of the graph, so it takes raw features as ``chainrule predict`` does
(:func:`chainrule.export.to_onnx`).

Exit codes: 0 written; 1 a missing or bad model file, or onnx not installed;
2 a usage error (a bad option).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from chainrule.cli._common import add_command

__all__ = ["register", "run"]

FORMATS = ("onnx",)


def register(subparsers: Any) -> None:
    """Add the ``export`` sub-command."""
    p = add_command(
        subparsers,
        "export",
        run,
        help="write a model as an ONNX file (rows in, input scaling included)",
        description=(
            "Write MODEL (a model.npz of chainrule train, or any chainrule.save file) as an "
            "ONNX file checked by onnx.checker (opset 17). The graph takes examples as ROWS: "
            "input X of shape (batch, n[0]), output Y = A[L]^T of shape (batch, n[L]) "
            "(probabilities for sigmoid/softmax outputs, values for regression). The input "
            "scaling the model stores, and a regressor's target scaling, are part of the "
            "graph: it takes raw features, as chainrule predict does. Needs the onnx extra: "
            'pip install "chainrule[onnx]".'
        ),
        epilog="exit codes: 0 written, 1 missing or bad model file or onnx not installed, "
        "2 usage error",
    )
    p.add_argument("model", metavar="MODEL", help="the model file (.npz)")
    p.add_argument(
        "--format", required=True, choices=FORMATS, help="the file format to write: onnx"
    )
    p.add_argument(
        "--out",
        "-o",
        metavar="PATH",
        default=None,
        help="the file to write (default: MODEL with the suffix .onnx); written atomically",
    )
    p.add_argument(
        "--dtype",
        choices=("float32", "float64"),
        default=None,
        help="element type of the graph (default: the model's)",
    )
    p.add_argument(
        "--no-scaling",
        action="store_true",
        help="leave the stored input (and target) scaling out of the graph",
    )


def run(args: argparse.Namespace) -> int:
    """Export the model; returns the exit code."""
    from chainrule.export import ONNX_OPSET, to_onnx
    from chainrule.network import load

    model = Path(args.model)
    if not model.is_file():
        raise FileNotFoundError(f"model file not found: {args.model}")
    out = Path(args.out) if args.out is not None else model.with_suffix(".onnx")
    if out.resolve() == model.resolve():
        raise ValueError(f"--out {args.out} is the model file itself; name another file")
    net = load(model)
    try:
        to_onnx(net, out, dtype=args.dtype, scaling=not args.no_scaling)
    except ImportError as exc:
        print(f"chainrule export: error: {exc}", file=sys.stderr)
        return 1
    dtype = args.dtype or net.dtype.name
    steps = []
    pre = (net.metadata.get("preprocessing") or {}).get("kind", "none")
    if not args.no_scaling and pre != "none":
        steps.append(f"input scaling {pre}")
    if not args.no_scaling and net.metadata.get("target_scaling"):
        steps.append("target scaling")
    extra = f"; {', '.join(steps)} included" if steps else ""
    print(
        f"wrote {out}  (ONNX opset {ONNX_OPSET}, {dtype}: X (batch, {net.layer_dims[0]}) rows "
        f"-> Y (batch, {net.layer_dims[-1]}){extra})"
    )
    return 0

"""``chainrule gradcheck``, ``chainrule explain`` and ``chainrule derive``.

::

    chainrule gradcheck --layers 4,5,3,1 --hidden tanh --l2 0.1 --seed 0
    chainrule gradcheck model.npz --m 16
    chainrule explain --layers 12288,20,7,5,1 --hidden relu --output sigmoid --loss bce --m 209
    chainrule explain model.npz --convention cost --format markdown
    chainrule derive sigmoid bce+sigmoid cost
    chainrule derive --docs > docs/derivations.md

A network is given either as a model file (``MODEL.npz``, written by
``chainrule train`` or :func:`chainrule.save`) or by options: ``--layers``
(n[0],...,n[L]), ``--hidden``, ``--output``, ``--loss`` (default: the
canonical loss of the output: bce for sigmoid, cce for softmax, mse
otherwise), ``--activations`` (one per layer), ``--l2``, ``--init``,
``--dtype`` and ``--seed`` (weights and random check data).

Exit codes: 0 success; for ``gradcheck`` 0 also means the check passed or
says "inspect" (1 with ``--strict``), 1 that it failed (a failing check is a
normal result: the table says where) or any other error (missing file,
corrupt model); 2 a usage error (bad or conflicting options, inconsistent
layer sizes, unknown activation or loss names).  ``derive`` exits 1 when a
derivation does not hold or SymPy is not installed.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from chainrule.cli._common import UsageError, add_command
from chainrule.cli.options import (
    add_convention,
    add_network_spec_options,
    nonneg_int,
    positive_float,
    positive_int,
)

__all__ = ["network_from_args", "register", "run_derive", "run_explain", "run_gradcheck"]

AUTO_FULL_CHECK = 5000
"""``chainrule gradcheck`` checks every entry up to this many parameters, else samples."""
AUTO_SAMPLE = 50


def network_from_args(args: argparse.Namespace) -> Any:
    """Build (or load) the network the options describe.

    Raises
    ------
    UsageError
        Conflicting or invalid options (exit code 2).
    FileNotFoundError, chainrule.ModelFileError
        A missing or unreadable model file (exit code 1).
    """
    from chainrule.activations import get_activation
    from chainrule.head import canonical_loss, check_pairing
    from chainrule.losses import get_loss
    from chainrule.network import Network

    # The rules between options (MODEL.npz or --layers, --activations or --hidden/--output,
    # the output/loss pairing) are checked here, after parsing: no one option's type sees them.
    option_names = ("hidden", "output", "loss", "activations", "l2", "init", "dtype", "dropout")
    given = [f"--{n}" for n in option_names if getattr(args, n, None) is not None]
    if args.model is not None:
        if args.layers is not None:
            raise UsageError("give either MODEL.npz or --layers, not both")
        if given:
            raise UsageError(
                f"{', '.join(given)} describe a new network; they cannot change MODEL.npz"
            )
        from chainrule.network import load

        return load(args.model)
    if args.layers is None:
        raise UsageError(
            "give a model file MODEL.npz or --layers N0,...,NL (e.g. --layers 12288,20,7,5,1)"
        )
    dims = args.layers  # checked by options.layer_sizes
    try:
        if args.activations is not None:
            acts = [a.strip() for a in args.activations.split(",")]
            if args.hidden is not None or args.output is not None:
                raise UsageError(
                    "--activations replaces --hidden and --output; give one or the other"
                )
            output_name = get_activation(acts[-1], "--activations").name if acts else ""
        else:
            acts = None
            output_name = get_activation(args.output or "sigmoid", "--output").name
        loss = args.loss or canonical_loss(output_name)
        check_pairing(output_name, get_loss(loss, "--loss"), dims[-1], style="cli")
        kwargs: dict[str, Any] = {
            "loss": loss,
            "l2": 0.0 if args.l2 is None else args.l2,
            "init": args.init or "auto",
            "dtype": args.dtype or "float64",
            "seed": args.seed,
        }
        if getattr(args, "dropout", None) is not None:
            kwargs["dropout"] = args.dropout
        if acts is not None:
            return Network(dims, activations=acts, **kwargs)
        return Network(
            dims, hidden=args.hidden or "relu", output=args.output or "sigmoid", **kwargs
        )
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from exc


def register(subparsers: Any) -> None:
    """Add the ``gradcheck``, ``explain`` and ``derive`` sub-commands."""
    _add_gradcheck(subparsers)
    _add_explain(subparsers)
    _add_derive(subparsers)


def _add_gradcheck(subparsers: Any) -> None:
    p = add_command(
        subparsers,
        "gradcheck",
        run_gradcheck,
        help="check backpropagation against finite differences of the cost J",
        description=(
            "Compare chainrule's analytic gradient of the cost J (L2 term included, float64, "
            "dropout off) with centred finite differences (J(θ+ε) − J(θ−ε))/2ε on seeded random "
            "data, and print the relative difference ‖g − g̃‖/(‖g‖ + ‖g̃‖) per parameter tensor, "
            "the worst entries and the verdict: pass < 1e-7, inspect up to 1e-3, fail ≥ 1e-3."
        ),
        epilog=(
            "exit codes: 0 pass (or inspect, unless --strict), 1 fail or error, 2 usage error. "
            f"Networks with up to {AUTO_FULL_CHECK} parameters are checked entry by entry; larger "
            f"ones on {AUTO_SAMPLE} seeded random entries per tensor unless --all or "
            "--max-per-tensor."
        ),
    )
    add_network_spec_options(p)
    p.add_argument(
        "--m", type=positive_int("--m"), default=8, metavar="M", help="random examples (default: 8)"
    )
    p.add_argument(
        "--epsilon",
        type=positive_float("--epsilon"),
        default=1e-7,
        metavar="ε",
        help="default: 1e-7",
    )
    add_convention(p)
    p.add_argument(
        "--general",
        action="store_true",
        help="use the general output step dA ⊙ g′(Z) even for canonical pairs",
    )
    sample = p.add_mutually_exclusive_group()
    sample.add_argument(
        "--max-per-tensor",
        type=positive_int("--max-per-tensor"),
        metavar="N",
        help="check N random entries per tensor",
    )
    sample.add_argument("--all", action="store_true", help="check every entry")
    p.add_argument(
        "--worst",
        type=nonneg_int("--worst"),
        default=5,
        metavar="N",
        help="worst entries to list (default: 5)",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 on 'inspect' too")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def _add_explain(subparsers: Any) -> None:
    p = add_command(
        subparsers,
        "explain",
        run_explain,
        help="print a network's forward and backward pass, formula by formula, and verify it",
        description=(
            "Print the forward and backward pass layer by layer: every formula, the shape of "
            "every array for the given m, where the per-example loss L ends and the cost J "
            "begins, where 1/m enters under the chosen convention, the output step and why it "
            "holds; then verify: SymPy derivations of each derivative used and a numerical "
            "gradient check on random data."
        ),
        epilog="exit codes: 0 success, 1 error or a failed verification, 2 usage error.",
    )
    add_network_spec_options(p, dropout=True)
    p.add_argument(
        "--m",
        type=positive_int("--m"),
        metavar="M",
        help="batch size for the shapes (default: the letter m)",
    )
    add_convention(p)
    p.add_argument("--format", choices=("text", "markdown"), default="text")
    p.add_argument("--no-verify", action="store_true", help="skip the verification section")
    p.add_argument(
        "--general",
        action="store_true",
        help="explain the general output path even for canonical pairs",
    )
    p.add_argument(
        "--check-entries",
        type=positive_int("--check-entries"),
        default=20,
        metavar="N",
        help="entries per tensor in the numerical check (default: 20)",
    )


def _add_derive(subparsers: Any) -> None:
    p = add_command(
        subparsers,
        "derive",
        run_derive,
        help="print the SymPy derivations of every derivative chainrule uses",
        description=(
            "Derive every activation's and loss's derivative from its forward formula with SymPy, "
            "every loss/output pairing's dL/dz through the chain rule, and the 1/m of the cost, "
            "and compare each with the library's closed form and NumPy code. Needs SymPy "
            "(pip install chainrule[symbolic])."
        ),
        epilog=(
            "exit codes: 0 all derivations hold, 1 one does not (or SymPy is missing), "
            "2 usage error."
        ),
    )
    p.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=(
            "only these: an activation, a loss (bce, cce, mse), LOSS+ACTIVATION, cost, l2, "
            "linear, convention"
        ),
    )
    p.add_argument("--format", choices=("text", "markdown"), default="text")
    p.add_argument("--list", action="store_true", help="list the derivations, one line each")
    p.add_argument("--docs", action="store_true", help="print the docs page docs/derivations.md")


def run_gradcheck(args: argparse.Namespace) -> int:
    """``chainrule gradcheck``."""
    from chainrule.gradcheck import gradcheck, random_data
    from chainrule.network import Network

    net = network_from_args(args)
    notes = []
    if any(r > 0 for r in net.dropout):
        net = Network.from_config({**net.config(), "dropout": 0.0}, net.parameters)
        notes.append(
            "the model uses dropout; it is checked with dropout off (J with dropout is random)"
        )
    if args.all:
        per_tensor = None
    elif args.max_per_tensor is not None:
        per_tensor = args.max_per_tensor
    else:
        per_tensor = None if net.n_params <= AUTO_FULL_CHECK else AUTO_SAMPLE
    X, Y = random_data(net, args.m, args.seed)
    report = gradcheck(
        net,
        X,
        Y,
        args.epsilon,
        convention=args.convention,
        fused=False if args.general else None,
        max_params_per_tensor=per_tensor,
        seed=args.seed,
        n_worst=args.worst,
    )
    report.notes[:0] = [
        *notes,
        f"random data: X ~ N(0, 1) of shape ({net.layer_dims[0]}, {args.m}), valid random Y, "
        f"seed {args.seed}",
    ]
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(f"network: {net!r}")
        print(report)
    if report.status == "fail" or (args.strict and report.status == "inspect"):
        return 1
    return 0


def run_explain(args: argparse.Namespace) -> int:
    """``chainrule explain``."""
    from chainrule.explain import explain

    net = network_from_args(args)
    exp = explain(
        net,
        m=args.m,
        convention=args.convention,
        format=args.format,
        verify=not args.no_verify,
        fused=False if args.general else None,
        seed=args.seed,
        check_entries=args.check_entries,
    )
    sys.stdout.write(str(exp))
    return 0 if exp.verified is not False else 1


def run_derive(args: argparse.Namespace) -> int:
    """``chainrule derive``."""
    from chainrule import symbolic

    if args.docs and (args.names or args.list):
        raise UsageError("--docs prints the whole page; it takes no NAME and no --list")
    try:
        if args.docs:
            from chainrule.explain import derivations_page

            sys.stdout.write(derivations_page())
            return 0
        try:
            derivations = symbolic.derive(args.names)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
    except ImportError as exc:
        print(f"chainrule derive: error: {exc}", file=sys.stderr)
        return 1
    if args.list:
        for d in derivations:
            print(f"{d.key:<45} {d.summary()}")
    elif args.format == "markdown":
        print("\n".join(d.to_markdown() for d in derivations))
    else:
        print("\n\n".join(d.to_text() for d in derivations))
    bad = [d.key for d in derivations if not d.ok]
    if bad:
        print(
            f"chainrule derive: {len(bad)} derivation(s) do not hold: {', '.join(bad)}",
            file=sys.stderr,
        )
        return 1
    return 0

"""ARCHITECTURE.md's layers, checked: imports only go down, and there is no cycle.

The oracle is the table below (the same as ARCHITECTURE.md's); every ``import``
statement in ``src/chainrule`` -- at module level and inside functions -- is read
with ``ast`` and its target's rank compared with the importer's.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "chainrule"

# module -> rank: a module may import modules of a lower rank only
ORDER = [
    ["_typing", "_xp"],
    ["_validation", "_version", "_threads", "_display"],
    ["activations", "initializers", "optim", "parameters"],
    ["losses"],
    ["backprop"],
    ["_kernels"],
    ["head"],
    ["io"],
    ["plots", "progress"],
    ["training"],
    ["network"],
    ["data"],
    ["gradcheck"],
    ["symbolic"],
    ["explain"],
    ["nielsen"],
    ["sklearn"],
    ["export"],
    ["stepwise"],
    ["playground"],
    ["cli"],
]
RANK: dict[str, float] = {name: rank for rank, names in enumerate(ORDER) for name in names}
RANK[""] = RANK["cli"] - 0.5  # the package itself (``from chainrule import __version__``): cli only

# inside a package, submodule -> rank: a submodule imports only the package's lower ones (its
# __init__ re-exports them and may import any)


def _top(module: str) -> str:
    """The layer a module belongs to: ``stepwise.regularization`` → ``stepwise``."""
    return module.split(".")[0]


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        out[".".join(p for p in parts if p != "__init__")] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, int]]:
    """(imported chainrule module, line) for every import statement of one module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_checking = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in type_checking:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
                mod = mod.removeprefix(".")
            else:
                mod = (node.module or "").removeprefix("chainrule").removeprefix(".")
                if node.module and not node.module.startswith("chainrule"):
                    continue
            subs = [f"{mod}.{a.name}".strip(".") for a in node.names]
            subs = [s for s in subs if s in modules]
            targets = subs if len(subs) == len(node.names) else [mod, *subs]
        else:
            continue
        for t in targets:
            t = t.removeprefix("chainrule.").removeprefix("chainrule")
            if t in modules and t != name:
                found.append((t, node.lineno))
    return found


MODULES = _modules()
CHECKED = sorted(m for m in MODULES if m not in ("", "__main__"))


def test_every_module_has_a_layer():
    assert {_top(m) for m in CHECKED} <= set(RANK), set(map(_top, CHECKED)) - set(RANK)


@pytest.mark.parametrize("module", CHECKED)
def test_imports_only_go_down(module):
    rank = RANK[_top(module)]
    bad = [
        f"{module}:{line} imports {target}"
        for target, line in _imports(module, MODULES[module], MODULES)
        if _top(target) != _top(module) and RANK[_top(target)] >= rank
    ]
    assert not bad, "upward imports (see ARCHITECTURE.md):\n" + "\n".join(bad)


def test_no_import_cycle_within_a_package():
    """Inside stepwise/, data/ and cli/ the modules import each other without a cycle."""
    graph = {m: {t for t, _ in _imports(m, MODULES[m], MODULES)} for m in CHECKED}

    def visit(m: str, stack: list[str], done: set[str]) -> None:
        if m in stack:
            raise AssertionError("import cycle: " + " -> ".join([*stack[stack.index(m) :], m]))
        if m in done:
            return
        for t in graph.get(m, ()):
            visit(t, [*stack, m], done)
        done.add(m)

    done: set[str] = set()
    for m in CHECKED:
        visit(m, [], done)


# within a package: its modules (named relative to it) in layers, by the same rule as ORDER;
# the package's own __init__ re-exports and may import any of them
WITHIN = {
    "cli": [
        ["_common"],
        ["options"],
        ["prepare"],
        ["report"],
        ["train", "predict", "verify", "course", "nielsen", "check", "export", "playground"],
    ],
    "explain": [
        ["document"],
        ["render", "canonical"],
        ["sections", "verification"],
        ["explanation"],
        ["docs_page"],
    ],
    "playground": [
        ["datasets"],
        ["config", "jsonable"],
        ["sources", "batch", "history"],
        ["views", "exports"],
        ["session"],
        ["server"],
    ],
    "sklearn": [
        ["_params"],
        ["_base"],
        ["_classifier", "_regressor"],
    ],
    "data": [
        ["paths"],
        ["dataset"],
        ["scalers"],
        ["splits"],
        ["from_rows"],
        ["readers"],
        ["sklearn_sets"],
        ["catvnoncat"],
        ["mnist"],
        ["load"],
    ],
    "nielsen": [
        ["network2"],
        ["runs"],
    ],
    "stepwise": [
        ["_common"],
        ["deep_network"],
        ["application", "initialization", "regularization", "optimization"],
        ["gradient_checking"],
        ["checking.pieces", "checking.running"],
        ["checking.functions"],
        ["checking.mistakes", "checking.cases", "checking.compare"],
        ["checking.reports"],
        ["checking.diagnosis"],
        ["checking.checker"],
        ["checking"],
    ],
    "symbolic": [
        ["lazy_sympy", "cache"],
        ["formula.lexer"],
        ["formula.parser"],
        ["formula.latex"],
        ["formula.evaluate"],
        ["formula.printing"],
        ["formula"],
        ["results"],
        ["derivations.checks"],
        ["derivations.forms"],
        [
            "derivations.activations",
            "derivations.losses",
            "derivations.pairings",
            "derivations.backprop",
        ],
        ["derivations"],
        ["catalogue"],
    ],
}


@pytest.mark.parametrize("package", sorted(WITHIN))
def test_imports_within_a_package_go_down(package):
    """E.g. symbolic's formula language never imports a derivation (see ARCHITECTURE.md)."""
    rank = {name: r for r, names in enumerate(WITHIN[package]) for name in names}
    rank[""] = len(WITHIN[package])
    inside = {m.removeprefix(package).removeprefix("."): m for m in MODULES if _top(m) == package}
    assert set(inside) == set(rank), "modules missing from WITHIN or gone: " + str(
        sorted(set(inside) ^ set(rank))
    )
    bad = [
        f"{module}:{line} imports {target}"
        for name, module in inside.items()
        for target, line in _imports(module, MODULES[module], MODULES)
        if _top(target) == package
        and rank[target.removeprefix(package).removeprefix(".")] >= rank[name]
    ]
    assert not bad, f"upward imports inside {package}/:\n" + "\n".join(bad)


def test_the_checker_sees_an_upward_import(tmp_path):
    """The oracle can fail: a core module importing network is reported."""
    fake = tmp_path / "backprop.py"
    fake.write_text("from chainrule.network import Network\nfrom chainrule import losses\n")
    got = _imports("backprop", fake, MODULES)
    assert ("network", 1) in got
    assert ("losses", 2) in got

"""The public surface: what `import chainrule` gives, and what it does not drag in."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import chainrule


def test_all_is_sorted_and_complete():
    assert list(chainrule.__all__) == sorted(chainrule.__all__)
    for name in chainrule.__all__:
        assert hasattr(chainrule, name), name


def test_top_level_functions_are_callables_not_modules():
    # `chainrule.gradcheck(...)` and `chainrule.explain(...)` are functions, as documented
    for f in (chainrule.gradcheck, chainrule.explain):
        assert callable(f)
        assert not isinstance(f, type(sys))


@pytest.mark.parametrize(
    "module",
    sorted(
        m.name
        for m in pkgutil.walk_packages(chainrule.__path__, "chainrule.")
        if m.name != "chainrule.__main__"  # running it is the CLI test's job
    ),
)
def test_every_module_imports_and_declares_all(module):
    mod = importlib.import_module(module)
    if module.rsplit(".", 1)[-1].startswith("_") or module.startswith("chainrule.cli"):
        return
    exported = getattr(mod, "__all__", None)
    if exported is None:  # a package re-exporting submodules is fine
        return
    for name in exported:
        assert hasattr(mod, name), f"{module}.__all__ names missing {name!r}"


def test_import_chainrule_stays_light():
    """The math core needs NumPy (and SciPy's expit) only: SymPy, scikit-learn, matplotlib,
    h5py and tqdm are imported on demand."""
    code = (
        "import sys, chainrule; "
        "print(sorted(m for m in ('sympy', 'sklearn', 'matplotlib', 'h5py', 'tqdm', 'torch') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version_is_a_string():
    assert isinstance(chainrule.__version__, str)
    assert chainrule.__version__.count(".") >= 2

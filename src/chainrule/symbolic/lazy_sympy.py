"""SymPy, an optional dependency, imported only when a derivation asks for it.

Every function of :mod:`chainrule.symbolic` that needs SymPy starts with
``sp = require_sympy()``; no module of the package imports SymPy at import
time, so ``import chainrule`` (and ``import chainrule.symbolic``) stays light
and works without it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["INSTALL_HINT", "available", "require_sympy"]

INSTALL_HINT = "pip install chainrule[symbolic]"
"""How to install the optional SymPy dependency."""


def require_sympy() -> ModuleType:
    """Import and return SymPy, or raise ImportError with the install hint."""
    try:
        return importlib.import_module("sympy")
    except ImportError as exc:
        raise ImportError(
            f"chainrule.symbolic needs SymPy, an optional dependency: {INSTALL_HINT}"
        ) from exc


def available() -> bool:
    """Whether SymPy can be imported (the symbolic checks can run)."""
    try:
        require_sympy()
    except ImportError:
        return False
    return True

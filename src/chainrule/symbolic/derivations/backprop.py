r"""Where the backward pass's linear algebra is proved: the linear layer, L2, and where 1/m goes.

* :func:`derive_linear`: for Z = W A_prev + b and any upstream G = ∂J/∂Z,
  ∂J/∂W = G A_prevᵀ, ∂J/∂b = Σᵢ G⁽ⁱ⁾, ∂J/∂A_prev = Wᵀ G (SymPy matrices),
  against ``backprop.linear_backward``;
* :func:`derive_l2`: ∂/∂W of (λ/2m) Σ‖W‖²_F is (λ/m) W, against
  ``backprop.backward(l2=λ)``;
* :func:`derive_convention`: the course's 1/m in dW, db and the cost
  convention's 1/m in dZ[L] give the same dW, db, with dZ differing by exactly
  m, against ``backprop.backward`` under both conventions.
"""

from __future__ import annotations

import numpy as np

from chainrule import backprop
from chainrule.activations import Tanh, get_activation
from chainrule.losses import BinaryCrossEntropy, SquaredError
from chainrule.symbolic.cache import cached
from chainrule.symbolic.derivations.checks import RTOL, is_zero, mat_zero, rel_error
from chainrule.symbolic.formula.evaluate import PRETTY, sym
from chainrule.symbolic.formula.latex import unicode_to_latex
from chainrule.symbolic.formula.printing import to_latex, to_unicode
from chainrule.symbolic.lazy_sympy import require_sympy
from chainrule.symbolic.results import Derivation, Step

__all__ = ["derive_convention", "derive_l2", "derive_linear"]


@cached()
def derive_linear() -> Derivation:
    """Z = W A_prev + b, upstream G = ∂J/∂Z: ∂J/∂W = G A_prevᵀ, ∂J/∂b = Σᵢ G⁽ⁱ⁾, ∂J/∂A_prev = WᵀG.

    Derived with SymPy matrices (n = 2, n_prev = 3, m = 2) and checked against
    ``backprop.linear_backward``.
    """
    sp = require_sympy()
    n, n_prev, m = 2, 3, 2
    W = sp.Matrix(n, n_prev, lambda r, c: sym("w", 10 * (r + 1) + (c + 1)))
    b = sp.Matrix(n, 1, lambda r, c: sym("b", r + 1))
    Ap = sp.Matrix(n_prev, m, lambda r, c: sym("x", 10 * (r + 1) + (c + 1)))
    G = sp.Matrix(n, m, lambda r, c: sym("g", 10 * (r + 1) + (c + 1)))
    Z = W * Ap + b * sp.ones(1, m)
    S = sum(G[r, c] * Z[r, c] for r in range(n) for c in range(m))  # J near Z: Σ G ⊙ Z
    dW = sp.Matrix(n, n_prev, lambda r, c: sp.diff(S, W[r, c]))
    db = sp.Matrix(n, 1, lambda r, c: sp.diff(S, b[r]))
    dAp = sp.Matrix(n_prev, m, lambda r, c: sp.diff(S, Ap[r, c]))
    ok = mat_zero(dW - G * Ap.T) and mat_zero(db - G * sp.ones(m, 1)) and mat_zero(dAp - W.T * G)
    rng = np.random.default_rng(5)
    Wn, Apn, Gn = (
        rng.standard_normal((4, 6)),
        rng.standard_normal((6, 7)),
        rng.standard_normal((4, 7)),
    )
    dA_prev, dWn, dbn = backprop.linear_backward(Gn, Apn, Wn, 1.0)
    _, dWs, dbs = backprop.linear_backward(Gn * 7, Apn, Wn, 1.0 / 7)
    err = max(
        rel_error(dWn, Gn @ Apn.T),
        rel_error(dbn, Gn.sum(axis=1, keepdims=True)),
        rel_error(dA_prev, Wn.T @ Gn),
        rel_error(dWs, Gn @ Apn.T),
        rel_error(dbs, Gn.sum(axis=1, keepdims=True)),
    )
    steps = (
        Step("forward", "Z = W A_prev + b", unicode_to_latex("Z = W A_prev + b")),
        Step("upstream", "G = ∂J/∂Z (any n × m matrix)", r"G = \partial J/\partial Z"),
        Step(
            "SymPy",
            "∂J/∂W = G A_prevᵀ,  ∂J/∂b = Σᵢ G⁽ⁱ⁾,  ∂J/∂A_prev = Wᵀ G",
            r"\frac{\partial J}{\partial W} = G A_{prev}^{\top},\ "
            r"\frac{\partial J}{\partial b} = \sum_i G^{(i)},\ "
            r"\frac{\partial J}{\partial A_{prev}} = W^{\top} G",
        ),
        Step(
            "course",
            "G = (1/m) dZ ⇒ dW = (1/m) dZ A_prevᵀ, db = (1/m) Σᵢ dZ⁽ⁱ⁾, dA_prev = Wᵀ (G m) = Wᵀ dZ",
            r"G = \tfrac{1}{m} dZ \Rightarrow dW = \tfrac{1}{m} dZ A_{prev}^{\top},\ "
            r"db = \tfrac{1}{m} \sum_i dZ^{(i)},\ dA_{prev} = W^{\top} dZ",
        ),
        Step(
            "check",
            "matrices equal for n = 2, n_prev = 3, m = 2",
            r"\text{matrices equal for } n = 2,\ n_{prev} = 3,\ m = 2",
        ),
    )
    return Derivation(
        key="linear",
        title="linear: dW = dZ A_prevᵀ, db = Σᵢ dZ⁽ⁱ⁾, dA_prev = Wᵀ dZ",
        verdict="dW, db times 1/m under the course convention",
        claim="dW = scale · dZ A_prevᵀ, db = scale · Σᵢ dZ⁽ⁱ⁾, dA_prev = Wᵀ dZ",
        steps=steps,
        symbolic_ok=bool(ok),
        numeric_ok=err <= RTOL,
        numeric_error=err,
        n_points=Wn.size + Gn.size,
        notes=(
            "dA_prev never gets the 1/m: it is a per-example derivative under the course "
            "convention",
        ),
    )


@cached()
def derive_l2() -> Derivation:
    """∂/∂W of (λ/2m) Σ‖W‖²_F is (λ/m) W (checked against ``backprop.backward(l2=λ)``)."""
    sp = require_sympy()
    lam = sp.Symbol("lambda", positive=True)
    m = sp.Symbol("m", positive=True)
    PRETTY["lambda"] = ("λ", r"\lambda")
    W = sp.Matrix(2, 3, lambda r, c: sym("w", 10 * (r + 1) + (c + 1)))
    R = lam / (2 * m) * sum(w**2 for w in W)
    grad = sp.Matrix(2, 3, lambda r, c: sp.diff(R, W[r, c]))
    ok = all(is_zero(grad[r, c] - lam / m * W[r, c]) for r in range(2) for c in range(3))
    # numbers: backward with and without l2 on a small random network
    rng = np.random.default_rng(4)
    Ws = [rng.standard_normal((3, 2)), rng.standard_normal((1, 3))]
    bs = [rng.standard_normal((3, 1)), rng.standard_normal((1, 1))]
    acts = [Tanh(), get_activation("identity")]
    X, Y = rng.standard_normal((2, 5)), rng.standard_normal((1, 5))
    lam_v = 0.7
    _, caches = backprop.forward(X, Ws, bs, acts)
    g0 = backprop.backward(caches, Y, Ws, acts, SquaredError())
    g1 = backprop.backward(caches, Y, Ws, acts, SquaredError(), l2=lam_v)
    err = max(rel_error(g1.dW[i] - g0.dW[i], lam_v / 5 * Ws[i]) for i in range(2))
    steps = (
        Step(
            "L2 term of J",
            "(λ/2m) Σₗ ‖W[l]‖² = (λ/2m) Σ w²",
            r"\frac{\lambda}{2m} \sum_{l} \Vert W^{[l]} \Vert_F^{2}",
        ),
        Step("SymPy ∂/∂w₁₁", to_unicode(grad[0, 0]), to_latex(grad[0, 0])),
        Step("library", "dW[l] += (λ/m) W[l]", unicode_to_latex("dW[l] += (λ/m) W[l]")),
        Step(
            "check",
            "equal for all entries of a 2 × 3 W",
            r"\text{equal for all entries of a } 2 \times 3\ W",
        ),
    )
    return Derivation(
        key="l2",
        title="L2: ∂/∂W[l] (λ/2m) Σₗ ‖W[l]‖² = (λ/m) W[l]",
        verdict="biases are not regularised",
        claim="dW[l] += (λ/m) W[l]",
        steps=steps,
        symbolic_ok=ok,
        numeric_ok=err <= RTOL,
        numeric_error=err,
        n_points=Ws[0].size + Ws[1].size,
        notes=("the λ/m is the same under both conventions: it comes from J's own L2 term",),
    )


@cached()
def derive_convention() -> Derivation:
    """Both placements of 1/m give the same dW, db; dZ, dA differ by exactly m.

    Symbolically: with the course's per-example dZ and the cost convention's
    dZ_J = dZ/m, (1/m) dZ A_prevᵀ = dZ_J A_prevᵀ (and Wᵀ dZ_J = (1/m) Wᵀ dZ
    by linearity, so the factor travels down unchanged).  Numerically:
    ``backprop.backward`` under both conventions on a random 3-layer network.
    """
    sp = require_sympy()
    m = sp.Symbol("m", positive=True)
    dZ = sp.Matrix(2, 2, lambda r, c: sym("d", 10 * (r + 1) + (c + 1)))
    Ap = sp.Matrix(3, 2, lambda r, c: sym("x", 10 * (r + 1) + (c + 1)))
    W = sp.Matrix(2, 3, lambda r, c: sym("w", 10 * (r + 1) + (c + 1)))
    ok = mat_zero((dZ * Ap.T) / m - (dZ / m) * Ap.T) and mat_zero(W.T * (dZ / m) - (W.T * dZ) / m)
    rng = np.random.default_rng(6)
    dims = [3, 4, 2, 1]
    Ws = [rng.standard_normal((dims[i + 1], dims[i])) for i in range(3)]
    bs = [rng.standard_normal((dims[i + 1], 1)) for i in range(3)]
    acts = [get_activation("tanh"), get_activation("sigmoid"), get_activation("sigmoid")]
    mm = 6
    X, Y = rng.standard_normal((3, mm)), rng.integers(0, 2, (1, mm)).astype(float)
    _, caches = backprop.forward(X, Ws, bs, acts)
    gc = backprop.backward(caches, Y, Ws, acts, BinaryCrossEntropy(), convention="course")
    gj = backprop.backward(caches, Y, Ws, acts, BinaryCrossEntropy(), convention="cost")
    err = 0.0
    for l in range(3):
        err = max(err, rel_error(gj.dW[l], gc.dW[l]), rel_error(gj.db[l], gc.db[l]))
        err = max(err, rel_error(gj.dZ[l] * mm, gc.dZ[l]))
    steps = (
        Step(
            "course",
            "dW = (1/m) dZ A_prevᵀ, dZ = ∂L/∂Z per example",
            unicode_to_latex("dW = (1/m) dZ A_prevᵀ"),
        ),
        Step(
            "cost",
            "dZ_J = (1/m) dZ ⇒ dW = dZ_J A_prevᵀ",
            r"dZ_J = \tfrac{1}{m} dZ \Rightarrow dW = dZ_J A_{prev}^{\top}",
        ),
        Step(
            "down the chain",
            "dA_prev,J = Wᵀ dZ_J = (1/m) Wᵀ dZ",
            r"dA_{prev,J} = W^{\top} dZ_J = \tfrac{1}{m} W^{\top} dZ",
        ),
        Step(
            "check",
            "(1/m) dZ A_prevᵀ − (dZ/m) A_prevᵀ = 0",
            r"\tfrac{1}{m} dZ A_{prev}^{\top} - (dZ/m) A_{prev}^{\top} = 0",
        ),
    )
    return Derivation(
        key="convention",
        title="conventions: dW_course = dW_cost, dZ_cost = dZ_course/m",
        verdict="1/m at either end of the chain",
        claim="dW_course = dW_cost, dZ_cost = dZ_course / m",
        steps=steps,
        symbolic_ok=bool(ok),
        numeric_ok=err <= RTOL,
        numeric_error=err,
        n_points=sum(W.size for W in Ws),
    )

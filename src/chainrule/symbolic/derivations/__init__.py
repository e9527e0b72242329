"""The derivations: each derivative chainrule uses, derived with SymPy and checked against the code.

One module per part of the library it proves, named after it:

* :mod:`.activations` -- g′ of every activation (``derive_activation``: tanh, ReLU's
  kink, softmax's Jacobian ...);
* :mod:`.losses` -- ∂L/∂a of every loss, and the cost J = (1/m) Σ L (``derive_loss``,
  ``derive_cost``, ``derive_cost_general``);
* :mod:`.pairings` -- dZ[L] through each output activation and loss, fused a − y or not
  (``derive_pairing``, ``allowed_pairings``);
* :mod:`.backprop` -- the linear layer, the L2 term and the two places of 1/m
  (``derive_linear``, ``derive_l2``, ``derive_convention``).

They share :mod:`.forms` (the library's formulas as SymPy, the value keys of the
cache) and :mod:`.checks` (the symbolic zero tests and the numerical comparison).
Within the package the order is checks, forms, then the four derivation modules,
which do not import each other.  Their public functions are imported from
``chainrule.symbolic``.
"""

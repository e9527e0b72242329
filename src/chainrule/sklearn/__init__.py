r"""scikit-learn estimators over the chainrule core: :class:`NetClassifier`, :class:`NetRegressor`.

Drop-in counterparts of scikit-learn's ``MLPClassifier`` / ``MLPRegressor`` that
train a :class:`chainrule.Network` with :func:`chainrule.fit`, and add what the
scikit-learn module lacks: dropout, class weights, RMSprop / momentum /
Nesterov, a validation-*loss* curve, a choice of initialiser, an explicit
output activation and loss (inferred from the target when ``"auto"`` and then
*stated*), float32 training and learning-rate schedules for every optimizer.

Orientation: the one place chainrule transposes
-----------------------------------------------
scikit-learn passes examples as **rows**: ``X`` has shape (n_samples,
n_features).  The core keeps the course's layout, examples as **columns**:
``X`` of shape (n[0], m).  These estimators hand ``X.T`` to the core (a view,
no copy: a C-ordered ``X`` is exactly the column-major layout that mini-batch
gathering wants), once per call of ``fit``/``partial_fit``/``predict``.  The
fitted attributes follow scikit-learn:

* ``coefs_[l]`` has shape (n_in, n_out): it is ``network_.Ws[l].T``, a view,
  so ``X @ coefs_[0] + intercepts_[0]`` is Z[1]ᵀ;
* ``intercepts_[l]`` has shape (n_out,): it is ``network_.bs[l][:, 0]``.

The L2 penalty ``alpha``
------------------------
scikit-learn's MLP minimises, per mini-batch of m examples (m = Σ wᵢ with
sample weights),

    J = (1/m) Σᵢ L⁽ⁱ⁾ + (alpha / 2m) Σₗ ‖W[l]‖²_F

and chainrule's ``Network(l2=λ)`` minimises the course's
J = (1/m) Σᵢ L⁽ⁱ⁾ + (λ/2m) Σₗ ‖W[l]‖²_F with the same m (the batch size, Σ wᵢ
with weights).  So ``alpha`` *is* λ: ``network_.l2 == alpha``, and the
gradients of the two libraries agree term by term (the test suite checks one
SGD step against ``MLPClassifier``/``MLPRegressor`` on identical weights).
Biases are not penalised in either library.

Stopping, validation and divergence
-----------------------------------
* ``tol`` / ``n_iter_no_change``: training stops when the monitored cost has
  not improved by more than ``tol`` for ``n_iter_no_change`` consecutive
  epochs (the training cost; the validation cost with ``early_stopping``),
  via ``fit(early_stopping=True, patience=n_iter_no_change, min_delta=tol)``.
  Running out of ``max_iter`` first emits a ``ConvergenceWarning``, as in
  scikit-learn.
* ``early_stopping=True`` holds out ``validation_fraction`` of the training
  rows (stratified for single-label classification, seeded by
  ``random_state``), records the validation cost (``validation_loss_curve_``)
  and score (``validation_scores_``: accuracy or R², sample-weighted) per
  epoch, monitors the validation **cost** (smooth, and what the network
  minimises; scikit-learn monitors the score) and ends with the parameters of
  the best epoch.
* A non-finite cost (divergence) stops training; the last finite parameters
  are kept and a :class:`chainrule.DivergenceWarning` (a ``RuntimeWarning``)
  says so and suggests a smaller ``learning_rate_init``.  (scikit-learn raises
  ``ValueError`` for non-finite weights; here the weights are never non-finite.)

Sample and class weights
------------------------
A weight wᵢ counts example i wᵢ times: J = Σ wᵢ Lᵢ / Σ wᵢ, and the L2 term's m
becomes Σ wᵢ (scikit-learn's convention).  ``class_weight`` ("balanced" or a
dict, as in scikit-learn) multiplies into ``sample_weight``.  Rows whose
combined weight is zero are dropped before training, so a zero weight is
*exactly* the same as removing the row (mini-batches included).

The package
-----------
* ``_params``: every parameter stated once (type, default, scikit-learn
  constraints, doc); the constraints and the docstrings' Parameters sections
  are derived from it;
* ``_base``: ``_BaseNet``, the parameters → :class:`chainrule.Network`, one
  ``fit``/``partial_fit``, the forward pass on rows;
* ``_classifier``, ``_regressor``: each task's targets and predictions.
"""

from chainrule.sklearn._classifier import NetClassifier
from chainrule.sklearn._regressor import NetRegressor

__all__ = ["NetClassifier", "NetRegressor"]

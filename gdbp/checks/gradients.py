"""Checkers of the gradient-formula exercises (notebooks 02 and 04) and their catalogues of classic mistakes.

=========================  ===========================================================  =========================
exercise                   the learner writes                                           reference
=========================  ===========================================================  =========================
``sigmoid_grad``           ``sigmoid_grad(x) -> dsigma/dx`` elementwise, x any shape     ``gdbp.layers`` sigmoid
``linear_mse_grad``        ``linear_mse_grad(X, y, w, b) -> (dw, db)``                   ``gdbp.linear``
``softmax_ce_grad``        ``softmax_ce_grad(scores, y) -> dscores`` (mean loss)         ``gdbp.layers.softmax_loss``
``linear_loss_and_grad``   ``linear_loss_and_grad(X, y, w, b) -> (loss, dw, db)``        ``gdbp.linear``
=========================  ===========================================================  =========================

Each checker: callable -> accepts the documented arguments -> returns the documented structure -> shapes ->
float64 -> finite -> values against the reference on fixed-seed cases and edge cases -> inputs unchanged.
The cases are chosen so that each classic mistake shows: N > 1 (a missing 1/N), N == D (a missing
transpose keeps the shape), logits near 1e3 (softmax without max-subtraction overflows), a label whose score
is 1000 below the row's maximum (log of an underflowed probability), an upstream that is not 1.

Tolerance: ``_core.RTOL`` (1e-9 relative, 1e-12 absolute). Every value is O(1) and a correct formula written
with different algebra differs by a few ulps; each catalogued mistake differs by more than 1e-3 relative in
at least one case (the tests check both).
"""

from __future__ import annotations

import numpy as np

from gdbp import layers, linear
from gdbp.checks._core import entry_point
from gdbp.checks._core import Checker, Mistake, run
from gdbp.checks._results import as_array, as_scalar, call, check_array, compare, thunks, unpack

__all__ = ["MISTAKES", "check_sigmoid_grad", "check_linear_mse_grad", "check_softmax_ce_grad",
           "check_linear_loss_and_grad"]

# =========================================================================================================
# The catalogue of classic mistakes: complete wrong implementations with the learner's call contract, the
# reference with one classic change marked "# MISTAKE". The checkers name them; the tests use them as mutants.
# =========================================================================================================


def _sigmoid(x):
    return layers.sigmoid_forward(np.asarray(x, dtype=float))[0]


def _sigmoid_grad_plus(x):
    s = _sigmoid(x)
    return s * (1 + s)  # MISTAKE: s * (1 + s) instead of s * (1 - s)


def _sigmoid_grad_of_x(x):
    x = np.asarray(x, dtype=float)
    return x * (1 - x)  # MISTAKE: the formula applied to x, not to sigma(x)


def _sigmoid_grad_is_sigmoid(x):
    return _sigmoid(x)  # MISTAKE: returns sigma(x) itself, not its derivative


def _sigmoid_grad_unsquared(x):
    e = np.exp(-np.asarray(x, dtype=float))
    return e / (1 + e)  # MISTAKE: e^-x / (1 + e^-x): the denominator must be squared


def _sigmoid_grad_tanh_form(x):
    s = _sigmoid(x)
    return 1 - s**2  # MISTAKE: tanh's derivative 1 - s**2


def _sigmoid_grad_sign(x):
    s = _sigmoid(x)
    return -s * (1 - s)  # MISTAKE: a sign error (the minus of e^-x kept)


# --- linear regression: loss and gradient (the grad-only exercise reuses these) --------------------------


def _linear_sum(X, y, w, b):
    r = X @ w + b - y
    return float(np.sum(r**2)), 2 * X.T @ r, float(2 * np.sum(r))  # MISTAKE: sum, the 1/N is missing


def _linear_no_two(X, y, w, b):
    r = X @ w + b - y
    N = len(y)
    return float(np.mean(r**2)), X.T @ r / N, float(np.sum(r) / N)  # MISTAKE: the factor 2 is missing


def _linear_sign(X, y, w, b):
    r = y - (X @ w + b)  # MISTAKE: residual y - y_hat, the gradient points the wrong way
    N = len(y)
    return float(np.mean(r**2)), 2 * X.T @ r / N, float(2 * np.sum(r) / N)


def _linear_no_transpose(X, y, w, b):
    r = X @ w + b - y
    N = len(y)
    return float(np.mean(r**2)), 2 * X @ r / N, float(2 * np.sum(r) / N)  # MISTAKE: X @ r, not X.T @ r


def _linear_db_sum(X, y, w, b):
    r = X @ w + b - y
    N = len(y)
    return float(np.mean(r**2)), 2 * X.T @ r / N, float(2 * np.sum(r))  # MISTAKE: db without the 1/N


def _linear_half_mse(X, y, w, b):
    r = X @ w + b - y
    N = len(y)
    # MISTAKE: the 0.5 * mean convention of some texts: half the loss, gradients without the 2
    return float(0.5 * np.mean(r**2)), X.T @ r / N, float(np.sum(r) / N)


def _linear_rmse(X, y, w, b):
    r = X @ w + b - y
    N = len(y)
    return float(np.sqrt(np.mean(r**2))), 2 * X.T @ r / N, float(2 * np.sum(r) / N)  # MISTAKE: sqrt (RMSE)


def _grads_only(fn):
    def grads(X, y, w, b):
        _, dw, db = fn(X, y, w, b)
        return dw, db
    grads.__name__ = fn.__name__ + "_grad"
    return grads


# --- softmax cross-entropy -------------------------------------------------------------------------------


def _softmax_ce_no_shift(scores, y):
    e = np.exp(scores)  # MISTAKE: no max-subtraction, exp(1000) = inf and inf / inf = NaN
    p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def _softmax_ce_no_mean(scores, y):
    p = layers.softmax(scores)
    p[np.arange(len(y)), y] -= 1
    return p  # MISTAKE: the 1/N of the mean is missing


def _softmax_ce_no_onehot(scores, y):
    p = layers.softmax(scores)
    return p / len(y)  # MISTAKE: the one-hot of the label is not subtracted


def _softmax_ce_column_index(scores, y):
    p = layers.softmax(scores)
    p[:, y] -= 1  # MISTAKE: p[:, y] subtracts 1 in the label columns of EVERY row, not p[range(N), y]
    return p / len(y)


def _softmax_ce_wrong_axis(scores, y):
    shifted = scores - scores.max(axis=0, keepdims=True)
    e = np.exp(shifted)
    p = e / e.sum(axis=0, keepdims=True)  # MISTAKE: normalised over the batch (axis 0), not the classes
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def _softmax_ce_sign(scores, y):
    p = layers.softmax(scores)
    p[np.arange(len(y)), y] -= 1
    return -p / len(y)  # MISTAKE: one-hot - p, the gradient of the log-likelihood (to be maximised)


MISTAKES: dict[str, list[Mistake]] = {
    "sigmoid_grad": [
        Mistake("s * (1 + s) instead of s * (1 - s)", _sigmoid_grad_plus,
                "with s = sigmoid(x), dsigma/dx = s * (1 - s)."),
        Mistake("the formula applied to x: x * (1 - x) instead of s * (1 - s) with s = sigmoid(x)",
                _sigmoid_grad_of_x, "first compute s = 1 / (1 + np.exp(-x)), then return s * (1 - s)."),
        Mistake("returns sigmoid(x) itself, not its derivative", _sigmoid_grad_is_sigmoid,
                "return the derivative s * (1 - s), where s = sigmoid(x)."),
        Mistake("e^-x / (1 + e^-x): the denominator is not squared", _sigmoid_grad_unsquared,
                "d/dx (1 + e^-x)^-1 = e^-x / (1 + e^-x)**2, which is s * (1 - s)."),
        Mistake("1 - s**2 (the derivative of tanh, not of the sigmoid)", _sigmoid_grad_tanh_form,
                "the sigmoid's derivative is s * (1 - s); 1 - t**2 belongs to tanh."),
        Mistake("a sign error: -s * (1 - s)", _sigmoid_grad_sign,
                "the sigmoid increases everywhere, so its derivative is positive: s * (1 - s)."),
    ],
    "linear_loss_and_grad": [
        Mistake("the 1/N of the mean is missing (a sum instead of a mean)", _linear_sum,
                "L is a mean: divide the sums by N = len(y), in the loss and in both gradients."),
        Mistake("the factor 2 from d(r**2)/dr = 2r is missing", _linear_no_two,
                "d/dr r**2 = 2 r: dw = 2 * X.T @ r / N and db = 2 * np.sum(r) / N, r = X @ w + b - y."),
        Mistake("the residual taken as y - y_hat: the gradient has the wrong sign", _linear_sign,
                "use r = y_hat - y = X @ w + b - y (or flip the sign): the gradient must point uphill."),
        Mistake("dw = X @ r without the transpose", _linear_no_transpose,
                "dw[j] = (2/N) * sum_i X[i, j] * r[i], i.e. X.T @ r: transpose X so the sum runs over the examples."),
        Mistake("db without the 1/N (dw has it)", _linear_db_sum,
                "db = 2 * np.sum(r) / N: the bias gets the same 1/N as the weights."),
        Mistake("the 0.5 * mean convention: half the loss, gradients without the 2", _linear_half_mse,
                "this exercise uses L = mean(r**2) without the 0.5: loss = np.mean(r**2), dw = 2 * X.T @ r / N."),
        Mistake("the root of the mean squared error (RMSE) as the loss", _linear_rmse,
                "the loss is the mean of the squares, with no square root: np.mean(r**2)."),
    ],
    "softmax_ce_grad": [
        Mistake("softmax without subtracting the row maximum (exp(1000) overflows: inf / inf = NaN)",
                _softmax_ce_no_shift,
                "subtract each row's maximum first: shifted = scores - scores.max(axis=1, keepdims=True); "
                "the softmax is unchanged and every exp stays <= 1."),
        Mistake("the 1/N of the mean is missing", _softmax_ce_no_mean,
                "the loss is a mean over the N examples: divide dscores by N at the end."),
        Mistake("the one-hot of the label is not subtracted (returns softmax / N)", _softmax_ce_no_onehot,
                "dscores = (p - onehot(y)) / N: subtract 1 at [i, y[i]] for every row i."),
        Mistake("p[:, y] -= 1 subtracts 1 in the label columns of every row", _softmax_ce_column_index,
                "index one entry per row: p[np.arange(N), y] -= 1."),
        Mistake("softmax normalised over the batch (axis=0) instead of over the classes", _softmax_ce_wrong_axis,
                "each row is one example: max and sum over axis=1 with keepdims=True."),
        Mistake("a sign error: (onehot - p) / N", _softmax_ce_sign,
                "the gradient of the loss (to be minimised) is (p - onehot(y)) / N."),
    ],
}
# The grad-only exercise has the same mistakes (the ones that change only the loss cannot show there).
MISTAKES["linear_mse_grad"] = [
    Mistake(m.name, _grads_only(m.fn), m.hint) for m in MISTAKES["linear_loss_and_grad"]
    if m.fn not in (_linear_rmse, _linear_half_mse)  # same gradients as the factor 2 missing, or as correct
]


# =========================================================================================================
# The cases (fixed seeds).
# =========================================================================================================


def _linear_cases():
    """``[(name, X, y, w, b)]``: N > 1 everywhere (a missing 1/N shows), one case with N == D (a missing
    transpose keeps the shape), a single feature, and a single example."""
    rng = np.random.default_rng(20240601)
    cases = []
    for name, N, D in [("square X, N=D=4", 4, 4), ("random, N=6, D=3", 6, 3), ("one feature, N=5, D=1", 5, 1),
                       ("one example, N=1, D=3", 1, 3)]:
        X = rng.normal(size=(N, D))
        cases.append((name, X, rng.normal(size=N), rng.normal(size=D), float(rng.normal())))
    return cases


def _softmax_cases():
    """``[(name, scores, y)]``: random logits, logits near 1e3, a label 1000 below its row's maximum, C = 2, N = 1."""
    rng = np.random.default_rng(20240602)
    cases = [
        ("random logits, N=5, C=4", rng.normal(size=(5, 4)), np.array([0, 3, 1, 3, 2])),
        ("logits near 1e3", 1000.0 + rng.normal(size=(4, 3)) * 3, np.array([2, 0, 1, 1])),
        ("two classes, N=3", rng.normal(size=(3, 2)) * 2, np.array([1, 0, 1])),
        ("one example, N=1", rng.normal(size=(1, 5)), np.array([4])),
    ]
    far = np.array([[1000.0, 0.0, 1.0], [-500.0, 500.0, 0.0], [2.0, 1.0, 0.0]])
    cases.append(("a label 1000 below the row maximum", far, np.array([1, 0, 0])))
    return cases


# =========================================================================================================
# The checkers.
# =========================================================================================================


@entry_point
def check_sigmoid_grad(learner_fn, *, time_limit=None):
    """Check ``sigmoid_grad(x) -> dsigma/dx`` (elementwise, x any shape) against ``gdbp.layers`` sigmoid.

    Cases: a 1-D array, a 2-D array, a 0-d array (a float result is accepted there), saturation at |x| = 30,
    and exact zeros. Raises AssertionError (``CheckFailed``) naming the case, what was received and expected,
    and the classic mistake it matches; prints one line on success.
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(20240603)
    cases = [
        ("1-D x", rng.normal(size=7) * 2),
        ("2-D x of shape (3, 4)", rng.normal(size=(3, 4)) * 3),
        ("0-d x", np.array(0.75)),
        ("saturated |x| = 30", np.array([-30.0, -10.0, 10.0, 30.0])),
        ("x = 0 (the maximum slope 0.25)", np.array([0.0, -0.0, 1e-9])),
    ]

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("x")
        for case, x in cases:
            s = _sigmoid(x)
            expected = s * (1 - s)
            out = call(c, case, ("x",), x)
            check_array(c, out, "dsigma/dx", expected=np.asarray(expected, dtype=float), case=case,
                        source="s * (1 - s) with s = sigmoid(x)",
                        mistakes=thunks(MISTAKES["sigmoid_grad"], (x,)))

    run("sigmoid_grad", learner_fn, body, hint="compute s = 1 / (1 + np.exp(-x)) and return s * (1 - s).")


def _check_linear(exercise: str, learner_fn, time_limit, with_loss: bool) -> None:
    __tracebackhide__ = True
    names = ("loss", "dw", "db") if with_loss else ("dw", "db")
    mistakes = MISTAKES[exercise]

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("X", "y", "w", "b")
        for case, X, y, w, b in _linear_cases():
            expected = dict(zip(("loss", "dw", "db"), linear.linear_loss_and_grad(X, y, w, b)))
            out = call(c, case, ("X", "y", "w", "b"), X, y, w, b)
            received = unpack(c, out, names, case)
            source = f"gdbp.linear.linear_loss_and_grad (N = {len(y)})"
            checks = []  # first the structure, type and shape of every output, then the values
            for k, name in enumerate(names):
                others = [(lambda result, j=j: result[j], received[j]) for j in range(len(names)) if j != k]
                mistaken = thunks(mistakes, (X, y, w, b), lambda result, k=k: result[k], consistent=others)
                if name == "dw":
                    value = as_array(c, received[k], name, expected=expected[name], case=case, mistakes=mistaken)
                else:
                    value = as_scalar(c, received[k], name, case=case, mistakes=mistaken, expected=expected[name])
                checks.append((value, name, mistaken))
            for value, name, mistaken in checks:
                compare(c, value, expected[name], name, case=case, mistakes=mistaken, source=source)

    run(exercise, learner_fn, body,
        hint="with r = X @ w + b - y: loss = mean(r**2), dw = 2 * X.T @ r / N, db = 2 * sum(r) / N.")


@entry_point
def check_linear_mse_grad(learner_fn, *, time_limit=None):
    """Check ``linear_mse_grad(X, y, w, b) -> (dw, db)`` for ``L = mean((X @ w + b - y)**2)`` against
    ``gdbp.linear.linear_mse_grad``: dw a float64 array of shape (D,), db a float (a numpy float or a 0-d
    array is accepted). See ``check_sigmoid_grad`` for what it raises and prints."""
    __tracebackhide__ = True
    _check_linear("linear_mse_grad", learner_fn, time_limit, with_loss=False)


@entry_point
def check_linear_loss_and_grad(learner_fn, *, time_limit=None):
    """Check ``linear_loss_and_grad(X, y, w, b) -> (loss, dw, db)`` against ``gdbp.linear``: loss and db
    floats, dw of shape (D,). See ``check_sigmoid_grad`` for what it raises and prints."""
    __tracebackhide__ = True
    _check_linear("linear_loss_and_grad", learner_fn, time_limit, with_loss=True)


@entry_point
def check_softmax_ce_grad(learner_fn, *, time_limit=None):
    """Check ``softmax_ce_grad(scores, y) -> dscores``, the gradient of the mean softmax cross-entropy, against
    ``gdbp.layers.softmax_loss``. Cases include logits near 1e3 (it must be stable) and N > 1. See
    ``check_sigmoid_grad`` for what it raises and prints."""
    __tracebackhide__ = True

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("scores", "y")
        for case, scores, y in _softmax_cases():
            expected = layers.softmax_loss(scores, y)[1]
            out = call(c, case, ("scores", "y"), scores, y)
            check_array(c, out, "dscores", expected=expected, case=case,
                        source="gdbp.layers.softmax_loss(scores, y)[1]",
                        mistakes=thunks(MISTAKES["softmax_ce_grad"], (scores, y)))

    run("softmax_ce_grad", learner_fn, body,
        hint="dscores = (softmax(scores) - onehot(y)) / N, with the row maximum subtracted before exp.")

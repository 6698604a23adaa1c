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
is 1000 below the row's maximum (log of an underflowed probability; a shift by the global maximum), a square
score matrix (a max or sum without keepdims broadcasts silently there), an upstream that is not 1.

The catalogues are families (``gdbp.checks._diagnosis.Catalogue``): each setting says how one part of the
formula is written (the 1/N, the factor 2, the sign of the residual, the axis of the softmax's sum, ...), so
that two mistakes at once, and constants written in the code (an eps in the log), are named as well. The
families of softmax are shared with ``gdbp.checks.layers`` (``softmax_loss``). After a failure the diagnosis
runs the learner on every case and on probes (each argument changed alone: an argument that changes nothing
is ignored) and names the most specific explanation that reproduces all of it, or says what the probes found.

Tolerance: ``_core.RTOL`` (1e-9 relative, 1e-12 absolute). Every value is O(1) and a correct formula written
with different algebra differs by a few ulps; each catalogued mistake differs by more than 1e-3 relative in
at least one case (the tests check both).
"""

from __future__ import annotations

import numpy as np

from gdbp import layers, linear
from gdbp.checks._core import entry_point
from gdbp.checks._core import Checker, run
from gdbp.checks._diagnosis import Catalogue, Change, Evidence
from gdbp.checks._results import (Diagnosis, argument_probe, as_array, as_scalar, call, call_trial, check_array,
                                  compare, relation_probe, unpack)

__all__ = ["MISTAKES", "SIGMOID", "LINEAR", "LINEAR_GRAD", "SOFTMAX_GRAD", "softmax_family", "diagnosis_of",
           "softmax_relation",
           "check_sigmoid_grad", "check_linear_mse_grad", "check_softmax_ce_grad", "check_linear_loss_and_grad"]

# =========================================================================================================
# The catalogues: a family of ways to write each formula (the reference is the base setting); each change
# is one classic mistake or published variant, marked where the family computes it.
# =========================================================================================================


def _sigmoid(x):
    return layers.sigmoid_forward(np.asarray(x, dtype=float))[0]


def _sigmoid_family(settings):
    form = settings["form"]

    def sigmoid_grad(x):
        x = np.asarray(x, dtype=float)
        s = _sigmoid(x)
        if form == "s(1+s)":
            return s * (1 + s)  # MISTAKE: s * (1 + s) instead of s * (1 - s)
        if form == "of x":
            return x * (1 - x)  # VARIANT: the formula written for the output s, applied to x
        if form == "s":
            return s  # MISTAKE: sigma(x) itself, not its derivative
        if form == "unsquared":
            e = np.exp(-x)
            return e / (1 + e)  # MISTAKE: e^-x / (1 + e^-x): the denominator must be squared
        if form == "1-s**2":
            return 1 - s**2  # MISTAKE: tanh's derivative 1 - s**2
        return s * (1 - s)

    def signed(x):
        return -sigmoid_grad(x)  # MISTAKE: a sign error (the minus of e^-x kept)

    return signed if settings["sign"] == "-" else sigmoid_grad


def _ignoring_x(fn, settings):
    value = settings["constant_slope"]

    def sigmoid_grad(x):
        return np.full(np.shape(x), value)  # MISTAKE: the slope at 0 for every x: the argument is not used
    return sigmoid_grad


SIGMOID = Catalogue("sigmoid_grad", _sigmoid_family, base={"form": "s(1-s)", "sign": "+"}, changes=(
    Change("form", "s(1+s)", "s * (1 + s) instead of s * (1 - s)", "with s = sigmoid(x), dsigma/dx = s * (1 - s)."),
    Change("form", "of x", "the derivative written for the output s (sigmoid_derivative(s) = s * (1 - s), as many "
                           "tutorials do) but applied to x itself",
           "first compute s = 1 / (1 + np.exp(-x)), then return s * (1 - s).", kind="variant",
           note="Those tutorials call it with s = sigmoid(x) already computed; this exercise passes x, so the "
                "difference matters."),
    Change("form", "s", "returns sigmoid(x) itself, not its derivative",
           "return the derivative s * (1 - s), where s = sigmoid(x)."),
    Change("form", "unsquared", "e^-x / (1 + e^-x): the denominator is not squared",
           "d/dx (1 + e^-x)^-1 = e^-x / (1 + e^-x)**2, which is s * (1 - s)."),
    Change("form", "1-s**2", "1 - s**2 (the derivative of tanh, not of the sigmoid)",
           "the sigmoid's derivative is s * (1 - s); 1 - t**2 belongs to tanh."),
    Change("sign", "-", "a sign error: -s * (1 - s)",
           "the sigmoid increases everywhere, so its derivative is positive: s * (1 - s)."),
    Change("ignores_x", True, "your function ignores x (it returns {constant_slope:g}, the slope at 0, for every x)",
           "compute s = sigmoid(x) from the argument x and return s * (1 - s) entry by entry.",
           wrap=_ignoring_x, constants={"constant_slope": (0.25,)}),
))


# --- linear regression: loss and gradient (the grad-only exercise uses the same family) -------------------


def _linear_family(settings, with_loss=True):
    def linear_loss_and_grad(X, y, w, b):
        X, y, w = (np.asarray(a, dtype=float) for a in (X, y, w))
        N = len(y)
        r = X @ w + b - y
        if settings["residual"] == "y - y_hat":
            r = -r  # MISTAKE: residual y - y_hat, the gradient points the wrong way
        mean = N if settings["N"] == "mean" else 1  # MISTAKE (sum): the 1/N is missing
        two = 2 if settings["two"] else 1  # MISTAKE (False): the factor 2 of d(r**2)/dr is missing
        dw = two * (X.T @ r if settings["transpose"] else X @ r) / mean  # MISTAKE (False): X @ r, not X.T @ r
        db = two * np.sum(r) / (mean if settings["db N"] else 1)  # MISTAKE (False): db without the 1/N
        loss = np.sum(r**2) / mean
        if settings["loss"] == "half":  # VARIANT: the 1/(2N) convention, gradients without the 2
            loss, dw, db = loss / 2, dw / 2, db / 2
        elif settings["loss"] == "rmse":
            loss = np.sqrt(loss)  # MISTAKE: the root of the mean squared error
        if not with_loss:
            return dw, float(db)
        return float(loss), dw, float(db)

    return linear_loss_and_grad


def _ignoring_b(fn, settings):
    def ignoring(X, y, w, b):
        return fn(X, y, w, 0.0)  # MISTAKE: y_hat = X @ w, the bias is left out
    return ignoring


_LINEAR_BASE = {"N": "mean", "two": True, "residual": "y_hat - y", "transpose": True, "db N": True, "loss": "mean"}
_LINEAR_GRAD_CHANGES = (
    Change("N", "sum", "the 1/N of the mean is missing (a sum instead of a mean)",
           "L is a mean: divide the sums by N = len(y), in the loss and in both gradients."),
    Change("two", False, "the factor 2 from d(r**2)/dr = 2r is missing",
           "d/dr r**2 = 2 r: dw = 2 * X.T @ r / N and db = 2 * np.sum(r) / N, r = X @ w + b - y."),
    Change("residual", "y - y_hat", "the residual taken as y - y_hat: the gradient has the wrong sign",
           "use r = y_hat - y = X @ w + b - y (or flip the sign): the gradient must point uphill."),
    Change("transpose", False, "dw = X @ r without the transpose",
           "dw[j] = (2/N) * sum_i X[i, j] * r[i], i.e. X.T @ r: transpose X so the sum runs over the examples."),
    Change("db N", False, "db without the 1/N (dw has it)",
           "db = 2 * np.sum(r) / N: the bias gets the same 1/N as the weights."),
    Change("ignores_b", True, "the bias is left out of the prediction (y_hat = X @ w): your function ignores b",
           "predict with the bias: y_hat = X @ w + b, then r = y_hat - y.", wrap=_ignoring_b),
)
_LINEAR_LOSS_CHANGES = (
    Change("loss", "half", "the 1/(2N) convention (Andrew Ng's course, many textbooks): loss = mean(r**2) / 2 and "
                           "gradients without the 2",
           "this exercise uses L = mean(r**2) without the 1/2: loss = np.mean(r**2), dw = 2 * X.T @ r / N.",
           kind="variant", note="Both conventions have the same minimum, but here the loss and both gradients "
                                "must be twice yours: the difference matters."),
    Change("loss", "rmse", "the root of the mean squared error (RMSE) as the loss",
           "the loss is the mean of the squares, with no square root: np.mean(r**2)."),
)
LINEAR = Catalogue("linear_loss_and_grad", _linear_family, base=_LINEAR_BASE,
                   changes=_LINEAR_GRAD_CHANGES[:5] + _LINEAR_LOSS_CHANGES + _LINEAR_GRAD_CHANGES[5:])
# The grad-only exercise: the loss's own changes cannot show (the 1/2 convention gives the gradients of "the
# factor 2 is missing").
LINEAR_GRAD = Catalogue("linear_mse_grad", lambda s: _linear_family(s, with_loss=False), base=_LINEAR_BASE,
                        changes=_LINEAR_GRAD_CHANGES)


# --- softmax cross-entropy (shared with gdbp.checks.layers.softmax_loss) ---------------------------------


def softmax_family(settings, with_loss=False):
    """``softmax_ce_grad(scores, y) -> dscores`` (or ``softmax_loss(scores, y) -> (loss, dscores)``), written
    the way ``settings`` say."""
    shift, normalise, onehot, mean = settings["shift"], settings["normalise"], settings["onehot"], settings["mean"]

    def softmax(scores, y):
        scores = np.asarray(scores, dtype=float)
        N = len(y)
        rows = np.arange(N)
        if settings["in place"] == "scores":
            scores -= scores.max(axis=1, keepdims=True)  # MISTAKE: shifts the caller's scores in place
        if shift == "row max" and normalise == "batch":
            z = scores - scores.max(axis=0, keepdims=True)  # the max over the axis that is summed
        elif shift == "row max" and normalise == "all":
            z = scores - scores.max()  # the 1-D softmax (x - max(x), exp / sum) applied to the whole batch
        elif shift == "row max":
            z = scores - scores.max(axis=1, keepdims=True)
        elif shift == "global max":
            z = scores - scores.max()  # VARIANT: one maximum for the whole batch (np.max without axis)
        elif shift == "no keepdims":
            z = scores - scores.max(axis=1)  # MISTAKE: (N,) broadcasts along the rows: row maxima per column
        else:
            z = scores  # MISTAKE: no max-subtraction, exp(1000) = inf and inf / inf = NaN
        e = np.exp(z)
        if normalise == "classes":
            total = e.sum(axis=1, keepdims=True)
        elif normalise == "batch":
            total = e.sum(axis=0, keepdims=True)  # MISTAKE: normalised over the batch (axis 0)
        elif normalise == "all":
            total = e.sum()  # MISTAKE: np.sum without axis: normalised over the whole batch
        else:
            total = e.sum(axis=1)  # MISTAKE: no keepdims: the (N,) sums divide the columns
        p = e / total
        dscores = p.copy()
        if onehot == "columns":
            dscores[:, y] -= 1  # MISTAKE: p[:, y] subtracts 1 in the label columns of EVERY row
        elif onehot != "none":  # MISTAKE (none): the one-hot of the label is not subtracted
            dscores[rows, y] -= 1
        if onehot == "sign":
            dscores = -dscores  # MISTAKE: onehot - p, the gradient of the log-likelihood (to be maximised)
        if mean == "both":
            dscores = dscores / N  # MISTAKE (none, loss only): the 1/N of the mean is missing in dscores
        if not with_loss:
            return dscores
        form = settings["loss"]
        if form == "log-softmax" and normalise == "classes" and shift != "none":
            log_p = z - np.log(total)
        elif form == "log p + eps":
            log_p = np.log(p + settings["log_eps"])  # VARIANT: a small constant keeps log away from 0
        elif form == "clip":
            log_p = np.log(np.clip(p, settings["log_eps"], 1.0))  # VARIANT: the probability floored at eps
        else:  # MISTAKE (log p): the log of a probability that can underflow to 0 (the form of code without
            log_p = np.log(p)  # a shift too: there exp(1000) = inf makes p NaN)
        loss = -np.sum(log_p[rows, y])
        if mean != "none":
            loss = loss / N  # MISTAKE (none): sums over the batch
        return loss, dscores

    return softmax


_SOFTMAX_BASE = {"shift": "row max", "normalise": "classes", "onehot": "subtract", "mean": "both",
                 "loss": "log-softmax", "in place": None}
_KEEPDIMS_HINT = ("keep the reduced axis: scores.max(axis=1, keepdims=True) and e.sum(axis=1, keepdims=True) have "
                  "shape (N, 1), which broadcasts along each row.")
_SHIFT_NONE = Change("shift", "none", "softmax without subtracting the row maximum (exp(1000) overflows: "
                                      "inf / inf = NaN)",
                     "subtract each row's maximum first: shifted = scores - scores.max(axis=1, keepdims=True); "
                     "the softmax is unchanged and every exp stays <= 1.")
_SHIFT_GLOBAL = Change("shift", "global max", "the scores shifted by the maximum of the whole batch (np.max without "
                                              "axis), not by each row's",
                       "subtract each row's own maximum: scores - scores.max(axis=1, keepdims=True).", kind="variant",
                       note="It is stable only while every row's scores are close to the batch's maximum; a row "
                            "far below it underflows to 0 / 0, so here the difference matters.")
_SHIFT_KEEPDIMS = Change("shift", "no keepdims", "the row maxima subtracted without keepdims=True (scores - "
                                                 "scores.max(axis=1) subtracts them along the wrong axis)",
                         _KEEPDIMS_HINT)
_NORMALISE_CHANGES = (
    Change("normalise", "batch", "softmax normalised over the batch (axis=0) instead of over the classes",
           "each row is one example: max and sum over axis=1 with keepdims=True."),
    Change("normalise", "all", "softmax normalised over the whole batch (np.sum without axis) instead of each row",
           "sum each row: e / e.sum(axis=1, keepdims=True)."),
    Change("normalise", "no keepdims", "the row sums divided without keepdims=True (e / e.sum(axis=1) divides "
                                       "along the wrong axis)", _KEEPDIMS_HINT),
)
_ONEHOT_NONE = Change("onehot", "none", "the one-hot of the label is not subtracted (returns softmax / N)",
                      "dscores = (p - onehot(y)) / N: subtract 1 at [i, y[i]] for every row i.")
_ONEHOT_COLUMNS = Change("onehot", "columns", "p[:, y] -= 1 subtracts 1 in the label columns of every row",
                         "index one entry per row: p[np.arange(N), y] -= 1.")
_SCORES_IN_PLACE = Change("in place", "scores", "the scores shifted in place (scores -= scores.max(axis=1, "
                                                "keepdims=True) changes the caller's array)",
                          "shift a new array: shifted = scores - scores.max(axis=1, keepdims=True).", pairs=False)
_ONEHOT_SIGN = Change("onehot", "sign", "a sign error: (onehot - p) / N",
                      "the gradient of the loss (to be minimised) is (p - onehot(y)) / N.")

SOFTMAX_GRAD = Catalogue("softmax_ce_grad", softmax_family, base=_SOFTMAX_BASE, changes=(
    _SHIFT_NONE,
    Change("mean", "none", "the 1/N of the mean is missing",
           "the loss is a mean over the N examples: divide dscores by N at the end."),
    _ONEHOT_NONE, _ONEHOT_COLUMNS, _NORMALISE_CHANGES[0], _ONEHOT_SIGN,
    _SHIFT_GLOBAL, _SHIFT_KEEPDIMS, *_NORMALISE_CHANGES[1:], _SCORES_IN_PLACE,
))

MISTAKES = {
    "sigmoid_grad": SIGMOID.mistakes(),
    "linear_loss_and_grad": LINEAR.mistakes(),
    "linear_mse_grad": LINEAR_GRAD.mistakes(),
    "softmax_ce_grad": SOFTMAX_GRAD.mistakes(),
}


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
    """``[(name, scores, y)]``: random logits, logits near 1e3, C = 2, N = 1, and a square case with a label 1000
    below its row's maximum."""
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


def _sigmoid_cases():
    rng = np.random.default_rng(20240603)
    return [
        ("1-D x", rng.normal(size=7) * 2),
        ("2-D x of shape (3, 4)", rng.normal(size=(3, 4)) * 3),
        ("0-d x", np.array(0.75)),
        ("saturated |x| = 30", np.array([-30.0, -10.0, 10.0, 30.0])),
        ("x = 0 (the maximum slope 0.25)", np.array([0.0, -0.0, 1e-9])),
    ]


# =========================================================================================================
# Diagnosis: the failing case, every other case, and probes of each argument.
# =========================================================================================================


def diagnosis_of(c: Checker, catalogue: Catalogue, case: str, args: tuple, cases, names: tuple, reference,
                 alternatives=None, how=None, relation=None) -> Diagnosis:
    """The lazy diagnosis of a case (its outputs are recorded by ``_results.call``): ``cases`` are ``(name,
    args)`` of every case; ``alternatives`` maps an argument's name to another value for the probe (an argument
    that changes nothing is ignored); ``relation`` is ``(changed args, factor, text, key)`` for
    :func:`gdbp.checks._results.relation_probe` (a property every correct answer has)."""
    trials = [call_trial(name, other) for name, other in cases if name != case]

    def probe(c: Checker, evidence: Evidence):
        findings = []
        if alternatives:
            base = dict(zip(names, args))
            findings += argument_probe(c, evidence, lambda kw: call_trial(f"{case}, probe",
                                                                          tuple(kw[n] for n in names)),
                                       base, alternatives, reference, how)
        if relation is not None and not any(f.key.startswith("ignores:") for f in findings):
            changed, factor, text, key = relation
            findings += relation_probe(c, evidence, call_trial(case, args), call_trial(f"{case}, related", changed),
                                       factor, text, key)
        return findings

    return Diagnosis(c, catalogue, call_trial(case, args), (), trials, probe)


def softmax_relation(scores, y):
    """Softmax does not change when each row of the scores is shifted by one constant (here 3 * row index)."""
    shifted = scores + 3.0 * np.arange(len(scores))[:, None]
    return ((shifted, y), 1.0, "adding one constant to every score of a row changed your result, which the softmax "
                               "does not (look at the axis of the max and of the sum)", "shift-invariant")


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
    cases = _sigmoid_cases()

    def reference(x):
        s = _sigmoid(x)
        return s * (1 - s)

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("x")
        for case, x in cases:
            expected = np.asarray(reference(x), dtype=float)
            diagnosis = diagnosis_of(c, SIGMOID, case, (x,), [(n, (v,)) for n, v in cases], ("x",), reference,
                                     alternatives={"x": x + 1.0}, how={"x": "x + 1"})
            out = call(c, case, ("x",), x, diagnosis=diagnosis)
            check_array(c, out, "dsigma/dx", expected=expected, case=case, diagnosis=diagnosis,
                        source="s * (1 - s) with s = sigmoid(x)")

    run("sigmoid_grad", learner_fn, body, hint="compute s = 1 / (1 + np.exp(-x)) and return s * (1 - s).")


def _check_linear(exercise: str, learner_fn, time_limit, with_loss: bool) -> None:
    __tracebackhide__ = True
    names = ("loss", "dw", "db") if with_loss else ("dw", "db")
    catalogue = LINEAR if with_loss else LINEAR_GRAD
    reference = linear.linear_loss_and_grad if with_loss else linear.linear_mse_grad
    cases = _linear_cases()
    all_args = [(name, (X, y, w, b)) for name, X, y, w, b in cases]

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("X", "y", "w", "b")
        for case, X, y, w, b in cases:
            expected = dict(zip(("loss", "dw", "db"), linear.linear_loss_and_grad(X, y, w, b)))
            diagnosis = diagnosis_of(c, catalogue, case, (X, y, w, b), all_args, ("X", "y", "w", "b"), reference,
                                     alternatives={"w": 2 * w + 0.5, "b": b + 1.5, "y": y + 1.0},
                                     how={"w": "2 * w + 0.5", "b": "b + 1.5", "y": "y + 1"})
            out = call(c, case, ("X", "y", "w", "b"), X, y, w, b, diagnosis=diagnosis)
            received = unpack(c, out, names, case)
            sizes = {"N": len(y), "D": X.shape[1]}
            source = f"gdbp.linear.linear_loss_and_grad (N = {len(y)})"
            values = []  # first the structure, type and shape of every output, then the values
            for k, name in enumerate(names):
                if name == "dw":
                    values.append(as_array(c, received[k], name, expected=expected[name], case=case,
                                           diagnosis=diagnosis, sizes=sizes))
                else:
                    values.append(as_scalar(c, received[k], name, case=case, diagnosis=diagnosis,
                                            expected=expected[name], sizes=sizes))
            for value, name in zip(values, names):
                compare(c, value, expected[name], name, case=case, diagnosis=diagnosis, source=source)

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


def softmax_alternatives(scores, y):
    """Probe values for softmax's arguments: the scores shifted per entry, the labels moved by one class."""
    shifted = scores + np.linspace(0.0, 1.0, scores.size).reshape(scores.shape)
    return ({"scores": shifted, "y": (y + 1) % scores.shape[1]},
            {"scores": "another entry-wise shift of the scores", "y": "each label moved to the next class"})


@entry_point
def check_softmax_ce_grad(learner_fn, *, time_limit=None):
    """Check ``softmax_ce_grad(scores, y) -> dscores``, the gradient of the mean softmax cross-entropy, against
    ``gdbp.layers.softmax_loss``. Cases include logits near 1e3 (it must be stable) and N > 1. See
    ``check_sigmoid_grad`` for what it raises and prints."""
    __tracebackhide__ = True
    cases = _softmax_cases()
    all_args = [(name, (scores, y)) for name, scores, y in cases]

    def reference(scores, y):
        return layers.softmax_loss(scores, y)[1]

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("scores", "y")
        for case, scores, y in cases:
            expected = reference(scores, y)
            alternatives, how = softmax_alternatives(scores, y)
            diagnosis = diagnosis_of(c, SOFTMAX_GRAD, case, (scores, y), all_args, ("scores", "y"), reference,
                                     alternatives, how, relation=softmax_relation(scores, y))
            out = call(c, case, ("scores", "y"), scores, y, diagnosis=diagnosis, expected=expected)
            check_array(c, out, "dscores", expected=expected, case=case, diagnosis=diagnosis,
                        source="gdbp.layers.softmax_loss(scores, y)[1]", sizes={"N": len(y), "C": scores.shape[1]})

    run("softmax_ce_grad", learner_fn, body,
        hint="dscores = (softmax(scores) - onehot(y)) / N, with the row maximum subtracted before exp.")

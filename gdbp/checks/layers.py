"""Checkers of the layer exercises (notebook 06) and their catalogues of classic mistakes.

=====================  ============================================================  ============================
exercise               the learner writes                                            reference
=====================  ============================================================  ============================
``affine_backward``    ``affine_backward(dout, cache) -> (dx, dw, db)``,             ``gdbp.layers.affine_backward``
                       cache ``(x, w, b)``, x of shape (N, d_1, ..., d_k)
``relu_backward``      ``relu_backward(dout, cache) -> dx``, cache ``x``             ``gdbp.layers.relu_backward``
                       (derivative 0 at x == 0)
``tanh_backward``      ``tanh_backward(dout, cache) -> dx``, cache ``out = tanh(x)``  ``gdbp.layers.tanh_backward``
``softmax_loss``       ``softmax_loss(scores, y) -> (loss, dscores)``, stable for    ``gdbp.layers.softmax_loss``
                       logits ~1e3
=====================  ============================================================  ============================

The caches are the exercise's own (``(x, w, b)``, ``x``, ``out``); the reference's caches (``gdbp.layers``
keeps a flattened x, a mask) are built separately for the expected values.

Order of checks: callable -> accepts (dout, cache) / (scores, y) -> the documented tuple -> shapes -> float64
-> finite -> values against the reference -> dout, the cache's arrays, scores and y unchanged. Cases are
chosen so that each classic mistake shows: a square case N == D == M (a missing transpose or a sum over the
wrong axis keeps the shape), x with 4 axes (a missing reshape), exact zeros in x (ReLU's kink), |x| up to 3
for tanh (out far from x), logits near 1e3 and a label 1000 below its row's maximum, N > 1 (a missing 1/N).
Wrong shapes and NaNs that a catalogued mistake produces are named before the generic message, and so is an
error that a catalogued mistake raises too (``x, w = cache``: the hint says what the cache holds).

The catalogues are families (``gdbp.checks._diagnosis.Catalogue``): each setting says how one part is written
(dx's transpose and reshape, dw's, db's axis and keepdims; ReLU's mask, its value at 0, a leaky slope; tanh's
local derivative; softmax's shift, normalisation, one-hot, mean and the form of its log), so two mistakes at
once, published variants (deeplearning.ai's 1/m in the layer, leaky ReLU, an eps inside the log) and fitted
constants are named too. dout changed in place is named together with what is wrong with the values besides.
After a failure the diagnosis runs the learner on every case and on probes (dout, the cache, the scores or
the labels changed alone: an argument that changes nothing is ignored).

Tolerance: ``_core.RTOL`` (1e-9 relative, 1e-12 absolute): the same formulas up to operation order on O(1)
values; every catalogued mistake differs by far more in at least one case (the tests check both).
"""

from __future__ import annotations

import numpy as np

from gdbp import layers
from gdbp.checks._core import entry_point
from gdbp.checks._core import Checker, run
from gdbp.checks._diagnosis import Catalogue, Change
from gdbp.checks._results import as_array, as_scalar, call, check_array, compare, unpack
from gdbp.checks.gradients import (_NORMALISE_CHANGES, _ONEHOT_COLUMNS, _ONEHOT_NONE, _ONEHOT_SIGN, _SCORES_IN_PLACE,
                                   _SHIFT_GLOBAL, _SHIFT_KEEPDIMS, _SHIFT_NONE, _SOFTMAX_BASE, _softmax_cases,
                                   diagnosis_of, softmax_alternatives, softmax_family, softmax_relation)

__all__ = ["MISTAKES", "check_affine_backward", "check_relu_backward", "check_tanh_backward", "check_softmax_loss"]

# =========================================================================================================
# The catalogues: a family of ways to write each backward pass (the reference is the base setting); each
# change is one classic mistake or published variant, marked where the family computes it.
# =========================================================================================================


def _affine_family(settings):
    def affine_backward(dout, cache):
        x, w, b = cache
        N = x.shape[0]
        x2d = x.reshape(N, -1)
        dx = dout @ w if settings["dx"] == "w" else dout @ w.T  # MISTAKE (w): dout @ w, not dout @ w.T
        if settings["dx"] != "not reshaped":
            dx = dx.reshape(x.shape)  # MISTAKE (not reshaped): dx keeps shape (N, D), not x's shape
        if settings["dw"] == "transposed":
            dw = dout.T @ x2d  # MISTAKE: dout.T @ x is dw.T
        elif settings["dw"] == "not flattened":
            dw = np.tensordot(x.T, dout, axes=1) if x.ndim > 2 else x.T @ dout  # MISTAKE: x.T @ dout on the raw x
        else:
            dw = x2d.T @ dout
        if settings["db"] == "axis 1":
            db = dout.sum(axis=1)  # MISTAKE: db summed over axis 1 (the outputs)
        elif settings["db"] == "mean":
            db = dout.mean(axis=0)  # MISTAKE: mean, not sum
        elif settings["db"] == "keepdims":
            db = dout.sum(axis=0, keepdims=True)  # MISTAKE: shape (1, M), not (M,)
        else:
            db = dout.sum(axis=0)
        if settings["convention"] == "coursera":
            dw, db = dw / N, db / N  # VARIANT: deeplearning.ai's linear_backward divides by m here
        return dx, dw, db

    return affine_backward


def _ignoring_dout(fn, settings):
    def ignoring(dout, cache):
        return fn(np.ones_like(dout), cache)  # MISTAKE: the local derivatives alone, as if dout were 1
    return ignoring


def _relu_family(settings):
    def relu_backward(dout, cache):
        x = cache
        mask = settings["mask"]
        if mask == "x >= 0":
            local = np.where(x > 0, 1.0, np.where(x == 0, settings["relu_at_zero"], 0.0))  # MISTAKE: 1 at x == 0
        elif mask == "dout > 0":
            local = (dout > 0).astype(float)  # MISTAKE: the mask taken from dout, not from x
        elif mask == "none":
            local = np.ones_like(x)  # MISTAKE: dout passed through, the mask is missing
        elif mask == "relu(x)":
            local = np.maximum(x, 0)  # MISTAKE: multiplied by relu(x), not by its derivative
        else:
            local = (x > 0).astype(float)
        if settings["slope"]:
            local = np.where(x > 0, local, settings["slope"])  # VARIANT: leaky ReLU's slope for x <= 0
        if settings["dout"] == "alone":
            return local  # MISTAKE: the local derivative alone, not multiplied by dout
        if settings["in place"] == "dout":
            dout[local == 0] = 0  # MISTAKE: writes into the caller's dout
            return dout
        return dout * local

    return relu_backward


def _tanh_family(settings):
    def tanh_backward(dout, cache):
        out = cache
        local = {
            "1 - out**2": lambda: 1 - out**2,
            "tanh twice": lambda: 1 - np.tanh(out) ** 2,  # MISTAKE: the cache is already tanh(x)
            "(1 - out)**2": lambda: (1 - out) ** 2,  # MISTAKE: (1 - out)**2 instead of 1 - out**2
            "out * (1 - out)": lambda: out * (1 - out),  # MISTAKE: the sigmoid's out * (1 - out)
            "1 - out": lambda: 1 - out,  # MISTAKE: the square is missing
            "1 - sigmoid**2": lambda: 1 - (1 / (1 + np.exp(-out))) ** 2,  # MISTAKE: a sigmoid where tanh belongs
        }[settings["local"]]()
        if settings["dout"] == "alone":
            return local  # MISTAKE: the local derivative alone, not multiplied by dout
        if settings["dout"] == "precedence":
            return 1 - out**2 * dout  # MISTAKE: no parentheses: (1 - out**2) * dout
        if settings["in place"] == "dout":
            dout *= local  # MISTAKE: writes into the caller's dout
            return dout
        return dout * local

    return tanh_backward


_TRANSPOSE_HINT = ("with out = x2d @ w + b: dx = dout @ w.T (reshaped to x.shape), dw = x2d.T @ dout, "
                   "db = dout.sum(axis=0).")
_LOG_SOFTMAX_HINT = ("compute the loss from log-probabilities: shifted = scores - max; log_probs = shifted - "
                     "np.log(np.exp(shifted).sum(axis=1, keepdims=True)); loss = -log_probs[range(N), y].mean().")
_IGNORES_DOUT = Change("ignores_dout", True, "your function ignores dout (it returns the local derivatives alone, "
                                             "as if dout were 1 everywhere)",
                       "chain rule: multiply by the upstream gradient dout.", wrap=_ignoring_dout)

AFFINE = Catalogue("affine_backward", _affine_family,
                   base={"dx": "w.T", "dw": "x2d.T @ dout", "db": "sum", "convention": "cs231n"}, changes=(
    Change("db", "axis 1", "db summed over the wrong axis (axis=1, over the outputs)",
           "b is added to every example: sum dout over the batch, db = dout.sum(axis=0)."),
    Change("db", "mean", "db as the mean over the batch instead of the sum",
           "each example contributes dout[i] to db: db = dout.sum(axis=0), not the mean."),
    Change("dw", "transposed", "dw transposed: dout.T @ x instead of x.T @ dout", _TRANSPOSE_HINT),
    Change("dx", "w", "dx = dout @ w without the transpose", _TRANSPOSE_HINT),
    Change("dx", "not reshaped", "dx not reshaped back to x's shape",
           "dx must have the shape of x: (dout @ w.T).reshape(x.shape)."),
    Change("dw", "not flattened", "x not flattened to (N, D) before dw = x.T @ dout",
           "flatten each example first: x2d = x.reshape(x.shape[0], -1); dw = x2d.T @ dout."),
    Change("db", "keepdims", "db kept as shape (1, M) (np.sum(dout, axis=0, keepdims=True))",
           "b has shape (M,): db = dout.sum(axis=0), without keepdims."),
    Change("convention", "coursera", "the 1/m of deeplearning.ai's linear_backward: dw and db divided by N in the "
                                     "layer",
           "here the loss's gradient dout already carries the 1/N: dw = x2d.T @ dout and db = dout.sum(axis=0), "
           "with no division.", kind="variant",
           note="That course leaves the 1/m out of dAL and puts it in every layer; here dout already has it, so "
                "dividing again makes dw and db N times too small: the difference matters."),
    _IGNORES_DOUT,
))

RELU = Catalogue("relu_backward", _relu_family,
                 base={"mask": "x > 0", "dout": "times", "slope": 0.0, "in place": None}, changes=(
    Change("mask", "x >= 0", "derivative {relu_at_zero:g} at x == 0 (the convention here is 0)",
           "the convention here (and PyTorch's) is derivative 0 at x == 0: dx = dout * (x > 0).",
           constants={"relu_at_zero": (1.0, 0.5)}),
    Change("dout", "alone", "the local derivative alone, without multiplying by dout (your function ignores dout)",
           "chain rule: dx = dout * (x > 0)."),
    Change("mask", "relu(x)", "dout times relu(x) instead of relu'(x)",
           "multiply by the derivative (x > 0), which is 0 or 1, not by max(x, 0)."),
    Change("mask", "none", "dout passed through unchanged (no mask: your function ignores the cache)",
           "zero the gradient where x <= 0: dx = dout * (x > 0)."),
    Change("mask", "dout > 0", "the mask taken from dout instead of from x",
           "the mask comes from the forward input x (the cache): dx = dout * (x > 0)."),
    Change("in place", "dout", "dout changed in place (dout[x <= 0] = 0)",
           "work on a copy: dx = dout.copy(); dx[x <= 0] = 0 (or dx = dout * (x > 0)).", pairs=False),
    Change("slope", 0.01, "a slope of {slope:g} for x <= 0 (leaky ReLU's derivative)",
           "ReLU's derivative is 0 for x < 0: dx = dout * (x > 0).", kind="variant",
           note="Leaky ReLU (Maas et al., 2013) lets a small slope through for x < 0; the exercise's ReLU does not, "
                "so the difference matters.", constants={"slope": (0.01, 0.1, 0.2, 0.3, 0.02, 0.05)}),
))

TANH = Catalogue("tanh_backward", _tanh_family, base={"local": "1 - out**2", "dout": "times", "in place": None},
                 changes=(
    Change("local", "tanh twice", "tanh applied to the cache again: 1 - tanh(out)**2, but the cache already is "
                                  "out = tanh(x) (the derivative taken from the input's formula)",
           "the cache holds out = tanh(x): dx = dout * (1 - out**2), no second tanh."),
    Change("local", "(1 - out)**2", "(1 - out)**2 instead of 1 - out**2",
           "square out first, then subtract: 1 - out**2."),
    Change("dout", "alone", "the local derivative alone, without multiplying by dout (your function ignores dout)",
           "chain rule: dx = dout * (1 - out**2)."),
    Change("local", "out * (1 - out)", "the sigmoid's out * (1 - out)",
           "tanh' = 1 - tanh**2: dx = dout * (1 - out**2)."),
    Change("local", "1 - out", "1 - out (the square is missing)", "dx = dout * (1 - out**2)."),
    Change("local", "1 - sigmoid**2", "1 - sigmoid(cache)**2: a sigmoid where tanh belongs, applied to the cache "
                                      "(which already is tanh(x))",
           "the cache holds out = tanh(x); the derivative is 1 - out**2: dx = dout * (1 - out**2)."),
    Change("dout", "precedence", "1 - out**2 * dout: the parentheses around (1 - out**2) are missing",
           "multiply the whole local derivative: dx = dout * (1 - out**2)."),
    Change("in place", "dout", "dout changed in place (dout *= 1 - out**2)",
           "return a new array: dx = dout * (1 - out**2).", pairs=False),
))

_SOFTMAX_LOSS_EPS = (1e-14, 1e-15, 1e-12, 1e-10, 1e-8, 1e-7, 1e-6, 1e-16, 1e-300)
SOFTMAX_LOSS = Catalogue("softmax_loss", lambda s: softmax_family(s, with_loss=True), base=_SOFTMAX_BASE, changes=(
    _SHIFT_NONE,
    Change("mean", "none", "sums over the batch: the 1/N of the mean is missing (loss and dscores)",
           "the loss is the mean over the N examples: divide the loss and dscores by N."),
    Change("mean", "loss only", "dscores not divided by N (the loss is a mean)",
           "the gradient of a mean carries the 1/N: dscores = (p - onehot(y)) / N."),
    _ONEHOT_COLUMNS,
    Change("loss", "log p", "the loss as -log of a probability that underflows to 0 (log(0) = inf)",
           _LOG_SOFTMAX_HINT),
    _NORMALISE_CHANGES[0],
    Change("loss", "log p + eps", "the loss as -log(p + {log_eps:g}): a small constant inside the log (CS231n "
                                  "solutions, many tutorials)", _LOG_SOFTMAX_HINT, kind="variant",
           note="It keeps log(0) away, but where p underflows the loss is capped at -log(eps) instead of the true "
                "value, so here the difference matters.", constants={"log_eps": _SOFTMAX_LOSS_EPS}),
    Change("loss", "clip", "the loss as -log(clip(p, {log_eps:g}, 1)): the probability floored at a small constant "
                           "(scikit-learn's log_loss)", _LOG_SOFTMAX_HINT, kind="variant",
           note="Where p underflows the loss is capped at -log(eps) instead of the true value, so here the "
                "difference matters.", constants={"log_eps": (1e-15,) + _SOFTMAX_LOSS_EPS}),
    _SHIFT_GLOBAL, _SHIFT_KEEPDIMS, *_NORMALISE_CHANGES[1:], _ONEHOT_NONE, _ONEHOT_SIGN, _SCORES_IN_PLACE,
))

MISTAKES = {
    "affine_backward": AFFINE.mistakes(),
    "relu_backward": RELU.mistakes(),
    "tanh_backward": TANH.mistakes(),
    "softmax_loss": SOFTMAX_LOSS.mistakes(),
}


# =========================================================================================================
# The cases (fixed seeds).
# =========================================================================================================


def _affine_cases():
    """``[(name, x, w, b, dout)]``."""
    rng = np.random.default_rng(20240606)
    cases = []
    for name, x_shape, M in [("square, N=D=M=3", (3, 3), 3), ("2-D x, N=4, D=5, M=2", (4, 5), 2),
                             ("4-D x of shape (2, 3, 2, 2), M=4", (2, 3, 2, 2), 4), ("one example, N=1", (1, 6), 3)]:
        D = int(np.prod(x_shape[1:]))
        cases.append((name, rng.normal(size=x_shape), rng.normal(size=(D, M)), rng.normal(size=M),
                      rng.normal(size=(x_shape[0], M))))
    return cases


def _relu_cases():
    """``[(name, x, dout)]``: exact zeros, a 2-D x with zeros, all negative."""
    rng = np.random.default_rng(20240607)
    x2 = rng.normal(size=(3, 4))
    x2[0, 1] = x2[2, 3] = 0.0
    return [
        ("x with exact zeros", np.array([-1.5, 0.0, 2.0, 0.0, -0.0, 0.3]), rng.normal(size=6)),
        ("2-D x of shape (3, 4)", x2, rng.normal(size=(3, 4))),
        ("all x negative", -np.abs(rng.normal(size=5)) - 0.1, rng.normal(size=5)),
    ]


def _tanh_cases():
    """``[(name, x, dout)]``: moderate x, 2-D x, large |x| (out near +-1)."""
    rng = np.random.default_rng(20240608)
    return [
        ("1-D x", rng.normal(size=6) * 1.5, rng.normal(size=6)),
        ("2-D x of shape (2, 5)", rng.normal(size=(2, 5)), rng.normal(size=(2, 5))),
        ("|x| up to 3 (out near +-1)", np.array([-3.0, -2.0, 0.0, 0.5, 2.5, 3.0]), rng.normal(size=6)),
    ]


# =========================================================================================================
# The checkers.
# =========================================================================================================


def _linear_in_dout(dout, cache):
    """A backward pass is linear in dout: doubling dout doubles every output."""
    return ((2 * dout, cache), 2.0, "doubling dout does not double what your function returns: a backward pass is "
                                    "linear in dout (is something added that does not come from dout?)",
            "linear in dout")


_CACHE_HINT = "the cache is the tuple (x, w, b) that affine_forward returned: unpack it with x, w, b = cache."


@entry_point
def check_affine_backward(learner_fn, *, time_limit=None):
    """Check ``affine_backward(dout, cache) -> (dx, dw, db)`` with cache ``(x, w, b)`` and x of shape
    (N, d_1, ..., d_k) against ``gdbp.layers.affine_backward``: dx of x's shape, dw (D, M), db (M,).

    Raises AssertionError (``CheckFailed``) naming the case, what was received and expected, and the classic
    mistake (or variant, or two at once) it matches; prints one line on success.
    """
    __tracebackhide__ = True
    names = ("dx", "dw", "db")
    cases = _affine_cases()
    all_args = [(case, (dout, (x, w, b))) for case, x, w, b, dout in cases]

    def reference(dout, cache):
        x, w, b = cache
        return layers.affine_backward(dout, layers.affine_forward(x, w, b)[1])

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("dout", "cache")
        for case, x, w, b, dout in cases:
            expected = reference(dout, (x, w, b))
            cache = (x, w, b)
            diagnosis = diagnosis_of(c, AFFINE, case, (dout, cache), all_args, ("dout", "cache"), reference,
                                     alternatives={"dout": 2 * dout}, how={"dout": "dout doubled"},
                                     relation=_linear_in_dout(dout, cache))
            received = unpack(c, call(c, case, ("dout", "cache"), dout, cache, diagnosis=diagnosis, hint=_CACHE_HINT),
                              names, case)
            source = f"gdbp.layers.affine_backward (x of shape {x.shape}, w {w.shape})"
            sizes = {"N": x.shape[0]}
            values = [as_array(c, received[k], name, expected=expected[k], case=case, diagnosis=diagnosis,
                               sizes=sizes) for k, name in enumerate(names)]  # first every output's structure
            for value, name, expected_value in zip(values, names, expected):
                compare(c, value, expected_value, name, case=case, diagnosis=diagnosis, source=source)

    run("affine_backward", learner_fn, body, hint=_TRANSPOSE_HINT)


def _check_activation(exercise: str, learner_fn, time_limit, cases, forward, catalogue) -> None:
    __tracebackhide__ = True
    reference_fn = getattr(layers, exercise)
    relu = exercise == "relu_backward"
    prepared = []
    for case, x, dout in cases:
        out, reference_cache = forward(x)
        prepared.append((case, x if relu else out, dout, reference_fn(dout, reference_cache)))
    all_args = [(case, (dout, cache)) for case, cache, dout, _ in prepared]

    def reference(dout, cache):
        return dout * (cache > 0) if relu else dout * (1 - cache**2)

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("dout", "cache")
        for case, cache, dout, expected in prepared:
            alternatives = {"dout": 2 * dout + 0.5, "cache": cache * 0.5 - 0.25}
            how = {"dout": "2 * dout + 0.5", "cache": "cache * 0.5 - 0.25"}
            diagnosis = diagnosis_of(c, catalogue, case, (dout, cache), all_args, ("dout", "cache"), reference,
                                     alternatives, how, relation=_linear_in_dout(dout, cache))
            received = call(c, case, ("dout", "cache"), dout, cache, diagnosis=diagnosis, expected=expected)
            check_array(c, received, "dx", expected=expected, case=case, source=f"gdbp.layers.{exercise}",
                        diagnosis=diagnosis)

    hint = ("dx = dout * (x > 0)" if relu else "dx = dout * (1 - out**2)")
    run(exercise, learner_fn, body, hint=hint + ", a new array.")


@entry_point
def check_relu_backward(learner_fn, *, time_limit=None):
    """Check ``relu_backward(dout, cache) -> dx`` with cache ``x`` (derivative 0 at x == 0) against
    ``gdbp.layers.relu_backward``. See ``check_affine_backward`` for what it raises and prints."""
    __tracebackhide__ = True
    _check_activation("relu_backward", learner_fn, time_limit, _relu_cases(), layers.relu_forward, RELU)


@entry_point
def check_tanh_backward(learner_fn, *, time_limit=None):
    """Check ``tanh_backward(dout, cache) -> dx`` with cache ``out = tanh(x)`` against
    ``gdbp.layers.tanh_backward``. See ``check_affine_backward`` for what it raises and prints."""
    __tracebackhide__ = True
    _check_activation("tanh_backward", learner_fn, time_limit, _tanh_cases(), layers.tanh_forward, TANH)


@entry_point
def check_softmax_loss(learner_fn, *, time_limit=None):
    """Check ``softmax_loss(scores, y) -> (loss, dscores)`` (mean cross-entropy, stable for logits ~1e3) against
    ``gdbp.layers.softmax_loss``: loss a float (a numpy float or a 0-d array is accepted), dscores (N, C).
    See ``check_affine_backward`` for what it raises and prints."""
    __tracebackhide__ = True
    names = ("loss", "dscores")
    cases = _softmax_cases()
    all_args = [(case, (scores, y)) for case, scores, y in cases]

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("scores", "y")
        for case, scores, y in cases:
            loss, dscores = layers.softmax_loss(scores, y)
            alternatives, how = softmax_alternatives(scores, y)
            diagnosis = diagnosis_of(c, SOFTMAX_LOSS, case, (scores, y), all_args, ("scores", "y"),
                                     layers.softmax_loss, alternatives, how, relation=softmax_relation(scores, y))
            received = unpack(c, call(c, case, ("scores", "y"), scores, y, diagnosis=diagnosis), names, case)
            source = "gdbp.layers.softmax_loss(scores, y)"
            sizes = {"N": len(y), "C": scores.shape[1]}
            received_loss = as_scalar(c, received[0], "loss", case=case, diagnosis=diagnosis, expected=loss,
                                      sizes=sizes)
            received_dscores = as_array(c, received[1], "dscores", expected=dscores, case=case, diagnosis=diagnosis,
                                        sizes=sizes)
            compare(c, received_loss, float(loss), "loss", case=case, source=source, diagnosis=diagnosis)
            compare(c, received_dscores, dscores, "dscores", case=case, source=source, diagnosis=diagnosis)

    run("softmax_loss", learner_fn, body,
        hint="shift by the row maximum, loss = mean(logsumexp - score of the label), "
             "dscores = (softmax - onehot(y)) / N.")

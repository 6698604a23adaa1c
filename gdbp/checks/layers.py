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
Wrong shapes and NaNs that a catalogued mistake produces are named before the generic message.

Tolerance: ``_core.RTOL`` (1e-9 relative, 1e-12 absolute): the same formulas up to operation order on O(1)
values; every catalogued mistake differs by far more in at least one case (the tests check both).
"""

from __future__ import annotations

import numpy as np

from gdbp import layers
from gdbp.checks._core import entry_point
from gdbp.checks._core import Checker, Mistake, run
from gdbp.checks._results import (Inputs, as_array, as_scalar, check_array, compare, fail_if_changed, guarded,
                                 thunks, unpack)
from gdbp.checks.gradients import _softmax_cases

__all__ = ["MISTAKES", "check_affine_backward", "check_relu_backward", "check_tanh_backward", "check_softmax_loss"]

# =========================================================================================================
# The catalogue of classic mistakes (complete wrong implementations, "# MISTAKE" marks the change).
# =========================================================================================================


def _affine_db_wrong_axis(dout, cache):
    x, w, b = cache
    x2d = x.reshape(x.shape[0], -1)
    return (dout @ w.T).reshape(x.shape), x2d.T @ dout, dout.sum(axis=1)  # MISTAKE: db summed over axis 1


def _affine_db_mean(dout, cache):
    x, w, b = cache
    x2d = x.reshape(x.shape[0], -1)
    return (dout @ w.T).reshape(x.shape), x2d.T @ dout, dout.mean(axis=0)  # MISTAKE: mean, not sum


def _affine_dw_transposed(dout, cache):
    x, w, b = cache
    x2d = x.reshape(x.shape[0], -1)
    return (dout @ w.T).reshape(x.shape), dout.T @ x2d, dout.sum(axis=0)  # MISTAKE: dout.T @ x is dw.T


def _affine_dx_no_transpose(dout, cache):
    x, w, b = cache
    x2d = x.reshape(x.shape[0], -1)
    return (dout @ w).reshape(x.shape), x2d.T @ dout, dout.sum(axis=0)  # MISTAKE: w, not w.T


def _affine_dx_not_reshaped(dout, cache):
    x, w, b = cache
    x2d = x.reshape(x.shape[0], -1)
    return dout @ w.T, x2d.T @ dout, dout.sum(axis=0)  # MISTAKE: dx keeps shape (N, D), not x's shape


def _affine_x_not_flattened(dout, cache):
    x, w, b = cache
    dw = np.tensordot(x.T, dout, axes=1) if x.ndim > 2 else x.T @ dout  # MISTAKE: x.T @ dout on the raw x
    return (dout @ w.T).reshape(x.shape), dw, dout.sum(axis=0)


def _relu_kink_one(dout, cache):
    return dout * (cache >= 0)  # MISTAKE: derivative 1 at x == 0 (the convention here is 0)


def _relu_no_dout(dout, cache):
    return (cache > 0).astype(float)  # MISTAKE: the local derivative alone, not multiplied by dout


def _relu_times_output(dout, cache):
    return dout * np.maximum(cache, 0)  # MISTAKE: multiplied by relu(x), not by its derivative


def _relu_identity(dout, cache):
    return dout.copy()  # MISTAKE: dout passed through, the mask is missing


def _relu_mask_of_dout(dout, cache):
    return dout * (dout > 0)  # MISTAKE: the mask taken from dout, not from x


def _relu_in_place(dout, cache):
    dout[cache <= 0] = 0  # MISTAKE: writes into the caller's dout
    return dout


def _tanh_of_cache(dout, cache):
    return dout * (1 - np.tanh(cache) ** 2)  # MISTAKE: the cache is already tanh(x): tanh applied twice


def _tanh_square_of_difference(dout, cache):
    return dout * (1 - cache) ** 2  # MISTAKE: (1 - out)**2 instead of 1 - out**2


def _tanh_no_dout(dout, cache):
    return 1 - cache**2  # MISTAKE: the local derivative alone, not multiplied by dout


def _tanh_sigmoid_form(dout, cache):
    return dout * cache * (1 - cache)  # MISTAKE: the sigmoid's out * (1 - out)


def _tanh_from_x_formula(dout, cache):
    return dout * (1 - cache)  # MISTAKE: 1 - out (the square is missing)


def _softmax_loss_no_shift(scores, y):
    e = np.exp(scores)  # MISTAKE: no max-subtraction: exp(1000) = inf, inf / inf = NaN
    p = e / e.sum(axis=1, keepdims=True)
    N = len(y)
    loss = -np.mean(np.log(p[np.arange(N), y]))
    dscores = p.copy()
    dscores[np.arange(N), y] -= 1
    return loss, dscores / N


def _softmax_loss_sum(scores, y):
    loss, dscores = layers.softmax_loss(scores, y)
    return loss * len(y), dscores * len(y)  # MISTAKE: sums over the batch: the 1/N is missing


def _softmax_loss_grad_no_mean(scores, y):
    loss, dscores = layers.softmax_loss(scores, y)
    return loss, dscores * len(y)  # MISTAKE: the loss is a mean but dscores is not divided by N


def _softmax_loss_column_index(scores, y):
    N = len(y)
    p = layers.softmax(scores)
    loss = -np.mean(np.log(p[np.arange(N), y]))
    dscores = p.copy()
    dscores[:, y] -= 1  # MISTAKE: p[:, y] subtracts 1 in the label columns of every row
    return loss, dscores / N


def _softmax_loss_log_of_probability(scores, y):
    N = len(y)
    p = layers.softmax(scores)
    loss = -np.mean(np.log(p[np.arange(N), y]))  # MISTAKE: log of a probability that can underflow to 0
    dscores = p.copy()
    dscores[np.arange(N), y] -= 1
    return loss, dscores / N


def _softmax_loss_wrong_axis(scores, y):
    N = len(y)
    e = np.exp(scores - scores.max(axis=0, keepdims=True))
    p = e / e.sum(axis=0, keepdims=True)  # MISTAKE: normalised over the batch (axis 0), not the classes
    loss = -np.mean(np.log(p[np.arange(N), y]))
    dscores = p.copy()
    dscores[np.arange(N), y] -= 1
    return loss, dscores / N


_TRANSPOSE_HINT = ("with out = x2d @ w + b: dx = dout @ w.T (reshaped to x.shape), dw = x2d.T @ dout, "
                   "db = dout.sum(axis=0).")
_LOG_SOFTMAX_HINT = ("compute the loss from log-probabilities: shifted = scores - max; log_probs = shifted - "
                     "np.log(np.exp(shifted).sum(axis=1, keepdims=True)); loss = -log_probs[range(N), y].mean().")

MISTAKES: dict[str, list[Mistake]] = {
    "affine_backward": [
        Mistake("db summed over the wrong axis (axis=1, over the outputs)", _affine_db_wrong_axis,
                "b is added to every example: sum dout over the batch, db = dout.sum(axis=0)."),
        Mistake("db as the mean over the batch instead of the sum", _affine_db_mean,
                "each example contributes dout[i] to db: db = dout.sum(axis=0), not the mean."),
        Mistake("dw transposed: dout.T @ x instead of x.T @ dout", _affine_dw_transposed, _TRANSPOSE_HINT),
        Mistake("dx = dout @ w without the transpose", _affine_dx_no_transpose, _TRANSPOSE_HINT),
        Mistake("dx not reshaped back to x's shape", _affine_dx_not_reshaped,
                "dx must have the shape of x: (dout @ w.T).reshape(x.shape)."),
        Mistake("x not flattened to (N, D) before dw = x.T @ dout", _affine_x_not_flattened,
                "flatten each example first: x2d = x.reshape(x.shape[0], -1); dw = x2d.T @ dout."),
    ],
    "relu_backward": [
        Mistake("derivative 1 at x == 0 (mask x >= 0)", _relu_kink_one,
                "the convention here (and PyTorch's) is derivative 0 at x == 0: dx = dout * (x > 0)."),
        Mistake("the local derivative alone, without multiplying by dout", _relu_no_dout,
                "chain rule: dx = dout * (x > 0)."),
        Mistake("dout times relu(x) instead of relu'(x)", _relu_times_output,
                "multiply by the derivative (x > 0), which is 0 or 1, not by max(x, 0)."),
        Mistake("dout passed through unchanged (no mask)", _relu_identity,
                "zero the gradient where x <= 0: dx = dout * (x > 0)."),
        Mistake("the mask taken from dout instead of from x", _relu_mask_of_dout,
                "the mask comes from the forward input x (the cache): dx = dout * (x > 0)."),
        Mistake("dout changed in place (dout[x <= 0] = 0)", _relu_in_place,
                "work on a copy: dx = dout.copy(); dx[x <= 0] = 0 (or dx = dout * (x > 0))."),
    ],
    "tanh_backward": [
        Mistake("tanh applied to the cache again: 1 - tanh(out)**2, but the cache already is out = tanh(x)",
                _tanh_of_cache, "the cache holds out = tanh(x): dx = dout * (1 - out**2), no second tanh."),
        Mistake("(1 - out)**2 instead of 1 - out**2", _tanh_square_of_difference,
                "square out first, then subtract: 1 - out**2."),
        Mistake("the local derivative alone, without multiplying by dout", _tanh_no_dout,
                "chain rule: dx = dout * (1 - out**2)."),
        Mistake("the sigmoid's out * (1 - out)", _tanh_sigmoid_form,
                "tanh' = 1 - tanh**2: dx = dout * (1 - out**2)."),
        Mistake("1 - out (the square is missing)", _tanh_from_x_formula, "dx = dout * (1 - out**2)."),
    ],
    "softmax_loss": [
        Mistake("softmax without subtracting the row maximum (exp(1000) overflows: NaN)", _softmax_loss_no_shift,
                "subtract each row's maximum first: shifted = scores - scores.max(axis=1, keepdims=True)."),
        Mistake("sums over the batch: the 1/N of the mean is missing (loss and dscores)", _softmax_loss_sum,
                "the loss is the mean over the N examples: divide the loss and dscores by N."),
        Mistake("dscores not divided by N (the loss is a mean)", _softmax_loss_grad_no_mean,
                "the gradient of a mean carries the 1/N: dscores = (p - onehot(y)) / N."),
        Mistake("p[:, y] -= 1 subtracts 1 in the label columns of every row", _softmax_loss_column_index,
                "index one entry per row: p[np.arange(N), y] -= 1."),
        Mistake("the loss as -log of a probability that underflows to 0 (log(0) = inf)",
                _softmax_loss_log_of_probability, _LOG_SOFTMAX_HINT),
        Mistake("softmax normalised over the batch (axis=0) instead of over the classes", _softmax_loss_wrong_axis,
                "each row is one example: max and sum over axis=1 with keepdims=True."),
    ],
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


def _call(c: Checker, case: str, args: dict, in_place: Mistake | None = None):
    """Call the learner's function; a changed input fails (dout changed in place is named when catalogued)."""
    __tracebackhide__ = True
    inputs = Inputs(args)
    out = guarded(c, case, lambda: c.fn(*args.values()))
    changed = inputs.changed()
    fail_if_changed(c, inputs, case, mistake=in_place if changed == "dout" else None)
    return out


@entry_point
def check_affine_backward(learner_fn, *, time_limit=None):
    """Check ``affine_backward(dout, cache) -> (dx, dw, db)`` with cache ``(x, w, b)`` and x of shape
    (N, d_1, ..., d_k) against ``gdbp.layers.affine_backward``: dx of x's shape, dw (D, M), db (M,).

    Raises AssertionError (``CheckFailed``) naming the case, what was received and expected, and the classic
    mistake it matches; prints one line on success.
    """
    __tracebackhide__ = True
    names = ("dx", "dw", "db")

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("dout", "cache")
        for case, x, w, b, dout in _affine_cases():
            expected = layers.affine_backward(dout, layers.affine_forward(x, w, b)[1])
            cache = (x, w, b)
            received = unpack(c, _call(c, case, {"dout": dout, "cache": cache}), names, case)
            source = f"gdbp.layers.affine_backward (x of shape {x.shape}, w {w.shape})"
            checks = []  # first the structure, type and shape of every output, then the values
            for k, name in enumerate(names):
                others = [(lambda out, j=j: out[j], received[j]) for j in range(3) if j != k]
                mistaken = thunks(MISTAKES["affine_backward"], (dout, cache), lambda out, k=k: out[k],
                                  consistent=others)
                checks.append((as_array(c, received[k], name, expected=expected[k], case=case, mistakes=mistaken),
                               name, expected[k], mistaken))
            for value, name, expected_value, mistaken in checks:
                compare(c, value, expected_value, name, case=case, mistakes=mistaken, source=source)

    run("affine_backward", learner_fn, body, hint=_TRANSPOSE_HINT)


def _check_activation(exercise: str, learner_fn, time_limit, cases, forward, in_place=None) -> None:
    __tracebackhide__ = True
    reference = getattr(layers, exercise)

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("dout", "cache")
        for case, x, dout in cases:
            out, reference_cache = forward(x)
            cache = x if exercise == "relu_backward" else out
            expected = reference(dout, reference_cache)
            received = _call(c, case, {"dout": dout, "cache": cache}, in_place=in_place)
            check_array(c, received, "dx", expected=expected, case=case, source=f"gdbp.layers.{exercise}",
                        mistakes=thunks(MISTAKES[exercise], (dout, cache)))

    hint = ("dx = dout * (x > 0)" if exercise == "relu_backward" else "dx = dout * (1 - out**2)")
    run(exercise, learner_fn, body, hint=hint + ", a new array.")


@entry_point
def check_relu_backward(learner_fn, *, time_limit=None):
    """Check ``relu_backward(dout, cache) -> dx`` with cache ``x`` (derivative 0 at x == 0) against
    ``gdbp.layers.relu_backward``. See ``check_affine_backward`` for what it raises and prints."""
    __tracebackhide__ = True
    in_place = MISTAKES["relu_backward"][5]
    _check_activation("relu_backward", learner_fn, time_limit, _relu_cases(), layers.relu_forward, in_place)


@entry_point
def check_tanh_backward(learner_fn, *, time_limit=None):
    """Check ``tanh_backward(dout, cache) -> dx`` with cache ``out = tanh(x)`` against
    ``gdbp.layers.tanh_backward``. See ``check_affine_backward`` for what it raises and prints."""
    __tracebackhide__ = True
    _check_activation("tanh_backward", learner_fn, time_limit, _tanh_cases(), layers.tanh_forward)


@entry_point
def check_softmax_loss(learner_fn, *, time_limit=None):
    """Check ``softmax_loss(scores, y) -> (loss, dscores)`` (mean cross-entropy, stable for logits ~1e3) against
    ``gdbp.layers.softmax_loss``: loss a float (a numpy float or a 0-d array is accepted), dscores (N, C).
    See ``check_affine_backward`` for what it raises and prints."""
    __tracebackhide__ = True
    names = ("loss", "dscores")

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("scores", "y")
        for case, scores, y in _softmax_cases():
            loss, dscores = layers.softmax_loss(scores, y)
            received = unpack(c, _call(c, case, {"scores": scores, "y": y}), names, case)
            mistakes = MISTAKES["softmax_loss"]
            source = "gdbp.layers.softmax_loss(scores, y)"
            loss_mistakes = thunks(mistakes, (scores, y), lambda out: out[0],
                                   consistent=[(lambda out: out[1], received[1])])
            dscores_mistakes = thunks(mistakes, (scores, y), lambda out: out[1],
                                      consistent=[(lambda out: out[0], received[0])])
            received_loss = as_scalar(c, received[0], "loss", case=case, mistakes=loss_mistakes, expected=loss)
            received_dscores = as_array(c, received[1], "dscores", expected=dscores, case=case,
                                        mistakes=dscores_mistakes)
            compare(c, received_loss, float(loss), "loss", case=case, source=source, mistakes=loss_mistakes)
            compare(c, received_dscores, dscores, "dscores", case=case, source=source, mistakes=dscores_mistakes)

    run("softmax_loss", learner_fn, body,
        hint="shift by the row maximum, loss = mean(logsumexp - score of the label), "
             "dscores = (softmax - onehot(y)) / N.")

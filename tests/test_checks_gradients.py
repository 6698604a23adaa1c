"""Tests of the gradient-formula checkers (gdbp.checks.gradients) and of the reference gdbp.linear.

Every checker passes the reference and two independently written correct variants, prints exactly one
line and nothing on stderr; every catalogued mistake is rejected AND named; bad returns get clear messages.
"""
import warnings

import numpy as np
import pytest

from gdbp import layers, linear
from gdbp.checks import (check_linear_loss_and_grad, check_linear_mse_grad, check_sigmoid_grad,
                         check_softmax_ce_grad)
from gdbp.checks.gradients import MISTAKES


def fails(check, fn, *needles, **kwargs):
    """The checker rejects ``fn`` with a message containing every needle; returns the message."""
    with pytest.raises(AssertionError) as info:
        check(fn, **kwargs)
    text = str(info.value)
    for needle in needles:
        assert needle in text, f"{needle!r} not in:\n{text}"
    return text


# --------------------------------------------------------------------------- the reference gdbp.linear


def test_linear_loss_and_grad_matches_central_differences():
    from gdbp.gradcheck import numerical_gradient, rel_error

    rng = np.random.default_rng(0)
    X, y, w, b = rng.normal(size=(7, 3)), rng.normal(size=7), rng.normal(size=3), 0.4
    loss, dw, db = linear.linear_loss_and_grad(X, y, w, b)
    assert loss == pytest.approx(np.mean((X @ w + b - y) ** 2), rel=1e-14)
    # central differences, h = 1e-5: truncation ~1e-10 on O(1) values, so 1e-7 is a safe bound (CS231n's)
    assert rel_error(dw, numerical_gradient(lambda v: linear.linear_loss_and_grad(X, y, v, b)[0], w)) < 1e-7
    numeric_db = numerical_gradient(lambda v: linear.linear_loss_and_grad(X, y, w, float(v))[0], np.array(b))
    assert rel_error(np.array(db), numeric_db) < 1e-7


def test_linear_loss_and_grad_types_and_no_mutation():
    X, y, w = np.ones((2, 2)), np.zeros(2), np.ones(2)
    copies = [a.copy() for a in (X, y, w)]
    loss, dw, db = linear.linear_loss_and_grad(X, y, w, 1.0)
    assert type(loss) is float and type(db) is float and dw.dtype == np.float64 and dw.shape == (2,)
    assert all(np.array_equal(a, c) for a, c in zip((X, y, w), copies))
    assert linear.linear_mse_grad(X, y, w, 1.0)[1] == db


@pytest.mark.parametrize("args, name", [((np.ones(3), np.ones(3), np.ones(1), 0.0), "X"),
                                        ((np.ones((3, 2)), np.ones(2), np.ones(2), 0.0), "y"),
                                        ((np.ones((3, 2)), np.ones(3), np.ones(3), 0.0), "w"),
                                        ((np.ones((3, 2)), np.ones(3), np.ones(2), np.ones(2)), "b")])
def test_linear_loss_and_grad_bad_shapes_name_the_argument(args, name):
    with pytest.raises(ValueError, match=f"^{name} must"):
        linear.linear_loss_and_grad(*args)


# --------------------------------------------------------------------------- correct answers pass


def _sigmoid_grad_stable(x):
    s = 0.5 * (1 + np.tanh(0.5 * x))  # sigma(x) = (1 + tanh(x/2)) / 2
    return s * (1 - s)


def _sigmoid_grad_exp(x):
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2  # symmetric: sigma'(x) = sigma'(-x)


def _linear_grad_loop(X, y, w, b):
    N, D = X.shape
    dw, db = np.zeros(D), 0.0
    for i in range(N):
        r = X[i] @ w + b - y[i]
        dw = dw + 2 * r * X[i] / N
        db = db + 2 * r / N
    return dw, db


def _linear_grad_mean(X, y, w, b):
    r = X @ w + b - y
    return 2 * np.mean(X * r[:, None], axis=0), np.float64(2 * np.mean(r))


def _linear_loss_einsum(X, y, w, b):
    r = np.einsum("nd,d->n", X, w) + b - y
    return np.array(r @ r / len(r)), np.einsum("nd,n->d", X, r) * (2 / len(r)), np.array(2 * r.mean())


def _softmax_grad_logsumexp(scores, y):
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    onehot = np.zeros_like(scores)
    onehot[np.arange(len(y)), y] = 1
    return (np.exp(log_p) - onehot) / len(y)


def _softmax_grad_loop(scores, y):
    dscores = np.empty_like(scores)
    for i, row in enumerate(scores):
        e = np.exp(row - row.max())
        dscores[i] = e / e.sum()
        dscores[i, y[i]] -= 1
    return dscores / len(y)


CORRECT = [
    (check_sigmoid_grad, lambda x: layers.sigmoid_forward(x)[0] * (1 - layers.sigmoid_forward(x)[0]),
     "sigmoid_grad: all 5 cases passed"),
    (check_sigmoid_grad, _sigmoid_grad_stable, "sigmoid_grad: all 5 cases passed"),
    (check_sigmoid_grad, _sigmoid_grad_exp, "sigmoid_grad: all 5 cases passed"),
    (check_linear_mse_grad, linear.linear_mse_grad, "linear_mse_grad: all 4 cases passed"),
    (check_linear_mse_grad, _linear_grad_loop, "linear_mse_grad: all 4 cases passed"),
    (check_linear_mse_grad, _linear_grad_mean, "linear_mse_grad: all 4 cases passed"),
    (check_linear_loss_and_grad, linear.linear_loss_and_grad, "linear_loss_and_grad: all 4 cases passed"),
    (check_linear_loss_and_grad, _linear_loss_einsum, "linear_loss_and_grad: all 4 cases passed"),
    (check_linear_loss_and_grad,
     lambda X, y, w, b: (np.mean((X @ w + b - y) ** 2), *_linear_grad_loop(X, y, w, b)),
     "linear_loss_and_grad: all 4 cases passed"),
    (check_softmax_ce_grad, lambda scores, y: layers.softmax_loss(scores, y)[1], "softmax_ce_grad: all 5 cases passed"),
    (check_softmax_ce_grad, _softmax_grad_logsumexp, "softmax_ce_grad: all 5 cases passed"),
    (check_softmax_ce_grad, _softmax_grad_loop, "softmax_ce_grad: all 5 cases passed"),
]


@pytest.mark.parametrize("check, fn, line", CORRECT)
def test_checkers_pass_correct_answers_with_one_line(check, fn, line, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would be a failure (nbgrader scores stderr output 0)
        check(fn)
    out, err = capsys.readouterr()
    assert out == line + "\n" and err == ""


# --------------------------------------------------------------------------- every mistake is named


def test_softmax_ce_grad_no_shift_is_named_although_its_output_is_nan():
    text = fails(check_softmax_ce_grad, MISTAKES["softmax_ce_grad"][0].fn, "logits near 1e3", "NaN",
                 "without subtracting the row maximum")
    assert "expected finite numbers" in text


def test_linear_mse_grad_square_case_shows_the_missing_transpose():
    fails(check_linear_mse_grad, MISTAKES["linear_mse_grad"][3].fn, "square X, N=D=4",
          "dw = X @ r without the transpose")


def test_linear_db_without_mean_is_not_confused_with_a_sum_everywhere():
    # dw is right and db lacks 1/N: only the mistake that explains both outputs may be named
    text = fails(check_linear_mse_grad, MISTAKES["linear_mse_grad"][4].fn, "db without the 1/N")
    assert "a sum instead of a mean" not in text


# --------------------------------------------------------------------------- robustness


def _loop_forever(*args):
    while True:
        pass


@pytest.mark.parametrize("fn, needles", [
    (lambda x: 1 / 0, ["raised ZeroDivisionError"]),
    (lambda x: None, ["is None", "forget a `return`"]),
    (lambda x: [0.25] * np.size(x), ["is a list", "numpy array"]),
    (lambda x: 0.25, ["is the scalar 0.25", "expected a numpy array of shape (7,)"]),
    (lambda x: np.zeros(np.shape(x), dtype=int), ["dtype int64", "float"]),
    (lambda x: np.zeros(np.shape(x), dtype=np.float32), ["dtype float32", "float64"]),
    (lambda x: np.full(np.shape(x), np.nan), ["NaN", "finite"]),
    (lambda: 0.0, ["signature", "missing: x"]),
    (None, ["received None, expected a function"]),
])
def test_sigmoid_grad_bad_answers_get_clear_messages(fn, needles, capsys):
    fails(check_sigmoid_grad, fn, "sigmoid_grad", *needles)
    assert capsys.readouterr().err == ""


def test_checker_time_limit_stops_an_infinite_loop():
    fails(check_sigmoid_grad, lambda x: _loop_forever(), "did not finish within 0.2 s", time_limit=0.2)


@pytest.mark.parametrize("fn, needles", [
    (lambda X, y, w, b: (np.zeros(X.shape[1]), np.zeros(1)), ["db is a numpy array of shape (1,)", "single float"]),
    (lambda X, y, w, b: np.zeros(X.shape[1]), ["expected a tuple (dw, db)"]),
    (lambda X, y, w, b: (np.zeros((X.shape[1], 1)), 0.0), ["dw has shape (4, 1), expected shape (4,)"]),
    (lambda X, y, w, b: ([0.0] * X.shape[1], 0.0), ["dw is a list"]),
    (lambda X, y, w, b: (np.zeros(X.shape[1]), "0"), ["db is a str"]),
])
def test_linear_mse_grad_bad_structures_get_clear_messages(fn, needles):
    fails(check_linear_mse_grad, fn, *needles)


def test_linear_mse_grad_detects_mutated_input():
    def mutating(X, y, w, b):
        X -= 1.0
        return linear.linear_mse_grad(X + 1.0, y, w, b)

    fails(check_linear_mse_grad, mutating, "changed its input X in place")


def test_monkeypatched_allclose_does_not_let_a_wrong_answer_pass(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    fails(check_sigmoid_grad, MISTAKES["sigmoid_grad"][0].fn, "numpy.allclose has been replaced")


# --------------------------------------------------------------------------- diagnosis and hints


def test_shape_hint_points_at_a_broadcast_column_not_at_a_missing_sum():
    def column_w(X, y, w, b):
        r = X @ w.reshape(-1, 1) + b - y  # (N, 1) - (N,) = (N, N)
        return 2 * X.T @ r / len(y), float(2 * np.mean(r))

    text = fails(check_linear_mse_grad, column_w, "dw has shape (4, 4), expected shape (4,)", "(N, 1) column")
    assert "np.sum" not in text


def test_scalar_shape_hint_does_not_say_reduce_to_one_number():
    def per_example_db(X, y, w, b):
        r = X @ w + b - y
        return 2 * X.T @ r / len(y), 2 * r / len(y)  # the sum over the examples is missing

    text = fails(check_linear_mse_grad, per_example_db, "db is a numpy array of shape (4,)",
                 "an axis of size N = 4 too many")
    assert "reduce to one number" not in text


def test_softmax_that_is_not_shift_invariant_is_said_so():
    def smoothed_denominator(scores, y):
        e = np.exp(scores)
        p = e / (e.sum(axis=1, keepdims=True) + 1.0)  # not the softmax: a shift of a row changes it
        p[np.arange(len(y)), y] -= 1
        return p / len(y)

    fails(check_softmax_ce_grad, smoothed_denominator, "No catalogued mistake", "adding one constant to every score")


def test_ignored_arguments_are_named():
    def no_bias(X, y, w, b):
        r = X @ w - y
        return 2 * X.T @ r / len(y), float(2 * np.mean(r))

    fails(check_linear_mse_grad, no_bias, "your function ignores b")
    fails(check_sigmoid_grad, lambda x: np.full(np.shape(x), 0.25), "your function ignores x")


def test_two_mistakes_and_variants_are_named():
    def no_mean_sign(scores, y):
        p = layers.softmax(scores)
        p[np.arange(len(y)), y] -= 1
        return -p

    fails(check_softmax_ce_grad, no_mean_sign, "two classic mistakes at once", "1/N of the mean", "a sign error")
    fails(check_sigmoid_grad, lambda x: x * (1 - x), "published variant", "written for the output s")

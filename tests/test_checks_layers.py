"""Tests of the layer checkers (gdbp.checks.layers): references and correct variants pass with one line,
every catalogued mistake is rejected and named, changed inputs and bad answers get clear messages."""
import warnings

import numpy as np
import pytest

from gdbp import layers
from gdbp.checks import check_affine_backward, check_relu_backward, check_softmax_loss, check_tanh_backward
from gdbp.checks.layers import MISTAKES


def fails(check, fn, *needles, **kwargs):
    with pytest.raises(AssertionError) as info:
        check(fn, **kwargs)
    text = str(info.value)
    for needle in needles:
        assert needle in text, f"{needle!r} not in:\n{text}"
    return text


def _affine_reference(dout, cache):
    x, w, b = cache
    return layers.affine_backward(dout, layers.affine_forward(x, w, b)[1])


def _affine_einsum(dout, cache):
    x, w, b = cache
    x2d = x.reshape(len(x), -1)
    return np.einsum("nm,dm->nd", dout, w).reshape(x.shape), np.einsum("nd,nm->dm", x2d, dout), dout.sum(0)


def _affine_loops(dout, cache):
    x, w, b = cache
    x2d = x.reshape(x.shape[0], np.prod(x.shape[1:], dtype=int))
    db = np.zeros(w.shape[1])
    for row in dout:
        db = db + row
    return np.dot(dout, w.T).reshape(*x.shape), np.dot(x2d.T, dout), db


def _relu_where(dout, cache):
    return np.where(cache > 0, dout, 0.0)


def _relu_copy(dout, cache):
    dx = dout.copy()
    dx[cache <= 0] = 0
    return dx


def _softmax_loss_log_softmax(scores, y):
    N = len(y)
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1
    return loss, dscores / N


def _softmax_loss_onehot(scores, y):
    z = scores - scores.max(axis=-1)[:, None]
    lse = np.log(np.exp(z).sum(axis=-1))
    onehot = np.eye(scores.shape[1])[y]
    loss = float(np.mean(lse - (z * onehot).sum(axis=1)))
    return loss, (np.exp(z - lse[:, None]) - onehot) / len(y)


CORRECT = [
    (check_affine_backward, _affine_reference, "affine_backward: all 4 cases passed"),
    (check_affine_backward, _affine_einsum, "affine_backward: all 4 cases passed"),
    (check_affine_backward, _affine_loops, "affine_backward: all 4 cases passed"),
    (check_relu_backward, lambda dout, cache: layers.relu_backward(dout, cache > 0),
     "relu_backward: all 3 cases passed"),
    (check_relu_backward, _relu_where, "relu_backward: all 3 cases passed"),
    (check_relu_backward, _relu_copy, "relu_backward: all 3 cases passed"),
    (check_tanh_backward, layers.tanh_backward, "tanh_backward: all 3 cases passed"),
    (check_tanh_backward, lambda dout, cache: dout - dout * cache * cache, "tanh_backward: all 3 cases passed"),
    (check_tanh_backward, lambda dout, cache: dout * (1 - cache) * (1 + cache), "tanh_backward: all 3 cases passed"),
    (check_softmax_loss, layers.softmax_loss, "softmax_loss: all 5 cases passed"),
    (check_softmax_loss, _softmax_loss_log_softmax, "softmax_loss: all 5 cases passed"),
    (check_softmax_loss, _softmax_loss_onehot, "softmax_loss: all 5 cases passed"),
]


@pytest.mark.parametrize("check, fn, line", CORRECT)
def test_checkers_pass_correct_answers_with_one_line(check, fn, line, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check(fn)
    assert capsys.readouterr() == (line + "\n", "")


def test_softmax_loss_without_shift_is_named_although_it_is_nan():
    fails(check_softmax_loss, MISTAKES["softmax_loss"][0].fn, "logits near 1e3", "loss contains NaN",
          "without subtracting the row maximum")


def test_relu_backward_kink_case_names_the_convention():
    fails(check_relu_backward, MISTAKES["relu_backward"][0].fn, "x with exact zeros", "derivative 1 at x == 0")


def test_affine_backward_wrong_db_axis_is_named_in_the_square_case():
    fails(check_affine_backward, MISTAKES["affine_backward"][0].fn, "square, N=D=M=3", "db[", "wrong axis")


def test_affine_backward_changed_cache_is_reported():
    def changes_x(dout, cache):
        x, w, b = cache
        out = _affine_reference(dout, cache)
        x *= 2
        return out

    fails(check_affine_backward, changes_x, "changed its input cache[0] in place")


@pytest.mark.parametrize("fn, needles", [
    (lambda dout, cache: (None, None, None), ["dx is None"]),
    (lambda dout, cache: _affine_reference(dout, cache)[:2], ["expected a tuple (dx, dw, db)"]),
    (lambda dout, cache: tuple(a.astype(np.float32) for a in _affine_reference(dout, cache)), ["dtype float32"]),
    (lambda dout, cache: (*_affine_reference(dout, cache)[:2], list(dout.sum(0))), ["db is a list"]),
    (lambda dout, cache: (*_affine_reference(dout, cache)[:2], dout.sum(0, keepdims=True)),
     ["db has shape (1, 3), expected shape (3,)"]),
    (lambda dout, cache: (_affine_reference(dout, cache)[0], np.full((3, 3), np.nan), dout.sum(0)), ["NaN"]),
])
def test_affine_backward_bad_answers_get_clear_messages(fn, needles):
    fails(check_affine_backward, fn, "affine_backward, case 'square, N=D=M=3'", *needles)


def test_structure_is_checked_before_values():
    # dx wrong in value and db wrong in type: the type is reported first
    fails(check_affine_backward, lambda dout, cache: (np.zeros((3, 3)), np.zeros((3, 3)), "db"), "db is a str")


@pytest.mark.parametrize("fn, needles", [
    (lambda dout, cache: (dout * (cache > 0)).tolist(), ["dx is a list"]),
    (lambda dout, cache: dout * (cache > 0).astype(int) * 0 + (cache > 0), ["dx["]),
    (lambda dout, cache: (cache > 0), ["dtype bool"]),
    (lambda dout: dout, ["missing: cache"]),
])
def test_relu_backward_bad_answers_get_clear_messages(fn, needles):
    fails(check_relu_backward, fn, "relu_backward", *needles)


def test_softmax_loss_accepts_a_zero_d_loss(capsys):
    def zero_d_loss(scores, y):
        loss, dscores = layers.softmax_loss(scores, y)
        return np.array(loss), dscores

    check_softmax_loss(zero_d_loss)
    assert "all 5 cases passed" in capsys.readouterr().out


def test_softmax_loss_infinite_loop_is_stopped():
    def forever(scores, y):
        while True:
            pass

    fails(check_softmax_loss, forever, "did not finish within 0.2 s", time_limit=0.2)


def test_monkeypatched_allclose_does_not_let_a_wrong_answer_pass(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    fails(check_tanh_backward, MISTAKES["tanh_backward"][0].fn, "numpy.allclose has been replaced")


# --------------------------------------------------------------------------- diagnosis


def test_backward_passes_that_are_not_linear_in_dout_are_said_so():
    def plus_b(dout, cache):
        x, w, b = cache
        out = _affine_reference(dout, cache)
        return out[0], out[1], out[2] + b

    fails(check_affine_backward, plus_b, "No catalogued mistake", "doubling dout does not double")
    fails(check_relu_backward, lambda dout, cache: dout * (cache > 0) + 0.1, "doubling dout does not double")


def test_in_place_change_is_named_with_what_the_values_show():
    def in_place_from_input(dout, cache):
        dout *= 1 - np.tanh(cache) ** 2
        return dout

    fails(check_tanh_backward, in_place_from_input, "changed its input dout in place", "two classic mistakes at once",
          "(1) dout changed in place", "(2) tanh applied to the cache again")


def test_an_error_that_a_catalogued_mistake_raises_too_is_named():
    def no_keepdims(scores, y):
        z = scores - scores.max(axis=1)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(p[np.arange(len(y)), y]))
        p[np.arange(len(y)), y] -= 1
        return loss, p / len(y)

    fails(check_softmax_loss, no_keepdims, "raised ValueError", "operands could not be broadcast",
          "the row maxima subtracted without keepdims=True", "keepdims=True) and e.sum(axis=1, keepdims=True)")


def test_fitted_constants_are_named():
    def log_eps(scores, y):
        loss, dscores = layers.softmax_loss(scores, y)
        z = scores - scores.max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        return -np.mean(np.log(p[np.arange(len(y)), y] + 1e-8)), dscores

    fails(check_softmax_loss, log_eps, "published variant", "-log(p + 1e-08)")
    fails(check_relu_backward, lambda dout, cache: dout * np.where(cache > 0, 1.0, 0.2), "a slope of 0.2")


def test_a_variant_and_a_mistake_at_once_are_named():
    def coursera(dout, cache):
        x, w, b = cache
        m = x.shape[0]
        return (dout @ w.T).reshape(x.shape), x.reshape(m, -1).T @ dout / m, dout.sum(axis=0, keepdims=True) / m

    fails(check_affine_backward, coursera, "db has shape (1, 3), expected shape (3,)",
          "a published variant and a classic mistake at once", "deeplearning.ai", "keepdims=True")

"""Tests of gdbp.layers: gradients against central differences and PyTorch, stability,
dtypes, non-mutation and input errors.

Tolerances:
- central differences: relative error (``gdbp.gradcheck.rel_error``, CS231n's entrywise
  convention) < 1e-7. With h = 1e-5 in float64 the truncation error is O(h^2) ~ 1e-10 and the
  rounding error ~ eps * |f| / h ~ 1e-11 relative to O(1) gradients, so a correct backward
  pass lands around 1e-9 or below, and any wrong term is off by far more than 1e-7.
- PyTorch (float64): max abs difference <= 1e-12; both sides compute the same formulas up to
  the order of a few floating-point operations on O(1) values (eps = 2.2e-16).
"""
import warnings

import numpy as np
import pytest
from conftest import require_torch
from hypothesis import given, settings
from strategies import logits_with_labels

from gdbp.gradcheck import numerical_gradient, numerical_gradient_array, rel_error
from gdbp.layers import (
    affine_backward,
    affine_forward,
    l2_penalty,
    mse_loss,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    softmax,
    softmax_loss,
    tanh_backward,
    tanh_forward,
)

GRAD_TOL = 1e-7  # central differences, h = 1e-5, float64 (see module docstring)
TORCH_TOL = 1e-12  # same formulas in float64 (see module docstring)

ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
}


def away_from_zero(rng, shape, margin=0.1):
    """Standard normal entries pushed at least ``margin`` away from 0 (ReLU's kink)."""
    x = rng.standard_normal(shape)
    return x + margin * np.sign(x)


# --------------------------------------------------------------------------- affine


@pytest.mark.parametrize("x_shape", [(4, 5), (3, 2, 4, 3)], ids=["2d", "4d"])
def test_affine_backward_matches_central_differences(x_shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape)
    D = int(np.prod(x_shape[1:]))
    w, b = rng.standard_normal((D, 6)), rng.standard_normal(6)
    dout = rng.standard_normal((x_shape[0], 6))

    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)

    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert rel_error(dx, numerical_gradient_array(lambda v: affine_forward(v, w, b)[0], x, dout)) < GRAD_TOL
    assert rel_error(dw, numerical_gradient_array(lambda v: affine_forward(x, v, b)[0], w, dout)) < GRAD_TOL
    assert rel_error(db, numerical_gradient_array(lambda v: affine_forward(x, w, v)[0], b, dout)) < GRAD_TOL


def test_affine_forward_flattens_4d_input_like_cs231n():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4, 5))
    w, b = rng.standard_normal((60, 7)), rng.standard_normal(7)

    out, _ = affine_forward(x, w, b)

    expected = np.array([x[i].ravel() @ w + b for i in range(2)])
    np.testing.assert_allclose(out, expected, rtol=1e-13, atol=1e-13)  # same sums, maybe another order


def test_affine_backward_need_dx_false_skips_dx_only():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    dout = rng.standard_normal((4, 2))
    _, cache = affine_forward(x, w, b)

    dx, dw, db = affine_backward(dout, cache)
    no_dx, dw2, db2 = affine_backward(dout, cache, need_dx=False)

    assert no_dx is None
    np.testing.assert_array_equal(dw2, dw)
    np.testing.assert_array_equal(db2, db)


# --------------------------------------------------------------------------- activations


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_backward_matches_central_differences(name):
    forward, backward = ACTIVATIONS[name]
    rng = np.random.default_rng(3)
    x = away_from_zero(rng, (4, 5))  # relu: no entry within h of the kink
    dout = rng.standard_normal((4, 5))

    _, cache = forward(x)
    dx = backward(dout, cache)

    assert dx.shape == x.shape
    assert rel_error(dx, numerical_gradient_array(lambda v: forward(v)[0], x, dout)) < GRAD_TOL


def test_relu_backward_is_zero_at_exact_zero():
    """At x == 0 ReLU has no derivative; the convention (PyTorch's too) is 0."""
    x = np.array([[-1.0, 0.0, 2.0], [0.0, 3.0, -0.0]])
    dout = np.full_like(x, 5.0)

    out, cache = relu_forward(x)
    dx = relu_backward(dout, cache)

    np.testing.assert_array_equal(out, [[0.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    np.testing.assert_array_equal(dx, [[0.0, 0.0, 5.0], [0.0, 5.0, 0.0]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_forward_is_stable_for_large_inputs(dtype):
    x = np.array([-1e4, -700.0, -50.0, 0.0, 50.0, 700.0, 1e4], dtype=dtype)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in exp would raise here
        out, cache = sigmoid_forward(x)
        dx = sigmoid_backward(np.ones_like(x), cache)

    assert out.dtype == dtype and np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    assert np.all((out >= 0) & (out <= 1))
    np.testing.assert_array_equal(out[[0, -1]], [0.0, 1.0])
    assert out[3] == 0.5
    if dtype == np.float64:
        # The left tail keeps full relative precision: sigmoid(x) = e^x / (1 + e^x) ~ e^x.
        np.testing.assert_allclose(out[1:3], np.exp(x[1:3]) / (1 + np.exp(x[1:3])), rtol=1e-14)


def test_sigmoid_and_tanh_forward_match_definitions():
    x = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(sigmoid_forward(x)[0], 1 / (1 + np.exp(-x)), rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(tanh_forward(x)[0], (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)), atol=1e-15)


# --------------------------------------------------------------------------- losses


def test_softmax_loss_gradient_matches_central_differences():
    rng = np.random.default_rng(4)
    scores, y = rng.standard_normal((6, 4)), rng.integers(0, 4, size=6)

    loss, dscores = softmax_loss(scores, y)

    assert dscores.shape == scores.shape
    numeric = numerical_gradient(lambda s: softmax_loss(s, y)[0], scores)
    assert rel_error(dscores, numeric) < GRAD_TOL
    # Uniform scores: the loss is log(C) (a classic sanity check, CS231n).
    assert softmax_loss(np.zeros((6, 4)), y)[0] == pytest.approx(np.log(4), rel=1e-15)
    assert np.isfinite(loss)


def test_softmax_loss_logits_around_1e3_are_finite_and_correct():
    scores = np.array([[1000.0, 1000.0], [1000.0, 0.0], [-1000.0, 1000.0]])
    y = np.array([0, 1, 1])

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow in exp, no log(0)
        loss, dscores = softmax_loss(scores, y)

    # Per example: log 2, 1000 (+ log(1 + e^-1000) = 0 in float64), e^-2000 = 0.
    assert loss == pytest.approx((np.log(2) + 1000.0 + 0.0) / 3, rel=1e-15)
    expected = np.array([[-0.5, 0.5], [1.0, -1.0], [0.0, 0.0]]) / 3
    np.testing.assert_allclose(dscores, expected, rtol=0, atol=1e-16)


def test_softmax_loss_is_invariant_to_shifting_scores():
    rng = np.random.default_rng(5)
    scores, y = rng.standard_normal((5, 3)), rng.integers(0, 3, size=5)

    loss, dscores = softmax_loss(scores, y)
    loss_shifted, dscores_shifted = softmax_loss(scores + 1e3, y)

    # scores + 1e3 rounds each score to a multiple of 2^-43 ~ 1.1e-13: values agree to ~1e-12.
    assert loss_shifted == pytest.approx(loss, abs=1e-12)
    np.testing.assert_allclose(dscores_shifted, dscores, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(logits_with_labels())
def test_softmax_rows_are_probabilities_and_match_softmax_loss(scores_y):
    scores, y = scores_y
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        probs = softmax(scores)
        _, dscores = softmax_loss(scores, y)

    assert probs.shape == scores.shape and np.all(probs >= 0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=0, atol=1e-13)  # C <= 6 terms in [0, 1]
    # dscores = (probs - onehot(y)) / N
    onehot = np.eye(scores.shape[1])[y]
    np.testing.assert_allclose(dscores, (probs - onehot) / len(y), rtol=0, atol=1e-15)


def test_mse_loss_gradient_matches_central_differences_and_convention():
    rng = np.random.default_rng(6)
    y_hat, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))

    loss, dy_hat = mse_loss(y_hat, y)

    assert loss == pytest.approx(np.sum((y_hat - y) ** 2) / 15, rel=1e-14)  # mean over all N*M entries
    assert rel_error(dy_hat, numerical_gradient(lambda v: mse_loss(v, y)[0], y_hat)) < GRAD_TOL


def test_l2_penalty_value_and_gradient():
    rng = np.random.default_rng(7)
    w = rng.standard_normal((4, 3))

    loss, dw = l2_penalty(w, reg=0.3)

    assert loss == pytest.approx(0.5 * 0.3 * np.sum(w**2), rel=1e-14)  # the 0.5 convention
    np.testing.assert_allclose(dw, 0.3 * w, rtol=1e-15)
    assert rel_error(dw, numerical_gradient(lambda v: l2_penalty(v, 0.3)[0], w)) < GRAD_TOL
    assert l2_penalty(w, 0.0)[0] == 0.0


# --------------------------------------------------------------------------- PyTorch oracle


@pytest.mark.torch
@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_activation_matches_torch_autograd(name):
    torch = require_torch()
    forward, backward = ACTIVATIONS[name]
    rng = np.random.default_rng(8)
    x = 3 * rng.standard_normal((5, 4))
    x[0, :2] = 0.0  # relu's kink: both use derivative 0
    dout = rng.standard_normal((5, 4))

    out, cache = forward(x)
    dx = backward(dout, cache)

    x_t = torch.tensor(x, requires_grad=True)
    out_t = getattr(torch, name)(x_t)
    out_t.backward(torch.tensor(dout))
    assert np.max(np.abs(out - out_t.detach().numpy())) <= TORCH_TOL
    assert np.max(np.abs(dx - x_t.grad.numpy())) <= TORCH_TOL


@pytest.mark.torch
def test_affine_matches_torch_autograd():
    torch = require_torch()
    rng = np.random.default_rng(9)
    x, w, b = rng.standard_normal((3, 2, 2, 2)), rng.standard_normal((8, 5)), rng.standard_normal(5)
    dout = rng.standard_normal((3, 5))

    out, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)

    x_t, w_t, b_t = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out_t = x_t.reshape(3, -1) @ w_t + b_t
    out_t.backward(torch.tensor(dout))
    assert np.max(np.abs(out - out_t.detach().numpy())) <= TORCH_TOL
    for ours, theirs in ((dx, x_t), (dw, w_t), (db, b_t)):
        assert np.max(np.abs(ours - theirs.grad.numpy())) <= TORCH_TOL


@pytest.mark.torch
@pytest.mark.parametrize("scale", [1.0, 1e3], ids=["unit", "logits-1e3"])
def test_softmax_loss_matches_torch_cross_entropy(scale):
    torch = require_torch()
    rng = np.random.default_rng(10)
    scores, y = scale * rng.standard_normal((7, 5)), rng.integers(0, 5, size=7)

    loss, dscores = softmax_loss(scores, y)

    s_t = torch.tensor(scores, requires_grad=True)
    loss_t = torch.nn.functional.cross_entropy(s_t, torch.tensor(y))
    loss_t.backward()
    # The loss scales with the logits: at scale 1e3 the loss is ~1e3, so 1e-12 relative.
    assert abs(float(loss) - loss_t.item()) <= TORCH_TOL * max(1.0, abs(loss_t.item()))
    assert np.max(np.abs(dscores - s_t.grad.numpy())) <= TORCH_TOL
    np.testing.assert_allclose(softmax(scores), torch.softmax(s_t, dim=1).detach().numpy(), rtol=0, atol=TORCH_TOL)


@pytest.mark.torch
def test_mse_loss_matches_torch_mse_loss():
    torch = require_torch()
    rng = np.random.default_rng(11)
    y_hat, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))

    loss, dy_hat = mse_loss(y_hat, y)

    y_hat_t = torch.tensor(y_hat, requires_grad=True)
    loss_t = torch.nn.MSELoss()(y_hat_t, torch.tensor(y))
    loss_t.backward()
    assert abs(float(loss) - loss_t.item()) <= TORCH_TOL
    assert np.max(np.abs(dy_hat - y_hat_t.grad.numpy())) <= TORCH_TOL


# --------------------------------------------------------------------------- dtypes, mutation


def _all_calls(rng, dtype):
    """(name, function, args) for every public function, on small random inputs of ``dtype``."""
    x = rng.standard_normal((3, 2, 2)).astype(dtype)
    w, b = rng.standard_normal((4, 5)).astype(dtype), rng.standard_normal(5).astype(dtype)
    h = rng.standard_normal((3, 5)).astype(dtype)
    y = rng.integers(0, 5, size=3)
    calls = [
        ("affine_forward", affine_forward, (x, w, b)),
        ("affine_backward", affine_backward, (h, affine_forward(x, w, b)[1])),
        ("softmax", softmax, (h,)),
        ("softmax_loss", softmax_loss, (h, y)),
        ("mse_loss", mse_loss, (h, h[::-1].copy())),
        ("l2_penalty", l2_penalty, (w, 0.1)),
    ]
    for name, (forward, backward) in ACTIVATIONS.items():
        calls.append((f"{name}_forward", forward, (h,)))
        calls.append((f"{name}_backward", backward, (h[::-1].copy(), forward(h)[1])))
    return calls


def _arrays_in(obj):
    """Every ndarray in obj (an array, a scalar, or a tuple nesting them)."""
    if isinstance(obj, np.ndarray):
        return [obj]
    if isinstance(obj, tuple):
        return [a for item in obj for a in _arrays_in(item)]
    return []


@pytest.mark.parametrize("name", [name for name, _, _ in _all_calls(np.random.default_rng(0), np.float64)])
def test_layers_do_not_mutate_inputs(name):
    rng = np.random.default_rng(12)
    _, function, args = next(c for c in _all_calls(rng, np.float64) if c[0] == name)
    before = [a.copy() for a in _arrays_in(args)]

    function(*args)
    function(*args)  # twice: a second call must see the same inputs

    for original, after in zip(before, _arrays_in(args)):
        np.testing.assert_array_equal(after, original)


@pytest.mark.parametrize("name", [name for name, _, _ in _all_calls(np.random.default_rng(0), np.float32)])
def test_layers_keep_float32(name):
    rng = np.random.default_rng(13)
    _, function, args = next(c for c in _all_calls(rng, np.float32) if c[0] == name)

    result = function(*args)

    outputs = _arrays_in(result if isinstance(result, tuple) else (result,))
    scalars = [r for r in (result if isinstance(result, tuple) else ()) if isinstance(r, np.generic)]
    assert outputs, "expected at least one array output"
    for a in outputs + scalars:
        if a.dtype != bool:  # relu's cache is a boolean mask
            assert a.dtype == np.float32, f"{name} returned {a.dtype}"


# --------------------------------------------------------------------------- input errors


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: affine_forward(np.ones((2, 3)), np.ones((4, 5)), np.ones(5)), r"x.*\(2, 3\).*w.*\(4, 5\)"),
        (lambda: affine_forward(np.ones((2, 4)), np.ones((4, 5)), np.ones(4)), r"b \(4,\)"),
        (lambda: affine_forward(np.ones((2, 4)), np.ones(4), np.ones(4)), r"w \(4,\)"),
        (lambda: affine_backward(np.ones((2, 4)), affine_forward(np.ones((2, 3)), np.ones((3, 5)), np.ones(5))[1]),
         r"dout.*\(2, 5\).*\(2, 4\)"),
        (lambda: relu_backward(np.ones((2, 3)), relu_forward(np.ones((3, 2)))[1]), r"dout.*\(3, 2\).*\(2, 3\)"),
        (lambda: softmax_loss(np.ones((3, 4)), np.array([0, 1])), r"scores \(3, 4\) and y \(2,\)"),
        (lambda: softmax_loss(np.ones(4), np.array([0])), r"scores \(4,\)"),
        (lambda: softmax_loss(np.ones((2, 4)), np.array([0, 4])), r"\[0, 3\].*4"),
        (lambda: softmax_loss(np.ones((2, 4)), np.array([-1, 2])), r"\[0, 3\].*-1"),
        (lambda: softmax_loss(np.ones((2, 4)), np.array([0.0, 1.0])), r"integer.*float64"),
        (lambda: softmax_loss(np.ones((0, 4)), np.array([], dtype=int)), r"at least one row.*\(0, 4\)"),
        (lambda: mse_loss(np.ones((3, 1)), np.ones(3)), r"y_hat \(3, 1\) and y \(3,\)"),
        (lambda: l2_penalty(np.ones(3), -0.1), r"reg.*-0.1"),
        (lambda: l2_penalty(np.ones(3), float("nan")), r"reg.*nan"),
    ],
    ids=[
        "affine-x-vs-w", "affine-b", "affine-w-1d", "affine-dout", "relu-dout",
        "softmax-y-length", "softmax-1d-scores", "softmax-label-too-large", "softmax-label-negative",
        "softmax-float-labels", "softmax-empty", "mse-shapes", "l2-negative-reg", "l2-nan-reg",
    ],
)
def test_layers_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()

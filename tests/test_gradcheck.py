"""Tests of gdbp.gradcheck: rel_error, finite differences, check_gradient."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import arrays

from gdbp import gradcheck
from gdbp.gradcheck import (GradCheckResult, check_gradient, numerical_gradient, numerical_gradient_array,
                            rel_error)


# --- rel_error --------------------------------------------------------------------------------------

def test_rel_error_known_values():
    assert rel_error([1.0], [3.0]) == 0.5            # |1 - 3| / (1 + 3)
    assert rel_error([1.0, -2.0], [1.0, 2.0]) == 1.0  # opposite signs: the largest possible error
    assert rel_error([0.0, 0.0], [0.0, 0.0]) == 0.0   # the 1e-8 floor avoids 0 / 0
    assert rel_error([0.0], [1e-9]) == pytest.approx(0.1)  # below the floor the error is absolute / 1e-8
    assert isinstance(rel_error([1.0], [1.0]), float)


def test_rel_error_takes_the_largest_entry():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = x.copy()
    y[1, 0] = 3.0 * (1 + 1e-3)
    assert rel_error(x, y) == pytest.approx(1e-3 / (2 + 1e-3))


@given(x=arrays(shape=(3, 2)), y=arrays(shape=(3, 2)))
@settings(max_examples=50)
def test_rel_error_symmetric_and_in_unit_interval(x, y):
    assert rel_error(x, y) == rel_error(y, x)
    assert 0.0 <= rel_error(x, y) <= 1.0
    assert rel_error(x, x) == 0.0


def test_rel_error_non_finite_counts_as_infinite():
    assert rel_error([1.0, np.nan], [1.0, 1.0]) == np.inf
    assert rel_error([np.inf], [np.inf]) == np.inf
    assert not rel_error([1.0, np.nan], [1.0, np.nan]) < 1e-7


def test_rel_error_rejects_shape_mismatch_and_empty():
    with pytest.raises(ValueError, match=r"same shape; got x \(2,\) and y \(3,\)"):
        rel_error(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="at least one entry"):
        rel_error([], [])


# --- numerical_gradient -----------------------------------------------------------------------------

@given(x=arrays())
@settings(max_examples=50, deadline=None)
def test_numerical_gradient_of_sum_sin_is_cos(x):
    # Error: truncation h^2 |f'''| / 6 <= 2e-11, rounding ~eps |f| / h <= 2e-16 * 125 / 1e-5 = 3e-9
    # (at most 125 entries, |sin| <= 1): atol 1e-7 is safe.
    grad = numerical_gradient(lambda v: np.sum(np.sin(v)), x)
    assert grad.shape == x.shape
    np.testing.assert_allclose(grad, np.cos(x), atol=1e-7)


def test_numerical_gradient_forward_error_is_order_h_central_order_h2():
    # exp: f' = f'' = f''' = exp. Forward error ~ h f''/2, central ~ h^2 f'''/6: dividing h by 10 divides
    # the forward error by ~10 and the central error by ~100 (rounding, ~1e-13 here, is negligible).
    x = np.array([0.5, -0.3, 1.2])

    def f(v):
        return np.sum(np.exp(v))

    def error(h, method):
        return np.max(np.abs(numerical_gradient(f, x, h=h, method=method) - np.exp(x)))

    forward_ratio = error(1e-2, "forward") / error(1e-3, "forward")
    central_ratio = error(1e-2, "central") / error(1e-3, "central")
    assert 9.0 < forward_ratio < 11.0
    assert 95.0 < central_ratio < 105.0
    assert error(1e-3, "central") < error(1e-3, "forward") / 100


def test_numerical_gradient_counts_evaluations():
    calls = []

    def f(v):
        calls.append(1)
        return float(np.sum(v**2))

    numerical_gradient(f, np.ones((2, 3)), method="central")
    assert len(calls) == 12  # two per entry
    calls.clear()
    numerical_gradient(f, np.ones((2, 3)), method="forward")
    assert len(calls) == 7   # one per entry plus f(x)


def test_numerical_gradient_works_on_0d_input():
    grad = numerical_gradient(lambda v: float(v) ** 3, 2.0)
    assert grad.shape == ()
    assert grad == pytest.approx(12.0, rel=1e-9)


def test_numerical_gradient_does_not_mutate_and_survives_mutating_f():
    x = np.array([1.0, -2.0, 3.0])
    x_before = x.copy()

    def mutating_sum_of_squares(v):
        value = np.sum(v**2)
        v[...] = 0.0  # a careless f that changes its argument in place
        return value

    grad = numerical_gradient(mutating_sum_of_squares, x)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-9)  # quadratic: central differences exact to rounding


def test_numerical_gradient_copies_integer_input_to_float():
    grad = numerical_gradient(lambda v: np.sum(v**2), np.array([1, 2]))
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, [2.0, 4.0], rtol=1e-9)


def test_numerical_gradient_rejects_non_scalar_f():
    with pytest.raises(ValueError, match=r"f must return a scalar \(shape \(\)\); got shape \(3,\)"):
        numerical_gradient(lambda v: v**2, np.ones(3))


@pytest.mark.parametrize("h", [0.0, -1e-5, np.nan, np.inf, "1e-5", True])
def test_numerical_gradient_rejects_bad_step(h):
    with pytest.raises(ValueError, match="h must be a positive finite number"):
        numerical_gradient(np.sum, np.ones(2), h=h)


def test_numerical_gradient_rejects_unknown_method():
    with pytest.raises(ValueError, match="method must be 'central' or 'forward'; got 'backward'"):
        numerical_gradient(np.sum, np.ones(2), method="backward")


# --- numerical_gradient_array -----------------------------------------------------------------------

def test_numerical_gradient_array_linear_map_gives_transpose_times_dout():
    rng = np.random.default_rng(0)
    W, x, dout = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=4)
    dx = numerical_gradient_array(lambda v: W @ v, x, dout)
    # Linear f: central differences are exact up to rounding (~1e-11 relative).
    np.testing.assert_allclose(dx, W.T @ dout, rtol=1e-8)


def test_numerical_gradient_array_elementwise_square():
    rng = np.random.default_rng(1)
    x, dout = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    x_before = x.copy()
    dx = numerical_gradient_array(lambda v: v**2, x, dout)
    np.testing.assert_allclose(dx, 2 * x * dout, rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(x, x_before)


def test_numerical_gradient_array_rejects_output_shape_mismatch():
    with pytest.raises(ValueError, match=r"f must return an array of dout's shape \(2,\); got shape \(3,\)"):
        numerical_gradient_array(lambda v: v, np.ones(3), np.ones(2))


# --- check_gradient ---------------------------------------------------------------------------------

def test_check_gradient_correct_gradient_passes():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4))
    result = check_gradient(lambda v: np.sum(v**3), lambda v: 3 * v**2, x)
    assert isinstance(result, GradCheckResult)
    # Cubic: central error h^2 f'''/6 = 1e-10 absolute on gradients of order 1: relative < 1e-7.
    assert result.max_rel_error < 1e-7
    assert result.analytic.shape == result.numeric.shape == x.shape
    np.testing.assert_allclose(result.analytic, 3 * x**2)


def test_check_gradient_array_and_function_agree():
    x = np.array([0.5, -1.0, 2.0])
    from_function = check_gradient(lambda v: np.sum(v**3), lambda v: 3 * v**2, x)
    from_array = check_gradient(lambda v: np.sum(v**3), 3 * x**2, x)
    assert from_function.max_rel_error == from_array.max_rel_error
    assert from_function.worst_index == from_array.worst_index


def test_check_gradient_wrong_gradient_flagged_at_worst_index():
    x = np.array([[0.5, -1.0], [2.0, 1.5]])
    wrong = 3 * x**2
    wrong[1, 0] *= 1.1  # one wrong entry
    result = check_gradient(lambda v: np.sum(v**3), wrong, x)
    assert result.worst_index == (1, 0)
    assert result.max_rel_error == pytest.approx(0.1 / 2.1, rel=1e-6)  # |1.1g - g| / (1.1g + g)


def test_check_gradient_kink_within_h_gives_false_alarm():
    # ReLU's analytic gradient is exact, but an entry within h of the kink gets a central difference
    # that straddles it: (3e-6 + 1e-5 - 0) / 2e-5 = 0.65 instead of 1. Entries far from 0 are fine.
    def relu_sum(v):
        return np.sum(np.maximum(v, 0.0))

    def relu_grad(v):
        return (v > 0).astype(np.float64)

    far = check_gradient(relu_sum, relu_grad, np.array([1.0, -2.0, 0.5]))
    assert far.max_rel_error < 1e-8
    near = check_gradient(relu_sum, relu_grad, np.array([1.0, 3e-6, -2.0]))
    assert near.worst_index == (1,)
    assert near.numeric[1] == pytest.approx(0.65, rel=1e-6)
    assert near.max_rel_error == pytest.approx(0.35 / 1.65, rel=1e-6)


def test_check_gradient_abs_at_kink_central_gives_zero():
    # At the kink of |x| the central difference is (h - h) / 2h = 0, the middle of the subgradients [-1, 1].
    result = check_gradient(lambda v: np.sum(np.abs(v)), np.array([0.0]), np.array([0.0]))
    assert result.numeric[0] == 0.0
    assert result.max_rel_error == 0.0


def test_check_gradient_zero_dimensional_x():
    result = check_gradient(lambda v: float(v) ** 2, lambda v: 2 * v, 1.5)
    assert result.worst_index == ()
    assert result.max_rel_error < 1e-9


def test_check_gradient_does_not_mutate_x():
    x = np.array([1.0, 2.0])
    x_before = x.copy()

    def mutating_grad(v):
        v *= 2.0  # a careless analytic gradient: doubles its argument in place, returns 2 x (correct)
        return v.copy()

    result = check_gradient(lambda v: np.sum(v**2), mutating_grad, x)
    np.testing.assert_array_equal(x, x_before)
    assert result.max_rel_error < 1e-9


def test_check_gradient_rejects_wrong_analytic_shape():
    with pytest.raises(ValueError, match=r"analytic_grad must have x's shape \(3,\); got shape \(2,\)"):
        check_gradient(np.sum, np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match=r"analytic_grad must have x's shape \(3,\); got shape \(\)"):
        check_gradient(np.sum, lambda v: 1.0, np.ones(3))


def test_check_gradient_rejects_non_scalar_f_and_empty_x():
    with pytest.raises(ValueError, match="f must return a scalar"):
        check_gradient(lambda v: v, np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="at least one entry"):
        check_gradient(np.sum, np.ones(0), np.ones(0))


# --- an f that ignores its argument (CS231n's idiom) ----------------------------------------------------


class _Model:
    def __init__(self):
        self.W = np.array([1.0, -2.0, 0.5])

    def loss(self, X, y):
        return float(np.sum((X @ self.W - y) ** 2)), None


def test_numerical_gradient_warns_when_f_ignores_its_argument():
    model, X, y = _Model(), np.eye(3), np.zeros(3)
    f = lambda _: model.loss(X, y)[0]  # noqa: E731 - CS231n's idiom: the argument is never used
    with pytest.warns(gradcheck.ConstantFunctionWarning, match="ignores its argument"):
        grad = gradcheck.numerical_gradient(f, model.W)
    assert np.all(grad == 0)


def test_numerical_gradient_does_not_warn_for_a_constant_or_a_real_function():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.all(gradcheck.numerical_gradient(lambda v: 0.0, np.zeros(3)) == 0)  # constant-looking
        gradcheck.numerical_gradient(lambda v: float(np.sum(v**2)), np.array([1.0, 2.0]))

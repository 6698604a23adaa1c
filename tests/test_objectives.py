"""Tests of gdbp.objectives: analytic gradients, minima, shapes, registry, input validation."""
import dataclasses
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from conftest import require_torch
from strategies import points_2d

from gdbp.gradcheck import check_gradient, numerical_gradient
from gdbp.objectives import OBJECTIVES, Objective, get_objective

NAMES = sorted(OBJECTIVES)


def random_points(objective, num_points, seed):
    """num_points points, shape (num_points, 2), uniform in the objective's plot bounds."""
    (x_min, x_max), (y_min, y_max) = objective.bounds
    return np.random.default_rng(seed).uniform([x_min, y_min], [x_max, y_max], size=(num_points, 2))


def test_objectives_registry_has_the_seven_objectives():
    assert set(OBJECTIVES) == {"bowl", "ill_conditioned", "rosenbrock", "beale", "booth", "himmelblau", "saddle"}
    for name, objective in OBJECTIVES.items():
        assert isinstance(objective, Objective)
        assert objective.name == name
        assert get_objective(name) is objective


def test_get_objective_typo_lists_names():
    with pytest.raises(ValueError, match="rosenbrok") as info:
        get_objective("rosenbrok")
    for name in NAMES:
        assert name in str(info.value)


def test_get_objective_non_string_raises_typeerror():
    with pytest.raises(TypeError, match="name"):
        get_objective(3)


@pytest.mark.parametrize("name", NAMES)
def test_grad_matches_central_difference(name):
    # Central differences with h = 1e-5 err by about h^2 |f'''| / 6 (truncation) + eps |f| / h (rounding),
    # i.e. ~1e-11 (|f'''| + 2 |f|). For these polynomials, at points away from stationary points, |f'|
    # is within a few orders of |f| and |f'''|, so the relative error is ~1e-11..1e-8 (measured maximum
    # over these points: 1.6e-8, Beale): 1e-7 leaves a margin, while any wrong term in a gradient gives
    # errors of order 1e-3..1. Random continuous points are almost surely not stationary.
    objective = get_objective(name)
    for p in random_points(objective, num_points=25, seed=0):
        result = check_gradient(objective.value, objective.grad, p)
        assert result.max_rel_error < 1e-7, (
            f"{name}: analytic gradient {result.analytic} at {p}, but central difference {result.numeric}")


@pytest.mark.parametrize("name", [n for n in NAMES if OBJECTIVES[n].minima])
def test_minima_are_stationary_zero_and_local_minima(name):
    objective = get_objective(name)
    angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ring = 1e-3 * np.stack([np.cos(angles), np.sin(angles)], axis=-1)  # 16 points at distance 1e-3
    for minimum in objective.minima:
        assert minimum.shape == (2,)
        # All these minima have f = 0; Himmelblau's irrational minima are rounded to float64, so the
        # gradient there is ~1e-14, not exactly 0 (1e-10 is far above that and far below a wrong minimum).
        np.testing.assert_allclose(objective.grad(minimum), 0.0, atol=1e-10)
        np.testing.assert_allclose(objective.value(minimum), 0.0, atol=1e-20)
        assert np.all(objective.value(minimum + ring) > objective.value(minimum))


def test_saddle_has_no_minima_and_a_saddle_point():
    saddle = get_objective("saddle")
    assert saddle.minima == ()
    (point,) = saddle.saddle_points
    np.testing.assert_array_equal(point, [0.0, 0.0])
    np.testing.assert_array_equal(saddle.grad(point), [0.0, 0.0])
    assert saddle.value([0.1, 0.0]) > saddle.value(point) > saddle.value([0.0, 0.1])


def test_objectives_known_values_at_origin():
    expected_values = {"bowl": 0.0, "ill_conditioned": 0.0, "rosenbrock": 1.0, "beale": 14.203125,
                       "booth": 74.0, "himmelblau": 170.0, "saddle": 0.0}
    for name, expected in expected_values.items():
        assert get_objective(name).value([0.0, 0.0]) == expected, name
    np.testing.assert_array_equal(get_objective("rosenbrock").grad([0.0, 0.0]), [-2.0, 0.0])
    np.testing.assert_array_equal(get_objective("booth").grad([0.0, 0.0]), [-34.0, -38.0])
    np.testing.assert_array_equal(get_objective("himmelblau").grad([0.0, 0.0]), [-14.0, -22.0])


@pytest.mark.parametrize("name", NAMES)
def test_value_and_grad_shapes_on_points_and_grids(name):
    objective = get_objective(name)
    p = np.array([0.3, -0.7])
    assert np.shape(objective.value(p)) == ()
    assert objective.grad(p).shape == (2,)
    grid = random_points(objective, num_points=12, seed=1).reshape(4, 3, 2)
    values, grads = objective.value(grid), objective.grad(grid)
    assert values.shape == (4, 3)
    assert grads.shape == (4, 3, 2)
    for i in np.ndindex(4, 3):  # the grid result is the pointwise result, entry by entry
        assert values[i] == objective.value(grid[i])
        np.testing.assert_array_equal(grads[i], objective.grad(grid[i]))
    assert values.dtype == grads.dtype == np.float64


@given(p=points_2d())
@settings(max_examples=50, deadline=None)
def test_call_equals_value(p):
    for objective in OBJECTIVES.values():
        assert objective(p) == objective.value(p)
        assert objective(list(p)) == objective.value(p)  # plain lists are accepted too


@pytest.mark.parametrize("bad", [[1.0, 2.0, 3.0], 1.0, [[1.0, 2.0, 3.0]], np.zeros((2, 3))])
def test_value_and_grad_reject_wrong_shape(bad):
    objective = get_objective("bowl")
    with pytest.raises(ValueError, match=r"p must have shape \(2,\) or \(\.\.\., 2\)"):
        objective.value(bad)
    with pytest.raises(ValueError, match=r"p must have shape"):
        objective.grad(bad)


@pytest.mark.parametrize("bad", [[np.nan, 0.0], [0.0, np.inf], [[0.0, 0.0], [-np.inf, 1.0]]])
def test_value_and_grad_reject_non_finite(bad):
    objective = get_objective("rosenbrock")
    with pytest.raises(ValueError, match="p must be finite"):
        objective.value(bad)
    with pytest.raises(ValueError, match="p must be finite"):
        objective.grad(bad)


def test_value_rejects_non_numeric():
    with pytest.raises(ValueError, match="p must be numeric"):
        get_objective("bowl").value(["a", "b"])


def test_value_and_grad_do_not_mutate_input():
    p = np.array([[0.5, -1.5], [2.0, 1.0]])
    p_before = p.copy()
    for objective in OBJECTIVES.values():
        grad = objective.grad(p)
        objective.value(p)
        grad[...] = 123.0  # the returned gradient is a new array: changing it leaves p alone
        np.testing.assert_array_equal(p, p_before)


def test_large_inputs_overflow_to_inf_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert get_objective("rosenbrock").value([1e200, 1e200]) == np.inf
        assert not np.all(np.isfinite(get_objective("beale").grad([1e200, 1e200])))


def test_objective_is_frozen_and_points_read_only():
    objective = get_objective("rosenbrock")
    with pytest.raises(dataclasses.FrozenInstanceError):
        objective.start = np.zeros(2)
    with pytest.raises(ValueError, match="read-only"):
        objective.start[0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        objective.minima[0][0] = 0.0


@pytest.mark.parametrize("name", NAMES)
def test_start_is_inside_bounds_and_not_stationary(name):
    objective = get_objective(name)
    assert objective.start.shape == (2,)
    (x_min, x_max), (y_min, y_max) = objective.bounds
    assert x_min < x_max and y_min < y_max
    assert x_min <= objective.start[0] <= x_max and y_min <= objective.start[1] <= y_max
    assert np.linalg.norm(objective.grad(objective.start)) > 1e-3
    for minimum in objective.minima:
        assert x_min <= minimum[0] <= x_max and y_min <= minimum[1] <= y_max


@pytest.mark.parametrize("name", NAMES)
def test_convex_flag_matches_hessian_eigenvalues(name):
    # Hessian by central differences of the analytic gradient; its smallest eigenvalue is >= 0 everywhere
    # for a convex function, and < 0 somewhere in the plot window for these non-convex ones.
    # Tolerance 1e-4: the differenced Hessian of a quadratic is exact up to rounding (~1e-10 here).
    objective = get_objective(name)
    (x_min, x_max), (y_min, y_max) = objective.bounds
    X, Y = np.meshgrid(np.linspace(x_min, x_max, 15), np.linspace(y_min, y_max, 15))
    smallest = []
    for p in np.stack([X.ravel(), Y.ravel()], axis=-1):
        hessian = np.stack([numerical_gradient(lambda q, i=i: objective.grad(q)[i], p) for i in range(2)])
        smallest.append(np.linalg.eigvalsh((hessian + hessian.T) / 2)[0])
    if objective.convex:
        assert min(smallest) > -1e-4
    else:
        assert min(smallest) < -1e-2


@pytest.mark.torch
@pytest.mark.parametrize("name", NAMES)
def test_grad_matches_torch_autograd(name):
    # An independent oracle: PyTorch differentiates the same formula (value_fn uses only + - * **).
    # Both are exact formulas evaluated in float64, so they agree to rounding (rtol 1e-12).
    torch = require_torch()
    objective = get_objective(name)
    for p in random_points(objective, num_points=10, seed=2):
        x = torch.tensor(p[0], dtype=torch.float64, requires_grad=True)
        y = torch.tensor(p[1], dtype=torch.float64, requires_grad=True)
        objective.value_fn(x, y).backward()
        expected = np.array([x.grad.item(), y.grad.item()])
        np.testing.assert_allclose(objective.grad(p), expected, rtol=1e-12, atol=1e-12)

"""Tests of gdbp.descent: gradient_descent, optimize, diverged."""
import warnings

import numpy as np
import pytest

from gdbp.descent import diverged, gradient_descent, optimize
from gdbp.objectives import get_objective

BOWL = get_objective("bowl")  # f = x^2 + y^2: GD multiplies x by (1 - 2 lr) each step


def local_sgd(param, grad, state, lr):
    """A minimal rule with the gdbp.optim contract: state counts the steps."""
    t = 0 if state is None else state
    return param - lr * grad, t + 1


def local_momentum(param, grad, state, lr, momentum=0.9):
    """Heavy-ball momentum with the gdbp.optim contract (v includes lr, as in Ruder's paper)."""
    v = np.zeros_like(param) if state is None else state
    v = momentum * v + lr * grad
    return param - v, v


def optim_rule(name):
    """The rule ``gdbp.optim.<name>``, or skip while gdbp.optim does not export it yet."""
    optim = pytest.importorskip("gdbp.optim")
    rule = getattr(optim, name, None)
    if not callable(rule):
        pytest.skip(f"gdbp.optim.{name} is not available yet")
    return rule


# --- gradient_descent -------------------------------------------------------------------------------

def test_gradient_descent_converges_on_bowl_at_rate_one_minus_two_lr():
    trajectory = gradient_descent(BOWL.grad, BOWL.start, lr=0.1, num_steps=200)
    assert trajectory.shape == (201, 2)
    assert trajectory.dtype == np.float64
    np.testing.assert_array_equal(trajectory[0], BOWL.start)
    np.testing.assert_allclose(trajectory[1:], 0.8 * trajectory[:-1], rtol=1e-15)  # x <- (1 - 0.2) x
    assert np.linalg.norm(trajectory[-1]) < 1e-12


def test_gradient_descent_on_bowl_stable_below_lr_1_diverges_above():
    # x_{t+1} = (1 - 2 lr) x_t: the norm shrinks iff |1 - 2 lr| < 1, i.e. 0 < lr < 1.
    norms = {lr: np.linalg.norm(gradient_descent(BOWL.grad, BOWL.start, lr, 50), axis=1)
             for lr in (0.99, 1.0, 1.01)}
    np.testing.assert_allclose(norms[0.99][1:] / norms[0.99][:-1], 0.98, rtol=1e-12)
    np.testing.assert_allclose(norms[1.0], 5.0, rtol=0)  # lr = 1 bounces between x0 and -x0 forever
    np.testing.assert_allclose(norms[1.01][1:] / norms[1.01][:-1], 1.02, rtol=1e-12)
    bounced = gradient_descent(BOWL.grad, BOWL.start, 1.0, 2)
    np.testing.assert_array_equal(bounced, [BOWL.start, -BOWL.start, BOWL.start])


def test_gradient_descent_ill_conditioned_threshold_is_two_over_largest_curvature():
    # f = 0.1 x^2 + 2 y^2 has curvatures 0.2 and 4: GD is stable iff lr < 2 / 4 = 0.5.
    objective = get_objective("ill_conditioned")
    stable = gradient_descent(objective.grad, objective.start, lr=0.49, num_steps=500)
    unstable = gradient_descent(objective.grad, objective.start, lr=0.51, num_steps=500)
    assert abs(stable[-1, 1]) < 1e-6
    assert abs(unstable[-1, 1]) > 1e3 * abs(unstable[0, 1])


def test_gradient_descent_divergence_stops_with_non_finite_last_row_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trajectory = gradient_descent(BOWL.grad, BOWL.start, lr=1e10, num_steps=1000)
    assert diverged(trajectory)
    assert len(trajectory) < 1001
    assert not np.all(np.isfinite(trajectory[-1]))
    assert np.all(np.isfinite(trajectory[:-1]))


def test_gradient_descent_divergence_on_rosenbrock_stops_cleanly():
    # The objective's own gradient overflows to inf on huge inputs; the run must still stop quietly.
    rosenbrock = get_objective("rosenbrock")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trajectory = gradient_descent(rosenbrock.grad, rosenbrock.start, lr=0.1, num_steps=1000)
    assert diverged(trajectory)
    assert len(trajectory) < 1001
    assert np.all(np.isfinite(trajectory[:-1]))


def test_gradient_descent_tol_stops_early():
    trajectory = gradient_descent(BOWL.grad, BOWL.start, lr=0.1, num_steps=1000, tol=1e-3)
    assert len(trajectory) < 1001
    assert np.linalg.norm(BOWL.grad(trajectory[-1])) < 1e-3      # stopped because of tol ...
    assert np.linalg.norm(BOWL.grad(trajectory[-2])) >= 1e-3     # ... and not a step too late
    assert not diverged(trajectory)


def test_gradient_descent_tol_not_reached_runs_all_steps():
    trajectory = gradient_descent(BOWL.grad, BOWL.start, lr=0.1, num_steps=5, tol=1e-3)
    assert trajectory.shape == (6, 2)


def test_gradient_descent_zero_steps_returns_x0():
    trajectory = gradient_descent(BOWL.grad, [1.0, 2.0, 3.0], lr=0.1, num_steps=0)
    np.testing.assert_array_equal(trajectory, [[1.0, 2.0, 3.0]])


def test_gradient_descent_works_in_any_dimension():
    trajectory = gradient_descent(lambda x: 2 * x, np.arange(5.0), lr=0.25, num_steps=3)
    np.testing.assert_allclose(trajectory[-1], 0.5**3 * np.arange(5.0))


def test_gradient_descent_does_not_mutate_x0_and_survives_mutating_grad_fn():
    x0 = np.array([3.0, -4.0])

    def mutating_grad(x):
        g = 2 * x
        x[...] = 0.0  # a careless gradient function that overwrites its argument
        return g

    trajectory = gradient_descent(mutating_grad, x0, lr=0.25, num_steps=3)
    np.testing.assert_array_equal(x0, [3.0, -4.0])
    np.testing.assert_allclose(trajectory, [[3.0, -4.0], [1.5, -2.0], [0.75, -1.0], [0.375, -0.5]])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"x0": np.zeros((2, 2))}, ValueError, r"x0 must have shape \(d,\)"),
        ({"x0": 1.0}, ValueError, r"x0 must have shape \(d,\)"),
        ({"x0": [np.nan, 0.0]}, ValueError, "x0 must be finite"),
        ({"lr": 0.0}, ValueError, "lr must be a positive finite number"),
        ({"lr": -0.1}, ValueError, "lr must be a positive finite number"),
        ({"num_steps": -1}, ValueError, "num_steps must be >= 0"),
        ({"num_steps": 10.0}, TypeError, "num_steps must be an int"),
        ({"tol": 0.0}, ValueError, "tol must be a positive finite number"),
    ],
)
def test_gradient_descent_rejects_bad_arguments(kwargs, error, message):
    arguments = {"grad_fn": BOWL.grad, "x0": [1.0, 1.0], "lr": 0.1, "num_steps": 10} | kwargs
    with pytest.raises(error, match=message):
        gradient_descent(**arguments)


def test_gradient_descent_rejects_grad_of_wrong_shape():
    with pytest.raises(ValueError, match=r"grad_fn must return an array of x's shape \(2,\); got shape \(3,\)"):
        gradient_descent(lambda x: np.ones(3), [1.0, 1.0], lr=0.1, num_steps=1)


# --- optimize ---------------------------------------------------------------------------------------

def test_optimize_with_sgd_rule_equals_gradient_descent():
    objective = get_objective("booth")
    expected = gradient_descent(objective.grad, objective.start, lr=0.01, num_steps=100)
    trajectory = optimize(objective.grad, objective.start, local_sgd, 100, lr=0.01)
    np.testing.assert_array_equal(trajectory, expected)


def test_optimize_threads_state_starting_from_none():
    seen_states = []

    def recording_rule(param, grad, state, lr):
        seen_states.append(state)
        return local_sgd(param, grad, state, lr)

    optimize(BOWL.grad, BOWL.start, recording_rule, 4, lr=0.1)
    assert seen_states == [None, 1, 2, 3]


def test_optimize_passes_hyperparameters_and_momentum_wins_the_rosenbrock_race():
    # The standard start (-1.5, 2) sits across the curved valley: in 500 steps with lr = 1e-3 plain GD
    # is still crawling along the valley floor, momentum gets close to the minimum (1, 1).
    rosenbrock = get_objective("rosenbrock")
    plain = optimize(rosenbrock.grad, rosenbrock.start, local_sgd, 500, lr=1e-3)
    heavy_ball = optimize(rosenbrock.grad, rosenbrock.start, local_momentum, 500, lr=1e-3, momentum=0.9)
    distance = {name: np.linalg.norm(run[-1] - rosenbrock.minima[0])
                for name, run in {"plain": plain, "heavy_ball": heavy_ball}.items()}
    assert distance["heavy_ball"] < 0.2 < 1.0 < distance["plain"]


def test_optimize_divergence_stops_with_non_finite_last_row_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trajectory = optimize(BOWL.grad, BOWL.start, local_sgd, 1000, lr=1e10)
    assert diverged(trajectory)
    assert len(trajectory) < 1001
    assert np.all(np.isfinite(trajectory[:-1]))


def test_optimize_overflowed_gradient_stops_before_calling_the_rule():
    # Rosenbrock's gradient overflows to inf at huge but finite points; gdbp.optim rules reject a
    # non-finite grad, so optimize must stop first and record a row of nan.
    def strict_sgd(param, grad, state, lr):
        assert np.all(np.isfinite(grad)), "rule called with a non-finite gradient"
        return local_sgd(param, grad, state, lr)

    rosenbrock = get_objective("rosenbrock")
    trajectory = optimize(rosenbrock.grad, rosenbrock.start, strict_sgd, 1000, lr=0.1)
    assert diverged(trajectory)
    assert np.all(np.isnan(trajectory[-1]))
    assert np.all(np.isfinite(trajectory[:-1]))
    assert not np.all(np.isfinite(rosenbrock.grad(trajectory[-2])))


def test_optimize_stored_rows_survive_a_rule_that_mutates():
    def mutating_rule(param, grad, state, lr):
        param -= lr * grad  # in place, then returned: the trajectory must still hold every step
        return param, state

    x0 = np.array([3.0, -4.0])
    trajectory = optimize(BOWL.grad, x0, mutating_rule, 3, lr=0.25)
    np.testing.assert_array_equal(x0, [3.0, -4.0])
    np.testing.assert_allclose(trajectory, [[3.0, -4.0], [1.5, -2.0], [0.75, -1.0], [0.375, -0.5]])


def test_optimize_rejects_bad_rules():
    with pytest.raises(TypeError, match="rule must be callable"):
        optimize(BOWL.grad, [1.0, 1.0], "sgd", 3)
    with pytest.raises(ValueError, match=r"rule must return a pair \(new_param, new_state\)"):
        optimize(BOWL.grad, [1.0, 1.0], lambda p, g, s: p - g, 3)
    with pytest.raises(ValueError, match=r"rule must return new_param of shape \(2,\); got shape \(3,\)"):
        optimize(BOWL.grad, [1.0, 1.0], lambda p, g, s: (np.zeros(3), s), 3)


def test_optimize_with_gdbp_optim_sgd_matches_local_rule():
    sgd = optim_rule("sgd")
    objective = get_objective("ill_conditioned")
    expected = optimize(objective.grad, objective.start, local_sgd, 50, lr=0.05)
    trajectory = optimize(objective.grad, objective.start, sgd, 50, lr=0.05)
    np.testing.assert_allclose(trajectory, expected, rtol=1e-15, atol=0)


def test_optimize_with_gdbp_optim_adam_converges_on_bowl():
    # The contract with a rule whose state is a typed tuple (m, v, t). Measured: |x| ~ 3e-11 after 500
    # steps; 1e-6 only asks that the state is threaded correctly (resetting it each step stalls at ~3e-2).
    adam = optim_rule("adam")
    trajectory = optimize(BOWL.grad, BOWL.start, adam, 500, lr=0.1)
    assert trajectory.shape == (501, 2)
    assert np.linalg.norm(trajectory[-1]) < 1e-6


def test_optimize_with_gdbp_optim_sgd_diverges_quietly():
    sgd = optim_rule("sgd")
    rosenbrock = get_objective("rosenbrock")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trajectory = optimize(rosenbrock.grad, rosenbrock.start, sgd, 1000, lr=0.1)
    assert diverged(trajectory)
    assert np.all(np.isfinite(trajectory[:-1]))


# --- diverged ---------------------------------------------------------------------------------------

def test_diverged_reads_the_last_row():
    assert not diverged([[0.0, 1.0], [2.0, 3.0]])
    assert diverged([[0.0, 1.0], [np.inf, 3.0]])
    assert diverged([[0.0, 1.0], [1.0, np.nan]])
    with pytest.raises(ValueError, match=r"trajectory must have shape \(k \+ 1, d\)"):
        diverged([1.0, 2.0])


"""Tests of the optimizer rules in gdbp.optim (paper forms, equivalences, convergence, contract).

One table drives them: ``gdbp.optim.RULES``. The torch convention is checked against torch.optim in
tests/test_optim_torch.py; the Optimizer object and the schedules in test_optimizer.py / test_schedules.py.
"""
import copy
import inspect
import math

import numpy as np
import pytest
from hypothesis import given, settings

import gdbp.optim as optim
from strategies import arrays

NAMES = list(optim.RULES)
CONVENTIONS = ["paper", "torch"]


def quadratic(seed, cond, dim):
    """J(x) = 0.5 x^T A x with A = Q diag(logspace(0, log10(cond))) Q^T; minimum at 0. Returns A, x0."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    A = (Q * np.logspace(0, np.log10(cond), dim)) @ Q.T
    return A, rng.normal(size=dim)


def run(name, grads, param=1.0, convention="paper", **hyperparameters):
    """Apply rule ``name`` to a sequence of gradients; return the list of parameters after each step."""
    param, state, out = np.asarray(param), None, []
    for grad in grads:
        param, state = optim.RULES[name](param, np.asarray(grad), state, convention=convention,
                                         **hyperparameters)
        out.append(param)
    return out


# ---------------------------------------------------------------------------------------------------
# Paper forms: the first two steps computed by hand, paper defaults, theta_0 = 1, g_1 = 0.5, g_2 = -0.01.
# (g_2 is small so that AMSGrad's v decreases and its max matters, and AdaMax's u decays instead of
# jumping to |g_2|.) Tolerance 1e-15: the same arithmetic as the code, on numbers of size ~1.
# ---------------------------------------------------------------------------------------------------
G1, G2 = 0.5, -0.01


def hand_sgd():  # lr = 0.01
    p1 = 1 - 0.01 * 0.5
    return p1, p1 - 0.01 * -0.01


def hand_momentum():  # lr = 0.01, gamma = 0.9
    v1 = 0.01 * 0.5
    v2 = 0.9 * v1 + 0.01 * -0.01
    return 1 - v1, 1 - v1 - v2


def hand_nesterov():  # lr = 0.01, gamma = 0.9; phi_t = phi_{t-1} - (gamma v_t + lr g_t)
    v1 = 0.01 * 0.5
    p1 = 1 - (0.9 * v1 + 0.01 * 0.5)
    v2 = 0.9 * v1 + 0.01 * -0.01
    return p1, p1 - (0.9 * v2 + 0.01 * -0.01)


def hand_adagrad():  # lr = 0.01, eps = 1e-8 inside the square root
    G1_ = 0.5**2
    p1 = 1 - 0.01 / math.sqrt(G1_ + 1e-8) * 0.5
    G2_ = G1_ + 0.01**2
    return p1, p1 - 0.01 / math.sqrt(G2_ + 1e-8) * -0.01


def hand_adadelta():  # rho = 0.9, eps = 1e-6, no lr
    Eg1 = 0.1 * 0.25
    d1 = -math.sqrt(0 + 1e-6) / math.sqrt(Eg1 + 1e-6) * 0.5
    Ed1 = 0.1 * d1**2
    Eg2 = 0.9 * Eg1 + 0.1 * 0.0001
    d2 = -math.sqrt(Ed1 + 1e-6) / math.sqrt(Eg2 + 1e-6) * -0.01
    return 1 + d1, 1 + d1 + d2


def hand_rmsprop():  # lr = 0.001, rho = 0.9, eps = 1e-8 inside the square root
    E1 = 0.1 * 0.25
    p1 = 1 - 0.001 / math.sqrt(E1 + 1e-8) * 0.5
    E2 = 0.9 * E1 + 0.1 * 0.0001
    return p1, p1 - 0.001 / math.sqrt(E2 + 1e-8) * -0.01


# Adam's moments after the two steps (shared by the Adam family below).
M1, V1 = 0.1 * 0.5, 0.001 * 0.25  # 0.05, 0.00025
M2, V2 = 0.9 * M1 + 0.1 * -0.01, 0.999 * V1 + 0.001 * 0.0001  # 0.044, 0.00024985 (< V1)


def hand_adam():  # lr = 0.001, beta1 = 0.9, beta2 = 0.999, eps = 1e-8
    p1 = 1 - 0.001 * (M1 / 0.1) / (math.sqrt(V1 / 0.001) + 1e-8)
    return p1, p1 - 0.001 * (M2 / (1 - 0.9**2)) / (math.sqrt(V2 / (1 - 0.999**2)) + 1e-8)


def hand_adamax():  # lr = 0.002; u_1 = max(0, 0.5), u_2 = max(0.999 * 0.5, 0.01)
    u1 = 0.5
    u2 = 0.999 * 0.5
    p1 = 1 - 0.002 * (M1 / u1) / 0.1
    return p1, p1 - 0.002 * (M2 / u2) / (1 - 0.9**2)


def hand_nadam():  # lr = 0.002, theta -= lr / (sqrt(vhat) + eps) (beta1 mhat + (1 - beta1) g / (1 - beta1^t))
    p1 = 1 - 0.002 / (math.sqrt(V1 / 0.001) + 1e-8) * (0.9 * M1 / 0.1 + 0.1 * 0.5 / 0.1)
    bc1 = 1 - 0.9**2
    return p1, p1 - 0.002 / (math.sqrt(V2 / (1 - 0.999**2)) + 1e-8) * (0.9 * M2 / bc1 + 0.1 * -0.01 / bc1)


def hand_amsgrad():  # lr = 0.001, no bias correction; vhat_2 = max(V1, V2) = V1
    p1 = 1 - 0.001 * M1 / (math.sqrt(V1) + 1e-8)
    return p1, p1 - 0.001 * M2 / (math.sqrt(max(V1, V2)) + 1e-8)


def hand_adamw():  # Adam plus theta * (1 - lambda), lambda = 1e-5
    p1 = 1 * (1 - 1e-5) - 0.001 * (M1 / 0.1) / (math.sqrt(V1 / 0.001) + 1e-8)
    return p1, p1 * (1 - 1e-5) - 0.001 * (M2 / (1 - 0.9**2)) / (math.sqrt(V2 / (1 - 0.999**2)) + 1e-8)


HAND = {name: globals()[f"hand_{name}"] for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_rule_paper_first_two_steps_match_hand_computation(name):
    p1, p2 = run(name, [G1, G2])
    expected1, expected2 = HAND[name]()
    assert abs(p1 - expected1) <= 1e-15, f"{name} step 1: received {p1!r}, expected {expected1!r}"
    assert abs(p2 - expected2) <= 1e-15, f"{name} step 2: received {p2!r}, expected {expected2!r}"


def test_amsgrad_paper_hand_case_exercises_the_max():
    """The hand case above would not test AMSGrad's max if v grew: it must shrink at step 2."""
    assert V2 < V1
    assert abs(hand_amsgrad()[1] - hand_adam()[1]) > 1e-6


# ---------------------------------------------------------------------------------------------------
# Equivalences between rules
# ---------------------------------------------------------------------------------------------------
def random_grads(seed, n_steps=30, shape=(4,)):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for _ in range(n_steps)]


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("name", ["momentum", "nesterov"])
def test_momentum_rules_with_zero_momentum_equal_sgd(name, convention):
    grads = random_grads(0)
    expected = run("sgd", grads, np.ones(4), convention, lr=0.05)
    received = run(name, grads, np.ones(4), convention, lr=0.05, momentum=0.0)
    np.testing.assert_array_equal(received, expected)  # exact: gamma v = 0 adds exactly nothing


@pytest.mark.parametrize("name", ["momentum", "nesterov"])
def test_momentum_rules_paper_equal_torch_while_lr_is_constant(name):
    """v_t = lr * b_t: the two conventions give the same iterates (to rounding) for a constant lr."""
    grads = random_grads(1)
    paper = run(name, grads, np.ones(4), "paper", lr=0.05, momentum=0.9)
    torch_form = run(name, grads, np.ones(4), "torch", lr=0.05, momentum=0.9)
    np.testing.assert_allclose(paper, torch_form, rtol=0, atol=1e-14)  # rounding of O(1) numbers


@pytest.mark.parametrize("name", ["momentum", "nesterov"])
def test_momentum_rules_paper_differ_from_torch_when_lr_changes(name):
    """Where the conventions part: the paper's velocity keeps old learning rates, torch's buffer does not."""
    grads = random_grads(2, n_steps=2)
    results = {}
    for convention in CONVENTIONS:
        p, s = optim.RULES[name](np.ones(4), grads[0], None, lr=0.1, convention=convention)
        p, s = optim.RULES[name](p, grads[1], s, lr=0.01, convention=convention)
        results[convention] = p
    assert np.max(np.abs(results["paper"] - results["torch"])) > 1e-3


def test_nesterov_paper_equals_ruder_lookahead_form_after_change_of_variables():
    """Run Ruder's look-ahead NAG literally (gradient at theta - gamma v) next to gdbp's nesterov.

    gdbp stores phi = theta - gamma v and only ever sees the gradient at phi; the docstring derives that
    phi_t = theta_t - gamma v_t at every step, which is checked here. Tolerance 1e-13: rounding over 60
    steps of numbers of size ~1.
    """
    A, x0 = quadratic(seed=3, cond=10, dim=3)
    lr, gamma = 0.05, 0.9
    theta, v = x0.copy(), np.zeros(3)
    phi, state = x0.copy(), None
    for _ in range(60):
        v = gamma * v + lr * A @ (theta - gamma * v)  # Ruder: v_t = gamma v_{t-1} + eta grad J(theta - gamma v)
        theta = theta - v
        phi, state = optim.nesterov(phi, A @ phi, state, lr=lr, momentum=gamma)
        np.testing.assert_allclose(phi, theta - gamma * v, rtol=0, atol=1e-13)
        np.testing.assert_allclose(state.v, v, rtol=0, atol=1e-13)


def test_adam_with_beta1_zero_and_bias_correction_gone_equals_rmsprop_torch_form():
    """Adam with beta1 = 0 has m_t = g_t; once 1 - beta2^t == 1.0 in float64 (t = 10**6 gives
    beta2^t = 0.99^1e6 = 0.0) its bias correction is exactly 1 and Adam is RMSprop with eps outside the
    square root (the torch form): theta -= lr g / (sqrt(E[g^2]) + eps). We express "no bias correction"
    by starting Adam's step count at 10**6. Tolerance 1e-14: lr * g / d vs lr / d * g rounding."""
    grads = random_grads(4, n_steps=50)
    adam_param, adam_state = np.ones(4), optim.AdamState(t=10**6, m=np.zeros(4), v=np.zeros(4))
    rms_param, rms_state = np.ones(4), None
    for grad in grads:
        adam_param, adam_state = optim.adam(adam_param, grad, adam_state, lr=0.01, beta1=0.0, beta2=0.99)
        rms_param, rms_state = optim.rmsprop(rms_param, grad, rms_state, lr=0.01, rho=0.99, convention="torch")
        np.testing.assert_allclose(adam_param, rms_param, rtol=0, atol=1e-14)
        np.testing.assert_allclose(adam_state.v, rms_state.avg_sq_grad, rtol=0, atol=1e-15)


def test_adam_with_beta1_zero_from_step_one_differs_from_rmsprop():
    """The bias correction matters early: from t = 0 the two are not equal (the test above can fail)."""
    grads = random_grads(4, n_steps=5)
    adam_params = run("adam", grads, np.ones(4), lr=0.01, beta1=0.0, beta2=0.99)
    rms_params = run("rmsprop", grads, np.ones(4), "torch", lr=0.01, rho=0.99)
    assert np.max(np.abs(adam_params[-1] - rms_params[-1])) > 1e-3


def growing_grads(seed, n_steps=40):
    """Gradients whose |g| never decreases (coordinate-wise), so Adam's v_t never decreases."""
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=(n_steps, 3))
    return [signs[k] * 1.05**k * np.array([1.0, 0.1, 3.0]) for k in range(n_steps)]


def test_amsgrad_torch_equals_adam_while_v_is_non_decreasing():
    grads = growing_grads(5)
    adam_params = run("adam", grads, np.ones(3), "torch", lr=0.01)
    amsgrad_params = run("amsgrad", grads, np.ones(3), "torch", lr=0.01)
    np.testing.assert_array_equal(amsgrad_params, adam_params)  # exact: vhat_t = v_t, same operations


def test_amsgrad_torch_differs_from_adam_when_v_decreases():
    grads = [np.full(3, 5.0)] + random_grads(5, n_steps=20, shape=(3,))  # |g| ~1 after 5: v decreases
    adam_params = run("adam", grads, np.ones(3), "torch", lr=0.01, beta2=0.9)
    amsgrad_params = run("amsgrad", grads, np.ones(3), "torch", lr=0.01, beta2=0.9)
    assert np.max(np.abs(adam_params[-1] - amsgrad_params[-1])) > 1e-3


def test_adadelta_torch_with_lr_one_equals_paper():
    grads = random_grads(6)
    np.testing.assert_array_equal(run("adadelta", grads, np.ones(4), "torch"), run("adadelta", grads, np.ones(4)))


def test_adam_paper_equals_torch_to_rounding():
    grads = random_grads(7)
    np.testing.assert_allclose(run("adam", grads, np.ones(4), "torch"), run("adam", grads, np.ones(4)),
                               rtol=0, atol=1e-15)


def test_adamw_with_zero_weight_decay_equals_adam():
    grads = random_grads(8)
    for convention in CONVENTIONS:
        np.testing.assert_array_equal(run("adamw", grads, np.ones(4), convention, weight_decay=0.0),
                                      run("adam", grads, np.ones(4), convention))


def test_adamax_paper_does_not_move_a_coordinate_whose_gradient_was_always_zero():
    """u_t = 0 and m_t = 0 there (0/0 in the formula): the step is 0, not NaN."""
    grads = [np.array([0.5, 0.0]), np.array([-0.2, 0.0])]
    p1, p2 = run("adamax", grads, np.array([1.0, 2.0]))
    assert p2[1] == 2.0 and np.isfinite(p2).all()


# ---------------------------------------------------------------------------------------------------
# Convergence: paper defaults except a per-rule learning rate; steps to ||x - x*|| <= 1e-3.
# The bounds are ~1.5x the measured counts (deterministic seeds), so a slower rule fails.
# ---------------------------------------------------------------------------------------------------
# Convex bowl: condition number 4 in 2-D, |x0| = 0.65.
BOWL = {
    "sgd": ({"lr": 0.4}, 20),  # measured 13
    "momentum": ({"lr": 0.1}, 125),  # 83: the heavy ball overshoots and circles on a round bowl
    "nesterov": ({"lr": 0.3}, 30),  # 18
    "adagrad": ({"lr": 0.5}, 12),  # 7
    "adadelta": ({}, 400),  # 255: no lr, the step grows from sqrt(eps) = 1e-3
    "rmsprop": ({"lr": 0.03}, 55),  # 35
    "adam": ({"lr": 0.1}, 155),  # 103
    "adamax": ({"lr": 0.1}, 110),  # 71
    "nadam": ({"lr": 0.1}, 95),  # 62
    "amsgrad": ({"lr": 0.1}, 140),  # 94
    "adamw": ({"lr": 0.1}, 155),  # 103 (weight decay 1e-5 per step)
}
# Ill-conditioned: condition number 100 in 6-D, |x0| = 2.7. Adadelta is left out: without a learning
# rate its steps grow too slowly (no 1e-3 within 50,000 steps). RMSprop with lr = 0.01 ends in a limit
# cycle of radius ~1e-2 (its step does not shrink with g), so it needs a small lr.
ILL = {
    "sgd": ({"lr": 0.019}, 570),  # 377; stable for lr < 2 / 100
    "momentum": ({"lr": 0.01}, 205),  # 135
    "nesterov": ({"lr": 0.01}, 145),  # 96
    "adagrad": ({"lr": 1.0}, 420),  # 280
    "rmsprop": ({"lr": 3e-4}, 11600),  # 7707
    "adam": ({"lr": 0.1}, 330),  # 217
    "adamax": ({"lr": 0.3}, 660),  # 438
    "nadam": ({"lr": 0.1}, 270),  # 179
    "amsgrad": ({"lr": 0.1}, 220),  # 146
    "adamw": ({"lr": 0.1}, 330),  # 217
}


def steps_to_minimum(name, hyperparameters, A, x0, max_steps, tol=1e-3):
    x, state = x0.copy(), None
    for step in range(1, max_steps + 1):
        x, state = optim.RULES[name](x, A @ x, state, **hyperparameters)
        if np.linalg.norm(x) <= tol:
            return step
    return None


def test_convergence_tables_cover_every_rule():
    assert set(BOWL) == set(NAMES)
    assert set(ILL) == set(NAMES) - {"adadelta"}


@pytest.mark.parametrize("name", NAMES)
def test_rule_reaches_minimum_of_convex_bowl(name):
    hyperparameters, max_steps = BOWL[name]
    A, x0 = quadratic(seed=0, cond=4, dim=2)
    steps = steps_to_minimum(name, hyperparameters, A, x0, max_steps)
    assert steps is not None, f"{name} {hyperparameters} not within 1e-3 of the minimum in {max_steps} steps"


@pytest.mark.parametrize("name", list(ILL))
def test_rule_reaches_minimum_of_ill_conditioned_quadratic(name):
    hyperparameters, max_steps = ILL[name]
    A, x0 = quadratic(seed=0, cond=100, dim=6)
    steps = steps_to_minimum(name, hyperparameters, A, x0, max_steps)
    assert steps is not None, f"{name} {hyperparameters} not within 1e-3 of the minimum in {max_steps} steps"


# ---------------------------------------------------------------------------------------------------
# Contract: shapes, dtypes, state over steps, non-mutation, new arrays
# ---------------------------------------------------------------------------------------------------
def state_arrays(state):
    return {f: v for f, v in zip(state._fields, state) if f not in ("t", "mu_product")}


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3, 4)], ids=["0d", "1d", "3d"])
@pytest.mark.parametrize("name", NAMES)
def test_rule_keeps_shape_dtype_and_counts_steps(name, shape, convention):
    rng = np.random.default_rng(9)
    param, state = rng.normal(size=shape), None
    for t in (1, 2, 3):
        param, state = optim.RULES[name](param, rng.normal(size=shape), state, convention=convention)
        assert np.shape(param) == shape and param.dtype == np.float64
        assert state.t == t and isinstance(state.t, int)
        for field, value in state_arrays(state).items():
            assert np.shape(value) == shape, f"state.{field} has shape {np.shape(value)}"
        assert np.isfinite(param).all()


@pytest.mark.parametrize("name", NAMES)
def test_rule_accepts_python_float(name):
    param, state = optim.RULES[name](1.0, 0.5, None)
    param, state = optim.RULES[name](param, -0.25, state)
    assert np.shape(param) == () and state.t == 2


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("name", NAMES)
def test_rule_does_not_mutate_inputs_or_state(name, convention):
    rng = np.random.default_rng(10)
    param, grad = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    _, state = optim.RULES[name](param, grad, None, convention=convention)
    _, state = optim.RULES[name](param, -grad, state, convention=convention)
    param_before, grad_before, state_before = param.copy(), grad.copy(), copy.deepcopy(state)
    new_param, new_state = optim.RULES[name](param, grad, state, convention=convention)
    np.testing.assert_array_equal(param, param_before)
    np.testing.assert_array_equal(grad, grad_before)
    assert state.t == state_before.t
    for field, value in state_arrays(state).items():
        np.testing.assert_array_equal(value, getattr(state_before, field), err_msg=f"state.{field} changed")
    assert not np.shares_memory(new_param, param) and not np.shares_memory(new_param, grad)
    for field, value in state_arrays(new_state).items():
        assert not np.shares_memory(value, getattr(state, field)), f"new state.{field} aliases the old one"


@settings(max_examples=25, deadline=None)
@given(param=arrays(), seed_grad=arrays())
def test_rules_never_mutate_random_arrays(param, seed_grad):
    grad = np.resize(seed_grad, param.shape)  # a gradient of param's shape
    param_before, grad_before = param.copy(), grad.copy()
    for name in NAMES:
        new_param, _ = optim.RULES[name](param, grad, None)
        assert new_param.shape == param.shape and np.isfinite(new_param).all()
    np.testing.assert_array_equal(param, param_before)
    np.testing.assert_array_equal(grad, grad_before)


@pytest.mark.parametrize("name", NAMES)
def test_rule_float32_param_stays_float32(name):
    param = np.ones(3, dtype=np.float32)
    new_param, state = optim.RULES[name](param, np.full(3, 0.5, dtype=np.float32), None)
    assert new_param.dtype == np.float32


# ---------------------------------------------------------------------------------------------------
# Registry and defaults
# ---------------------------------------------------------------------------------------------------
def test_rules_registry_holds_the_ten_of_ruder_and_adamw():
    assert NAMES == ["sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "adamax",
                     "nadam", "amsgrad", "adamw"]
    for name, rule in optim.RULES.items():
        assert rule is getattr(optim, name) and rule.__name__ == name


@pytest.mark.parametrize("name", NAMES)
def test_defaults_match_the_signature(name):
    """A literal default in the signature is the default of both conventions; a None default stands for
    one that differs between them (or exists in one only). Catches a table and a signature drifting apart."""
    parameters = list(inspect.signature(optim.RULES[name]).parameters.values())
    assert [p.name for p in parameters[:3]] == ["param", "grad", "state"]
    assert parameters[3].kind is inspect.Parameter.KEYWORD_ONLY and parameters[-1].name == "convention"
    paper, torch_ = optim.defaults(name, "paper"), optim.defaults(name, "torch")
    for p in parameters[3:-1]:
        if p.default is None:
            assert paper.get(p.name) != torch_.get(p.name), f"{name}.{p.name}: None but equal defaults"
        else:
            assert paper[p.name] == torch_[p.name] == p.default, f"{name}.{p.name}"
    assert set(paper) | set(torch_) == {p.name for p in parameters[3:-1]}


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("name", NAMES)
def test_defaults_passed_explicitly_give_the_same_step(name, convention):
    grads = random_grads(11, n_steps=3)
    implicit = run(name, grads, np.ones(4), convention)
    explicit = run(name, grads, np.ones(4), convention, **optim.defaults(name, convention))
    np.testing.assert_array_equal(implicit, explicit)


def test_defaults_values_and_copies():
    assert optim.defaults("rmsprop") == {"lr": 0.001, "rho": 0.9, "eps": 1e-8}
    assert optim.defaults("rmsprop", "torch") == {"lr": 0.01, "rho": 0.99, "eps": 1e-8}
    assert "lr" not in optim.defaults("adadelta") and optim.defaults("adadelta", "torch")["lr"] == 1.0
    assert "eps" not in optim.defaults("adamax") and optim.defaults("adamax", "torch")["eps"] == 1e-8
    assert optim.defaults("adagrad", "torch")["eps"] == 1e-10
    optim.defaults("adam")["lr"] = 5.0  # a copy: the table is unchanged
    assert optim.defaults("adam")["lr"] == 0.001


def test_defaults_rejects_unknown_name_and_convention():
    with pytest.raises(ValueError, match="name must be one of .*received 'adams'"):
        optim.defaults("adams")
    with pytest.raises(ValueError, match="convention must be 'paper' or 'torch', received 'pytorch'"):
        optim.defaults("adam", "pytorch")


# ---------------------------------------------------------------------------------------------------
# One implementation of the maths: ``<name>_update`` is what ``<name>`` runs after its checks
# ---------------------------------------------------------------------------------------------------
def test_updates_registry_pairs_every_rule_with_its_maths_function():
    assert list(optim.UPDATES) == NAMES
    for name, update in optim.UPDATES.items():
        assert update is getattr(optim, f"{name}_update") and update.__name__ == f"{name}_update"
        assert update.__module__ == optim.RULES[name].__module__  # the maths lives next to its rule


@pytest.mark.parametrize("name", NAMES)
def test_update_takes_the_rules_hyperparameters_in_order(name):
    """``<name>_update(param, grad, state, <the rule's hyperparameters>[, convention])``: convention only
    where the maths differs between the conventions."""
    rule_names = list(inspect.signature(optim.RULES[name]).parameters)
    update_names = list(inspect.signature(optim.UPDATES[name]).parameters)
    assert update_names[:3] == ["param", "grad", "state"]
    assert update_names[3:] in (rule_names[3:], rule_names[3:-1])
    differs = name not in ("sgd", "adam")  # the two whose update is the same in both conventions
    assert (update_names[-1] == "convention") == differs


def resolved(name, convention, **given):
    """The keyword arguments of ``<name>_update`` as the rule resolves them (given values, else defaults)."""
    values = {**optim.defaults(name, convention), **given, "convention": convention}
    update_names = list(inspect.signature(optim.UPDATES[name]).parameters)[3:]
    return {key: values.get(key) for key in update_names}


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("name", NAMES)
def test_update_equals_its_public_rule_bit_for_bit(name, convention):
    """20 steps on a (3, 4) parameter, gradients of very different sizes, non-default hyperparameters:
    the maths function called directly gives the rule's parameters and states to the last bit."""
    rng = np.random.default_rng(12)
    given = {"lr": 0.05} if "lr" in optim.defaults(name, convention) else {}
    param_rule = param_update = rng.normal(size=(3, 4))
    state_rule = state_update = None
    arguments = resolved(name, convention, **given)
    for step in range(20):
        grad = rng.normal(size=(3, 4)) * 10.0 ** rng.integers(-8, 2, size=(3, 4))
        param_rule, state_rule = optim.RULES[name](param_rule, grad, state_rule, convention=convention, **given)
        param_update, state_update = optim.UPDATES[name](param_update, grad, state_update, **arguments)
        np.testing.assert_array_equal(param_update, param_rule, err_msg=f"{name} step {step + 1}")
        assert type(state_update) is type(state_rule) and state_update.t == state_rule.t
        for field, value in state_arrays(state_rule).items():
            np.testing.assert_array_equal(getattr(state_update, field), value, err_msg=f"{name}.{field}")


@pytest.mark.parametrize("name", NAMES)
def test_update_does_not_check_but_the_rule_does(name):
    """The checks are the rule's: the same NaN gradient is an error for ``<name>`` and flows through
    ``<name>_update`` (which must only be given checked inputs)."""
    grad = np.array([0.5, np.nan])
    with pytest.raises(ValueError, match=r"grad contains NaN at index \(1,\)"):
        optim.RULES[name](np.ones(2), grad, None)
    new_param, new_state = optim.UPDATES[name](np.ones(2), grad, None, **resolved(name, "paper"))
    outputs = [new_param, *state_arrays(new_state).values()]
    assert any(np.isnan(x[1]) for x in outputs), "the NaN should reach the parameter or the state"


# ---------------------------------------------------------------------------------------------------
# Bad input: TypeError / ValueError naming the argument, what was expected and what came
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_rule_rejects_grad_of_another_shape(name):
    with pytest.raises(ValueError, match=r"grad has shape \(3,\), expected the shape of param \(3, 2\)"):
        optim.RULES[name](np.ones((3, 2)), np.ones(3), None)


@pytest.mark.parametrize("name", NAMES)
def test_rule_rejects_nan_and_inf_grad_with_index(name):
    grad = np.zeros((3, 2))
    grad[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"grad contains NaN at index \(1, 0\)"):
        optim.RULES[name](np.ones((3, 2)), grad, None)
    grad[1, 0], grad[2, 1] = 0.0, -np.inf
    with pytest.raises(ValueError, match=r"grad contains inf at index \(2, 1\)"):
        optim.RULES[name](np.ones((3, 2)), grad, None)


@pytest.mark.parametrize("dtype, huge", [(np.float32, 1e19), (np.float64, 1e154)])  # huge**2 fits, 6 of them do not
@pytest.mark.parametrize("name", NAMES)
def test_rule_finite_check_with_huge_entries(name, dtype, huge):
    """The finiteness test starts with ``grad . grad``, which overflows to inf for these finite entries:
    the exact test must then accept them, and still find a NaN or inf among them."""
    grad = np.full((3, 2), huge, dtype=dtype)
    assert not np.isfinite(np.vdot(grad, grad))  # the case this test is about
    optim.RULES[name](np.ones((3, 2), dtype=dtype), grad, None)  # no error
    grad[2, 0] = np.nan
    with pytest.raises(ValueError, match=r"grad contains NaN at index \(2, 0\)"):
        optim.RULES[name](np.ones((3, 2), dtype=dtype), grad, None)
    grad[2, 0] = np.inf
    with pytest.raises(ValueError, match=r"grad contains inf at index \(2, 0\)"):
        optim.RULES[name](np.ones((3, 2), dtype=dtype), grad, None)


@pytest.mark.parametrize("name", NAMES)
def test_rule_rejects_list_and_int_arrays(name):
    with pytest.raises(TypeError, match="param must be a numpy array of floats .*received list"):
        optim.RULES[name]([1.0, 2.0], np.ones(2), None)
    with pytest.raises(TypeError, match="grad must be a numpy array of floats .*received list"):
        optim.RULES[name](np.ones(2), [1.0, 2.0], None)
    with pytest.raises(TypeError, match="param must be an array of floats .*received an array of dtype int64"):
        optim.RULES[name](np.array([1, 2]), np.ones(2), None)


@pytest.mark.parametrize("lr", [-0.1, 0.0])
@pytest.mark.parametrize("name", NAMES)
def test_rule_rejects_non_positive_lr(name, lr):
    with pytest.raises(ValueError, match=f"lr must be > 0, received {lr}"):
        optim.RULES[name](np.ones(2), np.ones(2), None, lr=lr, convention="torch")


@pytest.mark.parametrize("name", NAMES)
def test_rule_rejects_infinite_or_non_numeric_lr(name):
    with pytest.raises(ValueError, match="lr must be finite, received inf"):
        optim.RULES[name](np.ones(2), np.ones(2), None, lr=np.inf, convention="torch")
    with pytest.raises(TypeError, match="lr must be a real number, received str '0.1'"):
        optim.RULES[name](np.ones(2), np.ones(2), None, lr="0.1", convention="torch")


BETAS = [(name, p) for name in NAMES for p in ("momentum", "rho", "beta1", "beta2")
         if p in inspect.signature(optim.RULES[name]).parameters]


@pytest.mark.parametrize("value", [1.0, -0.1, 1.5])
@pytest.mark.parametrize("name, hyperparameter", BETAS)
def test_rule_rejects_decay_outside_unit_interval(name, hyperparameter, value):
    with pytest.raises(ValueError, match=rf"{hyperparameter} must be in \[0, 1\), received {value}"):
        optim.RULES[name](np.ones(2), np.ones(2), None, **{hyperparameter: value})


@pytest.mark.parametrize("name", [n for n in NAMES if "eps" in inspect.signature(optim.RULES[n]).parameters])
def test_rule_rejects_non_positive_eps(name):
    with pytest.raises(ValueError, match="eps must be > 0, received 0.0"):
        optim.RULES[name](np.ones(2), np.ones(2), None, eps=0.0, convention="torch")


def test_rules_reject_negative_weight_and_momentum_decay():
    with pytest.raises(ValueError, match="weight_decay must be >= 0, received -0.1"):
        optim.adamw(np.ones(2), np.ones(2), None, weight_decay=-0.1)
    with pytest.raises(ValueError, match="momentum_decay must be >= 0, received -1"):
        optim.nadam(np.ones(2), np.ones(2), None, momentum_decay=-1, convention="torch")


@pytest.mark.parametrize("name, hyperparameter", [("adadelta", "lr"), ("adamax", "eps"),
                                                  ("nadam", "momentum_decay")])
def test_rule_rejects_hyperparameter_the_paper_does_not_have(name, hyperparameter):
    with pytest.raises(ValueError, match=f"{hyperparameter} is not a hyperparameter of the paper convention"):
        optim.RULES[name](np.ones(2), np.ones(2), None, **{hyperparameter: 0.5})
    optim.RULES[name](np.ones(2), np.ones(2), None, **{hyperparameter: 0.5}, convention="torch")  # fine


@pytest.mark.parametrize("name", NAMES)
def test_rule_rejects_unknown_convention(name):
    with pytest.raises(ValueError, match="convention must be 'paper' or 'torch', received 'pytorch'"):
        optim.RULES[name](np.ones(2), np.ones(2), None, convention="pytorch")


@pytest.mark.parametrize("name", NAMES)
def test_rule_rejects_state_of_another_optimizer(name):
    other = "adam" if name != "adam" else "momentum"
    _, foreign_state = optim.RULES[other](np.ones(2), np.ones(2), None)
    expected_type = type(optim.RULES[name](np.ones(2), np.ones(2), None)[1]).__name__
    with pytest.raises(TypeError, match=f"state must be None or the {expected_type} returned by the previous "
                                        f"{name} call, received {type(foreign_state).__name__}"):
        optim.RULES[name](np.ones(2), np.ones(2), foreign_state)
    with pytest.raises(TypeError, match="received tuple"):
        optim.RULES[name](np.ones(2), np.ones(2), (1, np.zeros(2)))


@pytest.mark.parametrize("name", [n for n in NAMES if n != "sgd"])
def test_rule_rejects_state_of_another_shape(name):
    _, state = optim.RULES[name](np.ones(3), np.ones(3), None)
    field = next(iter(state_arrays(state)))
    with pytest.raises(ValueError, match=rf"state.{field} has shape \(3,\), expected the shape of param \(2,\)"):
        optim.RULES[name](np.ones(2), np.ones(2), state)


def test_rule_rejects_state_with_bad_step_count():
    state = optim.AdamState(t=-1, m=np.zeros(2), v=np.zeros(2))
    with pytest.raises(ValueError, match="state.t must be an int >= 0 .*received -1"):
        optim.adam(np.ones(2), np.ones(2), state)
    with pytest.raises(ValueError, match="state.t must be an int >= 0 .*received 1.5"):
        optim.adam(np.ones(2), np.ones(2), state._replace(t=1.5))

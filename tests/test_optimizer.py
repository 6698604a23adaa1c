"""Tests of gdbp.optim.Optimizer: one rule applied to every array of a params dict."""
import functools

import numpy as np
import pytest

import gdbp.optim as optim
from gdbp.optim import Optimizer, schedules


def linear_problem(seed=0, n=64):
    """y = X w + b + small noise; returns X (n, 3), y (n, 1) and the least-squares solution."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = X @ np.array([[1.5], [-2.0], [0.5]]) + 0.3 + 0.01 * rng.normal(size=(n, 1))
    Xb = np.hstack([X, np.ones((n, 1))])
    solution = np.linalg.lstsq(Xb, y, rcond=None)[0]
    return X, y, solution[:3], solution[3]


def loss_and_grads(params, X, y):
    """Mean squared error 0.5 mean((X W + b - y)^2) and its gradients for W (3, 1) and b (1,)."""
    residual = X @ params["W"] + params["b"] - y
    grads = {"W": X.T @ residual / len(X), "b": residual.mean(axis=0)}
    return 0.5 * np.mean(residual**2), grads


def new_params():
    return {"W": np.zeros((3, 1)), "b": np.zeros(1)}


@pytest.mark.parametrize("rule, hyperparameters, n_steps", [
    ("sgd", {"lr": 0.3}, 300),
    ("momentum", {"lr": 0.1}, 300),
    ("adam", {"lr": 0.05}, 600),
    # constant-lr RMSprop circles at ~1e-3 from the minimum; a cosine schedule brings it home
    ("rmsprop", {"schedule": schedules.cosine(0.02, total_steps=600), "convention": "torch"}, 600),
])
def test_optimizer_trains_a_linear_model_to_least_squares(rule, hyperparameters, n_steps):
    X, y, W_star, b_star = linear_problem()
    params = new_params()
    opt = Optimizer(params, rule, **hyperparameters)
    for _ in range(n_steps):
        _, grads = loss_and_grads(params, X, y)
        opt.step(grads)
    # 1e-3: well inside the basin (start is ~2 away), loose enough for Adam's late oscillation
    np.testing.assert_allclose(params["W"], W_star, atol=1e-3)
    np.testing.assert_allclose(params["b"], [b_star[0]], atol=1e-3)
    assert opt.t == n_steps and all(s.t == n_steps for s in opt.state.values())


def test_optimizer_step_equals_rule_applied_per_parameter():
    X, y, _, _ = linear_problem()
    params = new_params()
    opt = Optimizer(params, "nadam", lr=0.01, convention="torch")
    by_hand, states = new_params(), {"W": None, "b": None}
    for _ in range(5):
        _, grads = loss_and_grads(params, X, y)
        opt.step(grads)
        for name in by_hand:
            by_hand[name], states[name] = optim.nadam(by_hand[name], grads[name], states[name], lr=0.01,
                                                      convention="torch")
    for name in params:
        np.testing.assert_array_equal(params[name], by_hand[name])
        np.testing.assert_array_equal(opt.state[name].m, states[name].m)


def test_optimizer_rebinds_entries_and_leaves_old_arrays_unchanged():
    params = new_params()
    old_W, old_b = params["W"], params["b"]
    opt = Optimizer(params, "sgd", lr=0.1)
    opt.step({"W": np.ones((3, 1)), "b": np.ones(1)})
    assert opt.params is params  # the caller's dict, updated
    assert params["W"] is not old_W and params["b"] is not old_b  # new arrays bound to the names
    np.testing.assert_array_equal(old_W, np.zeros((3, 1)))  # old arrays not written into
    np.testing.assert_array_equal(params["W"], np.full((3, 1), -0.1))


def test_optimizer_does_not_mutate_grads():
    params = new_params()
    grads = {"W": np.ones((3, 1)), "b": np.ones(1)}
    Optimizer(params, "adam").step(grads)
    np.testing.assert_array_equal(grads["W"], np.ones((3, 1)))


def test_optimizer_takes_lr_from_schedule_counting_from_zero():
    params = {"x": np.array([0.0])}
    opt = Optimizer(params, "sgd", schedule=schedules.step_decay(0.1, step_size=2, gamma=0.5))
    seen = []
    for _ in range(5):
        seen.append(opt.lr)
        opt.step({"x": np.array([1.0])})  # constant gradient: each step moves x by -lr
    assert seen == [0.1, 0.1, 0.05, 0.05, 0.025]
    np.testing.assert_allclose(params["x"], [-0.325], rtol=1e-15)


def test_optimizer_schedule_changes_momentum_convention_results():
    """The schedule reaches the rule: with a changing lr, momentum's paper and torch forms part ways."""
    finals = {}
    for convention in ("paper", "torch"):
        params = {"x": np.array([0.0])}
        opt = Optimizer(params, "momentum", schedule=schedules.exponential(0.1, 0.5), convention=convention)
        for _ in range(3):
            opt.step({"x": np.array([1.0])})
        finals[convention] = params["x"][0]
    # paper: v = 0.1, 0.09 + 0.05, 0.126 + 0.025 -> x = -(0.1 + 0.14 + 0.151) = -0.391
    # torch: b = 1, 1.9, 2.71 -> x = -(0.1 * 1 + 0.05 * 1.9 + 0.025 * 2.71) = -0.26275
    assert finals["paper"] == pytest.approx(-0.391, abs=1e-15)
    assert finals["torch"] == pytest.approx(-0.26275, abs=1e-15)


def test_optimizer_lr_without_schedule_is_the_given_lr():
    assert Optimizer(new_params(), "adam", lr=0.02).lr == 0.02
    assert Optimizer(new_params(), "adam").lr is None  # the rule's default applies


def test_optimizer_accepts_a_callable_rule():
    def halve(param, grad, state, **hyperparameters):  # a learner's rule: ignores the gradient
        return param / 2, (0 if state is None else state) + 1

    params = {"x": np.array([8.0])}
    opt = Optimizer(params, halve)
    opt.step({"x": np.array([1.0])})
    opt.step({"x": np.array([1.0])})
    assert params["x"][0] == 2.0 and opt.state["x"] == 2


def test_optimizer_rejects_missing_and_extra_grad_names():
    opt = Optimizer(new_params(), "sgd")
    with pytest.raises(ValueError, match=r"grads is missing \['b'\] \(params has \['W', 'b'\]\)"):
        opt.step({"W": np.ones((3, 1))})
    with pytest.raises(ValueError, match=r"grads has unexpected names \['c'\]"):
        opt.step({"W": np.ones((3, 1)), "b": np.ones(1), "c": np.ones(1)})
    with pytest.raises(TypeError, match="grads must be a dict name -> array, received list"):
        opt.step([np.ones((3, 1)), np.ones(1)])


def test_optimizer_rejects_grad_shape_mismatch_and_leaves_params_unchanged():
    params = new_params()
    opt = Optimizer(params, "sgd")
    W = params["W"]
    with pytest.raises(ValueError, match=r"grads\['b'\] has shape \(2,\), expected the shape of "
                                         r"params\['b'\] \(1,\)"):
        opt.step({"W": np.ones((3, 1)), "b": np.ones(2)})
    assert params["W"] is W and opt.t == 0 and opt.state["W"] is None


def test_optimizer_prefixes_rule_errors_with_the_parameter_name():
    opt = Optimizer(new_params(), "adam")
    grads = {"W": np.ones((3, 1)), "b": np.array([np.nan])}
    with pytest.raises(ValueError, match=r"parameter 'b': grad contains NaN at index \(0,\)"):
        opt.step(grads)


@pytest.mark.parametrize("make, error, message", [
    (lambda: Optimizer([np.ones(2)]), TypeError, "params must be a dict name -> array, received list"),
    (lambda: Optimizer({"W": [1.0]}), TypeError, r"params\['W'\] must be a numpy array of floats, received list"),
    (lambda: Optimizer({"W": np.ones(2, dtype=int)}), TypeError, r"params\['W'\] must be an array of floats"),
    (lambda: Optimizer(new_params(), "adams"), ValueError, "rule must be one of .*received 'adams'"),
    (lambda: Optimizer(new_params(), 3), TypeError, "rule must be a name of gdbp.optim.RULES or a function"),
    (lambda: Optimizer(new_params(), "sgd", schedule=schedules.constant(0.1), lr=0.1), ValueError,
     "give either lr or schedule, not both"),
    (lambda: Optimizer(new_params(), "sgd", schedule=0.1), TypeError, "schedule must be a callable"),
    (lambda: Optimizer(new_params(), "adam", learning_rate=0.1), TypeError,
     r"adam takes the hyperparameters \['lr', 'beta1', 'beta2', 'eps', 'convention'\], received unknown "
     r"\['learning_rate'\]"),
])
def test_optimizer_rejects_bad_construction(make, error, message):
    with pytest.raises(error, match=message):
        make()


# --- flat mode: one rule call over all parameters laid end to end -----------------------------------


def _model_params(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(size=(4, 3)).astype(dtype), "b1": np.zeros(3, dtype),
            "W2": rng.normal(size=(3, 2)).astype(dtype), "b2": rng.normal(size=2).astype(dtype)}


def _grads(params, rng):
    return {name: rng.normal(size=p.shape).astype(p.dtype) for name, p in params.items()}


def _step_both_and_compare(flat, per, seed, n_steps, before_step=lambda step: None):
    """Give the flat-mode optimizer and the per-array one the same random gradients for ``n_steps``
    (``before_step(step)`` runs first at each step); their parameters must agree to the last bit."""
    rng = np.random.default_rng(seed)
    for step in range(n_steps):
        before_step(step)
        grads = _grads(flat.params, rng)
        flat.step(grads)
        per.step(grads)
    for name in per.params:
        np.testing.assert_array_equal(flat.params[name], per.params[name])


@pytest.mark.parametrize("rule", sorted(optim.RULES))
def test_optimizer_flat_mode_equals_per_array_mode_bit_for_bit(rule):
    flat_params, per_params = _model_params(), _model_params()
    flat = Optimizer(flat_params, rule=rule)
    per = Optimizer(per_params, rule=rule, flat=False)
    assert flat.flat and not per.flat
    _step_both_and_compare(flat, per, seed=1, n_steps=12)
    for name in per_params:
        for a, b in zip(flat.state[name], per.state[name]):
            np.testing.assert_array_equal(a, b)


def test_optimizer_flat_mode_follows_a_parameter_replaced_between_steps():
    params, reference = _model_params(), _model_params()
    opt, per = Optimizer(params, rule="adam", lr=0.1), Optimizer(reference, rule="adam", lr=0.1, flat=False)

    def reset_a_bias(step):  # e.g. a learner resets a bias by hand
        if step == 3:
            params["b1"] = np.ones(3)
            reference["b1"] = np.ones(3)
    _step_both_and_compare(opt, per, seed=2, n_steps=6, before_step=reset_a_bias)


def test_optimizer_flat_mode_names_the_parameter_with_a_nan_gradient():
    params = _model_params()
    opt = Optimizer(params, rule="adam")
    grads = _grads(params, np.random.default_rng(3))
    opt.step(grads)
    before = {name: p.copy() for name, p in params.items()}
    grads["W2"][1, 0] = np.nan
    with pytest.raises(ValueError, match=r"parameter 'W2': grad contains NaN at index \(1, 0\)"):
        opt.step(grads)
    assert opt.t == 1
    for name in params:
        np.testing.assert_array_equal(params[name], before[name])


def test_optimizer_flat_mode_is_off_for_mixed_dtypes_and_own_rules():
    mixed = _model_params()
    mixed["b2"] = mixed["b2"].astype(np.float32)
    assert not Optimizer(mixed, rule="adam").flat
    assert not Optimizer(_model_params(), rule=lambda p, g, s, lr=0.1: (p - lr * g, s)).flat
    assert Optimizer(_model_params(), rule=lambda p, g, s, lr=0.1: (p - lr * g, s), flat=True).flat


# --- where the checks are paid: the Optimizer checks once per step, then runs the rule's maths -------------


def _rule_error(rule, param, grad, **hyperparameters):
    """The exception the public rule itself raises for this input."""
    with pytest.raises((TypeError, ValueError)) as err:
        optim.RULES[rule](param, grad, None, **hyperparameters)
    return err.value


@pytest.mark.parametrize("rule, hyperparameters", [
    ("adam", {"lr": -1.0}),
    ("adam", {"lr": "0.1"}),
    ("adam", {"beta1": 1.0}),
    ("rmsprop", {"eps": 0.0, "convention": "torch"}),
    ("nadam", {"momentum_decay": -1}),
    ("sgd", {"convention": "pytorch"}),
    ("adamax", {"eps": 1e-8}),  # AdaMax's paper form has no eps
])
def test_optimizer_rejects_a_bad_hyperparameter_at_construction_with_the_rules_message(rule, hyperparameters):
    expected = _rule_error(rule, np.ones(2), np.ones(2), **hyperparameters)
    with pytest.raises(type(expected)) as err:
        Optimizer(_model_params(), rule=rule, **hyperparameters)
    assert str(err.value) == str(expected)


def _nan_in_W2(grads):
    grads["W2"][1, 0] = np.nan


def _inf_in_b1(grads):
    grads["b1"][2] = -np.inf


def _int_W1(grads):
    grads["W1"] = np.ones((4, 3), dtype=np.int64)


def _list_b2(grads):
    grads["b2"] = [0.1, 0.2]


def _edit_beta1(grads, opt):
    opt.hyperparameters["beta1"] = 1.0


# (case, how the step goes wrong, the parameter named, the bad input as the rule receives it per array)
STEP_ERRORS = [
    ("NaN gradient", _nan_in_W2, "W2", None),
    ("inf gradient", _inf_in_b1, "b1", None),
    ("int gradient", _int_W1, "W1", None),
    ("list gradient", _list_b2, "b2", None),
    ("hyperparameter edited", _edit_beta1, "W1", {"beta1": 1.0}),
    ("schedule gives lr 0", "schedule", "W1", {"lr": 0.0}),
]


@pytest.mark.parametrize("case, spoil, name, bad_hyperparameters", STEP_ERRORS, ids=[c[0] for c in STEP_ERRORS])
def test_optimizer_step_rejects_bad_input_with_the_rules_message_and_changes_nothing(
        case, spoil, name, bad_hyperparameters):
    """In flat mode (the default for adam) the checks run once over all parameters; a failing step is
    reported exactly as ``adam`` reports it for that parameter, prefixed with its name, and leaves params,
    state and t as they were. The next good step carries on as if the bad one never happened."""
    lrs = [0.01, 0.01, 0.0]  # the schedule case: the third step gets lr 0
    schedule = (lambda t: lrs[t]) if spoil == "schedule" else None
    hyperparameters = {} if schedule else {"lr": 0.01}
    params, reference = _model_params(), _model_params()
    opt = Optimizer(params, rule="adam", schedule=schedule, **hyperparameters)
    per = Optimizer(reference, rule="adam", schedule=schedule, flat=False, **hyperparameters)
    assert opt.flat
    rng = np.random.default_rng(4)
    for _ in range(2):
        grads = _grads(params, rng)
        opt.step(grads)
        per.step(grads)
    before = dict(params)
    values = {key: p.copy() for key, p in params.items()}
    states = {key: [np.copy(field) for field in st] for key, st in opt.state.items()}
    bad = _grads(params, rng)
    if callable(spoil):
        if spoil is _edit_beta1:
            spoil(bad, opt)
        else:
            spoil(bad)
    expected = _rule_error("adam", params[name], bad[name], **(bad_hyperparameters or {}))
    with pytest.raises(type(expected)) as err:
        opt.step(bad)
    assert str(err.value) == f"parameter {name!r}: {expected}"
    assert opt.t == 2 and all(params[key] is before[key] for key in params)
    for key in params:
        np.testing.assert_array_equal(params[key], values[key])
        for field, kept in zip(opt.state[key], states[key]):
            np.testing.assert_array_equal(field, kept)
    if spoil is _edit_beta1:
        opt.hyperparameters["beta1"] = 0.9
    if spoil == "schedule":
        lrs[2] = 0.01
    good = _grads(params, rng)
    opt.step(good)
    per.step(good)
    for key in params:
        np.testing.assert_array_equal(params[key], reference[key])


def test_optimizer_step_rejects_a_wrong_shape_in_flat_mode_with_the_same_message():
    params = _model_params()
    opt = Optimizer(params, rule="adam")
    assert opt.flat
    opt.step(_grads(params, np.random.default_rng(5)))
    grads = _grads(params, np.random.default_rng(6))
    grads["b1"] = np.ones(4)
    with pytest.raises(ValueError) as err:
        opt.step(grads)
    assert str(err.value) == "grads['b1'] has shape (4,), expected the shape of params['b1'] (3,)"
    assert opt.t == 1


def test_optimizer_flat_step_runs_the_maths_function_once_and_not_the_public_rule(monkeypatch):
    """The flat step calls ``adam_update`` (the one implementation) once for all parameters, with the
    hyperparameters checked at construction; ``adam`` (checks + the same maths) only runs to explain an
    error, per array."""
    calls = {"adam": 0, "adam_update": 0}
    real_rule, real_update = optim.adam, optim.adam_update

    @functools.wraps(real_rule)
    def counting_rule(*args, **kwargs):
        calls["adam"] += 1
        return real_rule(*args, **kwargs)

    @functools.wraps(real_update)
    def counting_update(*args, **kwargs):
        calls["adam_update"] += 1
        return real_update(*args, **kwargs)

    monkeypatch.setitem(optim.RULES, "adam", counting_rule)
    monkeypatch.setitem(optim.UPDATES, "adam", counting_update)
    params = _model_params()
    opt = Optimizer(params, rule="adam", lr=0.01)
    rng = np.random.default_rng(7)
    for _ in range(5):
        opt.step(_grads(params, rng))
    assert calls == {"adam": 0, "adam_update": 5}
    grads = _grads(params, rng)
    grads["b2"][0] = np.nan
    with pytest.raises(ValueError, match=r"parameter 'b2': grad contains NaN at index \(0,\)"):
        opt.step(grads)
    assert calls == {"adam": 4, "adam_update": 5}  # per array: W1, b1, W2 pass, b2 raises; nothing flat


def test_optimizer_uses_hyperparameters_edited_between_steps():
    """``hyperparameters`` stays editable: a new value is checked again and used from the next step on."""
    params, reference = _model_params(), _model_params()
    opt = Optimizer(params, rule="momentum", lr=0.01)
    per = Optimizer(reference, rule="momentum", lr=0.01, flat=False)

    def edit_lr(step):
        if step == 3:
            opt.hyperparameters["lr"] = per.hyperparameters["lr"] = 0.1
    _step_both_and_compare(opt, per, seed=8, n_steps=6, before_step=edit_lr)
    assert np.max(np.abs(params["W1"] - _model_params()["W1"])) > 0.1  # lr 0.1 was used


@pytest.mark.parametrize("rule, convention", [("adam", "paper"), ("momentum", "paper"), ("momentum", "torch"),
                                              ("nadam", "torch")])
def test_optimizer_flat_mode_with_a_schedule_equals_per_array_mode_bit_for_bit(rule, convention):
    schedule = schedules.warmup(schedules.cosine(0.05, total_steps=20), warmup_steps=3)
    flat_params, per_params = _model_params(), _model_params()
    flat = Optimizer(flat_params, rule=rule, schedule=schedule, convention=convention)
    per = Optimizer(per_params, rule=rule, schedule=schedule, convention=convention, flat=False)
    _step_both_and_compare(flat, per, seed=9, n_steps=15)


def test_optimizer_schedule_with_a_rule_without_lr_is_the_rules_error():
    opt = Optimizer(_model_params(), rule="adadelta", schedule=schedules.constant(0.5))
    with pytest.raises(ValueError, match=r"parameter 'W1': lr is not a hyperparameter of the paper convention"):
        opt.step(_grads(opt.params, np.random.default_rng(10)))


def test_optimizer_flat_mode_follows_a_parameter_replaced_by_another_dtype():
    """A parameter replaced by a float32 array among float64 ones: the flat layout no longer fits, the step
    runs per array with the state carried over, exactly as a per-array optimizer does it."""
    params, reference = _model_params(), _model_params()
    opt, per = Optimizer(params, rule="adam", lr=0.1), Optimizer(reference, rule="adam", lr=0.1, flat=False)

    def to_float32(step):
        if step == 3:
            params["b1"] = params["b1"].astype(np.float32)
            reference["b1"] = reference["b1"].astype(np.float32)
    _step_both_and_compare(opt, per, seed=11, n_steps=6, before_step=to_float32)
    for name in params:
        np.testing.assert_array_equal(opt.state[name].v, per.state[name].v)


def test_optimizer_flat_mode_rejects_a_parameter_replaced_by_an_int_array_with_the_rules_message():
    params = _model_params()
    opt = Optimizer(params, rule="adam")
    opt.step(_grads(params, np.random.default_rng(12)))
    params["b1"] = np.array([1, 2, 3])
    expected = _rule_error("adam", params["b1"], np.ones(3))
    with pytest.raises(TypeError) as err:
        opt.step(_grads(_model_params(), np.random.default_rng(13)))
    assert str(err.value) == f"parameter 'b1': {expected}"

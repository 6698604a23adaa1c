"""Tests of the ten optimizer checkers (gdbp/checks/optim.py) and their catalogues of classic mistakes.

One table drives them: ``VARIANTS`` holds, for each optimizer, two correct implementations written
independently of gdbp.optim (different state types, in-place work on copies, different but equivalent
algebra); ``MISTAKES`` (from the checker module) holds the wrong ones.

Tolerance: the checkers compare with rtol 1e-9 / atol 1e-12 (gdbp.checks._core.RTOL, ATOL). Rewritten
algebra (a folded Adam step size, the EMA written as avg += (1 - rho) * (x - avg), one square root of a
ratio instead of a ratio of roots) changes results by a few ulps per operation, ~1e-16 relative on O(1)
parameters, ~1e-15 after 20 steps: ``test_variants_stay_far_inside_the_tolerance`` measures that it stays
below 1e-12, a thousand times inside the checker's tolerance.
"""
import math
import warnings

import numpy as np
import pytest

import gdbp.checks
from gdbp import optim
from gdbp.checks import optim as checks
from gdbp.checks._core import CheckFailed

NAMES = list(checks.OPTIMIZERS)
CHECKERS = {name: getattr(checks, f"check_{name}") for name in NAMES}
CASE_NAMES = [
    "first step (t=1)", "2-D parameter", "tiny gradients (eps placement)", "zero gradient entries",
    "0-d parameter", "learning rate changed between steps", "default hyperparameters", "20 steps",
]


def failure_of(name, fn, **kwargs):
    """The message of the CheckFailed that check_<name>(fn) raises (the test fails if it passes)."""
    with pytest.raises(CheckFailed) as info:
        CHECKERS[name](fn, **kwargs)
    return str(info.value)


# --- correct variants, written without gdbp.optim ---------------------------------------------------------


def sgd_out_of_place(param, grad, state, lr=0.01):
    t = 0 if state is None else state["t"]
    return param - lr * grad, {"t": t + 1}


def sgd_in_place_on_copy(param, grad, state, lr=0.01):
    new_param = np.array(param, dtype=float)  # a copy
    new_param -= lr * grad
    return new_param, None


def momentum_dict(param, grad, state, lr=0.01, momentum=0.9):
    v = np.zeros_like(param) if state is None else state["v"]
    v = momentum * v + lr * grad
    return param - v, {"v": v}


def momentum_in_place(param, grad, state, lr=0.01, momentum=0.9):
    v = np.zeros(np.shape(param)) if state is None else state[0].copy()
    v *= momentum
    v += lr * grad
    new_param = np.array(param, dtype=float)
    new_param -= v
    return new_param, (v,)


def nesterov_cs231n(param, grad, state, lr=0.01, momentum=0.9):
    """CS231n's form: v holds minus the velocity; x += -mu * v_prev + (1 + mu) * v."""
    v_prev = np.zeros_like(param) if state is None else state["v"]
    v = momentum * v_prev - lr * grad
    return param - momentum * v_prev + (1 + momentum) * v, {"v": v}


def nesterov_in_place(param, grad, state, lr=0.01, momentum=0.9):
    v = np.zeros(np.shape(param)) if state is None else state[0].copy()
    v *= momentum
    v += lr * grad
    new_param = np.array(param, dtype=float)
    new_param -= momentum * v + lr * grad
    return new_param, (v,)


def adagrad_dict(param, grad, state, lr=0.01, eps=1e-8):
    G = (0.0 if state is None else state["G"]) + grad * grad
    return param - lr * grad / np.sqrt(G + eps), {"G": G}


def adagrad_in_place(param, grad, state, lr=0.01, eps=1e-8):
    G = np.zeros(np.shape(param)) if state is None else state[0].copy()
    G += grad**2
    new_param = np.array(param, dtype=float)
    new_param -= lr / np.sqrt(G + eps) * grad
    return new_param, (G,)


def adadelta_dict(param, grad, state, rho=0.9, eps=1e-6):
    if state is None:
        state = {"Eg": np.zeros_like(param), "Ed": np.zeros_like(param)}
    Eg = rho * state["Eg"] + (1 - rho) * grad**2
    delta = -np.sqrt(state["Ed"] + eps) / np.sqrt(Eg + eps) * grad
    Ed = rho * state["Ed"] + (1 - rho) * delta**2
    return param + delta, {"Eg": Eg, "Ed": Ed}


def adadelta_one_root(param, grad, state, rho=0.9, eps=1e-6):
    """One square root of the ratio, and the EMA written as avg += (1 - rho) * (x - avg)."""
    Eg, Ed = (np.zeros(np.shape(param)), np.zeros(np.shape(param))) if state is None else state
    Eg = Eg + (1 - rho) * (grad**2 - Eg)
    delta = -np.sqrt((Ed + eps) / (Eg + eps)) * grad
    Ed = Ed + (1 - rho) * (delta**2 - Ed)
    return param + delta, (Eg, Ed)


def rmsprop_dict(param, grad, state, lr=0.001, rho=0.9, eps=1e-8):
    E = rho * (0.0 if state is None else state["E"]) + (1 - rho) * grad**2
    return param - lr * grad / np.sqrt(E + eps), {"E": E}


def rmsprop_increment_form(param, grad, state, lr=0.001, rho=0.9, eps=1e-8):
    E = np.zeros(np.shape(param)) if state is None else state[0].copy()
    E += (1 - rho) * (grad * grad - E)
    new_param = np.array(param, dtype=float)
    new_param -= lr * grad / np.sqrt(E + eps)
    return new_param, (E,)


def adam_dict(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        state = {"t": 0, "m": np.zeros_like(param), "v": np.zeros_like(param)}
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * grad
    v = beta2 * state["v"] + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), {"t": t, "m": m, "v": v}


def adam_folded(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Kingma & Ba's folded step size, with eps scaled so that it is the same update."""
    t, m, v = (0, np.zeros(np.shape(param)), np.zeros(np.shape(param))) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    root = math.sqrt(1 - beta2**t)
    step_size = lr * root / (1 - beta1**t)
    return param - step_size * m / (np.sqrt(v) + eps * root), (t, m, v)


def adamax_dict(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999):
    if state is None:
        state = {"t": 0, "m": np.zeros_like(param), "u": np.zeros_like(param)}
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * grad
    u = np.maximum(beta2 * state["u"], np.abs(grad))
    ratio = np.where(u > 0, m / np.where(u > 0, u, 1.0), 0.0)
    return param - lr / (1 - beta1**t) * ratio, {"t": t, "m": m, "u": u}


def adamax_mask(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999):
    param, grad = np.asarray(param, dtype=float), np.asarray(grad, dtype=float)
    t, m, u = (0, np.zeros(param.shape), np.zeros(param.shape)) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    u = np.maximum(beta2 * u, np.abs(grad))
    step = np.zeros(param.shape)
    moving = u > 0
    step[moving] = lr / (1 - beta1**t) * m[moving] / u[moving]
    return param - step, (t, m, u)


def nadam_dict(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        state = {"t": 0, "m": np.zeros_like(param), "v": np.zeros_like(param)}
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * grad
    v = beta2 * state["v"] + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    mix = beta1 * m_hat + (1 - beta1) * grad / (1 - beta1**t)
    return param - lr * mix / (np.sqrt(v_hat) + eps), {"t": t, "m": m, "v": v}


def nadam_one_correction(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    """The mix beta1 * m_hat + (1 - beta1) * g / (1 - beta1^t) as one fraction."""
    t, m, v = (0, np.zeros(np.shape(param)), np.zeros(np.shape(param))) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    mix = (beta1 * m + (1 - beta1) * grad) / (1 - beta1**t)
    return param - lr * mix / (np.sqrt(v / (1 - beta2**t)) + eps), (t, m, v)


def amsgrad_dict(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        state = {"m": np.zeros_like(param), "v": np.zeros_like(param), "v_max": np.zeros_like(param)}
    m = beta1 * state["m"] + (1 - beta1) * grad
    v = beta2 * state["v"] + (1 - beta2) * grad**2
    v_max = np.maximum(state["v_max"], v)
    return param - lr * m / (np.sqrt(v_max) + eps), {"m": m, "v": v, "v_max": v_max}


def amsgrad_in_place(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    zeros = np.zeros(np.shape(param))
    m, v, v_max = (zeros, zeros.copy(), zeros.copy()) if state is None else (s.copy() for s in state)
    m = m * beta1 + (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad * grad
    np.maximum(v_max, v, out=v_max)
    new_param = np.array(param, dtype=float)
    new_param -= lr * m / (np.sqrt(v_max) + eps)
    return new_param, (m, v, v_max)


VARIANTS = {
    "sgd": [sgd_out_of_place, sgd_in_place_on_copy],
    "momentum": [momentum_dict, momentum_in_place],
    "nesterov": [nesterov_cs231n, nesterov_in_place],
    "adagrad": [adagrad_dict, adagrad_in_place],
    "adadelta": [adadelta_dict, adadelta_one_root],
    "rmsprop": [rmsprop_dict, rmsprop_increment_form],
    "adam": [adam_dict, adam_folded],
    "adamax": [adamax_dict, adamax_mask],
    "nadam": [nadam_dict, nadam_one_correction],
    "amsgrad": [amsgrad_dict, amsgrad_in_place],
}
VARIANT_PARAMS = [pytest.param(n, f, id=f.__name__) for n in NAMES for f in VARIANTS[n]]
MISTAKE_PARAMS = [pytest.param(n, m, id=f"{n}-{m.fn.__name__}") for n in NAMES for m in checks.MISTAKES[n]]


# --- the table ------------------------------------------------------------------------------------------


def test_table_covers_the_ten_optimizers_of_the_exercises():
    assert NAMES == ["sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "adamax",
                     "nadam", "amsgrad"]
    assert set(VARIANTS) == set(NAMES) == set(checks.MISTAKES)
    for name in NAMES:
        assert checks.OPTIMIZERS[name].reference is optim.RULES[name]
        assert set(checks.OPTIMIZERS[name].hyperparameters) == set(optim.defaults(name)), name


def test_exercises_registry_lists_the_optimizer_checkers():
    for name in NAMES:
        assert gdbp.checks.EXERCISES[name] is CHECKERS[name]
        assert getattr(gdbp.checks, f"check_{name}") is CHECKERS[name]


# --- correct answers pass -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_checker_passes_the_reference_with_one_line(name, capsys):
    CHECKERS[name](optim.RULES[name])
    out, err = capsys.readouterr()
    n = 7 if name == "adadelta" else 8  # adadelta has no lr: no "learning rate changed" case
    assert out == f"{name}: all {n} cases passed\n"
    assert err == ""


@pytest.mark.parametrize("name, fn", VARIANT_PARAMS)
def test_checker_passes_correct_variant(name, fn, capsys):
    CHECKERS[name](fn)
    out, err = capsys.readouterr()
    assert out.startswith(f"{name}: all ") and out.count("\n") == 1
    assert err == ""


@pytest.mark.parametrize("name, fn", VARIANT_PARAMS)
def test_variants_stay_far_inside_the_tolerance(name, fn):
    """Every variant's trajectory over every case is within 1e-12 of the reference (the checker allows
    1e-9 relative), so the variants pass by a wide margin, not by luck."""
    exercise = checks.OPTIMIZERS[name]
    defaults = optim.defaults(name)
    for case in checks._cases(exercise):
        steps = len(case.grads)
        expected = checks._trajectory(exercise.reference, case, steps, None)
        received = checks._trajectory(fn, case, steps, defaults)
        worst = max(float(np.max(np.abs(r - e))) for r, e in zip(received, expected))
        assert worst <= 1e-12, (case.name, worst)


# --- every catalogued mistake is rejected and named ------------------------------------------------------


@pytest.mark.parametrize("name, mistake", MISTAKE_PARAMS)
def test_checker_names_a_known_case_and_the_mistake_in_full(name, mistake):
    """(tests/test_checks_catalogue.py checks every catalogue; here, the optimizers' exact wording.)"""
    message = failure_of(name, mistake.fn)
    assert any(f"case '{case}'" in message for case in CASE_NAMES)
    assert mistake.line().strip() in message
    assert f"Hint: {mistake.hint}" in message


@pytest.mark.parametrize("name, mistake", MISTAKE_PARAMS)
def test_mistake_differs_clearly_from_reference(name, mistake):
    """Each mistake is off by more than 1e-6 (or non-finite) in some case: far outside the tolerance, so
    the checker's rejection does not hinge on rounding."""
    exercise = checks.OPTIMIZERS[name]
    defaults = optim.defaults(name)
    worst = 0.0
    for case in checks._cases(exercise):
        steps = len(case.grads)
        expected = checks._trajectory(exercise.reference, case, steps, None)
        with np.errstate(all="ignore"):
            wrong = checks._trajectory(mistake.fn, case, steps, defaults)
        for w, e in zip(wrong, expected):
            gap = np.abs(w - e)
            worst = max(worst, math.inf if not np.isfinite(gap).all() else float(gap.max()))
    assert worst > 1e-6


def test_message_shows_expected_received_index_and_source():
    message = failure_of("adam", checks.MISTAKES["adam"][0].fn)  # no bias correction
    assert "case 'first step (t=1)'" in message
    assert "received new_param[0] = " in message and ", expected " in message
    assert "from gdbp.optim.adam(param, grad, None, lr=0.1, beta1=0.8, beta2=0.95, eps=1e-07)" in message
    assert "with param[0] = " in message and "grad[0] = " in message
    assert "Adam without bias correction" in message
    assert "divide m and v by (1 - beta1**t)" in message


def test_message_of_a_later_step_says_which_step():
    stored = next(m for m in checks.MISTAKES["adam"] if "written back" in m.name)
    message = failure_of("adam", stored.fn)
    assert "At step 2 of 3: step 1 matched the reference" in message


def test_momentum_lr_outside_velocity_caught_only_when_lr_changes():
    outside = next(m for m in checks.MISTAKES["momentum"] if m.name.startswith("lr outside"))
    message = failure_of("momentum", outside.fn)
    assert "case 'learning rate changed between steps'" in message
    assert "At step 3 of 6" in message  # lr changes before step 3


def test_unknown_mistake_gets_an_honest_message_with_what_the_probes_found():
    def sgd_double_step(param, grad, state, lr=0.01):
        return param - 2 * lr * grad, None

    message = failure_of("sgd", sgd_double_step)
    assert "case 'first step (t=1)'" in message
    assert "classic mistake" not in message
    assert "No catalogued mistake or published variant reproduces your numbers" in message
    assert "your step (new_param - param) is 2 times the expected one, at every entry" in message
    assert "compare your code line by line" not in message


@pytest.mark.parametrize("name", NAMES)
def test_every_hyperparameter_changes_the_reference_on_the_probe_case(name):
    """The keyword probe can only say "ignores eps" if eps changes the reference's output on its case."""
    exercise = checks.OPTIMIZERS[name]
    base = checks._probe_trial(exercise, dict(exercise.hyperparameters))
    ref = [p.copy() for p in base.run(exercise.reference)]
    for keyword, value in exercise.hyperparameters.items():
        other = {**exercise.hyperparameters, keyword: checks._ALTERNATIVE[keyword](value)}
        changed = list(checks._probe_trial(exercise, other).run(exercise.reference))
        assert any(np.max(np.abs(a - b)) > 1e-9 * np.max(np.abs(a)) for a, b in zip(ref, changed)), keyword


def test_nonfinite_answer_that_matches_a_mistake_is_named():
    t_zero = next(m for m in checks.MISTAKES["adam"] if "t = 0" in m.name)
    message = failure_of("adam", t_zero.fn)
    assert "new_param contains NaN" in message
    assert "t used before it is incremented" in message


# --- defaults and signature --------------------------------------------------------------------------------


def test_wrong_default_is_named_from_the_signature():
    def adam_wrong_default(param, grad, state, lr=0.001, beta1=0.9, beta2=0.99, eps=1e-8):
        return adam_dict(param, grad, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps)

    message = failure_of("adam", adam_wrong_default)
    assert "case 'default hyperparameters'" in message
    assert "beta2=0.99, expected beta2=0.999" in message


def test_missing_default_is_named():
    def rmsprop_no_default(param, grad, state, lr, rho=0.9, eps=1e-8):
        return rmsprop_dict(param, grad, state, lr=lr, rho=rho, eps=eps)

    message = failure_of("rmsprop", rmsprop_no_default)
    assert "lr has no default value, expected lr=0.001" in message


def test_missing_argument_is_named():
    def adam_without_state(param, grad, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        return param

    message = failure_of("adam", adam_without_state)
    assert "missing: state" in message


def test_keyword_arguments_through_kwargs_are_accepted():
    def sgd_kwargs(param, grad, state, **hyperparameters):
        return param - hyperparameters.get("lr", 0.01) * grad, None

    CHECKERS["sgd"](sgd_kwargs)


# --- robustness against what a learner's function does -------------------------------------------------------


def _sgd_returning(value_fn):
    def sgd(param, grad, state, lr=0.01):
        return value_fn(param, grad, lr)

    return sgd


@pytest.mark.parametrize(
    "fn, expected",
    [
        (_sgd_returning(lambda p, g, lr: {}["v"]), "your function raised KeyError"),
        (_sgd_returning(lambda p, g, lr: None), "received None, expected a tuple (new_param, new_state)"),
        (_sgd_returning(lambda p, g, lr: (list(p - lr * g), None)), "new_param is a list of length 5"),
        (_sgd_returning(lambda p, g, lr: (float(np.sum(p - lr * g)), None)), "new_param is the scalar"),
        (_sgd_returning(lambda p, g, lr: p - lr * g), "received a numpy array of shape (5,) and dtype float64, expected a tuple"),
        (_sgd_returning(lambda p, g, lr: (p - lr * g, None, 0)), "received a tuple of length 3"),
        (_sgd_returning(lambda p, g, lr: ((p - lr * g).astype(int), None)), "new_param has dtype int64"),
        (_sgd_returning(lambda p, g, lr: ((p - lr * g).astype(np.float32), None)),
         "dtype float32, expected float64"),
        (_sgd_returning(lambda p, g, lr: (p * np.nan, None)), "new_param contains NaN at index (0,)"),
        (_sgd_returning(lambda p, g, lr: ((p - lr * g).ravel()[:3], None)), "new_param has shape (3,)"),
        (_sgd_returning(lambda p, g, lr: (p / 0.0, None)), "new_param contains"),
    ],
    ids=["raises", "none", "list", "scalar", "array-only", "3-tuple", "int", "float32", "nan", "shape", "inf"],
)
def test_learner_output_gets_a_clear_message(fn, expected, capsys):
    message = failure_of("sgd", fn)
    assert message.startswith("sgd, case 'first step (t=1)': ")
    assert expected in message
    assert "Traceback" not in message
    assert capsys.readouterr().err == ""


def test_not_implemented_is_reported_as_not_written_yet():
    def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        raise NotImplementedError()

    assert "the exercise is not written yet" in failure_of("adam", adam)


def test_infinite_loop_stopped_by_the_time_limit():
    def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        while True:
            pass

    message = failure_of("adam", adam, time_limit=0.2)
    assert "did not finish within 0.2 s" in message


def test_in_place_update_of_param_is_reported():
    def momentum(param, grad, state, lr=0.01, momentum=0.9):
        new_param, state = momentum_dict(param, grad, state, lr=lr, momentum=momentum)
        param[...] = new_param
        return param, state

    assert "changed its input param in place" in failure_of("momentum", momentum)


def test_not_a_function_is_reported():
    assert "received None, expected a function" in failure_of("nadam", None)
    assert "received the scalar 3" in failure_of("nadam", 3)


def test_state_error_at_a_later_step_names_the_step():
    def adagrad(param, grad, state, lr=0.01, eps=1e-8):
        new_param, new_state = adagrad_dict(param, grad, state, lr=lr, eps=eps)
        return new_param, "oops" if state is None else new_state  # a broken state from step 1

    message = failure_of("adagrad", adagrad)
    assert "your function raised TypeError" in message
    assert "At step 2 of 3" in message


def test_checker_never_ends_in_an_internal_traceback():
    """Whatever strange object comes back, the failure is a CheckFailed with a message."""
    class Weird:
        def __len__(self):
            raise RuntimeError("no")

    for value in [Weird(), (Weird(), None), ("text", None), (np.array(["a"] * 5), None), ({}, {})]:
        message = failure_of("sgd", _sgd_returning(lambda p, g, lr, value=value: value))
        assert message.startswith("sgd")


def test_failures_and_mistake_runs_write_nothing_to_stderr(capsys):
    """Mistakes that divide by zero provoke numpy warnings; the checker silences them."""
    zero_division = next(m for m in checks.MISTAKES["adamax"] if m.name.startswith("0 / 0"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        failure_of("adamax", zero_division.fn)
        failure_of("adam", next(m for m in checks.MISTAKES["adam"] if "t = 0" in m.name).fn)
    assert caught == []
    assert capsys.readouterr().err == ""


def test_monkeypatched_allclose_does_not_let_a_wrong_answer_pass(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *args, **kwargs: True)
    message = failure_of("sgd", checks.MISTAKES["sgd"][0].fn)
    assert "numpy.allclose has been replaced" in message
    monkeypatch.undo()
    assert "gradient ascent" in failure_of("sgd", checks.MISTAKES["sgd"][0].fn)


def test_references_are_bound_at_import_not_looked_up_in_gdbp_optim(monkeypatch):
    """A notebook that replaces gdbp.optim.sgd by its own function does not change the reference."""
    wrong = checks.MISTAKES["sgd"][0].fn
    monkeypatch.setattr(optim, "sgd", wrong)
    assert "gradient ascent" in failure_of("sgd", wrong)


@pytest.mark.parametrize("name", NAMES)
def test_a_diagnosed_failure_calls_the_learner_a_few_dozen_times(name):
    """Under the grader every call of the learner's function is a remote call: the probes and the diagnosis
    call it dozens of times, never thousands (fitting constants runs the catalogue's functions, not the learner's)."""
    calls = []
    mistake = checks.MISTAKES[name][0].fn

    def counted(param, grad, state=None, **hyperparameters):
        calls.append(1)
        return mistake(param, grad, state, **hyperparameters)

    counted.__signature__ = __import__("inspect").signature(mistake)
    failure_of(name, counted)
    assert 0 < len(calls) <= 120, len(calls)

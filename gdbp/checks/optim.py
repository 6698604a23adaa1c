"""Checkers of the ten optimizer exercises, and the catalogue of classic mistakes for each.

A learner writes one update rule with the contract of ``gdbp.optim``::

    new_param, new_state = adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8)

(``state`` is None on the first call; its form is the learner's choice: the checker passes back whatever
the learner returned and compares only parameters) and the notebook's test cell calls ``check_adam(adam)``.
The reference is ``gdbp.optim.<name>`` with its default, paper convention (Ruder's overview).

Every checker runs the same driver over one table of the ten optimizers (``OPTIMIZERS``: reference,
hyperparameters used in the cases, mistakes). The checks, in order::

    callable -> accepts (param, grad, state, <the documented hyperparameters>)
    then for each case, step by step:
      returns a 2-tuple (new_param, new_state) -> new_param is a float64 array of param's shape -> finite
      -> equals the reference -> param and grad not changed in place

The cases (fixed seeds; the hyperparameters of the cases differ from the defaults, so that a learner who
ignores a keyword argument is caught)::

    first step (t=1)                        one step from state None
    2-D parameter                           3 steps on a (3, 4) parameter
    tiny gradients (eps placement)          3 steps with gradients ~1e-8 in some coordinates, where
                                            sqrt(v + eps) and sqrt(v) + eps differ by orders of magnitude
    zero gradient entries                   3 steps with exact zeros (coordinate 0 always 0)
    0-d parameter                           3 steps on a 0-d array (numpy arithmetic returns np.float64)
    learning rate changed between steps     6 steps, lr changing (only rules with an lr): shows whether lr
                                            sits inside the velocity (paper) or outside (PyTorch)
    default hyperparameters                 the defaults in the learner's signature, then 5 steps called
                                            without keywords
    20 steps                                20 steps carrying the learner's own state; one coordinate's
                                            gradients shrink (AMSGrad's maximum matters), one stays ~1e-8

Each multi-step case feeds one fixed sequence of gradients (it does not depend on the parameter), so the
learner's trajectory, the reference's and every mistake's are comparable step by step. On a mismatch the
catalogued mistakes (``MISTAKES``) are run on the same case; the first one whose whole trajectory up to the
failing step equals the learner's, and which also reproduces the learner's "20 steps" trajectory (run once
more, quietly, for diagnosis), is named in the message, with its hint. A non-finite answer (NaN from 0/0,
t starting at 0) is matched the same way, NaN agreeing with NaN.

Tolerance: ``gdbp.checks._core.RTOL`` (1e-9 relative, 1e-12 absolute). Parameters are O(1) and every
correct form of these rules differs from the reference by a few ulps per step (~1e-15 after 20 steps);
every catalogued mistake differs by more than 1e-6 in at least one case (the tests check both).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from gdbp import optim
from gdbp.checks._core import (CheckFailed, Checker, Mistake, _TimeUp, agree, entry_point, first_difference,
                              first_nonfinite, format_array, run)
from gdbp.checks._core import time_limit as _time_limit
from gdbp.optim._common import bias_correction, ema
from gdbp.optim.adadelta import AdadeltaState
from gdbp.optim.adagrad import AdagradState
from gdbp.optim.adam import AdamState
from gdbp.optim.adamax import AdamaxState
from gdbp.optim.amsgrad import AMSGradState
from gdbp.optim.momentum import MomentumState
from gdbp.optim.nadam import NadamState
from gdbp.optim.nesterov import NesterovState
from gdbp.optim.rmsprop import RMSpropState

__all__ = [
    "MISTAKES", "OPTIMIZERS",
    "check_sgd", "check_momentum", "check_nesterov", "check_adagrad", "check_adadelta", "check_rmsprop",
    "check_adam", "check_adamax", "check_nadam", "check_amsgrad",
]

# =========================================================================================================
# The catalogue of classic mistakes.
#
# Each mistake is a complete wrong implementation with the learner's call contract: the reference of
# gdbp.optim (paper convention) with exactly one classic change, marked "# MISTAKE". They serve twice: the
# checkers run them to name what a learner did, and tests/test_checks_optim.py uses them as mutants.
# =========================================================================================================


def _forgets_state(rule: Callable) -> Callable:
    """The mistake "the state is not carried over": ``rule`` called with state None at every step (the
    same as returning the state received instead of the new one: every step is a first step)."""

    def wrong(param, grad, state=None, **hyperparameters):
        new_param, _ = rule(param, grad, None, **hyperparameters)  # MISTAKE: the state passed in is ignored
        return new_param, None

    wrong.__name__ = f"{rule.__name__}_forgets_state"
    return wrong


_FORGETS_STATE_HINT = (
    "return the new state (updated averages and step count) and start from the state passed in; only "
    "when state is None create a fresh one."
)

# --- SGD ---------------------------------------------------------------------------------------------


def _sgd_ascent(param, grad, state=None, *, lr=0.01):
    return param + lr * grad, None  # MISTAKE: + instead of -


def _sgd_hard_coded_lr(param, grad, state=None, *, lr=0.01):
    return param - 0.01 * grad, None  # MISTAKE: the lr argument is ignored


def _sgd_returns_step(param, grad, state=None, *, lr=0.01):
    return -lr * grad, None  # MISTAKE: the step, not param + step


# --- momentum ------------------------------------------------------------------------------------------


def _momentum_sign(param, grad, state=None, *, lr=0.01, momentum=0.9):
    if state is None:
        state = MomentumState(0, np.zeros_like(param))
    v = momentum * state.v + lr * grad
    new_param = param + v  # MISTAKE: + v moves uphill
    return new_param, MomentumState(state.t + 1, v)


def _momentum_ema(param, grad, state=None, *, lr=0.01, momentum=0.9):
    if state is None:
        state = MomentumState(0, np.zeros_like(param))
    v = momentum * state.v + (1 - momentum) * grad  # MISTAKE: an average of g (deeplearning.ai's form)
    new_param = param - lr * v
    return new_param, MomentumState(state.t + 1, v)


def _momentum_old_velocity(param, grad, state=None, *, lr=0.01, momentum=0.9):
    if state is None:
        state = MomentumState(0, np.zeros_like(param))
    new_param = param - state.v  # MISTAKE: steps with v_{t-1}, before updating v
    v = momentum * state.v + lr * grad
    return new_param, MomentumState(state.t + 1, v)


def _momentum_lr_outside(param, grad, state=None, *, lr=0.01, momentum=0.9):
    if state is None:
        state = MomentumState(0, np.zeros_like(param))
    v = momentum * state.v + grad  # MISTAKE: lr outside the velocity (PyTorch's form)
    new_param = param - lr * v
    return new_param, MomentumState(state.t + 1, v)


# --- Nesterov ------------------------------------------------------------------------------------------


def _nesterov_plain_momentum(param, grad, state=None, *, lr=0.01, momentum=0.9):
    if state is None:
        state = NesterovState(0, np.zeros_like(param))
    v = momentum * state.v + lr * grad
    new_param = param - v  # MISTAKE: no look-ahead, this is plain momentum
    return new_param, NesterovState(state.t + 1, v)


def _nesterov_no_correction(param, grad, state=None, *, lr=0.01, momentum=0.9):
    if state is None:
        state = NesterovState(0, np.zeros_like(param))
    v = momentum * state.v + lr * grad
    new_param = param - (1 + momentum) * v  # MISTAKE: CS231n's form without its + momentum * v_{t-1} term
    return new_param, NesterovState(state.t + 1, v)


def _nesterov_sign(param, grad, state=None, *, lr=0.01, momentum=0.9):
    if state is None:
        state = NesterovState(0, np.zeros_like(param))
    v = momentum * state.v + lr * grad
    new_param = param + (momentum * v + lr * grad)  # MISTAKE: + moves uphill
    return new_param, NesterovState(state.t + 1, v)


def _nesterov_lr_outside(param, grad, state=None, *, lr=0.01, momentum=0.9):
    if state is None:
        state = NesterovState(0, np.zeros_like(param))
    v = momentum * state.v + grad  # MISTAKE: lr outside the velocity (PyTorch's form)
    new_param = param - lr * (momentum * v + grad)
    return new_param, NesterovState(state.t + 1, v)


# --- Adagrad -------------------------------------------------------------------------------------------


def _adagrad_sum_of_g(param, grad, state=None, *, lr=0.01, eps=1e-8):
    if state is None:
        state = AdagradState(0, np.zeros_like(param))
    G = state.G + grad  # MISTAKE: sums g, not g**2
    new_param = param - lr / np.sqrt(G + eps) * grad
    return new_param, AdagradState(state.t + 1, G)


def _adagrad_eps_outside(param, grad, state=None, *, lr=0.01, eps=1e-8):
    if state is None:
        state = AdagradState(0, np.zeros_like(param))
    G = state.G + grad**2
    new_param = param - lr / (np.sqrt(G) + eps) * grad  # MISTAKE: eps outside the square root
    return new_param, AdagradState(state.t + 1, G)


def _adagrad_no_sqrt(param, grad, state=None, *, lr=0.01, eps=1e-8):
    if state is None:
        state = AdagradState(0, np.zeros_like(param))
    G = state.G + grad**2
    new_param = param - lr / (G + eps) * grad  # MISTAKE: no square root
    return new_param, AdagradState(state.t + 1, G)


def _adagrad_mean(param, grad, state=None, *, lr=0.01, eps=1e-8):
    if state is None:
        state = AdagradState(0, np.zeros_like(param))
    t = state.t + 1
    G = state.G + (grad**2 - state.G) / t  # MISTAKE: the running mean of g**2, not the sum
    new_param = param - lr / np.sqrt(G + eps) * grad
    return new_param, AdagradState(t, G)


def _adagrad_old_G(param, grad, state=None, *, lr=0.01, eps=1e-8):
    if state is None:
        state = AdagradState(0, np.zeros_like(param))
    new_param = param - lr / np.sqrt(state.G + eps) * grad  # MISTAKE: G_{t-1}, g_t not added yet
    G = state.G + grad**2
    return new_param, AdagradState(state.t + 1, G)


# --- Adadelta ------------------------------------------------------------------------------------------


def _adadelta_delta_avg_never_updated(param, grad, state=None, *, rho=0.9, eps=1e-6):
    if state is None:
        state = AdadeltaState(0, np.zeros_like(param), np.zeros_like(param))
    avg_sq_grad = ema(state.avg_sq_grad, grad**2, rho)
    delta = -np.sqrt(state.avg_sq_delta + eps) / np.sqrt(avg_sq_grad + eps) * grad
    avg_sq_delta = state.avg_sq_delta  # MISTAKE: E[dtheta^2] is never updated (stays 0)
    return param + delta, AdadeltaState(state.t + 1, avg_sq_grad, avg_sq_delta)


def _adadelta_eps_outside(param, grad, state=None, *, rho=0.9, eps=1e-6):
    if state is None:
        state = AdadeltaState(0, np.zeros_like(param), np.zeros_like(param))
    avg_sq_grad = ema(state.avg_sq_grad, grad**2, rho)
    # MISTAKE: eps added outside both square roots
    delta = -(np.sqrt(state.avg_sq_delta) + eps) / (np.sqrt(avg_sq_grad) + eps) * grad
    avg_sq_delta = ema(state.avg_sq_delta, delta**2, rho)
    return param + delta, AdadeltaState(state.t + 1, avg_sq_grad, avg_sq_delta)


def _adadelta_swapped_decay(param, grad, state=None, *, rho=0.9, eps=1e-6):
    if state is None:
        state = AdadeltaState(0, np.zeros_like(param), np.zeros_like(param))
    avg_sq_grad = (1 - rho) * state.avg_sq_grad + rho * grad**2  # MISTAKE: rho and 1 - rho swapped
    delta = -np.sqrt(state.avg_sq_delta + eps) / np.sqrt(avg_sq_grad + eps) * grad
    avg_sq_delta = (1 - rho) * state.avg_sq_delta + rho * delta**2  # MISTAKE (same): swapped
    return param + delta, AdadeltaState(state.t + 1, avg_sq_grad, avg_sq_delta)


def _adadelta_old_grad_avg(param, grad, state=None, *, rho=0.9, eps=1e-6):
    if state is None:
        state = AdadeltaState(0, np.zeros_like(param), np.zeros_like(param))
    # MISTAKE: RMS[g]_{t-1}: E[g^2] is updated only after the step
    delta = -np.sqrt(state.avg_sq_delta + eps) / np.sqrt(state.avg_sq_grad + eps) * grad
    avg_sq_grad = ema(state.avg_sq_grad, grad**2, rho)
    avg_sq_delta = ema(state.avg_sq_delta, delta**2, rho)
    return param + delta, AdadeltaState(state.t + 1, avg_sq_grad, avg_sq_delta)


def _adadelta_sign(param, grad, state=None, *, rho=0.9, eps=1e-6):
    if state is None:
        state = AdadeltaState(0, np.zeros_like(param), np.zeros_like(param))
    avg_sq_grad = ema(state.avg_sq_grad, grad**2, rho)
    delta = -np.sqrt(state.avg_sq_delta + eps) / np.sqrt(avg_sq_grad + eps) * grad
    avg_sq_delta = ema(state.avg_sq_delta, delta**2, rho)
    return param - delta, AdadeltaState(state.t + 1, avg_sq_grad, avg_sq_delta)  # MISTAKE: - delta


# --- RMSprop -------------------------------------------------------------------------------------------


def _rmsprop_no_sqrt(param, grad, state=None, *, lr=0.001, rho=0.9, eps=1e-8):
    if state is None:
        state = RMSpropState(0, np.zeros_like(param))
    avg_sq_grad = ema(state.avg_sq_grad, grad**2, rho)
    new_param = param - lr / (avg_sq_grad + eps) * grad  # MISTAKE: no square root
    return new_param, RMSpropState(state.t + 1, avg_sq_grad)


def _rmsprop_eps_outside(param, grad, state=None, *, lr=0.001, rho=0.9, eps=1e-8):
    if state is None:
        state = RMSpropState(0, np.zeros_like(param))
    avg_sq_grad = ema(state.avg_sq_grad, grad**2, rho)
    new_param = param - lr / (np.sqrt(avg_sq_grad) + eps) * grad  # MISTAKE: eps outside the root
    return new_param, RMSpropState(state.t + 1, avg_sq_grad)


def _rmsprop_swapped_decay(param, grad, state=None, *, lr=0.001, rho=0.9, eps=1e-8):
    if state is None:
        state = RMSpropState(0, np.zeros_like(param))
    avg_sq_grad = (1 - rho) * state.avg_sq_grad + rho * grad**2  # MISTAKE: rho and 1 - rho swapped
    new_param = param - lr / np.sqrt(avg_sq_grad + eps) * grad
    return new_param, RMSpropState(state.t + 1, avg_sq_grad)


def _rmsprop_old_avg(param, grad, state=None, *, lr=0.001, rho=0.9, eps=1e-8):
    if state is None:
        state = RMSpropState(0, np.zeros_like(param))
    new_param = param - lr / np.sqrt(state.avg_sq_grad + eps) * grad  # MISTAKE: E[g^2]_{t-1}
    avg_sq_grad = ema(state.avg_sq_grad, grad**2, rho)
    return new_param, RMSpropState(state.t + 1, avg_sq_grad)


def _rmsprop_no_one_minus_rho(param, grad, state=None, *, lr=0.001, rho=0.9, eps=1e-8):
    if state is None:
        state = RMSpropState(0, np.zeros_like(param))
    avg_sq_grad = rho * state.avg_sq_grad + grad**2  # MISTAKE: g**2 not weighted by (1 - rho)
    new_param = param - lr / np.sqrt(avg_sq_grad + eps) * grad
    return new_param, RMSpropState(state.t + 1, avg_sq_grad)


# --- Adam ----------------------------------------------------------------------------------------------


def _adam_zero_state(param):
    return AdamState(0, np.zeros_like(param), np.zeros_like(param))


def _adam_no_bias_correction(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _adam_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    new_param = param - lr * m / (np.sqrt(v) + eps)  # MISTAKE: m and v not bias-corrected
    return new_param, AdamState(t, m, v)


def _adam_correction_without_power(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _adam_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    m_hat = m / (1 - beta1)  # MISTAKE: 1 - beta1 instead of 1 - beta1**t
    v_hat = v / (1 - beta2)  # MISTAKE (same): 1 - beta2 instead of 1 - beta2**t
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, AdamState(t, m, v)


def _adam_t_used_before_increment(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _adam_zero_state(param) if state is None else state
    t = state.t  # MISTAKE: t incremented after use, so the first step uses t = 0: 1 - beta**0 = 0
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    m_hat = bias_correction(m, beta1, t)
    v_hat = bias_correction(v, beta2, t)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, AdamState(t + 1, m, v)


def _adam_t_one_ahead(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    state = AdamState(1, np.zeros_like(param), np.zeros_like(param)) if state is None else state
    t = state.t + 1  # MISTAKE: t starts at 1 and is incremented before use: the first step uses t = 2
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    m_hat = bias_correction(m, beta1, t)
    v_hat = bias_correction(v, beta2, t)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, AdamState(t, m, v)


def _adam_corrected_moments_stored(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _adam_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    m_hat = bias_correction(m, beta1, t)
    v_hat = bias_correction(v, beta2, t)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, AdamState(t, m_hat, v_hat)  # MISTAKE: the bias-corrected moments are stored


def _adam_eps_inside(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _adam_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    m_hat = bias_correction(m, beta1, t)
    v_hat = bias_correction(v, beta2, t)
    new_param = param - lr * m_hat / np.sqrt(v_hat + eps)  # MISTAKE: eps inside the square root
    return new_param, AdamState(t, m, v)


def _adam_swapped_decay(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _adam_zero_state(param) if state is None else state
    t = state.t + 1
    m = (1 - beta1) * state.m + beta1 * grad  # MISTAKE: beta1 and 1 - beta1 swapped
    v = (1 - beta2) * state.v + beta2 * grad**2  # MISTAKE (same): beta2 and 1 - beta2 swapped
    m_hat = bias_correction(m, beta1, t)
    v_hat = bias_correction(v, beta2, t)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, AdamState(t, m, v)


def _adam_v_of_g(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _adam_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad, beta2)  # MISTAKE: averages g, not g**2
    m_hat = bias_correction(m, beta1, t)
    v_hat = bias_correction(v, beta2, t)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, AdamState(t, m, v)


# --- AdaMax --------------------------------------------------------------------------------------------


def _adamax_zero_state(param):
    return AdamaxState(0, np.zeros_like(param), np.zeros_like(param))


def _adamax_divides_by_zero(param, grad, state=None, *, lr=0.002, beta1=0.9, beta2=0.999):
    state = _adamax_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    u = np.maximum(beta2 * state.u, np.abs(grad))
    ratio = m / u  # MISTAKE: 0 / 0 = NaN where every gradient so far was 0
    new_param = param - lr * bias_correction(ratio, beta1, t)
    return new_param, AdamaxState(t, m, u)


def _adamax_no_abs(param, grad, state=None, *, lr=0.002, beta1=0.9, beta2=0.999):
    state = _adamax_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    u = np.maximum(beta2 * state.u, grad)  # MISTAKE: g instead of |g|
    ratio = np.divide(m, u, out=np.zeros_like(u), where=u > 0)
    new_param = param - lr * bias_correction(ratio, beta1, t)
    return new_param, AdamaxState(t, m, u)


def _adamax_no_bias_correction(param, grad, state=None, *, lr=0.002, beta1=0.9, beta2=0.999):
    state = _adamax_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    u = np.maximum(beta2 * state.u, np.abs(grad))
    ratio = np.divide(m, u, out=np.zeros_like(u), where=u > 0)
    new_param = param - lr * ratio  # MISTAKE: no division by 1 - beta1**t
    return new_param, AdamaxState(t, m, u)


def _adamax_u_average(param, grad, state=None, *, lr=0.002, beta1=0.9, beta2=0.999):
    state = _adamax_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    u = ema(state.u, np.abs(grad), beta2)  # MISTAKE: a moving average of |g|, not a maximum
    ratio = np.divide(m, u, out=np.zeros_like(u), where=u > 0)
    new_param = param - lr * bias_correction(ratio, beta1, t)
    return new_param, AdamaxState(t, m, u)


def _adamax_eps_added(param, grad, state=None, *, lr=0.002, beta1=0.9, beta2=0.999):
    state = _adamax_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    u = np.maximum(beta2 * state.u, np.abs(grad))
    ratio = m / (u + 1e-8)  # MISTAKE: Adam's eps added to u (AdaMax has none)
    new_param = param - lr * bias_correction(ratio, beta1, t)
    return new_param, AdamaxState(t, m, u)


# --- Nadam ---------------------------------------------------------------------------------------------


def _nadam_zero_state(param):
    return NadamState(0, np.zeros_like(param), np.zeros_like(param), 1.0)


def _nadam_adam_step(param, grad, state=None, *, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _nadam_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    v_hat = bias_correction(v, beta2, t)
    m_hat = bias_correction(m, beta1, t)
    lookahead = m_hat  # MISTAKE: mhat_t alone, as in Adam, not the Nesterov mix
    new_param = param - lr / (np.sqrt(v_hat) + eps) * lookahead
    return new_param, NadamState(t, m, v, state.mu_product * beta1)


def _nadam_g_uncorrected(param, grad, state=None, *, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _nadam_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    v_hat = bias_correction(v, beta2, t)
    m_hat = bias_correction(m, beta1, t)
    lookahead = beta1 * m_hat + (1 - beta1) * grad  # MISTAKE: the g_t term not divided by 1 - beta1**t
    new_param = param - lr / (np.sqrt(v_hat) + eps) * lookahead
    return new_param, NadamState(t, m, v, state.mu_product * beta1)


def _nadam_next_power(param, grad, state=None, *, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _nadam_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    v_hat = bias_correction(v, beta2, t)
    m_hat = bias_correction(m, beta1, t + 1)  # MISTAKE: 1 - beta1**(t+1) (Dozat's draft) for the momentum
    lookahead = beta1 * m_hat + bias_correction((1 - beta1) * grad, beta1, t)
    new_param = param - lr / (np.sqrt(v_hat) + eps) * lookahead
    return new_param, NadamState(t, m, v, state.mu_product * beta1)


def _nadam_no_bias_correction(param, grad, state=None, *, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _nadam_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    lookahead = beta1 * m + (1 - beta1) * grad  # MISTAKE: no bias correction anywhere
    new_param = param - lr / (np.sqrt(v) + eps) * lookahead
    return new_param, NadamState(t, m, v, state.mu_product * beta1)


def _nadam_eps_inside(param, grad, state=None, *, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _nadam_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    v_hat = bias_correction(v, beta2, t)
    m_hat = bias_correction(m, beta1, t)
    lookahead = beta1 * m_hat + bias_correction((1 - beta1) * grad, beta1, t)
    new_param = param - lr / np.sqrt(v_hat + eps) * lookahead  # MISTAKE: eps inside the square root
    return new_param, NadamState(t, m, v, state.mu_product * beta1)


# --- AMSGrad -------------------------------------------------------------------------------------------


def _amsgrad_zero_state(param):
    zeros = np.zeros_like(param)
    return AMSGradState(0, zeros, zeros, zeros)


def _amsgrad_no_max(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _amsgrad_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    v_hat = np.maximum(state.v_hat, v)
    new_param = param - lr * m / (np.sqrt(v) + eps)  # MISTAKE: v_t instead of the maximum vhat_t
    return new_param, AMSGradState(t, m, v, v_hat)


def _amsgrad_max_of_m(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _amsgrad_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    m_max = np.maximum(state.v_hat, m)  # MISTAKE: the maximum of m (kept in the v_hat slot), not of v
    new_param = param - lr * m_max / (np.sqrt(v) + eps)
    return new_param, AMSGradState(t, m, v, m_max)


def _amsgrad_max_of_corrected_v(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _amsgrad_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    v_hat = np.maximum(state.v_hat, bias_correction(v, beta2, t))  # MISTAKE: max of v_t / (1 - beta2**t)
    new_param = param - lr * m / (np.sqrt(v_hat) + eps)
    return new_param, AMSGradState(t, m, v, v_hat)


def _amsgrad_max_before_update(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _amsgrad_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v_hat = np.maximum(state.v_hat, state.v)  # MISTAKE: max taken with v_{t-1}, before v is updated
    v = ema(state.v, grad**2, beta2)
    new_param = param - lr * m / (np.sqrt(v_hat) + eps)
    return new_param, AMSGradState(t, m, v, v_hat)


def _amsgrad_max_into_v(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _amsgrad_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    v_hat = np.maximum(state.v_hat, v)
    new_param = param - lr * m / (np.sqrt(v_hat) + eps)
    return new_param, AMSGradState(t, m, v_hat, v_hat)  # MISTAKE: the maximum is written back into v


def _amsgrad_bias_corrected(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _amsgrad_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    v_hat = np.maximum(state.v_hat, v)
    m_hat = bias_correction(m, beta1, t)  # MISTAKE: Adam's bias correction kept (PyTorch's AMSGrad)
    new_param = param - lr * m_hat / (np.sqrt(bias_correction(v_hat, beta2, t)) + eps)
    return new_param, AMSGradState(t, m, v, v_hat)


def _amsgrad_eps_inside(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    state = _amsgrad_zero_state(param) if state is None else state
    t = state.t + 1
    m = ema(state.m, grad, beta1)
    v = ema(state.v, grad**2, beta2)
    v_hat = np.maximum(state.v_hat, v)
    new_param = param - lr * m / np.sqrt(v_hat + eps)  # MISTAKE: eps inside the square root
    return new_param, AMSGradState(t, m, v, v_hat)


# --- the catalogue: name -> mistakes, in the order they are tried --------------------------------------

_EPS_INSIDE = "put eps outside the square root: lr * m_hat / (np.sqrt(v_hat) + eps)."
_EPS_INSIDE_PAPER = (
    "in this exercise (Ruder's form) eps goes inside the square root: lr / np.sqrt(G + eps) * grad; "
    "PyTorch puts it outside."
)

MISTAKES: dict[str, list[Mistake]] = {
    "sgd": [
        Mistake("gradient ascent (param + lr * grad)", _sgd_ascent,
                "step against the gradient: new_param = param - lr * grad."),
        Mistake("the lr argument is ignored (a fixed learning rate of 0.01)", _sgd_hard_coded_lr,
                "use the lr passed to the function, not a number written in the code."),
        Mistake("returns the step -lr * grad instead of the new parameter", _sgd_returns_step,
                "return param - lr * grad, the parameter after the step."),
    ],
    "momentum": [
        Mistake("a sign error: the velocity is added (param + v), which climbs uphill", _momentum_sign,
                "v = momentum * v + lr * grad, then new_param = param - v."),
        Mistake("the velocity as an average, v = momentum * v + (1 - momentum) * grad", _momentum_ema,
                "in this exercise the velocity sums the scaled gradients: v = momentum * v + lr * grad "
                "(no 1 - momentum), then new_param = param - v."),
        Mistake("the parameter steps with the old velocity v_{t-1}, before v is updated",
                _momentum_old_velocity,
                "update the velocity first (v = momentum * v + lr * grad), then new_param = param - v."),
        Mistake("lr outside the velocity (v = momentum * v + grad; param - lr * v, PyTorch's form): it "
                "differs as soon as lr changes between calls", _momentum_lr_outside,
                "keep lr inside the velocity, as in Ruder's overview: v = momentum * v + lr * grad."),
        Mistake("the state is not carried over (every step starts from v = 0: plain SGD)",
                _forgets_state(optim.momentum), _FORGETS_STATE_HINT),
    ],
    "nesterov": [
        Mistake("plain momentum (param - v), without Nesterov's look-ahead", _nesterov_plain_momentum,
                "step with the look-ahead: new_param = param - (momentum * v + lr * grad), v the new velocity."),
        Mistake("the step (1 + momentum) * v alone, without CS231n's correction + momentum * v_{t-1}",
                _nesterov_no_correction,
                "the look-ahead step is momentum * v + lr * grad (the same as (1 + momentum) * v - momentum * "
                "v_prev): new_param = param - (momentum * v + lr * grad)."),
        Mistake("a sign error: the step is added, which climbs uphill", _nesterov_sign,
                "subtract: new_param = param - (momentum * v + lr * grad)."),
        Mistake("lr outside the velocity (v = momentum * v + grad, PyTorch's form): it differs as soon as lr "
                "changes between calls", _nesterov_lr_outside,
                "keep lr inside the velocity: v = momentum * v + lr * grad, new_param = param - "
                "(momentum * v + lr * grad)."),
        Mistake("the state is not carried over (every step starts from v = 0)",
                _forgets_state(optim.nesterov), _FORGETS_STATE_HINT),
    ],
    "adagrad": [
        Mistake("the accumulator sums g instead of g**2", _adagrad_sum_of_g,
                "accumulate squared gradients: G = G + grad**2."),
        Mistake("eps outside the square root (PyTorch's placement)", _adagrad_eps_outside, _EPS_INSIDE_PAPER),
        Mistake("no square root: lr / (G + eps) * grad", _adagrad_no_sqrt,
                "divide by the root of the accumulator: lr / np.sqrt(G + eps) * grad."),
        Mistake("the running mean of g**2 instead of the sum", _adagrad_mean,
                "Adagrad sums every squared gradient (G = G + grad**2), it does not average them."),
        Mistake("the step uses G before the current g**2 is added", _adagrad_old_G,
                "first G = G + grad**2, then the step with the new G."),
        Mistake("the state is not carried over (G restarts from 0 at every step)",
                _forgets_state(optim.adagrad), _FORGETS_STATE_HINT),
    ],
    "adadelta": [
        Mistake("the average of squared steps E[dtheta^2] is never updated", _adadelta_delta_avg_never_updated,
                "after computing the step, update avg_sq_delta = rho * avg_sq_delta + (1 - rho) * delta**2 and "
                "return it in the state."),
        Mistake("eps outside the square roots", _adadelta_eps_outside,
                "RMS[x] = np.sqrt(E[x^2] + eps): eps goes inside both square roots."),
        Mistake("rho and 1 - rho swapped in the moving averages", _adadelta_swapped_decay,
                "rho weighs the old average: avg = rho * avg + (1 - rho) * x."),
        Mistake("the step uses E[g^2] before the current g**2 is averaged in", _adadelta_old_grad_avg,
                "update avg_sq_grad first, then delta = -RMS[dtheta]_{t-1} / RMS[g]_t * grad."),
        Mistake("a sign error: param - delta, with delta already negative (climbs uphill)", _adadelta_sign,
                "delta = -RMS[dtheta]_{t-1} / RMS[g]_t * grad already points downhill: new_param = param + delta."),
        Mistake("the state is not carried over (both averages restart from 0)",
                _forgets_state(optim.adadelta), _FORGETS_STATE_HINT),
    ],
    "rmsprop": [
        Mistake("no square root: lr / (E[g^2] + eps) * grad", _rmsprop_no_sqrt,
                "divide by the root mean square: lr / np.sqrt(avg_sq_grad + eps) * grad."),
        Mistake("eps outside the square root (PyTorch's placement)", _rmsprop_eps_outside,
                "in this exercise (Ruder's form) eps goes inside the square root: "
                "lr / np.sqrt(avg_sq_grad + eps) * grad; PyTorch puts it outside."),
        Mistake("rho and 1 - rho swapped in the moving average", _rmsprop_swapped_decay,
                "rho weighs the old average: avg_sq_grad = rho * avg_sq_grad + (1 - rho) * grad**2."),
        Mistake("the step uses E[g^2] before the current g**2 is averaged in", _rmsprop_old_avg,
                "update avg_sq_grad first, then take the step with it."),
        Mistake("g**2 added without the factor (1 - rho)", _rmsprop_no_one_minus_rho,
                "a moving average weighs the new value by 1 - rho: rho * avg + (1 - rho) * grad**2."),
        Mistake("the state is not carried over (E[g^2] restarts from 0)",
                _forgets_state(optim.rmsprop), _FORGETS_STATE_HINT),
    ],
    "adam": [
        Mistake("Adam without bias correction", _adam_no_bias_correction,
                "divide m and v by (1 - beta1**t) and (1 - beta2**t) before the step."),
        Mistake("bias correction with 1 - beta instead of 1 - beta**t", _adam_correction_without_power,
                "the correction depends on the step count: m_hat = m / (1 - beta1**t), "
                "v_hat = v / (1 - beta2**t)."),
        Mistake("t used before it is incremented (the first step uses t = 0: 1 - beta**0 = 0 divides by "
                "zero)", _adam_t_used_before_increment,
                "increment t first (t = 1 at the first step), then bias-correct with it."),
        Mistake("t one step ahead (the first step uses t = 2)", _adam_t_one_ahead,
                "start the step count at 0 and add 1 before using it, so the first step uses t = 1."),
        Mistake("the bias-corrected moments m_hat, v_hat are written back into the state",
                _adam_corrected_moments_stored,
                "store the raw averages m and v in the state; m_hat and v_hat are only for the step."),
        Mistake("eps inside the square root", _adam_eps_inside, _EPS_INSIDE),
        Mistake("beta and 1 - beta swapped in the moment averages", _adam_swapped_decay,
                "beta weighs the old average: m = beta1 * m + (1 - beta1) * grad, "
                "v = beta2 * v + (1 - beta2) * grad**2."),
        Mistake("the second moment averages g instead of g**2", _adam_v_of_g,
                "v = beta2 * v + (1 - beta2) * grad**2."),
        Mistake("the state is not carried over (m, v and t restart at every step)",
                _forgets_state(optim.adam), _FORGETS_STATE_HINT),
    ],
    "adamax": [
        Mistake("0 / 0 where every gradient so far was 0 (u = 0 there)", _adamax_divides_by_zero,
                "where u == 0, m is 0 too: take the step as 0 there, e.g. "
                "np.divide(m, u, out=np.zeros_like(u), where=u > 0)."),
        Mistake("u = max(beta2 * u, g) without the absolute value", _adamax_no_abs,
                "use the absolute value: u = np.maximum(beta2 * u, np.abs(grad))."),
        Mistake("AdaMax without bias correction of m", _adamax_no_bias_correction,
                "divide the step by (1 - beta1**t): lr / (1 - beta1**t) * m / u."),
        Mistake("u as a moving average of |g| instead of a maximum", _adamax_u_average,
                "u is the decaying maximum: u = np.maximum(beta2 * u, np.abs(grad))."),
        Mistake("an eps added to u (Adam's habit; AdaMax has none)", _adamax_eps_added,
                "AdaMax divides by u itself (u >= |g| > 0 where it matters); guard only the entries where u == 0."),
        Mistake("the state is not carried over (m, u and t restart at every step)",
                _forgets_state(optim.adamax), _FORGETS_STATE_HINT),
    ],
    "nadam": [
        Mistake("m_hat alone instead of the Nesterov mix (this is Adam)", _nadam_adam_step,
                "look ahead: use beta1 * m_hat + (1 - beta1) * grad / (1 - beta1**t) in place of m_hat."),
        Mistake("the gradient term of the Nesterov mix is not bias-corrected", _nadam_g_uncorrected,
                "divide the gradient term too: beta1 * m_hat + (1 - beta1) * grad / (1 - beta1**t)."),
        Mistake("the momentum term bias-corrected with 1 - beta1**(t+1)", _nadam_next_power,
                "in this exercise (Ruder's form) m_hat = m / (1 - beta1**t), the same t as the gradient term."),
        Mistake("Nadam without bias correction", _nadam_no_bias_correction,
                "divide m by (1 - beta1**t), the gradient term by (1 - beta1**t) and v by (1 - beta2**t)."),
        Mistake("eps inside the square root", _nadam_eps_inside,
                "put eps outside the square root: lr / (np.sqrt(v_hat) + eps)."),
        Mistake("the state is not carried over (m, v and t restart at every step)",
                _forgets_state(optim.nadam), _FORGETS_STATE_HINT),
    ],
    "amsgrad": [
        Mistake("no maximum: v_t used instead of vhat_t = max(vhat_{t-1}, v_t)", _amsgrad_no_max,
                "divide by the root of the running maximum: v_hat = np.maximum(v_hat, v), then "
                "lr * m / (np.sqrt(v_hat) + eps)."),
        Mistake("the maximum taken of m instead of v", _amsgrad_max_of_m,
                "keep the maximum of the second moment: v_hat = np.maximum(v_hat, v)."),
        Mistake("the maximum taken of the bias-corrected v", _amsgrad_max_of_corrected_v,
                "in this exercise AMSGrad has no bias correction: v_hat = np.maximum(v_hat, v)."),
        Mistake("the maximum taken before v is updated (with v_{t-1})", _amsgrad_max_before_update,
                "update v = beta2 * v + (1 - beta2) * grad**2 first, then v_hat = np.maximum(v_hat, v)."),
        Mistake("the maximum written back into v (the average then starts from vhat_{t-1})",
                _amsgrad_max_into_v,
                "keep v and v_hat apart in the state: v stays the plain moving average."),
        Mistake("Adam's bias correction kept (PyTorch's AMSGrad)", _amsgrad_bias_corrected,
                "in this exercise (Reddi et al., Ruder) there is no bias correction: lr * m / (np.sqrt(v_hat) + eps)."),
        Mistake("eps inside the square root", _amsgrad_eps_inside,
                "put eps outside the square root: lr * m / (np.sqrt(v_hat) + eps)."),
        Mistake("the state is not carried over (m, v, v_hat and t restart at every step)",
                _forgets_state(optim.amsgrad), _FORGETS_STATE_HINT),
    ],
}

# =========================================================================================================
# The table of the ten optimizers and the one driver.
# =========================================================================================================


@dataclass(frozen=True)
class OptimizerExercise:
    """One row of the table: the reference rule and the hyperparameters the cases use.

    The hyperparameters differ from the defaults on purpose (a learner who ignores a keyword is caught)
    and are chosen so that every catalogued mistake shows: beta and rho away from 0.5 (swaps show), lr
    large enough that a step is far above the tolerance, eps above 1e-8 so gradients ~1e-8 tell eps inside
    from outside the square root.
    """

    name: str
    reference: Callable[..., Any]
    hyperparameters: dict[str, float]

    @property
    def mistakes(self) -> list[Mistake]:
        return MISTAKES[self.name]


_ADAM_LIKE = {"lr": 0.1, "beta1": 0.8, "beta2": 0.95, "eps": 1e-7}

OPTIMIZERS: dict[str, OptimizerExercise] = {
    e.name: e
    for e in [
        OptimizerExercise("sgd", optim.sgd, {"lr": 0.1}),
        OptimizerExercise("momentum", optim.momentum, {"lr": 0.1, "momentum": 0.8}),
        OptimizerExercise("nesterov", optim.nesterov, {"lr": 0.1, "momentum": 0.8}),
        OptimizerExercise("adagrad", optim.adagrad, {"lr": 0.1, "eps": 1e-7}),
        OptimizerExercise("adadelta", optim.adadelta, {"rho": 0.8, "eps": 1e-5}),
        OptimizerExercise("rmsprop", optim.rmsprop, {"lr": 0.01, "rho": 0.8, "eps": 1e-7}),
        OptimizerExercise("adam", optim.adam, dict(_ADAM_LIKE)),
        OptimizerExercise("adamax", optim.adamax, {"lr": 0.1, "beta1": 0.8, "beta2": 0.95}),
        OptimizerExercise("nadam", optim.nadam, dict(_ADAM_LIKE)),
        OptimizerExercise("amsgrad", optim.amsgrad, dict(_ADAM_LIKE)),
    ]
}


@dataclass(frozen=True)
class _Case:
    """A run of steps from ``param`` and state None. ``hps[k]`` are the keywords of step k; None means
    "call without keywords" (the learner's and the reference's own defaults)."""

    name: str
    param: np.ndarray
    grads: list
    hps: list


def _cases(exercise: OptimizerExercise) -> list[_Case]:
    """The fixed-seed cases of one optimizer exercise (see the module docstring)."""
    hp = exercise.hyperparameters
    rng = np.random.default_rng(20240503)
    tiny = np.array([1e-8, 1.0, 1e-8, 1e-8, 1.0, 1e-8])

    cases = [
        _Case("first step (t=1)", rng.normal(size=5), [rng.normal(size=5)], [hp]),
        _Case("2-D parameter", rng.normal(size=(3, 4)), list(rng.normal(size=(3, 3, 4))), [hp] * 3),
        _Case("tiny gradients (eps placement)", rng.normal(size=6), list(rng.normal(size=(3, 6)) * tiny),
              [hp] * 3),
    ]
    zero_grads = rng.normal(size=(3, 6))
    zero_grads[:, 0] = 0.0  # a coordinate that never gets a gradient (a pixel that is always 0)
    zero_grads[0, 3] = zero_grads[1, 1] = zero_grads[2, 4] = 0.0
    cases.append(_Case("zero gradient entries", rng.normal(size=6), list(zero_grads), [hp] * 3))
    cases.append(_Case("0-d parameter", np.array(0.7), [np.array(-1.3), np.array(0.4), np.array(2.1)], [hp] * 3))
    if "lr" in hp:
        lrs = [1.0, 1.0, 0.5, 0.5, 2.0, 0.25]
        cases.append(_Case("learning rate changed between steps", rng.normal(size=4),
                           list(rng.normal(size=(6, 4))), [{**hp, "lr": hp["lr"] * f} for f in lrs]))
    default_grads = rng.normal(size=(5, 5)) * np.array([1.0, 1e-8, 1.0, 0.1, 1.0])
    cases.append(_Case("default hyperparameters", rng.normal(size=5), list(default_grads), [None] * 5))
    t = np.arange(20)[:, None]
    scale = np.hstack([np.ones((20, 1)), 3.0 * 0.7**t, np.full((20, 1), 1e-8), np.full((20, 1), 0.1)])
    cases.append(_Case("20 steps", rng.normal(size=4), list(rng.normal(size=(20, 4)) * scale), [hp] * 20))
    return cases


def _call_text(name: str, hp: dict | None, first: bool) -> str:
    """How the reference was called, for messages: ``gdbp.optim.adam(param, grad, None, lr=0.1, ...)``."""
    state = "None" if first else "state"
    if hp is None:
        defaults = ", ".join(f"{k}={v!r}" for k, v in optim.defaults(name).items())
        return f"gdbp.optim.{name}(param, grad, {state}) (its defaults: {defaults})"
    keywords = "".join(f", {k}={v!r}" for k, v in hp.items())
    return f"gdbp.optim.{name}(param, grad, {state}{keywords})"


def _trajectory(fn: Callable, case: _Case, steps: int, defaults: dict | None) -> list[np.ndarray]:
    """The parameters after each of the first ``steps`` steps of ``fn`` on ``case`` (copies of the inputs).

    A step without keywords (``hps[k] is None``) calls ``fn`` without keywords when ``defaults`` is None
    (the reference), else with ``defaults`` written out (the mistakes)."""
    param, state, out = case.param.copy(), None, []
    for grad, hp in zip(case.grads[:steps], case.hps[:steps]):
        keywords = hp if hp is not None else (defaults or {})
        new_param, state = fn(param, grad.copy(), state, **keywords)
        param = np.asarray(new_param, dtype=float).copy()
        out.append(param)
    return out


def _learner_trajectory(c: Checker, case: _Case) -> list:
    """The learner's parameters over ``case`` for diagnosis only: called on copies, with the time limit,
    stopping quietly at the first step that raises or returns something unusable."""
    param, state, out = case.param.copy(), None, []
    for grad, hp in zip(case.grads, case.hps):
        try:
            with _time_limit(c.time_limit):
                new_param, state = c.fn(param.copy(), grad.copy(), state, **(hp or {}))
            param = np.array(new_param, dtype=float)
        except (Exception, _TimeUp):
            break
        if param.shape != case.param.shape:
            break
        out.append(param)
    return out


def _mistake_thunks(c: Checker, exercise: OptimizerExercise, case: _Case, step: int, received: list):
    """For each mistake, a thunk giving its parameter at ``step`` (0-based) of ``case`` if the mistake
    also explains everything else the learner did, else None (which never matches an array).

    "Everything else": the mistake's trajectory equals the learner's at every earlier step of this case
    and over the "20 steps" diagnosis run (as far as the learner's function runs). Several mistakes can
    agree on one step (at t=1, Nadam with an uncorrected gradient term is Adam); the diagnosis run tells
    them apart, and a learner with two mistakes at once is not misnamed as having one."""
    defaults = optim.defaults(exercise.name)
    diagnosis = _cases(exercise)[-1]
    learner_path = []  # computed once, on the first thunk that needs it

    def explains(mistake: Mistake) -> bool:
        if not learner_path:
            learner_path.append(_learner_trajectory(c, diagnosis))
        path = learner_path[0]
        mistaken = _trajectory(mistake.fn, diagnosis, len(path), defaults)
        return all(agree(p, q) for p, q in zip(path, mistaken))

    def thunk(mistake: Mistake):
        def value():
            path = _trajectory(mistake.fn, case, step + 1, defaults)
            if all(agree(path[j], received[j]) for j in range(step)) and explains(mistake):
                return path[step]
            return None

        return value

    return [(m, thunk(m)) for m in exercise.mistakes]


def _new_param(c: Checker, exercise, case, step, value, expected, received) -> np.ndarray:
    """new_param must be a float64 array of param's shape with finite entries. A non-finite answer that a
    catalogued mistake also gives (NaN from 0/0, t starting at 0) is named."""
    candidate = np.asarray(value) if isinstance(value, (float, np.floating)) else value
    if (isinstance(candidate, np.ndarray) and candidate.shape == expected.shape
            and candidate.dtype.kind == "f"):
        bad = first_nonfinite(candidate)
        if bad is not None:
            for mistake, thunk in _mistake_thunks(c, exercise, case, step, received):
                try:
                    mistaken = thunk()
                except Exception:
                    continue
                if mistaken is not None and agree(candidate, mistaken):
                    c.fail(
                        f"new_param contains {bad[1]} at index {bad[0]}, expected finite "
                        f"numbers (first entries received: {format_array(candidate)}; expected: "
                        f"{format_array(expected)}).\n  This matches a classic mistake: {mistake.name}.",
                        case.name, hint=mistake.hint,
                    )
    new_param = c.array(value, "new_param", like=expected, case=case.name)
    if new_param.dtype != np.float64:
        c.fail(f"new_param has dtype {new_param.dtype}, expected float64 (the dtype of param).", case.name,
               hint="compute in float64: do not convert with .astype or np.float32.")
    return new_param


def _run_case(c: Checker, exercise: OptimizerExercise, case: _Case) -> None:
    """Run the learner's function over the case's steps, carrying its own state, comparing every step."""
    expected = _trajectory(exercise.reference, case, len(case.grads), None)
    n = len(case.grads)
    param, state, received = case.param.copy(), None, []
    for k in range(n):
        grad, hp = case.grads[k].copy(), case.hps[k]
        try:
            out = c.call(case.name, param, grad, state, **(hp or {}))
            new_param, state = c.unpack(out, 2, "(new_param, new_state)", case=case.name)
            new_param = _new_param(c, exercise, case, k, new_param, expected[k], received)
            source = _call_text(exercise.name, hp, first=k == 0)
            diff = first_difference(new_param, expected[k])
            if diff is not None:
                at = f"[{', '.join(map(str, diff[0]))}]" if diff[0] else ""
                source += f" with param{at} = {param[diff[0]].item()!r}, grad{at} = {grad[diff[0]].item()!r}"
            c.close(new_param, expected[k], "new_param", case=case.name, source=source,
                    mistakes=_mistake_thunks(c, exercise, case, k, received))
        except CheckFailed as failure:
            if n == 1:
                raise
            earlier = {0: "", 1: "step 1 matched the reference; "}.get(k, f"steps 1 to {k} matched the reference; ")
            note = (f"\n  (At step {k + 1} of {n}: {earlier}each call received the state your function "
                    f"returned at the previous step.)")
            text = str(failure)
            head, sep, hint = text.partition("\n  Hint: ")
            raise CheckFailed(head + note + sep + hint) from None
        received.append(new_param.copy())
        param = new_param.copy()


def _check_defaults(c: Checker, exercise: OptimizerExercise) -> None:
    """The defaults in the learner's signature must be the reference's (paper convention). A default of
    None is accepted (resolved inside the function, as gdbp.optim does)."""
    try:
        params = inspect.signature(c.fn).parameters
    except (TypeError, ValueError):
        return
    case = c.case("default hyperparameters")
    for name, value in optim.defaults(exercise.name).items():
        if name not in params:
            continue  # accepted through **kwargs: the values will tell
        default = params[name].default
        if default is inspect.Parameter.empty:
            c.fail(f"the argument {name} has no default value, expected {name}={value!r}.", case,
                   hint=f"write the signature as in the exercise, with {name}={value!r}.")
        if default is None:
            continue
        if (isinstance(default, bool) or not isinstance(default, (int, float))
                or not abs(default - value) <= 1e-12 * abs(value)):
            c.fail(f"your default is {name}={default!r}, expected {name}={value!r} (gdbp.optim.defaults"
                   f"({exercise.name!r})).", case,
                   hint=f"use the default of the exercise's signature: {name}={value!r}.")


def _check(name: str, learner_fn: Any, time_limit: float | None) -> None:
    """The shared driver of the ten checkers."""
    __tracebackhide__ = True
    exercise = OPTIMIZERS[name]
    hp_names = list(optim.defaults(name))

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("param", "grad", "state", *hp_names)
        for case in _cases(exercise):
            if case.hps[0] is None:
                _check_defaults(c, exercise)
            _run_case(c, exercise, case)

    run(name, learner_fn, body,
        hint=f"compare your code line by line with the update equations of {name} in the notebook.")


# =========================================================================================================
# The ten checkers.
# =========================================================================================================


@entry_point
def check_sgd(learner_fn, *, time_limit=None):
    """Check ``sgd(param, grad, state, lr=0.01) -> (new_param, new_state)`` against ``gdbp.optim.sgd``.

    Raises AssertionError (``CheckFailed``) naming the case, what was received and expected, and the
    classic mistake it matches; prints one line on success. ``time_limit``: seconds per call (default
    ``gdbp.checks._core.CALL_TIME_LIMIT``).
    """
    __tracebackhide__ = True
    _check("sgd", learner_fn, time_limit)


@entry_point
def check_momentum(learner_fn, *, time_limit=None):
    """Check ``momentum(param, grad, state, lr=0.01, momentum=0.9)`` against ``gdbp.optim.momentum``
    (Ruder's form, lr inside the velocity). See ``check_sgd`` for what it raises and prints."""
    __tracebackhide__ = True
    _check("momentum", learner_fn, time_limit)


@entry_point
def check_nesterov(learner_fn, *, time_limit=None):
    """Check ``nesterov(param, grad, state, lr=0.01, momentum=0.9)`` against ``gdbp.optim.nesterov``
    (the look-ahead form with the gradient at param). See ``check_sgd``."""
    __tracebackhide__ = True
    _check("nesterov", learner_fn, time_limit)


@entry_point
def check_adagrad(learner_fn, *, time_limit=None):
    """Check ``adagrad(param, grad, state, lr=0.01, eps=1e-8)`` against ``gdbp.optim.adagrad``
    (eps inside the square root). See ``check_sgd``."""
    __tracebackhide__ = True
    _check("adagrad", learner_fn, time_limit)


@entry_point
def check_adadelta(learner_fn, *, time_limit=None):
    """Check ``adadelta(param, grad, state, rho=0.9, eps=1e-6)`` against ``gdbp.optim.adadelta``
    (no learning rate). See ``check_sgd``."""
    __tracebackhide__ = True
    _check("adadelta", learner_fn, time_limit)


@entry_point
def check_rmsprop(learner_fn, *, time_limit=None):
    """Check ``rmsprop(param, grad, state, lr=0.001, rho=0.9, eps=1e-8)`` against ``gdbp.optim.rmsprop``
    (eps inside the square root). See ``check_sgd``."""
    __tracebackhide__ = True
    _check("rmsprop", learner_fn, time_limit)


@entry_point
def check_adam(learner_fn, *, time_limit=None):
    """Check ``adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8)`` against
    ``gdbp.optim.adam``. See ``check_sgd``."""
    __tracebackhide__ = True
    _check("adam", learner_fn, time_limit)


@entry_point
def check_adamax(learner_fn, *, time_limit=None):
    """Check ``adamax(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999)`` against ``gdbp.optim.adamax``
    (no eps; a step of 0 where u = 0). See ``check_sgd``."""
    __tracebackhide__ = True
    _check("adamax", learner_fn, time_limit)


@entry_point
def check_nadam(learner_fn, *, time_limit=None):
    """Check ``nadam(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8)`` against
    ``gdbp.optim.nadam`` (Ruder's form). See ``check_sgd``."""
    __tracebackhide__ = True
    _check("nadam", learner_fn, time_limit)


@entry_point
def check_amsgrad(learner_fn, *, time_limit=None):
    """Check ``amsgrad(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8)`` against
    ``gdbp.optim.amsgrad`` (no bias correction). See ``check_sgd``."""
    __tracebackhide__ = True
    _check("amsgrad", learner_fn, time_limit)

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
learner's trajectory, the reference's and every hypothesis's are comparable step by step.

On a mismatch (and only then) the diagnosis (``gdbp.checks._diagnosis``) runs. The evidence: the learner's
parameters on the failing case up to the failing step, on the cases it passed, on the cases not run yet
(quietly, its own state carried), and on the probes: 3 steps of a probe case, again with each hyperparameter
changed alone (a keyword whose change leaves every output bit-for-bit the same is ignored), a zero gradient
(the step must be 0), a second step from the state the function returned and from None (is the state used?),
a gradient scaled by 1000 (adaptive rules are nearly scale-invariant), and the coordinates ~1e-8 (where eps
decides). The catalogue (``CATALOGUES``): per optimizer a family of implementations whose base settings are
the reference, with changes that are classic mistakes or published variants (PyTorch's forms of
``docs/conventions.md``, Kingma & Ba's efficient Adam, Keras's and PyTorch's AdaMax with any eps, Dozat's NAdam
schedule, centered RMSprop, Keras's Adagrad and Adadelta, Nesterov's look-ahead from the updated velocity), plus
for every rule: uphill, the state forgotten, the step returned, a keyword ignored (its literal fitted), several
keywords ignored at once. The most specific hypothesis that reproduces all the evidence is named (a change
alone, alone with a fitted constant, then two at once); a variant is announced as such, with whether the
difference matters; else the message says that nothing fits and what the probes found. A non-finite answer
(NaN from 0/0, t starting at 0) is diagnosed the same way, NaN agreeing with NaN. ``MISTAKES`` holds one
complete implementation per change, the mutants of the tests.

Tolerance: ``gdbp.checks._core.RTOL`` (1e-9 relative, 1e-12 absolute). Parameters are O(1) and every
correct form of these rules differs from the reference by a few ulps per step (~1e-15 after 20 steps);
every catalogued mistake differs by more than 1e-6 in at least one case (the tests check both). Hypotheses
match the learner at ``_core.MATCH_RTOL`` (1e-7 relative): the same formula in another order of operations.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, replace
from typing import Any, Callable, NamedTuple

import numpy as np

from gdbp import optim
from gdbp.checks._core import (_SNAPSHOT, CheckFailed, Checker, Mistake, entry_point, first_difference,
                              first_nonfinite, format_array, run)
from gdbp.checks._diagnosis import (DECAY_LITERALS, EPS_LITERALS, LR_LITERALS, Catalogue, Change, Evidence, Finding,
                                    Trial, allowed_by, explain, ignored_keywords, keyword_probe, report)
from gdbp.optim._common import bias_correction, ema
from gdbp.optim.adadelta import AdadeltaState
from gdbp.optim.adagrad import AdagradState
from gdbp.optim.adam import AdamState
from gdbp.optim.adamax import AdamaxState
from gdbp.optim.amsgrad import AMSGradState
from gdbp.optim.momentum import MomentumState
from gdbp.optim.nadam import NadamState
from gdbp.optim.nesterov import NesterovState

__all__ = [
    "CATALOGUES", "MISTAKES", "OPTIMIZERS",
    "check_sgd", "check_momentum", "check_nesterov", "check_adagrad", "check_adadelta", "check_rmsprop",
    "check_adam", "check_adamax", "check_nadam", "check_amsgrad",
]

# =========================================================================================================
# The catalogue: for each optimizer a family of implementations, and the changes that depart from it.
#
# A family ``_<name>_family(s)`` returns the rule written the way the settings ``s`` say (``s["eps"] ==
# "inside"``: eps inside the square root, ...); with the base settings it is the reference (paper
# convention). Each ``Change`` sets one key (a classic mistake, or a published variant such as PyTorch's
# form), or wraps the rule (it ignores a keyword, forgets its state, steps uphill, returns the step). The
# checkers fit free constants and try pairs of changes (``gdbp.checks._diagnosis``); ``MISTAKES`` holds one
# complete wrong implementation per change, which tests use as mutants.
# =========================================================================================================


def _zeros(param):
    return np.zeros_like(param)


def _uphill(fn, s):
    """The step taken in the wrong direction: new_param = param + (param - right new_param)."""

    def uphill(param, grad, state=None, **hyperparameters):
        new_param, new_state = fn(param, grad, state, **hyperparameters)
        return 2 * param - new_param, new_state  # MISTAKE: + step instead of - step

    return uphill


def _returns_step(fn, s):
    """The step (new_param - param) returned instead of the new parameter (optax's "updates")."""

    def returns_step(param, grad, state=None, **hyperparameters):
        new_param, new_state = fn(param, grad, state, **hyperparameters)
        return new_param - param, new_state  # MISTAKE: the step, not param + step

    return returns_step


def _forgets(fn, s):
    """The state passed in is ignored: every step is a first step."""

    def forgets(param, grad, state=None, **hyperparameters):
        new_param, _ = fn(param, grad, None, **hyperparameters)  # MISTAKE: the state passed in is ignored
        return new_param, None

    return forgets


_FORGETS_STATE_HINT = (
    "return the new state (updated averages and step count) and start from the state passed in; only "
    "when state is None create a fresh one."
)
_RETURNS_STEP_HINT = "return the parameter after the step, new_param = param - step, not the step itself."


def _generic(name, uphill, forgets=None, returns_step=True):
    """The changes every rule can have: uphill, (forgets its state), returns the step, ignores a keyword."""
    out = [Change("uphill", True, uphill[0], uphill[1], wrap=_uphill)]
    if forgets is not None:
        out.append(Change("forgets_state", True, forgets, _FORGETS_STATE_HINT, wrap=_forgets))
    if returns_step:
        out.append(Change("returns_step", True,
                          "returns the step (new_param - param) instead of the new parameter", _RETURNS_STEP_HINT,
                          wrap=_returns_step))
    literals = {"lr": LR_LITERALS, "eps": EPS_LITERALS, "momentum": DECAY_LITERALS, "rho": DECAY_LITERALS,
                "beta1": DECAY_LITERALS, "beta2": DECAY_LITERALS}
    defaults = optim.defaults(name)
    out += ignored_keywords({k: literals[k] for k in defaults}, exercise_default=defaults)
    return out


# --- SGD ---------------------------------------------------------------------------------------------


def _sgd_family(s):
    def sgd(param, grad, state=None, *, lr=0.01):
        return param - lr * grad, None

    return sgd


_SGD = Catalogue("sgd", _sgd_family, base={}, changes=tuple(
    _generic("sgd", ("gradient ascent (param + lr * grad)", "step against the gradient: new_param = param - lr * grad."))
))

# --- momentum ------------------------------------------------------------------------------------------


def _momentum_family(s):
    velocity, old = s["velocity"], s["old_velocity"]

    def momentum(param, grad, state=None, *, lr=0.01, momentum=0.9):
        if state is None:
            state = MomentumState(0, _zeros(param))
        if velocity == "ruder":
            v = momentum * state.v + lr * grad  # v_t = gamma v_{t-1} + eta g_t
            step = state.v if old else v
        elif velocity == "ema":
            v = momentum * state.v + (1 - momentum) * grad  # an average of g (deeplearning.ai's form)
            step = lr * (state.v if old else v)
        else:  # "torch": b_t = mu b_{t-1} + g_t, theta -= eta b_t
            v = momentum * state.v + grad
            step = lr * (state.v if old else v)
        return param - step, MomentumState(state.t + 1, v)

    return momentum


_MOMENTUM = Catalogue("momentum", _momentum_family, base={"velocity": "ruder", "old_velocity": False}, changes=(
    Change("velocity", "ema", "the velocity as an average, v = momentum * v + (1 - momentum) * grad",
           "in this exercise the velocity sums the scaled gradients: v = momentum * v + lr * grad "
           "(no 1 - momentum), then new_param = param - v."),
    Change("old_velocity", True, "the parameter steps with the old velocity v_{t-1}, before v is updated",
           "update the velocity first (v = momentum * v + lr * grad), then new_param = param - v."),
    Change("velocity", "torch", "lr outside the velocity (v = momentum * v + grad; param - lr * v, PyTorch's form): "
           "it differs as soon as lr changes between calls",
           "keep lr inside the velocity, as in Ruder's overview: v = momentum * v + lr * grad.", kind="variant",
           note="With a constant lr both forms give the same steps (v = lr * b); with a schedule PyTorch applies "
                "the current lr to the whole buffer, the exercise's velocity keeps the lrs it was built with."),
    *_generic("momentum", ("a sign error: the velocity is added (param + v), which climbs uphill",
                           "v = momentum * v + lr * grad, then new_param = param - v."),
              forgets="the state is not carried over (every step starts from v = 0: plain SGD)"),
))

# --- Nesterov ------------------------------------------------------------------------------------------


def _nesterov_family(s):
    torch_form, step = s["velocity"] == "torch", s["step"]

    def nesterov(param, grad, state=None, *, lr=0.01, momentum=0.9):
        if state is None:
            state = NesterovState(0, _zeros(param))
        if torch_form:
            v = momentum * state.v + grad  # PyTorch's buffer b_t, lr outside
            g, scale = grad, lr
        else:
            v = momentum * state.v + lr * grad  # v_t = gamma v_{t-1} + eta g_t
            g, scale = lr * grad, 1.0
        if step == "lookahead":
            delta = momentum * v + g
        elif step == "plain":
            delta = v  # no look-ahead: plain momentum
        elif step == "no_correction":
            delta = (1 + momentum) * v  # CS231n's form without its + momentum * v_{t-1} term
        else:  # "mu2_vt": Bengio et al.'s mu^2 v_{t-1} - (1 + mu) eta g, built from the already-updated v_t
            delta = momentum * momentum * v + (1 + momentum) * g
        return param - scale * delta, NesterovState(state.t + 1, v)

    return nesterov


_LOOKAHEAD = "new_param = param - (momentum * v + lr * grad), v the new velocity"
_NESTEROV = Catalogue("nesterov", _nesterov_family, base={"velocity": "ruder", "step": "lookahead"}, changes=(
    Change("step", "plain", "plain momentum (param - v), without Nesterov's look-ahead",
           f"step with the look-ahead: {_LOOKAHEAD}."),
    Change("step", "no_correction", "the step (1 + momentum) * v alone, without CS231n's correction + momentum * v_{t-1}",
           "the look-ahead step is momentum * v + lr * grad (the same as (1 + momentum) * v - momentum * "
           "v_prev): new_param = param - (momentum * v + lr * grad)."),
    Change("step", "mu2_vt", "the look-ahead built from the already-updated velocity: param - (momentum**2 * v_t + "
           "(1 + momentum) * lr * grad), where Bengio et al. have momentum**2 * v_{t-1}",
           "either use the velocity before this step's update (momentum**2 * v_prev + (1 + momentum) * lr * grad), "
           f"or, simpler, {_LOOKAHEAD}."),
    Change("velocity", "torch", "lr outside the velocity (v = momentum * v + grad, PyTorch's form): it differs as soon "
           "as lr changes between calls",
           "keep lr inside the velocity: v = momentum * v + lr * grad, new_param = param - "
           "(momentum * v + lr * grad).", kind="variant",
           note="With a constant lr both forms give the same steps; with a schedule they differ."),
    *_generic("nesterov", ("a sign error: the step is added, which climbs uphill",
                           "subtract: new_param = param - (momentum * v + lr * grad)."),
              forgets="the state is not carried over (every step starts from v = 0)"),
))

# --- Adagrad -------------------------------------------------------------------------------------------


def _denominator(avg, eps, root, place):
    """sqrt(avg + eps) ("inside"), sqrt(avg) + eps ("outside"), sqrt(avg) ("none"); without root, avg + eps."""
    if not root:
        return avg if place == "none" else avg + eps
    if place == "inside":
        return np.sqrt(avg + eps)
    if place == "outside":
        return np.sqrt(avg) + eps
    return np.sqrt(avg)


def _adagrad_family(s):
    accum, place, root, old, init = s["accum"], s["eps"], s["root"], s["old"], s["adagrad_init"]

    def adagrad(param, grad, state=None, *, lr=0.01, eps=1e-8):
        if state is None:
            state = AdagradState(0, _zeros(param) + init if init else _zeros(param))
        t = state.t + 1
        if accum == "sq":
            G = state.G + grad**2  # G_t = G_{t-1} + g_t^2
        elif accum == "g":
            G = state.G + grad  # sums g, not g**2
        else:  # "mean"
            G = state.G + (grad**2 - state.G) / t  # the running mean of g**2, not the sum
        denom = _denominator(state.G if old else G, eps, root, place)
        return param - lr / denom * grad, AdagradState(t, G)

    return adagrad


_EPS_INSIDE_PAPER = (
    "in this exercise (Ruder's form) eps goes inside the square root: lr / np.sqrt(G + eps) * grad; "
    "PyTorch puts it outside."
)
_EPS_PLACE_NOTE = ("The two placements differ only where the accumulated g**2 is of the order of eps (gradients "
                   "~1e-8): there sqrt(G + eps) damps the step ~10,000-fold and sqrt(G) + eps does not.")
_NO_EPS_HINT = "add eps as the exercise says: it keeps 0 / 0 (a coordinate whose gradient is always 0) from giving NaN."
_ADAGRAD = Catalogue("adagrad", _adagrad_family,
                     base={"accum": "sq", "eps": "inside", "root": True, "old": False, "adagrad_init": 0.0}, changes=(
    Change("accum", "g", "the accumulator sums g instead of g**2", "accumulate squared gradients: G = G + grad**2."),
    Change("eps", "outside", "eps outside the square root (PyTorch's placement)", _EPS_INSIDE_PAPER, kind="variant",
           note=_EPS_PLACE_NOTE),
    Change("root", False, "no square root: lr / (G + eps) * grad",
           "divide by the root of the accumulator: lr / np.sqrt(G + eps) * grad."),
    Change("accum", "mean", "the running mean of g**2 instead of the sum",
           "Adagrad sums every squared gradient (G = G + grad**2), it does not average them."),
    Change("old", True, "the step uses G before the current g**2 is added", "first G = G + grad**2, then the step with the new G."),
    Change("eps", "none", "no eps at all: lr * grad / np.sqrt(G) (0 / 0 where a gradient has always been 0)", _NO_EPS_HINT),
    Change("adagrad_init", 0.1, "the accumulator starts at {adagrad_init!r} instead of 0 (Keras/TensorFlow's "
           "initial_accumulator_value)", "start the accumulator at zero: G = np.zeros_like(param).", kind="variant",
           constants={"adagrad_init": (0.1, 0.01, 1.0, 1e-8)},
           note="A positive start damps the first steps; the exercise (Duchi et al., Ruder) starts from G = 0."),
    *_generic("adagrad", ("a sign error: the step is added, which climbs uphill",
                          "subtract the step: new_param = param - lr / np.sqrt(G + eps) * grad."),
              forgets="the state is not carried over (G restarts from 0 at every step)"),
))

# --- Adadelta ------------------------------------------------------------------------------------------


def _adadelta_family(s):
    place, swapped, never, old, scale = s["eps"], s["swapped"], s["delta_never"], s["old"], s["adadelta_lr"]

    def adadelta(param, grad, state=None, *, rho=0.9, eps=1e-6):
        if state is None:
            state = AdadeltaState(0, _zeros(param), _zeros(param))
        keep, new = (1 - rho, rho) if swapped else (rho, 1 - rho)
        avg_sq_grad = keep * state.avg_sq_grad + new * grad**2  # E[g^2]_t
        g_avg = state.avg_sq_grad if old else avg_sq_grad
        if place == "inside":
            delta = -np.sqrt(state.avg_sq_delta + eps) / np.sqrt(g_avg + eps) * grad
        else:
            delta = -(np.sqrt(state.avg_sq_delta) + eps) / (np.sqrt(g_avg) + eps) * grad
        avg_sq_delta = state.avg_sq_delta if never else keep * state.avg_sq_delta + new * delta**2
        return param + scale * delta, AdadeltaState(state.t + 1, avg_sq_grad, avg_sq_delta)

    return adadelta


_ADADELTA = Catalogue("adadelta", _adadelta_family,
                      base={"eps": "inside", "swapped": False, "delta_never": False, "old": False, "adadelta_lr": 1.0},
                      changes=(
    Change("delta_never", True, "the average of squared steps E[dtheta^2] is never updated",
           "after computing the step, update avg_sq_delta = rho * avg_sq_delta + (1 - rho) * delta**2 and "
           "return it in the state."),
    Change("eps", "outside", "eps outside the square roots", "RMS[x] = np.sqrt(E[x^2] + eps): eps goes inside both square roots."),
    Change("swapped", True, "rho and 1 - rho swapped in the moving averages",
           "rho weighs the old average: avg = rho * avg + (1 - rho) * x."),
    Change("old", True, "the step uses E[g^2] before the current g**2 is averaged in",
           "update avg_sq_grad first, then delta = -RMS[dtheta]_{t-1} / RMS[g]_t * grad."),
    Change("adadelta_lr", 0.001, "a learning rate of {adadelta_lr!r} multiplies the step (Keras/TensorFlow's "
           "Adadelta has learning_rate=0.001)", "Adadelta (Zeiler; Ruder) has no learning rate: new_param = param + delta.",
           kind="variant", constants={"adadelta_lr": (0.001, 0.01, 0.1, 0.5, 2.0)},
           note="Zeiler's point is that the units of RMS[dtheta] / RMS[g] make a learning rate unnecessary."),
    *_generic("adadelta", ("a sign error: param - delta, with delta already negative (climbs uphill)",
                           "delta = -RMS[dtheta]_{t-1} / RMS[g]_t * grad already points downhill: new_param = param + delta."),
              forgets="the state is not carried over (both averages restart from 0)"),
))

# --- RMSprop -------------------------------------------------------------------------------------------


class _CenteredState(NamedTuple):
    t: int
    avg_sq_grad: np.ndarray
    avg_grad: np.ndarray


def _rmsprop_family(s):
    place, root, decay, old, centered = s["eps"], s["root"], s["decay"], s["old"], s["centered"]

    def rmsprop(param, grad, state=None, *, lr=0.001, rho=0.9, eps=1e-8):
        if state is None:
            state = _CenteredState(0, _zeros(param), _zeros(param))
        keep, new = {"ref": (rho, 1 - rho), "swapped": (1 - rho, rho), "no_one_minus": (rho, 1.0)}[decay]
        avg_sq_grad = keep * state.avg_sq_grad + new * grad**2  # E[g^2]_t
        avg_grad = rho * state.avg_grad + (1 - rho) * grad
        avg = state.avg_sq_grad if old else avg_sq_grad
        if centered:
            avg = avg - avg_grad**2  # Graves (2013): the variance E[g^2] - E[g]^2
        denom = _denominator(avg, eps, root, place)
        return param - lr / denom * grad, _CenteredState(state.t + 1, avg_sq_grad, avg_grad)

    return rmsprop


_RMSPROP = Catalogue("rmsprop", _rmsprop_family,
                     base={"eps": "inside", "root": True, "decay": "ref", "old": False, "centered": False}, changes=(
    Change("root", False, "no square root: lr / (E[g^2] + eps) * grad",
           "divide by the root mean square: lr / np.sqrt(avg_sq_grad + eps) * grad."),
    Change("eps", "outside", "eps outside the square root (PyTorch's placement)",
           "in this exercise (Ruder's form) eps goes inside the square root: "
           "lr / np.sqrt(avg_sq_grad + eps) * grad; PyTorch puts it outside.", kind="variant", note=_EPS_PLACE_NOTE),
    Change("decay", "swapped", "rho and 1 - rho swapped in the moving average",
           "rho weighs the old average: avg_sq_grad = rho * avg_sq_grad + (1 - rho) * grad**2."),
    Change("old", True, "the step uses E[g^2] before the current g**2 is averaged in",
           "update avg_sq_grad first, then take the step with it."),
    Change("decay", "no_one_minus", "g**2 added without the factor (1 - rho)",
           "a moving average weighs the new value by 1 - rho: rho * avg + (1 - rho) * grad**2."),
    Change("eps", "none", "no eps at all: lr * grad / np.sqrt(E[g^2]) (Hinton's lecture form; 0 / 0 where a "
           "gradient has always been 0)", _NO_EPS_HINT),
    Change("centered", True, "centered RMSprop (Graves 2013; PyTorch's centered=True): divides by the root of "
           "E[g^2] - E[g]^2", "the exercise's RMSprop divides by np.sqrt(E[g^2] + eps), the uncentered second moment.",
           kind="variant", note="The centered form estimates the variance of g, not its second moment: the steps differ "
                                "whenever the gradients have a mean."),
    *_generic("rmsprop", ("a sign error: the step is added, which climbs uphill",
                          "subtract the step: new_param = param - lr / np.sqrt(avg_sq_grad + eps) * grad."),
              forgets="the state is not carried over (E[g^2] restarts from 0)"),
))

# --- Adam ----------------------------------------------------------------------------------------------


def _corrections(bias, beta1, beta2, t):
    """(1 - beta1^t, 1 - beta2^t) as the bias-correction setting writes them."""
    return {
        "t": (1 - beta1**t, 1 - beta2**t),
        "none": (1.0, 1.0),
        "no_power": (1 - beta1, 1 - beta2),
        "t0": (1 - beta1**t, 1 - beta2**t),
        "t2": (1 - beta1**t, 1 - beta2**t),
        "m_only": (1 - beta1**t, 1.0),
        "v_only": (1.0, 1 - beta2**t),
        "v_beta1": (1 - beta1**t, 1 - beta1**t),
    }[bias]


def _adam_family(s):
    bias, stored, place, swapped, v_of_g = s["bias"], s["stored"], s["eps"], s["swapped"], s["v_of_g"]

    def adam(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        if state is None:
            state = AdamState(1 if bias == "t2" else 0, _zeros(param), _zeros(param))
        t = state.t if bias == "t0" else state.t + 1
        k1, n1, k2, n2 = (1 - beta1, beta1, 1 - beta2, beta2) if swapped else (beta1, 1 - beta1, beta2, 1 - beta2)
        m = k1 * state.m + n1 * grad  # m_t
        v = k2 * state.v + n2 * (grad if v_of_g else grad**2)  # v_t
        c1, c2 = _corrections(bias, beta1, beta2, t)
        m_hat, v_hat = m / c1, v / c2
        if place == "raw":  # Kingma & Ba's efficient form: eps added to the uncorrected sqrt(v)
            new_param = param - lr * np.sqrt(c2) / c1 * m / (np.sqrt(v) + eps)
        else:
            new_param = param - lr * m_hat / _denominator(v_hat, eps, True, place)
        t_stored = t + 1 if bias == "t0" else t
        return new_param, AdamState(t_stored, m_hat, v_hat) if stored == "corrected" else AdamState(t_stored, m, v)

    return adam


_EPS_INSIDE = "put eps outside the square root: lr * m_hat / (np.sqrt(v_hat) + eps)."
_EFFICIENT_NOTE = ("Kingma & Ba (section 2) fold the corrections into the step size, lr * sqrt(1 - beta2**t) / "
                   "(1 - beta1**t), and add eps to the uncorrected sqrt(v): the same as the exercise with eps "
                   "replaced by eps * sqrt(1 - beta2**t). The difference matters only where sqrt(v_hat) is of the "
                   "order of eps (gradients ~1e-8, or the first steps with beta2 near 1).")
_EFFICIENT_HINT = ("compute m_hat = m / (1 - beta1**t) and v_hat = v / (1 - beta2**t), then lr * m_hat / "
                   "(np.sqrt(v_hat) + eps): eps is added to the corrected root.")
_ADAM_BASE = {"bias": "t", "stored": "raw", "eps": "outside", "swapped": False, "v_of_g": False}
_ADAM = Catalogue("adam", _adam_family, base=_ADAM_BASE, changes=(
    Change("bias", "none", "Adam without bias correction", "divide m and v by (1 - beta1**t) and (1 - beta2**t) before the step."),
    Change("bias", "no_power", "bias correction with 1 - beta instead of 1 - beta**t",
           "the correction depends on the step count: m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t)."),
    Change("bias", "t0", "t used before it is incremented (the first step uses t = 0: 1 - beta**0 = 0 divides by zero)",
           "increment t first (t = 1 at the first step), then bias-correct with it."),
    Change("bias", "t2", "t one step ahead (the first step uses t = 2)",
           "start the step count at 0 and add 1 before using it, so the first step uses t = 1."),
    Change("stored", "corrected", "the bias-corrected moments m_hat, v_hat are written back into the state",
           "store the raw averages m and v in the state; m_hat and v_hat are only for the step."),
    Change("eps", "inside", "eps inside the square root", _EPS_INSIDE),
    Change("swapped", True, "beta and 1 - beta swapped in the moment averages",
           "beta weighs the old average: m = beta1 * m + (1 - beta1) * grad, v = beta2 * v + (1 - beta2) * grad**2."),
    Change("v_of_g", True, "the second moment averages g instead of g**2", "v = beta2 * v + (1 - beta2) * grad**2."),
    Change("bias", "m_only", "only m is bias-corrected (v_hat = v)", "correct both: v_hat = v / (1 - beta2**t) as well."),
    Change("bias", "v_only", "only v is bias-corrected (m_hat = m)", "correct both: m_hat = m / (1 - beta1**t) as well."),
    Change("bias", "v_beta1", "v bias-corrected with beta1: v / (1 - beta1**t)",
           "each moment has its own beta: v_hat = v / (1 - beta2**t)."),
    Change("eps", "none", "no eps: lr * m_hat / np.sqrt(v_hat) (0 / 0 where a gradient has always been 0)", _NO_EPS_HINT),
    Change("eps", "raw", "Kingma & Ba's efficient form: eps is added to the uncorrected sqrt(v) (lr * sqrt(1 - beta2**t) "
           "/ (1 - beta1**t) * m / (np.sqrt(v) + eps))", _EFFICIENT_HINT, kind="variant", note=_EFFICIENT_NOTE),
    *_generic("adam", ("a sign error: the step is added, which climbs uphill",
                       "subtract the step: new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)."),
              forgets="the state is not carried over (m, v and t restart at every step)"),
))

# --- AdaMax --------------------------------------------------------------------------------------------


def _adamax_family(s):
    guard, absolute, bias, u_max, c = s["guard"], s["abs"], s["bias"], s["u_max"], s["adamax_eps"]

    def adamax(param, grad, state=None, *, lr=0.002, beta1=0.9, beta2=0.999):
        if state is None:
            state = AdamaxState(0, _zeros(param), _zeros(param))
        t = state.t + 1
        m = ema(state.m, grad, beta1)  # m_t
        size = np.abs(grad) if absolute else grad
        if guard == "eps_in_max":
            size = size + c  # PyTorch: u_t = max(beta2 u_{t-1}, |g_t| + eps)
        u = np.maximum(beta2 * state.u, size) if u_max else ema(state.u, size, beta2)
        if guard == "zero":
            ratio = np.divide(m, u, out=np.zeros_like(u), where=u > 0)
        elif guard == "eps_added":
            ratio = m / (u + c)  # Keras: m / (u + eps)
        elif guard == "eps_floor":
            ratio = m / np.maximum(u, c)
        else:  # "none", "eps_in_max"
            ratio = m / u
        step = lr * bias_correction(ratio, beta1, t) if bias else lr * ratio
        return param - step, AdamaxState(t, m, u)

    return adamax


_ADAMAX_EPS = {"adamax_eps": (1e-8, 1e-7, 1e-10, 1e-12, 1e-6, 1e-16, 1e-5, 1e-9)}
_ADAMAX_HINT = "AdaMax divides by u itself (u >= |g| > 0 where it matters); guard only the entries where u == 0."
_ADAMAX = Catalogue("adamax", _adamax_family,
                    base={"guard": "zero", "abs": True, "bias": True, "u_max": True, "adamax_eps": 1e-8}, changes=(
    Change("guard", "none", "0 / 0 where every gradient so far was 0 (u = 0 there)",
           "where u == 0, m is 0 too: take the step as 0 there, e.g. np.divide(m, u, out=np.zeros_like(u), where=u > 0)."),
    Change("abs", False, "u = max(beta2 * u, g) without the absolute value",
           "use the absolute value: u = np.maximum(beta2 * u, np.abs(grad))."),
    Change("bias", False, "AdaMax without bias correction of m", "divide the step by (1 - beta1**t): lr / (1 - beta1**t) * m / u."),
    Change("u_max", False, "u as a moving average of |g| instead of a maximum",
           "u is the decaying maximum: u = np.maximum(beta2 * u, np.abs(grad))."),
    Change("guard", "eps_added", "an eps added to u (Adam's habit; AdaMax has none): m / (u + {adamax_eps!r})",
           _ADAMAX_HINT, kind="variant", constants=_ADAMAX_EPS,
           note="This is Keras's AdaMax. It differs from the exercise only where u is of the order of eps (gradients "
                "~1e-8): there the step shrinks, where the exercise's step stays lr * m / u."),
    Change("guard", "eps_in_max", "eps inside the maximum, u = max(beta2 * u, |g| + {adamax_eps!r}) (PyTorch's AdaMax)",
           _ADAMAX_HINT, kind="variant", constants=_ADAMAX_EPS,
           note="It differs from the exercise only where |g| is of the order of eps (gradients ~1e-8)."),
    Change("guard", "eps_floor", "u floored at eps, m / max(u, {adamax_eps!r})", _ADAMAX_HINT, kind="variant",
           constants=_ADAMAX_EPS,
           note="It differs from the exercise only where u is below eps (gradients ~1e-8 or smaller)."),
    *_generic("adamax", ("a sign error: the step is added, which climbs uphill",
                         "subtract the step: new_param = param - lr / (1 - beta1**t) * m / u."),
              forgets="the state is not carried over (m, u and t restart at every step)"),
))

# --- Nadam ---------------------------------------------------------------------------------------------


def _nadam_family(s):
    mix, place, psi = s["mix"], s["eps"], s["nadam_psi"]

    def nadam(param, grad, state=None, *, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
        if state is None:
            state = NadamState(0, _zeros(param), _zeros(param), 1.0)
        t = state.t + 1
        m = ema(state.m, grad, beta1)  # m_t
        v = ema(state.v, grad**2, beta2)  # v_t
        v_hat = v if mix == "none" else bias_correction(v, beta2, t)
        denom = _denominator(v_hat, eps, True, place)
        if mix == "dozat":  # Dozat's schedule (PyTorch's and Keras's NAdam)
            mu = beta1 * (1 - 0.5 * 0.96 ** (t * psi))
            mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
            product = state.mu_product * mu
            new_param = (param - lr * (1 - mu) / (1 - product) * grad / denom
                         - lr * mu_next / (1 - product * mu_next) * m / denom)
            return new_param, NadamState(t, m, v, product)
        m_hat = bias_correction(m, beta1, t)
        lookahead = {
            "ruder": lambda: beta1 * m_hat + bias_correction((1 - beta1) * grad, beta1, t),
            "adam": lambda: m_hat,  # mhat_t alone, as in Adam
            "g_uncorrected": lambda: beta1 * m_hat + (1 - beta1) * grad,
            "next_power": lambda: beta1 * bias_correction(m, beta1, t + 1) + bias_correction((1 - beta1) * grad, beta1, t),
            "none": lambda: beta1 * m + (1 - beta1) * grad,
        }[mix]()
        return param - lr / denom * lookahead, NadamState(t, m, v, state.mu_product * beta1)

    return nadam


_NADAM = Catalogue("nadam", _nadam_family, base={"mix": "ruder", "eps": "outside", "nadam_psi": 0.004}, changes=(
    Change("mix", "adam", "m_hat alone instead of the Nesterov mix (this is Adam)",
           "look ahead: use beta1 * m_hat + (1 - beta1) * grad / (1 - beta1**t) in place of m_hat."),
    Change("mix", "g_uncorrected", "the gradient term of the Nesterov mix is not bias-corrected",
           "divide the gradient term too: beta1 * m_hat + (1 - beta1) * grad / (1 - beta1**t)."),
    Change("mix", "next_power", "the momentum term bias-corrected with 1 - beta1**(t+1)",
           "in this exercise (Ruder's form) m_hat = m / (1 - beta1**t), the same t as the gradient term.", kind="variant",
           note="This is Dozat's formula with a constant momentum (no schedule): the momentum term differs by a factor "
                "(1 - beta1**t) / (1 - beta1**(t+1)), most in the first steps."),
    Change("mix", "none", "Nadam without bias correction",
           "divide m by (1 - beta1**t), the gradient term by (1 - beta1**t) and v by (1 - beta2**t)."),
    Change("eps", "inside", "eps inside the square root", "put eps outside the square root: lr / (np.sqrt(v_hat) + eps)."),
    Change("mix", "dozat", "Dozat's momentum schedule mu_t = beta1 * (1 - 0.5 * 0.96**(t * {nadam_psi!r})) (PyTorch's "
           "and Keras's NAdam)", "in this exercise (Ruder's form) the momentum is the constant beta1: "
           "lr / (np.sqrt(v_hat) + eps) * (beta1 * m_hat + (1 - beta1) * grad / (1 - beta1**t)).", kind="variant",
           constants={"nadam_psi": (0.004, 0.0, 0.002, 0.04)},
           note="The schedule makes the momentum start near beta1 / 2 and grow to beta1: the steps differ from the "
                "first one on."),
    *_generic("nadam", ("a sign error: the step is added, which climbs uphill",
                        "subtract the step: new_param = param - lr / (np.sqrt(v_hat) + eps) * (...)."),
              forgets="the state is not carried over (m, v and t restart at every step)"),
))

# --- AMSGrad -------------------------------------------------------------------------------------------


def _amsgrad_family(s):
    of, into_v, bias, place = s["max"], s["into_v"], s["bias"], s["eps"]

    def amsgrad(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        if state is None:
            state = AMSGradState(0, _zeros(param), _zeros(param), _zeros(param))
        t = state.t + 1
        m = ema(state.m, grad, beta1)  # m_t
        v = ema(state.v, grad**2, beta2)  # v_t
        numerator, kept = m, None
        if of == "v":
            kept = np.maximum(state.v_hat, v)  # vhat_t = max(vhat_{t-1}, v_t)
            avg = kept
        elif of == "none":
            kept, avg = np.maximum(state.v_hat, v), v  # the maximum is kept but v_t is used
        elif of == "m":
            kept = numerator = np.maximum(state.v_hat, m)  # the maximum of m
            avg = v
        elif of == "corrected_v":
            kept = avg = np.maximum(state.v_hat, bias_correction(v, beta2, t))
        else:  # "before_update": the maximum with v_{t-1}
            kept = avg = np.maximum(state.v_hat, state.v)
        if bias == "torch":  # PyTorch: both corrected
            numerator, avg = bias_correction(numerator, beta1, t), bias_correction(avg, beta2, t)
            scale = 1.0
        elif bias == "keras":  # Keras / Kingma & Ba's efficient form
            scale = np.sqrt(1 - beta2**t) / (1 - beta1**t)
        else:
            scale = 1.0
        new_param = param - lr * scale * numerator / _denominator(avg, eps, True, place)
        return new_param, AMSGradState(t, m, kept if into_v else v, kept)

    return amsgrad


_AMSGRAD = Catalogue("amsgrad", _amsgrad_family, base={"max": "v", "into_v": False, "bias": "none", "eps": "outside"},
                     changes=(
    Change("max", "none", "no maximum: v_t used instead of vhat_t = max(vhat_{t-1}, v_t)",
           "divide by the root of the running maximum: v_hat = np.maximum(v_hat, v), then lr * m / (np.sqrt(v_hat) + eps)."),
    Change("max", "m", "the maximum taken of m instead of v", "keep the maximum of the second moment: v_hat = np.maximum(v_hat, v)."),
    Change("max", "corrected_v", "the maximum taken of the bias-corrected v",
           "in this exercise AMSGrad has no bias correction: v_hat = np.maximum(v_hat, v)."),
    Change("max", "before_update", "the maximum taken before v is updated (with v_{t-1})",
           "update v = beta2 * v + (1 - beta2) * grad**2 first, then v_hat = np.maximum(v_hat, v)."),
    Change("into_v", True, "the maximum written back into v (the average then starts from vhat_{t-1})",
           "keep v and v_hat apart in the state: v stays the plain moving average."),
    Change("bias", "torch", "Adam's bias correction kept (PyTorch's AMSGrad)",
           "in this exercise (Reddi et al., Ruder) there is no bias correction: lr * m / (np.sqrt(v_hat) + eps).",
           kind="variant", note="PyTorch's Adam(amsgrad=True) divides m by 1 - beta1**t and the maximum by 1 - beta2**t: "
                                "the first steps are larger than the exercise's."),
    Change("bias", "keras", "Kingma & Ba's efficient step size lr * sqrt(1 - beta2**t) / (1 - beta1**t) (Keras's amsgrad)",
           "in this exercise (Reddi et al., Ruder) there is no bias correction: lr * m / (np.sqrt(v_hat) + eps).",
           kind="variant", note="Keras corrects the step size as Adam does; the exercise's AMSGrad has no correction."),
    Change("eps", "inside", "eps inside the square root", "put eps outside the square root: lr * m / (np.sqrt(v_hat) + eps)."),
    *_generic("amsgrad", ("a sign error: the step is added, which climbs uphill",
                          "subtract the step: new_param = param - lr * m / (np.sqrt(v_hat) + eps)."),
              forgets="the state is not carried over (m, v, v_hat and t restart at every step)"),
))

CATALOGUES: dict[str, Catalogue] = {cat.exercise: cat for cat in (
    _SGD, _MOMENTUM, _NESTEROV, _ADAGRAD, _ADADELTA, _RMSPROP, _ADAM, _ADAMAX, _NADAM, _AMSGRAD)}
MISTAKES: dict[str, list[Mistake]] = {name: cat.mistakes() for name, cat in CATALOGUES.items()}

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
    (the reference), else with ``defaults`` written out."""
    param, state, out = case.param.copy(), None, []
    for grad, hp in zip(case.grads[:steps], case.hps[:steps]):
        keywords = hp if hp is not None else (defaults or {})
        new_param, state = fn(param, grad.copy(), state, **keywords)
        param = np.asarray(new_param, dtype=float).copy()
        out.append(param)
    return out


# =========================================================================================================
# Diagnosis after a failure: evidence, probes, the search (gdbp.checks._diagnosis).
# =========================================================================================================


def _case_trial(case: _Case, name: str = "") -> Trial:
    """The run of ``case`` as a diagnosis trial: the parameter after each step. Every call gets copies of
    param and grad and the state the function returned the step before; a step without keywords calls
    without keywords (each function's own defaults: the learner's were checked, the catalogue's are the
    reference's)."""

    def run(fn):
        param, state = case.param.copy(), None
        for grad, hp in zip(case.grads, case.hps):
            new_param, state = fn(param.copy(), grad.copy(), state, **(hp or {}))
            param = _SNAPSHOT["array"](new_param, dtype=float)
            if param.shape != case.param.shape:
                raise ValueError("not a parameter of the right shape")
            yield param

    return Trial(name or case.name, run)


def _probe_case(exercise: OptimizerExercise) -> _Case:
    """Three steps with decreasing gradients, two coordinates ~1e-8 and one exact 0: every hyperparameter of
    every rule changes the reference's trajectory here (tests/test_checks_optim.py checks it)."""
    rng = np.random.default_rng(20240511)
    scale = np.array([1.0, 1e-8, 0.3, 1.0, 2.0, 1e-8])
    grads = [rng.normal(size=6) * scale * size for size in (3.0, 1.0, 0.2)]
    grads[1][2] = 0.0
    return _Case("probe", rng.normal(size=6), grads, [dict(exercise.hyperparameters)] * 3)


# One other value per hyperparameter for the keyword probe (far enough that the reference's output changes).
_ALTERNATIVE = {"lr": lambda v: v * 3, "eps": lambda v: v * 100, "momentum": lambda v: 0.5, "rho": lambda v: 0.5,
                "beta1": lambda v: 0.5, "beta2": lambda v: 0.7}


def _probe_trial(exercise: OptimizerExercise, hp: dict) -> Trial:
    case = _probe_case(exercise)
    changed = [f"{k}={v!r}" for k, v in hp.items() if v != exercise.hyperparameters[k]]
    return _case_trial(_Case("probe", case.param, case.grads, [hp] * 3),
                       name=f"3 probe steps{' with ' + ', '.join(changed) if changed else ''}")


def _several_ignored(exercise: OptimizerExercise, keywords: list[str]) -> Change:
    """One change for a function that ignores several keywords at once (all hard-coded, a common way of
    writing it): each literal fitted from its grid, the exercise's defaults first."""
    single = {ch.key[len("ignores_"):]: ch for ch in CATALOGUES[exercise.name].changes if ch.key.startswith("ignores_")}
    constants = {f"ignored_{k}": single[k].constants[f"ignored_{k}"] for k in keywords}

    def wrap(fn, s):
        fixed = {k: s[f"ignored_{k}"] for k in keywords}

        def ignoring(*args, **kwargs):
            return fn(*args, **{**kwargs, **fixed})

        return ignoring

    listed = ", ".join(keywords[:-1]) + " and " + keywords[-1]
    uses = ", ".join(f"{k} = {{ignored_{k}!r}}" for k in keywords)
    return Change("ignores_" + "_".join(keywords), True, f"your function ignores {listed} (it uses {uses}, "
                  f"whatever values it is passed)", f"use the {listed} passed to the function, not numbers written "
                  f"in the code; the checker passes other values than the defaults.", constants=constants, wrap=wrap,
                  group="ignores_several")


def _step_findings(c: Checker, exercise: OptimizerExercise, received: np.ndarray, expected: np.ndarray,
                   param: np.ndarray, step: int) -> list[Finding]:
    """Findings from the failing step alone: a step that is a constant multiple of the expected one."""
    mine, theirs = (received - param).ravel().tolist(), (expected - param).ravel().tolist()
    ratios = [a / b for a, b in zip(mine, theirs) if abs(b) > 1e-12 * max(1.0, max(map(abs, theirs)))]
    if len(ratios) >= 2 and all(abs(r - ratios[0]) <= 1e-6 * abs(ratios[0]) for r in ratios) and ratios[0] != 1:
        r = ratios[0]
        return [Finding(f"at step {step + 1} your step (new_param - param) is {r:.6g} times the expected one, at "
                        f"every entry.", hint="a constant factor: look at lr and at factors such as (1 - beta), "
                                              "(1 - beta**t) or a 2 in the step.", key="constant_factor")]
    return []


def _probes(c: Checker, exercise: OptimizerExercise, evidence: Evidence) -> list[Finding]:
    """The probes of an optimizer (about 25 calls of the learner's function): keyword sensitivity, and on
    the probe case: a zero gradient, the state carried or not, a rescaled gradient, gradients ~1e-8."""
    hp = dict(exercise.hyperparameters)
    alternatives = {k: _ALTERNATIVE[k](v) for k, v in hp.items()}
    findings = keyword_probe(c, evidence, lambda h: _probe_trial(exercise, h), hp, alternatives, exercise.reference)
    case, ref = _probe_case(exercise), exercise.reference
    p0, g1, g2 = case.param, case.grads[0], case.grads[1]

    def param_of(attempt):
        if not attempt.ok or not isinstance(attempt.value, (tuple, list)) or len(attempt.value) != 2:
            return None
        try:
            value = _SNAPSHOT["array"](attempt.value[0], dtype=float)
        except (TypeError, ValueError):
            return None
        return value if value.shape == p0.shape else None

    first = c.attempt(p0, g1, None, **hp)
    p1 = param_of(first)
    if p1 is None:
        return findings
    ref1, ref_state = ref(p0, g1, None, **hp)

    zero = param_of(c.attempt(p0, np.zeros_like(p0), None, **hp))
    if zero is not None and first_difference(zero, p0, 0.0, 0.0) is not None:
        bad = first_nonfinite(zero)
        text = f"returns {bad[1]}" if bad else "moves the parameter"
        findings.append(Finding(f"on a zero gradient (first step, state None) your function {text} "
                                f"(received {format_array(zero)}); the reference leaves it unchanged.",
                                hint="a zero gradient must give a zero step: look for 0 / 0 (eps missing) or a term "
                                     "that does not vanish with the gradient.", key="zero_gradient"))

    if exercise.name != "sgd":
        second = param_of(c.attempt(p1, g2, first.value[1], **hp))
        fresh = param_of(c.attempt(p1, g2, None, **hp))
        ref2 = ref(ref1, g2, ref_state, **hp)[0]
        ref_fresh = ref(ref1, g2, None, **hp)[0]
        if (second is not None and fresh is not None and first_difference(second, fresh, 0.0, 0.0) is None
                and first_difference(ref2, ref_fresh, 0.0, 0.0) is not None):
            findings.append(Finding("your second step from the state your function returned equals a first step "
                                    "from state None: the state it receives changes nothing.",
                                    hint=_FORGETS_STATE_HINT, key="state_ignored"))

    scaled = param_of(c.attempt(p0, 1000.0 * g1, None, **hp))
    ref_scaled = ref(p0, 1000.0 * g1, None, **hp)[0]
    if scaled is not None:
        big = [i for i, g in enumerate(g1.ravel().tolist()) if abs(g) > 0.1]

        def factor(a, b):
            ratios = [abs(a.ravel()[i] - p0.ravel()[i]) / abs(b.ravel()[i] - p0.ravel()[i]) for i in big
                      if abs(b.ravel()[i] - p0.ravel()[i]) > 0]
            return sorted(ratios)[len(ratios) // 2] if ratios else None

        mine, theirs = factor(scaled, p1), factor(ref_scaled, ref1)
        if mine and theirs and not (0.5 < mine / theirs < 2.0):
            findings.append(Finding(f"when the gradient is multiplied by 1000, your first step grows {mine:.3g}-fold; "
                                    f"the reference's {theirs:.3g}-fold.", key="scale"))

    tiny = [i for i, g in enumerate(g1.ravel().tolist()) if 0 < abs(g) < 1e-6]
    large = [i for i, g in enumerate(g1.ravel().tolist()) if abs(g) > 0.1]
    step_mine, step_ref = (p1 - p0).ravel(), (ref1 - p0).ravel()
    agree_large = all(abs(step_mine[i] - step_ref[i]) <= 1e-9 * abs(step_ref[i]) + 1e-15 for i in large)
    if tiny and agree_large and step_ref[tiny[0]] != 0:
        r = step_mine[tiny[0]] / step_ref[tiny[0]]
        if not (0.5 < abs(r) < 2.0):
            findings.append(Finding(f"your first step agrees with the reference where |grad| ~ 1 but is {r:.3g} times "
                                    f"the expected one where |grad| ~ 1e-8.",
                                    hint="where the gradients are ~1e-8 the place and the value of eps decide the step: "
                                         "check where eps sits (inside or outside the square root) and that it is the "
                                         "eps passed to the function.", key="tiny"))
    return findings


class _Diagnosis:
    """What the learner did so far (the cases it passed, the steps of the failing case) and, on demand, the
    diagnosis of a failure: the most specific catalogued explanation, or the probes' findings."""

    def __init__(self, c: Checker, exercise: OptimizerExercise):
        self.c, self.exercise = c, exercise
        self.history: list[tuple[_Case, list]] = []

    def __call__(self, case: _Case, outputs: list, extra: list[Finding] = ()) -> tuple[list[str], str]:
        c, exercise = self.c, self.exercise
        evidence = Evidence()
        evidence.add(_case_trial(case), outputs)
        for done, learner_outputs in self.history:
            evidence.add(_case_trial(done), learner_outputs)
        seen = {case.name, *(done.name for done, _ in self.history)}
        for other in _cases(exercise):  # the cases not run yet (the learner's defaults are not checked yet: skip those)
            if other.name not in seen and other.hps[0] is not None:
                evidence.observe(c, _case_trial(other))
        findings = _probes(c, exercise, evidence)
        catalogue = CATALOGUES[exercise.name]
        ignored = [f.key.split(":", 1)[1] for f in findings if f.key.startswith("ignores:")]
        if len(ignored) >= 2:
            catalogue = replace(catalogue, changes=catalogue.changes + (_several_ignored(exercise, ignored),))
        found = explain(catalogue, evidence, allowed=allowed_by(findings))
        return report(found, [*extra, *findings],
                      fallback_hint=f"compare your code line by line with the update equations of {exercise.name} "
                                    f"in the notebook.",
                      probes="each hyperparameter changes your output, a zero gradient gives a zero step, the state "
                             "is used, the steps scale as the reference's")


def _new_param(c: Checker, diagnosis: _Diagnosis, case: _Case, value: Any, expected: np.ndarray,
               received: list) -> np.ndarray:
    """new_param must be a float64 array of param's shape with finite entries. A non-finite answer that a
    catalogued mistake also gives (NaN from 0/0, t starting at 0) is named."""
    candidate = np.asarray(value) if isinstance(value, (float, np.floating)) else value
    if (isinstance(candidate, np.ndarray) and candidate.shape == expected.shape
            and candidate.dtype.kind == "f"):
        bad = first_nonfinite(candidate)
        if bad is not None:
            lines, hint = diagnosis(case, [*received, candidate.astype(float)])
            if lines[0].startswith("  No catalogued") and not any("What the probes found" in x for x in lines):
                hint = ("look for a division by zero (0 / 0 where a gradient is 0: is eps missing?), a log of 0 or "
                        "a negative, or an overflowing exp.")
            c.fail(
                f"new_param contains {bad[1]} at index {bad[0]}, expected finite "
                f"numbers (first entries received: {format_array(candidate)}; expected: "
                f"{format_array(expected)}).\n" + "\n".join(lines),
                case.name, hint=hint,
            )
    new_param = c.array(value, "new_param", like=expected, case=case.name)
    if new_param.dtype != np.float64:
        c.fail(f"new_param has dtype {new_param.dtype}, expected float64 (the dtype of param).", case.name,
               hint="compute in float64: do not convert with .astype or np.float32.")
    return new_param


def _run_case(c: Checker, exercise: OptimizerExercise, case: _Case, diagnosis: _Diagnosis) -> None:
    """Run the learner's function over the case's steps, carrying its own state, comparing every step."""
    expected = _trajectory(exercise.reference, case, len(case.grads), None)
    n = len(case.grads)
    param, state, received = case.param.copy(), None, []
    for k in range(n):
        grad, hp = case.grads[k].copy(), case.hps[k]
        try:
            out = c.call(case.name, param, grad, state, **(hp or {}))
            new_param, state = c.unpack(out, 2, "(new_param, new_state)", case=case.name)
            new_param = _new_param(c, diagnosis, case, new_param, expected[k], received)
            source = _call_text(exercise.name, hp, first=k == 0)
            diff = first_difference(new_param, expected[k])
            if diff is not None:
                at = f"[{', '.join(map(str, diff[0]))}]" if diff[0] else ""
                source += f" with param{at} = {param[diff[0]].item()!r}, grad{at} = {grad[diff[0]].item()!r}"
            c.close(new_param, expected[k], "new_param", case=case.name, source=source,
                    diagnose=lambda: diagnosis(case, [*received, new_param.copy()],
                                               _step_findings(c, exercise, new_param, expected[k], param, k)))
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
    diagnosis.history.append((case, received))


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
        diagnosis = _Diagnosis(c, exercise)
        for case in _cases(exercise):
            if case.hps[0] is None:
                _check_defaults(c, exercise)
            _run_case(c, exercise, case, diagnosis)

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

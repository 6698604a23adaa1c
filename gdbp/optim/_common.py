"""Shared pieces of the optimizer rules.

Two tiny maths helpers used inside the update equations:

- ``ema(avg, x, decay)``              exponential moving average, ``decay * avg + (1 - decay) * x``
- ``bias_correction(avg, decay, t)``  ``avg / (1 - decay**t)``

and the checks every public rule (``adam``) runs before it calls its maths (``adam_update``):

- ``with_defaults(DEFAULTS, convention, **hyperparameters)``  fill ``None`` hyperparameters from the
  rule's table of defaults for the chosen convention ("paper" or "torch")
- ``check_inputs(rule, param, grad, state, state_type, convention, **hyperparameters)``  validate one call
- ``check_hyperparameters(**hyperparameters)``  the hyperparameter part of it, which ``Optimizer`` runs
  once at construction (and again only when a value changes)
- ``is_finite(x)``  the cheap finiteness test of ``check_inputs``, which ``Optimizer`` runs once per step
  on all gradients laid end to end

A note on 0-d inputs: numpy turns arithmetic on 0-d arrays into numpy scalars (``np.float64``). A rule
given a 0-d ``param`` therefore returns an ``np.float64``: it has ``shape == ()`` and a dtype like a 0-d
array, and every rule accepts it back as ``param`` or inside a state.
"""
import math
import numbers

import numpy as np

CONVENTIONS = ("paper", "torch")

# Hyperparameter name -> (test, what is expected). One glossary for all rules. Each test is a chained
# comparison that is False for NaN, and the upper bounds exclude inf: a value that passes is finite.
_INF = math.inf
_RANGES = {
    "lr": (lambda x: 0 < x < _INF, "> 0"),
    "eps": (lambda x: 0 < x < _INF, "> 0"),
    "momentum": (lambda x: 0 <= x < 1, "in [0, 1)"),
    "rho": (lambda x: 0 <= x < 1, "in [0, 1)"),
    "beta1": (lambda x: 0 <= x < 1, "in [0, 1)"),
    "beta2": (lambda x: 0 <= x < 1, "in [0, 1)"),
    "weight_decay": (lambda x: 0 <= x < _INF, ">= 0"),
    "momentum_decay": (lambda x: 0 <= x < _INF, ">= 0"),
}

# State fields that hold a number, not an array of param's shape.
_SCALAR_FIELDS = ("t", "mu_product")


def ema(avg, x, decay):
    """Exponential moving average: return ``decay * avg + (1 - decay) * x``.

    ``avg`` and ``x`` are arrays of the same shape (or numbers); ``decay`` in [0, 1) is how much of the old
    average is kept (beta1, beta2 or rho in the rules). Starting from ``avg = 0``, the average after t
    steps is biased towards 0 by a factor ``1 - decay**t``: see ``bias_correction``.
    """
    return decay * avg + (1 - decay) * x


def bias_correction(avg, decay, t):
    """Return ``avg / (1 - decay**t)``, the zero-initialised moving average ``avg`` debiased after t steps.

    If every x had the same value c, ``ema`` started from 0 gives ``(1 - decay**t) * c`` after t steps;
    dividing by ``1 - decay**t`` gives back c (Kingma & Ba, 2015, section 3). ``t >= 1``.
    """
    return avg / (1 - decay**t)


def with_defaults(defaults, convention, **hyperparameters):
    """Return the hyperparameters as a tuple (in the order given), each ``None`` replaced by its default.

    ``defaults`` is a rule's table ``{"paper": {...}, "torch": {...}}``. A hyperparameter that is missing
    from the table of a convention does not exist there (Adadelta's lr in the paper): passing a value for
    it raises ValueError.
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be 'paper' or 'torch', received {convention!r}")
    table = defaults[convention]
    values = []
    for name, value in hyperparameters.items():
        if name not in table:
            if value is not None:
                raise ValueError(
                    f"{name} is not a hyperparameter of the {convention} convention of this rule "
                    f"(it takes {sorted(table)}), received {name}={value!r}"
                )
        elif value is None:
            value = table[name]
        values.append(value)
    return tuple(values)


def _as_float_array(name, x):
    """Return ``x`` as a float ndarray (a float scalar becomes a 0-d array); raise TypeError otherwise."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind != "f":  # "f": a floating dtype (float16/32/64); faster than np.issubdtype
            raise TypeError(
                f"{name} must be an array of floats (e.g. float64), received an array of dtype {x.dtype}"
            )
        return x
    if isinstance(x, (float, np.floating)):
        return np.asarray(x)
    raise TypeError(f"{name} must be a numpy array of floats (or a float), received {type(x).__name__}")


def _check_hyperparameter(name, value):
    # `type(value) is float` first: the usual case, and isinstance against numbers.Real is slow
    if type(value) is not float and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
        raise TypeError(f"{name} must be a real number, received {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, received {value}")
    test, expected = _RANGES[name]
    if not test(value):
        raise ValueError(f"{name} must be {expected}, received {value}")


def is_finite(x):
    """True if every entry of the float array ``x`` is finite (no NaN, no inf).

    The cheap test first: ``x . x`` (one BLAS call, no temporary array) is finite exactly when every entry
    is, since NaN and inf propagate and squares cannot cancel, unless the sum of squares overflows; then
    the exact ``np.isfinite(x).all()`` decides.
    """
    return math.isfinite(np.vdot(x, x)) or bool(np.isfinite(x).all())


def _check_finite(name, x):
    """Raise ValueError naming the first NaN or inf of ``x`` (its index is only computed on failure)."""
    if is_finite(x):
        return
    index = tuple(int(i) for i in np.argwhere(~np.isfinite(x))[0])
    kind = "NaN" if np.isnan(x[index]) else "inf"
    raise ValueError(f"{name} contains {kind} at index {index}")


def check_inputs(rule, param, grad, state, state_type, convention, **hyperparameters):
    """Validate one call of the optimizer rule named ``rule``; return ``(param, grad)`` as float arrays.

    Checks, each failing with an error that names the argument, what was expected and what came:

    - ``param``, ``grad``: numpy arrays of floats (a float scalar becomes a 0-d array), the same shape,
      ``grad`` finite (TypeError / ValueError);
    - ``state``: None or a ``state_type`` whose arrays have param's shape and whose step count ``t`` is an
      int >= 0 (TypeError / ValueError): catches a state from another optimizer or another parameter;
    - ``convention``: "paper" or "torch";
    - each hyperparameter by its name: ``lr``, ``eps`` > 0; ``momentum``, ``rho``, ``beta1``, ``beta2`` in
      [0, 1); ``weight_decay``, ``momentum_decay`` >= 0; all finite real numbers. A ``None`` is skipped:
      after ``with_defaults`` it marks a hyperparameter the convention does not have.

    Cost: a few type tests and one dot product (about 2.5 us in all for 10,000 float32 entries).
    """
    param = _as_float_array("param", param)
    grad = _as_float_array("grad", grad)
    if grad.shape != param.shape:
        raise ValueError(f"grad has shape {grad.shape}, expected the shape of param {param.shape}")
    _check_finite("grad", grad)
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be 'paper' or 'torch', received {convention!r}")
    check_hyperparameters(**hyperparameters)
    if state is not None:
        _check_state(rule, state, state_type, param.shape)
    return param, grad


def check_hyperparameters(**hyperparameters):
    """Check each hyperparameter by its name (the ranges of ``check_inputs``); ``None`` is skipped.

    Raises TypeError for a value that is not a real number, ValueError for one out of range or not finite,
    e.g. ``lr must be > 0, received -0.1``.
    """
    for name, value in hyperparameters.items():
        # None: not a hyperparameter of this convention (see with_defaults). A float in range takes the
        # fast path; anything else gets the full check and its message.
        if value is not None and not (type(value) is float and _RANGES[name][0](value)):
            _check_hyperparameter(name, value)


def _check_state(rule, state, state_type, shape):
    if not isinstance(state, state_type):
        raise TypeError(
            f"state must be None or the {state_type.__name__} returned by the previous {rule} call, "
            f"received {type(state).__name__}"
        )
    t = state.t
    if (type(t) is not int and (isinstance(t, bool) or not isinstance(t, numbers.Integral))) or t < 0:
        raise ValueError(f"state.t must be an int >= 0 (the number of steps taken), received {t!r}")
    for field, value in zip(state._fields, state):
        if field in _SCALAR_FIELDS:
            continue
        if getattr(value, "shape", None) != shape:
            raise ValueError(
                f"state.{field} has shape {getattr(value, 'shape', None)}, expected the shape of param {shape} "
                f"(is this the state of another parameter?)"
            )

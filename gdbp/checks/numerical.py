"""Checkers of the gradient-checking exercises (notebook 03) and their catalogues of classic mistakes.

=======================  ===============================================================  ===========================
exercise                 the learner writes                                               reference
=======================  ===============================================================  ===========================
``numerical_gradient``   ``numerical_gradient(f, x, h=1e-5) -> grad``, central             ``gdbp.gradcheck.numerical_gradient``
                         differences, x any shape, never mutated
``rel_error``            ``rel_error(x, y) -> float``, the max of                         ``gdbp.gradcheck.rel_error``
                         ``abs(x - y) / maximum(1e-8, abs(x) + abs(y))``
=======================  ===============================================================  ===========================

``numerical_gradient`` cases: functions with a large second derivative (a one-sided difference is off by
~h * f''/2 ~ 1e-5, a central one by ~h**2 * f'''/6 ~ 1e-10), entries coupled across rows (looping over the
first axis only shifts whole rows), 1-D, 2-D and 3-D x, the default h, and h = 1e-2 (an h that is ignored
shows). x is passed to the learner's function itself (not a copy), so changing it in place, even by a
rounding residue, is caught and explained.

``rel_error`` cases: random arrays, two zero entries at the same index (the 1e-8 floor avoids 0/0), 0
against 1e-9 (below the floor), identical arrays, and a largest difference that is negative.

Tolerances: numerical_gradient is compared with the reference at 1e-7 relative / 1e-9 absolute: the same
evaluation points give the same f values, and only the last division may be written differently, or x - h
formed as (x + h) - 2h (1 ulp of x, ~1e-11 in the quotient). rel_error at ``_core.RTOL``.
"""

from __future__ import annotations

import inspect

import numpy as np

from gdbp import gradcheck
from gdbp.checks._core import entry_point
from gdbp.checks._core import Checker, Mistake, run
from gdbp.checks._results import Inputs, call, check_array, check_scalar, guarded, thunks

__all__ = ["MISTAKES", "check_numerical_gradient", "check_rel_error"]

NUMGRAD_RTOL = 1e-7  # see the module docstring
NUMGRAD_ATOL = 1e-9

# =========================================================================================================
# The catalogue of classic mistakes (complete wrong implementations, "# MISTAKE" marks the change).
# =========================================================================================================


def _numgrad_forward(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    fx = f(x.copy())
    for i in np.ndindex(x.shape):
        x_plus = x.astype(float)
        x_plus[i] += h
        grad[i] = (f(x_plus) - fx) / h  # MISTAKE: one-sided (forward) difference, error O(h)
    return grad


def _numgrad_backward(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    fx = f(x.copy())
    for i in np.ndindex(x.shape):
        x_minus = x.astype(float)
        x_minus[i] -= h
        grad[i] = (fx - f(x_minus)) / h  # MISTAKE: one-sided (backward) difference, error O(h)
    return grad


def _central(f, x, h, divide_by):
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        x_plus, x_minus = x.astype(float), x.astype(float)
        x_plus[i] += h
        x_minus[i] -= h
        grad[i] = (f(x_plus) - f(x_minus)) / divide_by
    return grad


def _numgrad_divide_by_h(f, x, h=1e-5):
    return _central(f, x, h, h)  # MISTAKE: divides by h instead of 2h: twice the gradient


def _numgrad_fixed_h(f, x, h=1e-5):
    return _central(f, x, 1e-5, 2e-5)  # MISTAKE: the argument h is ignored, 1e-5 written in the code


def _numgrad_tiny_h(f, x, h=1e-5):
    return _central(f, x, 1e-10, 2e-10)  # MISTAKE: h = 1e-10 hard-coded: rounding error ~ eps * |f| / h


def _numgrad_first_axis(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in range(len(x)):  # MISTAKE: x[i] is a whole row when x has 2 or more axes
        x_plus, x_minus = x.astype(float), x.astype(float)
        x_plus[i] += h
        x_minus[i] -= h
        grad[i] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad


def _numgrad_no_restore(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2 * h)  # MISTAKE: x[i] is left at x[i] - h (not restored)
    return grad


def _numgrad_restore_by_adding(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        x[i] += h  # MISTAKE: (x + h - 2h) + h is not always x in floating point: x is left changed by an ulp
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _rel_error_no_floor(x, y):
    return np.max(np.abs(x - y) / (np.abs(x) + np.abs(y)))  # MISTAKE: no max(1e-8, ...): 0/0 = NaN


def _rel_error_sum(x, y):
    return np.sum(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))  # MISTAKE: sum, not max


def _rel_error_mean(x, y):
    return np.mean(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))  # MISTAKE: mean, not max


def _rel_error_no_abs(x, y):
    return np.max((x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))  # MISTAKE: x - y without abs


def _rel_error_plus_floor(x, y):
    return np.max(np.abs(x - y) / (1e-8 + np.abs(x) + np.abs(y)))  # MISTAKE: + 1e-8 instead of max(1e-8, .)


def _rel_error_ratio_of_maxima(x, y):
    # MISTAKE: the largest difference over the largest size, not the largest entrywise ratio
    return np.max(np.abs(x - y)) / max(1e-8, np.max(np.abs(x) + np.abs(y)))


def _rel_error_entrywise(x, y):
    return np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))  # MISTAKE: the max is missing


_RESTORE_HINT = ("save the entry first (old = x[i]), change it, evaluate f, and put it back with x[i] = old; or "
                 "work on copies (x_plus = x.copy()). The caller's x must be unchanged afterwards.")

MISTAKES: dict[str, list[Mistake]] = {
    "numerical_gradient": [
        Mistake("a one-sided (forward) difference (f(x + h) - f(x)) / h", _numgrad_forward,
                "use the central difference (f(x + h e_i) - f(x - h e_i)) / (2 h): its error is O(h**2), "
                "the one-sided one's O(h)."),
        Mistake("a one-sided (backward) difference (f(x) - f(x - h)) / h", _numgrad_backward,
                "use the central difference (f(x + h e_i) - f(x - h e_i)) / (2 h)."),
        Mistake("the central difference divided by h instead of 2h", _numgrad_divide_by_h,
                "the two points x + h and x - h are 2h apart: divide by 2 * h."),
        Mistake("the argument h is ignored (h = 1e-5 written in the code)", _numgrad_fixed_h,
                "use the h passed to the function; 1e-5 is only its default."),
        Mistake("h too small (1e-10 written in the code): rounding error ~ eps * |f| / h dominates",
                _numgrad_tiny_h, "use the h argument (default 1e-5): below ~1e-6 rounding error grows as h shrinks."),
        Mistake("a loop over the first axis only: for a 2-D x, x[i] shifts a whole row", _numgrad_first_axis,
                "loop over every entry: for i in np.ndindex(x.shape) (or np.nditer with multi_index)."),
        Mistake("x is changed while differencing and not restored", _numgrad_no_restore, _RESTORE_HINT),
        Mistake("x[i] restored by adding h back: in floating point (x + h - 2h) + h is not always x",
                _numgrad_restore_by_adding, _RESTORE_HINT),
    ],
    "rel_error": [
        Mistake("no max(1e-8, ...) floor: two zero entries give 0 / 0 = NaN", _rel_error_no_floor,
                "divide by np.maximum(1e-8, np.abs(x) + np.abs(y)), so that two zeros give 0, not 0/0."),
        Mistake("np.sum of the entrywise errors instead of np.max", _rel_error_sum,
                "rel_error is the largest entrywise error: np.max(...)."),
        Mistake("np.mean of the entrywise errors instead of np.max", _rel_error_mean,
                "rel_error is the largest entrywise error: np.max(...), not the mean (which hides one bad entry)."),
        Mistake("x - y without abs: negative differences count as small", _rel_error_no_abs,
                "take np.abs(x - y) in the numerator."),
        Mistake("1e-8 added to the denominator instead of np.maximum(1e-8, ...)", _rel_error_plus_floor,
                "the floor is a maximum, not a sum: np.maximum(1e-8, np.abs(x) + np.abs(y))."),
        Mistake("the largest difference over the largest size (a ratio of maxima)", _rel_error_ratio_of_maxima,
                "divide entry by entry first, then take the maximum of the ratios."),
        Mistake("returns the entrywise errors: the final np.max is missing", _rel_error_entrywise,
                "return one float: np.max of the entrywise errors."),
    ],
}
_NO_RESTORE, _ROUNDING_RESTORE = MISTAKES["numerical_gradient"][6], MISTAKES["numerical_gradient"][7]


# =========================================================================================================
# The cases.
# =========================================================================================================


def _f_cubic(x):
    """sum(x**3) + 0.5 * sum(x)**2: f'' = 6x + 1 (a one-sided difference is off by ~h * f''/2), coupled entries."""
    x = np.asarray(x, dtype=float)
    return float(np.sum(x**3) + 0.5 * np.sum(x) ** 2)


def _f_exp_sin(x):
    """sum(exp(x / 2) * sin(2x)) + sum(x * roll(x)): third derivative of order 10 (h = 1e-2 shows)."""
    x = np.asarray(x, dtype=float)
    return float(np.sum(np.exp(x / 2) * np.sin(2 * x)) + np.sum(x * np.roll(x, 1)))


_F_TEXT = {_f_cubic: "f(x) = sum(x**3) + 0.5 * sum(x)**2",
           _f_exp_sin: "f(x) = sum(exp(x/2) * sin(2x)) + sum(x * roll(x))"}


def _numgrad_cases():
    """``[(name, f, x, h)]``; h None means: call without h (the learner's default, which must be 1e-5)."""
    rng = np.random.default_rng(20240604)
    return [
        ("1-D x, default h", _f_cubic, rng.normal(size=5), None),
        ("1-D x, h=1e-5", _f_exp_sin, rng.normal(size=4), 1e-5),
        ("2-D x of shape (3, 4)", _f_cubic, rng.normal(size=(3, 4)), 1e-5),
        ("3-D x of shape (2, 2, 3)", _f_exp_sin, rng.normal(size=(2, 2, 3)), 1e-5),
        ("h=1e-2 (the argument h is used)", _f_exp_sin, rng.normal(size=(2, 3)), 1e-2),
    ]


def _rel_error_cases():
    """``[(name, x, y)]``."""
    rng = np.random.default_rng(20240605)
    a = rng.normal(size=(3, 4))
    return [
        ("random x and y", rng.normal(size=6), rng.normal(size=6)),
        ("2-D, nearly equal", a, a * (1 + 1e-6 * rng.normal(size=(3, 4)))),
        ("two zeros at the same index", np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.1, 2.0])),
        ("0 against 1e-9 (below the 1e-8 floor)", np.array([0.0, 1.0]), np.array([1e-9, 1.0])),
        ("identical arrays", np.array([0.5, -2.0, 3.0]), np.array([0.5, -2.0, 3.0])),
        ("the largest difference is negative", np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.01, 3.0])),
    ]


# =========================================================================================================
# The checkers.
# =========================================================================================================


def _check_default_h(c: Checker) -> None:
    __tracebackhide__ = True
    default = c.default_of("h")
    if default is inspect.Parameter.empty:  # no default given (or h only through **kwargs)
        c.fail("the argument h has no default value, expected h=1e-5.", c.case("1-D x, default h"),
               hint="write the signature as in the exercise: def numerical_gradient(f, x, h=1e-5).")
    if isinstance(default, bool) or not isinstance(default, (int, float)) or abs(default - 1e-5) > 1e-20:
        c.fail(f"your default is h={default!r}, expected h=1e-5.", c.case("1-D x, default h"),
               hint="keep the signature of the exercise: def numerical_gradient(f, x, h=1e-5).")


def _check_not_changed(c: Checker, inputs: Inputs, x: np.ndarray, x_before: np.ndarray, case: str) -> None:
    """x must be unchanged; a change by rounding only and a change by about h are told apart."""
    __tracebackhide__ = True
    if inputs.changed() is None:
        return
    change = max((abs(a - b) for a, b in zip(x.ravel().tolist(), x_before.ravel().tolist())), default=0.0)
    size = max((abs(b) for b in x_before.ravel().tolist()), default=1.0)
    mistake = _ROUNDING_RESTORE if change <= 1e-12 * max(size, 1.0) else _NO_RESTORE
    c.fail(f"your function changed its input x in place: after the call x = {x.ravel()[:6].tolist()}, before "
           f"it x = {x_before.ravel()[:6].tolist()} (largest change {change:.3g}); expected x unchanged."
           f"\n  This matches a classic mistake: {mistake.name}.", case, hint=mistake.hint)


@entry_point
def check_numerical_gradient(learner_fn, *, time_limit=None):
    """Check ``numerical_gradient(f, x, h=1e-5) -> grad`` (central differences, x any shape, never mutated)
    against ``gdbp.gradcheck.numerical_gradient``.

    Raises AssertionError (``CheckFailed``) naming the case, what was received and expected, and the classic
    mistake it matches; prints one line on success.
    """
    __tracebackhide__ = True

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("f", "x", "h")
        for case, f, x, h in _numgrad_cases():
            if h is None:
                _check_default_h(c)
            x_before = x.copy()
            inputs = Inputs({"x": x})
            kwargs = {} if h is None else {"h": h}
            out = guarded(c, case, lambda: c.fn(f, x, **kwargs))
            _check_not_changed(c, inputs, x, x_before, case)
            expected = gradcheck.numerical_gradient(f, x_before, h=1e-5 if h is None else h)
            source = f"central differences of {_F_TEXT[f]} with h={1e-5 if h is None else h:g}"
            check_array(c, out, "grad", expected=expected, case=case, source=source,
                        rtol=NUMGRAD_RTOL, atol=NUMGRAD_ATOL,
                        mistakes=thunks(MISTAKES["numerical_gradient"], (f, x_before), kwargs=kwargs))

    run("numerical_gradient", learner_fn, body,
        hint="for each index i: grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h), restoring x[i] afterwards.")


@entry_point
def check_rel_error(learner_fn, *, time_limit=None):
    """Check ``rel_error(x, y) -> float``, the max of ``abs(x - y) / maximum(1e-8, abs(x) + abs(y))``,
    against ``gdbp.gradcheck.rel_error``. A Python float, a numpy float or a 0-d array is accepted.
    See ``check_numerical_gradient`` for what it raises and prints."""
    __tracebackhide__ = True

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("x", "y")
        for case, x, y in _rel_error_cases():
            out = call(c, case, ("x", "y"), x, y)
            check_scalar(c, out, "rel_error(x, y)", expected=gradcheck.rel_error(x, y), case=case,
                         source="max(abs(x - y) / maximum(1e-8, abs(x) + abs(y)))",
                         mistakes=thunks(MISTAKES["rel_error"], (x, y)))

    run("rel_error", learner_fn, body,
        hint="np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))).")

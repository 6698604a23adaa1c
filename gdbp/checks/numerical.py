"""Checkers of the gradient-checking exercises (notebook 03) and their catalogues of classic mistakes.

=======================  ===============================================================  ===========================
exercise                 the learner writes                                               reference
=======================  ===============================================================  ===========================
``numerical_gradient``   ``numerical_gradient(f, x, h=1e-5) -> grad``, central             ``gdbp.gradcheck.numerical_gradient``
                         differences, x any shape, never changed (not even temporarily)
``rel_error``            ``rel_error(x, y) -> float``, the max of                         ``gdbp.gradcheck.rel_error``
                         ``abs(x - y) / maximum(1e-8, abs(x) + abs(y))``
=======================  ===============================================================  ===========================

``numerical_gradient`` cases: functions with a large second derivative (a one-sided difference is off by
~h * f''/2 ~ 1e-5, a central one by ~h**2 * f'''/6 ~ 1e-10), entries coupled across rows (looping over the
first axis only shifts whole rows), 1-D, 2-D and 3-D x, the default h, h = 1e-2 (an h that is ignored
shows), and last an f that raises an error at its 5th evaluation. x is passed to the learner's function
itself (not a copy), so changing it in place, even by a rounding residue, is caught and explained.

"Never change x, not even temporarily" (notebook 03) is enforced through what it protects: the caller's x
must be unchanged when the function returns *and* when f raises halfway. CS231n's change-and-restore
(``old = x[i]; x[i] = old + h; ...; x[i] = old``) returns the right gradient and a restored x, but leaves x
changed when f fails: it fails the last case, named. (Watching x *during* the call is not possible once the
function runs in another process; an f that raises is, and it is what makes the rule matter.)

``rel_error`` cases: random arrays, two zero entries at the same index (the 1e-8 floor avoids 0/0), 0
against 1e-9 (below the floor), identical arrays, and a largest difference that is negative.

After a failure the diagnosis (``gdbp.checks._diagnosis``) runs each exercise's family of implementations
(the reference with one or two changes: a one-sided difference, ``/ 2 * h``, h written in the code and
fitted, x + h on every entry, f at the unshifted x; for rel_error the floor, the reduction, and published
forms such as the norm-based relative error) against the learner's outputs on every case, and a probe
records where the learner's function evaluates f (x +- h e_i, or elsewhere).

Tolerances: numerical_gradient is compared with the reference at 1e-7 relative / 1e-9 absolute: the same
evaluation points give the same f values, and only the last division may be written differently, or x - h
formed as (x + h) - 2h (1 ulp of x, ~1e-11 in the quotient). rel_error at ``_core.RTOL``.
"""

from __future__ import annotations

import inspect

import numpy as np

from gdbp import gradcheck
from gdbp.checks._core import Checker, Mistake, entry_point, run
from gdbp.checks._diagnosis import Catalogue, Change, Finding, Trial
from gdbp.checks._results import Diagnosis, Inputs, call, check_array, check_scalar, guarded

__all__ = ["CATALOGUES", "MISTAKES", "check_numerical_gradient", "check_rel_error"]

NUMGRAD_RTOL = 1e-7  # see the module docstring
NUMGRAD_ATOL = 1e-9

# =========================================================================================================
# The catalogue of numerical_gradient: a family of implementations, the changes that depart from it, and
# the mistakes that change x in place (named from what the caller's x looks like afterwards).
# =========================================================================================================


def _numgrad_family(s):
    diff, divide, loop, at_x = s["diff"], s["divide"], s["loop"], s["f_at_x"]

    def numerical_gradient(f, x, h=1e-5):
        x = np.array(x, dtype=float)
        grad = np.zeros_like(x)
        fx = f(x.copy()) if diff != "central" else None
        for i in (range(len(x)) if loop == "first_axis" else np.ndindex(x.shape)):
            if loop == "all_entries":
                x_plus, x_minus = x + h, x - h  # every entry shifted, not only entry i
            else:
                x_plus, x_minus = x.copy(), x.copy()
                x_plus[i] += h
                x_minus[i] -= h
            f_plus = f(x.copy() if at_x else x_plus) if diff != "backward" else None
            f_minus = f(x.copy() if at_x else x_minus) if diff != "forward" else None
            if diff == "forward":
                grad[i] = (f_plus - fx) / h  # one-sided, error O(h)
            elif diff == "backward":
                grad[i] = (fx - f_minus) / h
            elif divide == "h":
                grad[i] = (f_plus - f_minus) / h  # twice the gradient
            elif divide == "precedence":
                grad[i] = (f_plus - f_minus) / 2 * h  # / 2 * h is (... / 2) * h
            else:
                grad[i] = (f_plus - f_minus) / (2 * h)
        return grad

    return numerical_gradient


def _ignores_h(fn, s):
    value = s["ignored_h"]

    def fixed_h(f, x, h=1e-5):
        return fn(f, x, h=value)  # MISTAKE: the h passed is not used

    return fixed_h


def _h_name(s):
    h = s["ignored_h"]
    if h < 1e-7:
        return f"h too small ({h:g} written in the code): rounding error ~ eps * |f| / h dominates"
    if h > 1e-4:
        return f"h too large ({h:g} written in the code): the truncation error ~ h**2 * f'''/6 dominates"
    return f"the argument h is ignored (h = {h:g} written in the code)"


def _h_hint(s):
    if s["ignored_h"] < 1e-7:
        return "use the h argument (default 1e-5): below ~1e-6 rounding error grows as h shrinks."
    return "use the h passed to the function; 1e-5 is only its default."


_NUMGRAD = Catalogue("numerical_gradient", _numgrad_family,
                     base={"diff": "central", "divide": "2h", "loop": "entries", "f_at_x": False}, changes=(
    Change("diff", "forward", "a one-sided (forward) difference (f(x + h) - f(x)) / h",
           "use the central difference (f(x + h e_i) - f(x - h e_i)) / (2 h): its error is O(h**2), "
           "the one-sided one's O(h)."),
    Change("diff", "backward", "a one-sided (backward) difference (f(x) - f(x - h)) / h",
           "use the central difference (f(x + h e_i) - f(x - h e_i)) / (2 h)."),
    Change("divide", "h", "the central difference divided by h instead of 2h",
           "the two points x + h and x - h are 2h apart: divide by 2 * h."),
    Change("ignores_h", 1e-5, _h_name, _h_hint, wrap=_ignores_h, group="ignores_h",
           constants={"ignored_h": (1e-5, 1e-4, 1e-6, 1e-3, 1e-2, 1e-1)}),
    Change("ignores_h", 1e-10, _h_name, _h_hint, wrap=_ignores_h, group="ignores_h",
           constants={"ignored_h": (1e-10, 1e-7, 1e-8, 1e-9, 1e-11, 1e-12, 1e-13)}),
    Change("loop", "first_axis", "a loop over the first axis only: for a 2-D x, x[i] shifts a whole row",
           "loop over every entry: for i in np.ndindex(x.shape) (or np.nditer with multi_index)."),
    Change("loop", "all_entries", "x + h shifts every entry at once, not only entry i (each grad[i] is then the sum "
           "of all the partial derivatives)", "shift one entry at a time: x_plus = x.copy(); x_plus[i] += h."),
    Change("f_at_x", True, "f evaluated at x itself instead of at the shifted copies (every difference is 0)",
           "evaluate f at the shifted copies: f(x_plus) - f(x_minus), not f(x) - f(x)."),
    Change("divide", "precedence", "(f(x + h) - f(x - h)) / 2 * h: the division by 2 comes first, then a "
           "multiplication by h", "write the denominator in parentheses: (f_plus - f_minus) / (2 * h)."),
))


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


def _numgrad_change_and_restore(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h  # MISTAKE: x itself is changed while f runs; if f raises, it stays changed
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


_RESTORE_HINT = ("save the entry first (old = x[i]), change it, evaluate f, and put it back with x[i] = old; or "
                 "work on copies (x_plus = x.copy()). The caller's x must be unchanged afterwards.")
_NO_RESTORE = Mistake("x is changed while differencing and not restored", _numgrad_no_restore, _RESTORE_HINT)
_ROUNDING_RESTORE = Mistake("x[i] restored by adding h back: in floating point (x + h - 2h) + h is not always x",
                            _numgrad_restore_by_adding, _RESTORE_HINT)
_TEMPORARY = Mistake(
    "x changed in place while f is evaluated (CS231n's change-and-restore): right when f returns, but when f "
    "raises, the caller's x stays changed", _numgrad_change_and_restore,
    "never write into x, not even temporarily: evaluate f on copies (x_plus = x.copy(); x_plus[i] += h), so that "
    "x is unchanged whatever f does.")

# =========================================================================================================
# The catalogue of rel_error.
# =========================================================================================================


def _rel_error_family(s):
    floor, reduce, absolute, denom, value = s["floor"], s["reduce"], s["abs"], s["denom"], s["rel_floor"]

    def rel_error(x, y):
        if reduce == "norm":  # deeplearning.ai's gradient check: one ratio of norms
            return np.linalg.norm(x - y) / (np.linalg.norm(x) + np.linalg.norm(y))
        diff = np.abs(x - y) if absolute else x - y
        size = {"sum_abs": lambda: np.abs(x) + np.abs(y), "abs_sum": lambda: np.abs(x + y),
                "max_abs": lambda: np.maximum(np.abs(x), np.abs(y))}[denom]()
        if reduce == "ratio_of_maxima":
            return np.max(diff) / max(value, np.max(size))
        size = np.maximum(value, size) if floor == "max" else size + value if floor == "plus" else size
        ratios = diff / size
        return {"max": np.max, "sum": np.sum, "mean": np.mean, "none": lambda r: r}[reduce](ratios)

    return rel_error


_MAX_HINT = "rel_error is the largest entrywise error: np.max(...)."
_REL_ERROR = Catalogue("rel_error", _rel_error_family,
                       base={"floor": "max", "reduce": "max", "abs": True, "denom": "sum_abs", "rel_floor": 1e-8},
                       changes=(
    Change("floor", "none", "no max(1e-8, ...) floor: two zero entries give 0 / 0 = NaN",
           "divide by np.maximum(1e-8, np.abs(x) + np.abs(y)), so that two zeros give 0, not 0/0."),
    Change("reduce", "sum", "np.sum of the entrywise errors instead of np.max", _MAX_HINT),
    Change("reduce", "mean", "np.mean of the entrywise errors instead of np.max",
           "rel_error is the largest entrywise error: np.max(...), not the mean (which hides one bad entry)."),
    Change("abs", False, "x - y without abs: negative differences count as small", "take np.abs(x - y) in the numerator."),
    Change("floor", "plus", "1e-8 added to the denominator instead of np.maximum(1e-8, ...)",
           "the floor is a maximum, not a sum: np.maximum(1e-8, np.abs(x) + np.abs(y))."),
    Change("reduce", "ratio_of_maxima", "the largest difference over the largest size (a ratio of maxima)",
           "divide entry by entry first, then take the maximum of the ratios."),
    Change("reduce", "none", "returns the entrywise errors: the final np.max is missing",
           "return one float: np.max of the entrywise errors."),
    Change("denom", "abs_sum", "np.abs(x + y) in the denominator instead of np.abs(x) + np.abs(y)",
           "take the absolute values first: np.abs(x) + np.abs(y) (x + y can cancel)."),
    Change("rel_floor", 1e-10, "a floor of {rel_floor:g} instead of 1e-8", "the floor of the exercise is 1e-8: "
           "np.maximum(1e-8, np.abs(x) + np.abs(y)).",
           constants={"rel_floor": (1e-10, 1e-12, 1e-6, 1e-7, 1e-9, 1e-16, 1e-15)}),
    Change("denom", "max_abs", "max(|x|, |y|) in the denominator instead of |x| + |y| (relative to the larger size)",
           "the exercise's rel_error divides by the sum np.abs(x) + np.abs(y) (CS231n's convention).", kind="variant",
           note="That form is common too; it gives up to twice the exercise's value, so thresholds such as 1e-7 "
                "mean something else."),
    Change("reduce", "norm", "the norm-based relative error ||x - y|| / (||x|| + ||y||) (deeplearning.ai's gradient "
           "check)", "the exercise's rel_error is entrywise: np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + "
           "np.abs(y))).", kind="variant",
           note="One ratio of norms averages the errors: one bad entry among many good ones hardly shows."),
))

CATALOGUES: dict[str, Catalogue] = {"numerical_gradient": _NUMGRAD, "rel_error": _REL_ERROR}
MISTAKES: dict[str, list[Mistake]] = {
    "numerical_gradient": _NUMGRAD.mistakes() + [_NO_RESTORE, _ROUNDING_RESTORE, _TEMPORARY],
    "rel_error": _REL_ERROR.mistakes(),
}


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
# Diagnosis: trials and probes.
# =========================================================================================================


class _FailedHalfway(Exception):
    """What the checker's f raises at its 5th evaluation in the last numerical_gradient case."""


class _RaisingF:
    """f(x) = sum(x**3) + 0.5 * sum(x)**2 that raises at its ``after``-th evaluation."""

    def __init__(self, after: int):
        self.after, self.calls = after, 0

    def __call__(self, x):
        self.calls += 1
        if self.calls >= self.after:
            raise _FailedHalfway(f"f failed at its evaluation number {self.calls} (raised on purpose by the checker)")
        return _f_cubic(x)


class _RecordingF:
    """An f that records the points it is evaluated at (copies)."""

    def __init__(self, f):
        self.f, self.points = f, []

    def __call__(self, x):
        self.points.append(np.array(x, dtype=float))
        return self.f(x)


def _numgrad_trial(name: str, f, x: np.ndarray, h) -> Trial:
    kwargs = {} if h is None else {"h": h}

    def run(fn):
        yield np.asarray(fn(f, x.copy(), **kwargs), dtype=float)

    return Trial(name, run)


def _where_f_is_evaluated(c: Checker) -> list[Finding]:
    """One quiet call on x of 3 entries with h = 1e-3: where does the learner's function evaluate f?"""
    x, h = np.array([0.3, -1.2, 2.0]), 1e-3
    f = _RecordingF(_f_cubic)
    if not c.attempt_thunk(lambda: c.fn(f, x.copy(), h=h)).ok:
        return []
    if not f.points:
        return [Finding("your function never calls f.", hint="evaluate f at x + h e_i and x - h e_i for every i.",
                        key="f_never")]
    offsets = [p - x for p in f.points if p.shape == x.shape]
    moved = [o for o in offsets if np.any(o != 0)]
    text = f"on x of 3 entries with h = 1e-3 your function evaluated f {len(f.points)} times"
    if not moved:
        return [Finding(text + ", always at x itself.", hint="evaluate f at the shifted copies x_plus and x_minus.",
                        key="f_at_x")]
    facts = []
    several = [o for o in moved if np.count_nonzero(o) > 1]
    if several:
        facts.append(f"{len(several)} of them with several entries of x shifted at once")
    sizes = sorted({float(f"{abs(v):.3g}") for o in moved for v in o.ravel().tolist() if v != 0})
    if sizes and (sizes[0] < 0.5e-3 or sizes[-1] > 2e-3):
        facts.append(f"shifted by {', '.join(f'{v:g}' for v in sizes[:3])} where h = 1e-3 was passed")
    if all(o.sum() > 0 for o in moved) or all(o.sum() < 0 for o in moved):
        facts.append("on one side of x only (never both x + h e_i and x - h e_i)")
    if not facts and len(f.points) == 2 * x.size:
        return []
    return [Finding(text + (": " + "; ".join(facts) if facts else "") + " (central differences take 2 per entry, "
                    "at x + h e_i and x - h e_i).", key="f_points")]


def _numgrad_diagnosis(c: Checker, failing: Trial, out, cases) -> Diagnosis:
    trials = [_numgrad_trial(name, f, x, h) for name, f, x, h in cases if name != failing.name]

    def probe(c, evidence):
        findings = _where_f_is_evaluated(c)
        if isinstance(out, np.ndarray) and out.size and out.dtype.kind == "f" and not np.any(out):
            findings.append(Finding("your gradient is exactly 0 at every entry: f returned the same value at every "
                                    "point it was evaluated (is it evaluated at the shifted copies?).", key="zeros"))
        return findings

    return Diagnosis(c, _NUMGRAD, failing, [out], trials=trials, probe=probe)


def _rel_trial(name: str, x: np.ndarray, y: np.ndarray) -> Trial:
    def run(fn):
        value = fn(x.copy(), y.copy())
        yield np.asarray(value, dtype=float) if np.ndim(value) else float(value)

    return Trial(name, run)


def _rel_error_diagnosis(c: Checker, failing: Trial, out, cases) -> Diagnosis:
    trials = [_rel_trial(name, x, y) for name, x, y in cases if name != failing.name]

    def probe(c, evidence):
        x, y = np.array([1.0, -2.0, 0.5]), np.array([1.5, -2.2, 0.1])
        forward, backward = c.attempt(x, y), c.attempt(y, x)
        if not (forward.ok and backward.ok):
            return []
        try:
            a, b = float(np.asarray(forward.value).ravel()[0]), float(np.asarray(backward.value).ravel()[0])
        except (TypeError, ValueError, IndexError):
            return []
        if a != b and not (a != a and b != b):
            return [Finding(f"rel_error(x, y) = {a:.6g} but rel_error(y, x) = {b:.6g}: the exercise's rel_error is "
                            f"symmetric.", hint="use absolute values on both sides: np.abs(x - y) / np.maximum(1e-8, "
                                                "np.abs(x) + np.abs(y)).", key="asymmetric")]
        return []

    return Diagnosis(c, _REL_ERROR, failing, [out], trials=trials, probe=probe)


def _as_float(value):
    """``value`` as a float (0-d) or a float array for the diagnosis, or itself when it is not numeric."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return value
    return float(arr) if arr.ndim == 0 else arr


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


def _x_text(x: np.ndarray) -> str:
    return "[" + ", ".join(repr(v) for v in x.ravel()[:6].tolist()) + (", ..." if x.size > 6 else "") + "]"


def _check_not_changed(c: Checker, inputs: Inputs, x: np.ndarray, x_before: np.ndarray, case: str) -> None:
    """x must be unchanged; a change by rounding only and a change by about h are told apart."""
    __tracebackhide__ = True
    if inputs.changed() is None:
        return
    change = max((abs(a - b) for a, b in zip(x.ravel().tolist(), x_before.ravel().tolist())), default=0.0)
    size = max((abs(b) for b in x_before.ravel().tolist()), default=1.0)
    mistake = _ROUNDING_RESTORE if change <= 1e-12 * max(size, 1.0) else _NO_RESTORE
    c.fail(f"your function changed its input x in place: after the call x = {_x_text(x)}, before it x = "
           f"{_x_text(x_before)} (largest change {change:.3g}); expected x unchanged.\n" + mistake.line(),
           case, hint=mistake.hint)


_RAISES_CASE = "f raises an error halfway (x must stay unchanged)"


def _check_when_f_raises(c: Checker) -> None:
    """The caller's x must be unchanged also when f raises at its 5th evaluation (the function may let the
    error through, or catch it: only x is checked)."""
    __tracebackhide__ = True
    c.case(_RAISES_CASE)
    x = np.array([0.3, -1.2, 2.0, 0.7])
    x_before = x.copy()
    f = _RaisingF(after=5)
    c.attempt_thunk(lambda: c.fn(f, x, h=1e-5))  # x itself, not a copy: what is left in it is the point
    if x.shape == x_before.shape and np.array_equal(x, x_before):
        return
    c.fail(f"f raised an error at its evaluation number {min(f.calls, f.after)}, and your function left x changed: "
           f"x = {_x_text(x)} afterwards, {_x_text(x_before)} before; expected x unchanged, also when f fails.\n"
           + _TEMPORARY.line(), _RAISES_CASE, hint=_TEMPORARY.hint)


@entry_point
def check_numerical_gradient(learner_fn, *, time_limit=None):
    """Check ``numerical_gradient(f, x, h=1e-5) -> grad`` (central differences, x any shape, never changed,
    not even temporarily) against ``gdbp.gradcheck.numerical_gradient``.

    Raises AssertionError (``CheckFailed``) naming the case, what was received and expected, and the classic
    mistake it matches; prints one line on success.
    """
    __tracebackhide__ = True

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("f", "x", "h")
        cases = _numgrad_cases()
        for case, f, x, h in cases:
            if h is None:
                _check_default_h(c)
            x_before = x.copy()
            inputs = Inputs({"x": x})
            kwargs = {} if h is None else {"h": h}
            out = guarded(c, case, lambda: c.fn(f, x, **kwargs))
            _check_not_changed(c, inputs, x, x_before, case)
            expected = gradcheck.numerical_gradient(f, x_before, h=1e-5 if h is None else h)
            source = f"central differences of {_F_TEXT[f]} with h={1e-5 if h is None else h:g}"
            diagnosis = _numgrad_diagnosis(c, _numgrad_trial(case, f, x_before, h), _as_float(out), cases)
            check_array(c, out, "grad", expected=expected, case=case, source=source,
                        rtol=NUMGRAD_RTOL, atol=NUMGRAD_ATOL, diagnosis=diagnosis)
        _check_when_f_raises(c)

    run("numerical_gradient", learner_fn, body,
        hint="for each index i: grad[i] = (f(x_plus) - f(x_minus)) / (2 h), with x_plus and x_minus copies of x "
             "shifted by h at index i.")


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
        cases = _rel_error_cases()
        for case, x, y in cases:
            out = call(c, case, ("x", "y"), x, y)
            check_scalar(c, out, "rel_error(x, y)", expected=gradcheck.rel_error(x, y), case=case,
                         source="max(abs(x - y) / maximum(1e-8, abs(x) + abs(y)))",
                         diagnosis=_rel_error_diagnosis(c, _rel_trial(case, x, y), _as_float(out), cases))

    run("rel_error", learner_fn, body,
        hint="np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))).")

"""Helpers shared by the non-optimizer checkers, on top of ``gdbp.checks._core``.

- :func:`call`: call the learner's function safely (time limit, exceptions turned into messages) and
  fail, naming the argument, if it changed any input array in place, including the arrays inside a
  ``cache`` tuple (``Checker.call`` only looks at top-level arguments).
- :func:`guarded`: run any piece of the learner's code (a ``Value`` operation, iterating a generator).
- :func:`check_array` / :func:`check_scalar`: the checks of one returned value in the fixed order
  (structure and type -> shape -> dtype -> finite -> values), where a wrong shape or a NaN that a
  catalogued mistake also produces is named *before* the generic shape or finite message (softmax
  without max-subtraction gives NaN at logits of 1e3; that NaN is the evidence).
- :func:`thunks`: pair each catalogued mistake with a thunk computing what it would have returned.

Comparisons use plain Python arithmetic on ``tolist()`` (see ``_core``), never ``np.allclose``.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Callable, Iterable

import numpy as np

from gdbp.checks._core import (ATOL, RTOL, CheckFailed, Checker, Mistake,
                              agree, describe, first_difference, first_nonfinite, format_array)
from gdbp.checks._core import time_limit as _time_limit


def _as_float_array(value: Any):
    """``value`` as a float array for comparisons, or None when it is not numeric."""
    try:
        arr = value if isinstance(value, np.ndarray) else np.array(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return arr if arr.dtype.kind in "biuf" else None


def thunks(mistakes: Iterable[Mistake], args: tuple, pick: Callable[[Any], Any] = lambda out: out,
           kwargs: dict | None = None, consistent: Iterable[tuple[Callable[[Any], Any], Any]] = (),
           call: Callable[[Mistake], Any] | None = None) -> list:
    """``[(mistake, thunk)]`` where ``thunk()`` is ``pick(mistake.fn(*args, **kwargs))`` on deep copies of the
    arguments (a mistake may change its inputs), as a float array for comparison.

    ``consistent``: pairs ``(pick_j, received_j)`` for the learner's other outputs (``dw`` when ``db`` is being
    compared); a mistake whose other outputs differ from the learner's does not explain the answer, and its
    thunk returns None (which matches nothing). ``call``: how to run a mistake instead (``call(mistake)``),
    e.g. to build a graph with a mistaken ``Value`` class."""
    kwargs = kwargs or {}
    consistent = list(consistent)

    def make(mistake):
        def value():
            if call is not None:
                out = call(mistake)
            else:
                out = mistake.fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
            for other_pick, received in consistent:
                mine, theirs = _as_float_array(other_pick(out)), _as_float_array(received)
                if mine is None or theirs is None or not agree(theirs, mine):
                    return None
            return _as_float_array(pick(out))
        return value

    return [(m, make(m)) for m in mistakes]


def closest_mistake(c: Checker, received: np.ndarray, mistakes) -> list:
    """Of the mistakes whose output agrees with ``received`` (NaN with NaN), the one closest to it, as a
    one-element ``[(mistake, thunk)]`` list (empty when none agrees). Two mistakes can agree within the
    matching tolerance on one case; the closest is the one the learner wrote."""
    best, best_distance = None, None
    for mistake, thunk in mistakes:
        try:
            with _time_limit(c.time_limit):
                value = thunk()
        except BaseException:  # a mistake that cannot run on this case does not match
            continue
        if value is None or not agree(received, value):
            continue
        distance = max((abs(a - b) for a, b in zip(received.ravel().tolist(), value.ravel().tolist())
                        if not (a != a and b != b) and a != b), default=0.0)
        if best is None or distance < best_distance:
            best, best_distance = (mistake, value), distance
    if best is None:
        return []
    mistake, value = best
    return [(mistake, lambda: value)]


def guarded(c: Checker, case: str, thunk: Callable[[], Any], what: str = "your function", hint: str = "") -> Any:
    """Run ``thunk`` (the learner's code) through ``Checker.guard``: time limit, and an exception becomes a
    message naming the case, the line of the learner's code that raised and a hint that fits the error."""
    __tracebackhide__ = True
    return c.guard(case, thunk, what=what, hint=hint)


def _arrays(value: Any, name: str) -> list:
    """``[(name, array)]`` for ``value`` and the arrays inside it (tuples, lists and dicts, one level deep)."""
    if isinstance(value, np.ndarray):
        return [(name, value)]
    if isinstance(value, (tuple, list)):
        return [(f"{name}[{i}]", v) for i, v in enumerate(value) if isinstance(v, np.ndarray)]
    if isinstance(value, dict):
        return [(f"{name}[{k!r}]", v) for k, v in value.items() if isinstance(v, np.ndarray)]
    return []


class Inputs:
    """Copies of every input array, to tell afterwards whether the learner changed one in place."""

    def __init__(self, named_args: dict):
        self.saved = [(n, a, a.copy()) for name, v in named_args.items() for n, a in _arrays(v, name)]

    def changed(self) -> str | None:
        """The name of the first input array that differs from its copy (exactly), or None."""
        for name, now, before in self.saved:
            if now.shape != before.shape or not _identical(now, before):
                return name
        return None


def _identical(a: np.ndarray, b: np.ndarray) -> bool:
    for x, y in zip(a.ravel().tolist(), b.ravel().tolist()):
        if not (x == y or (x != x and y != y)):
            return False
    return True


def fail_if_changed(c: Checker, inputs: Inputs, case: str, hint: str = "", mistake: Mistake | None = None) -> None:
    """Fail naming the input that the learner's function changed in place (if any)."""
    __tracebackhide__ = True
    name = inputs.changed()
    if name is None:
        return
    text = (f"your function changed its input {name} in place (received it modified after the call, expected it "
            f"unchanged).")
    if mistake is not None:
        text += f"\n  This matches a classic mistake: {mistake.name}."
        hint = mistake.hint
    c.fail(text, case, hint=hint or "build new arrays (dx = dout * mask) instead of writing into an input "
                                     "(dout[...] = 0, x -= ...): the caller still needs its arrays.")


def call(c: Checker, case: str, names: tuple, *args: Any, in_place_hint: str = "", **kwargs: Any) -> Any:
    """Call the learner's function ``c.fn(*args, **kwargs)`` safely; ``names`` names the positional arguments
    for messages. Fails if any input array (also inside tuples such as a cache) was changed in place."""
    __tracebackhide__ = True
    named = dict(zip(names, args))
    named.update(kwargs)
    inputs = Inputs(named)
    out = guarded(c, case, lambda: c.fn(*args, **kwargs))
    fail_if_changed(c, inputs, case, hint=in_place_hint)
    return out


def _diagnose(c: Checker, value: Any, what: str, expected: np.ndarray, case: str, mistakes) -> None:
    """Name a catalogued mistake that gives exactly ``value`` when ``value`` has the wrong shape or non-finite
    entries (the generic checks would otherwise fire first and hide the mistake)."""
    __tracebackhide__ = True
    if not isinstance(value, (np.ndarray, float, np.floating)):
        return
    arr = np.asarray(value)
    if arr.dtype.kind != "f":
        return
    bad = first_nonfinite(arr)
    if arr.shape == expected.shape and bad is None:
        return
    for mistake, _ in closest_mistake(c, arr, mistakes):
        if arr.shape != expected.shape:
            problem = f"{what} has shape {tuple(arr.shape)}, expected shape {tuple(expected.shape)}."
        else:
            at = f" at index {bad[0]}" if arr.ndim else ""
            problem = (f"{what} contains {bad[1]}{at}, expected finite numbers "
                       f"(received {format_array(arr)}; expected {format_array(expected)}).")
        c.fail(f"{problem}\n  This matches a classic mistake: {mistake.name}.", case, hint=mistake.hint)


def as_array(c: Checker, value: Any, what: str, *, expected: np.ndarray, case: str, mistakes=()) -> np.ndarray:
    """Structure, shape, dtype and finiteness of one returned array: ``value`` must be a float64 array of
    ``expected``'s shape with finite entries (a wrong shape or a NaN that a catalogued mistake gives is named)."""
    __tracebackhide__ = True
    _diagnose(c, value, what, expected, case, list(mistakes))
    arr = c.array(value, what, like=expected, case=case)
    if arr.dtype != np.float64:
        c.fail(f"{what} has dtype {arr.dtype}, expected float64.", case,
               hint="compute in float64: no .astype(np.float32), no complex numbers.")
    return arr


def as_scalar(c: Checker, value: Any, what: str, *, case: str, mistakes=(), expected: float | None = None) -> float:
    """Structure and finiteness of one returned number: a float, a numpy float or a 0-d array, finite.
    ``expected`` is only shown in the message when a catalogued mistake explains a NaN."""
    __tracebackhide__ = True
    _diagnose(c, value, what, np.array(float("nan") if expected is None else float(expected)), case, list(mistakes))
    if isinstance(value, bool) or value is None or isinstance(value, (complex, np.complexfloating)):
        c.fail(f"{what} is {describe(value)}, expected a float.", case,
               hint="did you forget a `return`?" if value is None else "return a real number.")
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            c.fail(f"{what} is {describe(value)}, expected a single float.", case,
                   hint="reduce to one number (np.sum / np.mean / np.max over all entries), or use float(...) on "
                        "a one-element result.")
        value = value.item()
    if isinstance(value, (list, tuple, dict)):
        c.fail(f"{what} is {describe(value)}, expected a single float.", case,
               hint="return one number, not a collection.")
    if not isinstance(value, (int, float, np.integer, np.floating)):
        c.fail(f"{what} is {describe(value)}, expected a float.", case)
    number = float(value)
    if not math.isfinite(number):
        c.fail(f"{what} is {number!r}, expected a finite number.", case,
               hint="look for a division by zero, a log of 0, or an exp that overflows.")
    return number


def compare(c: Checker, received: Any, expected: Any, what: str, *, case: str, mistakes=(), source: str = "",
            rtol: float = RTOL, atol: float = ATOL, hint: str = "") -> None:
    """Values against the reference (arrays, or floats as 0-d arrays); on a mismatch the closest catalogued
    mistake that gives the same values is named."""
    __tracebackhide__ = True
    received = received if isinstance(received, np.ndarray) else np.array(float(received))
    expected = expected if isinstance(expected, np.ndarray) else np.array(float(expected))
    mistakes = list(mistakes)
    if first_difference(received, expected, rtol, atol) is not None:
        mistakes = closest_mistake(c, received, mistakes)
    c.close(received, expected, what, case=case, source=source, mistakes=mistakes, rtol=rtol, atol=atol, hint=hint)


def check_array(c: Checker, value: Any, what: str, *, expected: np.ndarray, case: str, mistakes=(),
                source: str = "", rtol: float = RTOL, atol: float = ATOL, hint: str = "") -> np.ndarray:
    """``value`` must be a float64 array of ``expected``'s shape, finite, equal to ``expected``."""
    __tracebackhide__ = True
    mistakes = list(mistakes)
    arr = as_array(c, value, what, expected=expected, case=case, mistakes=mistakes)
    compare(c, arr, expected, what, case=case, mistakes=mistakes, source=source, rtol=rtol, atol=atol, hint=hint)
    return arr


def check_scalar(c: Checker, value: Any, what: str, *, expected: float, case: str, mistakes=(),
                 source: str = "", rtol: float = RTOL, atol: float = ATOL, hint: str = "") -> float:
    """``value`` must be one real number (a float, a numpy float or a 0-d array) equal to ``expected``."""
    __tracebackhide__ = True
    mistakes = list(mistakes)
    number = as_scalar(c, value, what, case=case, mistakes=mistakes, expected=expected)
    compare(c, number, expected, what, case=case, mistakes=mistakes, source=source, rtol=rtol, atol=atol, hint=hint)
    return number


def unpack(c: Checker, out: Any, names: tuple, case: str) -> tuple:
    """``out`` must be a tuple (or list) of ``len(names)`` values, e.g. ``(dx, dw, db)``."""
    __tracebackhide__ = True
    text = "(" + ", ".join(names) + ")"
    return c.unpack(out, len(names), text, case=case)

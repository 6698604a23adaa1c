"""Helpers shared by the non-optimizer checkers, on top of ``gdbp.checks._core`` and ``gdbp.checks._diagnosis``.

- :func:`call`: call the learner's function safely (time limit, exceptions turned into messages) and fail,
  naming the argument, if it changed any input array in place, including the arrays inside a ``cache`` tuple
  (``Checker.call`` only looks at top-level arguments). :func:`guarded`: run any piece of the learner's code
  (a ``Value`` operation, iterating a generator). Both go through ``Checker.guard``, the one gateway.
- :func:`check_array` / :func:`check_scalar`: the checks of one returned value in the fixed order
  (structure and type -> shape -> dtype -> finite -> values). A wrong shape or a NaN that the diagnosis
  explains is named *before* the generic shape or finite message (softmax without max-subtraction gives NaN
  at logits of 1e3; that NaN is the evidence); otherwise a wrong shape gets a hint that says where such a
  shape comes from (an (N, N) array from broadcasting a column against a row) rather than how to squeeze it.
- :class:`Diagnosis`: the diagnosis of one failing case, computed once and only on a failure: the failing
  case's outputs, the learner's outputs on the other cases and on the probes, then
  :func:`gdbp.checks._diagnosis.explain` over the exercise's catalogue, and the probes' findings.
  :func:`call_trial` makes a case a trial; :func:`argument_probe` finds arguments the function ignores.

Comparisons use plain Python arithmetic on ``tolist()`` (see ``_core``), never ``np.allclose``.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Callable, Sequence

import numpy as np

from gdbp.checks._core import (ATOL, RTOL, CheckFailed, Checker, Mistake, _shape_hint, agree, describe,
                              first_nonfinite, format_array)
from gdbp.checks._diagnosis import (Catalogue, Evidence, Explanation, Finding, Trial, allowed_by, explain, report,
                                   same)

# --- calling the learner's code ---------------------------------------------------------------------------


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
    """Fail naming the input that the learner's function changed in place (if any); ``mistake`` names it when
    it is catalogued."""
    __tracebackhide__ = True
    name = inputs.changed()
    if name is None:
        return
    text = (f"your function changed its input {name} in place (received it modified after the call, expected it "
            f"unchanged).")
    if mistake is not None:
        text += "\n" + mistake.line()
        hint = mistake.hint
    c.fail(text, case, hint=hint or "build new arrays (dx = dout * mask) instead of writing into an input "
                                     "(dout[...] = 0, x -= ...): the caller still needs its arrays.")


def _raise(exc: BaseException):
    raise exc


def guarded_call(c: Checker, case: str, thunk: Callable[[], Any], what: str = "your function", hint: str = "",
                 diagnosis: "Diagnosis | None" = None) -> Any:
    """Like :func:`guarded`; when the learner's code raises and a catalogued mistake raises the same error on
    this case (and reproduces the other cases), the message names that mistake too (a max without keepdims
    raises a broadcasting error on most cases, and the error is the evidence)."""
    __tracebackhide__ = True
    try:
        return c.invoke(thunk)
    except BaseException as exc:  # noqa: BLE001 - formatted by Checker.guard below, whatever it is
        caught = exc
    explained = None
    if diagnosis is not None and isinstance(caught, Exception) and not isinstance(caught, NotImplementedError):
        diagnosis.record([raised(caught)])
        explained = diagnosis.explained()
    try:
        c.guard(case, lambda: _raise(caught), what=what, hint=hint)
    except CheckFailed as failure:
        if explained is None:
            raise
        text = str(failure)
        prefix = f"{c.exercise}, case '{case}': "
        head = text.split("\n  Hint: ")[0]
        head = head[len(prefix):] if head.startswith(prefix) else head
        lines, found_hint = explained
        c.fail("\n".join([head, *lines]), case, hint=found_hint)
    raise caught  # pragma: no cover - Checker.guard always fails on an error


def call(c: Checker, case: str, names: tuple, *args: Any, in_place_hint: str = "", hint: str = "",
         diagnosis: "Diagnosis | None" = None, expected: Any = None, **kwargs: Any) -> Any:
    """Call the learner's function ``c.fn(*args, **kwargs)`` safely; ``names`` names the positional arguments
    for messages. Fails if any input array (also inside tuples such as a cache) was changed in place: when the
    diagnosis's catalogue has the change ``"in place"`` with that argument's name as value (``dout *= ...``), it is
    named, together
    with what is wrong with the returned values besides (two mistakes at once; ``expected`` is the expected
    output). The output is recorded in ``diagnosis`` (the failing case's evidence, should a check fail)."""
    __tracebackhide__ = True
    named = dict(zip(names, args))
    named.update(kwargs)
    inputs = Inputs(named)
    c.case(case)
    out = guarded_call(c, case, lambda: c.fn(*args, **kwargs), hint=hint, diagnosis=diagnosis)
    if diagnosis is not None:
        diagnosis.record([out])
    changed = inputs.changed()
    if changed is not None and diagnosis is not None:
        _fail_in_place(c, case, changed, diagnosis, out, expected)
    fail_if_changed(c, inputs, case, hint=in_place_hint)
    return out


def _fail_in_place(c: Checker, case: str, changed: str, diagnosis: "Diagnosis", out: Any, expected: Any) -> None:
    """Fail naming the catalogued in-place change of ``changed`` (if there is one), with what the values show."""
    __tracebackhide__ = True
    in_place = next((ch for ch in diagnosis.catalogue.changes if ch.key == "in place" and ch.value == changed), None)
    if in_place is None:
        return
    found = None
    if isinstance(out, np.ndarray) and isinstance(expected, np.ndarray) and out.shape == expected.shape and \
            out.dtype.kind == "f" and not agree(out, expected):
        found = diagnosis.found  # what the values show besides
    if found is not None and len(found.changes) == 1:
        found = Explanation((in_place, *found.changes), found.settings, found.fitted, found.gap)
    else:
        found = Explanation((in_place,), diagnosis.catalogue.settings([in_place]), {}, 0.0)
    text = (f"your function changed its input {changed} in place (received it modified after the call, expected it "
            f"unchanged).")
    c.fail("\n".join([text, *found.lines()]), case, hint=found.hint())


def fail_named(c: Checker, case: str, problem: str, named: Sequence[Mistake], hint: str = "") -> None:
    """Fail with ``problem`` and the catalogued mistakes a structural check found (the exercises whose answers
    are judged by properties, not values: mini-batches, the training step): one, two at once, or an honest
    statement that none is catalogued."""
    __tracebackhide__ = True
    named = list(named)[:2]
    if len(named) == 1:
        c.fail(f"{problem}\n{named[0].line()}", case, hint=named[0].hint)
    if len(named) == 2:
        parts = "; ".join(f"({k}) {m.name}" for k, m in enumerate(named, 1))
        hints = " ".join(f"({k}) {m.hint}" for k, m in enumerate(named, 1))
        c.fail(f"{problem}\n  This matches two classic mistakes at once: {parts}.", case, hint=hints)
    c.fail(f"{problem}\n  No catalogued mistake reproduces what your function does.", case, hint=hint)


# --- diagnosis of one failing case -------------------------------------------------------------------------


def raised(exc: BaseException) -> tuple:
    """An error as an output of a trial: a mistake that raises the same error on a case reproduces it."""
    return ("raised", type(exc).__name__, str(exc))


def call_trial(name: str, args: tuple, pick: Callable[[Any], Any] = lambda out: out) -> Trial:
    """A trial that calls ``fn(*args)`` once, on deep copies (a mistake or a learner may change its inputs), and
    yields ``pick(output)``: a whole tuple ``(loss, dw, db)`` is one output, compared entry by entry. An error
    is an output too (:func:`raised`)."""
    frozen = copy.deepcopy(args)  # as they are now: the learner may still change the checker's own arrays

    def run(fn):
        try:
            out = fn(*copy.deepcopy(frozen))
        except Exception as exc:  # noqa: BLE001 - the error is the evidence
            yield raised(exc)
            return
        yield pick(out)
    return Trial(name, run)


class Diagnosis:
    """The diagnosis of one failing case, run once, on demand: ``failing`` is the case as a trial and
    ``outputs`` what the learner returned there; ``trials`` are the other cases (the learner's outputs on
    them join the evidence, so an explanation must reproduce every case); ``probe(c, evidence)`` returns
    findings (its trials join the evidence too)."""

    def __init__(self, c: Checker, catalogue: Catalogue, failing: Trial, outputs: Sequence[Any] = (),
                 trials: Sequence[Trial] = (), probe: Callable[[Checker, Evidence], list] | None = None):
        self.c, self.catalogue, self.failing, self.outputs = c, catalogue, failing, list(outputs)
        self.trials, self.probe = list(trials), probe
        self._result = None

    def record(self, outputs: Sequence[Any]) -> None:
        """The learner's outputs on the failing case (when they were not known at construction)."""
        self.outputs, self._result = list(outputs), None

    def _run(self):
        if self._result is None:
            evidence = Evidence()
            evidence.add(self.failing, self.outputs)
            for trial in self.trials:
                evidence.observe(self.c, trial)
            findings = self.probe(self.c, evidence) if self.probe is not None else []
            self._result = (explain(self.catalogue, evidence, allowed=allowed_by(findings)), findings)
        return self._result

    @property
    def found(self):
        return self._run()[0]

    def report(self) -> tuple[list, str]:
        """``(lines, hint)`` for ``Checker.close``: the explanation, or what the probes found."""
        return report(*self._run())

    def explained(self) -> tuple[list, str] | None:
        """``(lines, hint)`` when an explanation was found, else None (for shape and finiteness failures, which
        have their own generic messages)."""
        found, _ = self._run()
        return None if found is None else (found.lines(), found.hint())


def _bitwise(a: Any, b: Any) -> bool:
    """Outputs equal to the last bit (tuples entry by entry): an argument that changes nothing at all."""
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_bitwise(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.shape == b.shape and a.dtype.kind == b.dtype.kind and _identical(a, b)
    try:
        return type(a) is type(b) and (a == b or (a != a and b != b))
    except Exception:  # noqa: BLE001 - values that cannot be compared are not "the same"
        return False


def argument_probe(c: Checker, evidence: Evidence, make_trial: Callable[[dict], Trial], base: dict,
                   alternatives: dict, reference: Callable, how: dict | None = None) -> list[Finding]:
    """For each argument of ``alternatives``, run the learner on ``make_trial({**base, name: alternative})``:
    when its output is bit-for-bit the one on ``make_trial(base)`` while the reference's changes, the function
    ignores that argument. ``how[name]`` says in words what was changed ("w scaled by 2"). The trials join
    ``evidence``; findings ``ignores:<name>`` (with a message) or ``uses:<name>`` (silent)."""
    how = how or {}
    findings = []
    base_trial = make_trial(dict(base))
    mine = evidence.observe(c, base_trial)
    theirs_base = list(base_trial.run(reference))
    for name, alternative in alternatives.items():
        trial = make_trial({**base, name: alternative})
        got = evidence.observe(c, trial)
        if not mine or not got:
            continue
        if _bitwise(mine[0], got[0]) and not _bitwise(theirs_base[0], next(trial.run(reference))):
            change = how.get(name, f"{name} changed")
            findings.append(Finding(
                f"your function ignores {name}: with only {name} changed ({change}) it returned exactly the same",
                hint=f"use the argument {name} the function receives (not a global variable or a number written "
                     f"in the code).", key=f"ignores:{name}"))
        else:
            findings.append(Finding("", key=f"uses:{name}"))
    return findings


def _is_raised(out: Any) -> bool:
    return isinstance(out, tuple) and len(out) == 3 and isinstance(out[0], str) and out[0] == "raised"


def _scaled(out: Any, factor: float) -> Any:
    if isinstance(out, (tuple, list)):
        return tuple(_scaled(v, factor) for v in out)
    try:
        return np.asarray(out, dtype=float) * factor
    except (TypeError, ValueError):
        return None


def relation_probe(c: Checker, evidence: Evidence, base: Trial, changed: Trial, factor: float, text: str,
                   key: str) -> list[Finding]:
    """A property every correct answer has: the learner's output on ``changed`` must be ``factor`` times its
    output on ``base`` (2 for a backward pass when dout doubles: it is linear in dout; 1 for softmax when a
    row's scores are shifted by one constant). A finding ``text`` when it is not; the trials join ``evidence``."""
    mine, theirs = evidence.observe(c, base), evidence.observe(c, changed)
    if not mine or not theirs or _is_raised(mine[0]) or _is_raised(theirs[0]):
        return []
    expected = _scaled(mine[0], factor)
    if expected is None or same(expected, theirs[0]):
        return [Finding("", key=f"holds:{key}")]
    return [Finding(text, key=key)]


# --- the checks of one returned value ----------------------------------------------------------------------


def shape_hint(got: tuple, want: tuple, sizes: dict | None = None) -> str:
    """Where a wrong shape comes from, given the sizes of the case (``{"N": 6, "D": 3}``): a missing sum over
    the examples, a column broadcast against a row, keepdims left on, a transpose."""
    got, want, sizes = tuple(got), tuple(want), sizes or {}
    N = sizes.get("N")
    if N is not None and N > 1:
        if len(got) >= 2 and got[-2:] == (N, N) and got[:-2] == want[:-1] and N not in want[-1:]:
            return (f"an (N, N) = {got[-2:]} array comes from broadcasting an (N, 1) column against an (N,) row "
                    f"(for example y_hat of shape (N, 1) minus y of shape (N,)): keep both 1-D. Summing it into the "
                    f"expected shape would hide that wrong product.")
        if got == want + (N,) or got == (N,) + want:
            return (f"there is an axis of size N = {N} too many: either the sum over the examples is missing, or "
                    f"an (N, 1) column met an (N,) row somewhere (y_hat of shape (N, 1) minus y of shape (N,) is an "
                    f"(N, N) matrix). Print the shapes of your intermediate results: reducing this one to the "
                    f"expected shape would hide a wrong product.")
    if len(got) == len(want) + 1 and 1 in got and tuple(d for d in got if d != 1) == tuple(d for d in want if d != 1):
        return "an axis of size 1 is left over (keepdims=True, or a (1, M) bias): reduce without keepdims."
    return _shape_hint(got, want)


def _explained_or(c: Checker, diagnosis: Diagnosis | None, problem: str, case: str) -> None:
    """Fail with ``problem`` and the explanation, when the diagnosis finds one."""
    __tracebackhide__ = True
    if diagnosis is None:
        return
    explained = diagnosis.explained()
    if explained is not None:
        lines, hint = explained
        c.fail("\n".join([problem, *lines]), case, hint=hint)


def as_array(c: Checker, value: Any, what: str, *, expected: np.ndarray, case: str,
             diagnosis: Diagnosis | None = None, sizes: dict | None = None) -> np.ndarray:
    """Structure, shape, dtype and finiteness of one returned array: ``value`` must be a float64 array of
    ``expected``'s shape with finite entries (a wrong shape or a NaN that the diagnosis explains is named)."""
    __tracebackhide__ = True
    if isinstance(value, (np.ndarray, np.floating, float)) and np.asarray(value).dtype.kind == "f":
        arr = np.asarray(value)
        if arr.shape != expected.shape:
            problem = f"{what} has shape {tuple(arr.shape)}, expected shape {tuple(expected.shape)}."
            _explained_or(c, diagnosis, problem, case)
            if arr.ndim > 0 or expected.ndim == 0:
                c.fail(problem, case, hint=shape_hint(arr.shape, expected.shape, sizes))
        elif (bad := first_nonfinite(arr)) is not None:
            at = f" at index {bad[0]}" if arr.ndim else ""
            _explained_or(c, diagnosis, f"{what} contains {bad[1]}{at}, expected finite numbers (received "
                                        f"{format_array(arr)}; expected {format_array(expected)}).", case)
    arr = c.array(value, what, like=expected, case=case)
    if arr.dtype != np.float64:
        c.fail(f"{what} has dtype {arr.dtype}, expected float64.", case,
               hint="compute in float64: no .astype(np.float32), no complex numbers.")
    return arr


def as_scalar(c: Checker, value: Any, what: str, *, case: str, diagnosis: Diagnosis | None = None,
              expected: float | None = None, sizes: dict | None = None) -> float:
    """Structure and finiteness of one returned number: a float, a numpy float or a 0-d array, finite.
    ``expected`` is only shown in the message when the diagnosis explains a NaN."""
    __tracebackhide__ = True
    if isinstance(value, bool) or value is None or isinstance(value, (complex, np.complexfloating)):
        c.fail(f"{what} is {describe(value)}, expected a float.", case,
               hint="did you forget a `return`?" if value is None else "return a real number.")
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            problem = f"{what} is {describe(value)}, expected a single float."
            if value.dtype.kind == "f":
                _explained_or(c, diagnosis, problem, case)
            if value.size == 1:
                hint = "use float(...) on the one-element result (or index its single entry)."
            else:
                hint = shape_hint(value.shape, (), sizes)
                if hint == _shape_hint(value.shape, ()):
                    hint = (f"find which operation made an array of shape {tuple(value.shape)} (print the .shape of "
                            f"each intermediate result): summing it into one number would hide the mistake that "
                            f"made it.")
            c.fail(problem, case, hint=hint)
        value = value.item()
    if isinstance(value, (list, tuple, dict)):
        c.fail(f"{what} is {describe(value)}, expected a single float.", case,
               hint="return one number, not a collection.")
    if not isinstance(value, (int, float, np.integer, np.floating)):
        c.fail(f"{what} is {describe(value)}, expected a float.", case)
    number = float(value)
    if not math.isfinite(number):
        shown = "" if expected is None else f" (expected {float(expected)!r})"
        kind = "NaN" if number != number else "inf" if number > 0 else "-inf"
        _explained_or(c, diagnosis, f"{what} contains {kind}, expected a finite number{shown}.", case)
        c.fail(f"{what} is {number!r}, expected a finite number.", case,
               hint="look for a division by zero, a log of 0, or an exp that overflows.")
    return number


def compare(c: Checker, received: Any, expected: Any, what: str, *, case: str, diagnosis: Diagnosis | None = None,
            source: str = "", rtol: float = RTOL, atol: float = ATOL, hint: str = "") -> None:
    """Values against the reference (arrays, or floats as 0-d arrays); on a mismatch the diagnosis says which
    mistake (or variant, or pair) reproduces the learner's numbers, or what its probes found."""
    __tracebackhide__ = True
    received = received if isinstance(received, np.ndarray) else np.array(float(received))
    expected = expected if isinstance(expected, np.ndarray) else np.array(float(expected))
    c.close(received, expected, what, case=case, source=source, rtol=rtol, atol=atol, hint=hint,
            diagnose=None if diagnosis is None else diagnosis.report)


def check_array(c: Checker, value: Any, what: str, *, expected: np.ndarray, case: str,
                diagnosis: Diagnosis | None = None, source: str = "", rtol: float = RTOL, atol: float = ATOL,
                hint: str = "", sizes: dict | None = None) -> np.ndarray:
    """``value`` must be a float64 array of ``expected``'s shape, finite, equal to ``expected``."""
    __tracebackhide__ = True
    arr = as_array(c, value, what, expected=expected, case=case, diagnosis=diagnosis, sizes=sizes)
    compare(c, arr, expected, what, case=case, diagnosis=diagnosis, source=source, rtol=rtol, atol=atol, hint=hint)
    return arr


def check_scalar(c: Checker, value: Any, what: str, *, expected: float, case: str,
                 diagnosis: Diagnosis | None = None, source: str = "", rtol: float = RTOL, atol: float = ATOL,
                 hint: str = "", sizes: dict | None = None) -> float:
    """``value`` must be one real number (a float, a numpy float or a 0-d array) equal to ``expected``."""
    __tracebackhide__ = True
    number = as_scalar(c, value, what, case=case, diagnosis=diagnosis, expected=expected, sizes=sizes)
    compare(c, number, expected, what, case=case, diagnosis=diagnosis, source=source, rtol=rtol, atol=atol,
            hint=hint)
    return number


def unpack(c: Checker, out: Any, names: tuple, case: str) -> tuple:
    """``out`` must be a tuple (or list) of ``len(names)`` values, e.g. ``(dx, dw, db)``."""
    __tracebackhide__ = True
    text = "(" + ", ".join(names) + ")"
    return c.unpack(out, len(names), text, case=case)

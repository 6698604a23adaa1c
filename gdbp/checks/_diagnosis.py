"""Diagnosis after a failed check: which mistake, or which published variant, reproduces the learner's numbers.

It runs only after a check has failed (a passing answer never pays for it) and it looks only at what the
learner's function *returns* (never at its source or code object: under the grader the function may be a
proxy to another process), calling it a few dozen times at most. Four parts, shared by every checker:

1. **Evidence** (:class:`Trial`, :class:`Evidence`). A trial is one deterministic run, written once for the
   reference, the learner and every hypothesis alike: ``run(fn)`` is a generator that calls ``fn`` on fixed
   inputs (copies) and yields its outputs one by one (an optimizer's parameter after each step; one gradient).
   ``Evidence.observe(checker, trial)`` runs it on the learner, each step through ``Checker.invoke``, stopping
   quietly at the first error; ``Evidence.add`` records outputs the checker already has (the failing case).

2. **The catalogue** (:class:`Change`, :class:`Catalogue`). A change is one way an answer can differ from the
   reference: a classic *mistake* or a published *variant* (PyTorch's placement of eps, Kingma & Ba's
   "efficient" Adam), possibly with free *constants* (an eps written in the code) and the values to fit them
   from. An exercise's catalogue is a family ``build(settings) -> fn``: ``settings`` says, key by key, how
   the function is written; the reference is ``build(base)`` and a change sets one key (``key=value``), or
   wraps the built function (``wrap``: the function ignores a keyword, forgets its state, steps uphill).
   Changes with different ``group``s combine, so that pairs (two mistakes at once) come for free.
   ``Catalogue.mistakes()`` is the list of :class:`gdbp.checks._core.Mistake` (one per change, at its
   catalogued constants) that tests use as mutants.

3. **The search** (:func:`explain`). Hypotheses are tried by levels of complexity: every change alone at its
   catalogued constants; alone with its constants fitted (each value of its grid); every pair of changes; pairs
   with fitted constants. A hypothesis explains the learner when it reproduces *every* recorded output of
   every trial (``_core.agree``: 1e-7 relative, NaN with NaN, an infinity only with the same infinity); the
   first level with an explanation wins, and within it the closest one (ties: catalogue order). The work is
   bounded by a count of hypothesis outputs (``budget``), not by a clock, so the result never depends on
   the machine: the same answer gets the same message, always.

4. **Probes** (:class:`Finding`, :func:`keyword_probe`). A probe calls the learner's function a few times to
   isolate one property, and states a finding that can name a cause on its own: "your function ignores
   eps: changing only eps from 1e-07 to 1e-05 left every output unchanged". A probe's trials join the
   evidence (an explanation must reproduce them too), and its findings prune the search (a keyword the
   function does respond to is not tried as ignored).

:func:`report` turns the outcome into the lines of the failure message and its hint: the most specific
explanation ("This matches a classic mistake: ...", "This is a published variant, not the exercise's form:
... The difference matters ...", "two differences at once: (1) ...; (2) ..."), or, when nothing in the
catalogue fits, an honest "no catalogued mistake reproduces your numbers" followed by what the probes did
find. A checker hands ``lambda: report(...)`` to ``Checker.close(diagnose=...)``.

Typical use in a checker::

    CATALOGUE = Catalogue("adam", build=_adam_family, base={"eps": "outside", ...}, changes=(
        Change("eps", "inside", "eps inside the square root", hint="..."),
        Change("eps", "raw", "Kingma & Ba's efficient form ...", kind="variant", note="..."),
        *ignored_keywords({"eps": EPS_LITERALS, "beta1": BETA_LITERALS}),
    ))
    MISTAKES = {"adam": CATALOGUE.mistakes()}

    def diagnose():
        evidence = Evidence()
        evidence.add(failing_trial, learner_outputs_so_far)
        evidence.observe(c, Trial("20 steps", run_20_steps))
        findings = keyword_probe(c, evidence, make_trial, base_kwargs, alternatives, reference)
        found = explain(CATALOGUE, evidence, allowed=allowed_by(findings))
        return report(found, findings)

    c.close(received, expected, "new_param", case=..., diagnose=diagnose)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from gdbp.checks._core import _SNAPSHOT, Checker, Mistake, agree, distance, first_difference

__all__ = [
    "Catalogue", "Change", "Evidence", "Explanation", "Finding", "Trial",
    "allowed_by", "explain", "ignored_keywords", "keyword_probe", "report", "same",
    "EPS_LITERALS", "LR_LITERALS", "DECAY_LITERALS", "BUDGET",
]

# Literals people write in their code for each kind of hyperparameter, most common first (from course
# solutions, textbooks and library defaults: 1e-8 Adam/CS231n, 1e-7 Keras, 1e-10 torch Adagrad, 1e-6
# Adadelta, 1e-12 / 1e-16 "tiny").
EPS_LITERALS = (1e-8, 1e-7, 1e-6, 1e-10, 1e-12, 1e-5, 1e-9, 1e-4, 1e-16, 1e-15, 1e-3, 1e-11, 1e-14, 1e-13, 0.0)
LR_LITERALS = (0.01, 0.001, 0.1, 0.002, 1e-4, 0.005, 0.05, 0.02, 0.2, 0.5, 1.0, 0.003, 3e-4)
DECAY_LITERALS = (0.9, 0.999, 0.99, 0.95, 0.8, 0.5, 0.0, 0.9999, 0.98, 0.7)

# The search's budget: the number of hypothesis outputs it may compute (an optimizer step or one gradient of
# a catalogue function each). About 20,000 optimizer steps of the catalogue's numpy code take ~0.2 s here.
BUDGET = 20_000


# =========================================================================================================
# Evidence
# =========================================================================================================


def same(a: Any, b: Any) -> bool:
    """Whether two outputs agree: arrays (and numbers, as 0-d arrays) by ``_core.agree``; tuples and lists
    entry by entry; anything else by ``==``."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            a = a if isinstance(a, np.ndarray) else _SNAPSHOT["array"](a, dtype=float)
            b = b if isinstance(b, np.ndarray) else _SNAPSHOT["array"](b, dtype=float)
        except (TypeError, ValueError):
            return False
        return agree(a, b)
    if isinstance(a, (int, float, np.integer, np.floating)) and isinstance(b, (int, float, np.integer, np.floating)):
        if isinstance(a, bool) != isinstance(b, bool):
            return False
        return agree(_SNAPSHOT["array"](float(a)), _SNAPSHOT["array"](float(b)))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - an object that cannot be compared agrees with nothing
        return False


def _gap(a: Any, b: Any) -> float:
    """How far apart two agreeing outputs are (0 for non-arrays): ties between explanations go to the closest."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape:
        return distance(a, b)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return max((_gap(x, y) for x, y in zip(a, b)), default=0.0)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a == a and b == b:
        return abs(float(a) - float(b)) if a != b else 0.0
    return 0.0


@dataclass(frozen=True)
class Trial:
    """One deterministic run: ``run(fn)`` yields ``fn``'s outputs one by one. It must give ``fn`` copies of
    its input arrays (a mistake or a learner may change them in place) and may raise at any step (the
    run then ends there). ``name`` appears in findings."""

    name: str
    run: Callable[[Callable], Iterator[Any]]


class Evidence:
    """The learner's recorded outputs, trial by trial (in the order the search compares them: put the most
    telling trial first, the failing case, so that most hypotheses are rejected after one output)."""

    def __init__(self) -> None:
        self.items: list[tuple[Trial, list]] = []

    def add(self, trial: Trial, outputs: Sequence[Any]) -> None:
        """Record outputs of the learner on ``trial`` that the checker already has."""
        self.items.append((trial, list(outputs)))

    def observe(self, c: Checker, trial: Trial, subject: Any = None) -> list:
        """Run ``trial`` on the learner (``subject``, default ``c.fn``), each step through ``c.attempt_thunk``
        (``c.invoke`` with the quiet time limit); stop quietly at the first error or timeout (StopIteration
        included: the end of the trial). Records and returns the outputs."""
        outputs: list = []
        steps = trial.run(c.fn if subject is None else subject)
        while True:
            attempt = c.attempt_thunk(lambda: next(steps))  # the learner's run ends at its first error
            if not attempt.ok:
                break
            outputs.append(attempt.value)
        self.items.append((trial, outputs))
        return outputs

    @property
    def size(self) -> int:
        return sum(len(outputs) for _, outputs in self.items)


class _Budget:
    def __init__(self, n: int):
        self.left = n

    def spend(self) -> bool:
        self.left -= 1
        return self.left >= 0


def _replays(fn: Callable, evidence: Evidence, budget: _Budget) -> float | None:
    """The largest gap if ``fn`` reproduces every recorded output, else None (also when out of budget)."""
    worst = 0.0
    with _SNAPSHOT["errstate"](all="ignore"):
        for trial, observed in evidence.items:
            if not observed:
                continue
            steps = trial.run(fn)
            for want in observed:
                if not budget.spend():
                    return None
                try:
                    got = next(steps)
                except Exception:  # noqa: BLE001 - a hypothesis that cannot run here explains nothing
                    return None
                if not same(want, got):
                    return None
                worst = max(worst, _gap(want, got))
            steps.close()
    return worst


# =========================================================================================================
# The catalogue
# =========================================================================================================


@dataclass(frozen=True)
class Change:
    """One way an answer can differ from the reference.

    ``key``/``value``: the setting of the family this change makes (``settings[key] = value``); or ``wrap``:
    ``wrap(fn, settings) -> fn`` transforms the built function (for changes outside the family's code, like
    "ignores eps"). ``group``: changes of one group exclude each other (default: ``key``). ``name``,
    ``hint`` and ``note`` are ``str.format`` templates over the settings (so a fitted constant shows:
    "eps added to u (eps = {adamax_eps:g})"). ``constants``: settings keys of free constants with the values to
    fit them from, the catalogued value first. ``kind``: "mistake" or "variant" (a published form); for a
    variant, ``note`` says whose form it is and whether the difference matters here. ``pairs``: whether it
    may be combined with another change.
    """

    key: str
    value: Any
    name: str | Callable[[Mapping[str, Any]], str]
    hint: str | Callable[[Mapping[str, Any]], str]
    kind: str = "mistake"
    note: str | Callable[[Mapping[str, Any]], str] = ""
    constants: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    wrap: Callable[[Callable, Mapping[str, Any]], Callable] | None = None
    group: str = ""
    pairs: bool = True

    @property
    def group_key(self) -> str:
        return self.group or self.key

    def text(self, template: str | Callable[[Mapping[str, Any]], str], settings: Mapping[str, Any]) -> str:
        """A name, hint or note for these settings: a ``str.format`` template, or a function of the settings
        (wording that depends on a fitted value)."""
        if callable(template):
            return template(settings)
        try:
            return template.format(**settings)
        except (KeyError, IndexError, ValueError):
            return template


# Every catalogue made: ``build(base)`` rewrites the reference, so gdbp.checks._watch treats the code of
# ``build`` and of the changes' ``wrap`` as reference code (a learner may not borrow it either).
ALL_CATALOGUES: list = []


@dataclass(frozen=True)
class Catalogue:
    """An exercise's family of implementations: ``build(settings)`` returns a function with the exercise's
    call contract; ``build(base)`` is the reference's way of writing it, and each change departs from it."""

    exercise: str
    build: Callable[[Mapping[str, Any]], Callable]
    changes: tuple[Change, ...]
    base: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        ALL_CATALOGUES.append(self)  # the reference watch counts their code as the reference's

    def settings(self, changes: Iterable[Change], constants: Mapping[str, Any] | None = None) -> dict:
        s = dict(self.base)
        for ch in changes:
            if ch.wrap is None:
                s[ch.key] = ch.value
            for k, grid in ch.constants.items():
                s.setdefault(k, grid[0])
        for k, v in (constants or {}).items():
            s[k] = v
        return s

    def function(self, changes: Sequence[Change], constants: Mapping[str, Any] | None = None) -> Callable:
        """The function that has exactly these changes (and these values of their constants)."""
        s = self.settings(changes, constants)
        fn = self.build(s)
        for ch in changes:
            if ch.wrap is not None:
                fn = ch.wrap(fn, s)
        return fn

    def mistakes(self) -> list[Mistake]:
        """One :class:`Mistake` per change, at its catalogued constants (names as in failure messages)."""
        out = []
        for ch in self.changes:
            s = self.settings([ch])
            fn = self.function([ch])
            fn.__name__ = f"{self.exercise}_{ch.key}_{ch.value}".replace(" ", "_")
            out.append(Mistake(ch.text(ch.name, s), fn, ch.text(ch.hint, s), ch.kind, ch.text(ch.note, s)))
        return out

    def change(self, key: str, value: Any = None) -> Change:
        """The change with this key (and value)."""
        for ch in self.changes:
            if ch.key == key and (value is None or ch.value == value):
                return ch
        raise KeyError((key, value))


def ignored_keywords(literals: Mapping[str, Sequence[Any]], *, exercise_default: Mapping[str, Any] = None,
                     pairs: bool = True) -> list[Change]:
    """Changes "your function ignores ``keyword``": whatever value it is passed, it uses one written in its
    code, fitted from ``literals[keyword]`` (the catalogued literal is ``exercise_default[keyword]`` when
    given, else the first of the literals)."""
    out = []
    for keyword, grid in literals.items():
        grid = tuple(grid)
        if exercise_default and keyword in exercise_default:
            first = exercise_default[keyword]
            grid = (first,) + tuple(v for v in grid if v != first)
        const = f"ignored_{keyword}"

        def wrap(fn, settings, keyword=keyword, const=const):
            value = settings[const]

            def ignoring(*args, **kwargs):
                kwargs[keyword] = value
                return fn(*args, **kwargs)

            return ignoring

        out.append(Change(
            key=f"ignores_{keyword}", value=True, wrap=wrap, constants={const: grid}, pairs=pairs,
            name=f"your function ignores {keyword} (it uses {keyword} = {{{const}!r}}, whatever value it is passed)",
            hint=(f"use the {keyword} passed to the function, not a number written in the code (nor a default of "
                  f"your own); the checker passes other values than the default."),
        ))
    return out


# =========================================================================================================
# The search
# =========================================================================================================


@dataclass(frozen=True)
class Explanation:
    """A hypothesis that reproduces every recorded output: its changes, the settings they were built with,
    the constants that were fitted (those that differ from the catalogued values) and its largest gap."""

    changes: tuple[Change, ...]
    settings: Mapping[str, Any]
    fitted: Mapping[str, Any]
    gap: float

    def _named(self, ch: Change) -> str:
        text = ch.text(ch.name, self.settings)
        extra = [f"{k.split('_', 1)[-1] if k.startswith('ignored_') else k} = {v!r}" for k, v in self.fitted.items()
                 if k in ch.constants and not callable(ch.name) and ("{" + k) not in ch.name]
        return text + (f" (with {', '.join(extra)})" if extra else "")

    def lines(self) -> list[str]:
        """The sentences of the failure message."""
        if len(self.changes) == 1:
            ch = self.changes[0]
            fitted = [k for k in self.fitted if k in ch.constants]
            if ch.kind == "variant":
                note = ch.text(ch.note, self.settings)
                return [f"  This is a published variant, not the exercise's form: {self._named(ch)}."
                        + (f" {note}" if note else "")]
            head = "This matches a classic mistake" + (
                " with another constant" if fitted and not callable(ch.name) and "{" not in ch.name else "")
            return [f"  {head}: {self._named(ch)}."]
        kinds = {ch.kind for ch in self.changes}
        head = ("two classic mistakes at once" if kinds == {"mistake"} else
                "two published variants at once" if kinds == {"variant"} else
                "a published variant and a classic mistake at once")
        parts = "; ".join(f"({i}) {self._named(ch)}" for i, ch in enumerate(self.changes, 1))
        lines = [f"  This matches {head}: {parts}."]
        for ch in self.changes:
            if ch.kind == "variant" and ch.note:
                lines.append(f"  ({self.changes.index(ch) + 1}) {ch.text(ch.note, self.settings)}")
        return lines

    def hint(self) -> str:
        hints = [ch.text(ch.hint, self.settings) for ch in self.changes]
        if len(hints) == 1:
            return hints[0]
        return " ".join(f"({i}) {h}" for i, h in enumerate(hints, 1))


def _constant_grid(changes: Sequence[Change], limit: int) -> Iterator[dict]:
    """Every combination of the changes' constants except the all-catalogued one, at most ``limit``,
    combinations that change fewer constants first."""
    keys = []
    for ch in changes:
        for k, grid in ch.constants.items():
            if k not in (key for key, _ in keys):
                keys.append((k, tuple(grid)))
    if not keys:
        return
    n = 0
    for r in range(1, len(keys) + 1):
        for chosen in itertools.combinations(range(len(keys)), r):
            pools = [keys[i][1][1:] for i in chosen]
            for values in itertools.product(*pools):
                yield {keys[i][0]: v for i, v in zip(chosen, values)}
                n += 1
                if n >= limit:
                    return


def explain(catalogue: Catalogue, evidence: Evidence, *, allowed: Callable[[Change], bool] | None = None,
            budget: int = BUDGET, pairs: bool = True) -> Explanation | None:
    """The most specific hypothesis of ``catalogue`` that reproduces all of ``evidence`` (see the module
    docstring), or None."""
    if not evidence.size:
        return None
    money = _Budget(budget)
    changes = [ch for ch in catalogue.changes if allowed is None or allowed(ch)]
    singles = [(ch,) for ch in changes]
    couples = [(a, b) for a, b in itertools.combinations(changes, 2)
               if a.pairs and b.pairs and a.group_key != b.group_key] if pairs else []

    def level(hypotheses: Iterable[tuple[tuple[Change, ...], dict]]) -> Explanation | None:
        best = None
        for combo, constants in hypotheses:
            try:
                fn = catalogue.function(combo, constants)
            except Exception:  # noqa: BLE001 - a combination the family cannot build explains nothing
                continue
            gap = _replays(fn, evidence, money)
            if gap is not None and (best is None or gap < best.gap):
                best = Explanation(combo, catalogue.settings(combo, constants), dict(constants), gap)
            if money.left <= 0:
                break
        return best

    levels = [
        lambda: ((combo, {}) for combo in singles),
        lambda: ((combo, k) for combo in singles for k in _constant_grid(combo, 64)),
        lambda: ((combo, {}) for combo in couples),
        lambda: ((combo, k) for combo in couples for k in _constant_grid(combo, 24)),
    ]
    for make in levels:
        found = level(make())
        if found is not None or money.left <= 0:
            return found
    return None


# =========================================================================================================
# Probes
# =========================================================================================================


@dataclass(frozen=True)
class Finding:
    """A property of the learner's function that a probe isolated, as one sentence; ``hint`` when it names
    a cause on its own; ``key`` for the search (e.g. ``"ignores:eps"``, ``"uses:eps"``)."""

    text: str
    hint: str = ""
    key: str = ""


def _identical(a: Sequence[Any], b: Sequence[Any]) -> bool:
    """Bit-for-bit equal outputs (a keyword that changes nothing at all)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if isinstance(x, np.ndarray) and isinstance(y, np.ndarray):
            if x.shape != y.shape or first_difference(x, y, 0.0, 0.0) is not None:
                return False
        elif not same(x, y):
            return False
    return True


def keyword_probe(c: Checker, evidence: Evidence, make_trial: Callable[[dict], Trial], base: dict,
                  alternatives: Mapping[str, Any], reference: Callable) -> list[Finding]:
    """For each keyword, run the learner on ``make_trial({**base, keyword: alternative})``: if its outputs
    are bit-for-bit those of ``make_trial(base)`` while the reference's change, it ignores that keyword.
    The trials join ``evidence``; findings ``ignores:<kw>`` (with a message) or ``uses:<kw>`` (silent)."""
    findings = []
    base_trial = make_trial(dict(base))
    mine = evidence.observe(c, base_trial)
    ref_base = _outputs(reference, base_trial)
    for keyword, alternative in alternatives.items():
        trial = make_trial({**base, keyword: alternative})
        theirs = evidence.observe(c, trial)
        if not mine or len(theirs) != len(mine):
            continue
        if _identical(mine, theirs) and not _identical(ref_base, _outputs(reference, trial)):
            findings.append(Finding(
                f"your function ignores {keyword}: changing only {keyword} (from {base[keyword]!r} to "
                f"{alternative!r}) left every output unchanged ({trial.name}).",
                hint=f"use the {keyword} passed to the function, not a number written in the code.",
                key=f"ignores:{keyword}"))
        else:
            findings.append(Finding("", key=f"uses:{keyword}"))
    return findings


def _outputs(fn: Callable, trial: Trial) -> list:
    out = []
    with _SNAPSHOT["errstate"](all="ignore"):
        try:
            for value in trial.run(fn):
                out.append(value)
        except Exception:  # noqa: BLE001 - the reference does not raise on the probes; be safe anyway
            pass
    return out


def allowed_by(findings: Iterable[Finding]) -> Callable[[Change], bool]:
    """A filter for :func:`explain`: "ignores <kw>" changes only for keywords a probe found ignored (when
    the keyword was probed at all)."""
    keys = {f.key for f in findings}

    def allowed(ch: Change) -> bool:
        if ch.key.startswith("ignores_"):
            keyword = ch.key[len("ignores_"):]
            if f"uses:{keyword}" in keys:
                return False
        return True

    return allowed


# =========================================================================================================
# The report
# =========================================================================================================


def report(found: Explanation | None, findings: Iterable[Finding] = (), *, fallback_hint: str = "",
           probes: str = "") -> tuple[list[str], str]:
    """``(lines, hint)`` for ``Checker.close``: the explanation if there is one; else an honest statement
    that nothing in the catalogue fits, with what the probes found (``probes``: what they tested, said when
    they found nothing)."""
    if found is not None:
        return found.lines(), found.hint()
    said = [f for f in findings if f.text]
    lines = ["  No catalogued mistake or published variant reproduces your numbers (alone or two at once)."]
    if said:
        lines.append("  What the probes found:")
        lines.extend(f"  - {f.text}" for f in said)
    elif probes:
        lines.append(f"  The probes found nothing unusual ({probes}).")
    hint = next((f.hint for f in said if f.hint), "") or fallback_hint
    return lines, hint

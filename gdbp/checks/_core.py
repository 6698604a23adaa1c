"""The checker framework: run a learner's function safely, compare, and explain.

Every course exercise has a checker ``gdbp.checks.check_<exercise>(learner_fn)``. A checker walks a fixed
order of named checks and stops at the first failure with an ``AssertionError`` (``CheckFailed``) whose
message names the exercise and the case, shows what was received and what was expected (shape, first
differing index, values) and gives a hint; where the learner's output matches a catalogued classic mistake,
the message names that mistake. On success it prints one line, ``<exercise>: all N cases passed``.

The order of checks::

    callable -> accepts the documented arguments -> returns the documented structure and types -> shapes
    -> finite values -> values against the reference (fixed-seed cases and edge cases) -> inputs not mutated
    -> state carried over many steps

A checker is written with one :class:`Checker` object::

    c = Checker("adam", adam)
    c.require_callable()
    c.require_parameters("param", "grad", "state", "lr", "beta1", "beta2", "eps")
    out = c.call("first step", param, grad, None, lr=0.1)          # safe, timed, mutation-checked
    new_param, new_state = c.unpack(out, 2, "(new_param, new_state)", case="first step")
    new_param = c.array(new_param, "new_param", like=expected, case="first step")
    c.close(new_param, expected, "new_param", case="first step", mistakes=[...])
    c.done()                                                          # prints "adam: all 3 cases passed"

Robustness against a learner's notebook: values are compared in plain Python arithmetic on ``tolist()``
output (operators on floats cannot be monkeypatched), and :func:`assert_numpy_untouched` refuses to grade
when a notebook has replaced numpy functions that the references rely on (``np.allclose = lambda *a: True``).
Warnings that a learner's code provokes are silenced during a check: nbgrader scores a cell 0 when it writes
anything to stderr.

Every call of the learner's code goes through one method, :meth:`Checker.invoke` (time limit, call count;
the place where a grader can wrap a guard around each call). On top of it: :meth:`Checker.call` (a checked
call: an error or an in-place change of an argument fails the check), :meth:`Checker.guard` (any piece of
the learner's code, e.g. a method of their class) and :meth:`Checker.attempt` (a quiet call on copies, for
probes and diagnosis: it never fails, it reports). An error raised inside the learner's code is reported with
the line of *their* code that raised (the last traceback frame outside gdbp and numpy; a notebook cell's frame
is named "your cell") and a hint that fits the error (:func:`describe_error`).

After a failed comparison, :meth:`Checker.close` runs a diagnosis (``diagnose=``, see
``gdbp.checks._diagnosis``) or matches a list of catalogued mistakes (``mistakes=``); passing checks never
run either. When received and expected values print alike at 6 significant digits, the message shows more
digits and the difference itself.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import linecache
import os
import re
import signal
import threading
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from gdbp.checks._watch import Watch
from gdbp.checks._watch import describe as describe_borrowing

__all__ = [
    "Attempt",
    "CheckFailed",
    "agree",
    "describe_error",
    "entry_point",
    "first_nonfinite",
    "Checker",
    "Mistake",
    "assert_numpy_untouched",
    "describe",
    "first_difference",
    "format_array",
    "time_limit",
]

# Default tolerances for comparing a learner's float64 result with the reference. Correct code that uses
# different but equivalent algebra differs by a few ulps per operation; after ~20 chained steps that stays
# far below 1e-9 relative. Classic mistakes differ by far more than 1e-6 in the cases the checkers choose.
RTOL = 1e-9
ATOL = 1e-12

# Tolerances for recognising a catalogued mistake: a mistake reproduces the learner's formula up to a
# different order of operations (a few ulps), and every catalogued mistake differs from the reference by far
# more than this in the cases where it is named.
MATCH_RTOL = 1e-7
MATCH_ATOL = 1e-10

# Seconds one call of a learner's function may take before it is stopped (self-paced use; nbgrader has its
# own per-cell timeout). Every reference call in the checkers takes well under 10 ms.
CALL_TIME_LIMIT = 10.0
# Seconds one quiet call (a probe, a diagnosis run) may take: a correct function takes milliseconds on them.
QUIET_TIME_LIMIT = 2.0

_ndarray = np.ndarray
_floating = np.floating
_integer = np.integer
_UFUNC = type(np.add)
_NUMPY_DIR = os.path.dirname(np.__file__)
_GDBP_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../gdbp

# numpy names that references and checkers rely on. Their identities at import time are remembered, and
# each checker refuses to run when a notebook has replaced one of them.
_GUARDED = (
    "abs", "absolute", "add", "allclose", "array", "array_equal", "asarray", "clip", "copy", "divide", "dot",
    "exp", "float64", "isclose", "isfinite", "isnan", "log", "matmul", "max", "maximum", "mean", "minimum",
    "multiply", "ndarray", "ones_like", "power", "sign", "sqrt", "square", "subtract", "sum", "tanh", "where",
    "zeros", "zeros_like", "errstate",
)
_SNAPSHOT = {name: getattr(np, name) for name in _GUARDED}


class CheckFailed(AssertionError):
    """A learner's answer failed a check. The message says what, for which case, and why."""

    def _render_traceback_(self):
        """What IPython shows for this exception: the message's lines, no traceback.

        IPython calls this instead of formatting a traceback (``InteractiveShell.showtraceback``), so a
        failed test cell shows the checker's message alone: the frames would show only gdbp's checker
        internals, and the message already names the case, the values and the mistake. Outside IPython
        (plain Python, pytest) the usual traceback is printed.
        """
        return str(self).splitlines() or [type(self).__name__]


class _Borrowed(BaseException):
    """The learner's code ran the course's reference code (see ``_watch``); ends the whole check
    (BaseException: neither the learner's ``except Exception`` nor a probe's can swallow it)."""

    def __init__(self, found):
        super().__init__(found)
        self.found = found


class _TimeUp(BaseException):
    """Raised inside a learner's function when it runs too long (BaseException: a bare ``except Exception``
    in the learner's code cannot swallow it)."""


@dataclass(frozen=True)
class Mistake:
    """A classic wrong version of an exercise.

    ``fn`` has the same call contract as the reference and reproduces the mistake exactly, so that a
    learner's output can be matched against it (and tests can use it as a mutant). ``hint`` says how to fix
    it, in one sentence addressed to the learner.

    ``kind`` is ``"mistake"`` (a wrong version) or ``"variant"`` (a published form that differs from the
    exercise's convention, e.g. PyTorch's placement of eps); ``note`` says, for a variant, whose form it is
    and when the difference shows.
    """

    name: str
    fn: Callable[..., Any]
    hint: str
    kind: str = "mistake"
    note: str = ""

    def line(self) -> str:
        """The sentence of a failure message that names this mistake (or variant)."""
        if self.kind == "variant":
            text = f"  This is a published variant, not the exercise's form: {self.name}."
            return text + (f" {self.note}" if self.note else "")
        return f"  This matches a classic mistake: {self.name}."


class Attempt:
    """The outcome of a quiet call of the learner's code (:meth:`Checker.attempt`): ``value``, or the
    ``error`` it raised (an ``Exception``, or ``TimeoutError`` when it ran out of time)."""

    __slots__ = ("value", "error")

    def __init__(self, value: Any = None, error: BaseException | None = None):
        self.value, self.error = value, error

    @property
    def ok(self) -> bool:
        return self.error is None

    def __repr__(self) -> str:
        return f"Attempt(error={self.error!r})" if self.error is not None else f"Attempt(value={self.value!r})"


def _is_pristine_numpy(name: str, obj: Any) -> bool:
    if obj is not _SNAPSHOT[name]:
        return False
    if isinstance(obj, _UFUNC):
        return obj.__name__ == name or name in ("abs",)  # np.abs is np.absolute
    code = getattr(obj, "__code__", None)
    if code is not None:  # a Python function: it must come from numpy's own files
        return code.co_filename.startswith(_NUMPY_DIR)
    return True


def assert_numpy_untouched(exercise: str) -> None:
    """Refuse to grade when numpy functions were replaced after (or before) gdbp was imported."""
    __tracebackhide__ = True
    for name in _GUARDED:
        current = getattr(np, name, None)
        if not _is_pristine_numpy(name, current):
            raise CheckFailed(
                f"{exercise}: numpy.{name} has been replaced in this notebook (received {current!r}, expected "
                f"numpy's own {name}). The checker cannot trust a modified numpy. Remove the cell that assigns "
                f"np.{name}, then restart the kernel and run all cells."
            ) from None


@contextlib.contextmanager
def time_limit(seconds: float):
    """Stop the code inside after ``seconds`` (SIGALRM, main thread only; elsewhere no limit)."""
    usable = (
        seconds
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise _TimeUp()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- describing values compactly ----------------------------------------------------------------------


def describe(value: Any) -> str:
    """A short description of any value for a message: its type, and shape/dtype for arrays."""
    if isinstance(value, _ndarray):
        return f"a numpy array of shape {tuple(value.shape)} and dtype {value.dtype}"
    if value is None:
        return "None"
    if isinstance(value, bool):
        return f"the bool {value}"
    if isinstance(value, (int, float, _integer, _floating)):
        return f"the scalar {value!r} ({type(value).__name__})"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a {type(value).__name__}"


def format_array(a: Any, limit: int = 6, digits: int = 6) -> str:
    """Up to ``limit`` values of an array, with ``digits`` significant digits."""
    if not isinstance(a, _ndarray):
        return repr(a)
    flat = a.ravel().tolist()
    shown = ", ".join(f"{v:.{digits}g}" if isinstance(v, float) else repr(v) for v in flat[:limit])
    if a.ndim == 0:
        return shown
    return "[" + shown + (", ..." if len(flat) > limit else "") + "]"


def format_pair(received: np.ndarray, expected: np.ndarray, limit: int = 6) -> tuple[str, str, str]:
    """``(received, expected, difference)`` texts for a message. With 6 significant digits when they look
    different; else with as many digits as it takes (up to 12) and ``difference`` the entries of
    ``received - expected`` (empty when the shown values already differ)."""
    r, e = format_array(received, limit), format_array(expected, limit)
    if r != e or not isinstance(received, _ndarray) or not isinstance(expected, _ndarray):
        return r, e, ""
    for digits in range(7, 13):
        r, e = format_array(received, limit, digits), format_array(expected, limit, digits)
        if r != e:
            break
    diff = ""
    if received.shape == expected.shape and received.dtype.kind in "biuf" and expected.dtype.kind in "biuf":
        gaps = [x - y for x, y in zip(received.ravel().tolist()[:limit], expected.ravel().tolist()[:limit])]
        diff = "[" + ", ".join(f"{g:.3g}" for g in gaps) + (", ..." if received.size > limit else "") + "]"
        if received.ndim == 0:
            diff = diff[1:-1]
    return r, e, diff


def _number(v: Any) -> str:
    """A number for a message, with 12 significant digits: enough to show any difference the checks reject
    (1e-9 relative), few enough that a learner's sum taken in another order (an ulp) prints the same."""
    return f"{v:.12g}" if isinstance(v, float) else repr(v)


def _index(flat_i: int, shape: tuple) -> tuple:
    idx = []
    for size in reversed(shape):
        idx.append(flat_i % size)
        flat_i //= size
    return tuple(reversed(idx))


def first_difference(received: np.ndarray, expected: np.ndarray, rtol: float = RTOL, atol: float = ATOL):
    """The first index where ``received`` and ``expected`` differ beyond ``atol + rtol*|expected|``.

    Returns ``None`` when they agree everywhere, else ``(index, received_value, expected_value)``. Computed
    with plain Python float arithmetic on ``tolist()``, which a notebook cannot monkeypatch. NaN never
    agrees with anything; equal infinities agree.
    """
    r_flat = received.ravel().tolist()
    e_flat = expected.ravel().tolist()
    for i, (r, e) in enumerate(zip(r_flat, e_flat)):
        if r == e:
            continue
        d = r - e
        d = d if d >= 0 else -d
        m = e if e >= 0 else -e
        if not (d <= atol + rtol * m):  # also true when r or e is NaN
            return _index(i, tuple(received.shape)), r, e
    return None


def first_nonfinite(a: np.ndarray):
    """``(index, "NaN" / "inf" / "-inf")`` of the first non-finite entry of a numeric array, or ``None``."""
    for i, v in enumerate(a.ravel().tolist()):
        if isinstance(v, complex):
            v = v.real + v.imag
        if v != v:
            return _index(i, tuple(a.shape)), "NaN"
        if v in (float("inf"), float("-inf")):
            return _index(i, tuple(a.shape)), "inf" if v > 0 else "-inf"
    return None


_INF = float("inf")


def agree(a: Any, b: Any, rtol: float = MATCH_RTOL, atol: float = MATCH_ATOL) -> bool:
    """Whether a learner's array equals what a catalogued mistake returns: same shape, numeric, values
    within tolerance, NaN agreeing with NaN (a mistake that divides 0 by 0 is recognised by its NaN), an
    infinity agreeing only with the same infinity."""
    if not isinstance(a, _ndarray) or not isinstance(b, _ndarray) or a.shape != b.shape:
        return False
    if a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
        return False
    for x, y in zip(a.ravel().tolist(), b.ravel().tolist()):
        if x == y or (x != x and y != y):
            continue
        if x in (_INF, -_INF) or y in (_INF, -_INF):  # |x - inf| <= atol + rtol * inf would always hold
            return False
        if not abs(x - y) <= atol + rtol * abs(y):  # false for NaN against a number
            return False
    return True


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """The largest entrywise |a - b| of two arrays that :func:`agree` (equal entries and NaN pairs count 0)."""
    return max((abs(x - y) for x, y in zip(a.ravel().tolist(), b.ravel().tolist())
                if x != y and not (x != x and y != y)), default=0.0)


# --- errors raised inside the learner's code -------------------------------------------------------------

# Names a notebook's setup cell defines; a NameError for one of them means the kernel was restarted (or the
# setup cell never ran).
_SETUP_NAMES = {"np", "numpy", "math", "plt", "gdbp", "torch", "pd", "random", "optim", "checks"}
_SIGNATURE_ERROR = re.compile(
    r"(positional argument|keyword argument|required (positional|keyword)|takes (no|\d+) |"
    r"got multiple values for argument|takes from \d+ to \d+)")
_ipython_cell = re.compile(r"(^<ipython-input-\d+-[0-9a-f]+>$)|(/ipykernel_\d+/\d+\.py$)")


def _is_learner_file(filename: str) -> bool:
    if not filename or filename.startswith("<frozen"):
        return False
    path = os.path.abspath(filename) if not filename.startswith("<") else filename
    return not (path.startswith(_GDBP_DIR + os.sep) or (_NUMPY_DIR and path.startswith(_NUMPY_DIR + os.sep)))


def learner_frame(exc: BaseException) -> tuple[str, int, str] | None:
    """``(where, lineno, source_line)`` of the last traceback frame of ``exc`` in the learner's code (outside
    gdbp and numpy): ``where`` is "your cell" for a notebook cell, else the file's name. None if there is
    none (the error came from gdbp or numpy called directly, or the traceback is gone)."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if _is_learner_file(code.co_filename):
            found = (code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    if found is None:
        return None
    filename, lineno = found
    where = "your cell" if _ipython_cell.search(filename) else os.path.basename(filename)
    return where, lineno, linecache.getline(filename, lineno).strip()


def _error_hint(exc: BaseException, signature: str) -> str:
    """A hint that fits the kind of error, or "" when there is nothing better to say than its message."""
    text = str(exc)
    if isinstance(exc, UnboundLocalError):
        return ("a variable is used before it is assigned in your function (it is assigned later, or only in "
                "one branch of an if): assign it before that line.")
    if isinstance(exc, NameError):
        name = getattr(exc, "name", None) or (re.findall(r"'([^']+)'", text) or ["?"])[0]
        if name in _SETUP_NAMES:
            return (f"`{name}` is not defined: after a kernel restart the imports are gone. Run the notebook's "
                    f"setup cell (or Run > Run All Above) first, then this cell again.")
        return (f"`{name}` is not defined where your function uses it: check the spelling, or run the cell "
                f"that defines it (Run > Run All Above runs every cell above this one).")
    if isinstance(exc, TypeError) and _SIGNATURE_ERROR.search(text):
        return (f"the checker calls {signature}: keep the exercise's signature (the names, their order and the "
                f"defaults), and call your own helper functions with the arguments they take."
                if signature else "keep the exercise's signature: the argument names, their order and defaults.")
    if isinstance(exc, (TypeError, AttributeError)) and "NoneType" in text:
        return ("something is None where your code expects a value: a state is None on the first call (create "
                "it then), and a function without `return` returns None.")
    if isinstance(exc, ValueError) and "broadcast" in text:
        return ("two arrays of different shapes meet in one operation on that line: print the .shape of each "
                "operand and compare them with the docstring.")
    if isinstance(exc, ValueError) and ("aligned" in text or "matmul" in text or "mismatch" in text):
        return ("a matrix product with shapes that do not fit: for A @ B the last axis of A must equal the "
                "first of B (print the shapes; is one operand transposed?).")
    if isinstance(exc, ZeroDivisionError):
        return ("a division by zero on that line: Python numbers raise where numpy arrays give inf or nan; "
                "guard the case where the divisor is 0.")
    if isinstance(exc, IndexError):
        return "an index is out of range on that line: compare the array's shape with the indices you use."
    if isinstance(exc, KeyError):
        return (f"the key {text} is missing on that line: a dict (for example a state created on the first "
                f"call) must hold every key that is read later.")
    if isinstance(exc, RecursionError):
        return "a function that calls itself needs a case that stops the recursion."
    if isinstance(exc, AttributeError):
        return ("the object on that line has no such attribute: check the name, and the object's type "
                "(print(type(...))).")
    return ""


def describe_error(exc: BaseException, what: str = "your function", signature: str = "") -> tuple[str, str]:
    """``(message, hint)`` for an exception raised inside the learner's code: what was raised, on which line
    of their code (with that line), and a hint that fits the error ("" when none fits better than the
    message itself). ``signature``: how the checker calls the function, for argument errors."""
    message = f"{what} raised {type(exc).__name__}: {exc}"
    frame = learner_frame(exc)
    if frame is not None:
        where, lineno, line = frame
        message += f"\n  at line {lineno} of {where}" + (f": {line}" if line else "")
    return message, _error_hint(exc, signature)


# --- the checker object ---------------------------------------------------------------------------------


class Checker:
    """Runs one learner function through named checks; the first failure raises :class:`CheckFailed`.

    Every method that can fail takes the ``case`` name, so the message says which situation went wrong.
    """

    def __init__(self, exercise: str, fn: Any, *, time_limit: float = CALL_TIME_LIMIT, hint: str = ""):
        __tracebackhide__ = True
        self.exercise = exercise
        self.fn = fn
        self.time_limit = time_limit
        self.hint = hint
        self.cases: list[str] = []
        self.learner_calls = 0  # calls of the learner's code so far (checks, probes and diagnosis)
        self._quiet_timeouts = 0  # quiet calls (probes, diagnosis) that ran out of time
        self.signature = ""  # how the checker calls the function, e.g. "adam(param, grad, state, lr, ...)"
        self._warnings = warnings.catch_warnings()
        assert_numpy_untouched(exercise)

    # The checker silences warnings its cases provoke (nbgrader scores a cell 0 when it writes to stderr).
    def __enter__(self):
        self._warnings.__enter__()
        warnings.simplefilter("ignore")
        self._errstate = _SNAPSHOT["errstate"](all="ignore")
        self._errstate.__enter__()
        return self

    def __exit__(self, *exc):
        self._errstate.__exit__(*exc)
        self._warnings.__exit__(*exc)
        return False

    def fail(self, message: str, case: str | None = None, hint: str = "") -> None:
        __tracebackhide__ = True
        where = f"{self.exercise}, case '{case}'" if case else self.exercise
        text = f"{where}: {message}"
        if hint:
            text += f"\n  Hint: {hint}"
        raise CheckFailed(text) from None

    def case(self, name: str) -> str:
        """Record that case ``name`` was checked (for the success line) and return the name."""
        if name not in self.cases:
            self.cases.append(name)
        return name

    # 1. defined and callable
    def require_callable(self) -> None:
        __tracebackhide__ = True
        if self.fn is None or not callable(self.fn):
            self.fail(
                f"received {describe(self.fn)}, expected a function. Run the cell that defines "
                f"{self.exercise} (and check you did not overwrite the name)."
            )

    # 2. accepts the documented arguments
    def require_parameters(self, *names: str) -> None:
        """The function must accept these argument names (positionally or by keyword, or via **kwargs)."""
        __tracebackhide__ = True
        self.signature = f"{self.exercise}({', '.join(names)})"
        try:
            sig = inspect.signature(self.fn)
        except (TypeError, ValueError):
            return  # builtins and some callables have no signature; calling them will tell
        params = sig.parameters
        has_var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
        missing = [n for n in names if n not in params and not has_var_kw]
        if missing:
            self.fail(
                f"the function's signature is {self.exercise}{sig}; expected it to accept "
                f"{', '.join(names)} (missing: {', '.join(missing)}).",
                hint="keep the signature given in the exercise, including the keyword arguments and defaults.",
            )

    def default_of(self, name: str):
        """The learner's default value for keyword ``name`` (``inspect.Parameter.empty`` when none)."""
        try:
            p = inspect.signature(self.fn).parameters.get(name)
        except (TypeError, ValueError):
            return inspect.Parameter.empty
        return inspect.Parameter.empty if p is None else p.default

    # calling the learner's code: every call goes through invoke()
    def invoke(self, thunk: Callable[[], Any], limit: float | None = None) -> Any:
        """Run ``thunk`` (a piece of the learner's code) with the time limit (``limit``, default the
        checker's): THE one place where a checker runs learner code (checks, probes and diagnosis), so that
        a guard can be wrapped around each call. Raises whatever the code raises (``_TimeUp`` when time runs
        out)."""
        __tracebackhide__ = True
        self.learner_calls += 1
        watch = Watch(self.exercise)
        try:
            with time_limit(self.time_limit if limit is None else limit), watch:
                return thunk()
        finally:
            if watch.found:  # the reference in disguise ran inside the learner's code: nothing else matters
                raise _Borrowed(watch.found)

    def guard(self, case: str, thunk: Callable[[], Any], what: str = "your function", hint: str = "",
              error_hint: Callable[[BaseException], str | None] | None = None) -> Any:
        """Run ``thunk`` (the learner's code) through :meth:`invoke`; an exception becomes a failure that
        names the case, the line of the learner's code that raised, and a hint: ``error_hint(exc)`` when it
        gives one (an exercise's own reading of an error), else one that fits the kind of error, else
        ``hint``, else the checker's hint."""
        __tracebackhide__ = True
        self.case(case)
        try:
            return self.invoke(thunk)
        except _TimeUp:
            self.fail(
                f"{what} did not finish within {self.time_limit:g} s (an infinite loop, or a loop that "
                f"never meets its stopping condition?).",
                case,
            )
        except NotImplementedError:
            self.fail(
                "received NotImplementedError: the exercise is not written yet. Replace "
                "`raise NotImplementedError()` with your code, run that cell, then this one.",
                case,
            )
        except CheckFailed:
            raise
        except Exception as exc:  # the learner's code raised: say what, where, and what to do
            message, specific = describe_error(exc, what, self.signature)
            own = error_hint(exc) if error_hint is not None else None
            self.fail(message, case, hint=own or specific or hint or self.hint)

    def call(self, case: str, *args: Any, **kwargs: Any) -> Any:
        """Call the learner's function with a time limit. It receives the arrays themselves (not copies), so
        that the call fails, naming the argument, if the function changed any of them in place. (Under a
        grader that runs the function in another process, an in-place change is written back after the
        call: the check works the same way.)"""
        __tracebackhide__ = True
        before = [(i, a.copy()) for i, a in enumerate(args) if isinstance(a, _ndarray)]
        before += [(k, v.copy()) for k, v in kwargs.items() if isinstance(v, _ndarray)]
        out = self.guard(case, lambda: self.fn(*args, **kwargs))
        for key, copy in before:
            now = args[key] if isinstance(key, int) else kwargs[key]
            if now.shape != copy.shape or first_difference(now, copy, 0.0, 0.0) is not None:
                name = _arg_name(self.fn, key)
                self.fail(
                    f"your function changed its input {name} in place (received it modified after the call, "
                    f"expected it unchanged).",
                    case,
                    hint="build new arrays (x = x - lr * g) instead of writing into inputs (x -= ...).",
                )
        return out

    def attempt(self, *args: Any, **kwargs: Any) -> Attempt:
        """A quiet call of the learner's function on copies of the array arguments, for probes and
        diagnosis: never fails the check, reports the value or the error."""
        args = tuple(a.copy() if isinstance(a, _ndarray) else a for a in args)
        kwargs = {k: (v.copy() if isinstance(v, _ndarray) else v) for k, v in kwargs.items()}
        return self.attempt_thunk(lambda: self.fn(*args, **kwargs))

    def attempt_thunk(self, thunk: Callable[[], Any]) -> Attempt:
        """A quiet run of any piece of the learner's code (through :meth:`invoke`), with a shorter time limit
        (``QUIET_TIME_LIMIT``); after one quiet call ran out of time, the next ones are not made (a function
        that loops on a probe's input would otherwise cost a time limit per probe)."""
        limit = min(self.time_limit or QUIET_TIME_LIMIT, QUIET_TIME_LIMIT)
        if self._quiet_timeouts:
            return Attempt(error=TimeoutError(f"not run: an earlier probe did not finish within {limit:g} s"))
        try:
            return Attempt(self.invoke(thunk, limit))
        except _TimeUp:
            self._quiet_timeouts += 1
            return Attempt(error=TimeoutError(f"did not finish within {limit:g} s"))
        except Exception as exc:  # noqa: BLE001 - a probe reports any error, it never raises
            return Attempt(error=exc)

    # 3. the documented structure
    def unpack(self, out: Any, n: int, shape_text: str, case: str) -> tuple:
        __tracebackhide__ = True
        if not isinstance(out, (tuple, list)) or len(out) != n:
            self.fail(f"received {describe(out)}, expected a tuple {shape_text}.", case,
                      hint="end the function with `return " + shape_text.strip("()") + "`.")
        return tuple(out)

    # 4./5. type, shape, dtype, finite
    def array(self, value: Any, what: str, *, like: np.ndarray, case: str) -> np.ndarray:
        """``value`` must be a float numpy array of ``like``'s shape with finite entries."""
        __tracebackhide__ = True
        if isinstance(value, (list, tuple)):
            self.fail(f"{what} is {describe(value)}, expected a numpy array of shape {tuple(like.shape)}.",
                      case, hint="use numpy operations (np.array, arithmetic on arrays) rather than Python lists.")
        if isinstance(value, (int, float, _integer, _floating)) and like.ndim > 0:
            self.fail(f"{what} is {describe(value)}, expected a numpy array of shape {tuple(like.shape)}.",
                      case, hint="did you reduce (sum/mean) over an axis you should keep?")
        if value is None:
            self.fail(f"{what} is None, expected a numpy array of shape {tuple(like.shape)}.", case,
                      hint="did you forget a `return`?")
        if not isinstance(value, _ndarray):
            if isinstance(value, (int, float, _integer, _floating)):
                value = _SNAPSHOT["array"](value)
            else:
                self.fail(f"{what} is {describe(value)}, expected a numpy array of shape {tuple(like.shape)}.",
                          case)
        if value.shape != like.shape:
            self.fail(
                f"{what} has shape {tuple(value.shape)}, expected shape {tuple(like.shape)}.", case,
                hint=_shape_hint(value.shape, like.shape),
            )
        if value.dtype.kind not in "fc":
            self.fail(f"{what} has dtype {value.dtype}, expected a float array (float64).", case,
                      hint="integer arrays lose the fractions: start from float arrays (np.asarray(x, float)).")
        bad = first_nonfinite(value)
        if bad is not None:
            self.fail(
                f"{what} contains {bad[1]} at index {bad[0]}, expected finite numbers "
                f"(first entries received: {format_array(value)}).",
                case, hint="look for a division by zero, a log of 0 or a negative, or an overflowing exp.",
            )
        return value

    # 6. values against the reference, with mistake diagnosis
    def close(
        self,
        received: np.ndarray,
        expected: np.ndarray,
        what: str,
        *,
        case: str,
        source: str = "",
        mistakes: Iterable[tuple[Mistake, Callable[[], Any]]] = (),
        rtol: float = RTOL,
        atol: float = ATOL,
        hint: str = "",
        diagnose: Callable[[], tuple[list[str], str] | None] | None = None,
    ) -> None:
        """Fail unless ``received`` agrees with ``expected``. ``mistakes`` pairs each catalogued mistake with a
        thunk computing what that mistake would have returned here; the first one that matches the learner's
        value is named in the message (thunks run only on a mismatch). ``diagnose`` replaces ``mistakes``:
        called only on a mismatch, it returns ``(lines, hint)`` to add to the message (see
        ``gdbp.checks._diagnosis``), or None."""
        __tracebackhide__ = True
        self.case(case)
        diff = first_difference(received, expected, rtol, atol)
        if diff is None:
            return
        index, r, e = diff
        at = f"[{', '.join(map(str, index))}]" if index else ""
        shown_r, shown_e, gap = format_pair(received, expected)
        lines = [
            f"received {what}{at} = {_number(r)}, expected {_number(e)}" + (f" from {source}" if source else "") + ".",
            f"  received {what} = {shown_r}",
            f"  expected {what} = {shown_e}",
        ]
        if gap:
            lines.append(f"  received - expected = {gap}")
        if diagnose is not None:
            report = diagnose()
            if report is not None:
                extra, found_hint = report
                lines.extend(extra)
                hint = found_hint or hint
        else:
            named = self.match_mistake(received, mistakes, rtol=max(rtol, MATCH_RTOL), atol=max(atol, MATCH_ATOL))
            if named is not None:
                lines.append(named.line())
                hint = named.hint
        self.fail("\n".join(lines), case, hint=hint or self.hint)

    def match_mistake(self, received, mistakes, rtol=MATCH_RTOL, atol=MATCH_ATOL) -> Mistake | None:
        """The first catalogued mistake whose output equals ``received`` (or ``None``)."""
        for mistake, thunk in mistakes:
            try:
                with time_limit(self.time_limit):
                    value = thunk()
            except BaseException:  # a mistake that cannot run on this case does not match
                continue
            if agree(received, value, rtol, atol):
                return mistake
            if not isinstance(value, _ndarray) and not isinstance(received, _ndarray):
                try:
                    if value == received:
                        return mistake
                except Exception:
                    pass
        return None

    # the one success line
    def done(self) -> None:
        n = len(self.cases)
        print(f"{self.exercise}: all {n} case{'s' if n != 1 else ''} passed")


def _shape_hint(got: Sequence[int], want: Sequence[int]) -> str:
    got, want = tuple(got), tuple(want)
    if got == tuple(reversed(want)) and got != want:
        return "the shape is transposed: check the order of the operands in your matrix products."
    if len(got) < len(want):
        return "you summed or averaged over an axis that should stay (look at axis= in your reductions)."
    if len(got) > len(want):
        return "an axis is left that should have been summed over, or broadcasting added one."
    return "compare each array's shape with the docstring; print .shape of the intermediate results."


def _arg_name(fn, key) -> str:
    if isinstance(key, str):
        return key
    try:
        names = list(inspect.signature(fn).parameters)
        return names[key]
    except Exception:
        return f"argument {key + 1}"


def entry_point(check: Callable[..., Any]) -> Callable[..., None]:
    """Decorate a public ``check_<exercise>`` function: a failure reaches the learner as one short
    ``CheckFailed`` raised from here (not twenty lines of checker internals above the message), and the
    checker returns ``None`` (nbgrader would read a returned value as partial credit)."""

    @functools.wraps(check)
    def checked(*args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True
        try:
            check(*args, **kwargs)
        except CheckFailed as failure:
            message = str(failure)
        else:
            return None
        raise CheckFailed(message) from None

    return checked


def run(exercise: str, fn: Any, body: Callable[[Checker], None], *, hint: str = "") -> None:
    """Run a checker body with a :class:`Checker`, turning any unexpected internal error into a clear
    ``CheckFailed`` (a checker never ends in an internal traceback), then print the success line."""
    __tracebackhide__ = True
    checker = Checker(exercise, fn, hint=hint)
    with checker:
        try:
            body(checker)
        except CheckFailed:
            raise
        except _Borrowed as borrowed:
            raise CheckFailed(f"{exercise}: {describe_borrowing(borrowed.found)}") from None
        except Exception as exc:  # what the learner returned confused the checker itself
            raise CheckFailed(
                f"{exercise}: the checker could not evaluate your answer ({type(exc).__name__}: {exc}). "
                f"Check that your function returns exactly what the exercise describes."
            ) from None
    checker.done()


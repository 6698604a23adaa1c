"""Checker of the gradient-descent exercise (notebook 01) and its catalogue of classic mistakes.

The learner writes ``gradient_descent(grad_fn, x0, lr, num_steps, tol=None) -> trajectory``: the loop
``x <- x - lr * grad_fn(x)``, returning every point visited as a float64 array of shape (k + 1, d), row 0 =
x0; with ``tol``, it stops *before* a step at the first x where ``norm(grad_fn(x)) < tol`` (that x is the
last row); after a step that made x non-finite (lr far too large) it stops, and that row is the last one.
The reference is ``gdbp.descent.gradient_descent``.

Order of checks: callable -> accepts (grad_fn, x0, lr, num_steps, tol) with ``tol=None`` -> returns an array
-> shape (k + 1, d) -> float64 -> finite (except the last row of the diverging case) -> every row equal to the
reference's -> x0 unchanged. The cases: an ill-conditioned quadratic bowl (10 steps), a non-linear 2-D
function (Rosenbrock's, 25 small steps), ``num_steps=0`` (only x0), a run that stops on ``tol`` with gradient
entries each below tol but a norm above it for one step (tol compared with the entries instead of the norm
shows), ``tol`` that is never met, and a run that diverges: lr = 3 on f = ||x||**2 / 2 doubles |x| at each
step from 1e300 until ``lr * grad`` overflows (the gradient itself stays finite, so the notebook's rule and
the reference agree), and the run must stop on that first non-finite row.

After a failure the diagnosis (``gdbp.checks._diagnosis``) runs the family of implementations (the reference
with one or two changes: uphill, x0 not recorded, the tol test on the entries / the signed gradient / the
squared norm / after the step, one step short, an in-place update appended, no stop after a non-finite step,
the gradient always taken at x0, lr or tol ignored) against the learner's outputs on every case, and probes
which arguments change the output.

Tolerance: ``_core.RTOL`` (1e-9 relative): the same operations; 25 steps add a few ulps.
"""

from __future__ import annotations

import inspect

import numpy as np

from gdbp import descent
from gdbp.checks._core import Checker, Mistake, entry_point, run
from gdbp.checks._diagnosis import LR_LITERALS, Catalogue, Change, Trial
from gdbp.checks._results import Diagnosis, Inputs, argument_probe, check_array, fail_if_changed, guarded

__all__ = ["CATALOGUES", "MISTAKES", "check_gradient_descent"]

# =========================================================================================================
# The catalogue: a family of implementations and the changes that depart from it.
# =========================================================================================================


def _descent_family(s):
    uphill, record, tol_test, steps, in_place = s["uphill"], s["record"], s["tol_test"], s["steps"], s["in_place"]
    last_only, stop, at_x0 = s["last_only"], s["stop"], s["grad_at_x0"]

    def stops(g, tol, lr):
        if tol_test == "entries":
            return np.all(np.abs(g) < tol)  # each entry against tol, not the norm
        if tol_test == "signed":
            return np.all(g < tol)  # the gradient itself against tol (no norm, no abs)
        if tol_test == "squared":
            return np.dot(g, g) < tol  # the squared norm against tol
        if tol_test == "step":
            return np.all(np.abs(lr * g) <= tol)  # the step's entries against tol (Real Python's tutorial)
        return np.linalg.norm(g) < tol

    def gradient_descent(grad_fn, x0, lr, num_steps, tol=None):
        x = np.array(x0, dtype=float)
        start = x.copy()
        trajectory = [x] if record == "start" else []
        n = num_steps + (1 if record == "update_first" else 0) + {"n": 0, "n-1": -1}[steps]
        for _ in range(n):
            g = grad_fn(start.copy() if at_x0 else x)
            if tol is not None and tol_test != "after_step" and stops(g, tol, lr):
                break
            if in_place:
                x -= lr * g  # every row of the list is the same array
            else:
                x = x + lr * g if uphill else x - lr * g
            if stop == "before_record" and not np.all(np.isfinite(x)):
                break  # the non-finite row is not recorded
            trajectory.append(x)
            if tol is not None and tol_test == "after_step" and np.linalg.norm(g) < tol:
                break  # tested after the step: one step too many
            if stop == "after" and not np.all(np.isfinite(x)):
                break
        out = np.array(trajectory)
        return out[-1] if last_only else out

    return gradient_descent


def _ignores_lr(fn, s):
    value = s["ignored_lr"]

    def fixed_lr(grad_fn, x0, lr, num_steps, tol=None):
        return fn(grad_fn, x0, value, num_steps, tol)

    return fixed_lr


def _ignores_tol(fn, s):
    def never_stops(grad_fn, x0, lr, num_steps, tol=None):
        return fn(grad_fn, x0, lr, num_steps, None)

    return never_stops


_BASE = {"uphill": False, "record": "start", "tol_test": "norm", "steps": "n", "in_place": False,
         "last_only": False, "stop": "after", "grad_at_x0": False}
_NORM_HINT = "stop when np.linalg.norm(g) < tol (the length of the gradient vector)."
_CATALOGUE = Catalogue("gradient_descent", _descent_family, base=_BASE, changes=(
    Change("uphill", True, "gradient ascent: x + lr * grad", "step against the gradient: x = x - lr * grad_fn(x)."),
    Change("record", "no_start", "x0 is not recorded (only the points after each step)",
           "start the list with x0: trajectory = [x0], then append x after each step."),
    Change("record", "update_first", "the update comes before recording the start point (row 0 is x1)",
           "record first, then step: trajectory = [x0]; for each step x = x - lr * g; trajectory.append(x)."),
    Change("tol_test", "entries", "tol compared with each gradient entry instead of the gradient's norm", _NORM_HINT),
    Change("tol_test", "signed", "tol compared with the gradient itself (np.all(g < tol)) instead of its norm",
           "a gradient with negative entries is not small: stop when np.linalg.norm(g) < tol."),
    Change("tol_test", "after_step", "tol tested after the step (one step too many)",
           "test before stepping: compute g = grad_fn(x); if norm(g) < tol: break; only then x = x - lr * g."),
    Change("steps", "n-1", "one step too few (range(num_steps - 1))",
           "take num_steps steps: for _ in range(num_steps), giving num_steps + 1 rows with x0."),
    Change("in_place", True, "x updated in place (x -= ...) and appended: all rows are the same array",
           "create a new array at each step: x = x - lr * g (not x -= lr * g), then append it."),
    Change("last_only", True, "returns only the last point, not the trajectory",
           "collect every point in a list and return np.array(trajectory), shape (k + 1, d)."),
    Change("tol_test", "squared", "the squared norm g . g compared with tol instead of the norm",
           "compare the norm itself: np.linalg.norm(g) < tol (np.dot(g, g) is its square)."),
    Change("tol_test", "step", "tol compared with the entries of the step lr * grad instead of the gradient's norm",
           "the exercise's rule is about the gradient: stop when np.linalg.norm(grad_fn(x)) < tol."),
    Change("stop", "none", "no stop after a non-finite step: the run goes on with inf and NaN rows",
           "after each step: if not np.all(np.isfinite(x)): break (that non-finite row stays the last one)."),
    Change("stop", "before_record", "the non-finite row is not recorded (the test comes before appending)",
           "append x first, then stop if it is not finite: the non-finite row is the last row."),
    Change("grad_at_x0", True, "the gradient is always taken at x0 (grad_fn(x0) inside the loop)",
           "evaluate the gradient at the current point: g = grad_fn(x)."),
    Change("ignores_lr", True, "your function ignores lr (it uses lr = {ignored_lr!r}, whatever value it is passed)",
           "use the lr passed to the function, not a number written in the code.", wrap=_ignores_lr,
           constants={"ignored_lr": LR_LITERALS}),
    Change("ignores_tol", True, "your function ignores tol (it never stops early)",
           "with tol given, stop before a step where np.linalg.norm(grad) < tol.", wrap=_ignores_tol),
))
CATALOGUES: dict[str, Catalogue] = {"gradient_descent": _CATALOGUE}
MISTAKES: dict[str, list[Mistake]] = {"gradient_descent": _CATALOGUE.mistakes()}


# =========================================================================================================
# The cases.
# =========================================================================================================


def _bowl_grad(x):
    """Gradient of f(x) = 0.5 * (x_0**2 + 10 * x_1**2), shape (2,)."""
    x = np.asarray(x, dtype=float)
    return np.array([x[0], 10.0 * x[1]])


def _rosenbrock_grad(x):
    """Gradient of Rosenbrock's f(x) = (1 - x_0)**2 + 100 * (x_1 - x_0**2)**2, shape (2,)."""
    x = np.asarray(x, dtype=float)
    return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])


def _slow_grad(x):
    """Gradient of f(x) = 0.5 * ||x||**2 (the identity), shape (2,): with lr = 0.5 each step halves x."""
    return np.array(x, dtype=float)


def _cases() -> list:
    """``[(name, grad_fn, x0, lr, num_steps, tol)]``, new arrays at each call (a learner's function that changes
    x0 in place must not change the cases of the next check); tol "omitted" means: called without tol."""
    return [
        ("quadratic bowl, 10 steps", _bowl_grad, np.array([1.0, 1.0]), 0.05, 10, "omitted"),
        ("Rosenbrock, 25 steps", _rosenbrock_grad, np.array([-1.2, 1.0]), 1e-3, 25, None),
        ("num_steps=0", _bowl_grad, np.array([0.3, -0.4]), 0.1, 0, None),
        # x_k = -2**-k * [1, 1], ||grad|| = sqrt(2) * 2**-k: |entries| < 0.01 from k = 7, the norm from k = 8, and
        # the signed entries are below 0.01 (negative) from k = 0
        ("stops on tol=0.01", _slow_grad, np.array([-1.0, -1.0]), 0.5, 50, 0.01),
        ("tol=1e-12 never met in 6 steps", _bowl_grad, np.array([1.0, 1.0]), 0.05, 6, 1e-12),
        # x_k = (-2)**k * x0: finite gradients, until lr * grad overflows at step 26 (row 26 holds inf)
        ("diverges (lr=3): stops after the first non-finite step", _slow_grad, np.array([1e300, -2e300]), 3.0, 60, None),
    ]


def _trial(name, grad_fn, x0, lr, num_steps, tol) -> Trial:
    kwargs = {} if tol == "omitted" else {"tol": tol}

    def run(fn):
        yield np.asarray(fn(grad_fn, x0.copy(), lr, num_steps, **kwargs), dtype=float)

    return Trial(name, run)


def _probe_trial(args: dict) -> Trial:
    return _trial(f"the bowl with lr={args['lr']}, tol={args['tol']}", _bowl_grad, np.array([1.0, 1.0]), args["lr"],
                  12, args["tol"])


def _diagnosis(c: Checker, failing: Trial, out) -> Diagnosis:
    trials = [_trial(*case) for case in _cases() if case[0] != failing.name]

    def probe(c, evidence):
        return argument_probe(c, evidence, _probe_trial, {"lr": 0.05, "tol": 1e-12}, {"lr": 0.15, "tol": 2.0},
                              descent.gradient_descent, how={"lr": "0.05 -> 0.15", "tol": "1e-12 -> 2.0"})

    return Diagnosis(c, _CATALOGUE, failing, [out], trials=trials, probe=probe)


def _as_float(value):
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return value


# =========================================================================================================
# The checker.
# =========================================================================================================


@entry_point
def check_gradient_descent(learner_fn, *, time_limit=None):
    """Check ``gradient_descent(grad_fn, x0, lr, num_steps, tol=None) -> trajectory`` (float64, shape (k + 1, d),
    row 0 = x0, stopping before a step at the first x where norm(grad_fn(x)) < tol, and right after a step
    that made x non-finite) against ``gdbp.descent.gradient_descent``.

    Raises AssertionError (``CheckFailed``) naming the case, what was received and expected, and the classic
    mistake it matches; prints one line on success.
    """
    __tracebackhide__ = True

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("grad_fn", "x0", "lr", "num_steps", "tol")
        default = c.default_of("tol")
        if default is not None and default is not inspect.Parameter.empty:
            c.fail(f"your default is tol={default!r}, expected tol=None (no early stop unless asked).",
                   c.case(_cases()[0][0]),
                   hint="keep the signature: def gradient_descent(grad_fn, x0, lr, num_steps, tol=None).")
        for case, grad_fn, x0, lr, num_steps, tol in _cases():
            kwargs = {} if tol == "omitted" else {"tol": tol}
            inputs = Inputs({"x0": x0})
            out = guarded(c, case, lambda: c.fn(grad_fn, x0, lr, num_steps, **kwargs))
            fail_if_changed(c, inputs, case,
                            hint="x = x0.copy() (or np.array(x0, dtype=float)) before the loop, and x = x - lr * g.")
            expected = descent.gradient_descent(grad_fn, x0, lr, num_steps, **kwargs)
            tol_text = "" if tol == "omitted" else f", tol={tol!r}"
            diagnosis = _diagnosis(c, _trial(case, grad_fn, x0, lr, num_steps, tol), _as_float(out))
            source = (f"gdbp.descent.gradient_descent(grad_fn, x0={x0.tolist()}, lr={lr}, num_steps={num_steps}"
                      f"{tol_text})")
            if descent.diverged(expected):  # the last row is inf by design: compare it apart
                _check_diverged(c, out, expected, case, source, diagnosis)
                continue
            check_array(c, out, "trajectory", expected=expected, case=case, source=source, diagnosis=diagnosis)

    run("gradient_descent", learner_fn, body,
        hint="trajectory = [x0]; repeat num_steps times: g = grad_fn(x); stop if tol is given and "
             "norm(g) < tol; x = x - lr * g; append x; stop if x is not finite. Return np.array(trajectory).")


def _check_diverged(c: Checker, out, expected: np.ndarray, case: str, source: str, diagnosis: Diagnosis) -> None:
    """The diverging case: the finite rows as usual, then the last row, which must be the first non-finite x."""
    __tracebackhide__ = True
    arr = _as_float(out)
    if not (isinstance(arr, np.ndarray) and arr.shape == expected.shape):
        explained = diagnosis.explained()
        if explained is not None and isinstance(arr, np.ndarray):
            lines, hint = explained
            c.fail("\n".join([f"trajectory has shape {tuple(arr.shape)}, expected shape {tuple(expected.shape)} "
                              f"(the run diverges at step {len(expected) - 1} and must stop there).", *lines]),
                   case, hint=hint)
        if isinstance(arr, np.ndarray) and arr.ndim == 2 and arr.shape[1] == expected.shape[1]:
            c.fail(f"trajectory has shape {tuple(arr.shape)}, expected shape {tuple(expected.shape)}: the run diverges "
                   f"(x becomes inf at step {len(expected) - 1}) and must stop right after that step, with the "
                   f"non-finite row as the last row.", case,
                   hint="after each step: if not np.all(np.isfinite(x)): break.")
    check_array(c, out[:-1] if isinstance(out, np.ndarray) and out.ndim == 2 else out, "trajectory",
                expected=expected[:-1], case=case, source=source, diagnosis=diagnosis)
    last = np.asarray(out)[-1]
    if np.all(np.isfinite(last)):
        c.fail(f"the last row of the trajectory is {last.tolist()}, expected a non-finite row (the step that "
               f"overflowed): {expected[-1].tolist()}.", case, hint="record the step that overflowed, then stop.")

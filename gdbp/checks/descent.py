"""Checker of the gradient-descent exercise (notebook 01) and its catalogue of classic mistakes.

The learner writes ``gradient_descent(grad_fn, x0, lr, num_steps, tol=None) -> trajectory``: the loop
``x <- x - lr * grad_fn(x)``, returning every point visited as a float64 array of shape (k + 1, d), row 0 =
x0; with ``tol``, it stops *before* a step at the first x where ``norm(grad_fn(x)) < tol`` (that x is the
last row). The reference is ``gdbp.descent.gradient_descent``.

Order of checks: callable -> accepts (grad_fn, x0, lr, num_steps, tol) with ``tol=None`` -> returns an array
-> shape (k + 1, d) -> float64 -> finite -> every row equal to the reference's -> x0 unchanged. The cases:
an ill-conditioned quadratic bowl (10 steps), a non-linear 2-D function (Rosenbrock's, 25 small steps),
``num_steps=0`` (only x0), a run that stops on ``tol`` with gradient entries each below tol but a norm above
it for one step (tol compared with the entries instead of the norm shows), and ``tol`` that is never met.

Tolerance: ``_core.RTOL`` (1e-9 relative): the same operations; 25 steps add a few ulps.
"""

from __future__ import annotations

import inspect

import numpy as np

from gdbp import descent
from gdbp.checks._core import entry_point
from gdbp.checks._core import Checker, Mistake, run
from gdbp.checks._results import Inputs, check_array, fail_if_changed, guarded, thunks

__all__ = ["MISTAKES", "check_gradient_descent"]

# =========================================================================================================
# The catalogue of classic mistakes (complete wrong implementations, "# MISTAKE" marks the change).
# =========================================================================================================


def _ascent(grad_fn, x0, lr, num_steps, tol=None):
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(num_steps):
        g = grad_fn(x)
        if tol is not None and np.linalg.norm(g) < tol:
            break
        x = x + lr * g  # MISTAKE: + adds the gradient: climbs uphill
        trajectory.append(x)
    return np.array(trajectory)


def _start_not_recorded(grad_fn, x0, lr, num_steps, tol=None):
    x = np.array(x0, dtype=float)
    trajectory = []
    for _ in range(num_steps):
        g = grad_fn(x)
        if tol is not None and np.linalg.norm(g) < tol:
            break
        x = x - lr * g
        trajectory.append(x)  # MISTAKE: only points after a step are recorded: x0 is missing
    return np.array(trajectory)


def _update_before_record(grad_fn, x0, lr, num_steps, tol=None):
    x = np.array(x0, dtype=float)
    trajectory = []
    for _ in range(num_steps + 1):
        g = grad_fn(x)
        if tol is not None and np.linalg.norm(g) < tol:
            break
        x = x - lr * g  # MISTAKE: the update comes before recording, so row 0 is x1, not x0
        trajectory.append(x)
    return np.array(trajectory)


def _tol_on_entries(grad_fn, x0, lr, num_steps, tol=None):
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(num_steps):
        g = grad_fn(x)
        if tol is not None and np.all(np.abs(g) < tol):  # MISTAKE: each entry against tol, not the norm
            break
        x = x - lr * g
        trajectory.append(x)
    return np.array(trajectory)


def _tol_on_signed_entries(grad_fn, x0, lr, num_steps, tol=None):
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(num_steps):
        g = grad_fn(x)
        if tol is not None and np.all(g < tol):  # MISTAKE: the gradient itself against tol (no norm, no abs)
            break
        x = x - lr * g
        trajectory.append(x)
    return np.array(trajectory)


def _tol_after_step(grad_fn, x0, lr, num_steps, tol=None):
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(num_steps):
        g = grad_fn(x)
        x = x - lr * g
        trajectory.append(x)
        if tol is not None and np.linalg.norm(g) < tol:  # MISTAKE: tested after the step: one step too many
            break
    return np.array(trajectory)


def _one_step_short(grad_fn, x0, lr, num_steps, tol=None):
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(num_steps - 1):  # MISTAKE: num_steps - 1 steps
        g = grad_fn(x)
        if tol is not None and np.linalg.norm(g) < tol:
            break
        x = x - lr * g
        trajectory.append(x)
    return np.array(trajectory)


def _same_array_appended(grad_fn, x0, lr, num_steps, tol=None):
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(num_steps):
        g = grad_fn(x)
        if tol is not None and np.linalg.norm(g) < tol:
            break
        x -= lr * g  # MISTAKE: in place: every row of the list is the same array, all equal to the last point
        trajectory.append(x)
    return np.array(trajectory)


def _last_point_only(grad_fn, x0, lr, num_steps, tol=None):
    return descent.gradient_descent(grad_fn, x0, lr, num_steps, tol)[-1]  # MISTAKE: only the final point


_M = [
    Mistake("gradient ascent: x + lr * grad", _ascent, "step against the gradient: x = x - lr * grad_fn(x)."),
    Mistake("x0 is not recorded (only the points after each step)", _start_not_recorded,
            "start the list with x0: trajectory = [x0], then append x after each step."),
    Mistake("the update comes before recording the start point (row 0 is x1)", _update_before_record,
            "record first, then step: trajectory = [x0]; for each step x = x - lr * g; trajectory.append(x)."),
    Mistake("tol compared with each gradient entry instead of the gradient's norm", _tol_on_entries,
            "stop when np.linalg.norm(g) < tol (the length of the gradient vector)."),
    Mistake("tol compared with the gradient itself (np.all(g < tol)) instead of its norm", _tol_on_signed_entries,
            "a gradient with negative entries is not small: stop when np.linalg.norm(g) < tol."),
    Mistake("tol tested after the step (one step too many)", _tol_after_step,
            "test before stepping: compute g = grad_fn(x); if norm(g) < tol: break; only then x = x - lr * g."),
    Mistake("one step too few (range(num_steps - 1))", _one_step_short,
            "take num_steps steps: for _ in range(num_steps), giving num_steps + 1 rows with x0."),
    Mistake("x updated in place (x -= ...) and appended: all rows are the same array", _same_array_appended,
            "create a new array at each step: x = x - lr * g (not x -= lr * g), then append it."),
    Mistake("returns only the last point, not the trajectory", _last_point_only,
            "collect every point in a list and return np.array(trajectory), shape (k + 1, d)."),
]
MISTAKES: dict[str, list[Mistake]] = {"gradient_descent": _M}


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


# (name, grad_fn, x0, lr, num_steps, tol) ; tol "omitted" means: called without tol
_CASES = [
    ("quadratic bowl, 10 steps", _bowl_grad, np.array([1.0, 1.0]), 0.05, 10, "omitted"),
    ("Rosenbrock, 25 steps", _rosenbrock_grad, np.array([-1.2, 1.0]), 1e-3, 25, None),
    ("num_steps=0", _bowl_grad, np.array([0.3, -0.4]), 0.1, 0, None),
    # x_k = -2**-k * [1, 1], ||grad|| = sqrt(2) * 2**-k: |entries| < 0.01 from k = 7, the norm from k = 8, and
    # the signed entries are below 0.01 (negative) from k = 0
    ("stops on tol=0.01", _slow_grad, np.array([-1.0, -1.0]), 0.5, 50, 0.01),
    ("tol=1e-12 never met in 6 steps", _bowl_grad, np.array([1.0, 1.0]), 0.05, 6, 1e-12),
]


# =========================================================================================================
# The checker.
# =========================================================================================================


@entry_point
def check_gradient_descent(learner_fn, *, time_limit=None):
    """Check ``gradient_descent(grad_fn, x0, lr, num_steps, tol=None) -> trajectory`` (float64, shape (k + 1, d),
    row 0 = x0, stopping before a step at the first x where norm(grad_fn(x)) < tol) against
    ``gdbp.descent.gradient_descent``.

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
                   c.case(_CASES[0][0]),
                   hint="keep the signature: def gradient_descent(grad_fn, x0, lr, num_steps, tol=None).")
        for case, grad_fn, x0, lr, num_steps, tol in _CASES:
            kwargs = {} if tol == "omitted" else {"tol": tol}
            inputs = Inputs({"x0": x0})
            out = guarded(c, case, lambda: c.fn(grad_fn, x0, lr, num_steps, **kwargs))
            fail_if_changed(c, inputs, case,
                            hint="x = x0.copy() (or np.array(x0, dtype=float)) before the loop, and x = x - lr * g.")
            expected = descent.gradient_descent(grad_fn, x0, lr, num_steps, **kwargs)
            tol_text = "" if tol == "omitted" else f", tol={tol!r}"
            check_array(c, out, "trajectory", expected=expected, case=case,
                        source=f"gdbp.descent.gradient_descent(grad_fn, x0={x0.tolist()}, lr={lr}, "
                               f"num_steps={num_steps}{tol_text})",
                        mistakes=thunks(_M, (grad_fn, x0, lr, num_steps), kwargs=kwargs))

    run("gradient_descent", learner_fn, body,
        hint="trajectory = [x0]; repeat num_steps times: g = grad_fn(x); stop if tol is given and "
             "norm(g) < tol; x = x - lr * g; append x. Return np.array(trajectory).")

"""Numerical gradients and gradient checking (CS231n style, but returning results instead of printing).

Finite differences, for a scalar function f of an array x and a small step h along entry i:

    forward:  df/dx_i ~ (f(x + h e_i) - f(x)) / h                error O(h)
    central:  df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h)     error O(h^2)

(Taylor: the h^2 f''/2 terms cancel in the central difference, leaving h^2 f'''/6.) Rounding adds an error
of about eps * |f| / h (eps = 2.2e-16), which is why h is not taken smaller than ~1e-5 in float64.

Nothing here mutates its inputs: ``x`` is copied to float64 once, and every call of ``f`` gets its own
copy, so an ``f`` that changes its argument in place cannot corrupt the check.

One consequence: CS231n's idiom ``f = lambda _: model.loss(X, y)[0]`` (an f that ignores its argument and
reads the model's own parameters, which CS231n's checker changes in place) sees no change here and gives a
gradient of exactly 0. ``numerical_gradient`` warns (:class:`ConstantFunctionWarning`) when f returned the
same value at every point, and at x + 1, although it does not look constant (it reads names other than
constants).

References: CS231n ``gradient_check.py`` (eval_numerical_gradient, eval_numerical_gradient_array,
rel_error); Nocedal & Wright, *Numerical Optimization*, section 8.1.
"""
import warnings
from typing import NamedTuple

import numpy as np

__all__ = ["rel_error", "numerical_gradient", "numerical_gradient_array", "GradCheckResult", "check_gradient",
           "ConstantFunctionWarning"]


class ConstantFunctionWarning(UserWarning):
    """f returned the same value at every point of a numerical gradient: the gradient is exactly 0."""


def _looks_constant(f) -> bool:
    """Whether f is a Python function that reads nothing but its argument and constants (``lambda v: 0.0``):
    a gradient of 0 is then what it should be. Anything that reads a global, a closure variable or an
    attribute (``lambda _: model.loss(X, y)[0]``) does not look constant."""
    code = getattr(f, "__code__", None)
    if code is None:
        return False
    return not code.co_names and not code.co_freevars


def _warn_if_constant(f, x, values, n_points):
    """Warn when f gave one value at every point, does not look constant, and gives it also at x + 1 (a point
    far away: a function that is merely symmetric around x, such as abs at 0, differs there)."""
    if not n_points or len(set(values)) != 1 or _looks_constant(f):
        return
    try:
        if _scalar_output(f, x + 1.0) != values[0]:
            return
    except Exception:  # noqa: BLE001 - an f that fails far from x: no evidence either way, no warning
        return
    warnings.warn(
        f"numerical_gradient: f returned the same value {values[0]!r} at all {n_points} points, so the gradient "
        f"is exactly 0 everywhere. If f should depend on x, it ignores its argument: for example "
        f"f = lambda _: model.loss(X, y)[0] (CS231n's idiom) reads the model's own parameters, which this "
        f"function never changes (it evaluates f on copies of x). Make f use its argument, e.g. "
        f"f = lambda w: loss_with_weights(w).", ConstantFunctionWarning, stacklevel=3)


def _as_float_array(x, name):
    """A new float64 array copy of ``x``; ValueError naming ``name`` if it is not numeric."""
    try:
        return np.array(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a numeric array; got {type(x).__name__}: {x!r}") from err


def _check_step(h):
    is_number = isinstance(h, (int, float, np.floating, np.integer)) and not isinstance(h, bool)
    if not (is_number and np.isfinite(h) and h > 0):
        raise ValueError(f"h must be a positive finite number (e.g. 1e-5); got {h!r}")
    return float(h)


def _elementwise_rel_errors(a, b):
    """|a - b| / max(1e-8, |a| + |b|) entry by entry; inf where a or b is not finite."""
    both_finite = np.isfinite(a) & np.isfinite(b)
    a_ok, b_ok = np.where(both_finite, a, 0.0), np.where(both_finite, b, 0.0)
    errors = np.abs(a_ok - b_ok) / np.maximum(1e-8, np.abs(a_ok) + np.abs(b_ok))
    return np.where(both_finite, errors, np.inf)


def rel_error(x, y) -> float:
    """Largest entrywise relative error between two arrays of the same shape.

    Convention (CS231n's): ``max_i |x_i - y_i| / max(1e-8, |x_i| + |y_i|)``.
    - The denominator is the *sum* |x_i| + |y_i|, so it lies in [0, 1]; 1 means opposite signs or one side 0.
    - The floor 1e-8 keeps two (near-)zero entries from dividing by zero: below it the error is absolute
      in units of 1e-8, e.g. x_i = 0, y_i = 1e-9 gives 0.1.
    - A non-finite entry (nan, inf) on either side counts as error ``inf``, so ``rel_error(...) < tol`` fails.

    Rule of thumb for float64 with central differences at h = 1e-5: < 1e-7 good, > 1e-2 a wrong gradient
    (kinks such as ReLU at 0 can give false alarms).

    Args:
        x, y: array-like of the same shape, at least one entry.
    Returns:
        the largest relative error, a Python float.
    """
    x, y = _as_float_array(x, "x"), _as_float_array(y, "y")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape; got x {x.shape} and y {y.shape}")
    if x.size == 0:
        raise ValueError("x and y must have at least one entry; got empty arrays")
    return float(np.max(_elementwise_rel_errors(x, y)))


def _scalar_output(f, x, name="f"):
    """f(copy of x) as a float; ValueError if f does not return a scalar."""
    out = f(x.copy())
    if np.ndim(out) != 0:
        raise ValueError(f"{name} must return a scalar (shape ()); got shape {np.shape(out)}")
    return float(out)


def numerical_gradient(f, x, h=1e-5, method="central"):
    """Finite-difference gradient of a scalar function ``f`` at ``x``.

    Args:
        f: function of an array of x's shape returning a scalar.
        x: array-like of any shape; copied to float64, never changed.
        h: step size, positive.
        method: ``"central"`` (error O(h^2), 2 evaluations per entry) or ``"forward"`` (error O(h),
            1 evaluation per entry plus f(x)); forward is here to show the difference in the notebooks.
    Returns:
        grad: float64 array, same shape as x, ``grad[i] ~ df/dx_i``.
    Warns:
        ConstantFunctionWarning: when f returned the same value at every point although it does not look
            constant (see the module docstring): the gradient is then exactly 0, most likely by mistake.
    """
    x = _as_float_array(x, "x")
    h = _check_step(h)
    if method not in ("central", "forward"):
        raise ValueError(f"method must be 'central' or 'forward'; got {method!r}")
    grad = np.zeros_like(x)
    fx = _scalar_output(f, x) if method == "forward" else None
    values = [] if fx is None else [fx]
    for i in np.ndindex(x.shape):
        x_plus = x.copy()
        x_plus[i] += h
        if method == "central":
            x_minus = x.copy()
            x_minus[i] -= h
            f_plus, f_minus = _scalar_output(f, x_plus), _scalar_output(f, x_minus)
            values += (f_plus, f_minus)
            grad[i] = (f_plus - f_minus) / (2 * h)
        else:
            f_plus = _scalar_output(f, x_plus)
            values.append(f_plus)
            grad[i] = (f_plus - fx) / h
    _warn_if_constant(f, x, values, len(values))
    return grad


def numerical_gradient_array(f, x, dout, h=1e-5):
    """Central-difference gradient of ``sum(f(x) * dout)`` with respect to ``x``, for an array-valued f.

    This is how a layer's backward pass is checked: ``dout`` is the upstream gradient dL/d(out), and the
    result is dL/dx = sum_j dout_j * d out_j / dx (the vector-Jacobian product).

    Args:
        f: function of an array of x's shape returning an array of dout's shape.
        x: array-like of any shape; copied to float64, never changed.
        dout: array-like, shape of f(x).
        h: step size, positive.
    Returns:
        dx: float64 array, same shape as x.
    """
    x = _as_float_array(x, "x")
    dout = _as_float_array(dout, "dout")
    h = _check_step(h)

    def f_checked(x_shifted):
        out = np.asarray(f(x_shifted.copy()), dtype=np.float64)
        if out.shape != dout.shape:
            raise ValueError(f"f must return an array of dout's shape {dout.shape}; got shape {out.shape}")
        return out

    dx = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[i] += h
        x_minus[i] -= h
        dx[i] = np.sum((f_checked(x_plus) - f_checked(x_minus)) * dout) / (2 * h)
    return dx


class GradCheckResult(NamedTuple):
    """Outcome of :func:`check_gradient`.

    Attributes:
        max_rel_error: largest entrywise relative error (convention of :func:`rel_error`).
        worst_index: index (tuple of ints) of the entry with that error; ``()`` for a 0-d x.
        analytic: the analytic gradient, float64, shape of x.
        numeric: the central-difference gradient, float64, shape of x.
    """

    max_rel_error: float
    worst_index: tuple
    analytic: np.ndarray
    numeric: np.ndarray


def check_gradient(f, analytic_grad, x, h=1e-5) -> GradCheckResult:
    """Compare an analytic gradient of a scalar function with central differences.

    Args:
        f: function of an array of x's shape returning a scalar.
        analytic_grad: the gradient to check, either an array of x's shape or a function ``x -> array``
            (called on a copy of x).
        x: array-like, at least one entry; copied to float64, never changed.
        h: step size for the central difference.
    Returns:
        GradCheckResult(max_rel_error, worst_index, analytic, numeric). Nothing is printed; decide with
        e.g. ``check_gradient(...).max_rel_error < 1e-7``.
    """
    x = _as_float_array(x, "x")
    if x.size == 0:
        raise ValueError("x must have at least one entry; got an empty array")
    if callable(analytic_grad):
        analytic = _as_float_array(analytic_grad(x.copy()), "analytic_grad(x)")
    else:
        analytic = _as_float_array(analytic_grad, "analytic_grad")
    if analytic.shape != x.shape:
        raise ValueError(f"analytic_grad must have x's shape {x.shape}; got shape {analytic.shape}")
    numeric = numerical_gradient(f, x, h=h, method="central")
    errors = _elementwise_rel_errors(analytic, numeric)
    worst_index = tuple(int(i) for i in np.unravel_index(np.argmax(errors), errors.shape))
    return GradCheckResult(float(errors[worst_index]), worst_index, analytic, numeric)

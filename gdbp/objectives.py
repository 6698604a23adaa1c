"""2-D objectives for optimizer experiments: value, analytic gradient, minima, a start point, plot bounds.

Each objective is an :class:`Objective`. A point ``p`` is an array of shape ``(2,)`` holding ``(x, y)``;
a grid of points (for contour plots) has shape ``(..., 2)``::

    >>> from gdbp.objectives import get_objective
    >>> rosenbrock = get_objective("rosenbrock")
    >>> rosenbrock([1.0, 1.0])              # same as rosenbrock.value([1.0, 1.0])
    np.float64(0.0)
    >>> rosenbrock.grad([0.0, 0.0])         # shape (2,)
    array([-2.,  0.])

Gradients are written by hand (no autograd) and checked against central differences in
``tests/test_objectives.py``. Formulas and minima follow the standard test-function list
(Wikipedia, "Test functions for optimization"; Surjanovic & Bingham, *Virtual Library of Simulation
Experiments*, https://www.sfu.ca/~ssurjano/optimization.html).

Overflow: for very large (but finite) inputs a value or gradient may overflow to ``inf``; this happens
silently (no RuntimeWarning), so that a diverging optimizer can notice a non-finite result and stop.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Objective", "OBJECTIVES", "get_objective"]


def _as_points(p, name="p"):
    """Return ``p`` as a new float64 array of shape (2,) or (..., 2); raise ValueError on bad input."""
    try:
        p = np.array(p, dtype=np.float64)  # np.array copies: a caller's array is never touched
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be numeric with shape (2,) or (..., 2); got {p!r}") from err
    if p.ndim == 0 or p.shape[-1] != 2:
        raise ValueError(f"{name} must have shape (2,) or (..., 2) (last axis = (x, y)); got shape {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name} must be finite; got non-finite entries in {p!r}")
    return p


def _readonly_point(xy):
    """A float64 array of shape (2,) that cannot be changed in place (registry entries are shared)."""
    point = np.array(xy, dtype=np.float64)
    point.setflags(write=False)
    return point


@dataclass(frozen=True, eq=False)
class Objective:
    """A 2-D test function f(x, y) with its analytic gradient.

    Attributes:
        name: registry key, e.g. ``"rosenbrock"``.
        formula: the function in words/maths, for plot titles and docs.
        value_fn: ``value_fn(x, y) -> f`` on arrays of equal shape (use :meth:`value` instead).
        grad_fn: ``grad_fn(x, y) -> (df/dx, df/dy)`` on arrays of equal shape (use :meth:`grad` instead).
        minima: tuple of global minimisers, each a read-only array of shape (2,); empty for the saddle.
        start: a standard start point, shape (2,), chosen so that an optimizer race is instructive.
        bounds: ``((xmin, xmax), (ymin, ymax))``, the window for contour plots.
        convex: whether f is convex on the whole plane.
        saddle_points: tuple of saddle points, shape (2,) each (recorded for the saddle objective).
    """

    name: str
    formula: str
    value_fn: Callable = field(repr=False)
    grad_fn: Callable = field(repr=False)
    minima: tuple
    start: np.ndarray
    bounds: tuple
    convex: bool
    saddle_points: tuple = ()

    def value(self, p):
        """f at ``p``: p of shape (2,) gives a float64 of shape (); p of shape (..., 2) gives shape (...)."""
        p = _as_points(p)
        with np.errstate(over="ignore", invalid="ignore"):
            f = np.asarray(self.value_fn(p[..., 0], p[..., 1]), dtype=np.float64)
        return f[()]  # indexing with () turns a 0-d array into a float64 scalar, leaves others as they are

    def grad(self, p):
        """Analytic gradient (df/dx, df/dy) at ``p``; returns a new array with the shape of ``p``."""
        p = _as_points(p)
        with np.errstate(over="ignore", invalid="ignore"):
            dfdx, dfdy = self.grad_fn(p[..., 0], p[..., 1])
        return np.stack(np.broadcast_arrays(dfdx, dfdy), axis=-1).astype(np.float64)

    def __call__(self, p):
        """Same as :meth:`value`."""
        return self.value(p)


# --- the functions, each as value and gradient in terms of x and y ------------------------------------

def _bowl(x, y):
    return x**2 + y**2


def _bowl_grad(x, y):
    return 2 * x, 2 * y


def _ill_conditioned(x, y):
    return 0.1 * x**2 + 2 * y**2


def _ill_conditioned_grad(x, y):
    return 0.2 * x, 4 * y


def _rosenbrock(x, y, a=1.0, b=100.0):
    return (a - x) ** 2 + b * (y - x**2) ** 2


def _rosenbrock_grad(x, y, a=1.0, b=100.0):
    return -2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)


def _beale_terms(x, y):
    """The three residuals of Beale's function: f = t1^2 + t2^2 + t3^2."""
    return 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3


def _beale(x, y):
    t1, t2, t3 = _beale_terms(x, y)
    return t1**2 + t2**2 + t3**2


def _beale_grad(x, y):
    t1, t2, t3 = _beale_terms(x, y)
    dfdx = 2 * t1 * (y - 1) + 2 * t2 * (y**2 - 1) + 2 * t3 * (y**3 - 1)
    dfdy = 2 * t1 * x + 2 * t2 * (2 * x * y) + 2 * t3 * (3 * x * y**2)
    return dfdx, dfdy


def _booth(x, y):
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


def _booth_grad(x, y):
    r1, r2 = x + 2 * y - 7, 2 * x + y - 5
    return 2 * r1 + 4 * r2, 4 * r1 + 2 * r2


def _himmelblau(x, y):
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def _himmelblau_grad(x, y):
    r1, r2 = x**2 + y - 11, x + y**2 - 7
    return 4 * x * r1 + 2 * r2, 2 * r1 + 4 * y * r2


def _saddle(x, y):
    return x**2 - y**2


def _saddle_grad(x, y):
    return 2 * x, -2 * y


def _make(name, formula, value_fn, grad_fn, minima, start, bounds, convex, saddle_points=()):
    return Objective(
        name=name,
        formula=formula,
        value_fn=value_fn,
        grad_fn=grad_fn,
        minima=tuple(_readonly_point(m) for m in minima),
        start=_readonly_point(start),
        bounds=bounds,
        convex=convex,
        saddle_points=tuple(_readonly_point(s) for s in saddle_points),
    )


#: All objectives by name. Start points: far enough from the minimum that the path shape shows
#: (zig-zag across a narrow valley, overshoot, escape from a saddle).
OBJECTIVES: dict[str, Objective] = {
    obj.name: obj
    for obj in (
        # Round bowl: every optimizer heads straight in. Plain GD diverges for lr > 1 (x <- (1 - 2 lr) x).
        _make("bowl", "x^2 + y^2", _bowl, _bowl_grad,
              minima=[(0.0, 0.0)], start=(-4.0, 3.0), bounds=((-5.0, 5.0), (-5.0, 5.0)), convex=True),
        # Condition number 20 (curvatures 0.2 and 4): GD zig-zags in y while crawling in x.
        _make("ill_conditioned", "0.1 x^2 + 2 y^2", _ill_conditioned, _ill_conditioned_grad,
              minima=[(0.0, 0.0)], start=(-4.5, 1.5), bounds=((-5.0, 5.0), (-3.0, 3.0)), convex=True),
        # Curved narrow valley y = x^2; minimum at (a, a^2) = (1, 1).
        _make("rosenbrock", "(1 - x)^2 + 100 (y - x^2)^2", _rosenbrock, _rosenbrock_grad,
              minima=[(1.0, 1.0)], start=(-1.5, 2.0), bounds=((-2.0, 2.0), (-1.0, 3.0)), convex=False),
        # Flat plateaus and steep walls; minimum (3, 0.5). Bounds are the usual search box.
        _make("beale", "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2", _beale, _beale_grad,
              minima=[(3.0, 0.5)], start=(1.0, 1.5), bounds=((-4.5, 4.5), (-4.5, 4.5)), convex=False),
        # A convex quadratic with a tilted valley (Hessian eigenvalues 2 and 18); minimum (1, 3).
        _make("booth", "(x + 2y - 7)^2 + (2x + y - 5)^2", _booth, _booth_grad,
              minima=[(1.0, 3.0)], start=(-8.0, 8.0), bounds=((-10.0, 10.0), (-10.0, 10.0)), convex=True),
        # Four global minima (f = 0); which one an optimizer reaches depends on its path: from (0.5, -0.5)
        # plain GD (lr 0.01) ends at (3.58, -1.85), momentum and Adam overshoot to (3, 2).
        _make("himmelblau", "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", _himmelblau, _himmelblau_grad,
              minima=[(3.0, 2.0), (-2.805118086952745, 3.131312518250573),
                      (-3.779310253377747, -3.2831859912861696), (3.5844283403304917, -1.8481265269644036)],
              start=(0.5, -0.5), bounds=((-5.0, 5.0), (-5.0, 5.0)), convex=False),
        # Unbounded below: no minimum. Starting almost on the x axis, GD slides to the saddle point
        # (0, 0) and lingers there before the tiny y component grows and it escapes.
        _make("saddle", "x^2 - y^2", _saddle, _saddle_grad,
              minima=[], start=(-4.0, 0.01), bounds=((-5.0, 5.0), (-5.0, 5.0)), convex=False,
              saddle_points=[(0.0, 0.0)]),
    )
}


def get_objective(name: str) -> Objective:
    """Return the objective registered under ``name`` (see ``OBJECTIVES``); ValueError listing names on a typo."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, one of {sorted(OBJECTIVES)}; got {type(name).__name__}")
    try:
        return OBJECTIVES[name]
    except KeyError:
        raise ValueError(f"unknown objective name {name!r}; expected one of {sorted(OBJECTIVES)}") from None

"""Running gradient descent and optimizer update rules on a gradient function; reference for exercise 1.

Plain gradient descent (Cauchy, 1847) repeats, for a learning rate lr:

    x_{t+1} = x_t - lr * grad f(x_t)

``gradient_descent`` is that loop and nothing else. ``optimize`` runs any update rule from ``gdbp.optim``
with the contract ``new_param, new_state = rule(param, grad, state, **hyperparameters)`` (``state`` is
``None`` on the first call), e.g. ``optimize(obj.grad, obj.start, gdbp.optim.adam, 200, lr=0.1)``.

Both return the *trajectory*: a float64 array of shape (k + 1, d) whose row 0 is x0 and row t the point
after t steps (k <= num_steps). Running is kept apart from plotting (see ``gdbp.plotting``).

Divergence: if an iterate becomes non-finite (inf or nan, e.g. lr too large), the run stops right there
and that non-finite iterate is the last row. If the gradient itself is non-finite at a finite point (it
overflowed), no step can be taken: a row of nan is recorded as the last row and the run stops. No warning
is raised and nothing is thrown: check with ``diverged(trajectory)`` (True exactly when the last row is
not finite) and use ``trajectory[np.isfinite(trajectory).all(axis=1)]`` for the finite part.
"""
import numpy as np

__all__ = ["gradient_descent", "optimize", "diverged"]


def _check_x0(x0):
    try:
        x = np.array(x0, dtype=np.float64)  # a copy: the caller's x0 is never changed
    except (TypeError, ValueError) as err:
        raise ValueError(f"x0 must be a numeric array of shape (d,); got {x0!r}") from err
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x0 must have shape (d,) with d >= 1; got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite; got {x!r}")
    return x


def _check_num_steps(num_steps):
    if isinstance(num_steps, bool) or not isinstance(num_steps, (int, np.integer)):
        raise TypeError(f"num_steps must be an int; got {type(num_steps).__name__}: {num_steps!r}")
    if num_steps < 0:
        raise ValueError(f"num_steps must be >= 0; got {num_steps}")
    return int(num_steps)


def _check_positive(value, name):
    is_number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not (is_number and np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number; got {value!r}")
    return float(value)


def _call_grad(grad_fn, x):
    """grad_fn at a copy of x, as a new float64 array of x's shape."""
    grad = np.array(grad_fn(x.copy()), dtype=np.float64)
    if grad.shape != x.shape:
        raise ValueError(f"grad_fn must return an array of x's shape {x.shape}; got shape {grad.shape}")
    return grad


def diverged(trajectory) -> bool:
    """True if a run stopped on a non-finite iterate, i.e. the last row of ``trajectory`` (k+1, d) is not finite."""
    trajectory = np.asarray(trajectory, dtype=np.float64)
    if trajectory.ndim != 2 or len(trajectory) == 0:
        raise ValueError(f"trajectory must have shape (k + 1, d) with k + 1 >= 1; got shape {trajectory.shape}")
    return not bool(np.all(np.isfinite(trajectory[-1])))


def gradient_descent(grad_fn, x0, lr, num_steps, tol=None):
    """Run plain gradient descent ``x <- x - lr * grad_fn(x)`` from ``x0``.

    Args:
        grad_fn: function ``x -> grad``, x and grad of shape (d,) (e.g. ``objective.grad``).
        x0: start point, array-like of shape (d,); copied, never changed.
        lr: learning rate (step size), positive.
        num_steps: maximal number of steps, int >= 0.
        tol: optional; stop before stepping when ``||grad_fn(x)||_2 < tol`` (x is then accepted as the answer).
    Returns:
        trajectory: float64 array of shape (k + 1, d), row 0 = x0, k <= num_steps steps taken. Stops early
        on ``tol`` or on divergence (a non-finite row is then the last row; see ``diverged``).
    """
    x = _check_x0(x0)
    lr = _check_positive(lr, "lr")
    num_steps = _check_num_steps(num_steps)
    tol = None if tol is None else _check_positive(tol, "tol")
    trajectory = [x]
    for _ in range(num_steps):
        grad = _call_grad(grad_fn, x)
        if not np.all(np.isfinite(grad)):  # overflowed gradient: diverged, no step possible
            trajectory.append(np.full_like(x, np.nan))
            break
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is detected below, not warned
            if tol is not None and np.linalg.norm(grad) < tol:
                break
            x = x - lr * grad
        trajectory.append(x)
        if not np.all(np.isfinite(x)):
            break
    return np.array(trajectory)


def optimize(grad_fn, x0, rule, num_steps, **hyperparameters):
    """Run an optimizer update rule for ``num_steps`` steps from ``x0``.

    The rule has the ``gdbp.optim`` contract ``new_param, new_state = rule(param, grad, state, **hp)``;
    ``state`` is ``None`` on the first call and whatever the rule returned afterwards.

    Args:
        grad_fn: function ``x -> grad``, x and grad of shape (d,).
        x0: start point, array-like of shape (d,); copied, never changed.
        rule: update rule, e.g. ``gdbp.optim.adam``.
        num_steps: number of steps, int >= 0.
        **hyperparameters: passed to every call of ``rule`` (``lr=0.1, beta1=0.9, ...``).
    Returns:
        trajectory: float64 array of shape (k + 1, d), row 0 = x0. k = num_steps unless the run diverged,
        in which case a non-finite row is the last row (see ``diverged``); no warning is raised.
    """
    x = _check_x0(x0)
    num_steps = _check_num_steps(num_steps)
    if not callable(rule):
        raise TypeError(f"rule must be callable as rule(param, grad, state, **hp); got {type(rule).__name__}")
    trajectory = [x]
    state = None
    for _ in range(num_steps):
        grad = _call_grad(grad_fn, x)
        if not np.all(np.isfinite(grad)):  # overflowed gradient: diverged, no step possible
            trajectory.append(np.full_like(x, np.nan))
            break
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is detected below, not warned
            result = rule(x.copy(), grad, state, **hyperparameters)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise ValueError(f"rule must return a pair (new_param, new_state); got {type(result).__name__}")
        new_param, state = result
        x = np.array(new_param, dtype=np.float64)  # a copy: the rule cannot change stored rows later
        if x.shape != trajectory[0].shape:
            raise ValueError(f"rule must return new_param of shape {trajectory[0].shape}; got shape {x.shape}")
        trajectory.append(x)
        if not np.all(np.isfinite(x)):
            break
    return np.array(trajectory)

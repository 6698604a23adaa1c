"""Input checks shared by the data helpers: each error names the argument, what was expected and
what came."""
import numbers

import numpy as np


def check_int(name, value, minimum):
    """Return ``value`` as an int, or raise TypeError/ValueError if it is not an integer >= minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_nonnegative(name, value):
    """Return ``value`` as a float, or raise TypeError/ValueError if it is not a finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a finite number >= 0, got {value!r} ({type(value).__name__})")
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return float(value)


def check_X_y(X, y, X_name="X", y_name="y"):
    """Return X, y as arrays after checking X has shape (N, ...) and y has shape (N,) or (N, k)."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim < 1:
        raise ValueError(f"{X_name} must have shape (N, ...), got a scalar")
    if y.ndim not in (1, 2):
        raise ValueError(f"{y_name} must have shape (N,) or (N, k), got shape {y.shape}")
    if len(X) != len(y):
        raise ValueError(
            f"{X_name} and {y_name} must have the same number of samples, "
            f"got {X_name}.shape={X.shape} and {y_name}.shape={y.shape}"
        )
    return X, y

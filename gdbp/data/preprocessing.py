"""Splitting a data set into train and test parts, and standardising features."""
import numbers

import numpy as np

from ._validate import check_X_y


def train_test_split(X, y, test_fraction=0.2, seed=0, stratify=False):
    """Split (X, y) at random into a training part and a held-out test part.

    Args:
        X: inputs, shape (N, ...).
        y: targets, shape (N,) or (N, k).
        test_fraction: share of the samples held out, strictly between 0 and 1; the test part gets
            round(test_fraction * N) samples (and at least 1 and at most N - 1).
        seed: seed of ``np.random.default_rng``.
        stratify: if True (y must then hold class labels, shape (N,)), each class is split
            separately, so that both parts keep the class proportions of y (up to rounding).

    Returns:
        X_train, X_test, y_train, y_test: copies, shapes (N - T, ...), (T, ...), (N - T,),
        (T,) for T test samples; within each part the order is random.
    """
    X, y = check_X_y(X, y)
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real):
        raise TypeError(f"test_fraction must be a number in (0, 1), got {test_fraction!r}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    N = len(X)
    if N < 2:
        raise ValueError(f"X must hold at least 2 samples to split, got {N}")
    rng = np.random.default_rng(seed)
    if stratify:
        if y.ndim != 1:
            raise ValueError(f"stratify=True needs class labels y of shape (N,), got shape {y.shape}")
        test_idx = []
        for label in np.unique(y):
            members = rng.permutation(np.flatnonzero(y == label))
            test_idx.append(members[: round(test_fraction * len(members))])
        test_idx = np.concatenate(test_idx)
    else:
        n_test = min(max(round(test_fraction * N), 1), N - 1)
        test_idx = rng.permutation(N)[:n_test]
    is_test = np.zeros(N, dtype=bool)
    is_test[test_idx] = True
    train_idx = rng.permutation(np.flatnonzero(~is_test))
    test_idx = rng.permutation(np.flatnonzero(is_test))
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


def standardize(X, mean=None, std=None):
    """Shift and scale every feature (column) of X to mean 0 and standard deviation 1.

    Fit on the training set, then apply the same ``mean`` and ``std`` to the test set::

        X_train, mean, std = standardize(X_train)
        X_test, _, _ = standardize(X_test, mean, std)

    Features that are constant (std 0, like the always-blank corner pixels of the digits) are only
    centred: their std is taken as 1 to avoid dividing by zero.

    Args:
        X: shape (N, D).
        mean: shape (D,), or None to use X's column means.
        std: shape (D,), or None to use X's column standard deviations.

    Returns:
        X_std: shape (N, D), float64, a new array (X is not changed).
        mean: shape (D,), the means used.
        std: shape (D,), the standard deviations used (zeros replaced by 1).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, D), got shape {X.shape}")
    if (mean is None) != (std is None):
        raise ValueError("pass both mean and std (to reuse a training set's statistics) or neither")
    if mean is None:
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        std = np.where(std > 0, std, 1.0)
    else:
        mean = np.asarray(mean, dtype=np.float64)
        std = np.asarray(std, dtype=np.float64)
        if mean.shape != (X.shape[1],) or std.shape != (X.shape[1],):
            raise ValueError(
                f"mean and std must have shape ({X.shape[1]},) to match X of shape {X.shape}, "
                f"got {mean.shape} and {std.shape}"
            )
        if np.any(std <= 0):
            raise ValueError("std must be > 0 everywhere (zeros are replaced by 1 when computed here)")
    return (X - mean) / std, mean, std

"""Small synthetic data sets with a known answer, each reproducible from a seed.

Every generator uses ``np.random.default_rng(seed)``, returns float64 inputs and, for
classification, int64 labels 0..n_classes-1 in shuffled order (so that a plain split or a
mini-batch contains every class).
"""
import numpy as np

from ._validate import check_int, check_nonnegative


def make_linear_regression(n_samples=100, n_features=1, noise=0.1, seed=0):
    """Noisy samples of a random linear function y = X @ w_true + b_true + noise * e.

    X, w_true, b_true and e are drawn from the standard normal distribution.

    Args:
        n_samples: N, an integer >= 1.
        n_features: D, an integer >= 1.
        noise: standard deviation of the additive Gaussian noise, >= 0 (0 gives exact targets).
        seed: seed of ``np.random.default_rng``.

    Returns:
        X: shape (N, D), float64.
        y: shape (N,), float64.
        w_true: shape (D,), float64, the weights that generated y.
        b_true: float, the bias that generated y.
    """
    N = check_int("n_samples", n_samples, minimum=1)
    D = check_int("n_features", n_features, minimum=1)
    noise = check_nonnegative("noise", noise)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    w_true = rng.standard_normal(D)
    b_true = float(rng.standard_normal())
    y = X @ w_true + b_true + noise * rng.standard_normal(N)
    return X, y, w_true, b_true


def _split_evenly(n, parts):
    """Sizes of ``parts`` groups adding up to n, differing by at most one (the first ones larger)."""
    return [n // parts + (1 if k < n % parts else 0) for k in range(parts)]


def _shuffled(X, y, rng):
    """X (float64) and y (int64) reordered by one random permutation."""
    order = rng.permutation(len(y))
    return X[order].astype(np.float64), y[order].astype(np.int64)


def make_moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles in 2-D, a classic set that a linear model cannot separate.

    Class 0 lies on the upper half circle (cos t, sin t), class 1 on the lower one
    (1 - cos t, 0.5 - sin t), for t evenly spaced in [0, pi]; then Gaussian noise of standard
    deviation ``noise`` is added to each coordinate. Same construction as scikit-learn's
    ``make_moons``.

    Args:
        n: total number of points N (class 0 gets the extra point when N is odd), >= 1.
        noise: standard deviation of the Gaussian noise, >= 0.
        seed: seed of ``np.random.default_rng``.

    Returns:
        X: shape (N, 2), float64.
        y: shape (N,), int64 in {0, 1}.
    """
    N = check_int("n", n, minimum=1)
    noise = check_nonnegative("noise", noise)
    rng = np.random.default_rng(seed)
    n0, n1 = _split_evenly(N, 2)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((N, 2))
    y = np.repeat(np.arange(2), [n0, n1])
    return _shuffled(X, y, rng)


def make_spirals(n=300, n_classes=3, noise=0.2, seed=0):
    """Interleaved spiral arms in 2-D, one per class (the CS231n "spiral" data set).

    For class k, point j of m has radius r = j / (m - 1) in [0, 1] and angle
    theta = 4k + 4r + noise * e (e standard normal), and sits at r * (sin theta, cos theta).

    Args:
        n: total number of points N, split as evenly as possible between classes, >= n_classes.
        n_classes: K, the number of arms, >= 2.
        noise: standard deviation of the Gaussian noise on the angle (radians), >= 0.
        seed: seed of ``np.random.default_rng``.

    Returns:
        X: shape (N, 2), float64, inside the unit disc.
        y: shape (N,), int64 in 0..K-1.

    Reference: CS231n, "Putting it together: minimal neural network case study".
    """
    K = check_int("n_classes", n_classes, minimum=2)
    N = check_int("n", n, minimum=K)
    noise = check_nonnegative("noise", noise)
    rng = np.random.default_rng(seed)
    counts = _split_evenly(N, K)
    X, y = [], []
    for k, m in enumerate(counts):
        r = np.linspace(0.0, 1.0, m)
        theta = 4.0 * k + 4.0 * r + noise * rng.standard_normal(m)
        X.append(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
        y.append(np.full(m, k))
    return _shuffled(np.vstack(X), np.concatenate(y), rng)


def make_xor(n=200, noise=0.1, seed=0):
    """The XOR problem in 2-D: four Gaussian blobs at the corners (+-1, +-1).

    The label is 1 where the two coordinates of the blob's centre have opposite signs
    (corners (-1, 1) and (1, -1)) and 0 otherwise: no single line separates the classes.
    Labels follow the blob a point was drawn from, so with a large ``noise`` some points
    cross into the other class's quadrant.

    Args:
        n: total number of points N, split as evenly as possible between the four blobs, >= 1.
        noise: standard deviation of each blob, >= 0.
        seed: seed of ``np.random.default_rng``.

    Returns:
        X: shape (N, 2), float64.
        y: shape (N,), int64 in {0, 1}.
    """
    N = check_int("n", n, minimum=1)
    noise = check_nonnegative("noise", noise)
    rng = np.random.default_rng(seed)
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0]])
    corner_labels = np.array([0, 0, 1, 1])
    which = np.repeat(np.arange(4), _split_evenly(N, 4))
    X = corners[which] + noise * rng.standard_normal((N, 2))
    y = corner_labels[which]
    return _shuffled(X, y, rng)

"""Mini-batches: split a data set into shuffled batches, one epoch at a time."""
import numpy as np

from ._validate import check_int, check_X_y


def batches(X, y, batch_size, shuffle=True, seed=None):
    """Split (X, y) into mini-batches covering every sample exactly once (one epoch).

    X and y are shuffled together by ONE permutation, so row i of ``X_batch`` still belongs
    with entry i of ``y_batch``. The last batch is kept even when it is smaller than
    ``batch_size``. The batches are copies: neither X nor y is ever changed.

    Args:
        X: inputs, shape (N, ...), e.g. (N, D).
        y: targets, shape (N,) (class labels) or (N, k).
        batch_size: number of samples per batch, an integer >= 1.
        shuffle: if False, the batches follow the original order.
        seed: seed of ``np.random.default_rng`` (an int, None for fresh entropy, or a Generator,
            which is then advanced: pass the same Generator every epoch to get a new order each time).

    Returns:
        An iterator of ``(X_batch, y_batch)`` with shapes (B, ...) and (B,) or (B, k), where
        B = batch_size except for the last batch, which holds the N % batch_size leftovers if any.

    Example:
        >>> X, y = np.arange(10).reshape(5, 2), np.arange(5)
        >>> [yb.tolist() for _, yb in batches(X, y, batch_size=2, shuffle=False)]
        [[0, 1], [2, 3], [4]]
    """
    X, y = check_X_y(X, y)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    N = len(X)
    order = np.random.default_rng(seed).permutation(N) if shuffle else np.arange(N)

    def generate():  # an inner generator, so that the checks above run at the call, not later
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            yield X[idx], y[idx]  # indexing with an array copies: the caller's X, y stay as they are

    return generate()

"""Vectorised layers and losses as forward/backward pairs (CS231n style).

Every layer is a pair of functions::

    out, cache = <op>_forward(inputs...)
    dx         = <op>_backward(dout, cache)          # activations
    dx, dw, db = affine_backward(dout, cache)        # layers with parameters

``cache`` holds what the backward pass needs from the forward pass (the inputs, or
intermediate results such as the ReLU mask) so nothing is computed twice. ``dout`` is the
upstream gradient dL/dout and has the shape of ``out``; every returned gradient has the
shape of the array it is the gradient of.

Losses return ``(loss, dscores)``: the scalar loss and its gradient with respect to the
first argument, ready to be fed to the last layer's backward pass.

Conventions (the course uses these everywhere):

- The batch is the first axis: ``N`` examples, ``D`` input features, ``M`` outputs,
  ``C`` classes.
- No function changes an input in place; every output is a new array.
- The dtype of the inputs is kept (float32 stays float32): no silent upcasting.
- Shape checks are cheap Python comparisons so that the functions stay fast enough for a
  training loop; bad shapes raise ``ValueError`` naming the arguments and their shapes.

References: CS231n assignment 2 (``layers.py``), https://cs231n.github.io/optimization-2/;
Goodfellow, Bengio & Courville, *Deep Learning* (2016), sections 6.2 and 6.5.
"""
import numpy as np

__all__ = [
    "affine_forward",
    "affine_backward",
    "relu_forward",
    "relu_backward",
    "sigmoid_forward",
    "sigmoid_backward",
    "tanh_forward",
    "tanh_backward",
    "softmax",
    "softmax_loss",
    "mse_loss",
    "l2_penalty",
]


# --------------------------------------------------------------------------- affine


def affine_forward(x, w, b):
    """Affine (fully connected) layer: ``out = x.reshape(N, D) @ w + b``.

    Each example of ``x`` is flattened to a row of ``D = d_1 * ... * d_k`` features, as in
    CS231n, so an image batch of shape (N, 3, 32, 32) can be fed directly.

    Parameters
    ----------
    x : array of shape (N, d_1, ..., d_k)
    w : array of shape (D, M)
    b : array of shape (M,)

    Returns
    -------
    out : array of shape (N, M)
    cache : tuple (x2d, w, x_shape) for ``affine_backward``; ``x2d`` of shape (N, D) is a
        view of ``x`` (no copy).
    """
    x, w, b = np.asarray(x), np.asarray(w), np.asarray(b)
    if x.ndim < 1 or w.ndim != 2 or b.shape != (w.shape[1],):
        raise ValueError(
            f"affine_forward: expected x of shape (N, d_1, ..., d_k), w of shape (D, M) and b of "
            f"shape (M,); got x {x.shape}, w {w.shape}, b {b.shape}"
        )
    x2d = x.reshape(x.shape[0], -1) if x.ndim != 2 else x
    if x2d.shape[1] != w.shape[0]:
        raise ValueError(
            f"affine_forward: x has {x2d.shape[1]} features per example (x.shape = {x.shape}) but "
            f"w has {w.shape[0]} rows (w.shape = {w.shape}); expected D = prod(x.shape[1:]) == w.shape[0]"
        )
    out = x2d @ w + b
    return out, (x2d, w, x.shape)


def affine_backward(dout, cache, *, need_dx=True):
    """Backward pass of ``affine_forward``.

    With ``out = x2d @ w + b``: ``dx2d = dout @ w.T``, ``dw = x2d.T @ dout`` and
    ``db = sum of dout over the batch``.

    Parameters
    ----------
    dout : array of shape (N, M), upstream gradient dL/dout
    cache : from ``affine_forward``
    need_dx : bool, keyword only (default True). The first layer of a network does not
        need dL/dx (x is the data), so ``MLP`` passes False to skip one matrix product;
        ``dx`` is then None. (PyTorch skips it the same way for inputs that do not
        require a gradient.)

    Returns
    -------
    dx : array of shape (N, d_1, ..., d_k), the shape of the original ``x`` (None if
        ``need_dx`` is False)
    dw : array of shape (D, M)
    db : array of shape (M,)
    """
    x2d, w, x_shape = cache
    dout = np.asarray(dout)
    if dout.shape != (x2d.shape[0], w.shape[1]):
        raise ValueError(
            f"affine_backward: expected dout of shape (N, M) = {(x2d.shape[0], w.shape[1])}, "
            f"got {dout.shape}"
        )
    dx = (dout @ w.T).reshape(x_shape) if need_dx else None
    dw = x2d.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


# --------------------------------------------------------------------------- activations


def relu_forward(x):
    """Rectified linear unit: ``out = max(x, 0)`` elementwise.

    Parameters
    ----------
    x : array of any shape

    Returns
    -------
    out : array of the shape of ``x``
    cache : boolean mask ``x > 0`` of the shape of ``x`` (reused by the backward pass)
    """
    x = np.asarray(x)
    mask = x > 0
    return np.maximum(x, 0), mask


def relu_backward(dout, cache):
    """Backward pass of ``relu_forward``: ``dx = dout * (x > 0)``.

    Convention at the kink: ReLU is not differentiable at exactly ``x == 0``; we use the
    derivative 0 there (the subgradient PyTorch's ``torch.relu`` also uses), because the
    mask is ``x > 0``, not ``x >= 0``.

    Parameters
    ----------
    dout : array of the shape of ``x``
    cache : the mask from ``relu_forward``

    Returns
    -------
    dx : array of the shape of ``x``
    """
    mask = cache
    dout = np.asarray(dout)
    _check_same_shape("relu_backward", dout, mask)
    return dout * mask


def sigmoid_forward(x):
    """Logistic sigmoid: ``out = 1 / (1 + exp(-x))`` elementwise, numerically stable.

    ``exp(-x)`` overflows for ``x < -709`` in float64 (``-88`` in float32). We only ever
    take ``exp(-|x|) <= 1`` and use the two equal forms::

        x >= 0:  1 / (1 + exp(-x))
        x <  0:  exp(x) / (1 + exp(x))

    so no overflow warning is raised and both tails keep full relative precision.

    Parameters
    ----------
    x : array of any shape

    Returns
    -------
    out : array of the shape of ``x``, values in [0, 1]
    cache : ``out`` (the derivative is ``out * (1 - out)``)
    """
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out, out


def sigmoid_backward(dout, cache):
    """Backward pass of ``sigmoid_forward``: ``dx = dout * out * (1 - out)``.

    Parameters
    ----------
    dout : array of the shape of ``x``
    cache : ``out`` from ``sigmoid_forward``

    Returns
    -------
    dx : array of the shape of ``x``
    """
    out = cache
    dout = np.asarray(dout)
    _check_same_shape("sigmoid_backward", dout, out)
    return dout * out * (1 - out)


def tanh_forward(x):
    """Hyperbolic tangent: ``out = tanh(x)`` elementwise (``np.tanh`` is stable for any x).

    Parameters
    ----------
    x : array of any shape

    Returns
    -------
    out : array of the shape of ``x``, values in [-1, 1]
    cache : ``out`` (the derivative is ``1 - out**2``)
    """
    out = np.tanh(np.asarray(x))
    return out, out


def tanh_backward(dout, cache):
    """Backward pass of ``tanh_forward``: ``dx = dout * (1 - out**2)``.

    Parameters
    ----------
    dout : array of the shape of ``x``
    cache : ``out`` from ``tanh_forward``

    Returns
    -------
    dx : array of the shape of ``x``
    """
    out = cache
    dout = np.asarray(dout)
    _check_same_shape("tanh_backward", dout, out)
    return dout * (1 - out * out)


# --------------------------------------------------------------------------- losses


def softmax(scores):
    """Softmax along the last axis, numerically stable: probabilities for predictions.

    ``softmax(s)_j = exp(s_j - max(s)) / sum_k exp(s_k - max(s))``; subtracting the row
    maximum changes nothing mathematically but keeps every ``exp`` in (0, 1], so logits of
    1e3 do not overflow.

    Parameters
    ----------
    scores : array of shape (N, C) (or (C,) for a single example)

    Returns
    -------
    probs : array of the shape of ``scores``, each row non-negative and summing to 1
    """
    scores = np.asarray(scores)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_loss(scores, y):
    """Softmax cross-entropy loss, averaged over the batch, and its gradient.

    ::

        loss          = (1/N) * sum_i ( logsumexp(scores[i, :]) - scores[i, y[i]] )
        dscores[i, j] = (softmax(scores)[i, j] - [j == y[i]]) / N

    Each row's maximum is subtracted first (``shifted = scores - max``), which changes
    neither the loss nor the gradient but keeps every ``exp`` in (0, 1] and every sum of
    exps in [1, C]; so logits around 1e3 give finite, correct values without warnings.
    This is what ``torch.nn.functional.cross_entropy(scores, y)`` computes (reduction "mean").

    Parameters
    ----------
    scores : array of shape (N, C), unnormalised class scores (logits)
    y : integer array of shape (N,), labels with ``0 <= y[i] < C``

    Returns
    -------
    loss : scalar of the dtype of ``scores``
    dscores : array of shape (N, C), dloss/dscores
    """
    scores, y = np.asarray(scores), np.asarray(y)
    if scores.ndim != 2 or y.shape != (scores.shape[0],):
        raise ValueError(
            f"softmax_loss: expected scores of shape (N, C) and y of shape (N,); "
            f"got scores {scores.shape} and y {y.shape}"
        )
    n, num_classes = scores.shape
    if n == 0 or num_classes == 0:
        raise ValueError(
            f"softmax_loss: scores must have at least one row and one class, got shape {scores.shape}"
        )
    if y.dtype.kind not in "iu":  # signed or unsigned integers
        raise ValueError(f"softmax_loss: y must hold integer class labels, got dtype {y.dtype}")
    if y.min() < 0 or y.max() >= num_classes:
        raise ValueError(
            f"softmax_loss: labels y must lie in [0, {num_classes - 1}] for scores with C = "
            f"{num_classes} classes; got values from {y.min()} to {y.max()}"
        )
    shifted = scores - scores.max(axis=1, keepdims=True)  # every exp(shifted) is in (0, 1]
    exp_shifted = np.exp(shifted)
    sum_exp = exp_shifted.sum(axis=1)  # in [1, C] (the row maximum gives exp(0) = 1): log is safe
    rows = np.arange(n)
    loss = (np.log(sum_exp) - shifted[rows, y]).sum() / n  # mean of -log softmax at the true class
    dscores = exp_shifted / sum_exp[:, None]  # softmax probabilities
    dscores[rows, y] -= 1
    dscores /= n
    return loss, dscores


def mse_loss(y_hat, y):
    """Mean squared error over all entries, and its gradient.

    Convention (the same as ``torch.nn.MSELoss()``, used throughout the course)::

        loss  = mean((y_hat - y)**2)          # mean over all N * M entries
        dy_hat = 2 * (y_hat - y) / y_hat.size

    Note: CS231n-style code sometimes uses ``(1/N) * sum_i 0.5 * ||y_hat_i - y_i||^2``
    instead; that differs by the factor ``M / 2``.

    Parameters
    ----------
    y_hat : array of shape (N, M), predictions
    y : array of shape (N, M), targets; the same shape is required (a target of shape
        (N,) against predictions (N, 1) would silently broadcast to (N, N))

    Returns
    -------
    loss : scalar of the dtype of ``y_hat - y``
    dy_hat : array of shape (N, M), dloss/dy_hat
    """
    y_hat, y = np.asarray(y_hat), np.asarray(y)
    if y_hat.shape != y.shape:
        raise ValueError(
            f"mse_loss: y_hat and y must have the same shape; got y_hat {y_hat.shape} and "
            f"y {y.shape} (reshape y, e.g. y.reshape(-1, 1))"
        )
    if y_hat.size == 0:
        raise ValueError("mse_loss: y_hat and y are empty; the mean of no entries is undefined")
    diff = y_hat - y
    loss = np.mean(diff * diff)
    dy_hat = diff * (2 / diff.size)
    return loss, dy_hat


def l2_penalty(w, reg):
    """L2 weight penalty ``0.5 * reg * sum(w**2)`` and its gradient ``reg * w``.

    The factor 0.5 (as in CS231n) makes the gradient exactly ``reg * w``; it is the same as
    weight decay of strength ``reg`` in plain SGD (``torch.optim.SGD(weight_decay=reg)``).
    Without the 0.5 the gradient would be ``2 * reg * w``.

    Parameters
    ----------
    w : array of any shape, usually a weight matrix (D, M)
    reg : float >= 0, regularisation strength

    Returns
    -------
    loss : scalar of the dtype of ``w``
    dw : array of the shape of ``w``
    """
    w = np.asarray(w)
    if not reg >= 0:  # also rejects nan
        raise ValueError(f"l2_penalty: reg must be a number >= 0, got {reg!r}")
    reg = float(reg)  # a Python float keeps w's dtype (a np.float64 would upcast float32)
    return 0.5 * reg * np.sum(w * w), reg * w


# --------------------------------------------------------------------------- helpers


def _check_same_shape(name, dout, cached):
    """Raise ValueError unless ``dout`` has the shape of the forward output."""
    if dout.shape != cached.shape:
        raise ValueError(
            f"{name}: expected dout of shape {cached.shape} (the forward output's), got {dout.shape}"
        )

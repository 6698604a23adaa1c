"""Linear regression with the mean squared error: the loss and its gradient, by hand.

The model predicts ``y_hat = X @ w + b`` and the loss is the mean over the N examples::

    L = (1/N) * sum_i (y_hat_i - y_i)**2

With the residual ``r = y_hat - y`` (shape (N,)) the chain rule gives ``dL/dr = 2 r / N`` and::

    dw = X.T @ (2 r / N)        shape (D,): each feature's column of X weighted by the residuals
    db = sum(2 r / N)           a float: the bias is added to every prediction

This is ``torch.nn.MSELoss()`` (reduction "mean") on ``X @ w + b``. Some texts use ``0.5 * mean``
instead, which removes the 2 from the gradient; this course keeps the plain mean.

Reference for the exercises "vectors and matrices" (``linear_mse_grad``) and "loss and gradient"
(``linear_loss_and_grad``), see docs/exercises.md.
"""
import numpy as np

__all__ = ["linear_loss_and_grad", "linear_mse_grad"]


def _check_inputs(X, y, w, b):
    """X, y, w as new float64 arrays and b as a float; ValueError naming the argument otherwise."""
    X, y, w = (np.array(a, dtype=np.float64) for a in (X, y, w))
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must have shape (N, D) with N >= 1; got shape {X.shape}")
    N, D = X.shape
    if y.shape != (N,):
        raise ValueError(f"y must have shape (N,) = ({N},); got shape {y.shape}")
    if w.shape != (D,):
        raise ValueError(f"w must have shape (D,) = ({D},); got shape {w.shape}")
    if np.ndim(b) != 0:
        raise ValueError(f"b must be a float; got an array of shape {np.shape(b)}")
    return X, y, w, float(b)


def linear_loss_and_grad(X, y, w, b):
    """Mean squared error of the linear model ``X @ w + b`` and its gradient.

    Args:
        X: inputs, shape (N, D).
        y: targets, shape (N,).
        w: weights, shape (D,).
        b: bias, a float.
    Returns:
        (loss, dw, db): loss a float, ``mean((X @ w + b - y)**2)``; dw = dL/dw, float64 array of shape (D,);
        db = dL/db, a float. Nothing is changed in place.
    """
    X, y, w, b = _check_inputs(X, y, w, b)
    N = X.shape[0]
    residual = X @ w + b - y  # (N,): y_hat - y
    loss = np.mean(residual**2)
    dresidual = 2 * residual / N  # dL/dresidual, (N,)
    dw = X.T @ dresidual  # (D,)
    db = np.sum(dresidual)
    return float(loss), dw, float(db)


def linear_mse_grad(X, y, w, b):
    """The gradient part of :func:`linear_loss_and_grad`: ``(dw, db)`` with dw of shape (D,), db a float."""
    _, dw, db = linear_loss_and_grad(X, y, w, b)
    return dw, db

"""A fully connected network (multi-layer perceptron) built from ``gdbp.layers``.

::

    X -> affine -> activation -> ... -> affine -> activation -> affine -> scores -> loss
         (W1, b1)                       (W_{L-1}, b_{L-1})       (W_L, b_L)

The model only computes: ``loss(X, y)`` returns the loss and the gradients, and an
optimizer (``gdbp.optim``) updates ``model.params``. The forward pass always reads the
arrays currently in ``model.params``, so an optimizer may replace them with new arrays.

Reference: CS231n assignment 2 (``FullyConnectedNet``), https://cs231n.github.io/neural-networks-1/.
"""
import math

import numpy as np

from gdbp.layers import (
    affine_backward,
    affine_forward,
    l2_penalty,
    mse_loss,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    softmax_loss,
    tanh_backward,
    tanh_forward,
)

__all__ = ["MLP"]

ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "tanh": (tanh_forward, tanh_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
}
LOSSES = {"softmax": softmax_loss, "mse": mse_loss}
INITS = ("he", "xavier")


class MLP:
    """Multi-layer perceptron: affine layers with an activation between them.

    Parameters
    ----------
    input_dim : int, number of input features D (inputs of shape (N, d_1, ..., d_k) with
        ``d_1 * ... * d_k == D`` are flattened, as in ``affine_forward``)
    hidden_dims : sequence of int, sizes of the hidden layers (may be empty: then the model
        is linear, e.g. softmax regression)
    output_dim : int, number of outputs M (classes C for ``loss="softmax"``)
    activation : "relu" | "tanh" | "sigmoid", applied after every hidden affine layer
    init : "he" | "xavier", how the weights are drawn (biases start at 0):

        - ``"he"`` (He et al., 2015): ``W ~ N(0, 2 / fan_in)``, made for ReLU;
        - ``"xavier"`` (Glorot & Bengio, 2010): ``W ~ N(0, 2 / (fan_in + fan_out))``, the
          normal variant (the paper's uniform ``U(-a, a)`` with
          ``a = sqrt(6 / (fan_in + fan_out))`` has the same variance), made for tanh.
    loss : "softmax" (cross-entropy on integer labels, ``layers.softmax_loss``) or
        "mse" (mean over all entries of ``(scores - y)**2``, ``layers.mse_loss``)
    reg : float >= 0, L2 strength: ``loss += 0.5 * reg * sum(W**2)`` for every weight
        matrix W (biases are not regularised), see ``layers.l2_penalty``
    seed : int, seed of ``np.random.default_rng`` for the initial weights
    dtype : np.float64 (default) or np.float32; parameters, activations, scores, loss
        and gradients all have this dtype (inputs X are cast to it)

    Attributes
    ----------
    params : dict name -> array, in the order W1, b1, W2, b2, ..., W_L, b_L;
        ``W_i`` of shape (dims[i-1], dims[i]) and ``b_i`` of shape (dims[i],) where
        ``dims = [input_dim, *hidden_dims, output_dim]``
    grads : dict with the same keys and shapes, set by the last call of ``loss``
    num_layers : int, number of affine layers L = len(hidden_dims) + 1
    """

    def __init__(
        self,
        input_dim,
        hidden_dims,
        output_dim,
        activation="relu",
        init="he",
        loss="softmax",
        reg=0.0,
        seed=0,
        dtype=np.float64,
    ):
        _check_positive_int("input_dim", input_dim)
        _check_positive_int("output_dim", output_dim)
        if isinstance(hidden_dims, (int, np.integer)):
            raise TypeError(
                f"MLP: hidden_dims must be a sequence of ints, e.g. ({hidden_dims},), "
                f"got the int {hidden_dims}"
            )
        hidden_dims = tuple(hidden_dims)
        for size in hidden_dims:
            _check_positive_int("hidden_dims entries", size)
        if activation not in ACTIVATIONS:
            raise ValueError(f"MLP: activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        if init not in INITS:
            raise ValueError(f"MLP: init must be one of {list(INITS)}, got {init!r}")
        if loss not in LOSSES:
            raise ValueError(f"MLP: loss must be one of {sorted(LOSSES)}, got {loss!r}")
        if not reg >= 0 or not math.isfinite(reg):
            raise ValueError(f"MLP: reg must be a finite number >= 0, got {reg!r}")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"MLP: dtype must be np.float32 or np.float64, got {dtype}")

        self.dims = (input_dim, *hidden_dims, output_dim)
        self.activation = activation
        self.init = init
        self.loss_name = loss
        self.reg = float(reg)  # a Python float never upcasts float32 arrays
        self.dtype = dtype
        self.num_layers = len(self.dims) - 1
        self._act_forward, self._act_backward = ACTIVATIONS[activation]
        self._loss_fn = LOSSES[loss]

        rng = np.random.default_rng(seed)
        self.params = {}
        for i in range(1, self.num_layers + 1):
            fan_in, fan_out = self.dims[i - 1], self.dims[i]
            std = math.sqrt(2 / fan_in) if init == "he" else math.sqrt(2 / (fan_in + fan_out))
            self.params[f"W{i}"] = (std * rng.standard_normal((fan_in, fan_out))).astype(dtype)
            self.params[f"b{i}"] = np.zeros(fan_out, dtype=dtype)
        self.grads = {}
        # Parameter names per layer, [("W1", "b1"), ("W2", "b2"), ...], built once.
        self._names = [(f"W{i}", f"b{i}") for i in range(1, self.num_layers + 1)]

    @property
    def num_params(self):
        """Total number of scalar parameters (weights and biases)."""
        return sum(p.size for p in self.params.values())

    def __repr__(self):
        dims = " -> ".join(str(d) for d in self.dims)
        return (
            f"MLP({dims}, activation={self.activation!r}, loss={self.loss_name!r}, "
            f"reg={self.reg}, dtype={self.dtype.name})"
        )

    def _forward(self, X):
        """Forward pass keeping the caches: returns scores (N, M) and a list of caches."""
        X = np.asarray(X, dtype=self.dtype)  # no copy when X already has the model's dtype
        params, caches = self.params, []
        h = X
        for W, b in self._names[:-1]:
            h, affine_cache = affine_forward(h, params[W], params[b])
            h, act_cache = self._act_forward(h)
            caches.append((affine_cache, act_cache))
        W, b = self._names[-1]
        scores, affine_cache = affine_forward(h, params[W], params[b])
        caches.append((affine_cache, None))  # no activation after the last layer
        return scores, caches

    def forward(self, X):
        """Scores of the last affine layer (no softmax).

        Parameters
        ----------
        X : array of shape (N, input_dim) or (N, d_1, ..., d_k) with prod(d_i) == input_dim

        Returns
        -------
        scores : array of shape (N, output_dim), of the model's dtype
        """
        return self._forward(X)[0]

    def loss(self, X, y):
        """Loss on a batch and the gradient of every parameter (backpropagation).

        Parameters
        ----------
        X : array of shape (N, input_dim) (or (N, d_1, ..., d_k), see ``forward``)
        y : for ``loss="softmax"`` integer labels of shape (N,) in [0, output_dim);
            for ``loss="mse"`` targets of shape (N, output_dim) (cast to the model's dtype)

        Returns
        -------
        loss : scalar of the model's dtype, data loss + 0.5 * reg * sum over weights of W**2
        grads : dict with the keys of ``params`` (same order), each gradient of the shape of
            its parameter; also stored as ``self.grads``
        """
        scores, caches = self._forward(X)
        if self.loss_name == "mse":
            y = np.asarray(y, dtype=self.dtype)
        loss, dout = self._loss_fn(scores, y)

        grads = dict.fromkeys(self.params)  # same keys, same order; filled from the last layer
        for i in range(self.num_layers - 1, -1, -1):
            W, b = self._names[i]
            affine_cache, act_cache = caches[i]
            if act_cache is not None:  # every layer but the last has an activation
                dout = self._act_backward(dout, act_cache)
            # The first layer's dL/dX is never used: skip that matrix product.
            dout, grads[W], grads[b] = affine_backward(dout, affine_cache, need_dx=i > 0)

        if self.reg > 0:  # weights only, biases are not regularised
            for W, _ in self._names:
                penalty, dW = l2_penalty(self.params[W], self.reg)
                loss = loss + penalty
                grads[W] += dW  # grads[W] is a fresh array owned by this call

        self.grads = grads
        return loss, grads

    def predict(self, X):
        """Predictions for X of shape (N, input_dim).

        Returns
        -------
        y_pred : for ``loss="softmax"`` integer class labels of shape (N,) (argmax of the
            scores); for ``loss="mse"`` the scores themselves, shape (N, output_dim)
        """
        scores = self.forward(X)
        if self.loss_name == "softmax":
            return scores.argmax(axis=1)
        return scores

    def accuracy(self, X, y):
        """Fraction of examples whose predicted class equals the label (``loss="softmax"`` only).

        Parameters
        ----------
        X : array of shape (N, input_dim)
        y : integer array of shape (N,)

        Returns
        -------
        accuracy : float in [0, 1]
        """
        if self.loss_name != "softmax":
            raise ValueError(
                f"MLP.accuracy: needs a classifier (loss='softmax'), this model has loss={self.loss_name!r}"
            )
        y = np.asarray(y)
        y_pred = self.predict(X)
        if y.shape != y_pred.shape:
            raise ValueError(f"MLP.accuracy: expected y of shape {y_pred.shape} (N,), got {y.shape}")
        return float(np.mean(y_pred == y))


def _check_positive_int(name, value):
    """Raise TypeError/ValueError unless value is a positive int (bool excluded)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"MLP: {name} must be a positive int, got {value!r} of type {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"MLP: {name} must be a positive int, got {value}")

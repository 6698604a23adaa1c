"""A small multilayer perceptron built from scalar ``Value`` nodes (micrograd's ``nn.py``).

Every weight is its own ``Value``, so a forward pass builds a graph of scalars and ``loss.backward()`` fills
``p.grad`` for every parameter ``p``. Slow (one Python object per multiply) but every step is visible; the
vectorised version of the same network is ``gdbp.model``.

Initialisation (as micrograd): each weight is drawn from uniform(-1, 1), each bias starts at 0. No fan-in
scaling, so keep layers small (tens of units). Draws come from ``np.random.default_rng(seed)``: the same seed
gives the same network. ``seed`` may also be a ``np.random.Generator``, which is used as is; an ``MLP`` hands
one generator to its layers and neurons in order, so its weights are one reproducible stream.

Layout: hidden layers apply the activation (``"relu"`` as micrograd, or ``"tanh"`` as in Karpathy's
lecture); the last layer is linear, so the network can output any real number.

Example (plain gradient descent on two points; no training helper needed)::

    >>> model = MLP(2, [4, 4, 1], seed=0)
    >>> X, y = [[2.0, 3.0], [3.0, -1.0]], [1.0, -1.0]
    >>> def mse():
    ...     return sum((model(x_i) - y_i) ** 2 for x_i, y_i in zip(X, y)) / len(X)
    >>> first = mse().data
    >>> for step in range(50):
    ...     loss = mse()
    ...     loss.backward()                 # resets old grads of the graph, then fills p.grad
    ...     for p in model.parameters():
    ...         p.data -= 0.05 * p.grad     # lr = 0.05
    >>> round(first, 3), mse().data < 1e-6      # from 1.141 to (almost) 0
    (1.141, True)

Reference: A. Karpathy, micrograd, https://github.com/karpathy/micrograd (``micrograd/nn.py``).
"""
import numbers

import numpy as np

from gdbp.engine import Value

ACTIVATIONS = ("relu", "tanh")


def _check_size(n, name):
    """Raise a ValueError unless ``n`` is a positive int."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{name} must be a positive int, got {n!r}")


class Module:
    """Shared helpers: ``parameters()`` lists the Values to train, ``zero_grad()`` sets their grads to 0."""

    def parameters(self):
        """All trainable Values of this module, in a fixed order."""
        return []

    def zero_grad(self):
        """Set ``p.grad = 0`` for every parameter (``Value.backward()`` already resets the graph it walks)."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """One unit: ``activation(w . x + b)``, or ``w . x + b`` when ``nonlin=False``.

    Args:
        n_in: number of inputs; ``w`` is a list of ``n_in`` Values.
        nonlin: apply the activation (True) or stay linear (False).
        activation: ``"relu"`` or ``"tanh"``.
        seed: int or ``np.random.Generator`` for the uniform(-1, 1) weights; ``b`` starts at 0.
    """

    def __init__(self, n_in, nonlin=True, activation="relu", seed=0):
        _check_size(n_in, "n_in")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        rng = np.random.default_rng(seed)
        self.w = [Value(w_i) for w_i in rng.uniform(-1.0, 1.0, size=n_in)]
        self.b = Value(0.0)
        self.nonlin = nonlin
        self.activation = activation

    def __call__(self, x):
        """Output Value for inputs ``x``: a sequence of ``n_in`` numbers or Values."""
        if len(x) != len(self.w):
            raise ValueError(f"x must have n_in={len(self.w)} entries, got {len(x)}")
        act = sum((w_i * x_i for w_i, x_i in zip(self.w, x)), self.b)
        if not self.nonlin:
            return act
        return act.relu() if self.activation == "relu" else act.tanh()

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        kind = self.activation if self.nonlin else "linear"
        return f"Neuron({len(self.w)}, {kind})"


class Layer(Module):
    """``n_out`` neurons reading the same ``n_in`` inputs; calling it returns a list of ``n_out`` Values."""

    def __init__(self, n_in, n_out, nonlin=True, activation="relu", seed=0):
        _check_size(n_out, "n_out")
        rng = np.random.default_rng(seed)
        self.neurons = [Neuron(n_in, nonlin, activation, seed=rng) for _ in range(n_out)]

    def __call__(self, x):
        """List of ``n_out`` output Values for inputs ``x`` (``n_in`` numbers or Values)."""
        return [neuron(x) for neuron in self.neurons]

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __repr__(self):
        return f"Layer({self.neurons})"


class MLP(Module):
    """Layers of sizes ``n_in -> n_outs[0] -> ... -> n_outs[-1]``; hidden layers use ``activation``, the last is linear.

    Calling it on ``n_in`` inputs returns a single Value if ``n_outs[-1] == 1``, else a list of Values.
    ``parameters()`` lists, layer by layer and neuron by neuron, the weights then the bias.
    """

    def __init__(self, n_in, n_outs, activation="relu", seed=0):
        _check_size(n_in, "n_in")
        if len(n_outs) == 0:
            raise ValueError("n_outs must list at least one layer size, got []")
        rng = np.random.default_rng(seed)
        sizes = [n_in] + list(n_outs)
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=(i < len(n_outs) - 1), activation=activation, seed=rng)
                       for i in range(len(n_outs))]

    def __call__(self, x):
        """Output Value (or list of Values) for one example ``x``: a sequence of ``n_in`` numbers or Values."""
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        return f"MLP({self.layers})"

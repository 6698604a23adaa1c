"""Tests of gdbp.scalar_nn: structure, deterministic initialisation, gradients against PyTorch, training."""
import doctest

import numpy as np
import pytest
from conftest import require_torch

import gdbp.scalar_nn
from gdbp.engine import Value
from gdbp.scalar_nn import MLP, Layer, Neuron


def test_mlp_parameter_count_and_order():
    model = MLP(3, [4, 2, 1], seed=0)
    assert len(model.parameters()) == (3 + 1) * 4 + (4 + 1) * 2 + (2 + 1) * 1
    first = model.layers[0].neurons[0]
    assert model.parameters()[:4] == first.w + [first.b]  # weights then bias, neuron by neuron
    assert all(isinstance(p, Value) for p in model.parameters())


def test_mlp_init_is_uniform_weights_and_zero_biases():
    model = MLP(5, [20, 20, 3], seed=1)
    weights = np.array([w.data for layer in model.layers for n in layer.neurons for w in n.w])
    biases = np.array([n.b.data for layer in model.layers for n in layer.neurons])
    assert np.all(np.abs(weights) <= 1.0) and np.all(biases == 0.0)
    assert weights.min() < -0.8 and weights.max() > 0.8  # 560 draws cover the range, not a narrow init
    assert len(set(weights.tolist())) == weights.size  # every weight drawn independently


def test_mlp_same_seed_same_weights_other_seed_differs():
    def data(m):
        return [p.data for p in m.parameters()]

    assert data(MLP(2, [3, 1], seed=7)) == data(MLP(2, [3, 1], seed=7))
    assert data(MLP(2, [3, 1], seed=7)) != data(MLP(2, [3, 1], seed=8))


def test_neuron_seed_matches_default_rng_uniform():
    neuron = Neuron(4, seed=3)
    expected = np.random.default_rng(3).uniform(-1.0, 1.0, size=4)
    assert [w.data for w in neuron.w] == expected.tolist()


def test_neuron_output_is_activation_of_weighted_sum():
    neuron = Neuron(3, activation="tanh", seed=0)
    x = [0.5, -1.0, 2.0]
    neuron.b.data = 0.25
    z = sum(w.data * x_i for w, x_i in zip(neuron.w, x)) + 0.25
    assert neuron(x).data == pytest.approx(np.tanh(z), rel=1e-15)
    assert Neuron(3, nonlin=False, seed=0)(x).data == pytest.approx(z - 0.25, rel=1e-15)
    relu_neuron = Neuron(3, seed=0)
    relu_neuron.b.data = -10.0  # w . x - 10 < 0 since |w_i| <= 1: relu gives exactly 0
    assert relu_neuron(x).data == 0.0
    relu_neuron.b.data = 10.0
    assert relu_neuron(x).data == pytest.approx(z - 0.25 + 10.0, rel=1e-15)


def test_mlp_hidden_layers_nonlinear_last_layer_linear():
    model = MLP(2, [3, 3, 2], activation="tanh", seed=0)
    assert [n.nonlin for layer in model.layers for n in layer.neurons] == [True] * 6 + [False] * 2
    assert all(n.activation == "tanh" for layer in model.layers for n in layer.neurons)


def test_mlp_call_returns_value_for_one_output_list_otherwise():
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2
    assert len(Layer(2, 1, seed=0)([1.0, 2.0])) == 1  # a Layer always returns a list


def test_mlp_accepts_numpy_inputs_and_does_not_change_them():
    x = np.array([0.5, -1.5])
    before = x.copy()
    out = MLP(2, [3, 1], seed=0)(x)
    assert isinstance(out, Value)
    np.testing.assert_array_equal(x, before)


def test_mlp_zero_grad_clears_every_parameter():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, -2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_mlp_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="n_in must be a positive int, got 0"):
        MLP(0, [2])
    with pytest.raises(ValueError, match="n_outs must list at least one layer size"):
        MLP(2, [])
    with pytest.raises(ValueError, match="n_out must be a positive int, got -1"):
        MLP(2, [3, -1])
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP(2, [3, 1], activation="sigmoid")
    with pytest.raises(ValueError, match="x must have n_in=2 entries, got 3"):
        MLP(2, [3, 1], seed=0)([1.0, 2.0, 3.0])


def test_scalar_nn_docstring_example_trains():
    """The module docstring's gradient-descent example runs and drives the loss to ~0."""
    result = doctest.testmod(gdbp.scalar_nn, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def _torch_mlp_loss(torch, model, X, y, activation):
    """The same network and mean squared error in PyTorch, from the model's current weights.

    Returns (loss, [(W, b) per layer]) with W of shape (n_out, n_in) and b of shape (n_out,)."""
    params = []
    for layer in model.layers:
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], requires_grad=True)
        b = torch.tensor([n.b.data for n in layer.neurons], requires_grad=True)
        params.append((W, b))
    act = torch.relu if activation == "relu" else torch.tanh
    h = torch.tensor(X)  # (N, n_in)
    for k, (W, b) in enumerate(params):
        h = h @ W.T + b
        if k < len(params) - 1:
            h = act(h)
    loss = ((h[:, 0] - torch.tensor(y)) ** 2).mean()
    return loss, params


@pytest.mark.torch
@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mlp_loss_and_grads_match_torch(activation, seed):
    torch = require_torch()
    rng = np.random.default_rng(100 + seed)
    X = rng.normal(size=(6, 3))
    y = rng.normal(size=6)
    model = MLP(3, [5, 4, 1], activation=activation, seed=seed)
    for layer in model.layers:  # nonzero biases, so that the bias path is tested too
        for neuron in layer.neurons:
            neuron.b.data = float(rng.uniform(-0.5, 0.5))

    loss = sum((model(x_i) - y_i) ** 2 for x_i, y_i in zip(X, y)) / len(X)
    loss.backward()
    loss_t, params_t = _torch_mlp_loss(torch, model, X, y, activation)
    loss_t.backward()

    # 1e-12: float64 with values and grads of order 1; the two only differ in summation order
    assert abs(loss.data - loss_t.item()) <= 1e-12
    for layer, (W, b) in zip(model.layers, params_t):
        grad_W = np.array([[w.grad for w in n.w] for n in layer.neurons])
        grad_b = np.array([n.b.grad for n in layer.neurons])
        assert np.max(np.abs(grad_W - W.grad.numpy())) <= 1e-12
        assert np.max(np.abs(grad_b - b.grad.numpy())) <= 1e-12
    assert any(p.grad != 0.0 for p in model.parameters())

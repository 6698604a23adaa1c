"""Tests of gdbp.model.MLP: gradients against central differences and PyTorch, initialisation,
dtypes, non-mutation, API and input errors.

Tolerances as in tests/test_layers.py: relative error < 1e-7 against central differences
(h = 1e-5, float64: truncation ~1e-10, rounding ~1e-11), max abs difference <= 1e-12 against
PyTorch in float64 (the same formulas, O(1) values).
"""
import numpy as np
import pytest
from conftest import require_torch

from gdbp.gradcheck import numerical_gradient, rel_error
from gdbp.model import MLP

GRAD_TOL = 1e-7
TORCH_TOL = 1e-12


def make_batch(model, n=5, seed=0):
    """A random batch (X, y) that fits ``model``: labels for softmax, targets for mse."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, model.dims[0]))
    if model.loss_name == "softmax":
        y = rng.integers(0, model.dims[-1], size=n)
    else:
        y = rng.standard_normal((n, model.dims[-1]))
    return X, y


def model_numerical_gradient(model, X, y, name):
    """Central-difference gradient of model.loss(X, y) with respect to params[name]."""
    original = model.params[name]

    def loss_at(value):
        model.params[name] = value
        return model.loss(X, y)[0]

    try:
        return numerical_gradient(loss_at, original)
    finally:
        model.params[name] = original


def randomize_biases(model, seed=1):
    """Non-zero biases, so that their gradients and their (absent) regularisation are tested."""
    rng = np.random.default_rng(seed)
    for name, p in model.params.items():
        if name.startswith("b"):
            model.params[name] = 0.1 * rng.standard_normal(p.shape)


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("loss", ["softmax", "mse"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_grads_match_central_differences(activation, loss):
    model = MLP(4, [6, 5], 3, activation=activation, loss=loss, reg=0.1, seed=0)
    randomize_biases(model)
    X, y = make_batch(model)

    _, grads = model.loss(X, y)

    for name in model.params:
        numeric = model_numerical_gradient(model, X, y, name)
        assert rel_error(grads[name], numeric) < GRAD_TOL, f"{name}: rel error {rel_error(grads[name], numeric):.2e}"


@pytest.mark.torch
@pytest.mark.parametrize("loss", ["softmax", "mse"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_matches_torch_autograd(activation, loss):
    torch = require_torch()
    model = MLP(4, [6, 5], 3, activation=activation, loss=loss, reg=0.1, seed=0)
    randomize_biases(model)
    X, y = make_batch(model, n=7)

    scores = model.forward(X)
    loss_value, grads = model.loss(X, y)

    params_t = {name: torch.tensor(p, requires_grad=True) for name, p in model.params.items()}
    h = torch.tensor(X)
    for i in range(1, model.num_layers + 1):
        h = h @ params_t[f"W{i}"] + params_t[f"b{i}"]
        if i < model.num_layers:
            h = getattr(torch, activation)(h)
    if loss == "softmax":
        loss_t = torch.nn.functional.cross_entropy(h, torch.tensor(y))
    else:
        loss_t = torch.nn.functional.mse_loss(h, torch.tensor(y))
    loss_t = loss_t + sum(0.5 * 0.1 * (params_t[f"W{i}"] ** 2).sum() for i in range(1, model.num_layers + 1))
    loss_t.backward()

    assert np.max(np.abs(scores - h.detach().numpy())) <= TORCH_TOL
    assert abs(float(loss_value) - loss_t.item()) <= TORCH_TOL
    for name, p_t in params_t.items():
        assert np.max(np.abs(grads[name] - p_t.grad.numpy())) <= TORCH_TOL, name


def test_mlp_reg_applies_to_weights_only():
    X, y = make_batch(MLP(4, [6], 3), seed=2)
    plain = MLP(4, [6], 3, reg=0.0, seed=3)
    regularised = MLP(4, [6], 3, reg=0.5, seed=3)
    randomize_biases(plain)
    randomize_biases(regularised)

    loss0, grads0 = plain.loss(X, y)
    loss1, grads1 = regularised.loss(X, y)

    penalty = sum(0.5 * 0.5 * np.sum(regularised.params[w] ** 2) for w in ("W1", "W2"))
    assert loss1 - loss0 == pytest.approx(penalty, rel=1e-12)
    for name in ("W1", "W2"):
        np.testing.assert_allclose(grads1[name] - grads0[name], 0.5 * regularised.params[name], atol=1e-15)
    for name in ("b1", "b2"):
        np.testing.assert_array_equal(grads1[name], grads0[name])


# --------------------------------------------------------------------------- structure, init


def test_mlp_params_names_shapes_and_order():
    model = MLP(8, [16, 12], 4)

    assert list(model.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    shapes = {name: p.shape for name, p in model.params.items()}
    assert shapes == {"W1": (8, 16), "b1": (16,), "W2": (16, 12), "b2": (12,), "W3": (12, 4), "b3": (4,)}
    assert model.num_params == 8 * 16 + 16 + 16 * 12 + 12 + 12 * 4 + 4
    assert all(np.all(model.params[b] == 0) for b in ("b1", "b2", "b3"))


def test_mlp_without_hidden_layers_is_linear():
    model = MLP(5, [], 3)
    X, _ = make_batch(model)

    assert list(model.params) == ["W1", "b1"]
    np.testing.assert_allclose(model.forward(X), X @ model.params["W1"], atol=1e-15)


@pytest.mark.parametrize(
    "init, expected_std", [("he", np.sqrt(2 / 400)), ("xavier", np.sqrt(2 / (400 + 600)))]
)
def test_mlp_init_has_documented_std(init, expected_std):
    W = MLP(400, [600], 2, init=init, seed=0).params["W1"]

    # 240,000 draws: the sample std is within ~0.15% (1 sigma) of the true std; 1% is ~7 sigma.
    assert W.std() == pytest.approx(expected_std, rel=0.01)
    assert abs(W.mean()) < 5 * expected_std / np.sqrt(W.size)


def test_mlp_same_seed_same_params_other_seed_differs():
    a, b, c = MLP(3, [4], 2, seed=7), MLP(3, [4], 2, seed=7), MLP(3, [4], 2, seed=8)

    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_mlp_loss_returns_and_stores_grads_with_param_keys():
    model = MLP(4, [5], 3)
    X, y = make_batch(model)

    loss, grads = model.loss(X, y)

    assert list(grads) == list(model.params)
    assert grads is model.grads
    for name, p in model.params.items():
        assert grads[name].shape == p.shape
    assert np.ndim(loss) == 0 and np.isfinite(loss)


def test_mlp_forward_reads_replaced_params():
    """An optimizer may put new arrays into model.params; forward must use them."""
    model = MLP(3, [4], 2)
    X, _ = make_batch(model)
    before = model.forward(X)

    model.params["b2"] = model.params["b2"] + 1.0

    np.testing.assert_allclose(model.forward(X), before + 1.0, atol=1e-15)


def test_mlp_accepts_4d_input_like_affine():
    model = MLP(12, [5], 3)
    X = np.random.default_rng(0).standard_normal((4, 3, 2, 2))

    np.testing.assert_array_equal(model.forward(X), model.forward(X.reshape(4, 12)))
    _, grads = model.loss(X, np.array([0, 1, 2, 0]))
    assert grads["W1"].shape == (12, 5)


# --------------------------------------------------------------------------- predict, accuracy, training


def test_mlp_predict_and_accuracy():
    model = MLP(4, [5], 3)
    X, _ = make_batch(model, n=10)
    scores = model.forward(X)

    y_pred = model.predict(X)

    np.testing.assert_array_equal(y_pred, scores.argmax(axis=1))
    y = y_pred.copy()
    y[:3] = (y[:3] + 1) % 3  # 3 of 10 wrong
    assert model.accuracy(X, y) == pytest.approx(0.7)


def test_mlp_predict_mse_returns_scores():
    model = MLP(4, [5], 2, loss="mse")
    X, _ = make_batch(model)

    np.testing.assert_array_equal(model.predict(X), model.forward(X))
    with pytest.raises(ValueError, match="loss='softmax'"):
        model.accuracy(X, np.zeros(5, dtype=int))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mlp_sgd_training_fits_a_small_problem(dtype):
    """Plain gradient descent on 40 points of 2 separable blobs reaches 100% accuracy."""
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 20)
    X = (rng.standard_normal((40, 2)) + 3 * np.where(y[:, None] == 0, -1, 1)).astype(dtype)
    model = MLP(2, [8], 2, reg=1e-3, seed=0, dtype=dtype)
    first_loss, _ = model.loss(X, y)

    for _ in range(100):
        loss, grads = model.loss(X, y)
        for name in model.params:
            model.params[name] = model.params[name] - 0.5 * grads[name]

    assert loss < 0.1 * first_loss
    assert model.accuracy(X, y) == 1.0


# --------------------------------------------------------------------------- dtypes, mutation


@pytest.mark.parametrize("loss", ["softmax", "mse"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_float32_stays_float32(activation, loss):
    model = MLP(4, [6], 3, activation=activation, loss=loss, reg=0.1, dtype=np.float32)
    X, y = make_batch(model)  # float64 data: the model casts it

    scores = model.forward(X)
    loss_value, grads = model.loss(X, y)

    assert all(p.dtype == np.float32 for p in model.params.values())
    assert scores.dtype == np.float32
    assert np.asarray(loss_value).dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())


def test_mlp_loss_does_not_mutate_inputs_or_params():
    model = MLP(4, [6], 3, reg=0.1)
    X, y = make_batch(model)
    X0, y0 = X.copy(), y.copy()
    params0 = {name: p.copy() for name, p in model.params.items()}

    model.loss(X, y)
    model.predict(X)

    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    for name, p in model.params.items():
        np.testing.assert_array_equal(p, params0[name])


def test_mlp_grads_are_new_arrays():
    """Gradients must not alias params (an optimizer updating params would corrupt them)."""
    model = MLP(4, [6], 3, reg=0.1)
    X, y = make_batch(model)

    _, grads = model.loss(X, y)

    for name in model.params:
        assert not np.shares_memory(grads[name], model.params[name])


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"input_dim": 0}, ValueError, "input_dim.*0"),
        ({"input_dim": 2.5}, TypeError, "input_dim.*2.5"),
        ({"hidden_dims": 5}, TypeError, r"hidden_dims.*\(5,\)"),
        ({"hidden_dims": [4, -1]}, ValueError, "hidden_dims.*-1"),
        ({"output_dim": True}, TypeError, "output_dim"),
        ({"activation": "gelu"}, ValueError, "activation.*'gelu'"),
        ({"init": "kaiming"}, ValueError, "init.*'kaiming'"),
        ({"loss": "hinge"}, ValueError, "loss.*'hinge'"),
        ({"reg": -1.0}, ValueError, "reg.*-1.0"),
        ({"reg": float("inf")}, ValueError, "reg.*inf"),
        ({"dtype": np.int64}, ValueError, "dtype.*int64"),
    ],
)
def test_mlp_bad_arguments_raise(kwargs, error, match):
    arguments = {"input_dim": 3, "hidden_dims": [4], "output_dim": 2} | kwargs
    with pytest.raises(error, match=match):
        MLP(**arguments)


def test_mlp_bad_batch_raises_value_error():
    model = MLP(4, [5], 3)
    X, y = make_batch(model)

    with pytest.raises(ValueError, match=r"x has 3 features.*w has 4 rows"):
        model.forward(X[:, :3])
    with pytest.raises(ValueError, match=r"y \(4,\)"):
        model.loss(X, y[:4])
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        model.loss(X, np.full(5, 3))
    with pytest.raises(ValueError, match=r"expected y of shape \(5,\)"):
        model.accuracy(X, y[:4])
    mse_model = MLP(4, [5], 1, loss="mse")
    with pytest.raises(ValueError, match=r"y_hat \(5, 1\) and y \(5,\)"):
        mse_model.loss(X, np.zeros(5))

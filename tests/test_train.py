"""Tests of gdbp.train: train_step and train, with the real MLP and Optimizer."""
import math
import time

import numpy as np
import pytest

from gdbp.data import load_digits, make_linear_regression, make_spirals, train_test_split
from gdbp.model import MLP
from gdbp.optim import Optimizer
from gdbp.train import History, train, train_step


def _spirals_model(seed=0):
    X, y = make_spirals(n=120, n_classes=3, noise=0.1, seed=0)
    return MLP(2, [16], 3, seed=seed), X, y


class _RecordingModel:
    """A stand-in model that records the labels of every batch it is given (loss 1.0, zero grads)."""

    def __init__(self, loss_value=1.0):
        self.params = {"w": np.zeros(1)}
        self.seen = []
        self.loss_value = loss_value

    def loss(self, X, y):
        self.seen.append(np.asarray(y).copy())
        return self.loss_value, {"w": np.zeros(1)}

    def accuracy(self, X, y):
        return 0.5


class _CountingOptimizer:
    def __init__(self):
        self.calls = 0

    def step(self, grads):
        self.calls += 1


# ---------------------------------------------------------------- train_step

def test_train_step_returns_loss_before_update_and_updates_params():
    model, X, y = _spirals_model()
    optimizer = Optimizer(model.params, rule="adam", lr=1e-2)
    expected_loss = float(model.loss(X, y)[0])
    W1_before = model.params["W1"].copy()
    loss = train_step(model, optimizer, X, y)
    assert isinstance(loss, float)
    assert loss == pytest.approx(expected_loss, rel=1e-12)  # same params, same batch: same loss
    assert not np.array_equal(model.params["W1"], W1_before)
    assert optimizer.t == 1


def test_train_step_loss_decreases_on_a_fixed_batch():
    model, X, y = _spirals_model()
    optimizer = Optimizer(model.params, rule="sgd", lr=0.5)
    losses = [train_step(model, optimizer, X, y) for _ in range(50)]
    assert losses[-1] < 0.8 * losses[0]  # full-batch gradient descent with a small enough lr


def test_train_step_does_not_mutate_batch():
    model, X, y = _spirals_model()
    X_before, y_before = X.copy(), y.copy()
    train_step(model, Optimizer(model.params, rule="adam", lr=1e-2), X, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


# ---------------------------------------------------------------- train: history

@pytest.mark.parametrize("N, batch_size, num_epochs", [(120, 32, 3), (120, 120, 2), (120, 7, 1), (5, 64, 4)])
def test_train_history_lengths(N, batch_size, num_epochs):
    X, y = make_spirals(n=max(N, 3), n_classes=3, noise=0.1, seed=0)
    X, y = X[:N], y[:N]
    model = MLP(2, [8], 3, seed=0)
    history = train(model, Optimizer(model.params, rule="adam", lr=1e-2), X, y, batch_size=batch_size,
                    num_epochs=num_epochs, X_val=X[:10], y_val=y[:10])
    assert isinstance(history, History)
    assert history.num_steps == len(history.loss) == num_epochs * math.ceil(N / batch_size)
    for name in ("train_loss", "train_acc", "val_loss", "val_acc"):
        assert len(getattr(history, name)) == num_epochs, name
    assert all(0.0 <= acc <= 1.0 for acc in history.train_acc + history.val_acc)
    assert history.seconds > 0


def test_train_without_validation_leaves_val_empty():
    model, X, y = _spirals_model()
    history = train(model, Optimizer(model.params, rule="adam", lr=1e-2), X, y, num_epochs=2)
    assert history.val_loss == [] and history.val_acc == []
    assert len(history.train_acc) == 2


def test_train_loss_decreases():
    model, X, y = _spirals_model()
    history = train(model, Optimizer(model.params, rule="adam", lr=2e-2), X, y, batch_size=16, num_epochs=30)
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert np.mean(history.loss[-8:]) < np.mean(history.loss[:8])
    assert history.train_acc[-1] > history.train_acc[0]


def test_train_epoch_metrics_match_model_after_training():
    model, X, y = _spirals_model()
    X_train, X_val, y_train, y_val = train_test_split(X, y, 0.25, seed=0)
    history = train(model, Optimizer(model.params, rule="adam", lr=1e-2), X_train, y_train,
                    num_epochs=3, X_val=X_val, y_val=y_val)
    assert history.train_acc[-1] == model.accuracy(X_train, y_train)
    assert history.val_acc[-1] == model.accuracy(X_val, y_val)
    assert history.val_loss[-1] == pytest.approx(float(model.loss(X_val, y_val)[0]), rel=1e-12)


def test_train_visits_every_sample_once_per_epoch_in_new_order():
    model, optimizer = _RecordingModel(), _CountingOptimizer()
    X, y = np.zeros((23, 2)), np.arange(23)
    history = train(model, optimizer, X, y, batch_size=5, num_epochs=3)
    per_epoch = 5 + 1  # ceil(23 / 5) = 5 steps, then one evaluation on the whole training set
    assert len(model.seen) == 3 * per_epoch
    assert history.num_steps == optimizer.calls == 15
    orders = []
    for epoch in range(3):
        steps = model.seen[epoch * per_epoch: epoch * per_epoch + 5]
        assert [len(batch) for batch in steps] == [5, 5, 5, 5, 3]
        orders.append(np.concatenate(steps))
        assert sorted(orders[-1].tolist()) == list(range(23))
    assert not np.array_equal(orders[0], orders[1])


def test_train_deterministic_under_seed():
    def run(seed):
        model, X, y = _spirals_model()
        return train(model, Optimizer(model.params, rule="adam", lr=1e-2), X, y, batch_size=16,
                     num_epochs=2, seed=seed)

    assert run(0).loss == run(0).loss
    assert run(0).loss != run(1).loss


def test_train_does_not_mutate_data():
    model, X, y = _spirals_model()
    X_before, y_before = X.copy(), y.copy()
    train(model, Optimizer(model.params, rule="adam", lr=1e-2), X, y, num_epochs=1, X_val=X, y_val=y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_train_regression_model_records_loss_not_accuracy():
    X, y, _, _ = make_linear_regression(n_samples=64, n_features=3, noise=0.1, seed=0)
    y = y.reshape(-1, 1)
    model = MLP(3, [], 1, loss="mse", seed=0)
    history = train(model, Optimizer(model.params, rule="adam", lr=5e-2), X, y, batch_size=16,
                    num_epochs=20, X_val=X, y_val=y)
    assert history.train_acc == [] and history.val_acc == []
    assert len(history.train_loss) == len(history.val_loss) == 20
    assert history.train_loss[-1] < 0.1 * history.train_loss[0]


# ---------------------------------------------------------------- train: divergence and errors

def test_train_nonfinite_loss_stops_with_message_and_keeps_params():
    model, X, y = _spirals_model()
    model.params["W2"][0, 0] = np.nan  # NaN propagates silently into the loss (no warning raised)
    before = {name: value.copy() for name, value in model.params.items()}
    optimizer = Optimizer(model.params, rule="adam", lr=0.5)
    with pytest.raises(FloatingPointError, match=r"loss became nan at step 1 \(epoch 1\).*learning rate.*lr=0.5"):
        train(model, optimizer, X, y, num_epochs=2)
    assert optimizer.t == 0  # the diverged step was not applied
    for name, value in before.items():
        np.testing.assert_array_equal(model.params[name], value)


def test_train_infinite_loss_stops_at_the_right_step():
    model, optimizer = _RecordingModel(loss_value=float("inf")), _CountingOptimizer()
    with pytest.raises(FloatingPointError, match="loss became inf at step 1"):
        train(model, optimizer, np.zeros((10, 2)), np.zeros(10, dtype=int), batch_size=4)
    assert optimizer.calls == 0


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow warnings on the way to inf are expected
def test_train_too_large_lr_diverges_with_clear_error():
    # Gradient descent on a least-squares problem diverges geometrically once lr is above 2 / L.
    X, y, _, _ = make_linear_regression(n_samples=64, n_features=3, noise=0.1, seed=0)
    model = MLP(3, [], 1, loss="mse", seed=0)
    with pytest.raises(FloatingPointError, match=r"learning rate too large \(lr=10.0\)\? Try one 10 times smaller"):
        train(model, Optimizer(model.params, rule="sgd", lr=10.0), X, y.reshape(-1, 1), batch_size=16,
              num_epochs=200)
    assert all(np.isfinite(value).all() for value in model.params.values())


@pytest.mark.parametrize("kwargs, error, word", [
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(num_epochs=0), ValueError, "num_epochs"),
    (dict(num_epochs=2.0), TypeError, "num_epochs"),
    (dict(X_val=np.zeros((3, 2))), ValueError, "X_val and y_val"),
    (dict(X_val=np.zeros((3, 2)), y_val=np.zeros(4, dtype=int)), ValueError, "X_val and y_val must have the same"),
])
def test_train_bad_input_raises_naming_argument(kwargs, error, word):
    model, X, y = _spirals_model()
    with pytest.raises(error, match=word):
        train(model, Optimizer(model.params, rule="adam"), X, y, **kwargs)


def test_train_mismatched_X_y_raises():
    model, X, y = _spirals_model()
    with pytest.raises(ValueError, match="same number of samples"):
        train(model, Optimizer(model.params, rule="adam"), X, y[:-1])


# ---------------------------------------------------------------- progress bar

def test_train_progress_bar_in_a_terminal_counts_steps_and_shows_the_last_epoch(capsys):
    model, X, y = _spirals_model()
    history = train(model, Optimizer(model.params, rule="adam", lr=1e-2), X, y, batch_size=40, num_epochs=2,
                    X_val=X, y_val=y, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""  # tqdm draws on stderr outside a notebook, so stdout stays the program's
    final = captured.err.rstrip("\n").rsplit("\r", 1)[-1]  # the bar's last redraw
    assert final.startswith("epoch 2/2: 100%") and " 6/6 " in final, final
    assert final.endswith(f"train loss {history.train_loss[-1]:.3f}, val acc {history.val_acc[-1]:.3f}]"), final


def test_train_progress_bar_closed_when_training_diverges(capsys, monkeypatch):
    import gdbp.train

    bars = []  # holds the bar, so that only train() can close it (not the garbage collector)
    make_bar = gdbp.train._progress_bar
    monkeypatch.setattr(gdbp.train, "_progress_bar", lambda *args: bars.append(make_bar(*args)) or bars[-1])
    with pytest.raises(FloatingPointError):
        train(_RecordingModel(loss_value=math.nan), _CountingOptimizer(), np.zeros((50, 2)), np.zeros(50),
              batch_size=10, num_epochs=5, progress=True)
    (bar,) = bars
    assert bar.disable, "the bar was left open: its line would be continued by the next output"
    err = capsys.readouterr().err
    assert err.endswith("\n") and " 0/25 " in err


@pytest.mark.slow
def test_train_progress_bar_in_a_notebook_is_a_widget():
    """In a kernel, tqdm.auto draws an ipywidgets bar: a widget display, nothing on stderr (red in Jupyter)."""
    import nbformat
    from nbclient import NotebookClient

    code = ("from gdbp.data import make_spirals\nfrom gdbp.model import MLP\nfrom gdbp.optim import Optimizer\n"
            "from gdbp.train import train\nX, y = make_spirals(n=60, n_classes=3, seed=0)\n"
            "model = MLP(2, [8], 3, seed=0)\n"
            "history = train(model, Optimizer(model.params, rule='adam'), X, y, num_epochs=2, progress=True)")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(nb, timeout=120).execute()
    outputs = nb.cells[0].outputs
    assert [o.output_type for o in outputs] == ["display_data"], outputs
    assert "application/vnd.jupyter.widget-view+json" in outputs[0].data
    # The bar's final state, as nbclient stores the widgets' models in the notebook's metadata.
    models = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"].values()
    (bar,) = [m["state"] for m in models if m["model_name"] == "FloatProgressModel"]
    assert (bar["value"], bar["max"], bar["bar_style"]) == (2, 2, "success")  # 60 samples, batch 64: 1 step/epoch
    texts = " ".join(m["state"]["value"] for m in models if m["model_name"] == "HTMLModel").replace("\u2007", " ")
    assert "epoch 2/2: 100%" in texts and "train loss" in texts and "train acc" in texts, texts


def test_train_silent_without_progress(capsys):
    model, X, y = _spirals_model()
    train(model, Optimizer(model.params, rule="adam"), X, y, num_epochs=1)
    assert capsys.readouterr() == ("", "")


# ---------------------------------------------------------------- the digits

def test_train_mlp_reaches_95_percent_on_digits():
    """MLP 64-64-10, Adam lr=1e-2, batch 64, 10 epochs (230 steps) on a stratified 80% of the digits,
    fixed seeds: the held-out accuracy is 96.7% (347 of 359; the bar is 95%). Time: 0.3-0.5 s of CPU,
    0.5-3 s wall on the 2-core CI machine depending on its load, so not marked slow."""
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2, seed=0, stratify=True)
    model = MLP(64, [64], 10, seed=0)
    optimizer = Optimizer(model.params, rule="adam", lr=1e-2)
    start = time.perf_counter()
    history = train(model, optimizer, X_train, y_train, batch_size=64, num_epochs=10,
                    X_val=X_test, y_val=y_test, seed=0)
    seconds = time.perf_counter() - start
    assert history.val_acc[-1] >= 0.95, f"held-out accuracy {history.val_acc[-1]:.3f} after {seconds:.2f} s"
    assert model.accuracy(X_test, y_test) == history.val_acc[-1]

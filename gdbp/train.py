"""The training loop: one step of mini-batch gradient descent, and epochs of them with a history.

Works with any ``model`` that has ``.loss(X, y) -> (loss, grads)`` and ``.accuracy(X, y)`` (such as
``gdbp.model.MLP``) and any ``optimizer`` that has ``.step(grads)`` (such as ``gdbp.optim.Optimizer``).
"""
import math
import time
from dataclasses import dataclass, field

import numpy as np

from gdbp.data import batches
from gdbp.data._validate import check_X_y, check_int


def train_step(model, optimizer, X_batch, y_batch):
    """One step of mini-batch gradient descent: forward, backward, update.

    Args:
        model: has ``loss(X, y) -> (loss, grads)``, grads a dict with the keys of its params.
        optimizer: has ``step(grads)``, which updates the model's params.
        X_batch: inputs, shape (B, D).
        y_batch: targets, shape (B,).

    Returns:
        The loss on this batch, a float, computed with the params from *before* the update.
    """
    loss, grads = model.loss(X_batch, y_batch)
    optimizer.step(grads)
    return float(loss)


@dataclass
class History:
    """What ``train`` recorded.

    Attributes:
        loss: the loss of every step (one mini-batch each), in order; length ``num_steps``.
        train_loss, train_acc: loss and accuracy on the whole training set after each epoch;
            length num_epochs (accuracy stays empty for a regression model, e.g. an MLP with
            ``loss="mse"``, or a model without ``accuracy``).
        val_loss, val_acc: the same on the validation set (empty lists when none was given).
        seconds: wall-clock time of the whole run (evaluations included).
    """

    loss: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def num_steps(self):
        """Number of optimizer steps taken (= len(loss))."""
        return len(self.loss)


def _progress_bar(num_epochs, steps_per_epoch):
    """A tqdm bar over all the steps of a run: a widget in a notebook, a text line in a terminal
    (``tqdm.auto`` chooses; the widget needs ipywidgets, installed with the course)."""
    from tqdm.auto import tqdm  # noqa: PLC0415 - only a run with progress=True needs it

    return tqdm(total=num_epochs * steps_per_epoch, unit="step", desc=f"epoch 1/{num_epochs}")


def _epoch_summary(history):
    """What was measured after the last epoch, short enough to leave room for the bar in a notebook:
    the training loss and the best other measure, e.g. ``train loss 0.101, val acc 0.973``."""
    parts = [f"train loss {history.train_loss[-1]:.3f}"]
    for name in ("val_acc", "val_loss", "train_acc"):
        values = getattr(history, name)
        if values:
            parts.append(f"{name.replace('_', ' ')} {values[-1]:.3f}")
            break
    return ", ".join(parts)


def _diverged_message(loss, step, epoch, optimizer):
    lr = getattr(optimizer, "lr", None)
    lr_text = f" (lr={lr})" if isinstance(lr, (int, float)) else ""
    return (f"the loss became {loss} at step {step} (epoch {epoch}): training diverged. Is the learning "
            f"rate too large{lr_text}? Try one 10 times smaller. The params keep their values from "
            f"before this step.")


def train(model, optimizer, X, y, *, batch_size=64, num_epochs=10, X_val=None, y_val=None, seed=0,
          progress=False):
    """Train ``model`` with ``optimizer`` for ``num_epochs`` passes over (X, y) in mini-batches.

    Each epoch visits every training sample exactly once, in a new random order (``batches`` with a
    generator seeded once by ``seed``, so a run is reproducible), taking one step on each batch as
    ``train_step`` does (with a check of the loss before the update). After each epoch the model
    is evaluated on the whole training set and, if given, on the validation set. The model's params are updated in place through the optimizer.

    Args:
        model: e.g. ``gdbp.model.MLP``; needs ``loss(X, y) -> (loss, grads)``, and ``accuracy(X, y)``
            to record accuracies.
        optimizer: e.g. ``gdbp.optim.Optimizer(model.params, rule="adam", lr=1e-3)``; needs ``step``.
        X: training inputs, shape (N, D).
        y: training labels, shape (N,) (or targets (N, M) for a regression model).
        batch_size: samples per step (the last batch of an epoch may be smaller), >= 1.
        num_epochs: passes over the training set, >= 1.
        X_val, y_val: optional validation set, shapes (M, D) and (M,); give both or neither.
        seed: seed of the shuffling.
        progress: if True, show a progress bar over all the steps (tqdm: a widget in a notebook, a
            line on stderr in a terminal) with the current epoch and what was measured after the
            last one (the training loss, and the validation accuracy when there is a validation set).

    Returns:
        A ``History``: ``num_steps = num_epochs * ceil(N / batch_size)`` step losses and per-epoch
        train/val loss and accuracy. (The losses include the model's regularisation term, if any.)

    Raises:
        FloatingPointError: as soon as a step's loss is NaN or infinite (training diverged; the
            usual cause is a learning rate that is too large). That step's update is not applied.
    """
    X, y = check_X_y(X, y)
    if (X_val is None) != (y_val is None):
        raise ValueError("pass both X_val and y_val, or neither")
    if X_val is not None:
        X_val, y_val = check_X_y(X_val, y_val, "X_val", "y_val")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    num_epochs = check_int("num_epochs", num_epochs, minimum=1)

    # Accuracy only means something for a classifier: not for an MLP with loss="mse".
    classifier = hasattr(model, "accuracy") and getattr(model, "loss_name", "softmax") == "softmax"
    rng = np.random.default_rng(seed)  # one generator: a new order every epoch, the same run every time
    steps_per_epoch = math.ceil(len(X) / batch_size)
    history = History()
    bar = _progress_bar(num_epochs, steps_per_epoch) if progress else None
    start = time.perf_counter()
    try:
        for epoch in range(1, num_epochs + 1):
            for X_batch, y_batch in batches(X, y, batch_size, seed=rng):
                # train_step, with a check between the loss and the update: a NaN/inf loss stops
                # training before the update, so the params keep their last finite values.
                loss, grads = model.loss(X_batch, y_batch)
                loss = float(loss)
                if not math.isfinite(loss):
                    raise FloatingPointError(_diverged_message(loss, history.num_steps + 1, epoch, optimizer))
                optimizer.step(grads)
                history.loss.append(loss)
                if bar is not None:
                    bar.update()

            history.train_loss.append(float(model.loss(X, y)[0]))
            if classifier:
                history.train_acc.append(model.accuracy(X, y))
            if X_val is not None:
                history.val_loss.append(float(model.loss(X_val, y_val)[0]))
                if classifier:
                    history.val_acc.append(model.accuracy(X_val, y_val))
            if bar is not None:
                bar.set_description(f"epoch {min(epoch + 1, num_epochs)}/{num_epochs}", refresh=False)
                bar.set_postfix_str(_epoch_summary(history))
    finally:
        if bar is not None:
            bar.close()
    history.seconds = time.perf_counter() - start
    return history

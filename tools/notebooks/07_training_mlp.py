"""Authoring source of solutions/07_training_mlp: training a network end to end on the 8x8 digits.

Run ``.venv/bin/python tools/notebooks/07_training_mlp.py`` to rebuild the instructor notebook, then
regenerate the learner release with ``gdbp-course release 07_training_mlp`` (see CONTRIBUTING).

Exercise 1 (graded, docs/exercises.md): ``train_step(model, optimizer, X_batch, y_batch) -> loss``, checked by
``gdbp.checks.check_train_step`` against ``gdbp.train.train_step``, after a worked example: one step of
notebook 04's linear regression with pure functions (the network's step has the same two halves, with
objects).

Exercise 2 (the learner owns the result, issue 10): ``training_settings() -> dict`` returns the learner's
choice of ``lr``, ``batch_size``, ``num_epochs``, ``init`` and ``reg``, made by looking at the validation split
(section 4 shows what each setting does). It has no test cell and no points of its own: the cell after it
trains with the learner's ``train_step`` (``gdbp.train.train_step``, with a note, while the learner's does not
pass its checker, so a wrong ``train_step`` is reported by its checker and never blamed on the settings) and
*reports* whether the validation accuracy reaches the 95% target, printing what to change; no assertion,
so every later cell runs. Until the exercise is written the notebook trains with ``STARTING_SETTINGS``, which
fall short of the target. Section 6 measures the learner's network once on the test set, also as a report.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from tools.nbbuild import Notebook  # noqa: E402

NAME = "07_training_mlp"

# Instructor-only code of the test cell: the learner did not borrow gdbp.train.train_step (watched while the
# learner's function runs on a throwaway model), and it agrees with the reference over more steps, other
# optimizers and another network. Tolerance 0: the same two calls give bit-identical results.
HIDDEN_TRAIN_STEP = r'''
import copy

import gdbp.train
from gdbp.instructor.hidden import assert_not_reference
from gdbp.model import MLP
from gdbp.optim import Optimizer

_probe = MLP(4, (3,), 2, seed=0)
assert_not_reference(train_step, gdbp.train.train_step,
                     args=(_probe, Optimizer(_probe.params, rule="sgd", lr=0.1), np.ones((3, 4)), np.array([0, 1, 1])))


def _agrees_with_reference(rule, hyperparameters, seed, num_steps=5):
    """num_steps steps on a tanh network against gdbp.train.train_step on a deep copy."""
    rng = np.random.default_rng(seed)
    model = MLP(6, (5, 4), 3, activation="tanh", reg=0.01, seed=seed)
    reference = copy.deepcopy(model)
    optimizer = Optimizer(model.params, rule=rule, **hyperparameters)
    reference_optimizer = Optimizer(reference.params, rule=rule, **hyperparameters)
    for step in range(num_steps):
        X_batch, y_batch = rng.normal(size=(7, 6)), rng.integers(0, 3, size=7)
        loss = train_step(model, optimizer, X_batch, y_batch)
        expected = gdbp.train.train_step(reference, reference_optimizer, X_batch, y_batch)
        assert isinstance(loss, float) and loss == expected, \
            f"train_step ({rule}, seed {seed}, step {step + 1}): returned {loss!r}, expected {expected!r}"
        for name, value in reference.params.items():
            np.testing.assert_array_equal(model.params[name], value,
                                          err_msg=f"{name} after step {step + 1} ({rule}, seed {seed})")


_agrees_with_reference("sgd", {"lr": 0.1}, seed=51)
_agrees_with_reference("momentum", {"lr": 0.05, "momentum": 0.9}, seed=52)
_agrees_with_reference("adam", {"lr": 0.01}, seed=53)
'''

nb = Notebook(NAME)

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
# 07 · Training a network end to end

## Learning goals

- You will train a multilayer perceptron on the 8x8 handwritten digits and reach the **target: at least 95%
  accuracy on held-out images** the network never saw during training, **with settings you choose**.
- You will split the data three ways: a **training** set to fit the weights, a **validation** set to compare
  settings, and a **test** set touched once, at the very end, for an honest final number.
- You will write the heart of every training loop, `train_step(model, optimizer, X_batch, y_batch) -> loss`,
  and point at the line where backpropagation **computes** the gradient and the line where gradient descent
  **uses** it.
- You will see what the **learning rate**, the **batch size**, the **initialization** and the **L2 penalty**
  (`reg`) do, make a network **overfit** a small training set, and then pick all of them yourself.
- You will read **loss and accuracy curves**, and look at the digits your network gets wrong.

**Where we are.** Notebook 06 built the layers and backpropagated through a two-layer network by hand;
`gdbp.model.MLP` does the same for any number of layers. Notebook 04 wrote gradient descent in mini-batches.
Here the two meet: *backpropagation computes the gradient, gradient descent uses it*, once per mini-batch,
hundreds of times, and the network learns to read digits.
""", cell_id="intro")
nb.exercise_rules()

nb.code(r'''
%matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm

import gdbp.train
# yours_or_reference(fn, reference): your function once it passes its checker, else gdbp's reference, with a note
from gdbp.course import yours_or_reference
from gdbp.data import batches, load_digits, make_linear_regression, standardize, train_test_split
from gdbp.layers import softmax, softmax_loss
from gdbp.linear import linear_loss_and_grad
from gdbp.model import MLP
from gdbp.optim import Optimizer
from gdbp.plotting import plot_losses
from gdbp.train import train
''', cell_id="setup")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 1. The data: 1797 digits of 8x8 pixels

`gdbp.data.load_digits()` returns `X` of shape (1797, 64), each row an 8x8 image flattened row by row with
pixels in $[0, 1]$, and labels `y` of shape (1797,) in $0..9$ (the UCI optical digits, shipped with gdbp).

We split the images three ways, each with `train_test_split` (`stratify=True` keeps the ten classes equally
represented in every part):

- a **test set** (20% of all images) is put aside first and not looked at again until section 6: its accuracy
  there estimates how the network does on new digits, and it stays honest only if nothing was chosen by
  looking at it;
- a **validation set** (20% of the rest) is what we look at while choosing settings (learning rate, number of
  epochs, batch size, `reg`, ...) and watching training curves;
- the **training set** (the remaining 1151 images) is the only one the network learns from.

Then we **standardize** each pixel to mean 0 and standard deviation 1, with statistics of the training set
only (the other sets must not influence training, not even through their mean). Inputs on a common scale make the
loss surface better conditioned: notebook 08 shows why that speeds up gradient descent.
""", cell_id="md_data")

nb.code(r'''
X, y = load_digits()
X_rest, X_test_raw, y_rest, y_test = train_test_split(X, y, test_fraction=0.2, seed=0, stratify=True)
X_train_raw, X_val_raw, y_train, y_val = train_test_split(X_rest, y_rest, test_fraction=0.2, seed=1, stratify=True)
X_train, mean, std = standardize(X_train_raw)
X_val, _, _ = standardize(X_val_raw, mean, std)
X_test, _, _ = standardize(X_test_raw, mean, std)  # for section 6 only
print(f"training {X_train.shape}, validation {X_val.shape}, test {X_test.shape}")
print("training images per class:", np.bincount(y_train))

fig, axes = plt.subplots(2, 10, figsize=(10, 2.6))
for ax, i in zip(axes.ravel(), range(20)):
    ax.imshow(X_train_raw[i].reshape(8, 8), cmap="gray_r")
    ax.set_title(str(y_train[i]))
    ax.axis("off")
fig.suptitle("the first 20 training images and their labels")
plt.show()
plt.close(fig)
''', cell_id="data")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 2. The model

`MLP(64, (64,), 10)`: 64 pixels $\to$ affine $\to$ ReLU (64 hidden units) $\to$ affine $\to$ 10 class scores,
with the softmax cross-entropy loss. Weights start random, biases at 0; `init="he"` (the default) draws
$W \sim \mathcal N(0, 2/\text{fan\_in})$, `init="xavier"` $\mathcal N(0, 2/(\text{fan\_in} + \text{fan\_out}))$,
and `reg=λ` adds an L2 penalty (section 4). Two methods matter for training:

- `model.loss(X, y) -> (loss, grads)`: the forward pass, the loss, and **backpropagation**; `grads` is a dict
  with the same keys and shapes as `model.params`.
- `model.accuracy(X, y)`: the fraction of images whose highest score is the right class.

**A sanity check before training.** An untrained network should not prefer any class, so its predicted
probabilities are roughly $1/10$ each and the loss about $-\log(1/10) = \log 10 \approx 2.30$, with an
accuracy near 10%. Random weights make some scores larger than others, so the loss is usually a bit above
$\log 10$; a very different starting loss means a bug, or weights on the wrong scale (section 4).
""", cell_id="md_model")

nb.code(r'''
model = MLP(64, (64,), 10, seed=0)
print(model)
for name, value in model.params.items():
    print(f"  {name}: shape {value.shape}")
print(f"{model.num_params} parameters")
loss, grads = model.loss(X_train, y_train)
print(f"before training: loss {loss:.3f} (log 10 = {np.log(10):.3f}), accuracy {model.accuracy(X_train, y_train):.3f}")
''', cell_id="model")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 3. One training step

Training repeats one step on mini-batch after mini-batch. A step has exactly two halves, and they are the two
halves of the course's question:

$$\underbrace{L,\ \nabla_\theta L \text{ on the batch}}_{\text{backpropagation computes the gradient}}
\qquad\qquad
\underbrace{\theta \leftarrow \theta - \eta\, \nabla_\theta L}_{\text{gradient descent uses it}}$$

### A worked example: one step of notebook 04

In notebook 04 the model was a line, $\hat y = Xw + b$, its parameters two plain variables, and the gradient a
formula derived by hand (`gdbp.linear.linear_loss_and_grad(X, y, w, b) -> (loss, dw, db)`). One step of
mini-batch gradient descent computes the loss and the gradient on the batch, **with the parameters from before
the step**, then moves the parameters against the gradient, and hands back the loss it measured. That loss
costs nothing extra: it was computed on the way to the gradient.
""", cell_id="md_worked_step")

nb.code(r'''
def linear_step(w, b, X_batch, y_batch, lr):
    """One step of mini-batch gradient descent on linear regression: returns (new w, new b, loss before)."""
    loss, dw, db = linear_loss_and_grad(X_batch, y_batch, w, b)  # compute: the gradient at (w, b)
    return w - lr * dw, b - lr * db, loss                         # use it: a gradient descent step


X_line, y_line, w_true, b_true = make_linear_regression(n_samples=64, n_features=2, noise=0.1, seed=0)
w, b = np.zeros(2), 0.0
for epoch in range(1, 6):
    losses = []
    for X_batch, y_batch in batches(X_line, y_line, 16, seed=epoch):
        w, b, loss = linear_step(w, b, X_batch, y_batch, lr=0.1)
        losses.append(loss)
    print(f"epoch {epoch}: mean batch loss {np.mean(losses):.4f}, w = {w.round(3)}, b = {b:.3f}")
print(f"the line that made the data: w = {w_true.round(3)}, b = {b_true:.3f}")
''', cell_id="worked_step")

nb.md(r"""
### The same step for a network

A network has many parameter arrays, so gdbp keeps them in objects instead of passing them around:

- the **model** holds the dict `model.params` and computes `model.loss(X, y) -> (loss, grads)`: the loss on
  the batch, and by backpropagation `grads`, a dict with the keys of `model.params`. It reads `model.params`
  at every call, so the next call sees whatever the dict holds then.
- the **optimizer**, `gdbp.optim.Optimizer(model.params, rule="sgd", lr=0.1)`, holds **the same dict** and has
  a method `step(grads)` that takes such a dict of gradients and replaces each `model.params[name]` with its
  updated array (for `"sgd"`, $\theta - \eta\,\nabla_\theta L$; other rules in notebooks 08-10). The learning
  rate lives in the optimizer, so the step does not take one.

### Exercise 1: the training step (2 points)

Write `train_step(model, optimizer, X_batch, y_batch) -> loss`, the network's version of `linear_step`:

- `model`: an object with `model.loss` as above. `optimizer`: an object with `optimizer.step` as above.
- `X_batch`: float array of shape `(B, 64)` (B images); `y_batch`: integer array of shape `(B,)`.
- Return the loss on this batch **from before the update**, as a Python `float`.
- Compute the loss and gradient **once** and update **once** per call (the checker counts the calls). Do not
  change `model.params` yourself (the optimizer does), nor `X_batch` or `y_batch`. Using
  `gdbp.train.train_step` does not count (the grader checks).
""", cell_id="md_train_step")

nb.solution("train_step", r'''
def train_step(model, optimizer, X_batch, y_batch):
    """One step of mini-batch training: forward and backward pass (model.loss), then one optimizer update.

    X_batch: (B, D) floats; y_batch: (B,) integer labels. Returns the loss from before the update, a float.
    """
    ### BEGIN SOLUTION
    loss, grads = model.loss(X_batch, y_batch)  # backpropagation computes the gradient
    optimizer.step(grads)  # gradient descent uses it
    return float(loss)
    ### END SOLUTION
''')

nb.hints("train_step", [r"""
Follow `linear_step` half by half. Its first line becomes the model's method that returns the loss and the
gradients; its second line, the arithmetic on `w` and `b`, becomes one call of the optimizer, which knows the
parameters and the learning rate already.
""", (r"the order", r"""
The loss must be measured **before** the update, so the call that computes it comes first; its gradients
are what the update uses. `model.loss` returns a numpy float: `float(...)` makes it a Python float.
"""), r"""
```python
def train_step(model, optimizer, X_batch, y_batch):
    loss, grads = ...        # compute: the forward and backward pass on the batch
    ...                      # use: one optimizer step with those gradients
    return ...               # the loss from before the step, a Python float
```
"""])

nb.test("test_train_step", points=2, source=r'''
"""train_step: one forward/backward pass, one optimizer step with its gradients, the loss before the step."""
from gdbp.checks import check_train_step

check_train_step(train_step)
''', hidden=HIDDEN_TRAIN_STEP)

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 4. The training loop, and what each setting does

An **epoch** is one pass over the training set in shuffled mini-batches (`gdbp.data.batches`, notebook 04):
with 1151 images and batches of 32 that is 36 steps. `fit` below runs a step function for a number of epochs
(with a progress bar) and measures, after each epoch, the loss and accuracy on the training set and on the
validation set. It stops early, and says so, if the loss becomes NaN or infinite (training diverged). The
cell after it picks your `train_step` once it passes its test, and `gdbp.train.train_step` until then.

Five settings decide how well the network learns: the learning rate `lr`, the batch size, the number of
epochs, the initialization and the L2 penalty `reg`. In section 5 you choose them; this section shows what
each one does, always measured on the **validation** set. The runs are short (8 epochs) and start from the
same initial weights, so that only the setting under study changes.
""", cell_id="md_fit")

nb.code(r'''
def evaluate(model, X, y):
    """Data loss (no L2 term) and accuracy of model on (X, y)."""
    scores = model.forward(X)
    return float(softmax_loss(scores, y)[0]), float(np.mean(scores.argmax(axis=1) == y))


def fit(step_fn, model, optimizer, X_tr, y_tr, num_epochs, batch_size=32, seed=0, desc="training"):
    """Train with step_fn(model, optimizer, X_batch, y_batch) -> loss for num_epochs epochs.

    Returns a dict of lists: "loss" (one per step), and per epoch "train_loss", "train_acc", "val_loss",
    "val_acc" (the validation set X_val, y_val); "diverged_at" is the step whose loss was NaN or infinite
    (training stops there), or None.
    """
    rng = np.random.default_rng(seed)  # one generator: a new shuffle every epoch, the same run every time
    history = {key: [] for key in ("loss", "train_loss", "train_acc", "val_loss", "val_acc")}
    history["diverged_at"] = None
    bar = tqdm(range(num_epochs), desc=desc, unit="epoch", leave=False)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run overflows: report it, no warnings
        for epoch in bar:
            for X_batch, y_batch in batches(X_tr, y_tr, batch_size, seed=rng):
                loss = step_fn(model, optimizer, X_batch, y_batch)
                history["loss"].append(loss)
                if not np.isfinite(loss):
                    history["diverged_at"] = len(history["loss"])
                    bar.close()
                    return history
            for part, (X_part, y_part) in (("train", (X_tr, y_tr)), ("val", (X_val, y_val))):
                part_loss, part_acc = evaluate(model, X_part, y_part)
                history[f"{part}_loss"].append(part_loss)
                history[f"{part}_acc"].append(part_acc)
            bar.set_postfix(val_acc=f"{history['val_acc'][-1]:.3f}")
    return history


def smooth(losses, window=36):
    """Moving average over one epoch of steps, to see the trend through the mini-batch noise."""
    return np.convolve(losses, np.ones(window) / window, mode="valid")
''', cell_id="fit_helpers")

nb.code(r'''
step_fn = yours_or_reference(train_step, gdbp.train.train_step)
''', cell_id="step_fn")

nb.md(r"""
These runs use `gdbp.train.train(model, optimizer, X, y, batch_size=..., num_epochs=..., X_val=..., y_val=...)`,
the library's version of `fit`, which returns a `History` (`.loss` per step, `.train_loss`, `.val_acc`, ...
per epoch) and stops with a `FloatingPointError` as soon as the loss becomes NaN or infinite.

### The learning rate

Too small and the loss falls slowly; larger and it falls faster, but more jumpily; too large and the steps
overshoot (notebook 01): the loss grows from step to step, and at some point it overflows and training
**diverges**.
""", cell_id="md_lr")

nb.code(r'''
curves = {}
for lr in tqdm((0.01, 0.1, 1.0, 3.0, 10.0), desc="learning rates", leave=False):
    model = MLP(64, (64,), 10, seed=0)
    optimizer = Optimizer(model.params, rule="sgd", lr=lr)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run overflows: no warnings
            h = train(model, optimizer, X_train, y_train, batch_size=32, num_epochs=8, X_val=X_val, y_val=y_val)
    except FloatingPointError as err:
        print(f"lr = {lr:<5}: diverged. {err}")
        continue
    exploded = " (the loss exploded)" if h.train_loss[-1] > h.loss[0] else ""
    curves[f"lr = {lr}" + (f", off the top: up to {max(h.loss):.0e}" if exploded else "")] = smooth(h.loss)
    print(f"lr = {lr:<5}: final training loss {h.train_loss[-1]:.2e}{exploded}, validation accuracy {h.val_acc[-1]:.3f}")
fig, ax = plt.subplots(figsize=(8, 4.5))
for label, curve in curves.items():
    ax.semilogy(curve, label=label)
ax.set(xlabel="step", ylabel="loss", ylim=(1e-3, 1e2),
       title="SGD on the digits, 8 epochs: training loss (moving average)")
ax.legend()
plt.show()
plt.close(fig)
''', cell_id="lr_sweep")

nb.md(r"""
### The batch size

With a fixed number of **epochs**, a larger batch means **fewer steps**: 8 epochs are 1152 steps with batches
of 8, but only 8 steps with the full batch of 1151 (classic "batch" gradient descent). Each step of a large
batch has a more accurate gradient, but at the same learning rate that does not make up for taking 144 times
fewer of them. The right panel plots the same runs against the number of steps: per step, large batches are
at least as good; small batches win per epoch, that is per unit of computation on this CPU. (Notebook 04
discussed this trade-off; in practice the learning rate is raised with the batch size.)
""", cell_id="md_batch")

nb.code(r'''
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for batch_size in tqdm((8, 32, 256, len(X_train)), desc="batch sizes", leave=False):
    model = MLP(64, (64,), 10, seed=0)
    optimizer = Optimizer(model.params, rule="sgd", lr=0.1)
    start = time.process_time()
    h = train(model, optimizer, X_train, y_train, batch_size=batch_size, num_epochs=8, X_val=X_val, y_val=y_val)
    seconds = time.process_time() - start
    steps_per_epoch = h.num_steps // 8
    label = f"batch {batch_size}"
    axes[0].plot(np.arange(1, 9), h.val_acc, "o-", label=label)
    axes[1].plot(steps_per_epoch * np.arange(1, 9), h.val_acc, "o-", label=label)
    print(f"{label:11s}: {h.num_steps:5d} steps, {seconds:.2f} s CPU, validation accuracy {h.val_acc[-1]:.3f}")
axes[0].set(xlabel="epoch", ylabel="validation accuracy", title="per epoch (the same data seen)")
axes[1].set(xlabel="steps (log scale)", xscale="log", title="per step (the same number of updates)")
for ax in axes:
    ax.legend(fontsize="small")
fig.tight_layout()
plt.show()
plt.close(fig)
''', cell_id="batch_sweep")

nb.md(r"""
### The initialization

The scale of the initial weights matters more the deeper the network, because the signal is multiplied by
one weight matrix per layer on the way forward, and the gradient by their transposes on the way back. Here a
deeper network, four hidden layers of 64 ReLU units, starts from He's initialization ($\text{std} =
\sqrt{2/\text{fan\_in}}$, made to keep the size of ReLU activations constant from layer to layer), from
Glorot/Xavier's ($\sqrt{2/(\text{fan\_in} + \text{fan\_out})}$), and from He's weights multiplied by 0.3 and
by 2:

- **too small** (x 0.3): each layer shrinks the signal, the scores are nearly 0, the loss sits at
  $\log 10$, and the gradients of the first layers are tiny (they shrink on the way back too): training
  barely moves;
- **too large** (x 2): each layer amplifies the signal ($2^5 = 32$ times over 5 layers), the initial loss is
  huge and the first steps are violent.

Your network in section 5 has one hidden layer, where the choice matters less; look at the first epochs.
""", cell_id="md_init")

nb.code(r'''
curves = {}
for label, init, scale in tqdm((("he", "he", 1.0), ("xavier", "xavier", 1.0), ("he x 0.3 (too small)", "he", 0.3),
                                ("he x 2 (too large)", "he", 2.0)), desc="initializations", leave=False):
    model = MLP(64, (64, 64, 64, 64), 10, init=init, seed=0)
    for name in model.params:
        if name.startswith("W"):
            model.params[name] = scale * model.params[name]
    initial_loss = float(model.loss(X_train, y_train)[0])
    optimizer = Optimizer(model.params, rule="sgd", lr=0.05)
    h = train(model, optimizer, X_train, y_train, batch_size=32, num_epochs=8, X_val=X_val, y_val=y_val)
    curves[label] = smooth(h.loss)
    print(f"{label:22s}: initial loss {initial_loss:7.2f}, after 8 epochs {h.train_loss[-1]:.3f}, "
          f"validation accuracy {h.val_acc[-1]:.3f}")
fig, ax = plt.subplots(figsize=(8, 4.5))
for label, curve in curves.items():
    ax.semilogy(curve, label=label)
ax.set(xlabel="step", ylabel="loss", title="4 hidden layers, SGD lr = 0.05: training loss (moving average)")
ax.legend()
plt.show()
plt.close(fig)
''', cell_id="init_sweep")

nb.md(r"""
### Overfitting and the L2 penalty

With 1151 training images a network of this size generalizes well. Give it only **100** (10 per digit) and a
wide hidden layer (256 units, about 19,000 parameters), and it can memorize them: the training loss goes to 0
while the validation loss stays high. That gap is **overfitting**.

One remedy is to prefer small weights. The **L2 penalty** adds to the loss

$$L_\text{total} = L_\text{data} + \frac{\lambda}{2} \sum_{\text{weights } W} \sum_{ij} W_{ij}^2,
\qquad \nabla_W L_\text{total} = \nabla_W L_\text{data} + \lambda W$$

(biases are not penalized). `MLP(..., reg=λ)` does this in `model.loss` (`gdbp.layers.l2_penalty`). With plain
gradient descent the step becomes $W \leftarrow (1 - \eta\lambda)\,W - \eta\,\nabla_W L_\text{data}$: every step
first shrinks the weights a little, hence the other name, **weight decay**. Small weights mean a smoother
function of the input, which cannot bend around every single training image.

The runs below use Adam (notebook 10) because it fits 100 images within a few dozen epochs; plain SGD
shows the same, more slowly. They train with `step_fn` (your `train_step` once it passes), 100 epochs each,
for three values of $\lambda$ = `reg`: none, small, large. The curves show the **data** loss (without the
penalty), so the three are comparable.
""", cell_id="md_overfit")

nb.code(r'''
subset_rng = np.random.default_rng(0)
subset = np.concatenate([subset_rng.permutation(np.flatnonzero(y_train == digit))[:10] for digit in range(10)])
X_small, y_small = X_train[subset], y_train[subset]

fig, axes = plt.subplots(1, 3, figsize=(10, 3.4), sharey=True)
for ax, reg in zip(axes, (0.0, 0.01, 0.3)):
    model = MLP(64, (256,), 10, reg=reg, seed=0)
    optimizer = Optimizer(model.params, rule="adam", lr=0.01)
    h = fit(step_fn, model, optimizer, X_small, y_small, num_epochs=100, batch_size=25, desc=f"reg = {reg}")
    weight_norm = np.sqrt(sum(np.sum(model.params[name] ** 2) for name in model.params if name.startswith("W")))
    print(f"reg = {reg:<4}: training loss {h['train_loss'][-1]:.3f}, validation loss {h['val_loss'][-1]:.3f}; "
          f"training accuracy {h['train_acc'][-1]:.3f}, validation accuracy {h['val_acc'][-1]:.3f}; "
          f"norm of the weights {weight_norm:.1f}")
    epochs = np.arange(1, 101)
    ax.semilogy(epochs, h["train_loss"], label="training")
    ax.semilogy(epochs, h["val_loss"], label="validation")
    ax.set(xlabel="epoch", title=f"reg = {reg}: val. acc. {h['val_acc'][-1]:.2f}")
    ax.legend(fontsize="small")
axes[0].set_ylabel("data loss (no penalty)")
fig.suptitle("100 training images, 256 hidden units")
fig.tight_layout()
plt.show()
plt.close(fig)
''', cell_id="overfit")

nb.md(r"""
Without the penalty the training loss falls towards 0 (the network is certain about every training image)
while the validation loss stays far above it. A small penalty (`reg = 0.01`) keeps the weights several times
smaller: the training loss no longer reaches 0, but the validation loss is much lower and the validation
accuracy higher. Too much (`reg = 0.3`) and the network **underfits**: the penalty wins over the data, it no
longer gets all training images right, and both losses are high. `reg` is a hyperparameter like `lr`, and more
data is the best remedy of all: with all 1151 training images the gap is much smaller.
""", cell_id="md_overfit_read")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 5. Your settings: at least 95% on the validation digits

Now you choose. The network is fixed, `MLP(64, (64,), 10)` with ReLU, trained by plain gradient descent
(`rule="sgd"`) with your `train_step`; everything else is yours:

| setting | what it is | allowed values |
|---|---|---|
| `lr` | the learning rate $\eta$ of SGD | a float > 0 |
| `batch_size` | images per step | an int from 1 to 1151 |
| `num_epochs` | passes over the training set | an int >= 1 |
| `init` | the initialization of the weights | `"he"` or `"xavier"` |
| `reg` | the L2 penalty $\lambda$ | a float >= 0 |

Training must stay short: at most 50,000 steps in all, where the number of steps is
`num_epochs * ceil(1151 / batch_size)` (50,000 steps take about 10 s here).

**The target: a validation accuracy of at least 95%** after the last epoch. Choose by looking at the
validation accuracy only, never at the test set. The code cell after the exercise's hints trains with your
settings and reports what it measured: whether the target is reached, or what to try.

### Exercise 2: choose the settings (no test cell, no points)

Write `training_settings() -> dict`, returning a dict with exactly the five keys of the table. Until you have
written it, the training cell uses `STARTING_SETTINGS` (defined there), which fall short of the target. This exercise has
no test cell: the report under it is its result (in a graded copy your grader sees it too). Change the
settings and run both cells again as often as you like.
""", cell_id="md_settings")

nb.solution("training_settings", r'''
def training_settings():
    """Your settings for training MLP(64, (64,), 10) with SGD, chosen on the validation set.

    Returns a dict with the keys "lr", "batch_size", "num_epochs", "init" and "reg".
    """
    ### BEGIN SOLUTION
    return {"lr": 0.1, "batch_size": 32, "num_epochs": 20, "init": "he", "reg": 0.001}
    ### END SOLUTION
''')

nb.hints("training_settings", [r"""
Change one setting at a time, starting with the one that matters most, the learning rate: section 4 shows
which values make the loss fall fast without exploding. Then give training enough epochs for the validation
accuracy to level off, and only then try `reg` and `init`.
""", (r"what the runs of section 4 say", r"""
With batches of 32, learning rates from about 0.1 to 1 train well and 3 explodes; 8 epochs of batch 32 are
288 steps, and the validation accuracy is still rising after them. Smaller batches take more steps per
epoch; larger ones need more epochs or a larger `lr`. With 1151 training images a small penalty
(`reg` around $10^{-3}$) changes little; a large one underfits.
"""), r"""
```python
def training_settings():
    return {"lr": ..., "batch_size": ..., "num_epochs": ..., "init": "he", "reg": ...}
```
"""])

nb.code(r'''
STARTING_SETTINGS = {"lr": 0.01, "batch_size": 64, "num_epochs": 5, "init": "xavier", "reg": 0.0}
TARGET = 0.95
MAX_STEPS = 50_000


def checked_settings(settings):
    """The settings as a new dict of plain values, or ValueError naming the setting that is not allowed."""
    if not isinstance(settings, dict) or set(settings) != set(STARTING_SETTINGS):
        raise ValueError(f"training_settings() must return a dict with exactly the keys {sorted(STARTING_SETTINGS)}; "
                         f"got {settings!r}")
    lr, batch_size, num_epochs, init, reg = (settings[key] for key in STARTING_SETTINGS)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a number > 0; got {lr!r}")
    for key, value, top in (("batch_size", batch_size, len(X_train)), ("num_epochs", num_epochs, None)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1 or (top and value > top):
            raise ValueError(f"{key} must be an int from 1 to {top or 'any'}; got {value!r}")
    if init not in ("he", "xavier"):
        raise ValueError(f"init must be 'he' or 'xavier'; got {init!r}")
    if isinstance(reg, bool) or not isinstance(reg, (int, float)) or not np.isfinite(reg) or reg < 0:
        raise ValueError(f"reg must be a number >= 0; got {reg!r}")
    num_steps = int(num_epochs) * int(np.ceil(len(X_train) / batch_size))
    if num_steps > MAX_STEPS:
        raise ValueError(f"num_epochs * ceil({len(X_train)} / batch_size) = {num_steps} steps, more than {MAX_STEPS}: "
                         f"take fewer epochs or larger batches")
    return {"lr": float(lr), "batch_size": int(batch_size), "num_epochs": int(num_epochs), "init": init,
            "reg": float(reg)}


try:
    settings = checked_settings(training_settings())
    print("your settings:", settings)
except NotImplementedError:
    settings = dict(STARTING_SETTINGS)
    print("training_settings() is not written yet: training with STARTING_SETTINGS", settings)
except Exception as err:  # settings outside the table, or a bug in the exercise cell: say so, train anyway
    settings = dict(STARTING_SETTINGS)
    print(f"YOUR SETTINGS ARE NOT USED: {type(err).__name__}: {err}\n"
          f"training with STARTING_SETTINGS {settings} instead; fix training_settings and run both cells again.")

model = MLP(64, (64,), 10, init=settings["init"], reg=settings["reg"], seed=0)
optimizer = Optimizer(model.params, rule="sgd", lr=settings["lr"])
history = fit(step_fn, model, optimizer, X_train, y_train, settings["num_epochs"], settings["batch_size"])
final_model = model  # the network of your settings: section 6 measures it on the test set
step_note = "" if step_fn is train_step else " (trained with gdbp.train.train_step: yours does not pass its test yet)"
if history["diverged_at"] is not None:
    print(f"training diverged: the loss became {history['loss'][-1]} at step {history['diverged_at']}{step_note}. "
          f"The learning rate {settings['lr']} is too large: try one 10 times smaller.")
else:
    val_acc = history["val_acc"][-1]
    wrong = round((1 - val_acc) * len(y_val))
    print(f"{len(history['loss'])} steps; training accuracy {history['train_acc'][-1]:.3f}, "
          f"validation accuracy {val_acc:.3f} ({wrong} of {len(y_val)} validation images wrong){step_note}")
    if val_acc >= TARGET:
        print(f"target of {TARGET:.0%} on the validation digits: reached.")
    else:
        best = max(history["val_acc"])
        trend = ("it was still rising at the last epoch"
                 if len(history["val_acc"]) > 1 and history["val_acc"][-1] > history["val_acc"][-2]
                 else f"its best after any epoch was {best:.3f}")
        print(f"target of {TARGET:.0%} on the validation digits: not reached yet ({trend}). "
              f"Change training_settings (section 4 shows what each setting does) and run both cells again.")
        if history["train_loss"][-1] > history["loss"][0]:
            print(f"The training loss grew, from {history['loss'][0]:.3g} at the first step to "
                  f"{history['train_loss'][-1]:.3g}: the steps overshoot, lr = {settings['lr']} is too large.")
''', cell_id="fit")

nb.md(r"""
### Reading the curves

Left: the loss of every step, on its own mini-batch. It is noisy (each batch is a different sample of the
training images) but falls by orders of magnitude once the settings are good; the moving average over one epoch
shows the trend. Right: the accuracy after each epoch. Training accuracy keeps climbing towards 100%;
validation accuracy rises quickly, then levels off a little lower: the gap between the two is the price of
generalizing to images the network has not seen. A validation curve still rising at the end asks for more
epochs; one that falls again while the training curve rises is overfitting.
""", cell_id="md_curves")

nb.code(r'''
steps_per_epoch = max(1, len(history["loss"]) // max(1, len(history["train_acc"])))
# a diverged run ends in huge or non-finite losses: draw them at 1e6 (the top of the plot)
step_losses = np.minimum(np.nan_to_num(np.array(history["loss"]), nan=1e6, posinf=1e6), 1e6)
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
plot_losses({"loss per step (one mini-batch)": step_losses}, ax=axes[0])
if len(step_losses) >= steps_per_epoch > 1:
    axes[0].plot(np.arange(steps_per_epoch - 1, len(step_losses)), smooth(step_losses, steps_per_epoch),
                 color="black", label=f"moving average over one epoch ({steps_per_epoch} steps)")
axes[0].legend(fontsize="small")
axes[0].set_title("training loss" + (" (diverged)" if history["diverged_at"] is not None else ""))
epochs = np.arange(1, len(history["train_acc"]) + 1)
axes[1].plot(epochs, history["train_acc"], "o-", label="training set")
axes[1].plot(epochs, history["val_acc"], "s-", label="validation set")
axes[1].axhline(TARGET, color="red", lw=0.8, ls="--", label=f"target {TARGET:.0%}")
axes[1].set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.005), title="accuracy after each epoch")
axes[1].legend(fontsize="small")
fig.tight_layout()
plt.show()
plt.close(fig)
''', cell_id="curves")

nb.md(r"""
### The digits it gets wrong

Below are the misclassified validation images (the first 24), with the true label, the prediction and the
probability the network gave its prediction (the softmax of its scores). Many are digits a person would
hesitate over too; some are confidently wrong.
""", cell_id="md_mistakes")

nb.code(r'''
with np.errstate(over="ignore", invalid="ignore"):
    probs = softmax(final_model.forward(X_val))
y_pred = probs.argmax(axis=1)
wrong = np.flatnonzero(y_pred != y_val)
print(f"{len(wrong)} of {len(y_val)} validation images misclassified")
cols = 8
rows = max(1, int(np.ceil(min(len(wrong), 24) / cols)))
fig, axes = plt.subplots(rows, cols, figsize=(10, 1.6 * rows), squeeze=False)
for ax in axes.ravel():
    ax.axis("off")
for ax, i in zip(axes.ravel(), wrong):
    ax.imshow(X_val_raw[i].reshape(8, 8), cmap="gray_r")
    ax.set_title(f"true {y_val[i]}, pred {y_pred[i]}\np = {probs[i, y_pred[i]]:.2f}", fontsize=9)
fig.tight_layout()
plt.show()
plt.close(fig)

confusions = {}
for i in wrong:
    confusions[(y_val[i], y_pred[i])] = confusions.get((y_val[i], y_pred[i]), 0) + 1
print("most frequent confusions (true -> predicted: count):",
      ", ".join(f"{t} -> {p}: {n}" for (t, p), n in sorted(confusions.items(), key=lambda kv: -kv[1])[:8]))
''', cell_id="mistakes")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 6. The test set, once

Every choice of section 5, the learning rate, the batch size, the number of epochs, the initialization,
`reg`, was made by looking at the validation set. A setting that wins there wins partly by luck (the
validation images happen to suit it), so the validation accuracy of the winner is a little optimistic. The
test set has waited for this moment: we measure your network on it **once**, when you are done choosing.

If the number disappoints, going back to tune against it would turn it into a second validation set and
its accuracy into an optimistic number too; an honest number would then need new, unseen data.
""", cell_id="md_test_once")

nb.code(r'''
with np.errstate(over="ignore", invalid="ignore"):
    val_loss, val_acc = evaluate(final_model, X_val, y_val)
if val_acc < TARGET:
    print(f"validation accuracy {val_acc:.3f}, below the target of {TARGET:.0%}: the test set waits until your "
          f"settings of section 5 reach it (looking at it now would tempt you to tune against it).")
else:
    test_loss, test_acc = evaluate(final_model, X_test, y_test)
    print(f"your network: validation accuracy {val_acc:.3f}, test accuracy {test_acc:.3f} "
          f"({round((1 - test_acc) * len(y_test))} of {len(y_test)} test images wrong)")
    if test_acc >= TARGET:
        print(f"target of {TARGET:.0%} on the test set: reached.")
    else:
        print(f"target of {TARGET:.0%} on the test set: not reached, although the validation set reached it: the "
              f"validation accuracy was optimistic (see above). Report this number; do not tune against it.")
''', cell_id="test_once")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## Recap

- A **training step** has two halves: the model's forward pass and **backpropagation compute the gradient**
  (`model.loss`), and the optimizer, **gradient descent, uses the gradient** to update the parameters
  (`optimizer.step`). Everything else in a training loop is bookkeeping.
- An **epoch** is one shuffled pass over the training set in mini-batches. With settings chosen on the
  validation set, a two-layer MLP trained with plain SGD reaches 95-98% on held-out 8x8 digits.
- Check the **initial loss** ($\approx \log C$ for $C$ classes); watch the **step loss** (noisy) and the
  per-epoch **training and validation** loss and accuracy.
- **Learning rate**: too small is slow, too large diverges. **Batch size**: at a fixed number of epochs, large
  batches take few steps. **Initialization**: weights too small stall a deep network, too large make it
  explode; He's scale is made for ReLU.
- **Overfitting**: the training loss keeps falling while the validation loss does not. The **L2 penalty**
  $\frac{\lambda}{2}\sum W^2$ adds $\lambda W$ to the gradient (weight decay) and narrows the gap; too much
  underfits.
- Choose every setting on the **validation** set; measure the **test** set once, at the end.

## Questions

1. Which line of `train_step` is backpropagation, and which is gradient descent? Which would you change to
   train with Adam, and which to get the gradient from central differences instead?
2. Why does `train_step` return the loss from **before** the update? What would a second call of `model.loss`
   after the update cost, and what would it measure?
3. An untrained 10-class network starts with a loss of 25. Name two possible causes.
4. With batches of 1151 and 8 epochs the validation accuracy was far lower than with batches of 32. Is full-batch
   gradient descent a worse algorithm? What would make the comparison fair?
5. Show that for plain SGD, adding $\frac{\lambda}{2}\|W\|^2$ to the loss is the same as multiplying $W$ by
   $(1 - \eta\lambda)$ before each ordinary step. Why are the biases usually left out?

<details><summary>Short answers</summary>

1. The call of `model.loss` (the forward pass, then backpropagation) computes the gradient; the call of
   `optimizer.step` uses it. For Adam change the optimizer (`rule="adam"`): `train_step` stays the same. For central
   differences change how `grads` is computed: the optimizer stays the same.
2. It is the loss the gradient was computed from, for free. A second forward pass would cost as much as the
   first, and would measure the batch after the step, which the model has just been pushed towards: an
   optimistic number.
3. Weights initialized on a much too large scale (section 4), a bug in the loss (no $1/N$, summing instead of
   averaging), inputs not scaled, labels not matching the scores.
4. No: per step it is at least as good, it just took 8 steps against 288. Compare at the same number of steps
   (or of seconds), and give each batch size its own tuned learning rate.
5. $\nabla_W(L + \frac{\lambda}{2}\|W\|^2) = \nabla_W L + \lambda W$, so
   $W - \eta(\nabla_W L + \lambda W) = (1 - \eta\lambda)W - \eta\nabla_W L$. A bias only shifts a unit's
   input; it does not make the function steeper, and there are few of them, so penalizing them does little
   but can cost accuracy.

</details>
""", cell_id="recap")

if __name__ == "__main__":
    print(nb.write())

"""Authoring source of solutions/04_linear_regression: linear regression by gradient descent.

Run ``.venv/bin/python tools/notebooks/04_linear_regression.py`` to rebuild the instructor notebook, then
regenerate the learner release with ``nbgrader generate_assignment 04_linear_regression`` (see CONTRIBUTING).
Exercises (docs/exercises.md):

- ``linear_loss_and_grad(X, y, w, b) -> (loss, dw, db)``, checked by ``check_linear_loss_and_grad`` against
  ``gdbp.linear.linear_loss_and_grad``;
- ``sgd(param, grad, state, lr=0.01) -> (new_param, new_state)``, checked by ``check_sgd`` against
  ``gdbp.optim.sgd`` (the optimizer contract of notebooks 08-10);
- ``minibatches(X, y, batch_size, seed=None)``, a generator, checked by ``check_minibatches`` (the reference
  is ``gdbp.data.batches``).
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from tools.nbbuild import Notebook  # noqa: E402

NAME = "04_linear_regression"

nb = Notebook(NAME)

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
# 04 · Linear regression by gradient descent: batch, stochastic and mini-batch

## Learning goals

- You will write the **mean squared error** of a linear model and its **gradient** with respect to the
  weights and the bias, in vector form, as `linear_loss_and_grad(X, y, w, b) -> (loss, dw, db)`.
- You will write your first **optimizer** with the contract that notebooks 08-10 reuse,
  `sgd(param, grad, state, lr=0.01) -> (new_param, new_state)`: a pure function that returns new arrays.
- You will write a **mini-batch iterator** `minibatches(X, y, batch_size, seed=None)`: one shuffle shared by
  `X` and `y`, every example once per epoch, the last partial batch kept.
- You will compare **batch**, **stochastic** and **mini-batch** gradient descent: the noise in their loss
  curves, their cost per step and per epoch, and where each one converges to.
- You will see how the **learning rate** and the **batch size** interact: small batches need small learning
  rates, and with a constant learning rate stochastic gradient descent stops at a *noise floor*.

**The question of the course**, *how do gradient descent and backpropagation relate?*, gets a small but
complete answer here. A training loop has two halves: **computing the gradient** of the loss with respect to
the parameters, and **using** it to update them. For a linear model the first half is one line of calculus
that you do by hand (section 1); for a deep network it is backpropagation (notebooks 05 and 06). The second
half is gradient descent (section 2), and it does not care where the gradient came from.
""", cell_id="intro")
nb.exercise_rules()

nb.code(r'''
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import gdbp.data
import gdbp.linear
import gdbp.optim
# yours_or_reference(fn, reference): your function once it passes its exercise's checker, else gdbp's
# reference, with a one-line note either way: the demonstrations run before (and while) you write it.
from gdbp.course import yours_or_reference
from gdbp.data import make_linear_regression
from gdbp.gradcheck import numerical_gradient, rel_error
from gdbp.objectives import Objective
from gdbp.plotting import plot_contours, plot_losses

# 200 noisy samples of y = w_true * x + b_true + 0.5 * noise, one feature (D = 1) so that we can draw it.
X, y, w_true, b_true = make_linear_regression(n_samples=200, n_features=1, noise=0.5, seed=0)
N, D = X.shape
print(f"X: shape {X.shape}, y: shape {y.shape}; generated with w_true = {w_true}, b_true = {b_true:.4f}")

fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(X[:, 0], y, s=10, alpha=0.6, label="data (X, y)")
xs = np.linspace(X.min(), X.max(), 2)
ax.plot(xs, w_true[0] * xs + b_true, "k--", label="the line that generated them")
ax.set(xlabel="x (the one feature)", ylabel="y", title="The data: a noisy line")
ax.legend()
plt.show()
plt.close(fig)
''', cell_id="setup")

nb.code(r'''
def recolor(ax, colors):
    """Give the lines labelled in colors their color (gdbp.plotting picks a color from each label)."""
    for line in ax.get_lines():
        if line.get_label() in colors:
            line.set_color(colors[line.get_label()])
    ax.legend(fontsize="small")
''', cell_id="helpers")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 1. The model, the loss and its gradient

A **linear model** predicts one number per example from its $D$ features:

$$\hat y_i = x_i \cdot w + b, \qquad\text{for all examples at once:}\qquad \hat y = X w + b,$$

with `X` of shape `(N, D)` (one row per example), weights `w` of shape `(D,)`, a bias `b` (a float, added to
every prediction) and `y_hat` of shape `(N,)`. The **mean squared error** measures how far the predictions
are from the targets `y` (shape `(N,)`):

$$L(w, b) = \frac{1}{N}\sum_{i=1}^{N} (\hat y_i - y_i)^2 .$$

(Some texts put a $\tfrac12$ in front to cancel the 2 of the derivative; this course does not, like
`torch.nn.MSELoss`.)

**The gradient** is the one you derived in notebook 02 (Exercise 2, `linear_mse_grad`), by the chain rule
through the residuals $r = \hat y - y$ (shape `(N,)`): each $r_i$ depends on every weight and on the bias,
and $L = \frac1N \sum_i r_i^2$ depends on every $r_i$. A gradient always has the shape of what it
differentiates with respect to: $\partial L/\partial w$ has the shape `(D,)` of `w`, $\partial L/\partial b$
is a number, like `b`.

**Worked example by hand**, one entry at a time. $N = 2$ examples, one feature:
$X = \begin{pmatrix}1\\2\end{pmatrix}$, $y = (1, 3)$, $w = (0.5)$, $b = 0$.

| quantity | value |
|---|---|
| $\hat y_i = x_i w + b$ | $(0.5,\ 1.0)$ |
| $r_i = \hat y_i - y_i$ | $(-0.5,\ -2.0)$ |
| $L = \frac12\big((-0.5)^2 + (-2)^2\big)$ | $2.125$ |
| $\partial L/\partial r_i = 2 r_i / N$ (here $N = 2$) | $(-0.5,\ -2.0)$ |
| $\partial L/\partial w = \sum_i \frac{\partial L}{\partial r_i}\, x_i = (-0.5) \cdot 1 + (-2.0) \cdot 2$ | $-4.5$ |
| $\partial L/\partial b = \sum_i \frac{\partial L}{\partial r_i} \cdot 1$ | $-2.5$ |

Both partial derivatives are negative: increasing $w$ or $b$ lowers the loss, which makes sense, since both
predictions are too low. The next cell checks the two numbers with **central differences** (notebook 03),
using only the loss.
""", cell_id="md_loss")

nb.code(r'''
X_small, y_small = np.array([[1.0], [2.0]]), np.array([1.0, 3.0])


def small_loss(params):
    """The mean squared error of the worked example as a function of params = (w, b)."""
    w, b = params[:1], params[1]
    return np.mean((X_small @ w + b - y_small) ** 2)


print("loss at (w, b) = (0.5, 0):", small_loss(np.array([0.5, 0.0])))
print("central differences (dL/dw, dL/db):", numerical_gradient(small_loss, np.array([0.5, 0.0])).round(6))
''', cell_id="worked_example")

nb.md(r"""
**The loss surface.** With one feature the parameters are two numbers $(w, b)$ and we can draw $L$ over
them. It is a quadratic function of $(w, b)$, a **convex bowl**, whose single minimum is the least-squares
solution (computed here with `np.linalg.lstsq`, the closed form we would use in practice for a linear model;
we use gradient descent because the same loop trains models that have no closed form). The noise in the data
means that even the best line has a loss above 0: about the noise variance, $0.5^2 = 0.25$.
""", cell_id="md_surface")

nb.code(r'''
A = np.hstack([X, np.ones((N, 1))])  # (N, D + 1): a column of ones carries the bias
w_best, b_best = np.linalg.lstsq(A, y, rcond=None)[0]
loss_best = np.mean((X[:, 0] * w_best + b_best - y) ** 2)
print(f"least squares: w = {w_best:.4f}, b = {b_best:.4f}, loss = {loss_best:.4f}")


def surface_value(w, b):
    """L(w, b) for arrays w, b of the same shape (a grid), by broadcasting over the N examples."""
    residual = w[..., None] * X[:, 0] + b[..., None] - y  # (..., N)
    return np.mean(residual**2, axis=-1)


def surface_grad(w, b):
    """Only for the plotting interface; the gradient you write is the exercise below."""
    raise NotImplementedError("not needed for contour plots")


surface = Objective(name="mean squared error over (w, b)", formula="mean((w x + b - y)^2)",
                    value_fn=surface_value, grad_fn=surface_grad, minima=(np.array([w_best, b_best]),),
                    start=np.array([1.0, 1.0]), bounds=((-2.2, 1.5), (-2.0, 1.5)), convex=True)
ax = plot_contours(surface)
ax.set(xlabel="w", ylabel="b")
plt.show()
plt.close(ax.figure)
''', cell_id="surface")

nb.md(r"""
### Exercise 1: the loss and its gradient (2 points)

The worked example did two examples and one feature, entry by entry. Write the general case, for any $N$ and
$D$, vectorised: `linear_loss_and_grad(X, y, w, b) -> (loss, dw, db)`:

- `X`: inputs, a float array of shape `(N, D)`. `y`: targets, shape `(N,)`. `w`: weights, shape `(D,)`.
  `b`: the bias, a float.
- Return a tuple of three things:
  - `loss`: the float $L = \frac1N \sum_i (\hat y_i - y_i)^2$ with $\hat y = Xw + b$ (a plain mean, no
    $\tfrac12$, no square root);
  - `dw`: $\partial L/\partial w$, a float array of shape `(D,)`;
  - `db`: $\partial L/\partial b$, a float.
- Vectorise with numpy (matrix products and sums), no Python loop over the examples.
- Do not change `X`, `y` or `w` in place.

`gdbp.linear` holds a reference; calling it does not count (the grader checks).
""", cell_id="md_exercise_loss")

nb.solution("linear_loss_and_grad", r'''
def linear_loss_and_grad(X, y, w, b):
    """Mean squared error of y_hat = X @ w + b and its gradient.

    X (N, D), y (N,), w (D,), b float. Returns (loss, dw, db): loss float, dw (D,), db float.
    """
    ### BEGIN SOLUTION
    N = X.shape[0]
    residual = X @ w + b - y  # (N,): y_hat - y
    loss = np.mean(residual**2)
    dresidual = 2 * residual / N  # dL/dresidual, (N,)
    dw = X.T @ dresidual  # (D,)
    db = np.sum(dresidual)
    return float(loss), dw, float(db)
    ### END SOLUTION
''')

nb.hints("linear_loss_and_grad", [
    r"""
Compute the residuals $r = Xw + b - y$ for all examples at once; the loss is the mean of their squares. For
the gradient, the worked example's rows become arrays: $\partial L/\partial r$ is a vector of shape `(N,)`,
and the sum over the examples $i$ of "$\partial L/\partial r_i$ times example $i$'s features" is one matrix
product; the bias's is a plain sum.
""",
    r"""
$$\frac{\partial L}{\partial r} = \frac{2}{N}\, r, \qquad
dw = X^\top \frac{\partial L}{\partial r} \quad (D, N)\cdot(N,) \to (D,), \qquad
db = \sum_i \frac{\partial L}{\partial r_i} .$$

`X.T @ v` sums over the examples; `X @ v` would sum over the features (and fits only when $N = D$).
""",
    r"""
```python
N = ...
r = ...              # residuals, (N,)
loss = ...           # a float
dr = ...             # dL/dr, (N,)
dw = ...             # (D,)
db = ...             # a float
return loss, dw, db
```
""",
])

nb.test("test_linear_loss_and_grad", points=2, source=r'''
"""linear_loss_and_grad: loss, dw and db against gdbp.linear.linear_loss_and_grad on several shapes."""
from gdbp.checks import check_linear_loss_and_grad

check_linear_loss_and_grad(linear_loss_and_grad)
''', hidden=r'''
import gdbp.linear
from gdbp.instructor.hidden import assert_not_reference

_args = (np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]]), np.array([1.0, 0.0, -1.0]), np.array([0.3, -0.2]), 0.1)
assert_not_reference(linear_loss_and_grad, gdbp.linear.linear_loss_and_grad, args=_args)
assert_not_reference(linear_loss_and_grad, gdbp.linear.linear_mse_grad, args=_args)


def _agrees_with_reference_over_seeds(seeds=(31, 32, 33, 34)):
    """Larger random problems (N up to 50, D up to 6). Same formulas, so 1e-9 relative is rounding only."""
    for seed in seeds:
        rng = np.random.default_rng(seed)
        N, D = int(rng.integers(2, 51)), int(rng.integers(1, 7))
        X_, y_, w_, b_ = rng.normal(size=(N, D)), rng.normal(size=N), rng.normal(size=D), float(rng.normal())
        got = linear_loss_and_grad(X_.copy(), y_.copy(), w_.copy(), b_)
        want = gdbp.linear.linear_loss_and_grad(X_, y_, w_, b_)
        for name, g, e in zip(("loss", "dw", "db"), got, want):
            np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12, err_msg=f"{name}: seed {seed}, N={N}, D={D}")


_agrees_with_reference_over_seeds()
''')

nb.md(r"""
Before trusting an analytic gradient, check it numerically (notebook 03). The cell below compares your
`dw`, `db` with central differences of your `loss` at a random point of our data set; the relative error
should be around $10^{-8}$ or smaller.
""", cell_id="md_gradcheck")

nb.code(r'''
loss_and_grad = yours_or_reference(linear_loss_and_grad, gdbp.linear.linear_loss_and_grad)
point = np.random.default_rng(1).normal(size=D + 1)  # (w, b) stacked into one vector
_, dw, db = loss_and_grad(X, y, point[:D], point[D])
numeric = numerical_gradient(lambda p: loss_and_grad(X, y, p[:D], p[D])[0], point)
print("analytic (dw, db):", np.append(dw, db))
print("numerical        :", numeric)
print(f"relative error: {rel_error(np.append(dw, db), numeric):.2e}")
''', cell_id="gradcheck")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 2. Using the gradient: the update rule as a pure function

Gradient descent on the pair of parameters $(w, b)$ repeats

$$w \leftarrow w - \eta\, \frac{\partial L}{\partial w}, \qquad b \leftarrow b - \eta\, \frac{\partial L}{\partial b}.$$

Every optimizer of this course (SGD here; momentum, Nesterov, Adagrad, Adadelta, RMSprop, Adam, AdaMax,
Nadam, AMSGrad in notebooks 08-10) is written with the same **contract**, one parameter array at a time:

```python
new_param, new_state = rule(param, grad, state, lr=..., <other hyperparameters>)
```

- `param`: the current value of one parameter array (any shape, also a 0-d array or a float, like `b`);
  `grad`: the gradient of the loss with respect to it, same shape.
- `state`: what the rule remembers between steps (a velocity, running averages, a step count). It is `None`
  on the first call; afterwards you pass back exactly the `new_state` that the previous call returned
  **for this parameter** (`w` and `b` each keep their own state).
- The rule is a **pure function**: it returns a *new* parameter array and a *new* state, and changes nothing
  it was given (no `param -= ...`). That keeps experiments reproducible (the same inputs always give the
  same outputs), lets you run two optimizers from the same start, and is the style of JAX's `optax`.
  PyTorch's `torch.optim` does the opposite and updates tensors in place.
- Hyperparameters (`lr`, ...) are keyword arguments, never stored in the state.

Plain gradient descent needs no memory, so its state can simply stay `None`. (gdbp's reference returns a
small step counter instead; any state is fine, since the caller only passes it back.) The name **SGD**,
*stochastic* gradient descent, comes from how it is usually fed: with the gradient of a random mini-batch
(section 3). The rule itself is the same whether the gradient comes from one example or from all of them.

### Exercise 2: SGD, the first optimizer (1 point)

Write `sgd(param, grad, state, lr=0.01) -> (new_param, new_state)`, plain gradient descent with the contract
above:

- `param`: a float array of any shape (also 0-d, or a Python float). `grad`: the gradient, same shape.
- `state`: `None`. SGD has nothing to remember: return `None` as `new_state`.
- `lr`: the learning rate $\eta$, default `0.01` (keep the name and the default).
- `new_param`: the parameter after **one** step of the update rule above, a **new** array of `param`'s
  shape. Do not change `param` or `grad` in place.

`gdbp.optim.sgd` is the reference; importing it does not count (the grader checks).
""", cell_id="md_sgd")

nb.solution("sgd", r'''
def sgd(param, grad, state, lr=0.01):
    """One step of plain gradient descent on one parameter array: returns (new_param, new_state)."""
    ### BEGIN SOLUTION
    new_param = param - lr * grad
    return new_param, None
    ### END SOLUTION
''')

nb.hints("sgd", [
    r"""
SGD is notebook 01's update rule, applied to one parameter array: step against its gradient, scaled by the
learning rate. It keeps no memory between calls, so the state it returns stays `None`.
""",
    r"""
$$\text{new\_param} = \text{param} - \eta\,\text{grad}$$

elementwise, for any shape. An expression such as `a - c * g` builds a new array; `a -= c * g` would write into
the caller's array.
""",
    r"""
```python
new_param = ...
return new_param, ...
```
""",
])

nb.test("test_sgd", points=1, source=r'''
"""sgd: the optimizer contract (new param, new state, no in-place change) against gdbp.optim.sgd."""
from gdbp.checks import check_sgd

check_sgd(sgd)
''', hidden=r'''
import gdbp.optim
from gdbp.instructor.hidden import assert_not_reference

assert_not_reference(sgd, gdbp.optim.sgd, args=(np.array([1.0, -2.0]), np.array([0.5, 0.25]), None))


def _agrees_with_reference_over_seeds(seeds=(41, 42, 43), shape=(4, 3), steps=20):
    """20 steps on a (4, 3) parameter with a random lr, carrying the learner's own state. One subtraction
    per step, so 1e-12 relative is rounding only."""
    for seed in seeds:
        rng = np.random.default_rng(seed)
        lr = float(rng.uniform(0.001, 0.5))
        param = rng.normal(size=shape)
        ref_param, state, ref_state = param.copy(), None, None
        for step in range(steps):
            grad = rng.normal(size=shape)
            param, state = sgd(param, grad, state, lr=lr)
            ref_param, ref_state = gdbp.optim.sgd(ref_param, grad, ref_state, lr=lr)
            np.testing.assert_allclose(param, ref_param, rtol=1e-12, atol=1e-15,
                                       err_msg=f"sgd: seed {seed}, step {step + 1}, lr {lr}")


_agrees_with_reference_over_seeds()
''')

nb.md(r"""
### Batch gradient descent

Now the two halves meet. **Batch** (or full-batch) gradient descent computes the gradient on **all** $N$
examples at every step: the exact gradient of $L$. The loop below starts at $(w, b) = (1, 1)$ and runs 30
steps for three learning rates. We plot the **excess loss** $L(w, b) - L^*$ (where $L^*$ is the least-squares
loss) on a log scale, so that a run converging at a constant rate is a straight line.

The bowl is almost round: the Hessian of $L$ is $\frac{2}{N} A^\top A$ with $A = [X, 1]$, and its
eigenvalues (the curvatures, notebook 01) are printed below. As on any quadratic, the step is stable for
$\eta < 2/\lambda_{\max}$, about 1 here.
""", cell_id="md_batch")

nb.code(r'''
step_rule = yours_or_reference(sgd, gdbp.optim.sgd)
curvatures = np.linalg.eigvalsh(2 * A.T @ A / N)
print(f"curvatures of the bowl: {curvatures.round(3)}; stable for lr < 2 / {curvatures.max():.3f} = "
      f"{2 / curvatures.max():.3f}")


def batch_gradient_descent(lr, num_steps, w0=(1.0,), b0=1.0):
    """Full-batch gradient descent on (X, y); returns the path of (w, b), shape (num_steps + 1, 2)."""
    w, b = np.array(w0, dtype=float), float(b0)
    state_w = state_b = None
    path = [(w[0], b)]
    for _ in range(num_steps):
        _, dw, db = loss_and_grad(X, y, w, b)  # the first half: the gradient
        w, state_w = step_rule(w, dw, state_w, lr=lr)  # the second half: the update
        b, state_b = step_rule(b, db, state_b, lr=lr)
        path.append((w[0], b))
    return np.array(path)


batch_runs = {f"lr = {lr}": batch_gradient_descent(lr, 30) for lr in (0.02, 0.2, 0.9)}
LR_COLORS = {"lr = 0.02": "C0", "lr = 0.2": "C2", "lr = 0.9": "C3"}
fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.9))
plot_contours(surface, batch_runs, ax=axes[0])
axes[0].set(xlabel="w", ylabel="b")
plot_losses({name: surface.value(path) - loss_best for name, path in batch_runs.items()}, ax=axes[1])
for ax in axes:
    recolor(ax, LR_COLORS)
axes[1].set(ylabel="excess loss L - L*", title="batch gradient descent:\nstraight lines on a log scale")
fig.tight_layout()
plt.show()
plt.close(fig)

w_fit, b_fit = batch_runs["lr = 0.2"][-1]
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.scatter(X[:, 0], y, s=10, alpha=0.5, label="data")
ax.plot(xs, w_true[0] * xs + b_true, "k--", label="generating line")
ax.plot(xs, w_fit * xs + b_fit, color="C3", label=f"fitted (lr = 0.2, 30 steps): w = {w_fit:.3f}, b = {b_fit:.3f}")
ax.set(xlabel="x", ylabel="y", title="the fitted line")
ax.legend(fontsize="small")
plt.show()
plt.close(fig)
''', cell_id="batch_gd")

nb.md(r"""
The fitted line is close to the generating one but not equal: with noisy data the best line for *these*
200 points (the least-squares solution) differs a little from the line that made them. Gradient descent
converges to the least-squares solution; it cannot know more than the data say.

## 3. Stochastic and mini-batch gradient descent

The full gradient is a mean over the examples, $\nabla L = \frac1N \sum_i \nabla \ell_i$ with
$\ell_i = (\hat y_i - y_i)^2$. For a million examples one step would read all of them. **Stochastic gradient
descent** estimates the mean from a random **mini-batch** $B$ of $|B|$ examples:

$$g_B = \frac{1}{|B|}\sum_{i \in B} \nabla \ell_i, \qquad \mathbb{E}[g_B] = \nabla L .$$

The estimate is **unbiased** (right on average) but **noisy**: its variance shrinks like $1/|B|$, so its
spread (standard deviation) like $1/\sqrt{|B|}$. In code it is the same function on fewer rows:
`linear_loss_and_grad(X_batch, y_batch, w, b)`.

| | batch GD | mini-batch SGD | stochastic GD ($\lvert B\rvert = 1$) |
|---|---|---|---|
| examples per step | $N$ | $\lvert B\rvert$ (e.g. 32) | 1 |
| cost of one step | $O(ND)$ | $O(\lvert B\rvert D)$ | $O(D)$ |
| steps per epoch (one pass over the data) | 1 | $\lceil N/\lvert B\rvert \rceil$ | $N$ |
| gradient | exact | noisy | very noisy |

An **epoch** costs the same $O(ND)$ for every batch size, but small batches turn it into many more updates.
The next plot shows the noise: 300 mini-batch gradients at the start point $(1, 1)$, for three batch sizes,
against the exact gradient (the star).
""", cell_id="md_stochastic")

nb.code(r'''
rng = np.random.default_rng(2)
fig, ax = plt.subplots(figsize=(6.5, 5))
for batch_size, color in ((1, "C0"), (10, "C1"), (50, "C2")):
    grads = []
    for _ in range(300):
        idx = rng.choice(N, size=batch_size, replace=False)  # a random batch (drawn without replacement)
        _, dw, db = loss_and_grad(X[idx], y[idx], np.array([1.0]), 1.0)
        grads.append((dw[0], db))
    grads = np.array(grads)
    ax.scatter(grads[:, 0], grads[:, 1], s=6, alpha=0.4, color=color,
               label=f"|B| = {batch_size}: spread {grads.std(axis=0).round(2)}")
_, dw, db = loss_and_grad(X, y, np.array([1.0]), 1.0)
ax.plot(dw[0], db, "*", ms=18, color="gold", markeredgecolor="k", label="full gradient (|B| = N)")
ax.set(xlabel="dL/dw", ylabel="dL/db", title="mini-batch gradients at (w, b) = (1, 1)")
ax.legend(fontsize="small")
plt.show()
plt.close(fig)
''', cell_id="gradient_noise")

nb.md(r"""
Ten times the batch size, about $\sqrt{10} \approx 3.2$ times less spread. In practice batches are not drawn
independently at every step: each **epoch** shuffles the data once and walks through it in consecutive
slices, so that every example is used exactly once per epoch. That is your next exercise.

### Exercise 3: the mini-batch iterator (2 points)

The plot above drew each mini-batch independently. Write the **generator**
`minibatches(X, y, batch_size, seed=None)` that yields **one epoch** of `(X_batch, y_batch)` pairs instead:

- `X`: shape `(N, D)`; `y`: shape `(N,)`; `batch_size`: an int $\ge 1$; `seed`: `None` or an int.
- The examples come in a **random order**, the same for `X` and `y`: row $i$ of `X_batch` still belongs to
  `y_batch[i]`.
- Consecutive batches of `batch_size` examples; **every example exactly once** per epoch. The **last batch
  is kept** even when it is smaller (with $N = 23$ and `batch_size=5`: four batches of 5, then one of 3), and
  there is never an empty batch.
- Randomness: create the generator with `np.random.default_rng(seed)`. Then the same `seed` gives the same
  order, and `seed=None` a new order on every call (every epoch).
- Do not shuffle `X` or `y` in place (`rng.shuffle(X)` would change the caller's arrays).

A function containing `yield` is a generator: calling it returns an iterator, and the body runs as you
loop over it. `gdbp.data.batches` is the reference; calling it does not count.
""", cell_id="md_exercise_minibatches")

nb.solution("minibatches", r'''
def minibatches(X, y, batch_size, seed=None):
    """Yield one epoch of (X_batch, y_batch): X (N, D), y (N,), one shared shuffle, last partial batch kept."""
    ### BEGIN SOLUTION
    N = len(X)
    order = np.random.default_rng(seed).permutation(N)
    for start in range(0, N, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
    ### END SOLUTION
''')

nb.hints("minibatches", [
    r"""
Shuffle the **indices**, not the data: draw one random order of the row numbers $0, \dots, N - 1$, walk
through it in consecutive slices of `batch_size`, and index both arrays with each slice. Indexing with an
array of indices makes copies, so the caller's arrays stay as they were.
""",
    ("the indices and shapes", r"""
`rng.permutation(N)` returns the $N$ row numbers in a random order, each exactly once. The slices start at
0, `batch_size`, 2 `batch_size`, ... below $N$ (`range(0, N, batch_size)`); a slice that runs past the end is just shorter, so
the last batch needs no special case. With an index array `idx` of length $k$, `X[idx]` has shape `(k, D)`
and `y[idx]` shape `(k,)`.
"""),
    r"""
```python
N = ...
order = ...                  # one random order of the N row numbers
for start in range(0, N, batch_size):
    idx = ...                # the next slice of order
    yield ...                # the pair of batches
```
""",
])

nb.test("test_minibatches", points=2, source=r'''
"""minibatches: one shared permutation, every sample once, the last partial batch kept, the seed used."""
from gdbp.checks import check_minibatches

check_minibatches(minibatches)
''', hidden=r'''
import gdbp.data
from gdbp.instructor.hidden import assert_not_reference

_X, _y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
assert_not_reference(minibatches, gdbp.data.batches, args=(_X, _y, 4, 0))


def _one_epoch_on_wider_data(seeds=(51, 52, 53)):
    """N = 101 rows of D = 4 features with batch_size 8: 12 batches of 8 and one of 5, pairs kept together,
    every row exactly once, inputs unchanged."""
    for seed in seeds:
        rng = np.random.default_rng(seed)
        X_ = rng.normal(size=(101, 4))
        X_[:, 0] = np.arange(101)  # each row names itself
        y_ = np.arange(101) * 10.0
        X_before, y_before = X_.copy(), y_.copy()
        pairs = list(minibatches(X_, y_, 8, seed=seed))
        assert [len(yb) for _, yb in pairs] == [8] * 12 + [5], f"seed {seed}: batch sizes"
        rows = np.concatenate([Xb[:, 0] for Xb, _ in pairs])
        labels = np.concatenate([yb for _, yb in pairs])
        assert sorted(rows.tolist()) == list(range(101)), f"seed {seed}: every row exactly once"
        np.testing.assert_array_equal(labels, rows * 10.0, err_msg=f"seed {seed}: rows kept with their labels")
        np.testing.assert_array_equal(X_, X_before)
        np.testing.assert_array_equal(y_, y_before)


_one_epoch_on_wider_data()
''')

nb.md(r"""
### Batch, mini-batch and stochastic gradient descent side by side

The training loop below is the one every later notebook uses, in miniature: for each epoch, for each
mini-batch, **compute the gradient** on the batch, then **update** each parameter with the optimizer. We run
it with $|B| = N$ (batch), $|B| = 20$ (mini-batch) and $|B| = 1$ (stochastic), with the same learning rate
$\eta = 0.05$ for 10 epochs, and record the full-data loss after every step (in real training one would not
pay for that; here it is cheap and shows what happens). The epoch's seed is fixed, so that every run of the
notebook draws the same batches.
""", cell_id="md_compare")

nb.code(r'''
batcher = yours_or_reference(minibatches, gdbp.data.batches)


def train(lr, batch_size, num_epochs, seed=0, w0=(1.0,), b0=1.0):
    """Mini-batch gradient descent on (X, y) with your functions (or the references).

    lr: a float, or a function lr(t) of the number t of updates made so far (a schedule).
    Returns (path, losses): path of (w, b) after every update, shape (num_updates + 1, 2); losses the
    full-data loss at each row of path, shape (num_updates + 1,). A run whose parameters leave the box
    |w|, |b| < 1e6 has diverged: it stops there (that point is the last row).
    """
    w, b = np.array(w0, dtype=float), float(b0)
    state_w = state_b = None
    path = [(w[0], b)]
    for epoch in range(num_epochs):
        for X_batch, y_batch in batcher(X, y, batch_size, seed=1000 * seed + epoch):
            _, dw, db = loss_and_grad(X_batch, y_batch, w, b)
            step_lr = lr(len(path) - 1) if callable(lr) else lr
            w, state_w = step_rule(w, dw, state_w, lr=step_lr)
            b, state_b = step_rule(b, db, state_b, lr=step_lr)
            path.append((w[0], b))
            if max(abs(w[0]), abs(b)) > 1e6:  # diverged: stop before the numbers overflow
                path = np.array(path)
                return path, surface.value(path)
    path = np.array(path)
    return path, surface.value(path)


RUN_COLORS = {f"batch (|B| = {N})": "C0", "mini-batch (|B| = 20)": "C1", "stochastic (|B| = 1)": "C3"}
runs = {"stochastic (|B| = 1)": train(0.05, 1, 10),  # batch last, so that its line is drawn on top
        "mini-batch (|B| = 20)": train(0.05, 20, 10),
        f"batch (|B| = {N})": train(0.05, N, 10)}
for name, (path, losses) in runs.items():
    print(f"{name:22s}: {len(path) - 1:5d} updates, final (w, b) = {path[-1].round(4)}, "
          f"excess loss {losses[-1] - loss_best:.2e}")
''', cell_id="compare_runs")

nb.code(r'''
fig, ax = plt.subplots(figsize=(6.5, 5))
first_epoch = {name: path[: len(path) // 10 + 1] for name, (path, _) in runs.items()}
plot_contours(surface, first_epoch, ax=ax)
ax.set(xlabel="w", ylabel="b", title="the first epoch of each run")
recolor(ax, RUN_COLORS)
plt.show()
plt.close(fig)

fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.9), sharey=True)
# Per update: the x axis counts parameter updates (log scale: 10 vs 2000 updates; update 0 is not shown).
plot_losses({name: losses - loss_best for name, (_, losses) in runs.items()}, ax=axes[0],
            xlabel="update (log scale)")
axes[0].set_xscale("log")
axes[0].set(ylabel="excess loss L - L*", title="per update: alike at first,\nthen noisy for small batches")
recolor(axes[0], RUN_COLORS)

# Per epoch: the same amount of computation (N gradients of single examples) between two ticks.
for name, (path, losses) in runs.items():
    steps_per_epoch = (len(path) - 1) / 10
    epochs = np.arange(len(losses)) / steps_per_epoch
    axes[1].plot(epochs, losses - loss_best, label=name, lw=1, color=RUN_COLORS[name])
axes[1].set(yscale="log", xlabel="epoch (passes over the data)",
            title="per epoch: the same work,\nvery different progress")
axes[1].legend(fontsize="small")
fig.tight_layout()
plt.show()
plt.close(fig)
''', cell_id="compare_plot")

nb.md(r"""
Three things to read in these plots:

1. **Noise.** The batch curve is smooth: every step follows the exact gradient. The smaller the batch, the
   more the curve jitters, and the more the path on the left wanders around the straight line to the
   minimum.
2. **Cost.** Per update, the three runs start alike: same learning rate, and a mini-batch gradient is right
   on average. But one batch update costs $N = 200$ example gradients, a stochastic one costs 1. Per epoch,
   i.e. for the *same* computation, stochastic and mini-batch gradient descent are far ahead after one
   epoch: they made 200 and 10 updates where batch GD made one. On large data sets this is why everybody
   uses mini-batches.
3. **Convergence.** Batch GD keeps going down in a straight line. The stochastic run stops improving: it
   reaches a **noise floor** and hovers around the minimum without settling. Section 4 explains why.

Mini-batches are also the sweet spot in practice for a reason the plot cannot show: a batch of 32 or 256
examples costs about as much time as one example on vectorised hardware (a matrix product instead of a
vector product), so moderate batches get most of the noise reduction for free.

## 4. Convergence: the noise floor and decaying learning rates

At the minimum the *full* gradient is zero, but the gradient of a single example is not: each example still
pulls towards its own best line. With a constant learning rate every step therefore moves the parameters by
about $\eta \times$ (gradient noise), and SGD ends up **fluctuating** in a region around the minimum whose
size grows with $\eta$ and shrinks with $|B|$. Two remedies:

- a **smaller learning rate** (or a larger batch): a lower floor, but slower progress;
- a **decaying learning rate** $\eta_t \to 0$: Robbins and Monro (1951) showed that SGD converges when
  $\sum_t \eta_t = \infty$ (it can still travel any distance) and $\sum_t \eta_t^2 < \infty$ (the noise adds up
  to something finite), for example $\eta_t = \eta_0 / (1 + t/\tau)$. Notebook 10 uses ready-made schedules
  (`gdbp.optim.schedules`).

The runs below use $|B| = 1$ for 15 epochs (3000 updates).
""", cell_id="md_convergence")

nb.code(r'''
decaying = lambda t: 0.05 / (1 + t / 200)  # noqa: E731 - the schedule eta_t = eta_0 / (1 + t / tau), tau = 200
floor_runs = {"lr = 0.05": train(0.05, 1, 15),
              "lr = 0.005": train(0.005, 1, 15),
              "lr = 0.05 / (1 + t / 200)": train(decaying, 1, 15)}
fig, ax = plt.subplots(figsize=(8.5, 4.3))
plot_losses({name: losses - loss_best for name, (_, losses) in floor_runs.items()}, ax=ax, xlabel="update t")
ax.set(ylabel="excess loss L - L*", title="stochastic gradient descent (|B| = 1): constant vs decaying lr")
plt.show()
plt.close(fig)
for name, (_, losses) in floor_runs.items():
    print(f"{name:26s}: mean excess loss over the last 1000 updates {np.mean(losses[-1000:] - loss_best):.2e}")
''', cell_id="noise_floor")

nb.md(r"""
The large constant learning rate is fast at first and then stalls at its floor; the small one has a much
lower floor but needs many more updates to reach it; the decaying learning rate starts like the
large one and keeps going down like the small one.

## 5. Learning rate and batch size together

Batch size and learning rate are not independent knobs. The last experiment trains for a fixed budget of
**10 epochs** (the same computation for every run) with batch sizes 1 to $N$ and learning rates from $10^{-3}$
to about 2, and reports the excess loss at the end (averaged over three seeds; a run that blows up is
marked at the top of the plot).
""", cell_id="md_interplay")

nb.code(r'''
lrs = np.geomspace(1e-3, 2.0, 14)
batch_sizes = (1, 5, 20, 50, N)
fig, ax = plt.subplots(figsize=(8.5, 4.8))
for batch_size in batch_sizes:
    final = []
    for lr in lrs:
        excess = [train(lr, batch_size, 10, seed=seed)[1][-1] - loss_best for seed in range(3)]
        final.append(min(np.mean(excess), 1e2))  # a diverged run is drawn at the top, 1e2
    updates = int(np.ceil(N / batch_size))
    ax.loglog(lrs, final, "o-", ms=4, label=f"|B| = {batch_size} ({updates} updates / epoch)")
ax.axvline(2 / curvatures.max(), color="grey", ls=":", label="batch GD's stability limit 2 / lambda_max")
ax.set(xlabel="learning rate lr", ylabel="excess loss after 10 epochs (capped at 100)",
       title="the best learning rate grows with the batch size")
ax.legend(fontsize="small")
plt.show()
plt.close(fig)
''', cell_id="interplay")

nb.md(r"""
How to read it, left to right:

- **Small learning rates**: every run is still on its way down; the small batches are ahead because they
  made many more updates in the same 10 epochs.
- **Each batch size has its own best learning rate**, and it grows with the batch size. A larger batch has
  a less noisy gradient, so it can afford larger steps before the noise floor dominates; it also makes
  fewer updates per epoch, so it *needs* larger steps. For moderate batches a useful rule of thumb is the
  **linear scaling rule** (Goyal et al., 2017): multiply the batch size by $k$, multiply the learning rate
  by $k$.
- **Large learning rates**: the small batches become noisy or diverge first; full-batch gradient descent is
  stable up to $2/\lambda_{\max}$ (dotted line), where no batch size helps any more: that limit comes from
  the curvature of the loss, not from the noise.
- Do not conclude that full batch wins: on this tiny, almost round bowl 10 exact steps near
  $\eta \approx 0.6$ are enough to land on the minimum. With a million examples, 10 epochs of full-batch
  gradient descent would still be 10 updates, and a model with millions of parameters needs many thousands.

## Recap

- Linear regression: $\hat y = Xw + b$, $L = \operatorname{mean}((\hat y - y)^2)$; with $r = \hat y - y$,
  $dw = \frac2N X^\top r$ (shape of `w`) and $db = \frac2N \sum_i r_i$. Check analytic gradients numerically.
- An optimizer is a pure function `rule(param, grad, state, **hyperparameters) -> (new_param, new_state)`;
  SGD is `param - lr * grad` with no state. Notebooks 08-10 keep this contract.
- A training loop = for each epoch, for each mini-batch (one shared shuffle, last partial batch kept):
  compute the gradient on the batch, update every parameter.
- Batch GD: exact, smooth, but one update per epoch. SGD: $N$ cheap, very noisy updates per epoch.
  Mini-batches: the compromise used in practice. A mini-batch gradient is unbiased, with a variance
  $\propto 1/|B|$.
- With a constant learning rate SGD stalls at a noise floor that grows with $\eta$ and shrinks with $|B|$;
  a decaying learning rate ($\sum \eta_t = \infty$, $\sum \eta_t^2 < \infty$) converges.
- The best learning rate grows with the batch size (linear scaling rule), up to the curvature limit
  $2/\lambda_{\max}$.
- **Gradient descent and backpropagation:** the loop had two halves, computing the gradient
  (`linear_loss_and_grad`, derived by hand) and using it (`sgd`). Backpropagation (notebooks 05-06) is the
  general way to do the first half for any network; the second half stays exactly the same.

## Questions

1. Why does `dw` have shape `(D,)` and not `(N,)`? What goes wrong with `X @ r` instead of `X.T @ r` when
   $N = D$, and when $N \ne D$?
2. With the $\tfrac12 \operatorname{mean}$ convention, what changes in the gradient, and what happens to
   the learning rate you need for the same steps?
3. You double the batch size and keep the learning rate. What happens to the cost of one epoch, the number
   of updates per epoch, and the noise of each update?
4. Why does stochastic gradient descent with a constant learning rate not converge to the minimum, even on
   this convex bowl? Name two ways to make it converge.
5. Your mini-batch iterator used two different permutations for `X` and `y` by mistake. Would the training
   loop crash? What would it learn?
6. Why is it useful that `sgd` returns a new array instead of changing `param` in place?

<details><summary>Short answers</summary>

1. A gradient has the shape of the parameter; `dw[j]` sums over the examples $i$, which is `X.T @ r`. With
   $N = D$ `X @ r` has the right shape and silently gives wrong numbers; with $N \ne D$ it fails with a shape
   error (better).
2. The loss and every gradient are halved; the same steps then need a learning rate twice as large.
3. An epoch costs the same (every example once); half as many updates per epoch; each update's gradient
   variance halves (spread divided by $\sqrt2$).
4. The gradient of a mini-batch is not zero at the minimum, so a fixed step size keeps the parameters moving
   around it (the noise floor). Decay the learning rate ($\sum\eta_t = \infty$, $\sum\eta_t^2 < \infty$),
   or grow the batch size (down to full batch, which converges for $\eta < 2/\lambda_{\max}$).
5. No crash: the shapes are fine. But the pairs are broken, every `x` gets a random `y`, so the model learns
   that there is no relation: $w \approx 0$ and $b \approx$ the mean of `y`.
6. The caller's arrays stay valid: you can keep the old parameters (a trajectory, a best-so-far copy), run
   two optimizers from the same start, and repeat an experiment with exactly the same inputs.

</details>
""", cell_id="recap")

if __name__ == "__main__":
    print(nb.write())

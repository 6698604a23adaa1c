"""Authoring source of solutions/02_deriving_gradients: deriving gradients by hand, from scalars to matrices.

Run ``.venv/bin/python tools/notebooks/02_deriving_gradients.py`` to rebuild the instructor notebook, then
regenerate the learner release with ``nbgrader generate_assignment 02_deriving_gradients`` (see CONTRIBUTING).
Exercises (docs/exercises.md): ``sigmoid_grad``, ``linear_mse_grad`` and ``softmax_ce_grad``, checked by
``gdbp.checks.check_<name>`` against ``gdbp.layers`` (sigmoid, softmax_loss) and ``gdbp.linear``.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from tools.nbbuild import Notebook  # noqa: E402

NAME = "02_deriving_gradients"

nb = Notebook(NAME)

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
# 02 · Deriving gradients by hand

## Learning goals

- You will apply the **chain rule** to composite scalar functions, derive the sigmoid's derivative yourself,
  express it through the sigmoid's own output, and write it as `sigmoid_grad(x)`.
- You will take gradients with respect to **vectors and matrices**, using **shapes as a guide**: the
  gradient of a scalar loss with respect to an array has that array's shape.
- You will follow one vector gradient worked through completely, **logistic regression**, and then derive
  the next one yourself: linear regression's mean squared error, `linear_mse_grad(X, y, w, b)`.
- You will derive the **affine layer**'s backward pass on paper and check it against finite differences.
- You will derive the gradient of **softmax cross-entropy**, the many-class version of the logistic loss,
  and write it as `softmax_ce_grad(scores, y)`, stable for large scores.

**Where we are.** Notebook 01 ran gradient descent with a gradient we wrote by hand, and asked: *how do
gradient descent and backpropagation relate?* Gradient descent needs $\nabla L$; backpropagation is the
bookkeeping that gets it for a whole network by applying the chain rule, one layer at a time, with
**local** gradients like the ones you derive here. This notebook derives those local gradients; notebook 03
checks them numerically; notebooks 05 and 06 chain them automatically.

**How this notebook works.** Each section works one case through completely, derivation and code; the
exercise after it asks for the *next* case, which uses the same idea but is not shown. If you are stuck,
the hints under each exercise open one at a time.
""", cell_id="intro")
nb.exercise_rules()

nb.code(r'''
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import gdbp.layers
import gdbp.linear
# yours_or_reference(fn, reference): your function once it passes its exercise's checker, else gdbp's
# reference, with a one-line note either way: the demonstrations run before (and while) you write it.
from gdbp.course import yours_or_reference
from gdbp.data import make_linear_regression
from gdbp.descent import gradient_descent
from gdbp.gradcheck import numerical_gradient, numerical_gradient_array
from gdbp.plotting import plot_losses
''', cell_id="setup")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 1. The scalar chain rule

If $y = f(u)$ and $u = g(x)$, then

$$\frac{dy}{dx} = \frac{dy}{du}\cdot\frac{du}{dx} = f'(g(x))\, g'(x).$$

Read it from the output backwards: the derivative of the output with respect to the **intermediate** $u$
(the *upstream* gradient), times the **local** derivative of $u$ with respect to $x$. A longer chain
$x \to u \to v \to y$ is just more factors: $\frac{dy}{dx} = \frac{dy}{dv}\frac{dv}{du}\frac{du}{dx}$.

### Worked example: $f(x) = \sqrt{1 + x^2}$

Write it as a chain of two simple functions:

$$u = 1 + x^2, \qquad f = u^{1/2}.$$

Local derivatives: $\dfrac{df}{du} = \tfrac12 u^{-1/2}$ and $\dfrac{du}{dx} = 2x$. Multiply:

$$f'(x) = \tfrac12 u^{-1/2} \cdot 2x = \frac{x}{\sqrt{1 + x^2}} = \frac{x}{f(x)} .$$

The last step writes the derivative through the **output** $f(x)$. That is the form a network uses: the
forward pass has already computed (and stored) $f(x)$, so the backward pass gets the derivative for the
price of one division. The cell compares $x / f(x)$ with a **finite difference**
$\frac{f(x + h) - f(x - h)}{2h}$ (notebook 03 is all about that check).
""", cell_id="md_chain_rule")

nb.code(r'''
def f(x):
    return np.sqrt(1 + x**2)


x = np.array([-3.0, -0.5, 0.0, 2.0])
out = f(x)  # the forward pass
df_dx = x / out  # the derivative through the output
h = 1e-6
print("x                       :", x)
print("x / f(x)                :", df_dx.round(10))
print("(f(x+h) - f(x-h)) / 2h  :", ((f(x + h) - f(x - h)) / (2 * h)).round(10))
''', cell_id="chain_rule_example")

nb.md(r"""
### Exercise 1: the sigmoid's derivative (1 point)

The **sigmoid** (logistic function) squashes any number into $(0, 1)$:

$$\sigma(x) = \frac{1}{1 + e^{-x}} .$$

Derive $\sigma'(x)$ with the chain rule, as in the worked example, and then write it through the output
$\sigma(x)$ itself: that is the form networks use.

Write `sigmoid_grad(x) -> dsigma_dx`:

- `x`: a numpy array of floats of **any shape** (also 0-d, a single number as `np.array(0.75)`).
- Return $\sigma'(x)$ **elementwise**: a float array of the same shape as `x`. Compute $\sigma$ with
  `np.exp`. Do not change `x` in place.
- Use numpy only: `gdbp.layers` has a sigmoid, and using it does not count.
""", cell_id="md_ex_sigmoid")

nb.solution("sigmoid_grad", r'''
def sigmoid_grad(x):
    """Derivative of the logistic sigmoid, elementwise; x any shape."""
    ### BEGIN SOLUTION
    s = 1 / (1 + np.exp(-np.asarray(x, dtype=float)))
    return s * (1 - s)
    ### END SOLUTION
''')

nb.hints("sigmoid_grad", [
    r"""
Write $\sigma$ as a chain of two functions, as $\sqrt{1 + x^2}$ was: an inner $u = 1 + e^{-x}$ and an
outer $\sigma = u^{-1}$. Multiply their local derivatives. To bring in $\sigma$ itself, split the result into
a product of two fractions that each look like $\sigma$ or $1 - \sigma$.
""",
    r"""
$$\sigma'(x) = -u^{-2}\cdot\left(-e^{-x}\right) = \frac{e^{-x}}{(1 + e^{-x})^2}
= \frac{1}{1 + e^{-x}} \cdot \frac{e^{-x}}{1 + e^{-x}} = \sigma(x)\,\big(1 - \sigma(x)\big),$$

since $1 - \sigma = \frac{1 + e^{-x} - 1}{1 + e^{-x}}$. Numpy applies every operation elementwise, so the
same two lines work for any shape.
""",
    r"""
```python
s = ...          # sigma(x), elementwise, with np.exp
return ...       # the derivative, written with s
```
""",
])

nb.test("test_sigmoid_grad", points=1, source=r'''
"""sigmoid_grad: the derivative elementwise, any shape (0-d too), against gdbp.layers' sigmoid."""
from gdbp.checks import check_sigmoid_grad

check_sigmoid_grad(sigmoid_grad)
''', hidden=r'''
import gdbp.layers
from gdbp.instructor.hidden import assert_not_reference

assert_not_reference(sigmoid_grad, gdbp.layers.sigmoid_backward, args=(np.array([0.5, -1.0]),))
assert_not_reference(sigmoid_grad, gdbp.layers.sigmoid_forward, args=(np.array([0.5, -1.0]),))
for _seed in (31, 32, 33):
    _x = np.random.default_rng(_seed).normal(size=(2, 3, 4)) * 5  # |x| < 30: no overflow in a plain exp(-x)
    _s = gdbp.layers.sigmoid_forward(_x)[0]
    _got = np.asarray(sigmoid_grad(_x.copy()))
    assert _got.shape == _x.shape, f"seed {_seed}: shape {_got.shape}, expected {_x.shape}"
    np.testing.assert_allclose(_got, _s * (1 - _s), rtol=1e-9, atol=1e-15, err_msg=f"seed {_seed}")
''')

nb.md(r"""
The sigmoid and its derivative, drawn with your `sigmoid_grad`. The derivative is at most $0.25$ (at
$x = 0$, where $\sigma = 0.5$), and almost 0 for $|x| > 5$: a saturated sigmoid passes almost no gradient
back. Multiply a few such factors in a deep chain and the gradient **vanishes**; one reason networks today
prefer ReLU (notebook 06).
""", cell_id="md_sigmoid_plot")

nb.code(r'''
def reference_sigmoid_grad(x):
    s, cache = gdbp.layers.sigmoid_forward(x)
    return gdbp.layers.sigmoid_backward(np.ones_like(s), cache)


sigmoid_derivative = yours_or_reference(sigmoid_grad, reference_sigmoid_grad, name="gdbp.layers.sigmoid_backward")
xs = np.linspace(-8, 8, 400)
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(xs, gdbp.layers.sigmoid_forward(xs)[0], label="sigma(x)")
ax.plot(xs, sigmoid_derivative(xs), label="sigma'(x)")
ax.axhline(0.25, color="grey", ls=":", lw=1)
ax.set(xlabel="x", title="The sigmoid's slope is at most 0.25 and vanishes in both tails")
ax.legend()
plt.show()
plt.close(fig)
''', cell_id="sigmoid_plot")

nb.md(r"""
### Your derivative in a longer chain: one neuron with a squared error

A neuron with weight $w$, bias $b$, input $x$ and target $y$: $z = w x + b$, $a = \sigma(z)$,
$L = (a - y)^2$. Go backwards, one local derivative at a time; the sigmoid's is your `sigmoid_grad`:

$$\frac{dL}{da} = 2(a - y), \qquad \frac{dL}{dz} = \frac{dL}{da}\,\sigma'(z), \qquad
\frac{dL}{dw} = \frac{dL}{dz}\, x, \qquad \frac{dL}{db} = \frac{dL}{dz}\cdot 1 .$$

The cell computes these numbers and compares $dL/dw$ and $dL/db$ with finite differences.
""", cell_id="md_neuron")

nb.code(r'''
w, b, x, y = 0.8, -0.3, 1.5, 1.0


def neuron_loss(w, b):
    z = w * x + b
    a = 1 / (1 + np.exp(-z))
    return (a - y) ** 2


# forward pass, keeping the intermediate values
z = w * x + b
a = 1 / (1 + np.exp(-z))
L = (a - y) ** 2
# backward pass: upstream gradient times local derivative, from the loss back to w and b
dL_da = 2 * (a - y)
dL_dz = dL_da * float(sigmoid_derivative(np.array(z)))
dL_dw = dL_dz * x
dL_db = dL_dz

h = 1e-6
print(f"z = {z:.4f}, a = sigma(z) = {a:.4f}, L = {L:.6f}")
print(f"dL/da = {dL_da:.6f}, dL/dz = {dL_dz:.6f}")
print(f"dL/dw by the chain rule: {dL_dw:.10f}")
print(f"dL/dw by (L(w+h) - L(w-h)) / 2h: {(neuron_loss(w + h, b) - neuron_loss(w - h, b)) / (2 * h):.10f}")
print(f"dL/db by the chain rule: {dL_db:.10f}")
print(f"dL/db by (L(b+h) - L(b-h)) / 2h: {(neuron_loss(w, b + h) - neuron_loss(w, b - h)) / (2 * h):.10f}")
''', cell_id="neuron")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 2. Vectors and matrices: let the shapes guide you

A loss $L$ is always a **scalar**. For any array $A$ it depends on (a weight vector, a weight matrix, a batch
of inputs), the gradient $\partial L/\partial A$ collects one partial derivative per entry, so

$$\frac{\partial L}{\partial A} \text{ has exactly the shape of } A, \qquad
\Big(\frac{\partial L}{\partial A}\Big)_{jk} = \frac{\partial L}{\partial A_{jk}} .$$

In code we call it `dA` (`dw`, `db`, `dx`, and `dout` for the gradient with respect to a layer's output).
Two tools derive every formula below:

1. **Write one entry as a sum** of scalars and differentiate that with the scalar chain rule.
2. **Check the shapes**: there is usually only one way to combine the arrays you have into an array of the
   shape you need. If the shapes do not fit, a transpose or a sum is missing.

### Worked example: logistic regression

A classifier for two classes. Data $X$ of shape $(N, D)$ (one example per row), labels $y$ of shape $(N,)$
with $y_i \in \{0, 1\}$, weights $w$ of shape $(D,)$, a bias $b$ (a number). The model computes a **score**
per example and turns it into the probability of class 1 with the sigmoid:

$$s = Xw + b \quad (N,), \qquad p_i = \sigma(s_i), \qquad
L = \frac{1}{N}\sum_{i=1}^{N} \ell_i, \qquad \ell_i = -y_i \log p_i - (1 - y_i)\log(1 - p_i),$$

the mean **binary cross-entropy** (the negative log-probability of the correct class).

**Step 1, the loss with respect to the scores.** $\ell_i$ depends on $s_i$ through $p_i$. With
$\frac{d\ell_i}{dp_i} = -\frac{y_i}{p_i} + \frac{1 - y_i}{1 - p_i}$ and $\frac{dp_i}{ds_i} = p_i(1 - p_i)$
(Exercise 1):

$$\frac{d\ell_i}{ds_i} = -y_i(1 - p_i) + (1 - y_i)\,p_i = p_i - y_i, \qquad
ds_i = \frac{\partial L}{\partial s_i} = \frac{p_i - y_i}{N},$$

a vector $ds$ of shape $(N,)$: "what the model predicts minus what it should predict", divided by $N$
because $L$ is a mean.

**Step 2, one weight.** $s_i = \sum_{j} X_{ij} w_j + b$, so $\partial s_i/\partial w_j = X_{ij}$, and by the
chain rule, summing over every $s_i$ that $w_j$ influences,

$$\frac{\partial L}{\partial w_j} = \sum_{i=1}^{N} \frac{\partial L}{\partial s_i}\frac{\partial s_i}{\partial w_j}
= \sum_{i=1}^{N} ds_i\, X_{ij} .$$

**Step 3, vectorise, guided by shapes.** We need $dw$ of shape $(D,)$ from $X$ $(N, D)$ and $ds$ $(N,)$,
summing over $i$, the batch axis. The only product that does that is

$$dw = X^\top ds \qquad (D, N)\cdot(N,) \to (D,) .$$

($X\,ds$ does not even fit: $(N, D)\cdot(N,)$. With $N = D$ it *would* fit and silently compute the wrong
thing, so shapes are a guide, not a proof.)

**The bias.** $\partial s_i/\partial b = 1$ for every $i$, so $db = \sum_i ds_i$: the bias is added to every
score, so its gradient **sums over the batch**.

| array | shape | its gradient | shape |
|---|---|---|---|
| $X$ | $(N, D)$ | (data: not needed) | |
| $w$ | $(D,)$ | $dw = X^\top ds$ | $(D,)$ |
| $b$ | number | $db = \sum_i ds_i$ | number |
| $s = Xw + b$ | $(N,)$ | $ds = (p - y)/N$ | $(N,)$ |

The same three steps in code, checked against central differences of the loss:
""", cell_id="md_vectors")

nb.code(r'''
def logistic_loss(X, y, w, b):
    """Mean binary cross-entropy of p = sigmoid(X @ w + b) against labels y in {0, 1}."""
    p = 1 / (1 + np.exp(-(X @ w + b)))
    return np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p))


def logistic_grad(X, y, w, b):
    """(dw, db) of logistic_loss: X (N, D), y (N,), w (D,), b a float."""
    p = 1 / (1 + np.exp(-(X @ w + b)))  # (N,)
    ds = (p - y) / len(y)  # step 1: dL/ds, (N,)
    dw = X.T @ ds  # steps 2 and 3: (D, N) @ (N,) -> (D,)
    db = ds.sum()  # the bias: a sum over the batch
    return dw, db


rng = np.random.default_rng(3)
X_demo, w_demo, b_demo = rng.normal(size=(6, 3)), rng.normal(size=3), 0.2
y_demo = (rng.random(6) < 0.5).astype(float)
dw_demo, db_demo = logistic_grad(X_demo, y_demo, w_demo, b_demo)
print("dw by the formula           :", dw_demo)
print("dw by central differences   :", numerical_gradient(lambda w_: logistic_loss(X_demo, y_demo, w_, b_demo), w_demo))
print(f"db by the formula {db_demo:.10f}, by central differences "
      f"{numerical_gradient(lambda b_: logistic_loss(X_demo, y_demo, w_demo, b_[0]), np.array([b_demo]))[0]:.10f}")
''', cell_id="logistic_example")

nb.md(r"""
### Exercise 2: the gradient of linear regression's MSE (2 points)

The next case: the same linear model, another loss. **Linear regression** predicts a number per example,
$\hat y = Xw + b$, and is trained on the **mean squared error**

$$L = \frac{1}{N}\sum_{i=1}^{N} (\hat y_i - y_i)^2 \qquad\text{with } \hat y = Xw + b .$$

(Some texts use $\frac{1}{2N}\sum_i$ to cancel a 2; this course, like PyTorch's `MSELoss`, uses the plain
mean.) Derive $\partial L/\partial w$ and $\partial L/\partial b$ with the three steps of the worked example,
then write `linear_mse_grad(X, y, w, b) -> (dw, db)`:

- `X`: float array of shape `(N, D)`; `y`: shape `(N,)` (real-valued targets); `w`: shape `(D,)`;
  `b`: a float.
- Return the tuple `(dw, db)`: `dw` $= \partial L/\partial w$, a float array of shape `(D,)`, and
  `db` $= \partial L/\partial b$, a float (a numpy float is fine).
- Vectorise (no Python loop over the examples). Do not change any argument in place.
- Use numpy only: `gdbp.linear` holds a reference, and using it does not count.
""", cell_id="md_ex_linear")

nb.solution("linear_mse_grad", r'''
def linear_mse_grad(X, y, w, b):
    """Gradient of L = mean((X @ w + b - y)**2): returns (dw, db), dw of shape (D,), db a float."""
    ### BEGIN SOLUTION
    N = X.shape[0]
    r = X @ w + b - y
    dw = 2 * X.T @ r / N
    db = 2 * np.sum(r) / N
    return dw, float(db)
    ### END SOLUTION
''')

nb.hints("linear_mse_grad", [
    r"""
Only step 1 is new. Name the residuals $r = \hat y - y = Xw + b - y$ (shape $(N,)$): they play the part of
the scores $s$ in the worked example. Differentiate $L$ with respect to each $r_i$; steps 2 and 3 (one weight,
then the shapes) and the bias go exactly as before, since $r_i$ depends on $w$ and $b$ as $s_i$ did.
""",
    r"""
$$dr_i = \frac{\partial L}{\partial r_i} = \frac{2 r_i}{N}, \qquad
dw = X^\top dr \quad (D, N)\cdot(N,) \to (D,), \qquad db = \sum_i dr_i .$$
""",
    r"""
```python
N = ...          # the number of examples
r = ...          # the residuals, shape (N,)
dr = ...         # dL/dr, shape (N,)
dw = ...         # shape (D,)
db = ...         # a number
return dw, db
```
""",
])

nb.test("test_linear_mse_grad", points=2, source=r'''
"""linear_mse_grad: dw and db on several shapes (N == D too), against gdbp.linear.linear_mse_grad."""
from gdbp.checks import check_linear_mse_grad

check_linear_mse_grad(linear_mse_grad)
''', hidden=r'''
import gdbp.linear
from gdbp.instructor.hidden import assert_not_reference

_args = (np.ones((3, 2)), np.zeros(3), np.array([0.5, -1.0]), 0.25)
assert_not_reference(linear_mse_grad, gdbp.linear.linear_mse_grad, args=_args)
assert_not_reference(linear_mse_grad, gdbp.linear.linear_loss_and_grad, args=_args)
for _seed in (41, 42, 43):
    _rng = np.random.default_rng(_seed)
    _N, _D = _rng.integers(2, 20), _rng.integers(1, 8)
    _X, _y, _w, _b = _rng.normal(size=(_N, _D)), _rng.normal(size=_N), _rng.normal(size=_D), float(_rng.normal())
    _dw, _db = linear_mse_grad(_X.copy(), _y.copy(), _w.copy(), _b)
    _ref_dw, _ref_db = gdbp.linear.linear_mse_grad(_X, _y, _w, _b)
    np.testing.assert_allclose(np.asarray(_dw), _ref_dw, rtol=1e-9, atol=1e-12, err_msg=f"dw, seed {_seed}")
    np.testing.assert_allclose(float(_db), _ref_db, rtol=1e-9, atol=1e-12, err_msg=f"db, seed {_seed}")
''')

nb.md(r"""
### Your gradient at work

A gradient is only useful when something descends along it. Pack the parameters into one vector
$\theta = (w, b)$, and notebook 01's `gradient_descent` (here gdbp's) fits the line through noisy data with
your `linear_mse_grad`:
""", cell_id="md_fit")

nb.code(r'''
mse_grad = yours_or_reference(linear_mse_grad, gdbp.linear.linear_mse_grad)
X, y, w_true, b_true = make_linear_regression(n_samples=40, n_features=1, noise=0.3, seed=1)


def grad_theta(theta):
    """The gradient with respect to theta = (w_1, ..., w_D, b), shape (D + 1,)."""
    dw, db = mse_grad(X, y, theta[:-1], theta[-1])
    return np.append(dw, db)


def loss_theta(theta):
    return np.mean((X @ theta[:-1] + theta[-1] - y) ** 2)


trajectory = gradient_descent(grad_theta, np.zeros(2), lr=0.1, num_steps=60)
w_fit, b_fit = trajectory[-1, :-1], trajectory[-1, -1]
print(f"true: w = {w_true[0]:.3f}, b = {b_true:.3f};  after 60 steps: w = {w_fit[0]:.3f}, b = {b_fit:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.6))
axes[0].plot(X[:, 0], y, "o", ms=4, color="grey", label="data")
xs = np.linspace(X.min(), X.max(), 2)
for t in (0, 3, 10, 60):
    axes[0].plot(xs, trajectory[t, 0] * xs + trajectory[t, 1], label=f"after {t} steps")
axes[0].set(xlabel="x", ylabel="y", title="the fitted line, step by step")
axes[0].legend(fontsize="small")
plot_losses({"gradient descent, lr = 0.1": [loss_theta(theta) for theta in trajectory]}, ax=axes[1])
axes[1].set_title("MSE along the way (levels off at the noise)")
fig.tight_layout()
plt.show()
plt.close(fig)
''', cell_id="fit_line")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 3. The affine layer: your turn, on paper

A network's fully connected (affine) layer maps a batch of inputs $X$ $(N, D)$ to outputs

$$\text{out} = XW + b, \qquad W: (D, M), \quad b: (M,), \quad \text{out}: (N, M)$$

($b$ is added to every row). In a network the layer does not see the loss directly; backpropagation hands it
the **upstream gradient** $dout = \partial L/\partial\,\text{out}$, of shape $(N, M)$, and the layer must
return $dX$, $dW$ and $db$, each of the shape of its array.

**Derive the three** with the two tools of section 2: one entry is
$\text{out}_{nm} = \sum_d X_{nd} W_{dm} + b_m$; ask which entries of $\text{out}$ each $W_{dm}$, $X_{nd}$ and
$b_m$ appear in, with which factor, sum $dout$ over them, and let the shapes pick the matrix products.
(Linear regression was the case $M = 1$ with the upstream gradient $dr$.) This one is not graded: notebook 06
builds the layer.

The cell computes the three gradients by finite differences of $L = \sum_{nm} \text{out}_{nm}\, dout_{nm}$
(a loss whose upstream gradient is exactly `dout`) with `gdbp.gradcheck.numerical_gradient_array`. To check
your formulas, replace the `None`s in `yours` by numpy expressions of `X_batch`, `W` and `dout`, and run the
cell again.

<details><summary>Answer (open it after you have derived them)</summary>

$W_{dm}$ appears in $\text{out}_{nm}$ for every example $n$, with factor $X_{nd}$:
$\frac{\partial L}{\partial W_{dm}} = \sum_n X_{nd}\, dout_{nm}$, so $dW = X^\top dout$,
$(D, N)\cdot(N, M) \to (D, M)$.

$X_{nd}$ appears in $\text{out}_{nm}$ for every output $m$, with factor $W_{dm}$:
$\frac{\partial L}{\partial X_{nd}} = \sum_m dout_{nm}\, W_{dm}$, so $dX = dout\, W^\top$,
$(N, M)\cdot(M, D) \to (N, D)$.

$b_m$ appears in $\text{out}_{nm}$ for every $n$, with factor 1: $db_m = \sum_n dout_{nm}$, the sum of
$dout$ over the batch axis, shape $(M,)$.

</details>
""", cell_id="md_affine")

nb.code(r'''
rng = np.random.default_rng(0)
N, D, M = 4, 3, 2
X_batch, W, b_vec = rng.normal(size=(N, D)), rng.normal(size=(D, M)), rng.normal(size=M)
dout = rng.normal(size=(N, M))

numeric = {
    "dX": numerical_gradient_array(lambda X_: X_ @ W + b_vec, X_batch, dout),
    "dW": numerical_gradient_array(lambda W_: X_batch @ W_ + b_vec, W, dout),
    "db": numerical_gradient_array(lambda b_: X_batch @ W + b_, b_vec, dout),
}
yours = {"dX": None, "dW": None, "db": None}  # your formulas, e.g. an expression in X_batch, W and dout

for name, grad in numeric.items():
    print(f"{name}: shape {grad.shape} (the shape of {'X' if name == 'dX' else name[1:]})")
    if yours[name] is None:
        print("   not filled in yet: replace its None in `yours`")
    elif np.shape(yours[name]) != grad.shape:
        print(f"   yours has shape {np.shape(yours[name])}: a transpose or a sum is missing")
    else:
        print(f"   largest |yours - numeric| = {np.abs(np.asarray(yours[name]) - grad).max():.1e}")
''', cell_id="affine_check")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 4. Softmax cross-entropy

A classifier with $C$ classes outputs **scores** (logits) $s$ of shape $(N, C)$, one row per example. The
**softmax** turns each row into probabilities, and the loss is the mean negative log-probability of the
correct class $y_i$:

$$p_{ij} = \frac{e^{s_{ij}}}{\sum_k e^{s_{ik}}}, \qquad
L = \frac{1}{N}\sum_{i=1}^{N} -\log p_{i, y_i} .$$

It is the many-class version of section 2's logistic loss: with $C = 2$ classes and the scores
$(0, s_i)$, $p_{i1} = \frac{e^{s_i}}{1 + e^{s_i}} = \sigma(s_i)$, and $L$ is the binary cross-entropy.

**Numerical stability.** Scores of a few hundred are common, and `np.exp(1000)` is `inf` in float64; then
`inf / inf = nan`. The fix costs nothing: the softmax does not change when a constant is subtracted from a
whole row, $\frac{e^{s_j - c}}{\sum_k e^{s_k - c}} = \frac{e^{s_j}}{\sum_k e^{s_k}}$, so subtract each row's
maximum first. Then every exponent is $\le 0$, every `exp` lies in $(0, 1]$, and the largest is exactly 1.
Here on one row:
""", cell_id="md_softmax")

nb.code(r'''
scores_row = np.array([1000.0, 999.0, 990.0])
with np.errstate(over="ignore", invalid="ignore"):  # show the nan without the RuntimeWarning
    naive = np.exp(scores_row) / np.exp(scores_row).sum()
shifted = scores_row - scores_row.max()
stable = np.exp(shifted) / np.exp(shifted).sum()
print("naive softmax:          ", naive)
print("after subtracting max:  ", stable.round(6), " (shifted scores:", shifted, ")")
''', cell_id="softmax_overflow")

nb.md(r"""
### Exercise 3: the gradient of softmax cross-entropy (2 points)

Derive $\partial L/\partial s$ for the mean cross-entropy $L$ above: one example's loss with respect to one
score $s_{ij}$, then the whole array. The worked example's answer, $(p - y)/N$ for two classes, tells you
what to expect. Then write `softmax_ce_grad(scores, y) -> dscores`:

- `scores`: float array of shape `(N, C)`, one row of class scores per example. Values may be around
  $10^3$: compute each row's softmax stably, as above.
- `y`: integer array of shape `(N,)`, the correct class of each example, `0 <= y[i] < C`.
- Return `dscores` $= \partial L/\partial s$, a float array of shape `(N, C)`.
- Vectorise over the examples (no Python loop over rows). Do not change `scores` or `y`. Use numpy only:
  `gdbp.layers.softmax_loss` computes this too, and using it does not count.
""", cell_id="md_ex_softmax")

nb.solution("softmax_ce_grad", r'''
def softmax_ce_grad(scores, y):
    """Gradient of the mean softmax cross-entropy with respect to scores (N, C); y (N,) integer labels."""
    ### BEGIN SOLUTION
    N = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp_shifted = np.exp(shifted)
    p = exp_shifted / exp_shifted.sum(axis=1, keepdims=True)
    p[np.arange(N), y] -= 1
    return p / N
    ### END SOLUTION
''')

nb.hints("softmax_ce_grad", [
    r"""
Write one example's loss without the fraction: $L_i = -\log p_{i,y_i} = -s_{i,y_i} + \log \sum_k e^{s_{ik}}$.
Differentiate it with respect to $s_{ij}$: the first term depends on $s_{ij}$ only when $j = y_i$; the second
is a log of a sum (chain rule: outer $\log$, inner sum of exponentials). The mean over the examples adds a
factor $1/N$. For the stable softmax of every row at once, take the maximum and the sum along the class
axis, keeping that axis (`keepdims=True`) so that `(N, 1)` broadcasts against `(N, C)`.
""",
    r"""
$$\frac{\partial L_i}{\partial s_{ij}} = -[\,j = y_i\,] + \frac{e^{s_{ij}}}{\sum_k e^{s_{ik}}}
= p_{ij} - [\,j = y_i\,], \qquad\text{so}\qquad \frac{\partial L}{\partial s} = \frac{p - \text{onehot}(y)}{N}
\quad (N, C),$$

where $\text{onehot}(y)_{ij} = 1$ if $j = y_i$ and 0 otherwise. Each row sums to zero. With integer arrays,
`A[np.arange(N), y]` is the entry of column `y[i]` in each row `i` (one per row; `A[:, y]` would be whole
columns).
""",
    r"""
```python
N = ...
shifted = ...           # each row minus its maximum, (N, C)
p = ...                 # the softmax of each row, (N, C)
...                     # subtract 1 at the correct class of each row (on p, a new array)
return ...              # divide by N
```
""",
])

nb.test("test_softmax_ce_grad", points=2, source=r'''
"""softmax_ce_grad: dscores, stable for scores near 1e3, against gdbp.layers.softmax_loss."""
from gdbp.checks import check_softmax_ce_grad

check_softmax_ce_grad(softmax_ce_grad)
''', hidden=r'''
import gdbp.layers
from gdbp.instructor.hidden import assert_not_reference

assert_not_reference(softmax_ce_grad, gdbp.layers.softmax_loss, args=(np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([0, 1])))
for _seed in (51, 52, 53):
    _rng = np.random.default_rng(_seed)
    _N, _C = _rng.integers(2, 16), _rng.integers(2, 10)
    _scores = _rng.normal(size=(_N, _C)) * 4 + _rng.choice([0.0, 500.0])
    _y = _rng.integers(0, _C, size=_N)
    _got = np.asarray(softmax_ce_grad(_scores.copy(), _y.copy()))
    np.testing.assert_allclose(_got, gdbp.layers.softmax_loss(_scores, _y)[1], rtol=1e-9, atol=1e-12,
                               err_msg=f"seed {_seed}, N={_N}, C={_C}")
''')

nb.md(r"""
### What the gradient says

For three examples and four classes: each row of the gradient sums to zero, the entry of the correct class
is negative (gradient descent *raises* that score), and a confidently wrong row (example 2) gets the largest
push.
""", cell_id="md_softmax_demo")

nb.code(r'''
ce_grad = yours_or_reference(softmax_ce_grad, lambda scores, y: gdbp.layers.softmax_loss(scores, y)[1],
                             name="gdbp.layers.softmax_loss")
scores = np.array([[2.0, 1.0, 0.1, -1.0],    # right and fairly confident
                   [0.0, 0.0, 0.0, 0.0],     # no idea
                   [5.0, 0.0, 0.0, -2.0]])   # confidently wrong: the label is 2
labels = np.array([0, 3, 2])
dscores = ce_grad(scores, labels)
np.set_printoptions(precision=3, suppress=True)
print("dscores =\n", dscores)
print("row sums:", dscores.sum(axis=1))
print("N * dscores at the correct class, p - 1:", (len(labels) * dscores[np.arange(3), labels]).round(3))
''', cell_id="softmax_demo")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## Recap

- **Chain rule**: multiply the upstream gradient by the local derivative, from the loss backwards. The
  sigmoid's local derivative is $\sigma(1 - \sigma)$, at most $0.25$.
- **Gradients of a scalar with respect to an array have the array's shape.** Derive one entry as a sum, then
  vectorise: the shapes leave one way to combine the arrays (but check with numbers: $N = D$ fits wrongly).
- **Linear regression** ($L = \text{mean}(r^2)$, $r = Xw + b - y$): $dw = \frac2N X^\top r$,
  $db = \frac2N\sum_i r_i$.
- **Affine layer** ($\text{out} = XW + b$): $dX = dout\,W^\top$, $dW = X^\top dout$, $db = \sum_n dout_n$;
  a parameter shared across the batch sums its gradient over the batch.
- **Softmax cross-entropy**: $\partial L/\partial s = (p - \text{onehot}(y))/N$; subtract the row maximum
  before `exp`.
- **Gradient descent and backpropagation:** backpropagation is this chain rule applied layer by layer, each
  layer turning $dout$ into the gradients of its inputs and parameters; gradient descent then uses them.
  Notebook 03 shows how to **check** a derived gradient numerically, the safety net for every formula here.

## Questions

1. Derive $\frac{d}{dx}\tanh(x)$ from $\tanh(x) = 2\sigma(2x) - 1$, and express it through $\tanh(x)$.
2. In `linear_mse_grad`, why is it `X.T @ r` and not `X @ r`? With which shapes would `X @ r` run without
   an error, and what would it compute?
3. An affine layer is applied to a batch of $N = 64$ examples. Why is $db$ a **sum** over the batch and not
   the value for one example? Where did the $1/N$ of a mean loss go?
4. Why does subtracting the row maximum not change the softmax, and why does it prevent overflow? Could
   `exp` *underflow* after the shift, and would that hurt?
5. With a perfect prediction ($p_{i,y_i} \to 1$), what happens to the softmax cross-entropy gradient?

<details><summary>Short answers</summary>

1. $\tanh'(x) = 2 \cdot 2\,\sigma'(2x) = 4\sigma(2x)(1 - \sigma(2x)) = 1 - \tanh^2(x)$.
2. $dw_j = \sum_i X_{ij}\, dr_i$ sums over the examples $i$, which is $X^\top dr$. `X @ r` runs only when
   $N = D$, and then sums over the features instead: a wrong vector of the right shape.
3. $b$ is added to every example's output, so it influences the loss through all $N$ rows; the chain rule
   sums those contributions. The $1/N$ is already inside $dout$ (it comes from the loss).
4. $e^{s_j - c} / \sum_k e^{s_k - c}$: the factor $e^{-c}$ cancels. After the shift every exponent is
   $\le 0$, so `exp` is at most 1; small entries may underflow to 0, which is harmless: their probability
   really is below $10^{-300}$, and the largest term is exactly 1 so the sum never is 0.
5. It goes to 0 in that row: $p - \text{onehot}(y) \to 0$, nothing left to learn from that example.

</details>
""", cell_id="recap")

if __name__ == "__main__":
    print(nb.write())

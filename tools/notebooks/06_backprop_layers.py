"""Authoring source of solutions/06_backprop_layers: backpropagation through layers.

Run ``.venv/bin/python tools/notebooks/06_backprop_layers.py`` to rebuild the instructor notebook, then
regenerate the learner release with ``gdbp-course release 06_backprop_layers`` (see CONTRIBUTING).
Exercises (docs/exercises.md): ``affine_backward``, ``relu_backward``, ``tanh_backward`` and ``softmax_loss``,
checked by ``gdbp.checks.check_<name>`` against ``gdbp.layers``. The caches are the exercises' own
(``(x, w, b)``, ``x``, ``out``), made by the forward functions this notebook defines; ``gdbp.layers`` keeps
a leaner cache (a flattened x, the ReLU mask), so the notebook's fallbacks adapt it.

Worked, then faded (issue 10): the text works three cases through completely, derivation and code, and each
exercise is the next case of the same idea: the sigmoid (an entrywise activation whose derivative is a
function of its output) before ``relu_backward`` and ``tanh_backward``; a scale-and-shift layer (the chain-rule
sum entry by entry, a parameter shared by the batch sums over it) before ``affine_backward``; the two-class
cross-entropy made stable by factoring out the largest exponent before ``softmax_loss``. Hints
(``nb.hints``) hold the equations and skeletons; the instructions hold only the facts.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from tools.nbbuild import Notebook  # noqa: E402

NAME = "06_backprop_layers"

# Instructor-only code of the test cells: the learner did not borrow gdbp's reference (it is watched while
# the learner's function runs on a small valid call), and agrees with it on more seeds and edge cases.
# Tolerance 1e-9 relative / 1e-12 absolute: the same formulas up to the order of operations on O(1) values
# (the checkers' RTOL, gdbp/checks/_core.py).
HIDDEN_AFFINE = r'''
import gdbp.layers
from gdbp.instructor.hidden import assert_not_reference

_rng = np.random.default_rng(7)
_x, _w, _b = _rng.normal(size=(2, 3)), _rng.normal(size=(3, 2)), _rng.normal(size=2)
assert_not_reference(affine_backward, gdbp.layers.affine_backward, args=(_rng.normal(size=(2, 2)), (_x, _w, _b)))


def _affine_agrees_over_seeds():
    """Random shapes, x with 2 to 4 axes, against gdbp.layers on the reference's own cache."""
    for seed in (11, 12, 13, 14):
        rng = np.random.default_rng(seed)
        x_shape = (int(rng.integers(1, 6)),) + tuple(int(d) for d in rng.integers(1, 4, size=seed % 3 + 1))
        D, M = int(np.prod(x_shape[1:])), int(rng.integers(1, 5))
        x, w, b = rng.normal(size=x_shape), rng.normal(size=(D, M)), rng.normal(size=M)
        dout = rng.normal(size=(x_shape[0], M))
        received = affine_backward(dout, (x, w, b))
        expected = gdbp.layers.affine_backward(dout, gdbp.layers.affine_forward(x, w, b)[1])
        for name, r, e in zip(("dx", "dw", "db"), received, expected):
            np.testing.assert_allclose(r, e, rtol=1e-9, atol=1e-12, err_msg=f"{name}, seed {seed}, x {x_shape}")


_affine_agrees_over_seeds()
'''

HIDDEN_RELU = r'''
import gdbp.layers
from gdbp.instructor.hidden import assert_not_reference

assert_not_reference(relu_backward, gdbp.layers.relu_backward,
                     args=(np.array([1.0, -2.0, 3.0]), np.array([0.5, -1.0, 0.0])))

for _seed in (21, 22, 23):
    _rng = np.random.default_rng(_seed)
    _x = np.round(_rng.normal(size=(3, 2, 4)), 1)  # rounding leaves some exact zeros (the kink)
    _dout = _rng.normal(size=_x.shape)
    np.testing.assert_allclose(relu_backward(_dout, _x), _dout * (_x > 0), rtol=1e-12, atol=0,
                               err_msg=f"relu_backward, seed {_seed}")
assert np.all(relu_backward(np.ones(3), np.array([0.0, -0.0, 1e-300])) == [0.0, 0.0, 1.0]), \
    "relu_backward: derivative 0 at x == 0 (also -0.0), 1 for the tiniest positive x"
'''

HIDDEN_TANH = r'''
import gdbp.layers
from gdbp.instructor.hidden import assert_not_reference

_out = np.tanh(np.array([0.3, -1.2]))
assert_not_reference(tanh_backward, gdbp.layers.tanh_backward, args=(np.array([1.0, 2.0]), _out))

for _seed in (31, 32, 33):
    _rng = np.random.default_rng(_seed)
    _out = np.tanh(3 * _rng.normal(size=(4, 5)))
    _dout = _rng.normal(size=_out.shape)
    np.testing.assert_allclose(tanh_backward(_dout, _out), gdbp.layers.tanh_backward(_dout, _out),
                               rtol=1e-9, atol=1e-12, err_msg=f"tanh_backward, seed {_seed}")
# Saturated units: tanh(20) == 1.0 exactly in float64, so no gradient passes.
assert np.all(tanh_backward(np.ones(2), np.tanh(np.array([20.0, -20.0]))) == 0.0), \
    "tanh_backward: a saturated unit (out = +-1) passes no gradient"
'''

HIDDEN_SOFTMAX = r'''
import gdbp.layers
from gdbp.instructor.hidden import assert_not_reference

assert_not_reference(softmax_loss, gdbp.layers.softmax_loss,
                     args=(np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), np.array([1, 2])))


def _softmax_agrees(scores, y, what):
    loss, dscores = softmax_loss(scores, y)
    ref_loss, ref_dscores = gdbp.layers.softmax_loss(scores, y)
    np.testing.assert_allclose(float(loss), float(ref_loss), rtol=1e-9, atol=1e-12, err_msg=f"loss, {what}")
    np.testing.assert_allclose(dscores, ref_dscores, rtol=1e-9, atol=1e-12, err_msg=f"dscores, {what}")


for _seed in (41, 42, 43):
    _rng = np.random.default_rng(_seed)
    _N, _C = int(_rng.integers(1, 8)), int(_rng.integers(2, 12))
    _softmax_agrees(_rng.normal(size=(_N, _C)) * 5, _rng.integers(0, _C, size=_N), f"seed {_seed}")
_softmax_agrees(np.array([[-1000.0, 1000.0, 0.0], [1000.0, 999.0, -1000.0]]), np.array([0, 1]),
                "logits of +-1e3 (the label of row 0 is 2000 below its maximum)")
_softmax_agrees(np.array([[3.0], [-2.0]]), np.array([0, 0]), "one class: loss 0, dscores 0")
_softmax_agrees(np.array([[0.5, -0.5, 2.0]]), np.array([2], dtype=np.int32), "labels of dtype int32")
'''

nb = Notebook(NAME)

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
# 06 · Backpropagation through layers

## Learning goals

- You will write layers as **forward/backward pairs with a cache** (the CS231n pattern): the forward pass
  computes the output and keeps what the backward pass will need; the backward pass turns the upstream
  gradient `dout` into the gradients of the layer's inputs.
- You will use **shapes as a guide**: every gradient has the shape of the array it is the gradient of, and
  usually only one matrix product fits.
- You will follow two worked examples (the sigmoid, and a scale-and-shift layer with parameters), then
  **derive and write** the backward passes of the **affine** layer, **ReLU** and **tanh**, and the **softmax
  cross-entropy** loss with its gradient (after a worked two-class case), and check each one numerically with
  `gdbp.gradcheck`.
- You will **compose** layers into a two-layer network and backpropagate through it by hand, in reverse order,
  then see that it gives exactly the gradients of `gdbp.model.MLP`.
- You will be able to answer the course's question in one sentence: **how do gradient descent and
  backpropagation relate?** (Section 6.)

**Where we are.** Notebook 05 applied the chain rule to a graph of scalars, one node per multiplication. A
network on the 8x8 digits would need hundreds of thousands of such nodes per example. Here the nodes are
whole **layers**, acting on arrays: one node computes `x @ w + b` for a whole batch, and its backward pass is a
few matrix products. The chain rule is the same; only the bookkeeping changes. The formulas for the affine
layer and softmax cross-entropy were derived in notebook 02; here they become reusable layers.

> **The course's question, in short.** *Backpropagation computes the gradient; gradient descent uses it.*
> Backpropagation is the chain rule applied in reverse order over the graph: it **computes**
> $\partial L/\partial\theta$ for every parameter $\theta$ at once. Gradient descent is the optimization
> algorithm that **uses** that gradient to update the parameters, $\theta \leftarrow \theta - \eta\,\nabla L$.
> Section 6 makes this precise and shows that the two are independent of each other.
""", cell_id="intro")
nb.exercise_rules()

nb.code(r'''
%matplotlib inline
from gdbp.course import show_source
import time

import matplotlib.pyplot as plt
import numpy as np

import gdbp.layers
# yours_or_reference(fn, reference): your function once it passes its checker, else gdbp's reference, with a
# note either way, so that the demonstrations after an exercise run before you have written it.
from gdbp.course import yours_or_reference
from gdbp.data import make_moons
from gdbp.gradcheck import numerical_gradient, numerical_gradient_array, rel_error
# gdbp.gradcheck.check_gradient under a name that is not mistaken for a grading checker (gdbp.checks.check_*)
from gdbp.gradcheck import check_gradient as gradient_check
from gdbp.model import MLP
from gdbp.optim import Optimizer
from gdbp.plotting import color_for

rng = np.random.default_rng(0)
''', cell_id="setup")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 1. The pattern: a forward/backward pair with a cache

A layer is a small function $\text{out} = f(\text{inputs})$ somewhere inside a big computation whose end is a
scalar loss $L$. Backpropagation visits the layers from the loss back to the inputs, and each layer receives
the **upstream gradient**

$$dout = \frac{\partial L}{\partial\, \text{out}} \qquad \text{(the shape of out)},$$

and must return the gradient of $L$ with respect to each of its inputs, by the chain rule:

$$dx_i = \frac{\partial L}{\partial x_i} = \sum_j \frac{\partial L}{\partial\, \text{out}_j}\,
\frac{\partial\, \text{out}_j}{\partial x_i} = \sum_j dout_j\, \frac{\partial\, \text{out}_j}{\partial x_i}
\qquad \text{(the shape of x)}.$$

The layer never needs to know what comes after it: everything downstream is summarised in `dout`. It only
needs its **local derivatives** $\partial\,\text{out}_j/\partial x_i$, and these usually depend on values from the
forward pass. So the forward pass saves them in a **cache**, and each layer is a pair:

```python
out, cache = layer_forward(x, ...)      # keeps what backward will need
dx, ...    = layer_backward(dout, cache)  # dout: shape of out; dx: shape of x
```

**Shapes are a guide.** `dx` always has the shape of `x`, `dw` the shape of `w`: a gradient says how $L$ moves
when each entry moves. When a formula gives the wrong shape, it is wrong.

### A worked example: the sigmoid layer

$\sigma(x) = 1/(1 + e^{-x})$ acts entry by entry, so $\partial\,\text{out}_j/\partial x_i$ is zero unless
$i = j$, and the sum above has one term: $dx = dout \cdot \sigma'(x)$ (entrywise). Notebook 02 showed
$\sigma'(x) = \sigma(x)\,(1 - \sigma(x))$: the derivative is a function of the **output**, so the cheapest
cache is `out` itself. Here is `gdbp.layers`' pair:
""", cell_id="md_pattern")

nb.code(r'''
show_source(gdbp.layers.sigmoid_forward, gdbp.layers.sigmoid_backward)
''', cell_id="sigmoid_source")

nb.md(r"""
### Checking a layer numerically

A layer's output is an array, not a loss. To check `dx` we invent a loss whose upstream gradient is exactly a
given `dout`: $L = \sum_j \text{out}_j \cdot dout_j$ (with `dout` a fixed random array, $\partial L/\partial\,
\text{out} = dout$). Central differences of this $L$ with respect to `x` give the numerical `dx`;
`gdbp.gradcheck.numerical_gradient_array(f, x, dout)` does exactly this, and `rel_error` (notebook 03)
compares. In float64 with $h = 10^{-5}$, below $10^{-7}$ means correct.
""", cell_id="md_layer_check")

nb.code(r'''
x = rng.normal(size=(4, 5))
dout = rng.normal(size=(4, 5))  # a random upstream gradient, the shape of out
out, cache = gdbp.layers.sigmoid_forward(x)
dx = gdbp.layers.sigmoid_backward(dout, cache)
dx_numeric = numerical_gradient_array(lambda x_: gdbp.layers.sigmoid_forward(x_)[0], x, dout)
print("shapes: x", x.shape, " out", out.shape, " dout", dout.shape, " dx", dx.shape)
print(f"sigmoid: rel_error(dx, numerical dx) = {rel_error(dx, dx_numeric):.1e}")
''', cell_id="sigmoid_check")

nb.md(r"""
### The forward passes of this notebook

You will write the backward passes; here are the forward passes whose caches they receive. `gdbp.layers` has
the same forward functions with a leaner cache (a flattened `x`, the ReLU mask); this notebook keeps the
plainest one: the inputs themselves, or the output where the derivative is a function of it.
""", cell_id="md_forwards")

nb.code(r'''
def affine_forward(x, w, b):
    """out = x2d @ w + b with x2d = x.reshape(N, D). x: (N, d_1, ..., d_k), w: (D, M), b: (M,).
    Returns out (N, M) and cache = (x, w, b)."""
    x2d = x.reshape(x.shape[0], -1)
    out = x2d @ w + b
    return out, (x, w, b)


def relu_forward(x):
    """out = max(x, 0) entrywise. Returns out (the shape of x) and cache = x."""
    return np.maximum(x, 0), x


def tanh_forward(x):
    """out = tanh(x) entrywise. Returns out (the shape of x) and cache = out (as for the sigmoid)."""
    out = np.tanh(x)
    return out, out
''', cell_id="forwards")

nb.code(r'''
# Fallbacks, so that the demonstrations run before you have written the exercises: gdbp's reference,
# adapted to this notebook's caches. They call gdbp.layers, so they show no formula.
def reference_affine_backward(dout, cache):
    x, w, b = cache
    return gdbp.layers.affine_backward(dout, gdbp.layers.affine_forward(x, w, b)[1])


def reference_relu_backward(dout, cache):
    return gdbp.layers.relu_backward(dout, gdbp.layers.relu_forward(cache)[1])
''', cell_id="helpers")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 2. Layers with parameters: a worked example, then the affine layer

The sigmoid had one input and no parameters. A layer with parameters returns one gradient per input, and a
parameter that the whole batch shares needs one more idea. Here it is, worked through on a small layer, so that
you can apply it to the affine layer yourself.

### A worked example: the scale-and-shift layer

Each of the $D$ features gets its own scale $\gamma_d$ and shift $\beta_d$ (the last step of batch
normalization does this):

$$\text{out}_{nd} = x_{nd}\,\gamma_d + \beta_d, \qquad x: (N, D),\quad \gamma: (D,),\quad \beta: (D,),\quad
\text{out}: (N, D).$$

**The recipe** (the same for every layer): write **one entry** of the output in terms of the inputs; for each
input entry, find the output entries it appears in; sum `dout` times the local derivative over those entries
(the chain-rule sum of section 1); then read the result as a numpy expression and check its shape.

- **$dx$.** $x_{nd}$ appears only in $\text{out}_{nd}$, with derivative $\gamma_d$. One term:
  $dx_{nd} = dout_{nd}\,\gamma_d$. As arrays: `dout * gamma`, where numpy broadcasts `gamma` (D,) over the
  $N$ rows: shape (N, D), the shape of `x`.
- **$d\gamma$.** $\gamma_d$ appears in $\text{out}_{nd}$ for **every** example $n$, with derivative $x_{nd}$.
  $N$ terms: $d\gamma_d = \sum_n dout_{nd}\, x_{nd}$. As arrays: the entrywise product, summed over the
  batch axis, `(dout * x).sum(axis=0)`: shape (D,), the shape of `gamma`.
- **$d\beta$.** $\beta_d$ also appears in every row, with derivative 1: $d\beta_d = \sum_n dout_{nd}$, that
  is `dout.sum(axis=0)`, shape (D,).

**The lesson: a parameter that every example of the batch uses collects a gradient from every example**, so
its gradient is a sum over the batch axis (not a mean: if the loss is a mean, its $1/N$ is already in `dout`).
The pair, and a numerical check of all three gradients:
""", cell_id="md_scale_shift")

nb.code(r'''
def scale_shift_forward(x, gamma, beta):
    """out = x * gamma + beta, each feature scaled and shifted. x: (N, D); gamma, beta: (D,).
    Returns out (N, D) and cache = (x, gamma)."""
    return x * gamma + beta, (x, gamma)


def scale_shift_backward(dout, cache):
    """dout: (N, D). Returns (dx, dgamma, dbeta) of shapes (N, D), (D,), (D,)."""
    x, gamma = cache
    dx = dout * gamma                 # x[n, d] is used once, scaled by gamma[d]
    dgamma = (dout * x).sum(axis=0)   # gamma[d] is used by every example n
    dbeta = dout.sum(axis=0)          # beta[d] too, with local derivative 1
    return dx, dgamma, dbeta


x, gamma, beta = rng.normal(size=(6, 4)), rng.normal(size=4), rng.normal(size=4)
out, cache = scale_shift_forward(x, gamma, beta)
dout = rng.normal(size=out.shape)
analytic = dict(zip(("dx", "dgamma", "dbeta"), scale_shift_backward(dout, cache)))
numeric = {"dx": numerical_gradient_array(lambda x_: scale_shift_forward(x_, gamma, beta)[0], x, dout),
           "dgamma": numerical_gradient_array(lambda g_: scale_shift_forward(x, g_, beta)[0], gamma, dout),
           "dbeta": numerical_gradient_array(lambda b_: scale_shift_forward(x, gamma, b_)[0], beta, dout)}
for name, value in analytic.items():
    print(f"{name:6s}: shape {str(value.shape):6s} rel_error = {rel_error(value, numeric[name]):.1e}")
''', cell_id="scale_shift")

nb.md(r"""
### The affine layer

For a batch of $N$ examples, each flattened to $D$ features ($x$ of shape $(N, d_1, \dots, d_k)$ becomes
$x_{2d}$ of shape $(N, D)$ with $D = d_1 \cdots d_k$, as CS231n does for images, and as `affine_forward`
above does):

$$\text{out}_{nm} = \sum_{d=1}^{D} x_{2d,\,nd}\, w_{dm} + b_m, \qquad x_{2d}: (N, D),\quad w: (D, M),\quad
b: (M,),\quad \text{out}: (N, M).$$

The recipe of the worked example applies unchanged: one entry of `out`, where each input entry appears, the
chain-rule sum, then the numpy expression of the right shape. What is new is that $x_{2d,\,nd}$ and $w_{dm}$
each appear in **several** output entries through a sum over $d$, so each gradient is a sum too, and a sum over
a shared index is a matrix product. (Notebook 02 met the same sums.)

### Exercise 1: the affine backward pass (2 points)

Write `affine_backward(dout, cache) -> (dx, dw, db)`:

- `dout`: float array of shape `(N, M)`, the upstream gradient $\partial L/\partial\,\text{out}$.
- `cache`: the tuple `(x, w, b)` that `affine_forward` above returns: `x` of shape `(N, d_1, ..., d_k)` (2 or
  more axes), `w` of shape `(D, M)` with `D = d_1 * ... * d_k`, `b` of shape `(M,)`.
- Return a tuple `(dx, dw, db)` of float arrays: `dx` of **the shape of `x`** (the layer received `x` unflattened,
  so its gradient goes back in that shape), `dw` of shape `(D, M)`, `db` of shape `(M,)`.
- Shapes alone do not prove a formula: when $N = D = M$ a wrong product has the right shape too. The test
  cell has such a square case, and the gradient check below the test compares with central differences.
- Do not change `dout` or the arrays in `cache`. Write it with numpy: using `gdbp.layers.affine_backward`
  does not count (the grader checks).
""", cell_id="md_affine")

nb.solution("affine_backward", r'''
def affine_backward(dout, cache):
    """Backward pass of the affine layer out = x.reshape(N, D) @ w + b.

    dout: (N, M); cache: (x, w, b) with x (N, d_1, ..., d_k), w (D, M), b (M,).
    Returns (dx, dw, db) of shapes x.shape, (D, M), (M,).
    """
    ### BEGIN SOLUTION
    x, w, b = cache
    x_flat = x.reshape(len(x), -1)
    dx = (dout @ w.T).reshape(x.shape)
    dw = x_flat.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
    ### END SOLUTION
''')

nb.hints("affine_backward", [r"""
Work with the flattened `x` of shape (N, D), as the forward pass does, and follow the scale-and-shift recipe
for each of `x`, `w` and `b`. `b` is the $\beta$ of the worked example again: one value per output column,
used by every example. At the end, give `dx` the shape of `x`.
""", r"""
From $\text{out}_{nm} = \sum_d x_{nd} w_{dm} + b_m$ (with $x$ flattened):

$$dw_{dm} = \sum_n x_{nd}\, dout_{nm}, \qquad dx_{nd} = \sum_m dout_{nm}\, w_{dm}, \qquad db_m = \sum_n dout_{nm}.$$

Each sum over a shared index is a matrix product; the shapes say which: `dw` is (D, M) = (D, N)(N, M), and
`dx` (flattened) is (N, D) = (N, M)(M, D). Which arrays have those shapes, possibly transposed?
""", r"""
```python
def affine_backward(dout, cache):
    x, w, b = cache
    x_flat = ...                        # (N, D), as in affine_forward
    dx = ...                            # (N, M) @ (M, D), then back to x.shape
    dw = ...                            # (D, N) @ (N, M)
    db = ...                            # (M,): a sum over the batch
    return dx, dw, db
```
"""])

nb.test("test_affine_backward", points=2, source=r'''
"""affine_backward: dx (x's shape), dw, db against gdbp.layers, including a square case and a 4-D x."""
from gdbp.checks import check_affine_backward

check_affine_backward(affine_backward)
''', hidden=HIDDEN_AFFINE)

nb.md(r"""
**Gradient check.** An image-like batch: `x` of shape (3, 2, 4, 4), so $D = 32$, and $M = 5$ outputs. Each of
the three gradients is checked against central differences, with the other two inputs held fixed.
""", cell_id="md_affine_check")

nb.code(r'''
x, w, b = rng.normal(size=(3, 2, 4, 4)), rng.normal(size=(32, 5)), rng.normal(size=5)
out, cache = affine_forward(x, w, b)
dout = rng.normal(size=out.shape)
backward = yours_or_reference(affine_backward, reference_affine_backward, dout, cache,
                              name="gdbp.layers.affine_backward")
dx, dw, db = backward(dout, cache)
numeric = {"dx": numerical_gradient_array(lambda x_: affine_forward(x_, w, b)[0], x, dout),
           "dw": numerical_gradient_array(lambda w_: affine_forward(x, w_, b)[0], w, dout),
           "db": numerical_gradient_array(lambda b_: affine_forward(x, w, b_)[0], b, dout)}
for name, analytic in (("dx", dx), ("dw", dw), ("db", db)):
    print(f"{name}: shape {analytic.shape}, rel_error = {rel_error(analytic, numeric[name]):.1e}")
''', cell_id="affine_check")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 3. Activations: ReLU and tanh

An activation acts entry by entry, so, exactly as for the sigmoid of section 1, its backward pass multiplies
`dout` entrywise by the local derivative, and `dx` has the shape of `x`. What changes from one activation to
the next is only the local derivative, and what the cache holds to compute it:

| activation | out | the cache (from the forward passes above) |
|---|---|---|
| sigmoid (worked) | $\sigma(x) = 1/(1 + e^{-x})$ | `out` |
| ReLU | $\max(x, 0)$ | `x`, the input |
| tanh | $\tanh(x) = \dfrac{e^x - e^{-x}}{e^x + e^{-x}}$ | `out` $= \tanh(x)$, **not** `x` |

**ReLU's kink.** $\max(x, 0)$ has no derivative at exactly $x = 0$. Any value in $[0, 1]$ is a valid
subgradient; the convention here (and PyTorch's) is **0** at $x = 0$. (Notebook 03 showed why a gradient check
near a kink can fail for a correct gradient.)

**Why tanh caches `out`.** Like the sigmoid's, tanh's derivative can be written as a function of its output,
which the forward pass has already computed: caching `out` saves computing `np.tanh` again. The catch: the
cache is $\tanh(x)$, not $x$.

### Exercise 2: the ReLU backward pass (1 point)

Write `relu_backward(dout, cache) -> dx`:

- `dout`: float array of any shape, the upstream gradient.
- `cache`: the forward input `x` (what `relu_forward` above returns as its cache), the shape of `dout`.
- Return `dx`, a new float array of the shape of `x`, with the derivative **0 at x == 0** (the convention above).
- Do not change `dout` or `x` in place: the caller still needs them. Numpy only; not
  `gdbp.layers.relu_backward`.
""", cell_id="md_relu")

nb.solution("relu_backward", r'''
def relu_backward(dout, cache):
    """Backward pass of relu_forward: dx = dL/dx, with ReLU's derivative taken as 0 at x == 0.

    dout: any shape; cache: x, the forward input, same shape. Returns dx of the shape of x.
    """
    ### BEGIN SOLUTION
    x = cache
    return np.where(x > 0, dout, 0.0)
    ### END SOLUTION
''')

nb.hints("relu_backward", [r"""
ReLU is the identity where $x > 0$ and constant 0 where $x < 0$. Its local derivative is therefore 1 or 0 in
each entry, so `dx` is `dout` passed through where the unit was active and blocked where it was not.
""", r"""
$$dx = dout \cdot \mathbb 1[x > 0] \qquad \text{(entrywise; the strict } > \text{ gives 0 at } x = 0).$$

A comparison such as `x > 0` is a boolean array of `x`'s shape; numpy treats `True` as 1 and `False` as 0 in
arithmetic, and `np.where(condition, a, b)` picks entrywise.
""", r"""
```python
def relu_backward(dout, cache):
    x = cache
    dx = ...        # a new array: dout where x > 0, else 0 (no in-place change of dout)
    return dx
```
"""])

nb.test("test_relu_backward", points=1, source=r'''
"""relu_backward: dout masked by x > 0 (0 at the kink x == 0), dout unchanged, against gdbp.layers."""
from gdbp.checks import check_relu_backward

check_relu_backward(relu_backward)
''', hidden=HIDDEN_RELU)

nb.md(r"""
### Exercise 3: the tanh backward pass (1 point)

Write `tanh_backward(dout, cache) -> dx`:

- `dout`: float array of any shape, the upstream gradient.
- `cache`: `out` $= \tanh(x)$, what `tanh_forward` above returns as its cache (**not** `x`), the shape of
  `dout`.
- Return `dx` $= \partial L/\partial x$, a new float array of the shape of `dout`. Derive $\tanh'(x)$ and write
  it in terms of `out`, as section 1 did for the sigmoid: then the backward pass needs no exponential.
- Do not change `dout` or `out`. Numpy only; not `gdbp.layers.tanh_backward`.
""", cell_id="md_tanh")

nb.solution("tanh_backward", r'''
def tanh_backward(dout, cache):
    """Backward pass of tanh from the cached output out = tanh(x).

    dout: any shape; cache: out, same shape. Returns dx of that shape.
    """
    ### BEGIN SOLUTION
    out = cache
    return dout * (1.0 - out * out)
    ### END SOLUTION
''')

nb.hints("tanh_backward", [r"""
Differentiate $\tanh(x) = \sinh(x)/\cosh(x)$ with the quotient rule ($\sinh' = \cosh$, $\cosh' = \sinh$), then
replace every $\sinh/\cosh$ by $\tanh$. The result only involves $\tanh(x)$, which is exactly what the cache holds.
""", r"""
$$\tanh'(x) = \frac{\cosh^2 x - \sinh^2 x}{\cosh^2 x} = 1 - \tanh^2(x), \qquad\text{so}\qquad
dx = dout \cdot \big(1 - \text{out}^2\big) \text{ entrywise.}$$

The cache **is** $\tanh(x)$: applying `np.tanh` to it again computes $1 - \tanh^2(\tanh(x))$, a classic mistake.
""", r"""
```python
def tanh_backward(dout, cache):
    out = cache     # tanh(x), already computed by the forward pass
    dx = ...        # dout times the local derivative, written with out only
    return dx
```
"""])

nb.test("test_tanh_backward", points=1, source=r'''
"""tanh_backward: the local derivative from the cached output, against gdbp.layers.tanh_backward."""
from gdbp.checks import check_tanh_backward

check_tanh_backward(tanh_backward)
''', hidden=HIDDEN_TANH)

nb.md(r"""
**Gradient check of both.** For ReLU we keep the entries of `x` away from 0 (at least $10^{-3}$, much more than
$h = 10^{-5}$), so that no central difference straddles the kink.
""", cell_id="md_activation_check")

nb.code(r'''
x = rng.normal(size=(4, 6))
x = np.where(np.abs(x) < 1e-3, 1e-3, x)  # away from ReLU's kink at 0
dout = rng.normal(size=x.shape)
relu_bw = yours_or_reference(relu_backward, reference_relu_backward, np.ones(3), np.array([-1.0, 0.0, 1.0]),
                             name="gdbp.layers.relu_backward")
tanh_bw = yours_or_reference(tanh_backward, gdbp.layers.tanh_backward, np.ones(3), np.array([-0.5, 0.0, 0.5]))
for name, forward, backward in (("relu", relu_forward, relu_bw), ("tanh", tanh_forward, tanh_bw)):
    out, cache = forward(x)
    dx = backward(dout, cache)
    dx_numeric = numerical_gradient_array(lambda x_: forward(x_)[0], x, dout)
    print(f"{name}: rel_error(dx, numerical dx) = {rel_error(dx, dx_numeric):.1e}")
''', cell_id="activation_check")

nb.md(r"""
### What the backward passes multiply `dout` by

With `dout` all ones, a backward pass returns the local derivative itself. The plot does that with your
`relu_backward` and `tanh_backward` (or the references, until yours are written) and `gdbp.layers`' sigmoid.
The sigmoid's derivative is at most $1/4$, and tanh's and the sigmoid's vanish for large $|x|$ ("saturated"
units pass almost no gradient); ReLU passes `dout` unchanged wherever $x > 0$. This is one reason deep networks
mostly use ReLU.
""", cell_id="md_activations")

nb.code(r'''
grid = np.linspace(-5, 5, 501)
ones = np.ones_like(grid)
curves = {}
for name, forward, backward in (("relu", relu_forward, relu_bw),
                                ("sigmoid", gdbp.layers.sigmoid_forward, gdbp.layers.sigmoid_backward),
                                ("tanh", tanh_forward, tanh_bw)):
    out, cache = forward(grid)
    curves[name] = (out, backward(ones, cache))  # dout = 1: the local derivative
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for name, (values, derivative) in curves.items():
    axes[0].plot(grid, values, label=name)
    axes[1].plot(grid, derivative, label=name)
axes[0].set(xlabel="x", ylabel="out", title="activations", ylim=(-1.2, 2.5))
axes[1].set(xlabel="x", ylabel="d out / d x", title="local derivatives (backward with dout = 1)")
axes[1].axhline(0.25, color="grey", lw=0.8, ls=":")
axes[1].annotate("sigmoid: at most 1/4", (1.2, 0.27))
for ax in axes:
    ax.legend()
    ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()
plt.close(fig)
''', cell_id="activations_plot")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 4. The loss layer: softmax cross-entropy

The last node of a classifier turns class scores $s$ (logits, shape $(N, C)$) and integer labels $y$ (shape
$(N,)$) into the scalar loss, the mean negative log-probability of the correct classes:

$$L = -\frac{1}{N}\sum_{i=1}^{N} \log p_{i, y_i} = \frac{1}{N}\sum_{i=1}^{N} \Big(\log \sum_{k} e^{s_{ik}} - s_{i, y_i}\Big),
\qquad p_{ij} = \frac{e^{s_{ij}}}{\sum_k e^{s_{ik}}}.$$

A loss layer has no `dout` to receive: it **starts** backpropagation, since $\partial L/\partial L = 1$. So it
is one function that returns both the loss and `dscores` $= \partial L/\partial s$, the first upstream gradient,
which goes straight into the last layer's backward pass. Notebook 02 derived that gradient
(`softmax_ce_grad`); here the new difficulty is the **loss value**, which must stay finite for logits of
$\pm 10^3$, where $e^{1000}$ overflows and $e^{-1000}$ is 0 in float64.

### A worked example: the two-class case

With two classes one score per example is enough: $s_i$ (shape $(N,)$), labels $y_i \in \{0, 1\}$ and
$P(y_i = 1) = \sigma(s_i) = e^{s_i}/(e^0 + e^{s_i})$: softmax over the two scores $(0, s_i)$. The loss of one
example is then $\log(e^0 + e^{s_i}) - y_i s_i$, and its mean over the batch has the gradient
$\partial L/\partial s_i = (\sigma(s_i) - y_i)/N$.

Written naively, `np.log(1 + np.exp(s))` overflows for $s = 1000$: `inf`. The cure is to **factor out the
largest exponent**. With $m_i = \max(0, s_i)$,

$$\log\big(e^0 + e^{s_i}\big) = m_i + \log\big(e^{0 - m_i} + e^{s_i - m_i}\big),$$

an identity (multiply inside the log by $e^{-m_i}$, add $m_i$ outside). Now every exponent is at most 0, so no
`exp` overflows, and one of the two terms is exactly $e^0 = 1$, so the sum is at least 1 and its log is finite.
The probability comes from the same numbers: $\sigma(s_i) = e^{s_i - \log(e^0 + e^{s_i})}$.
""", cell_id="md_softmax")

nb.code(r'''
def logistic_loss(scores, y):
    """Mean two-class cross-entropy of scores (N,) and labels y (N,) in {0, 1}, stable for any scores.
    Returns (loss, dscores): a numpy float and an array of shape (N,)."""
    m = np.maximum(scores, 0.0)                               # the larger of the exponents 0 and s
    log_sum_exp = m + np.log(np.exp(-m) + np.exp(scores - m))  # log(e^0 + e^s), every exponent <= 0
    losses = log_sum_exp - y * scores                         # one per example, (N,)
    prob = np.exp(scores - log_sum_exp)                       # sigma(s) = e^s / (e^0 + e^s)
    return losses.mean(), (prob - y) / len(scores)


scores, labels = np.array([1000.0, -1000.0, 0.0, 2.0]), np.array([0, 1, 1, 1])
with np.errstate(over="ignore"):
    naive = np.mean(np.log(1 + np.exp(scores)) - labels * scores)
loss, dscores = logistic_loss(scores, labels)
print(f"naive loss {naive}, stable loss {loss:.4f} (rows 0 and 1 are wrong by 1000: each adds 1000 / N)")
print("dscores =", dscores.round(4))
s = rng.normal(size=5)
t = rng.integers(0, 2, size=5)
result = gradient_check(lambda s_: logistic_loss(s_, t)[0], logistic_loss(s, t)[1], s)
print(f"gradient check of dscores: max rel error {result.max_rel_error:.1e}")
''', cell_id="logistic_loss")

nb.md(r"""
### Exercise 4: softmax cross-entropy, loss and gradient (2 points)

Write `softmax_loss(scores, y) -> (loss, dscores)`, the $C$-class version of the worked example:

- `scores`: float array of shape `(N, C)`, entries possibly around $\pm 10^3$.
- `y`: integer array of shape `(N,)`, with `0 <= y[i] < C`.
- Return a tuple `(loss, dscores)`: `loss` a Python float, the **mean** over the $N$ examples of
  $\log\sum_k e^{s_{ik}} - s_{i,y_i}$; `dscores` a float array of shape `(N, C)`, $\partial L/\partial s$ (the
  gradient of notebook 02).
- Both must be finite for logits of $\pm 10^3$: a label 1000 below its row's maximum has $p = e^{-1000}$,
  which is 0 in float64, so `np.log(p)` would be $-\infty$.
- A numpy fact: indexing with two integer arrays, `a[np.arange(N), y]`, picks the one entry `a[i, y[i]]` of
  every row `i` (an array of shape `(N,)`); `a[:, y]` would pick whole columns instead.
- Do not change `scores` or `y`. Numpy only; not `gdbp.layers.softmax_loss`.
""", cell_id="md_ex_softmax")

nb.solution("softmax_loss", r'''
def softmax_loss(scores, y):
    """Mean softmax cross-entropy and its gradient, stable for large logits.

    scores: (N, C) floats; y: (N,) integer labels in [0, C). Returns (loss, dscores): a float and (N, C).
    """
    ### BEGIN SOLUTION
    N = scores.shape[0]
    rows = np.arange(N)
    top = np.max(scores, axis=1, keepdims=True)
    log_norm = top + np.log(np.sum(np.exp(scores - top), axis=1, keepdims=True))  # log sum_k e^s_ik, (N, 1)
    log_p = scores - log_norm
    loss = -np.mean(log_p[rows, y])
    dscores = np.exp(log_p)
    dscores[rows, y] -= 1.0
    return float(loss), dscores / N
    ### END SOLUTION
''')

nb.hints("softmax_loss", [r"""
Do what the worked example did, with $C$ exponents per row instead of two: factor out each row's **largest**
score before `np.exp`, compute $\log\sum_k e^{s_{ik}}$ from the shifted scores, and get the log-probabilities
by subtraction, never by taking `np.log` of a probability. The probabilities $p$ for the gradient come from the
same log-probabilities.
""", r"""
With $m_i = \max_k s_{ik}$:

$$\log\sum_k e^{s_{ik}} = m_i + \log\sum_k e^{s_{ik} - m_i}, \qquad \log p_{ij} = s_{ij} - \log\sum_k e^{s_{ik}},$$

$$L = -\frac1N \sum_i \log p_{i, y_i}, \qquad \frac{\partial L}{\partial s} = \frac{p - \text{onehot}(y)}{N}.$$

Shapes: keep the row maximum and the row sum as `(N, 1)` (`keepdims=True`) so that they broadcast against
`(N, C)`.
""", r"""
```python
def softmax_loss(scores, y):
    N = scores.shape[0]
    rows = np.arange(N)
    top = ...               # (N, 1): each row's maximum
    log_norm = ...          # (N, 1): log sum_k exp(scores), computed from scores - top
    log_p = ...             # (N, C): log-probabilities
    loss = ...              # a float: minus the mean of the correct classes' log-probabilities
    dscores = ...           # (N, C): (p - onehot(y)) / N, built in a new array
    return float(loss), dscores
```
"""])

nb.test("test_softmax_loss", points=2, source=r'''
"""softmax_loss: the mean loss and (p - onehot(y)) / N, finite for logits near 1e3, against gdbp.layers."""
from gdbp.checks import check_softmax_loss

check_softmax_loss(softmax_loss)
''', hidden=HIDDEN_SOFTMAX)

nb.md(r"""
**Sanity checks you can always do.** With small random scores every class is about equally likely, so the
loss should be close to $\log C$ (for 10 classes, $\log 10 \approx 2.303$): a classic first test of a new
network. Then the gradient check, and logits around $10^3$, which must give a finite loss.
""", cell_id="md_softmax_check")

nb.code(r'''
N, C = 50, 10
scores = 0.01 * rng.normal(size=(N, C))
y = rng.integers(0, C, size=N)
loss_fn = yours_or_reference(softmax_loss, gdbp.layers.softmax_loss, scores, y)
loss, dscores = loss_fn(scores, y)
print(f"small random scores: loss = {loss:.4f}, log(C) = {np.log(C):.4f}")

scores = rng.normal(size=(5, 4))
y = rng.integers(0, 4, size=5)
result = gradient_check(lambda s: loss_fn(s, y)[0], loss_fn(scores, y)[1], scores)
print(f"gradient check of dscores: max rel error {result.max_rel_error:.1e}")

huge = np.array([[1000.0, 0.0, -1000.0], [500.0, 1000.0, 999.0]])
loss, dscores = loss_fn(huge, np.array([2, 2]))
print(f"logits of 1e3: loss = {loss:.1f} (finite: row 0's label is 2000 below its maximum),")
print("dscores =\n", dscores.round(4))
''', cell_id="softmax_check")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 5. Composing layers: a two-layer network, backpropagated by hand

Stack the layers: $D$ inputs $\to$ affine $\to$ ReLU $\to$ affine $\to$ softmax cross-entropy over $C$ classes,
with $H$ hidden units. The forward pass runs top to bottom and keeps every cache; the backward pass runs the
**same list in reverse order**, each layer turning its `dout` into the `dout` of the layer below and the
gradients of its own parameters:

| forward | shape | backward | shapes |
|---|---|---|---|
| `h_pre, c1 = affine_forward(X, W1, b1)` | (N, H) | `dX, dW1, db1 = affine_backward(dh_pre, c1)` | (N, D), (D, H), (H,) |
| `h, c2 = relu_forward(h_pre)` | (N, H) | `dh_pre = relu_backward(dh, c2)` | (N, H) |
| `scores, c3 = affine_forward(h, W2, b2)` | (N, C) | `dh, dW2, db2 = affine_backward(dscores, c3)` | (N, H), (H, C), (C,) |
| `loss, dscores = softmax_loss(scores, y)` | scalar | (the start: $\partial L/\partial L = 1$) | (N, C) |

Read the backward column from the bottom up. Each arrow of the chain rule is one backward call, and every
gradient has the shape of its array (the shapes column is a check you can do in your head). `dX` is not
needed to train (the data is not a parameter), but it is what a layer below would receive.

The cell below writes this out with your functions (or the references, until yours are written), with the
activation as a choice: `activation="tanh"` swaps the middle row for `tanh_forward` / `tanh_backward`, and
nothing else changes. Then it checks every parameter's gradient numerically.
""", cell_id="md_compose")

nb.code(r'''
probe_x, probe_w, probe_b = np.ones((2, 3)), np.ones((3, 2)), np.zeros(2)
affine_bw = yours_or_reference(affine_backward, reference_affine_backward, np.ones((2, 2)),
                               (probe_x, probe_w, probe_b), name="gdbp.layers.affine_backward")
# relu_bw, tanh_bw and loss_fn are your functions or the references, chosen in the cells of sections 3 and 4
ACTIVATIONS = {"relu": (relu_forward, relu_bw), "tanh": (tanh_forward, tanh_bw)}


def two_layer_loss(params, X, y, activation="relu"):
    """Loss and gradients of affine -> activation -> affine -> softmax cross-entropy, backpropagated by hand.

    params: dict W1 (D, H), b1 (H,), W2 (H, C), b2 (C,); X: (N, D); y: (N,) integer labels;
    activation: "relu" or "tanh". Returns (loss, grads) with grads a dict of the same keys and shapes.
    """
    act_forward, act_backward = ACTIVATIONS[activation]
    # forward: keep every cache
    h_pre, cache1 = affine_forward(X, params["W1"], params["b1"])   # (N, H)
    h, cache2 = act_forward(h_pre)                                   # (N, H)
    scores, cache3 = affine_forward(h, params["W2"], params["b2"])  # (N, C)
    loss, dscores = loss_fn(scores, y)                              # scalar, (N, C)
    # backward: the same layers in reverse order
    dh, dW2, db2 = affine_bw(dscores, cache3)                       # (N, H), (H, C), (C,)
    dh_pre = act_backward(dh, cache2)                               # (N, H)
    dX, dW1, db1 = affine_bw(dh_pre, cache1)                        # (N, D), (D, H), (H,)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


N, D, H, C = 8, 5, 6, 3
X = rng.normal(size=(N, D))
y = rng.integers(0, C, size=N)
params = {"W1": rng.normal(size=(D, H)) / np.sqrt(D), "b1": 0.1 * rng.normal(size=H),
          "W2": rng.normal(size=(H, C)) / np.sqrt(H), "b2": 0.1 * rng.normal(size=C)}
for activation in ("relu", "tanh"):
    loss, grads = two_layer_loss(params, X, y, activation)
    print(f"{activation}: loss = {loss:.4f}")
    for name, value in params.items():
        result = gradient_check(lambda p: two_layer_loss({**params, name: p}, X, y, activation)[0], grads[name],
                                value)
        print(f"   d{name}: shape {str(grads[name].shape):7s} gradient check max rel error {result.max_rel_error:.1e}")
loss, grads = two_layer_loss(params, X, y)  # relu, compared with gdbp.model.MLP below
''', cell_id="compose")

nb.md(r"""
**This is exactly what `gdbp.model.MLP` does.** Its `loss(X, y)` method runs the same loop over any number of
layers. Give it the same parameters and it returns the same gradients:
""", cell_id="md_mlp")

nb.code(r'''
model = MLP(D, (H,), C, activation="relu")
model.params.update({name: value.copy() for name, value in params.items()})
mlp_loss, mlp_grads = model.loss(X, y)
print(f"loss: by hand {loss:.12f}, MLP {mlp_loss:.12f}")
for name in params:
    print(f"d{name}: largest |by hand - MLP| = {np.abs(grads[name] - mlp_grads[name]).max():.1e}")
''', cell_id="mlp_compare")

nb.code(r'''
show_source(MLP.loss)
''', cell_id="mlp_source")

nb.md(r"""
**What does backpropagation cost?** The backward pass does about the same work as the forward pass (each
matrix product of the forward pass becomes two in the backward pass), so **one** forward and one backward pass
give **all** $P$ derivatives. Central differences need **two forward passes per parameter**, $2P$ in all.
For a small digits network ($64 \to 16 \to 10$, $P = 1210$) and a batch of 32:
""", cell_id="md_cost")

nb.code(r'''
D_, H_, C_ = 64, 16, 10
X_ = rng.normal(size=(32, D_))
y_ = rng.integers(0, C_, size=32)
params_ = {"W1": rng.normal(size=(D_, H_)) / 8, "b1": np.zeros(H_), "W2": rng.normal(size=(H_, C_)) / 4,
           "b2": np.zeros(C_)}
P = sum(p.size for p in params_.values())

start = time.perf_counter()
_, grads_backprop = two_layer_loss(params_, X_, y_)
seconds_backprop = time.perf_counter() - start

start = time.perf_counter()
grads_numeric = {name: numerical_gradient(lambda p: two_layer_loss({**params_, name: p}, X_, y_)[0], value)
                 for name, value in params_.items()}
seconds_numeric = time.perf_counter() - start

worst = max(rel_error(grads_backprop[n], grads_numeric[n]) for n in params_)
print(f"P = {P} parameters; the two gradients agree to a relative error of {worst:.1e}")
print(f"backpropagation: {seconds_backprop * 1e3:.2f} ms (1 forward + 1 backward pass)")
print(f"central differences: {seconds_numeric * 1e3:.0f} ms ({2 * P} forward passes, each with a backward "
      f"pass we throw away), about {seconds_numeric / seconds_backprop:.0f} times slower")
''', cell_id="cost")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 6. How do gradient descent and backpropagation relate?

This is the question the course started from. The answer:

> **Backpropagation computes the gradient. Gradient descent uses it.**
>
> - **Backpropagation** is the chain rule applied in **reverse order** over the computational graph, from the
>   loss back to the inputs. Given the current parameters, it **computes** $\nabla_\theta L$, the derivative
>   of the loss with respect to **every** parameter, for about the cost of one extra forward pass. It changes
>   nothing: it is a way to **compute a derivative**.
> - **Gradient descent** is an **optimization algorithm**. It **uses** a gradient to update the parameters,
>   $\theta \leftarrow \theta - \eta\,\nabla_\theta L$, and repeats. It is a way to **use a derivative**.
> - They are **independent**. Gradient descent works with a gradient from **any** source: central
>   differences, a formula derived by hand (notebook 04), an autograd engine (notebook 05), backpropagation
>   through layers (here). And backpropagation feeds **any** optimizer: plain gradient descent, momentum,
>   Nesterov, Adagrad, RMSprop, Adam (notebooks 08-10), or none at all (a gradient check, a saliency map).
> - "Training a network with backprop" means: in every step, backpropagation computes the gradient and an
>   optimizer such as gradient descent uses it.

The cell below makes the independence visible on a small problem (two moons, $2 \to 8 \to 2$ with tanh, 42
parameters; tanh rather than ReLU because near ReLU's kink central differences are wrong, notebook 03).
The same training loop is run four times; only **where the gradient comes from** and **which update rule
uses it** change:

1. gradient descent with gradients from **backpropagation**,
2. gradient descent with gradients from **central differences**: the same path (up to rounding), much slower,
3. **momentum** and 4. **Adam** with the same backpropagation gradients: different paths, because the
   optimizer differs, not the gradient.
""", cell_id="md_relate")

nb.code(r'''
X_moons, y_moons = make_moons(n=100, noise=0.15, seed=0)
init_rng = np.random.default_rng(1)
initial = {"W1": init_rng.normal(size=(2, 8)), "b1": np.zeros(8), "W2": init_rng.normal(size=(8, 2)) / np.sqrt(8),
           "b2": np.zeros(2)}


def backprop_gradient(params):
    return two_layer_loss(params, X_moons, y_moons, "tanh")


def numerical_gradient_of_every_param(params):
    """The same (loss, grads) from central differences only: 2 forward passes per parameter."""
    loss = two_layer_loss(params, X_moons, y_moons, "tanh")[0]
    grads = {name: numerical_gradient(lambda p: two_layer_loss({**params, name: p}, X_moons, y_moons, "tanh")[0],
                                      value)
             for name, value in params.items()}
    return loss, grads


def run(gradient_source, rule, num_steps=150, **hyperparameters):
    """The training loop: a gradient source computes, an optimizer uses. Returns losses, params, seconds."""
    params = {name: value.copy() for name, value in initial.items()}
    optimizer = Optimizer(params, rule=rule, **hyperparameters)
    losses, start = [], time.perf_counter()
    for step in range(num_steps):
        loss, grads = gradient_source(params)  # COMPUTE the gradient (backprop or central differences)
        optimizer.step(grads)                  # USE it (gradient descent, momentum, Adam, ...)
        losses.append(loss)
    return losses, params, time.perf_counter() - start


runs = {"gd + backprop": run(backprop_gradient, "sgd", lr=0.5),
        "gd + central differences": run(numerical_gradient_of_every_param, "sgd", lr=0.5),
        "momentum + backprop": run(backprop_gradient, "momentum", lr=0.1, momentum=0.9),
        "adam + backprop": run(backprop_gradient, "adam", lr=0.05)}

gap = max(np.abs(runs["gd + backprop"][1][n] - runs["gd + central differences"][1][n]).max() for n in initial)
print(f"after 150 steps, gd + backprop and gd + central differences differ by at most {gap:.1e} in any parameter")
for name, (losses, _, seconds) in runs.items():
    print(f"{name:26s} final loss {losses[-1]:.4f}   {seconds:6.3f} s")

styles = {"gd + backprop": dict(color=color_for("sgd"), lw=5, alpha=0.4),
          "gd + central differences": dict(color="black", ls="--", lw=1.5),  # on top of gd + backprop
          "momentum + backprop": dict(color=color_for("momentum")),
          "adam + backprop": dict(color=color_for("adam"))}
fig, ax = plt.subplots(figsize=(8, 4.5))
for name, (losses, _, _) in runs.items():
    ax.semilogy(losses, label=name, **styles[name])
ax.set(xlabel="step", ylabel="loss", title="the gradient source does not change the path; the optimizer does")
ax.legend()
plt.show()
plt.close(fig)
''', cell_id="relate")

nb.md(r"""
The first two curves lie on top of each other: gradient descent does not care how its gradient was computed,
only that it is right. Central differences were just much slower, and for a network with millions of
parameters they would be hopeless; that is why networks are trained with backpropagation. The last two curves
differ because the **optimizer** differs, with the very same gradients. Notebook 07 trains a real network this
way; notebooks 08-10 change only the second half of the loop, `optimizer.step(grads)`.
""", cell_id="md_relate_read")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## Recap

- A layer is a **forward/backward pair**: `out, cache = forward(...)` keeps what the backward pass needs;
  `backward(dout, cache)` returns the gradient of every input, **each of the shape of its input**.
- **Deriving a backward pass**: write one entry of the output, find every output entry an input appears in,
  sum `dout` times the local derivative over them, and read the sum as a numpy expression of the right shape.
  A sum over a shared index is a matrix product; a parameter used by every example sums over the batch.
- **Activations** act entrywise: `dx` is `dout` times the local derivative. ReLU's is 1 or 0 (0 at the kink);
  the sigmoid's and tanh's are functions of their output, so they cache `out`, and both vanish when saturated.
- **Softmax cross-entropy** starts backpropagation with `dscores`, the gradient of notebook 02. Factor each row's
  largest exponent out of the log-sum-exp and work with log-probabilities, so logits of $10^3$ are harmless.
- **Composing**: run the layers forward keeping the caches, then backward in reverse order. Check every
  gradient numerically (`gdbp.gradcheck`) once; then trust the fast analytic one.
- **Backpropagation computes the gradient (the chain rule in reverse order over the graph, all parameters for
  the cost of about one extra forward pass); gradient descent uses it to update the parameters.** Either works
  without the other: any gradient source can drive gradient descent, and backprop can feed any optimizer.

## Questions

1. `affine_backward` receives `dout` of shape (16, 10) and `x` of shape (16, 3, 4). What are the shapes of
   `w`, `dx`, `dw` and `db`?
2. Why is `db` a **sum** over the batch and not a mean, when the loss is a mean over the batch?
3. A network with sigmoid activations learns very slowly in its first layers. Use the plot of section 3 to
   explain why. Would tanh be better? ReLU?
4. The tanh layer caches `out`. Your friend writes `dx = dout * (1 - np.tanh(cache)**2)`. What is wrong, and
   would a gradient check catch it?
5. Someone says: "backpropagation is an optimization algorithm". Correct them in two sentences. Then say which
   part of the training loop of section 6 you would change to use Adam, and which part to use central
   differences.

<details><summary>Short answers</summary>

1. $D = 3 \cdot 4 = 12$, so `w` is (12, 10); `dx` is (16, 3, 4) (the shape of `x`), `dw` (12, 10), `db` (10,).
2. The mean is already in the loss: `dscores` carries the $1/N$, so `dout` is a gradient of the mean. Each
   example adds its own `dout[i]` to $b$'s gradient, because $b$ is used once per example.
3. The sigmoid's derivative is at most $1/4$, and much smaller for large $|x|$; every layer multiplies the
   gradient by it, so after a few layers it is tiny (vanishing gradients). tanh's is at most 1 (better, but it
   also saturates); ReLU's is exactly 1 where a unit is active.
4. The cache already is $\tanh(x)$, so this computes $1 - \tanh^2(\tanh(x))$. A gradient check catches it at
   once (relative errors of order $10^{-1}$), except near $x = 0$ where $\tanh(x) \approx x$.
5. Backpropagation only computes the gradient of the loss with respect to every parameter (the chain rule in
   reverse order); it updates nothing. Gradient descent (or Adam, ...) is the optimization algorithm that uses
   that gradient to change the parameters. For Adam change `rule` in the `Optimizer` (the "use" half); for
   central differences change the gradient source (the "compute" half).

</details>
""", cell_id="recap")

if __name__ == "__main__":
    print(nb.write())

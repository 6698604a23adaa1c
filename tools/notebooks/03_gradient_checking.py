"""Authoring source of solutions/03_gradient_checking: checking gradients numerically.

Run ``.venv/bin/python tools/notebooks/03_gradient_checking.py`` to rebuild the instructor notebook, then
regenerate the learner release with ``nbgrader generate_assignment 03_gradient_checking`` (see CONTRIBUTING).
Exercises (docs/exercises.md): ``numerical_gradient(f, x, h=1e-5)`` and ``rel_error(x, y)``, checked by
``gdbp.checks.check_numerical_gradient`` / ``check_rel_error`` against ``gdbp.gradcheck``.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from tools.nbbuild import Notebook  # noqa: E402

NAME = "03_gradient_checking"

nb = Notebook(NAME)

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
# 03 · Checking gradients numerically

## Learning goals

- You will derive, with Taylor's theorem, why the **one-sided** difference $\frac{f(x + h) - f(x)}{h}$ has
  an error $O(h)$ and the **central** difference $\frac{f(x + h) - f(x - h)}{2h}$ only $O(h^2)$.
- You will see, on a log-log plot, how **truncation error** (large $h$) and **round-off error** (small $h$)
  trade off, and why $h \approx 10^{-5}$ is the usual choice for central differences in float64.
- You will write `numerical_gradient(f, x, h=1e-5)` for arrays of any shape, without changing `x`.
- You will measure agreement with the **relative error** (CS231n's `rel_error`), write it, and know which
  values mean "correct" and which mean "bug".
- You will recognise **kinks** (ReLU at 0, `max`) that make a correct gradient look wrong, and
  gradient-check notebook 02's formulas with `gdbp.gradcheck.check_gradient`.

**Where we are.** *How do gradient descent and backpropagation relate?* Backpropagation computes the
gradient that gradient descent uses, by chaining hand-derived local gradients like those of notebook 02. One
wrong sign or missing transpose there and gradient descent still runs, just badly, and nothing crashes. The
numerical gradient is the safety net: slow (two evaluations of $f$ per parameter) but simple enough to trust,
it tells you whether a fast analytic gradient is right. Every backward pass in notebooks 05 and 06 is
checked this way.
""", cell_id="intro")
nb.exercise_rules()

nb.code(r'''
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import gdbp.gradcheck
import gdbp.layers
import gdbp.linear
# yours_or_reference(fn, reference): your function once it passes its exercise's checker, else gdbp's
# reference, with a one-line note either way: the demonstrations run before (and while) you write it.
from gdbp.course import yours_or_reference
# gdbp.gradcheck.check_gradient under a name that is not mistaken for a grading checker (gdbp.checks.check_*)
from gdbp.gradcheck import check_gradient as gradient_check

EPS = np.finfo(np.float64).eps
print(f"machine epsilon of float64: {EPS:.2e} (the relative spacing of floats near 1)")
''', cell_id="setup")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 1. One-sided and central differences

The derivative is a limit, $f'(x) = \lim_{h\to 0} \frac{f(x + h) - f(x)}{h}$. A computer cannot take the
limit, so it uses a small $h$. How small, and which formula? Taylor's theorem:

$$f(x \pm h) = f(x) \pm h f'(x) + \frac{h^2}{2} f''(x) \pm \frac{h^3}{6} f'''(x) + O(h^4).$$

**One-sided (forward) difference**: subtract $f(x)$ and divide by $h$:

$$\frac{f(x + h) - f(x)}{h} = f'(x) + \underbrace{\frac{h}{2} f''(x) + O(h^2)}_{\text{error } O(h)} .$$

**Central difference**: subtract the two expansions; the even terms ($f$, $f''$) cancel:

$$\frac{f(x + h) - f(x - h)}{2h} = f'(x) + \underbrace{\frac{h^2}{6} f'''(x) + O(h^4)}_{\text{error } O(h^2)} .$$

This **truncation error** shrinks with $h$. But a computer also rounds: $f(x \pm h)$ is known only to a
relative precision $\varepsilon \approx 2.2\cdot 10^{-16}$ (float64), so the difference in the numerator
carries an absolute error of about $\varepsilon |f(x)|$, which the division by $h$ **amplifies**:

$$\text{error}_{\text{forward}}(h) \approx \frac{h}{2}|f''| + \frac{\varepsilon |f|}{h}, \qquad
\text{error}_{\text{central}}(h) \approx \frac{h^2}{6}|f'''| + \frac{\varepsilon |f|}{h}.$$

Setting the derivative with respect to $h$ to zero gives the best step: $h^* \sim \sqrt{\varepsilon} \approx
10^{-8}$ for the forward difference (error $\sim 10^{-8}$) and $h^* \sim \varepsilon^{1/3} \approx 10^{-5}$ for the
central one (error $\sim 10^{-11}$). So central differences are not only more accurate at the same $h$, they
also reach a much smaller error at their best $h$. Let us see it, for $f(x) = e^x$ at $x = 1$, where
$f' = f'' = f''' = e$ and the exact answer is known.
""", cell_id="md_differences")

nb.code(r'''
f, x0, exact = np.exp, 1.0, np.exp(1.0)
hs = np.geomspace(1e-15, 1e-1, 300)
forward_error = np.abs((f(x0 + hs) - f(x0)) / hs - exact)
central_error = np.abs((f(x0 + hs) - f(x0 - hs)) / (2 * hs) - exact)

fig, ax = plt.subplots(figsize=(8, 5))
ax.loglog(hs, forward_error, ".", ms=3, color="C0", label="one-sided (f(x+h) - f(x)) / h")
ax.loglog(hs, central_error, ".", ms=3, color="C1", label="central (f(x+h) - f(x-h)) / 2h")
ax.loglog(hs, hs / 2 * exact + EPS * exact / hs, color="C0", lw=1, label="h|f''|/2 + eps|f|/h")
ax.loglog(hs, hs**2 / 6 * exact + EPS * exact / hs, color="C1", lw=1, label="h^2|f^(3)|/6 + eps|f|/h")
ax.annotate("round-off\n(slope -1)", (1e-13, 3e-3), fontsize="small")
ax.annotate("truncation:\none-sided slope 1,\ncentral slope 2", (1e-4, 1e-12), fontsize="small")
ax.axvline(1e-5, color="grey", ls=":", lw=1)
ax.set(xlabel="step h", ylabel="|numerical - exact derivative|", ylim=(1e-13, 10),
       title="Derivative of exp at x = 1: truncation (right) against round-off (left)")
ax.legend(loc="upper center", fontsize="small")
plt.show()
plt.close(fig)

for name, errors in (("one-sided", forward_error), ("central", central_error)):
    best = np.argmin(errors)
    print(f"{name:9s}: best h ~ {hs[best]:.1e} with error {errors[best]:.1e}; "
          f"at h = 1e-5 the error is {errors[np.argmin(np.abs(hs - 1e-5))]:.1e}")
''', cell_id="error_vs_h")

nb.md(r"""
Read the plot from right to left. With large $h$ the truncation error dominates: the one-sided curve falls
with slope 1 ($O(h)$), the central one with slope 2 ($O(h^2)$). Below the best $h$ the round-off error takes
over and **grows** as $h$ shrinks (slope $-1$): smaller is not better. The round-off part is noisy (it
depends on how the last bits happen to round), which is why the dots scatter around the line.

In gradient checks we use **central differences with $h = 10^{-5}$** (float64), as CS231n does: at the
bottom of the central curve, near $10^{-10}$ relative to $f'$.
""", cell_id="md_error_vs_h_read")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 2. The numerical gradient of a function of an array

For $f : \mathbb{R}^{\text{shape}} \to \mathbb{R}$ (a loss of a weight matrix, say), the gradient has one
partial derivative per entry. Nudge **one entry at a time**, with $e_i$ the array that is 1 at index $i$ and
0 elsewhere:

$$\frac{\partial f}{\partial x_i} \approx \frac{f(x + h\,e_i) - f(x - h\,e_i)}{2h}.$$

**Worked example.** $f(v) = v_0^2\, v_1$ at $v = (1, 2)$. Nudging the first entry only,
$\frac{f(1 + h, 2) - f(1 - h, 2)}{2h} = \frac{2(1 + h)^2 - 2(1 - h)^2}{2h} = \frac{8h}{2h} = 4$, which is
$\partial f/\partial v_0 = 2 v_0 v_1$; nudging the second only, $\frac{1 \cdot (2 + h) - 1 \cdot (2 - h)}{2h} = 1
= v_0^2$. (Here the differences are exact up to rounding, since $f$ is a polynomial of degree 2 in each entry.)

That is $2 \times$ (number of entries) evaluations of $f$, far too slow for training (a network has
millions of entries; backpropagation gets the whole gradient for about the cost of two evaluations), but
fine for checking a small case.

**Do not change `x`.** CS231n's classic version changes `x[i]` in place, evaluates, and then restores it by
subtracting `h` again. That is fragile: `(x + h) - h` is not always exactly `x` in floating point, and if
`f` fails halfway, the caller's array is left changed. Work on **copies** instead.
""", cell_id="md_numgrad")

nb.md(r"""
### Exercise 1: the numerical gradient (2 points)

Section 1 worked the central difference for a function of one number. Now the next case: a function of a
whole array, one partial derivative per entry. Write `numerical_gradient(f, x, h=1e-5) -> grad`:

- `f`: a function that takes an array of `x`'s shape and returns a scalar (a float).
- `x`: a float array of **any shape** (1-D, 2-D, 3-D...). Never change it, not even temporarily: the
  checker passes its own array and compares it afterwards, bit for bit.
- `h`: the step, default `1e-5` (keep this default, and use the `h` you are given).
- Return `grad`, a float array of `x`'s shape whose entry at each index $i$ is the **central difference**
  $\frac{f(x + h\,e_i) - f(x - h\,e_i)}{2h}$ of the formula above, for **every** entry of `x`.
- Use numpy only: `gdbp.gradcheck` holds a reference, and using it does not count.
""", cell_id="md_ex_numgrad")

nb.solution("numerical_gradient", r'''
def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of the scalar function f at x (any shape); x is never changed."""
    ### BEGIN SOLUTION
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x_plus = x.copy()
        x_plus[i] += h
        x_minus = x.copy()
        x_minus[i] -= h
        grad[i] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad
    ### END SOLUTION
''')

nb.hints("numerical_gradient", [
    r"""
One entry at a time, the one-variable case of section 1: make two **copies** of `x`, nudge the chosen entry
up by `h` in one and down by `h` in the other, evaluate `f` on both, and store the central difference at
that entry of an array of zeros shaped like `x`. Working on copies is what keeps the caller's `x` unchanged,
even if `f` raises halfway.
""",
    r"""
$$\text{grad}[i] = \frac{f(x + h\,e_i) - f(x - h\,e_i)}{2h},$$

where $x + h\,e_i$ is `x` with `h` added at index $i$ only. To visit every index of an array of any
shape, `np.ndindex(x.shape)` yields the index tuples `(0, 0), (0, 1), ...` (for a 1-D `x`: `(0,)`, `(1,)`,
...), and an index tuple `i` works as `x[i]`. `np.array(x, dtype=float)` makes a float copy;
`np.zeros_like(x)` an array of zeros of the same shape and dtype.
""",
    r"""
```python
x = ...                          # your own float copy of x
grad = ...                       # zeros, x's shape
for i in np.ndindex(x.shape):
    x_plus = ...                 # a copy of x, with h added at index i
    x_minus = ...                # a copy of x, with h subtracted at index i
    grad[i] = ...
return grad
```
""",
])

nb.test("test_numerical_gradient", points=2, source=r'''
"""numerical_gradient: central differences for every entry, any shape, x unchanged, against gdbp.gradcheck."""
from gdbp.checks import check_numerical_gradient

check_numerical_gradient(numerical_gradient)
''', hidden=r'''
import gdbp.gradcheck
from gdbp.instructor.hidden import assert_not_reference

_args = (lambda v: float(np.sum(v**2)), np.array([1.0, -2.0]))
assert_not_reference(numerical_gradient, gdbp.gradcheck.numerical_gradient, args=_args)
assert_not_reference(numerical_gradient, gdbp.gradcheck.numerical_gradient_array, args=_args)
for _seed in (61, 62, 63):
    _rng = np.random.default_rng(_seed)
    _A = _rng.normal(size=(2, 3, 2))
    _f = lambda v: float(np.sum(_A * np.sin(v)) + np.sum(v) ** 2)  # noqa: E731 - entries coupled by the square
    _x = _rng.normal(size=(2, 3, 2))
    for _h in (1e-5, 1e-3):
        _got = np.asarray(numerical_gradient(_f, _x.copy(), _h))
        _want = gdbp.gradcheck.numerical_gradient(_f, _x, h=_h)
        # 1e-7 relative: same evaluation points, only the last division may be written differently
        np.testing.assert_allclose(_got, _want, rtol=1e-7, atol=1e-9, err_msg=f"seed {_seed}, h={_h}")
''')

nb.md(r"""
Try it on a function whose gradient we know: $f(W) = \sum_{jk} W_{jk}^3$ has $\partial f/\partial W_{jk} =
3W_{jk}^2$. The relative error column uses the formula of the next section.
""", cell_id="md_numgrad_try")

nb.code(r'''
numgrad = yours_or_reference(numerical_gradient, gdbp.gradcheck.numerical_gradient)
W = np.random.default_rng(0).normal(size=(2, 3))
numeric = numgrad(lambda W_: np.sum(W_**3), W)
analytic = 3 * W**2
print("analytic 3 W^2:\n", analytic.round(6))
print("numerical:\n", numeric.round(6))
print(f"largest absolute difference: {np.abs(numeric - analytic).max():.1e}")
''', cell_id="numgrad_try")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 3. Relative error: how close is close?

Is an absolute difference of $10^{-6}$ good? If the gradient entries are around $10^{4}$, it is excellent
(10 correct digits); if they are around $10^{-7}$, the numbers have nothing in common. A check must not
depend on the scale of the loss, so we compare **relative** to the size of the two numbers. CS231n's
`rel_error`, used throughout this course, is

$$\mathrm{rel\_error}(a, b) = \max_i \frac{|a_i - b_i|}{\max\!\big(10^{-8},\; |a_i| + |b_i|\big)} .$$

- The denominator is $|a_i| + |b_i|$, so each term lies in $[0, 1]$; 1 means opposite signs (or one of the
  two is 0).
- The floor $10^{-8}$ prevents $0/0$ when both entries are (nearly) zero; below it the error is measured in
  units of $10^{-8}$.
- The **maximum** over the entries: one wrong entry among a million must not disappear in an average.

**Rule of thumb** (float64, central differences, $h = 10^{-5}$):

| relative error | verdict |
|---|---|
| $< 10^{-7}$ | the gradient is right |
| $10^{-7}$ to $10^{-4}$ | suspicious; acceptable with kinks or deep compositions |
| $> 10^{-2}$ | the gradient is wrong |

The cell shows three pairs with the *same* absolute difference $10^{-6}$ at different scales, measured with
gdbp's `rel_error` (the exercise below asks you for your own):
""", cell_id="md_rel_error")

nb.code(r'''
for scale in (1e4, 1.0, 1e-6):
    a = np.array([scale])
    b = a + 1e-6
    rel = gdbp.gradcheck.rel_error(a, b)  # gdbp's reference; you write your own below
    print(f"a = {a[0]:<8g} b = a + 1e-6: absolute difference 1e-06, relative error {rel:.1e}")
''', cell_id="rel_error_scales")

nb.md(r"""
### Exercise 2: relative error (1 point)

Write `rel_error(x, y) -> float`, the relative error defined above (entrywise, with the floor $10^{-8}$ in the
denominator, then the largest entry):

- `x`, `y`: float arrays of the same shape (any shape, at least one entry).
- Return one Python `float`.
- Vectorise (no Python loop over the entries). Do not change `x` or `y`. Use numpy only:
  `gdbp.gradcheck.rel_error` is the reference, and using it does not count.
""", cell_id="md_ex_rel_error")

nb.solution("rel_error", r'''
def rel_error(x, y):
    """Largest entrywise relative error max |x - y| / max(1e-8, |x| + |y|), as a float."""
    ### BEGIN SOLUTION
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))
    ### END SOLUTION
''')

nb.hints("rel_error", [
    r"""
Compute the ratio for every entry at once, as an array of the shape of `x`, then take its largest entry.
Three numpy functions do it: `np.abs`, `np.maximum` (the elementwise larger of two arrays, or of an array and
a number; not `np.max`, which reduces an array to one number) and `np.max`.
""",
    r"""
$$\text{ratio}_i = \frac{|x_i - y_i|}{\max(10^{-8},\ |x_i| + |y_i|)}, \qquad \text{rel\_error} = \max_i \text{ratio}_i .$$

`np.max` returns a numpy float; `float(...)` makes it a Python `float`.
""",
    r"""
```python
x, y = ...        # float arrays (np.asarray with dtype=float)
ratio = ...       # entrywise, x's shape
return float(...)
```
""",
])

nb.test("test_rel_error", points=1, source=r'''
"""rel_error: the largest entrywise relative error, a Python float, against gdbp.gradcheck.rel_error."""
from gdbp.checks import check_rel_error

check_rel_error(rel_error)
''', hidden=r'''
import gdbp.gradcheck
from gdbp.instructor.hidden import assert_not_reference

assert_not_reference(rel_error, gdbp.gradcheck.rel_error, args=(np.array([1.0, 2.0]), np.array([1.5, 2.0])))
for _seed in (71, 72, 73):
    _rng = np.random.default_rng(_seed)
    _x = _rng.normal(size=(3, 4)) * 10.0 ** _rng.integers(-9, 4)
    _y = _x + _rng.normal(size=(3, 4)) * 1e-3
    _got = rel_error(_x.copy(), _y.copy())
    assert isinstance(_got, float), f"rel_error must return a Python float; got {type(_got).__name__}"
    np.testing.assert_allclose(_got, gdbp.gradcheck.rel_error(_x, _y), rtol=1e-9, err_msg=f"seed {_seed}")
assert rel_error(np.zeros(3), np.zeros(3)) == 0.0, "two zero arrays have relative error 0 (the 1e-8 floor)"
''')

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 4. Checking notebook 02's gradients

Now the real use: check an analytic gradient against your numerical one. Notebook 02 derived the gradient
of the softmax cross-entropy, $(p - \text{onehot}(y))/N$, and of the linear regression MSE. Here we take
gdbp's versions of those formulas (`gdbp.layers.softmax_loss`, `gdbp.linear.linear_loss_and_grad`), and a
deliberately **buggy** variant of each, and compute the relative error with your two functions.

A check needs the loss as a function of the array being checked only; `lambda s: loss(s, y)[0]` fixes the
other arguments.
""", cell_id="md_check_nb02")

nb.code(r'''
relerr = yours_or_reference(rel_error, gdbp.gradcheck.rel_error)

rng = np.random.default_rng(1)
scores, labels = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
ce_loss = lambda s: gdbp.layers.softmax_loss(s, labels)[0]  # noqa: E731
dscores = gdbp.layers.softmax_loss(scores, labels)[1]
dscores_no_mean = dscores * len(labels)  # bug: the 1/N of the mean forgotten

X, y = rng.normal(size=(4, 4)), rng.normal(size=4)  # N = D = 4: a missing transpose keeps the shape
w, b = rng.normal(size=4), 0.5
mse_of_w = lambda w_: gdbp.linear.linear_loss_and_grad(X, y, w_, b)[0]  # noqa: E731
dw = gdbp.linear.linear_loss_and_grad(X, y, w, b)[1]
dw_no_transpose = 2 * X @ (X @ w + b - y) / len(y)  # bug: X @ r instead of X.T @ r

checks = {"softmax CE, (p - onehot) / N": (ce_loss, scores, dscores),
          "softmax CE, bug: no 1/N": (ce_loss, scores, dscores_no_mean),
          "linear MSE, dw = 2 X^T r / N": (mse_of_w, w, dw),
          "linear MSE, bug: X @ r": (mse_of_w, w, dw_no_transpose)}
for name, (loss, at, analytic) in checks.items():
    error = relerr(analytic, numgrad(loss, at))
    verdict = "right" if error < 1e-7 else "WRONG" if error > 1e-2 else "suspicious"
    print(f"{name:30s} rel_error = {error:.1e}  -> {verdict}")
''', cell_id="check_nb02")

nb.md(r"""
`gdbp.gradcheck.check_gradient`, called with `f, analytic_grad, x` (imported above as `gradient_check`),
packages the same steps and returns a result instead of printing, so a test can assert on it: the largest
relative error, **where** it occurs (the worst index is the first place to look for a bug), and both
gradients. Its source:
""", cell_id="md_check_gradient")

nb.code(r'''
from gdbp.course import show_source

show_source(gdbp.gradcheck.check_gradient)
result = gradient_check(ce_loss, dscores_no_mean, scores)
print(f"buggy softmax gradient: max_rel_error = {result.max_rel_error:.2f} at index {result.worst_index}")
print(f"  analytic {result.analytic[result.worst_index]:.4f} vs numeric {result.numeric[result.worst_index]:.4f}: "
      f"ratio {result.analytic[result.worst_index] / result.numeric[result.worst_index]:.1f} = N")
''', cell_id="check_gradient_demo")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 5. Kinks: when a correct gradient fails the check

$\text{ReLU}(x) = \max(x, 0)$ has no derivative at $x = 0$: the slope jumps from 0 to 1. Libraries use 0
there (`gdbp.layers.relu_backward` and PyTorch alike). A central difference that **straddles the kink**
($|x| < h$) measures the slope of the secant from $x - h$ to $x + h$ instead, a value between 0 and 1:

$$\frac{\max(x + h, 0) - \max(x - h, 0)}{2h} = \frac{x + h}{2h} \quad\text{for } |x| < h,$$

$0.5$ at $x = 0$. The analytic gradient is 0 or 1 there, so the relative error is large (up to 1),
although the gradient is "right". The same happens for $\max(x_1, x_2)$ when the two entries are within $h$,
for the absolute value at 0, and for hinge losses.
""", cell_id="md_kinks")

nb.code(r'''
h = 1e-5
fig, ax = plt.subplots(figsize=(7, 4))
xs = np.linspace(-3 * h, 3 * h, 200)
ax.plot(xs, np.maximum(xs, 0), color="C0", label="ReLU(x) = max(x, 0)")
for x_at, color in ((0.0, "C3"), (0.4 * h, "C1")):
    ends = np.array([x_at - h, x_at + h])
    slope = (np.maximum(ends[1], 0) - np.maximum(ends[0], 0)) / (2 * h)
    ax.plot(ends, np.maximum(ends, 0), "o--", color=color, label=f"secant around x = {x_at / h:g} h: slope {slope:.2f}")
ax.set(xlabel="x", title=f"A central difference with h = {h:g} across the kink", xticks=np.arange(-3, 4) * h)
ax.legend(fontsize="small")
plt.show()
plt.close(fig)

x = np.array([1.3, -0.7, 0.0, 4e-6, -2e-6, 0.2])
relu_sum = lambda v: np.sum(np.maximum(v, 0))  # noqa: E731
analytic = (x > 0).astype(float)  # the convention: derivative 0 at x == 0
numeric = numgrad(relu_sum, x)
for xi, a, n in zip(x, analytic, numeric):
    flag = "  <- within h of the kink" if abs(xi) < h else ""
    print(f"x = {xi:8.1e}: analytic {a:.2f}, numeric {n:.2f}, rel error {relerr(np.array([a]), np.array([n])):.1e}{flag}")
''', cell_id="kinks")

nb.md(r"""
What to do about kinks:

- **Know where they are** and look at the *worst index*: if every large error sits at an entry within $h$
  of a kink (an input to ReLU with $|x| < h$, two nearly tied entries of a `max`), the gradient is probably
  fine. CS231n suggests tracking whether $f(x + h)$ and $f(x - h)$ cross a kink.
- **Check at points away from kinks**: random inputs rarely land within $10^{-5}$ of 0 (for a standard normal
  entry the chance is about $8\cdot 10^{-6}$), but a network with many units and many examples will have a
  few. Use few examples and few units for the check.
- A smaller $h$ makes straddling rarer, at the price of more round-off (section 1).
""", cell_id="md_kinks_advice")

nb.code(r'''
rng = np.random.default_rng(2)
x = rng.normal(size=5)
winner = np.argmax(x)
x[(winner + 1) % 5] = x[winner] - 3e-6  # a runner-up within h of the maximum: a kink of max
max_fn = lambda v: np.max(v)  # noqa: E731
analytic = (np.arange(5) == np.argmax(x)).astype(float)  # the derivative of max: 1 at the winner, 0 elsewhere
result = gradient_check(max_fn, analytic, x)
print(f"x = {x.round(6)}")
print(f"max: analytic {analytic}, numeric {result.numeric.round(3)}")
print(f"max_rel_error = {result.max_rel_error:.2f} at index {result.worst_index}: the near-tie, not a bug")
''', cell_id="kink_max")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## Recap

- One-sided differences have truncation error $O(h)$, central differences $O(h^2)$; round-off adds
  $\sim \varepsilon|f|/h$. The best $h$ balances the two: $\sim 10^{-8}$ one-sided, $\sim 10^{-5}$ central (float64).
- `numerical_gradient` nudges one entry at a time, on copies, never changing `x`: $2\times$ (number of entries)
  evaluations of $f$, so only for small checks.
- Compare with the **relative error** $\max_i |a_i - b_i| / \max(10^{-8}, |a_i| + |b_i|)$: below $10^{-7}$
  right, above $10^{-2}$ wrong, in between look closer.
- Kinks (ReLU at 0, ties in `max`) make a correct gradient fail the check at entries within $h$ of the kink.
- **Gradient descent and backpropagation:** backpropagation computes the gradient gradient descent uses, fast
  and exactly, but only as right as the local gradients it chains; numerical gradient checking is how we
  know they are right. Next: gradient descent on a real model, linear regression (notebook 04).

## Questions

1. Halving $h$ divides the truncation error of the one-sided difference by about what? Of the central one?
2. Why does the error *grow* when $h$ goes below $10^{-8}$? What would change in float32
   ($\varepsilon \approx 1.2\cdot 10^{-7}$)?
3. A network has one million parameters. How many evaluations of the loss does a full numerical gradient
   cost? How would you check its backward pass anyway?
4. Your gradient check reports `rel_error = 0.67` at exactly one entry of a ReLU layer's input gradient,
   and $< 10^{-9}$ everywhere else. Bug or kink? What would you look at?
5. Why is $\max(10^{-8}, |a| + |b|)$ in the denominator better than $|a|$ alone?

<details><summary>Short answers</summary>

1. By about 2 (error $O(h)$); by about 4 (error $O(h^2)$).
2. The round-off term $\varepsilon|f|/h$ grows as $h$ shrinks. In float32 $\varepsilon$ is $5\cdot 10^8$ times
   larger: the best central $h$ moves to $\sim 10^{-2}$–$10^{-3}$ and the best error to $\sim 10^{-5}$, so
   gradient checks are done in float64.
3. Two million evaluations. Check a small version (few units, few examples), or a random subset of entries.
4. Probably a kink: look at the input of the ReLU at that index; if $|x| < h$ the secant straddles 0.
5. $|a|$ alone divides by zero when the analytic entry is 0 and is not symmetric in $a$ and $b$; the sum is
   symmetric, bounds the error by 1, and the floor handles two (near-)zero entries.

</details>
""", cell_id="recap")

if __name__ == "__main__":
    print(nb.write())

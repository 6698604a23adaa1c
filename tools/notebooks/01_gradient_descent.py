"""Authoring source of solutions/01_gradient_descent: gradient descent on one and two variables.

Run ``.venv/bin/python tools/notebooks/01_gradient_descent.py`` to rebuild the instructor notebook, then
regenerate the learner release with ``nbgrader generate_assignment 01_gradient_descent`` (see CONTRIBUTING).
Exercise (docs/exercises.md): ``gradient_descent(grad_fn, x0, lr, num_steps, tol=None)``, checked by
``gdbp.checks.check_gradient_descent`` against ``gdbp.descent.gradient_descent`` (same stopping semantics).
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from tools.nbbuild import Notebook  # noqa: E402

NAME = "01_gradient_descent"

nb = Notebook(NAME)

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
# 01 · Gradient descent on one and two variables

## Learning goals

- You will write down the **update rule** $x_{t+1} = x_t - \eta\,\nabla f(x_t)$ and explain, with a Taylor
  expansion, why a small enough step goes downhill.
- You will implement it as `gradient_descent(grad_fn, x0, lr, num_steps, tol=None)`, which returns the
  whole **trajectory**.
- You will see what the **learning rate** $\eta$ (`lr`) does: too small crawls, a good one converges fast,
  too large **oscillates** and, larger still, **diverges**; and you will compute where the border lies on a
  parabola, on a round bowl and on an ill-conditioned valley.
- You will know three **stopping rules** (a maximum number of steps, a small gradient norm, a small change
  of the loss) and where each one can fool you.

**The question this course answers.** *How do gradient descent and backpropagation relate?* Keep it in
mind: this notebook is the first half of the answer. Gradient descent needs one thing from the problem, the
gradient $\nabla f$; here we write it by hand for functions of one or two variables. A neural network has
thousands of parameters and a loss built from many layers; **backpropagation** (notebooks 05 and 06) is the
algorithm that computes that gradient efficiently. Notebook 06 puts the two halves together.
""", cell_id="intro")
nb.exercise_rules()

nb.code(r'''
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import gdbp.descent
from gdbp.course import yours_or_reference
from gdbp.objectives import get_objective
from gdbp.plotting import plot_contours, plot_losses

bowl = get_objective("bowl")
valley = get_objective("ill_conditioned")
print(f"bowl:   f = {bowl.formula}, minimum at {bowl.minima[0]}, start {bowl.start}")
print(f"valley: f = {valley.formula}, minimum at {valley.minima[0]}, start {valley.start}")
''', cell_id="setup")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 1. The update rule

The derivative $f'(x)$ is the slope of $f$ at $x$. If the slope is positive, $f$ decreases to the left; if
it is negative, to the right. So **step against the slope**:

$$x_{t+1} = x_t - \eta\, f'(x_t),$$

where $\eta > 0$ is the **learning rate** (step size, `lr` in code). Why does this go downhill? A first-order
Taylor expansion around $x_t$ with the step $-\eta f'(x_t)$:

$$f(x_{t+1}) = f\big(x_t - \eta f'(x_t)\big) \approx f(x_t) - \eta\, f'(x_t)^2 \;<\; f(x_t)
\quad\text{whenever } f'(x_t) \ne 0.$$

The "$\approx$" is the catch: it holds only for **small** $\eta$. The neglected term is
$\tfrac12 \eta^2 f'(x_t)^2 f''(x_t)$, and it wins when $\eta$ is large; section 3 shows what happens then.

**In several variables** $x \in \mathbb{R}^d$ the slope becomes the **gradient**
$\nabla f(x) = \big(\partial f/\partial x_1, \dots, \partial f/\partial x_d\big)$, a vector of shape `(d,)`,
and the rule keeps its form:

$$\boxed{\;x_{t+1} = x_t - \eta\, \nabla f(x_t)\;}$$

Among all directions of unit length, $-\nabla f / \lVert\nabla f\rVert$ is the one in which $f$ decreases
fastest (the directional derivative $\nabla f \cdot u$ is smallest for $u$ opposite to $\nabla f$); that is
why this is also called **steepest descent** (Cauchy, 1847).

**Worked example.** $f(x) = x^2$, $f'(x) = 2x$, start $x_0 = 2$, $\eta = 0.1$:

| $t$ | $x_t$ | $f'(x_t)$ | $x_{t+1} = x_t - 0.1\,f'(x_t)$ |
|---|---|---|---|
| 0 | 2 | 4 | 1.6 |
| 1 | 1.6 | 3.2 | 1.28 |
| 2 | 1.28 | 2.56 | 1.024 |

Each step multiplies $x$ by the same factor: $x_{t+1} = x_t - 0.1 \cdot 2 x_t = 0.8\,x_t$, so
$x_t = 2 \cdot 0.8^t$. Remember this factor $1 - 2\eta$: it explains everything in section 3.
""", cell_id="md_update_rule")

nb.code(r'''
def parabola_grad(x):
    """Gradient of f(x) = x^2 (x is an array of shape (1,), so that the same code works in d dimensions)."""
    return 2 * x


x = np.array([2.0])
lr = 0.1
x = x - lr * parabola_grad(x)
print("after step 1:", x)
x = x - lr * parabola_grad(x)
print("after step 2:", x)
x = x - lr * parabola_grad(x)
print("after step 3:", x, " = 2 * 0.8**3 =", 2 * 0.8**3)
''', cell_id="worked_example")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 2. When to stop

Gradient descent never lands *exactly* on the minimum; some rule has to end the loop. Three are common:

1. **A maximum number of steps** (`num_steps`). Always have one: it is the only rule that is sure to end,
   even when the run diverges or crawls.
2. **A small gradient**: stop when $\lVert \nabla f(x_t) \rVert_2 < \texttt{tol}$. At a minimum the gradient
   is zero, so a small gradient means "nearly flat here". The catch: *nearly flat* is not *nearly there*. On
   $f(x) = \tfrac{\lambda}{2} x^2$ the gradient is $\lambda x$, so $\lVert\nabla f\rVert < \texttt{tol}$ only
   promises $|x - x^*| < \texttt{tol}/\lambda$, far for a flat direction (small $\lambda$).
3. **A small change of the loss**: stop when $|f(x_{t}) - f(x_{t-1})| < \varepsilon$ (often relative to
   $|f(x_{t-1})|$). Cheap when you compute the loss anyway, but fooled by a learning rate that is too small
   (every change is tiny from the start) and by plateaus.

In practice (training networks) one runs a fixed budget of steps or epochs and watches the loss on held-out
data; the gradient rule is the one textbooks (and `scipy.optimize`'s `gtol`) use. Your function below
implements rules 1 and 2; section 4 looks at rule 3 on a trajectory.

**What "the trajectory" is.** Instead of returning only the final point, your function returns every point
it visited, stacked into one array: row 0 is $x_0$, row $t$ is $x_t$. With $d$ variables and $k$ steps
taken it has shape `(k + 1, d)`. That is what we plot (the path over the contour lines) and what the loss
curves are computed from: `f.value(trajectory)` gives the $k + 1$ losses at once.
""", cell_id="md_stopping")

nb.md(r"""
### Exercise 1: gradient descent (2 points)

The worked example took three steps by hand. Your function takes them in a loop, records every point it
visits, and stops by rules 1 and 2 of this section (and when the run diverges).

Write `gradient_descent(grad_fn, x0, lr, num_steps, tol=None) -> trajectory`:

- `grad_fn`: a function that takes an array `x` of shape `(d,)` and returns the gradient $\nabla f(x)$, an
  array of shape `(d,)` (for example `bowl.grad`).
- `x0`: the start point, array-like of shape `(d,)` (a list is fine). Never change it: work on a float64
  copy of it.
- `lr`: the learning rate $\eta$, a positive float. `num_steps`: the largest number of steps, an int $\ge 0$.
- `tol`: `None` (the default: no gradient rule) or a positive float.

At most `num_steps` times, in this order:

1. evaluate the gradient at the current point;
2. **the gradient rule**: if `tol` is given and the gradient's Euclidean norm ($\lVert g \rVert_2$,
   `np.linalg.norm`) is below `tol`, stop **before** stepping: the current point is the answer, and it is
   already recorded;
3. take one step of the update rule and record the new point. Each step makes a new array (no in-place
   `-=`): every recorded point must keep its value;
4. **divergence**: if an entry of the new point is not finite (`inf` or `nan`, because `lr` is far too
   large; `np.isfinite` tells which entries are finite), stop. That non-finite row stays as the last row.

Return `trajectory`, a float array of shape `(k + 1, d)`: row 0 is `x0`, row `t` is the point after `t`
steps, and `k <= num_steps` is the number of steps taken. With `num_steps=0` it is `x0` alone, shape
`(1, d)`. Write it with numpy; `gdbp.descent` holds a reference, and using it does not count (the grader
checks).
""", cell_id="md_exercise")

nb.solution("gradient_descent", r'''
def gradient_descent(grad_fn, x0, lr, num_steps, tol=None):
    """Plain gradient descent x <- x - lr * grad_fn(x) from x0; returns the trajectory, shape (k + 1, d).

    Stops after num_steps steps, before a step where norm(grad) < tol (if tol is given), or right after a
    step that produced a non-finite x (diverged; that row is the last one).
    """
    ### BEGIN SOLUTION
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(num_steps):
        grad = grad_fn(x)
        if tol is not None and np.linalg.norm(grad) < tol:
            break
        x = x - lr * grad
        trajectory.append(x)
        if not np.all(np.isfinite(x)):
            break
    return np.array(trajectory)
    ### END SOLUTION
''')

nb.hints("gradient_descent", [
    r"""
Repeat the worked example's step in a `for` loop. Keep the points in a Python list that starts with your
copy of `x0` and gets one new point per step; stack the list into one array at the end. Each stopping rule
is a `break`: the gradient rule before the step, the divergence rule after it.
""",
    ("the equation and shapes", r"""
The step is the boxed rule with the gradient you just evaluated, $g = \nabla f(x_t)$:
$x_{t+1} = x_t - \eta\, g$, a new array of shape `(d,)`. The tol rule compares one number, the norm
$\lVert g \rVert_2$, with `tol` (not each entry of $g$). `np.all(np.isfinite(x))` is `True` only when
every entry of `x` is finite. The list ends up holding $k + 1$ arrays of shape `(d,)`; `np.array` of it has
shape `(k + 1, d)`.
"""),
    r"""
```python
x = ...                      # a float copy of x0
points = [x]
for _ in range(num_steps):
    grad = ...
    if ...:                  # tol given, and the norm of grad below it
        break
    x = ...                  # one step of the update rule: a new array
    points.append(x)
    if ...:                  # some entry of x is not finite
        break
return np.array(points)
```
""",
])

nb.test("test_gradient_descent", points=2, source=r'''
"""gradient_descent: the trajectory and the tol rule, against gdbp.descent.gradient_descent."""
from gdbp.checks import check_gradient_descent

check_gradient_descent(gradient_descent)
''', hidden=r'''
import gdbp.descent
from gdbp.instructor.hidden import assert_not_reference

_args = (lambda x: 2 * x, np.array([1.0, -2.0]), 0.1, 5)
assert_not_reference(gradient_descent, gdbp.descent.gradient_descent, args=_args)
assert_not_reference(gradient_descent, gdbp.descent.optimize, args=_args)


def _agrees_with_reference_on_random_quadratics(seeds=(21, 22, 23, 24)):
    """f(x) = x.A x / 2 - b.x with a random positive definite A (d = 3): stable and unstable learning rates,
    with and without tol. Same arithmetic as the reference, so 1e-12 relative is rounding only."""
    for seed in seeds:
        rng = np.random.default_rng(seed)
        M = rng.normal(size=(3, 3))
        A = M @ M.T + 0.5 * np.eye(3)
        b = rng.normal(size=3)
        lam_max = np.linalg.eigvalsh(A).max()
        x0 = rng.normal(size=3)
        for lr in (0.3 / lam_max, 1.9 / lam_max, 2.2 / lam_max):
            for tol in (None, 1e-4):
                got = np.asarray(gradient_descent(lambda x: A @ x - b, x0.copy(), lr, 60, tol=tol))
                want = gdbp.descent.gradient_descent(lambda x: A @ x - b, x0, lr, 60, tol=tol)
                assert got.shape == want.shape, f"seed {seed}, lr {lr:.3g}, tol {tol}: shape {got.shape} != {want.shape}"
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12,
                                           err_msg=f"seed {seed}, lr {lr:.3g}, tol {tol}")


_agrees_with_reference_on_random_quadratics()
# Edge cases: no steps at all; an overflow that must stop the run on its first non-finite row.
assert np.asarray(gradient_descent(lambda x: 2 * x, [3.0, 4.0], 0.1, 0)).shape == (1, 2)
with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the point: no warning on stderr
    _blowup = np.asarray(gradient_descent(lambda x: 2 * x, [1e200], 1e200, 10))
assert _blowup.shape == (2, 1) and not np.isfinite(_blowup[-1]).all(), _blowup
''')

nb.md(r"""
From here on the notebook runs **your** `gradient_descent` once it passes its checker; until then the cells
below use gdbp's reference, so that you can still read the plots (a one-line note says which).
""", cell_id="md_descend")

nb.code(r'''
# your gradient_descent once it passes its checker, else gdbp's reference (a one-line note says which)
descend = yours_or_reference(gradient_descent, gdbp.descent.gradient_descent)
trajectory = descend(parabola_grad, [2.0], lr=0.1, num_steps=5)
print("trajectory of f(x) = x^2 from x0 = 2, lr = 0.1, shape", trajectory.shape)
print(trajectory.ravel())
''', cell_id="descend")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 3. The learning rate: too small, right, too large

### On a parabola

For $f(x) = x^2$ one step is $x_{t+1} = x_t - \eta \cdot 2x_t = (1 - 2\eta)\,x_t$, so
$x_t = (1 - 2\eta)^t\, x_0$. Everything depends on the factor $q = 1 - 2\eta$:

| learning rate | factor $q = 1 - 2\eta$ | behaviour |
|---|---|---|
| $0 < \eta < 0.5$ | $0 < q < 1$ | monotone convergence; slow when $\eta$ is small ($q$ near 1) |
| $\eta = 0.5$ | $q = 0$ | the minimum in **one** step |
| $0.5 < \eta < 1$ | $-1 < q < 0$ | **oscillation**: $x$ changes sign every step, but shrinks |
| $\eta = 1$ | $q = -1$ | bounces between $x_0$ and $-x_0$ forever |
| $\eta > 1$ | $q < -1$ | **divergence**: $|x_t|$ grows geometrically |

For a general parabola $f(x) = \tfrac{\lambda}{2}x^2$ (curvature $f'' = \lambda$) the factor is
$1 - \eta\lambda$: the borders are $\eta = 1/\lambda$ (one step) and $\eta = 2/\lambda$ (divergence). **The
curvature sets the scale of the learning rate.** Here $\lambda = 2$.
""", cell_id="md_lr_parabola")

nb.code(r'''
parabola_runs = {f"lr = {lr}": descend(parabola_grad, [2.0], lr, 30) for lr in (0.03, 0.3, 0.9, 1.1)}
verdicts = {"lr = 0.03": "too small: crawls", "lr = 0.3": "right: fast", "lr = 0.9": "too large: oscillates",
            "lr = 1.1": "too large: diverges"}

xs = np.linspace(-4, 4, 200)
fig, axes = plt.subplots(2, 2, figsize=(8.5, 6.2), sharex=True, sharey=True)
for ax, (label, run) in zip(axes.flat, parabola_runs.items()):
    path = run[:8, 0]  # the first 7 steps
    ax.plot(xs, xs**2, color="lightgrey")
    ax.plot(path, path**2, "o-", ms=4, color="C3")
    ax.plot(path[0], path[0] ** 2, "ks", ms=6, label="x0")
    ax.set(title=f"{label}: {verdicts[label]}", ylim=(-0.5, 16))
    ax.legend(loc="upper center")
for ax in axes[1]:
    ax.set_xlabel("x")
for ax in axes[:, 0]:
    ax.set_ylabel("f(x) = x^2")
fig.suptitle("The first 7 steps on f(x) = x^2 from x0 = 2")
fig.tight_layout()
plt.show()
plt.close(fig)

fig, ax = plt.subplots(figsize=(7, 3.8))
plot_losses({label: run[:, 0] ** 2 for label, run in parabola_runs.items()}, ax=ax)
ax.set_title("loss f(x_t) over 30 steps")
plt.show()
plt.close(fig)
''', cell_id="lr_parabola")

nb.md(r"""
Read the loss curves on the log scale: a straight line means a constant factor per step, and its slope is
$\log q^2$ (the loss is $x^2$, so it shrinks by $q^2$). $\eta = 0.3$ has $q^2 = 0.16$, $\eta = 0.9$ has
$q^2 = 0.64$ (oscillating, yet converging), $\eta = 0.03$ has $q^2 = 0.88$ (slow), and $\eta = 1.1$ has
$q^2 = 1.44 > 1$ (up).

### On a round bowl

$f(x, y) = x^2 + y^2$ is the parabola in each coordinate: $\nabla f = (2x, 2y)$, and the same factor
$1 - 2\eta$ multiplies both. The path is a straight line to the minimum (or an overshooting zig-zag along
that line, or a flight away from it).
""", cell_id="md_lr_bowl")

nb.code(r'''
def lr_panels(objective, lrs, num_steps, verdicts):
    """One contour panel per learning rate (2 or 3 per row), then the loss curves of all of them."""
    runs = {f"lr = {lr}": descend(objective.grad, objective.start, lr, num_steps) for lr in lrs}
    ncols = 2 if len(lrs) % 2 == 0 else 3
    nrows = -(-len(lrs) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(8.5, (3.9 if ncols == 2 else 3.3) * nrows), squeeze=False)
    for ax, (label, run) in zip(axes.flat, runs.items()):
        plot_contours(objective, {label: run}, ax=ax)
        ax.set_title(f"{label}\n{verdicts[label]}", fontsize="medium")
    for ax in axes.flat[len(lrs):]:
        ax.set_visible(False)
    fig.tight_layout()
    plt.show()
    plt.close(fig)
    finite = {label: objective.value(run[np.isfinite(run).all(axis=1)]) for label, run in runs.items()}
    fig, ax = plt.subplots(figsize=(7, 3.8))
    plot_losses(finite, ax=ax)
    ax.set_title(f"{objective.name}: loss over {num_steps} steps")
    plt.show()
    plt.close(fig)
    return runs


bowl_runs = lr_panels(bowl, (0.03, 0.3, 0.9, 1.1), 25, verdicts)
for label, run in bowl_runs.items():
    print(f"{label:9s} after {len(run) - 1} steps: x = {run[-1].round(4)}, f = {bowl.value(run[-1]):.3g}")
''', cell_id="lr_bowl")

nb.md(r"""
### On an ill-conditioned valley

Now $f(x, y) = 0.1\,x^2 + 2\,y^2$, with gradient $(0.2\,x,\; 4\,y)$. The two coordinates have different
curvatures, $\lambda_x = 0.2$ and $\lambda_y = 4$, so one learning rate gives them two different factors:

$$x_{t+1} = (1 - 0.2\,\eta)\,x_t, \qquad y_{t+1} = (1 - 4\,\eta)\,y_t .$$

The **steep** direction decides stability: $|1 - 4\eta| < 1$ needs $\eta < 2/4 = 0.5$. The **flat**
direction decides speed: with $\eta < 0.5$, $x$ keeps at least $1 - 0.2 \cdot 0.5 = 0.9$ of itself each step.
The ratio $\kappa = \lambda_{\max}/\lambda_{\min} = 20$ is the **condition number**; the larger it is, the
worse a single learning rate fits both directions. (Notebook 08 shows how momentum helps.)

- $\eta = 0.05$: both factors positive ($0.99$ and $0.8$), a smooth path that reaches the valley floor and
  then crawls along it.
- $\eta = 0.45$: $y$'s factor is $-0.8$, so the path **zig-zags** across the valley while $x$ creeps
  ($0.91$).
- $\eta = 0.55$: $y$'s factor is $-1.2$: **divergence** across the valley, although for $x$ alone this
  learning rate would be fine (its factor is 0.89).
""", cell_id="md_lr_valley")

nb.code(r'''
valley_verdicts = {"lr = 0.05": "smooth, then crawls", "lr = 0.45": "zig-zags across, crawls along",
                   "lr = 0.55": "diverges across the valley"}
valley_runs = lr_panels(valley, (0.05, 0.45, 0.55), 30, valley_verdicts)
for label, run in valley_runs.items():
    print(f"{label:9s} after {len(run) - 1} steps: (x, y) = {run[-1].round(4)}")
''', cell_id="lr_valley")

nb.md(r"""
### The whole picture: final loss against learning rate

Run 50 steps for many learning rates and plot the final loss. On both objectives the curve falls, reaches a
best learning rate, and then shoots up at a **cliff** at $\eta = 2/\lambda_{\max}$ (dotted). The best
learning rate sits close to the cliff, which is why learning rates are tuned on a log scale and why "a bit
too large" is so much worse than "a bit too small".
""", cell_id="md_sweep")

nb.code(r'''
lrs = np.geomspace(1e-3, 1.2, 120)
fig, ax = plt.subplots(figsize=(8, 4.5))
for objective, lam_max, color in ((bowl, 2.0, "C0"), (valley, 4.0, "C1")):
    final = []
    for lr in lrs:
        run = descend(objective.grad, objective.start, lr, 50)
        final.append(objective.value(run[-1]) if np.isfinite(run[-1]).all() else np.inf)
    ax.loglog(lrs, np.clip(final, 1e-30, 1e6), color=color, label=f"{objective.name}: f = {objective.formula}")
    ax.axvline(2 / lam_max, color=color, ls=":", lw=1.2)
ax.set(xlabel="learning rate lr (log scale)", ylabel="loss after 50 steps (clipped to [1e-30, 1e6])",
       title="Too small is slow, too large explodes: the cliff is at lr = 2 / (largest curvature)")
ax.legend()
plt.show()
plt.close(fig)
''', cell_id="lr_sweep")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 4. Stopping rules in action

Your `gradient_descent` implements the first two rules. With `tol` it stops as soon as the gradient norm
falls below `tol`. Below, the valley with $\eta = 0.4$ and at most 500 steps, for several tolerances: how
many steps were taken, and how far from the minimum $(0, 0)$ did the run stop?
""", cell_id="md_stopping_demo")

nb.code(r'''
print(f"{'tol':>8s} {'steps':>6s} {'|grad| at the end':>18s} {'distance to minimum':>20s}")
for tol in (1e-1, 1e-2, 1e-3, 1e-6, None):
    run = descend(valley.grad, valley.start, 0.4, 500, tol=tol)
    grad_norm = np.linalg.norm(valley.grad(run[-1]))
    print(f"{str(tol):>8s} {len(run) - 1:6d} {grad_norm:18.2e} {np.linalg.norm(run[-1]):20.2e}")
''', cell_id="stopping_tol")

nb.md(r"""
The distance is about **five times** the tolerance: near the end only the flat $x$ direction is left, where
$|\nabla f| = 0.2\,|x|$, so $\lVert\nabla f\rVert < \texttt{tol}$ only promises $|x| < 5\,\texttt{tol}$
(the bound $\texttt{tol}/\lambda_{\min}$ from section 2).

**The loss-change rule** needs only the losses along the trajectory: stop at the first $t$ with
$|f(x_t) - f(x_{t-1})| < \varepsilon$. We compute it after the run from the trajectory. With a learning
rate that is far too small, every change is tiny, and the rule stops almost at once, far from the minimum:
""", cell_id="md_loss_change")

nb.code(r'''
def first_small_change(losses, eps):
    """The first step t with |losses[t] - losses[t-1]| < eps, or None if there is none."""
    small = np.flatnonzero(np.abs(np.diff(losses)) < eps)
    return int(small[0]) + 1 if small.size else None


eps = 1e-3
fig, ax = plt.subplots(figsize=(8, 4.5))
for lr in (0.4, 1e-5):
    run = descend(valley.grad, valley.start, lr, 300)
    losses = valley.value(run)
    t_stop = first_small_change(losses, eps)
    ax.semilogy(losses, label=f"lr = {lr}", color="C0" if lr == 0.4 else "C3")
    if t_stop is None:
        print(f"lr = {lr:<6g}: the loss never changed by less than {eps:g} in 300 steps")
        continue
    ax.plot(t_stop, losses[t_stop], "k*", ms=12)
    print(f"lr = {lr:<6g}: |f(x_t) - f(x_t-1)| < {eps:g} first at t = {t_stop}, where f = {losses[t_stop]:.3g} "
          f"and the distance to the minimum is {np.linalg.norm(run[t_stop]):.2f}")
ax.set(xlabel="step t", ylabel="loss f(x_t)", title=f"loss-change rule (eps = {eps:g}): the stars are where it stops")
ax.legend()
plt.show()
plt.close(fig)
''', cell_id="stopping_loss_change")

nb.md(r"""
With $\eta = 10^{-5}$ the rule fires at the very first step: the loss is still about 6.5, the run has
barely moved. A rule is only as good as the learning rate behind it; **always keep the maximum number of steps,
and look at the loss curve.**
""", cell_id="md_stopping_lesson")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## Recap

- Gradient descent repeats $x_{t+1} = x_t - \eta\,\nabla f(x_t)$. For small $\eta$ each step decreases $f$
  (first-order Taylor); $-\nabla f$ is the direction of steepest descent.
- On a quadratic, each direction of curvature $\lambda$ is multiplied by $1 - \eta\lambda$ per step:
  monotone for $\eta < 1/\lambda$, oscillating for $1/\lambda < \eta < 2/\lambda$, diverging for
  $\eta > 2/\lambda$. The steepest direction caps $\eta$, the flattest sets the pace: the condition number
  $\lambda_{\max}/\lambda_{\min}$ measures how badly they clash.
- The best learning rate lies just below the cliff at $2/\lambda_{\max}$: tune it on a log scale.
- Stop on a maximum number of steps always; a gradient-norm tolerance promises only
  $|x - x^*| \lesssim \texttt{tol}/\lambda_{\min}$; a small loss change can mean a learning rate that is
  too small.
- **Gradient descent and backpropagation:** gradient descent *uses* a gradient; here we wrote $\nabla f$ by
  hand. For a network, backpropagation *computes* it (notebooks 05 and 06); notebook 02 first derives such
  gradients by hand, and notebook 03 checks them numerically.

## Questions

1. For $f(x) = 3x^2$, which learning rates converge? Which reach the minimum in one step? Which oscillate?
2. Gradient descent on the bowl with $\eta = 1$: describe the trajectory from $(-4, 3)$.
3. On $f(x, y) = 0.1\,x^2 + 2\,y^2$ you run with $\eta = 0.45$. Which coordinate oscillates, and which one
   decides how many steps you need to get within $10^{-3}$ of the minimum?
4. Your run stopped because $\lVert\nabla f\rVert < 10^{-6}$. Why might you still be far from a minimum?
   Name two different situations.
5. Why does `gradient_descent` copy `x0` and build a new `x` at every step instead of writing
   `x -= lr * grad`?

<details><summary>Short answers</summary>

1. The curvature is $\lambda = 6$: it converges for $0 < \eta < 2/6 = 1/3$, reaches the minimum in one step
   at $\eta = 1/6$, and oscillates (while converging) for $1/6 < \eta < 1/3$.
2. The factor is $1 - 2 = -1$: it jumps between $(-4, 3)$ and $(4, -3)$ forever, neither converging nor
   diverging.
3. $y$ oscillates (factor $1 - 4 \cdot 0.45 = -0.8$); $x$, with factor $0.91$, decides the number of steps.
4. A very flat direction (small curvature: $|x - x^*| \lesssim \texttt{tol}/\lambda_{\min}$ can be large),
   or a point that is not a minimum at all: a saddle point or a maximum also has gradient zero.
5. `x -= ...` would change the caller's `x0` (and every row already recorded in the trajectory, if the
   same array is appended each time); the trajectory would then hold one point many times.

</details>
""", cell_id="recap")

if __name__ == "__main__":
    print(nb.write())

"""Authoring source of solutions/09_adaptive_lr: Adagrad, RMSprop and Adadelta, per-parameter learning rates.

Run ``.venv/bin/python tools/notebooks/09_adaptive_lr.py`` to rebuild the instructor notebook, then
regenerate the learner release with ``gdbp-course release 09_adaptive_lr`` (see CONTRIBUTING).
Exercises (docs/exercises.md): ``adagrad``, ``rmsprop`` and ``adadelta``, checked by ``gdbp.checks`` against
``gdbp.optim`` in its paper convention (Ruder's overview: eps inside the square roots, Adadelta without lr).

Worked, then faded (issue 10): section 1 works the first step of "divide by the gradient's own size" through
(code and numbers); notebook 08 worked the state contract. Each exercise then follows its algorithm box (the
paper's equations are the specification) with the conventions stated (where eps goes, which average the step
uses); the numpy code of the rules is in no visible cell, only in the hints' skeletons as blanks.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from tools.nbbuild import Notebook  # noqa: E402

NAME = "09_adaptive_lr"


def hidden_tests(fn: str, sample_hp: str) -> str:
    """Instructor-only code of a test cell: the learner did not borrow gdbp's reference, and agrees with it
    over more seeds, another shape, gradients of very different sizes and other hyperparameters
    (``sample_hp``: an expression of ``rng``)."""
    return f'''
import gdbp.optim
from gdbp.instructor.hidden import assert_not_reference

assert_not_reference({fn}, gdbp.optim.{fn}, args=(np.array([1.0, -2.0]), np.array([0.5, 0.25]), None))


def _agrees_with_reference_over_seeds(seeds=(21, 22, 23), shape=(4, 3), steps=40):
    """40 steps on a (4, 3) parameter, gradients from 1e-6 to 10, random hyperparameters. Tolerance 1e-9
    relative: a correct rule differs from the reference by a few ulps per step (see gdbp/checks/optim.py)."""
    for seed in seeds:
        rng = np.random.default_rng(seed)
        hp = {sample_hp}
        param = rng.normal(size=shape)
        ref_param = param.copy()
        state = ref_state = None
        for step in range(steps):
            grad = rng.normal(size=shape) * 10.0 ** rng.uniform(-6, 1, size=shape)
            param, state = {fn}(param, grad, state, **hp)
            ref_param, ref_state = gdbp.optim.{fn}(ref_param, grad, ref_state, **hp)
            np.testing.assert_allclose(param, ref_param, rtol=1e-9, atol=1e-12,
                                       err_msg=f"{fn}: seed {{seed}}, step {{step + 1}}, hyperparameters {{hp}}")


_agrees_with_reference_over_seeds()
'''


nb = Notebook(NAME)

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
# 09 · Adaptive learning rates: Adagrad, RMSprop, Adadelta

## Learning goals

- You will see why **one learning rate for every parameter** is a poor fit when gradients have very
  different sizes, and how dividing by a running size of each coordinate's gradient gives every parameter
  its own step size.
- You will write **Adagrad** (a sum of all past squared gradients) and explain why its step sizes can only
  shrink: the decay problem.
- You will write **RMSprop**, which replaces the sum by an exponential moving average and so forgets.
- You will write **Adadelta**, which also fixes the *units* of the step and needs no learning rate at all.
- You will know where `eps` goes in each formula (inside the square root here, as in Ruder's overview;
  outside in PyTorch) and when that matters.
- You will measure the **effective per-coordinate step size** of any optimizer from its trajectory.

**Where we are.** Backpropagation computes the gradient, gradient descent uses it (the course's seed
question). Notebook 08 changed *how much of the past* a step remembers (momentum). This notebook changes *how
long the step is in each coordinate*. The rules still see only `param` and `grad`: on a network, one array of
`params` and the array backprop returned for it in `grads`. Ruder's overview presents Adadelta before
RMSprop (the two were invented independently, around 2012); here RMSprop comes first because it is a
one-line change of Adagrad, and Adadelta builds on it.
""", cell_id="intro")
nb.exercise_rules()

nb.code(r'''
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from gdbp import optim
# values_along(objective, trajectory): the objective at each finite point of a path (a diverged run is cut
# short); yours_or_reference(fn, reference): your rule once it passes its checker, else gdbp's, with a note
from gdbp.course import values_along, yours_or_reference
from gdbp.descent import diverged, optimize
from gdbp.objectives import get_objective
from gdbp.plotting import color_for, plot_contours, plot_losses

valley = get_objective("ill_conditioned")
rosenbrock = get_objective("rosenbrock")
print(f"valley:     f = {valley.formula}, start {valley.start}")
print(f"rosenbrock: f = {rosenbrock.formula}, start {rosenbrock.start}")
''', cell_id="setup")

nb.code(r'''
def effective_step_sizes(objective, trajectory):
    """The step size each coordinate actually got at each step: |theta_t - theta_{t-1}| / |g_t|, shape (k, 2).

    g_t is the gradient at theta_{t-1}. For SGD this is lr in every coordinate and at every step; an
    adaptive method gives each coordinate its own, changing over time. nan where g_t is exactly 0.
    """
    trajectory = trajectory[np.isfinite(trajectory).all(axis=1)]
    grads = np.abs(objective.grad(trajectory[:-1]))
    steps = np.abs(np.diff(trajectory, axis=0))
    return np.divide(steps, grads, out=np.full_like(steps, np.nan), where=grads > 0)


def plot_step_sizes(objective, runs, title):
    """Two panels, x and y: the effective step size of each run over the steps (log scales)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for name, run in runs.items():
        sizes = effective_step_sizes(objective, run)
        for coordinate, ax in enumerate(axes):
            ax.loglog(np.arange(1, len(sizes) + 1), sizes[:, coordinate], color=color_for(name), label=name)
    for coordinate, ax in zip("xy", axes):
        ax.set(xlabel="step t", title=f"{title}: coordinate {coordinate}")
    axes[0].set_ylabel("effective step size |step| / |grad|")
    axes[0].legend(fontsize="small")
    fig.tight_layout()
    plt.show()
    plt.close(fig)
''', cell_id="helpers")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 1. One learning rate does not fit all parameters

On the valley $f = 0.1x^2 + 2y^2$ the gradient is $(0.2x,\ 4y)$: for the same distance from the minimum,
the $y$ gradient is 20 times larger. A network is the same, only more so: the weights of a rarely active input
get few and small gradients, the biases of the last layer large and frequent ones. With one $\eta$ the
steepest parameter decides how large it may be, and every other parameter crawls (notebook 08).

**Idea:** divide each coordinate's step by a running measure of *its own* gradient size,

$$\theta_{t,i} = \theta_{t-1,i} - \frac{\eta}{\text{size of recent } g_{\cdot, i}}\; g_{t,i},$$

so that a coordinate with small gradients gets a larger step size and one with large gradients a smaller one.
All operations in this notebook are element-wise: $g_t^2$ is `grad**2`, one number per parameter.

**Worked example: the first step.** Measure the size as $\sqrt{g^2 + \epsilon}$. At the first step
$\sqrt{g_1^2 + \epsilon} \approx |g_1|$, so every coordinate moves by about $\eta$, whatever its gradient: the
step is close to $\eta \operatorname{sign}(g_1)$. And it does not change if the loss is multiplied by 100 (all
gradients $\times 100$), while SGD's step is 100 times longer:
""", cell_id="md_idea")

nb.code(r'''
lr, eps = 0.1, 1e-8
for scale in (1, 100):
    g = scale * valley.grad(valley.start)
    print(f"loss x {scale:3d}: gradient {g},  SGD step {-lr * g},  "
          f"divided by the gradient size {-lr * g / np.sqrt(g**2 + eps)}")
''', cell_id="first_step")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 2. Adagrad: divide by the root of all past squared gradients

Adagrad (Duchi, Hazan & Singer 2011; Ruder, section *Adagrad*) measures the size of a coordinate's gradients
by the **sum of all its squared gradients so far**:

$$\boxed{\;G_t = G_{t-1} + g_t^2, \qquad \theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{G_t + \epsilon}}\, g_t\;} \qquad (G_0 = 0),$$

element-wise, with $\theta_{t-1}$ = `param`, $g_t$ = `grad`, $\eta$ = `lr`, $\epsilon$ = `eps`. Frequent, large
gradients build up $G$ quickly and get small steps; rare, small ones keep large steps.

**Where `eps` goes.** In this exercise, as in Ruder's overview and the paper convention of `gdbp.optim` that
the checker uses, $\epsilon$ is **inside** the square root: $\sqrt{G_t + \epsilon}$. PyTorch
(`torch.optim.Adagrad`) puts it **outside**, $\sqrt{G_t} + \epsilon$, with the default $\epsilon = 10^{-10}$.
The two agree unless $G_t$ is about as small as $\epsilon$, and then they differ a lot:
""", cell_id="md_adagrad")

nb.code(r'''
grad = np.array([1e-8, 1.0])  # a coordinate with a tiny gradient, and a normal one
G = grad**2                   # G after the first step
denominators = {"eps inside the root (this course)": np.sqrt(G + 1e-8),
                "eps outside the root (PyTorch)   ": np.sqrt(G) + 1e-10}
for where, denominator in denominators.items():
    print(f"{where}: denominator {denominator}, step / lr = grad / denominator = {grad / denominator}")
''', cell_id="eps_placement")

nb.md(r"""
Inside the root, $\sqrt{10^{-16} + 10^{-8}} = 10^{-4}$ damps the tiny gradient: its step is $10^{-4}\,\eta$. Outside,
$10^{-8} / (10^{-8} + 10^{-10}) \approx 1$: the tiny gradient gets a full step of about $\eta$. The checker has a
case with gradients around $10^{-8}$ that tells the two apart.

### Exercise 1: Adagrad (2 points)

Write `adagrad(param, grad, state, lr=0.01, eps=1e-8) -> (new_param, new_state)`, one step of the boxed rule:

- `param`: array of floats, any shape (also 0-d): $\theta_{t-1}$. `grad`: array of the same shape: $g_t$.
- `state`: `None` on the first call; afterwards exactly what your function returned as `new_state`. It holds
  $G$, the running sum of squared gradients (an array of `param`'s shape), in a form of your choice (the
  array itself, a tuple, a dict). When `state` is `None`, start from $G_0$ = `np.zeros_like(param)`.
- `lr` ($\eta$, default `0.01`), `eps` ($\epsilon$, default `1e-8`): keep these names and defaults.
- Follow the box: $G_t$ **includes** the current gradient, and **eps is inside the square root**,
  $\sqrt{G_t + \epsilon}$ (not PyTorch's form).
- Return `(new_param, new_state)`: `new_param` is $\theta_t$, a new array, and `new_state` holds the new $G_t$. Build new arrays: no `+=`/`-=` on `param`,
  `grad` or the arrays in `state`. Write it with numpy; importing `gdbp.optim.adagrad` does not count.
""", cell_id="md_adagrad_exercise")

nb.solution("adagrad", r'''
def adagrad(param, grad, state, lr=0.01, eps=1e-8):
    """One step of Adagrad, eps inside the square root (Ruder's form).

    param: array (any shape), grad: array of the same shape, state: None or the previous new_state.
    Returns (new_param, new_state), new_state holding G, the sum of the squared gradients so far.
    """
    ### BEGIN SOLUTION
    G_prev = np.zeros_like(param) if state is None else state
    G = G_prev + grad**2
    new_param = param - lr / np.sqrt(G + eps) * grad
    return new_param, G
    ### END SOLUTION
''')

nb.hints("adagrad", [r"""
The worked first step of section 1 divided by $\sqrt{g_1^2 + \epsilon}$. Adagrad divides by the same root of
a **sum**: keep the running sum of squared gradients in the state, add this step's before you divide, and
return the new sum (the state contract of notebook 08).
""", r"""
$$G_t = G_{t-1} + g_t^2, \qquad \theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{G_t + \epsilon}}\, g_t,$$

entrywise: `grad**2` squares each entry, `np.sqrt` takes each root, and every array has `param`'s shape.
""", r"""
```python
def adagrad(param, grad, state, lr=0.01, eps=1e-8):
    G_prev = ...            # from state, or np.zeros_like(param) on the first call
    G = ...                 # the sum, with this step's squared gradient
    new_param = ...         # the step, eps inside the root
    return new_param, G
```
"""])

nb.test("test_adagrad", points=2, source=r'''
"""adagrad: the sum of squared gradients, eps inside the square root, against gdbp.optim.adagrad."""
from gdbp.checks import check_adagrad

check_adagrad(adagrad)
''', hidden=hidden_tests("adagrad", "dict(lr=rng.uniform(0.001, 0.5), eps=10.0 ** rng.uniform(-10, -4))"))

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 3. The decay problem

$G_t$ only grows, so each coordinate's step size $\eta/\sqrt{G_t + \epsilon}$ can **only shrink**. If a
gradient keeps about the same size $c$, then $G_t \approx t\,c^2$ and the step size is about $\eta/(c\sqrt{t})$:
after 10,000 steps 1% of what it was. Worse, a few large gradients early on (a steep wall, the first noisy
batches of training) stay in the sum for ever.

Rosenbrock shows it. At the start the walls are steep (gradients in the hundreds), and Adagrad's step sizes
fall within a few steps to values they can never leave, although on the flat valley floor larger steps would
be safe. (Its first step is $\eta = 0.5$ long in each coordinate: the worked example of section 1.) The
right panel measures the step size each coordinate actually got, $|\theta_t - \theta_{t-1}| / |g_t|$
(the helper `effective_step_sizes` above: it works for any optimizer, from its trajectory alone).
""", cell_id="md_decay")

nb.code(r'''
adagrad_rule = yours_or_reference(adagrad, optim.adagrad, np.zeros(2), np.ones(2), None)
adagrad_run = optimize(rosenbrock.grad, rosenbrock.start, adagrad_rule, 2000, lr=0.5)
sizes = effective_step_sizes(rosenbrock, adagrad_run)
for t in (1, 10, 100, 2000):
    print(f"step {t:5d}: effective step sizes (x, y) = {sizes[t - 1].round(5)}")
print(f"after 2000 steps: {adagrad_run[-1].round(3)}, f = {values_along(rosenbrock, adagrad_run)[-1]:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
plot_contours(rosenbrock, {"adagrad": adagrad_run}, ax=axes[0])
for coordinate, style in zip("xy", ("-", "--")):
    axes[1].loglog(np.arange(1, len(sizes) + 1), sizes[:, "xy".index(coordinate)], style,
                   color=color_for("adagrad"), label=f"adagrad, coordinate {coordinate}")
axes[1].set(xlabel="step t", ylabel="effective step size", title="Adagrad's step sizes never grow back")
axes[1].legend()
plt.show()
plt.close(fig)
''', cell_id="decay")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 4. RMSprop: a moving average that forgets

RMSprop (Hinton's Coursera lecture 6e, 2012; Ruder, section *RMSprop*) keeps Adagrad's division but replaces
the sum by an **exponential moving average** of the squared gradients, the same kind of memory as momentum's
velocity in notebook 08 (with weights $1 - \rho$ that add up to 1, so it is an average):

$$\boxed{\;E[g^2]_t = \rho\, E[g^2]_{t-1} + (1 - \rho)\, g_t^2, \qquad \theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{E[g^2]_t + \epsilon}}\, g_t\;} \qquad (E[g^2]_0 = 0).$$

$\sqrt{E[g^2]_t}$ is the root mean square (RMS) of the recent gradients, over about $1/(1 - \rho)$ steps.
Gradients older than that are forgotten, so the step size can grow again when the gradients get smaller.
With $\rho$ = `rho`; Ruder and Hinton suggest $\rho = 0.9$ and $\eta = 0.001$.

**Where `eps` goes**: again **inside** the square root in this exercise (Ruder's form, `gdbp.optim.rmsprop`'s
paper convention). `torch.optim.RMSprop` puts it outside, $\sqrt{E[g^2]_t} + \epsilon$, calls $\rho$ `alpha` and
uses the defaults `lr=0.01, alpha=0.99`.

### Exercise 2: RMSprop (2 points)

Write `rmsprop(param, grad, state, lr=0.001, rho=0.9, eps=1e-8) -> (new_param, new_state)`:

- `param`, `grad`: arrays of the same shape (any shape, also 0-d): $\theta_{t-1}$ and $g_t$.
- `state`: `None` on the first call (start from $E[g^2]_0$ = `np.zeros_like(param)`), afterwards what your
  function returned; it holds $E[g^2]$, an array of `param`'s shape, in a form of your choice.
- `lr` ($\eta$, default `0.001`), `rho` ($\rho$, default `0.9`), `eps` ($\epsilon$, default `1e-8`).
- Follow the box: the average $E[g^2]_t$ **includes** the current gradient, and **eps is inside the square
  root**.
- Return `(new_param, new_state)` with the new $E[g^2]_t$ in `new_state`; no in-place changes; do not import
  `gdbp.optim.rmsprop`.
""", cell_id="md_rmsprop")

nb.solution("rmsprop", r'''
def rmsprop(param, grad, state, lr=0.001, rho=0.9, eps=1e-8):
    """One step of RMSprop, eps inside the square root (Ruder's form).

    param: array (any shape), grad: array of the same shape, state: None or the previous new_state.
    Returns (new_param, new_state), new_state holding E[g^2], the moving average of the squared gradients.
    """
    ### BEGIN SOLUTION
    avg_sq_grad_prev = np.zeros_like(param) if state is None else state
    avg_sq_grad = rho * avg_sq_grad_prev + (1 - rho) * grad**2
    new_param = param - lr / np.sqrt(avg_sq_grad + eps) * grad
    return new_param, avg_sq_grad
    ### END SOLUTION
''')

nb.hints("rmsprop", [r"""
Your `adagrad` with one line changed: the running **sum** becomes a running **average**, the moving average
of notebook 08 with weights $\rho$ for the old value and $1 - \rho$ for the new squared gradient.
""", r"""
$$E[g^2]_t = \rho\, E[g^2]_{t-1} + (1 - \rho)\, g_t^2, \qquad
\theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{E[g^2]_t + \epsilon}}\, g_t .$$
""", r"""
```python
def rmsprop(param, grad, state, lr=0.001, rho=0.9, eps=1e-8):
    avg_sq_grad_prev = ...  # from state, or zeros on the first call
    avg_sq_grad = ...       # the moving average, with this step's squared gradient
    new_param = ...         # as in adagrad, with the average instead of the sum
    return new_param, avg_sq_grad
```
"""])

nb.test("test_rmsprop", points=2, source=r'''
"""rmsprop: a moving average of squared gradients, eps inside the square root, against gdbp.optim.rmsprop."""
from gdbp.checks import check_rmsprop

check_rmsprop(rmsprop)
''', hidden=hidden_tests(
    "rmsprop", "dict(lr=rng.uniform(0.001, 0.1), rho=rng.uniform(0.5, 0.99), eps=10.0 ** rng.uniform(-10, -4))"))

nb.md(r"""
### RMSprop forgets the steep start

The same Rosenbrock start, 2000 steps. RMSprop's step sizes first *shrink* (the steep wall) and then *grow*
again by an order of magnitude once the gradients on the valley floor are smaller: the average has forgotten
the wall. Adagrad's stay where the wall left them. (Each with a learning rate that worked well among a few
tried: $0.5$ for Adagrad, $0.01$ for RMSprop.)
""", cell_id="md_rmsprop_rosenbrock")

nb.code(r'''
rmsprop_rule = yours_or_reference(rmsprop, optim.rmsprop, np.zeros(2), np.ones(2), None)
runs = {"adagrad": adagrad_run,
        "rmsprop": optimize(rosenbrock.grad, rosenbrock.start, rmsprop_rule, 2000, lr=0.01)}
for name, run in runs.items():
    print(f"{name:8s} after 2000 steps: {run[-1].round(3)}, f = {values_along(rosenbrock, run)[-1]:.4f}")
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
plot_contours(rosenbrock, runs, ax=axes[0])
plot_losses({name: values_along(rosenbrock, run) for name, run in runs.items()}, ax=axes[1])
plt.show()
plt.close(fig)
plot_step_sizes(rosenbrock, runs, "Rosenbrock")
''', cell_id="rmsprop_rosenbrock")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 5. Adadelta: steps in the right units, no learning rate

Zeiler (2012) noticed that the **units** do not match. If $\theta$ is measured in metres and the loss $J$ in
joules, $g = \partial J/\partial\theta$ is in J/m, so:

- in SGD, $\Delta\theta = -\eta\, g$ is in metres only if $\eta$ is in m²/J;
- in Adagrad and RMSprop, $g / \sqrt{E[g^2]}$ has no units, so $\eta$ must carry metres: it is a *length*, and
  it has to be chosen for each problem's scale.
- Newton's method, $\Delta\theta = -H^{-1} g$ with $H = \partial^2 J / \partial\theta^2$ in J/m², does get
  metres. Zeiler's trick is to approximate the missing factor, something in metres, by the **RMS of the
  recent steps** themselves.

With $\mathrm{RMS}[x]_t = \sqrt{E[x^2]_t + \epsilon}$, Adadelta is (Ruder, section *Adadelta*):

$$
\boxed{
\begin{aligned}
E[g^2]_t &= \rho\, E[g^2]_{t-1} + (1 - \rho)\, g_t^2 \\
\Delta\theta_t &= -\frac{\mathrm{RMS}[\Delta\theta]_{t-1}}{\mathrm{RMS}[g]_t}\, g_t \\
E[\Delta\theta^2]_t &= \rho\, E[\Delta\theta^2]_{t-1} + (1 - \rho)\, \Delta\theta_t^2 \\
\theta_t &= \theta_{t-1} + \Delta\theta_t
\end{aligned}}
\qquad (E[g^2]_0 = E[\Delta\theta^2]_0 = 0).
$$

The first line is RMSprop's average. The step uses $\mathrm{RMS}[\Delta\theta]_{t-1}$, the average of the steps
**before** this one (this step is not known yet), and $\mathrm{RMS}[g]_t$, which **includes** the current
gradient. There is **no learning rate**.

**Worked example: `eps` is the hidden learning rate.** At the first step $E[\Delta\theta^2]_0 = 0$, so
$\mathrm{RMS}[\Delta\theta]_0 = \sqrt{\epsilon}$ and, for a gradient much larger than $\sqrt\epsilon$,
$|\Delta\theta_1| = \sqrt{\epsilon}\,|g_1| / \sqrt{(1 - \rho)\,g_1^2 + \epsilon} \approx \sqrt{\epsilon/(1 - \rho)}$.
With $\epsilon = 10^{-6}$ and $\rho = 0.9$: about $3.2 \times 10^{-3}$ per coordinate, whatever the gradient.
The steps then grow slowly as $E[\Delta\theta^2]$ fills up: Adadelta starts cautiously.

**Where `eps` goes**: inside both square roots, in Ruder's form and in PyTorch alike. `torch.optim.Adadelta`
adds one thing, a learning rate that multiplies $\Delta\theta_t$ (default `lr=1.0`, which gives the formula
above); the paper form, and this exercise, has none.

### Exercise 3: Adadelta (3 points)

Write `adadelta(param, grad, state, rho=0.9, eps=1e-6) -> (new_param, new_state)`:

- `param`, `grad`: arrays of the same shape (any shape, also 0-d): $\theta_{t-1}$ and $g_t$.
- `state`: `None` on the first call, afterwards what your function returned. It holds **two** arrays of
  `param`'s shape, $E[g^2]$ and $E[\Delta\theta^2]$ (names in `gdbp`: `avg_sq_grad`, `avg_sq_delta`), e.g.
  as a tuple; when `state` is `None` both start as `np.zeros_like(param)`.
- `rho` ($\rho$, default `0.9`) and `eps` ($\epsilon$, default `1e-6`). No `lr` argument.
- Follow the four lines of the box **in their order**: the step $\Delta\theta_t$ uses the average of the
  squared steps **before** this one, $E[\Delta\theta^2]_{t-1}$, and the average of the squared gradients
  **including** this one, $E[g^2]_t$; **eps is inside both square roots** ($\mathrm{RMS}[x] =
  \sqrt{E[x^2] + \epsilon}$); $\Delta\theta_t$ already points downhill, so it is **added** to the parameter.
- Return `(new_param, new_state)` with both new averages in `new_state`; no in-place changes; do not import
  `gdbp.optim.adadelta`.
""", cell_id="md_adadelta")

nb.solution("adadelta", r'''
def adadelta(param, grad, state, rho=0.9, eps=1e-6):
    """One step of Adadelta (Ruder's form: no learning rate, eps inside both square roots).

    param: array (any shape), grad: array of the same shape, state: None or the previous new_state.
    Returns (new_param, new_state), new_state holding both moving averages.
    """
    ### BEGIN SOLUTION
    if state is None:
        state = (np.zeros_like(param), np.zeros_like(param))
    avg_sq_grad_prev, avg_sq_delta_prev = state
    avg_sq_grad = rho * avg_sq_grad_prev + (1 - rho) * grad**2
    delta = -np.sqrt(avg_sq_delta_prev + eps) / np.sqrt(avg_sq_grad + eps) * grad
    avg_sq_delta = rho * avg_sq_delta_prev + (1 - rho) * delta**2
    return param + delta, (avg_sq_grad, avg_sq_delta)
    ### END SOLUTION
''')

nb.hints("adadelta", [r"""
Two moving averages, each RMSprop's kind: one of the squared gradients (as in `rmsprop`) and one of the
squared **steps**. The step divides the RMS of the past steps by the RMS of the gradients, which makes its
units those of the parameter; then the new step enters its own average. Keep both averages in the state.
""", r"""
In the box's order, with $\mathrm{RMS}[x] = \sqrt{E[x^2] + \epsilon}$:

1. $E[g^2]_t$ from $E[g^2]_{t-1}$ and $g_t^2$;
2. $\Delta\theta_t = -\,\mathrm{RMS}[\Delta\theta]_{t-1} / \mathrm{RMS}[g]_t \cdot g_t$: the **old** step average,
   the **new** gradient average;
3. $E[\Delta\theta^2]_t$ from $E[\Delta\theta^2]_{t-1}$ and $\Delta\theta_t^2$;
4. $\theta_t = \theta_{t-1} + \Delta\theta_t$.

Doing 2 before 1 (the old gradient average) or 3 before 2 (the new step average) are the classic slips.
""", r"""
```python
def adadelta(param, grad, state, rho=0.9, eps=1e-6):
    if state is None:
        state = ...                         # two arrays of zeros
    avg_sq_grad_prev, avg_sq_delta_prev = state
    avg_sq_grad = ...                       # line 1
    delta = ...                             # line 2
    avg_sq_delta = ...                      # line 3
    return ..., (avg_sq_grad, avg_sq_delta) # line 4, and the new state
```
"""])

nb.test("test_adadelta", points=3, source=r'''
"""adadelta: RMS of past steps over RMS of gradients, no learning rate, against gdbp.optim.adadelta."""
from gdbp.checks import check_adadelta

check_adadelta(adadelta)
''', hidden=hidden_tests("adadelta", "dict(rho=rng.uniform(0.5, 0.99), eps=10.0 ** rng.uniform(-8, -3))"))

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 6. The four side by side on the valley

SGD at its best learning rate for this quadratic (0.45, notebook 08), Adagrad ($\eta = 0.5$), RMSprop
($\eta = 0.05$) and Adadelta (its defaults: it has no learning rate), 300 steps from the same start.
""", cell_id="md_race")

nb.code(r'''
adadelta_rule = yours_or_reference(adadelta, optim.adadelta, np.zeros(2), np.ones(2), None)
rules = {"sgd": (optim.sgd, dict(lr=0.45)), "adagrad": (adagrad_rule, dict(lr=0.5)),
         "rmsprop": (rmsprop_rule, dict(lr=0.05)), "adadelta": (adadelta_rule, dict())}
runs = {name: optimize(valley.grad, valley.start, rule, 300, **hp) for name, (rule, hp) in rules.items()}
for name, run in runs.items():
    print(f"{name:8s} after 300 steps: {run[-1].round(4)}, f = {values_along(valley, run)[-1]:.1e}")
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
plot_contours(valley, runs, ax=axes[0])
plot_losses({name: values_along(valley, run) for name, run in runs.items()}, ax=axes[1])
plt.show()
plt.close(fig)
plot_step_sizes(valley, runs, "valley")
''', cell_id="race")

nb.md(r"""
How to read the step-size panels:

- **SGD** is a flat line at $\eta = 0.45$ in both coordinates: one learning rate for all.
- **Adagrad** starts with a step size about 7 times larger in $x$ than in $y$ (the first gradients are
  $-0.9$ and $6$) and both only go down.
- **RMSprop**'s step sizes grow as the gradients shrink near the minimum: its steps stay around $\eta$ long.
  They grow until they reach the edge of stability of each coordinate, $2/\lambda$ (notebook 08): $10$ for
  $x$, $0.5$ for $y$; there the path oscillates, and with a constant $\eta$ it never settles but jitters at a
  distance of order $\eta$ from the minimum (the loss curve's floor). In practice one lowers $\eta$ over time
  (notebook 10).
- **Adadelta**'s steps start about $3 \times 10^{-3}$ long in each coordinate (the worked example), an
  effective step size of $3 \times 10^{-3}/|g|$, and grow slowly: after 300 steps it is still far from the
  minimum. With a larger $\epsilon$ it would start faster.

On this small, smooth problem a well-tuned SGD wins: adaptive methods are not magic. What they buy is shown
by the next cell: **robustness to scale**. Multiply the loss by 100 and run everything again with the same
hyperparameters.
""", cell_id="md_race_reading")

nb.code(r'''
def scaled_grad(p):
    """The gradient of 100 * f (a diverging run overflows silently; optimize then stops)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return 100 * valley.grad(p)


for name, (rule, hp) in rules.items():
    run = optimize(scaled_grad, valley.start, rule, 300, **hp)
    if diverged(run):
        print(f"{name:8s} loss x 100: diverged after {len(run) - 1} steps")
    else:
        print(f"{name:8s} loss x 100: f after 300 steps {values_along(valley, run)[-1]:.1e} "
              f"(unscaled: {values_along(valley, runs[name])[-1]:.1e}), first 100 steps moved by at most "
              f"{np.abs(run[:101] - runs[name][:101]).max():.0e} from the unscaled path")
''', cell_id="scaled")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## Recap

- Adaptive methods divide each coordinate's step by a running root-mean-square of its own gradients: every
  parameter gets its own step size, and the step no longer depends on the scale of the loss.
- **Adagrad** sums all squared gradients, $G_t = G_{t-1} + g_t^2$: good for rare features, but its step sizes
  only shrink (about like $1/\sqrt{t}$), and early large gradients are never forgotten.
- **RMSprop** uses a moving average instead, $E[g^2]_t = \rho E[g^2]_{t-1} + (1 - \rho) g_t^2$: it forgets
  after about $1/(1 - \rho)$ steps, so step sizes can grow again.
- **Adadelta** multiplies by the RMS of its own past steps instead of a learning rate, so the step has the
  parameter's units; $\epsilon$ sets the size of its first steps.
- In this course (Ruder's form) $\epsilon$ is inside the square roots; PyTorch's Adagrad and RMSprop put it
  outside. It matters only when the averaged $g^2$ is about as small as $\epsilon$.
- Backpropagation still provides `grad`; these rules only decide how far to move each parameter along it.
  Notebook 10 combines RMSprop's per-coordinate scaling with momentum: Adam.

## Questions

1. After the first step of Adagrad, how far has each coordinate moved (approximately), and why does it not
   depend on the size of the gradient?
2. A gradient coordinate stays about $0.5$ for 400 steps. What is Adagrad's effective step size for it then,
   with $\eta = 0.01$? And RMSprop's with $\rho = 0.9$?
3. Why can Adagrad's effective step size never increase, while RMSprop's can? Name a situation in training a
   network where that matters.
4. Which of the three methods has no learning rate, and what plays its role at the start of training?
5. With gradients around $10^{-8}$ in one coordinate, does PyTorch's Adagrad or this course's take the larger
   step in that coordinate? By roughly what factor?

<details><summary>Short answers</summary>

1. About $\eta$ in every coordinate: $g_1/\sqrt{g_1^2 + \epsilon} \approx \operatorname{sign}(g_1)$; the size of $g$
   cancels.
2. Adagrad: $G \approx 400 \cdot 0.25 = 100$, step size $0.01/\sqrt{100} = 0.001$. RMSprop: $E[g^2] \approx 0.25$,
   step size $0.001/0.5 = 0.002$ with its default $\eta = 0.001$ (or $0.02$ with $\eta = 0.01$), the same at
   step 400 as at step 20.
3. $G_t$ is a sum of non-negative terms, so it never decreases; an average forgets old terms. It matters when
   gradients are large early (first batches, a steep region) and small later: Adagrad has used up its
   learning rate.
4. Adadelta; $\sqrt{\epsilon}$, through $\mathrm{RMS}[\Delta\theta]_0 = \sqrt\epsilon$: first steps of about
   $\sqrt{\epsilon/(1 - \rho)}$.
5. PyTorch's ($\epsilon$ outside the root): its step is about $\eta$, this course's about
   $\eta \cdot 10^{-8}/10^{-4} = 10^{-4}\eta$: a factor of about $10^4$.

</details>
""", cell_id="recap")

if __name__ == "__main__":
    print(nb.write())

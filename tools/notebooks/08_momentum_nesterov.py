"""Authoring source of solutions/08_momentum_nesterov: momentum and Nesterov on ill-conditioned valleys.

Run ``.venv/bin/python tools/notebooks/08_momentum_nesterov.py`` to rebuild the instructor notebook, then
regenerate the learner release with ``gdbp-course release 08_momentum_nesterov`` (see CONTRIBUTING).
Exercises (docs/exercises.md): ``momentum`` and ``nesterov``, checked by ``gdbp.checks.check_momentum`` /
``check_nesterov`` against ``gdbp.optim`` in its paper convention (Ruder's overview: lr inside the velocity).

Worked, then faded (issue 10): the worked example is a rule with state that is neither exercise (gradient
descent with the learning rate lr / sqrt(t), the state a step count); the exercises follow their algorithm
boxes (the paper's equations are the specification), and no cell shows their numpy code: the velocity demo
computes the unrolled weighted sum, and the look-ahead check runs gdbp's own ``momentum`` with the gradient at
the look-ahead point.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from tools.nbbuild import Notebook  # noqa: E402

NAME = "08_momentum_nesterov"


def hidden_tests(fn: str, sample_hp: str) -> str:
    """Instructor-only code of a test cell: the learner did not borrow gdbp's reference, and agrees with it
    over more seeds, another shape and other hyperparameters (``sample_hp``: an expression of ``rng``)."""
    return f'''
import gdbp.optim
from gdbp.instructor.hidden import assert_not_reference

assert_not_reference({fn}, gdbp.optim.{fn}, args=(np.array([1.0, -2.0]), np.array([0.5, 0.25]), None))


def _agrees_with_reference_over_seeds(seeds=(11, 12, 13), shape=(4, 3), steps=40):
    """40 steps on a (4, 3) parameter with random hyperparameters. Tolerance 1e-9 relative: a correct
    rule differs from the reference by a few ulps per step (see gdbp/checks/optim.py)."""
    for seed in seeds:
        rng = np.random.default_rng(seed)
        hp = {sample_hp}
        param = rng.normal(size=shape)
        ref_param = param.copy()
        state = ref_state = None
        for step in range(steps):
            grad = rng.normal(size=shape)
            param, state = {fn}(param, grad, state, **hp)
            ref_param, ref_state = gdbp.optim.{fn}(ref_param, grad, ref_state, **hp)
            np.testing.assert_allclose(param, ref_param, rtol=1e-9, atol=1e-12,
                                       err_msg=f"{fn}: seed {{seed}}, step {{step + 1}}, hyperparameters {{hp}}")


_agrees_with_reference_over_seeds()
'''


nb = Notebook(NAME)

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
# 08 · Momentum and Nesterov: rolling through ill-conditioned valleys

## Learning goals

- You will see why plain gradient descent **zig-zags across** a narrow valley and **crawls along** it, and
  compute the number that decides how badly: the condition number.
- You will read momentum as an **exponentially weighted sum of past gradients**, a heavy ball with friction,
  and write it as an update rule `momentum(param, grad, state, lr=0.01, momentum=0.9)`.
- You will derive **Nesterov's look-ahead** in the form that needs only the gradient at the current
  parameter, and write `nesterov(param, grad, state, lr=0.01, momentum=0.9)`.
- You will compare SGD, momentum and Nesterov on the ill-conditioned quadratic $0.1x^2 + 2y^2$ and on
  Rosenbrock's curved valley.
- You will know where your rules put the learning rate, and how PyTorch stores the same thing differently.

**Where we are.** The course asks: *how do gradient descent and backpropagation relate?* Backpropagation
(notebooks 05-07) **computes** the gradient of the loss with respect to every parameter; gradient descent
**uses** it to take a step. This notebook and the next two change only the second half: how a gradient is
turned into a step. An optimizer never sees the network; it receives `param` and `grad` (on a network: one
array of `params` and the matching array that backprop put in `grads`). To be able to *draw* the path we use
2-D objectives with a hand-written gradient instead of a network.
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
from gdbp.descent import optimize
from gdbp.objectives import get_objective
from gdbp.plotting import plot_contours, plot_losses

valley = get_objective("ill_conditioned")
rosenbrock = get_objective("rosenbrock")
print(f"valley:     f = {valley.formula}, start {valley.start}, minimum {valley.minima[0]}")
print(f"rosenbrock: f = {rosenbrock.formula}, start {rosenbrock.start}, minimum {rosenbrock.minima[0]}")
''', cell_id="setup")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 1. The problem: one learning rate for two curvatures

Take $f(x, y) = 0.1\,x^2 + 2\,y^2$. Its gradient is $\nabla f = (0.2\,x,\; 4\,y)$, so one gradient descent step
with learning rate $\eta$ acts on each coordinate separately:

$$x_{t} = (1 - 0.2\,\eta)\,x_{t-1}, \qquad y_{t} = (1 - 4\,\eta)\,y_{t-1}.$$

Each coordinate is multiplied by its own **factor** every step; it shrinks to 0 only if that factor lies in
$(-1, 1)$. The numbers $0.2$ and $4$ are the curvatures (the eigenvalues $\lambda$ of the Hessian), and the
rule is the same for every quadratic: the coordinate along an eigenvector with curvature $\lambda$ is
multiplied by $1 - \eta\lambda$.

- The **steep** direction sets the largest usable step: $|1 - 4\eta| < 1$ needs $\eta < 2/4 = 0.5$. Between
  $\eta = 0.25$ and $0.5$ the factor of $y$ is negative: $y$ changes sign every step, the path **zig-zags**.
- The **flat** direction then barely moves: with $\eta < 0.5$, $x$ keeps at least $1 - 0.2 \cdot 0.5 = 0.9$
  of itself per step: the path **crawls**.

The best fixed learning rate makes both factors equally bad: $\eta^* = 2/(\lambda_{\min} + \lambda_{\max})$,
giving the factor $\frac{\kappa - 1}{\kappa + 1}$ where $\kappa = \lambda_{\max}/\lambda_{\min}$ is the
**condition number**. Here $\kappa = 20$ and the factor is $19/21 \approx 0.905$. The plot shows the two
factors against $\eta$.
""", cell_id="md_conditioning")

nb.code(r'''
curvatures = {"x": 0.2, "y": 4.0}
lrs = np.linspace(0.0, 0.6, 601)
fig, ax = plt.subplots(figsize=(7, 4))
for coordinate, curvature in curvatures.items():
    ax.plot(lrs, np.abs(1 - lrs * curvature), label=f"{coordinate}: |1 - lr * {curvature:g}|")
ax.plot(lrs, np.maximum(np.abs(1 - 0.2 * lrs), np.abs(1 - 4.0 * lrs)), "k--", lw=1, label="the slower of the two")
best_lr = 2 / (0.2 + 4.0)
kappa = 4.0 / 0.2
ax.axvline(best_lr, color="grey", lw=0.8)
ax.axhline(1.0, color="red", lw=0.8)
ax.annotate(f"best lr = 2 / (0.2 + 4) = {best_lr:.3f}", (best_lr, 0.2), xytext=(0.05, 0.2))
ax.set(xlabel="learning rate lr", ylabel="factor per step |1 - lr * curvature|", ylim=(0, 1.5),
       title="Gradient descent on 0.1 x^2 + 2 y^2: above the red line a coordinate grows")
ax.legend(loc="upper left")
plt.show()
plt.close(fig)

factor = (kappa - 1) / (kappa + 1)
print(f"condition number kappa = {kappa:g}; best factor (kappa - 1) / (kappa + 1) = {factor:.3f}")
print(f"steps to shrink the distance 1000-fold at the best lr: {np.log(1e-3) / np.log(factor):.0f}")
''', cell_id="factor_plot")

nb.md(r"""
Here is what that means for the path. With a small learning rate the path is smooth but crawls; near the
largest stable one it zig-zags across the valley (the $y$ factor is $1 - 4 \cdot 0.45 = -0.8$) and still
crawls along it (the $x$ factor is $0.91$).
""", cell_id="md_sgd_valley")

nb.code(r'''
runs = {"small lr 0.05": optimize(valley.grad, valley.start, optim.sgd, 60, lr=0.05),
        "large lr 0.45": optimize(valley.grad, valley.start, optim.sgd, 60, lr=0.45)}
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
plot_contours(valley, runs, ax=axes[0])
plot_losses({name: values_along(valley, run) for name, run in runs.items()}, ax=axes[1])
axes[1].set_title("60 steps of plain gradient descent")
plt.show()
plt.close(fig)
''', cell_id="sgd_valley")

nb.md(r"""
**Rosenbrock's valley** $f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2$ is worse: the valley floor $y = x^2$ is
curved and nearly flat, its walls are steep. The curvature is no longer constant, but near a point it is
given by the Hessian

$$H = \begin{pmatrix} 2 - 400\,(y - x^2) + 800\,x^2 & -400\,x \\ -400\,x & 200 \end{pmatrix},$$

and, as on the quadratic, a step is stable only if $\eta < 2/\lambda_{\max}(H)$. The next cell computes that
bound at the start point and runs gradient descent right at it, for 1000 steps.
""", cell_id="md_rosenbrock")

nb.code(r'''
x, y = rosenbrock.start
hessian = np.array([[2 - 400 * (y - x**2) + 800 * x**2, -400 * x],
                    [-400 * x, 200.0]])
curvatures_at_start = np.linalg.eigvalsh(hessian)
print(f"curvatures at the start: {curvatures_at_start.round(1)}, condition number "
      f"{curvatures_at_start.max() / curvatures_at_start.min():.0f}; largest stable lr ~ "
      f"{2 / curvatures_at_start.max():.2e}")

sgd_run = optimize(rosenbrock.grad, rosenbrock.start, optim.sgd, 1000, lr=1e-3)
print(f"after 1000 steps of sgd (lr=1e-3): {sgd_run[-1].round(3)}, f = {rosenbrock.value(sgd_run[-1]):.3f}")
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
plot_contours(rosenbrock, {"sgd": sgd_run}, ax=axes[0])
plot_losses({"sgd": values_along(rosenbrock, sgd_run)}, ax=axes[1])
axes[1].set_title("SGD falls into the valley at once, then crawls along its floor")
plt.show()
plt.close(fig)
''', cell_id="sgd_rosenbrock")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 2. Remembering past gradients: exponentially weighted sums

Along the valley floor successive gradients point the same way; across the valley they alternate. An
optimizer that **adds up recent gradients** gains speed in the first case and cancels out the second. The
simplest memory is the recursion

$$v_t = \gamma\, v_{t-1} + \eta\, g_t, \qquad v_0 = 0 \quad\Longrightarrow\quad v_t = \eta \sum_{k=1}^{t} \gamma^{\,t-k}\, g_k,$$

an **exponentially weighted sum**: the gradient from $k$ steps ago counts with weight $\gamma^k$. With
$\gamma = 0.9$ the weights fall to $1/e$ after about $1/(1-\gamma) = 10$ steps, the memory length.

Worked example, the two extreme cases (summing the geometric series):

- **constant** gradient $g$: $v_t = \eta g\,\frac{1 - \gamma^t}{1 - \gamma} \to \frac{\eta g}{1 - \gamma}$,
  i.e. $10\,\eta g$ for $\gamma = 0.9$: **ten times** the plain step;
- **alternating** gradient $+g, -g, +g, \dots$: $|v_t| \to \frac{\eta |g|}{1 + \gamma} \approx 0.53\,\eta |g|$
  and the sign keeps flipping: the oscillation is **damped**.

(Some courses write the average form $v_t = \gamma v_{t-1} + (1 - \gamma)\, g_t$ and step by $\eta v_t$. It is
the same idea with the learning rate rescaled by $1 - \gamma$; not what the exercise below asks for.)
""", cell_id="md_ema")

nb.code(r'''
def velocity_unrolled(gradients, gamma, lr):
    """v_t = lr * sum_{k=1..t} gamma**(t - k) * g_k for t = 1..T: each velocity from its weighted sum."""
    return np.array([lr * np.sum(gamma ** (t - np.arange(1, t + 1)) * gradients[:t])
                     for t in range(1, len(gradients) + 1)])


gamma, lr, num_steps = 0.9, 1.0, 40
t = np.arange(1, num_steps + 1)
sequences = {"constant gradient": np.ones(num_steps),
             "alternating gradient": (-1.0) ** (t + 1),
             "noisy gradient (mean 1, std 2)": 1 + 2 * np.random.default_rng(0).normal(size=num_steps)}
limits = {"constant gradient": [lr / (1 - gamma)],
          "alternating gradient": [lr / (1 + gamma), -lr / (1 + gamma)],
          "noisy gradient (mean 1, std 2)": [lr / (1 - gamma)]}
fig, axes = plt.subplots(1, 3, figsize=(10, 3.4), sharey=True)
for ax, (label, gradients) in zip(axes, sequences.items()):
    velocities = velocity_unrolled(gradients, gamma, lr)
    ax.plot(t, gradients, "o", ms=3, color="grey", label="gradient g_t")
    ax.plot(t, velocities, color="C1", label=f"v_t (gamma = {gamma})")
    for limit in limits[label]:
        ax.axhline(limit, color="C1", ls=":", lw=1)
    ax.set_title(label, fontsize="medium")
    ax.set_xlabel("step t")
axes[0].legend(fontsize="small")
fig.tight_layout()
plt.show()
plt.close(fig)
''', cell_id="ema_plot")

nb.md(r"""
### A worked example: an update rule that keeps state

Every update rule of the course has the contract of `gdbp.optim`, which notebook 04's `sgd` had with an empty
state:

```python
new_param, new_state = rule(param, grad, state, **hyperparameters)   # state is None on the first call
```

The caller (here `gdbp.descent.optimize`, on a network the `Optimizer`) keeps whatever the rule returned as
`new_state` and passes it back, unchanged, at the next call. A rule that remembers anything, a velocity, a
sum, a step count, keeps it there, and only there. Here is a rule that needs a memory and is **not** one of
this notebook's exercises: gradient descent whose learning rate decays as $\eta/\sqrt t$ at step $t$,

$$t \leftarrow t + 1, \qquad \theta_t = \theta_{t-1} - \frac{\eta}{\sqrt t}\, g_t \qquad (t = 0 \text{ before the first step}).$$

Its state is the number of steps taken so far. Three things to copy from it: the first call (`state is None`)
starts from the initial state; the function computes **new** values (nothing is changed in place, so the
caller's arrays and the old state stay valid); and it returns the new state next to the new parameter.
""", cell_id="md_state_worked")

nb.code(r'''
def sgd_sqrt_decay(param, grad, state, lr=0.1):
    """Gradient descent with the learning rate lr / sqrt(t) at step t. The state is t, the steps taken so far."""
    t = 1 if state is None else state + 1  # this call makes step t; the first call (state None) is step 1
    new_param = param - lr / np.sqrt(t) * grad
    return new_param, t                # the caller passes this t back at the next call


param, state = valley.start.copy(), None
for _ in range(3):
    new_param, state = sgd_sqrt_decay(param, valley.grad(param), state, lr=0.45)
    print(f"step {state}: learning rate {0.45 / np.sqrt(state):.3f}, param {param} -> {new_param}")
    param = new_param
run = optimize(valley.grad, valley.start, sgd_sqrt_decay, 100, lr=0.45)  # optimize threads the state the same way
print(f"after 100 steps: {run[-1].round(4)}, f = {values_along(valley, run)[-1]:.2e}")
''', cell_id="state_worked")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 3. Momentum: a heavy ball with friction

Picture the parameter as a ball rolling on the loss surface: the negative gradient is a force that
accelerates it, $v$ is its velocity, and friction removes a fraction $1 - \gamma$ of the velocity every step.
The update (Qian 1999; Ruder's overview, section *Momentum*) is

$$\boxed{\;v_t = \gamma\, v_{t-1} + \eta\, g_t, \qquad \theta_t = \theta_{t-1} - v_t\;} \qquad (v_0 = 0),$$

with $\theta_{t-1}$ = `param`, $g_t$ = `grad` (the gradient at `param`), $\eta$ = `lr`, $\gamma$ = `momentum`
(usually $0.9$). With $\gamma = 0$ it is plain SGD.

**Where the learning rate sits.** In this form (the paper convention of `gdbp.optim`, which the checker
follows) $\eta$ is **inside** the velocity: $v$ is already a step, in the units of the parameter.
**PyTorch stores it differently**: `torch.optim.SGD(momentum=0.9)` keeps a buffer *without* the learning rate
and multiplies afterwards,

$$b_t = \mu\, b_{t-1} + g_t, \qquad \theta_t = \theta_{t-1} - \eta\, b_t .$$

While $\eta$ is constant the two give the same parameters ($v_t = \eta\, b_t$). When a schedule changes
$\eta$ they differ: the paper's velocity keeps the learning rates it was built with, PyTorch applies the new
one to the whole buffer. The checker has a case where `lr` changes between calls, so it can tell them apart.

### Exercise 1: momentum (2 points)

Write `momentum(param, grad, state, lr=0.01, momentum=0.9) -> (new_param, new_state)`, one step of the boxed
update:

- `param`: array of floats, any shape (also 0-d): $\theta_{t-1}$. `grad`: array of the same shape: $g_t$.
- `state`: `None` on the first call; afterwards exactly what your function returned as `new_state` the call
  before. It must hold the velocity $v$ (an array of `param`'s shape); the form is your choice (the array
  itself, a tuple, a dict). When `state` is `None`, start from $v_0$ = `np.zeros_like(param)`.
- `lr` ($\eta$, default `0.01`) and `momentum` ($\gamma$, default `0.9`): keep these names and defaults. Inside
  the function the name `momentum` means the number $\gamma$, not the function; that is fine.
- Return `(new_param, new_state)`: `new_param` is $\theta_t$ of the box, a new array of `param`'s shape, and
  `new_state` holds the new velocity $v_t$. The learning rate is **inside** the velocity, as in the box (not
  PyTorch's form).
- Build new arrays: do not change `param`, `grad` or the arrays in `state` in place (no `-=`, no `+=`).
- Write it with numpy; importing `gdbp.optim.momentum` does not count (the grader checks).
""", cell_id="md_momentum")

nb.solution("momentum", r'''
def momentum(param, grad, state, lr=0.01, momentum=0.9):
    """One step of gradient descent with momentum, learning rate inside the velocity (Ruder's form).

    param: array (any shape), grad: array of the same shape, state: None or the previous new_state.
    Returns (new_param, new_state), new_state holding the velocity v.
    """
    ### BEGIN SOLUTION
    v_prev = np.zeros_like(param) if state is None else state
    v = momentum * v_prev + lr * grad
    new_param = param - v
    return new_param, v
    ### END SOLUTION
''')

nb.hints("momentum", [r"""
The shape of `sgd_sqrt_decay` fits: on the first call build the initial state, then compute the new
velocity from the old one and the gradient, then the new parameter from the new velocity, and return both.
The state here is the velocity array itself (or a container holding it) instead of a step count.
""", r"""
The box, line by line, with the code's names: $v_t$ from $v_{t-1}$ (the velocity in `state`, or zeros on the
first call), `momentum` ($\gamma$), `lr` ($\eta$) and `grad` ($g_t$); then $\theta_t = \theta_{t-1} - v_t$.
All operations are entrywise, and every array has `param`'s shape.
""", r"""
```python
def momentum(param, grad, state, lr=0.01, momentum=0.9):
    v_prev = ...            # the velocity from state, or np.zeros_like(param) on the first call
    v = ...                 # the first line of the box
    new_param = ...         # the second line
    return new_param, v     # the state you will receive back at the next call
```
"""])

nb.test("test_momentum", points=2, source=r'''
"""momentum: Ruder's form (lr inside the velocity) against gdbp.optim.momentum, step by step."""
from gdbp.checks import check_momentum

check_momentum(momentum)
''', hidden=hidden_tests("momentum", "dict(lr=rng.uniform(0.001, 0.2), momentum=rng.uniform(0.5, 0.99))"))

nb.md(r"""
### Momentum on the valley

Same learning rate $\eta = 0.05$ for both runs, 100 steps. Along $x$ the gradients keep their sign and the
velocity builds up towards $\eta g/(1 - \gamma)$, ten times the SGD step; across the valley the oscillation
is damped. (The next cells use your `momentum` once it passes; until then they show gdbp's reference.)
""", cell_id="md_momentum_valley")

nb.code(r'''
momentum_rule = yours_or_reference(momentum, optim.momentum, np.zeros(2), np.ones(2), None)
runs = {"sgd": optimize(valley.grad, valley.start, optim.sgd, 100, lr=0.05),
        "momentum": optimize(valley.grad, valley.start, momentum_rule, 100, lr=0.05, momentum=0.9)}
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
plot_contours(valley, runs, ax=axes[0])
plot_losses({name: values_along(valley, run) for name, run in runs.items()}, ax=axes[1])
axes[1].set_title("lr = 0.05 for both: momentum travels much further")
plt.show()
plt.close(fig)
''', cell_id="momentum_valley")

nb.md(r"""
**Is that only because the steps are larger?** A fair comparison tunes each method. For a quadratic the best
values are known (Polyak 1964): plain gradient descent at $\eta^* = 2/(\lambda_{\min} + \lambda_{\max})$
shrinks the error by $\frac{\kappa - 1}{\kappa + 1}$ per step, momentum at
$\eta = 4/(\sqrt{\lambda_{\max}} + \sqrt{\lambda_{\min}})^2$ and
$\gamma = \big(\frac{\sqrt{\kappa} - 1}{\sqrt{\kappa} + 1}\big)^2$ by $\frac{\sqrt{\kappa} - 1}{\sqrt{\kappa} + 1}$:
the condition number enters only through its square root. For $\kappa = 20$: $0.905$ against $0.635$.
""", cell_id="md_tuned")

nb.code(r'''
lam_min, lam_max = 0.2, 4.0
kappa = lam_max / lam_min
tuned = {
    "sgd": dict(lr=2 / (lam_min + lam_max)),
    "momentum": dict(lr=4 / (np.sqrt(lam_max) + np.sqrt(lam_min)) ** 2,
                     momentum=((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2),
}
rules = {"sgd": optim.sgd, "momentum": momentum_rule}
for name, hp in tuned.items():
    f = values_along(valley, optimize(valley.grad, valley.start, rules[name], 200, **hp))
    reached = np.flatnonzero(f < 1e-8)
    steps = f"{reached[0]} steps" if reached.size else "not within 200 steps"
    print(f"{name:9s} {', '.join(f'{k}={v:.3f}' for k, v in hp.items()):30s} f < 1e-8 after {steps}")
''', cell_id="tuned")

nb.md(r"""
### Momentum on Rosenbrock

Same learning rate as SGD above ($10^{-3}$, about the largest the start allows), 1000 steps. The velocity
carries the ball along the curved floor; SGD is still far from the minimum.
""", cell_id="md_momentum_rosenbrock")

nb.code(r'''
runs = {"sgd": optimize(rosenbrock.grad, rosenbrock.start, optim.sgd, 1000, lr=1e-3),
        "momentum": optimize(rosenbrock.grad, rosenbrock.start, momentum_rule, 1000, lr=1e-3, momentum=0.9)}
for name, run in runs.items():
    print(f"{name:9s} after 1000 steps: {run[-1].round(3)}, f = {values_along(rosenbrock, run)[-1]:.2e}")
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
plot_contours(rosenbrock, runs, ax=axes[0])
plot_losses({name: values_along(rosenbrock, run) for name, run in runs.items()}, ax=axes[1])
plt.show()
plt.close(fig)
''', cell_id="momentum_rosenbrock")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 4. Nesterov: look where you are going

Momentum commits to its velocity blindly: it measures the slope where the ball *is*, then moves by the
velocity plus that gradient, and overshoots when the valley turns or rises again. Nesterov's accelerated
gradient (NAG) first takes the part of the step it will take anyway, $\gamma v_{t-1}$, measures the slope at
that **look-ahead point**, and corrects (Ruder, section *Nesterov accelerated gradient*):

$$v_t = \gamma\, v_{t-1} + \eta\, \nabla J(\theta_{t-1} - \gamma\, v_{t-1}), \qquad \theta_t = \theta_{t-1} - v_t .$$

**The catch.** An update rule receives one gradient, the gradient at `param`: on a network, backpropagation
computes it at the weights the network holds. It cannot ask for a gradient somewhere else. The fix
(Sutskever et al. 2013; Bengio et al. 2013) is to store the look-ahead point itself as the parameter:
$\phi_t = \theta_t - \gamma v_t$. The gradient NAG needs is then $g_t = \nabla J(\phi_{t-1})$, the gradient at
the stored parameter, and $\phi$ evolves as

$$
\begin{aligned}
\phi_t &= \theta_t - \gamma v_t = \theta_{t-1} - v_t - \gamma v_t && (\theta_t = \theta_{t-1} - v_t)\\
       &= \phi_{t-1} + \gamma v_{t-1} - v_t - \gamma v_t && (\theta_{t-1} = \phi_{t-1} + \gamma v_{t-1})\\
       &= \phi_{t-1} - \eta g_t - \gamma v_t && (\gamma v_{t-1} = v_t - \eta g_t).
\end{aligned}
$$

So the rule you will write, with `param` $= \phi$, is

$$\boxed{\;v_t = \gamma\, v_{t-1} + \eta\, g_t, \qquad \phi_t = \phi_{t-1} - (\gamma\, v_t + \eta\, g_t)\;} \qquad (v_0 = 0,\ \phi_0 = \theta_0).$$

Read the step: $\gamma v_t$ is the momentum part of the *next* step, taken already, and $\eta g_t$ is a plain
gradient step. Expanded, the step is $\gamma^2 v_{t-1} + (1 + \gamma)\,\eta\, g_t$: compared with momentum
($\gamma v_{t-1} + \eta g_t$) the fresh gradient counts $1 + \gamma$ times as much and the old velocity less,
so the ball reacts sooner when the slope changes. At convergence $v \to 0$ and $\phi = \theta$.

**PyTorch** (`torch.optim.SGD(momentum=0.9, nesterov=True)`) again keeps the learning rate outside:
$b_t = \mu b_{t-1} + g_t$, $\theta_t = \theta_{t-1} - \eta\,(g_t + \mu\, b_t)$: the same parameters while
$\eta$ is constant ($v_t = \eta b_t$), different under a schedule.

### Exercise 2: Nesterov (2 points)

Write `nesterov(param, grad, state, lr=0.01, momentum=0.9) -> (new_param, new_state)`, one step of the boxed
rule:

- `param`: array of floats, any shape (also 0-d): the stored look-ahead point $\phi_{t-1}$. `grad`: same
  shape, $g_t$, the gradient at `param`.
- `state`: `None` on the first call (start from $v_0$ = `np.zeros_like(param)`), afterwards what your
  function returned; it holds the velocity $v$, in a form of your choice.
- `lr` ($\eta$, default `0.01`), `momentum` ($\gamma$, default `0.9`); learning rate **inside** the velocity.
- Return `(new_param, new_state)`: `new_param` is $\phi_t$ of the box, a new array, and `new_state` holds the
  new velocity $v_t$. Note that the step uses the **new** velocity $v_t$, the one just computed.
- No in-place changes of `param`, `grad` or `state`; do not import `gdbp.optim.nesterov`.
""", cell_id="md_nesterov")

nb.solution("nesterov", r'''
def nesterov(param, grad, state, lr=0.01, momentum=0.9):
    """One step of Nesterov accelerated gradient in the look-ahead form (lr inside the velocity).

    param: array (any shape), the look-ahead point phi; grad: the gradient at param; state: None or the
    previous new_state. Returns (new_param, new_state), new_state holding the velocity v.
    """
    ### BEGIN SOLUTION
    v_prev = np.zeros_like(param) if state is None else state
    v = momentum * v_prev + lr * grad
    new_param = param - (momentum * v + lr * grad)
    return new_param, v
    ### END SOLUTION
''')

nb.hints("nesterov", [r"""
Your `momentum` computes the same velocity; only the step differs. After the new velocity, the step adds the
momentum part of the *next* step ($\gamma v_t$) to a plain gradient step ($\eta g_t$).
""", r"""
$$v_t = \gamma v_{t-1} + \eta g_t, \qquad \phi_t = \phi_{t-1} - (\gamma v_t + \eta g_t),$$

with `param` $= \phi_{t-1}$. Using $v_{t-1}$ instead of $v_t$ in the second equation is the classic slip.
""", r"""
```python
def nesterov(param, grad, state, lr=0.01, momentum=0.9):
    v_prev = ...            # from state, or zeros on the first call
    v = ...                 # the same velocity as momentum's
    new_param = ...         # the look-ahead step, with the new v
    return new_param, v
```
"""])

nb.test("test_nesterov", points=2, source=r'''
"""nesterov: the look-ahead form with the gradient at param, against gdbp.optim.nesterov, step by step."""
from gdbp.checks import check_nesterov

check_nesterov(nesterov)
''', hidden=hidden_tests("nesterov", "dict(lr=rng.uniform(0.001, 0.2), momentum=rng.uniform(0.5, 0.99))"))

nb.md(r"""
### Check the derivation numerically

Below, Ruder's form is run directly: it *can* evaluate the gradient at the look-ahead point because it holds
the whole objective. Ruder's NAG is a momentum step whose gradient is taken at the look-ahead point, so the
cell runs gdbp's `momentum` with that gradient. Your rule, run by `optimize`, only ever sees the gradient at its own parameter. If the
derivation is right, your parameters are Ruder's look-ahead points: $\phi_t = \theta_t - \gamma v_t$ at every
step.
""", cell_id="md_lookahead_check")

nb.code(r'''
nesterov_rule = yours_or_reference(nesterov, optim.nesterov, np.zeros(2), np.ones(2), None)
lr, gamma, num_steps = 1e-3, 0.9, 200
theta, state = rosenbrock.start.copy(), None
lookahead_points = [theta.copy()]
for _ in range(num_steps):
    v_prev = np.zeros(2) if state is None else state.v  # gdbp's momentum keeps its velocity in state.v
    grad_ahead = rosenbrock.grad(theta - gamma * v_prev)  # the gradient at the look-ahead point
    theta, state = optim.momentum(theta, grad_ahead, state, lr=lr, momentum=gamma)  # a momentum step with it
    lookahead_points.append(theta - gamma * state.v)
phi = optimize(rosenbrock.grad, rosenbrock.start, nesterov_rule, num_steps, lr=lr, momentum=gamma)
gap = np.abs(phi - np.array(lookahead_points)).max()
print(f"largest |phi_t - (theta_t - gamma v_t)| over {num_steps} steps: {gap:.1e} (rounding errors only if < 1e-10)")
''', cell_id="lookahead_check")

nb.md(r"""
### The three side by side

Both objectives, the same learning rate and $\gamma = 0.9$ for momentum and Nesterov. Two things to see:

- On the valley, Nesterov's look-ahead brakes before the ball swings up the far side: fewer and smaller
  oscillations than momentum, and a lower loss after 100 steps.
- On Rosenbrock, Nesterov first **jumps** across the valley a few times. Its fresh gradient counts
  $(1 + \gamma)\,\eta = 1.9 \times 10^{-3}$, about twice the $2/\lambda_{\max} \approx 10^{-3}$ that the steep
  wall at the start allows (section 1). Once on the flatter valley floor it settles and then moves along it a
  little faster than momentum. Neither method wins everywhere: a learning rate that is stable for one need not
  be stable for the other.
""", cell_id="md_race")

nb.code(r'''
settings = {valley: (100, 0.05), rosenbrock: (1000, 1e-3)}  # objective: (steps, lr)
fig, axes = plt.subplots(2, 2, figsize=(10, 8))
for row, (objective, (num_steps, lr)) in zip(axes, settings.items()):
    runs = {"sgd": optimize(objective.grad, objective.start, optim.sgd, num_steps, lr=lr),
            "momentum": optimize(objective.grad, objective.start, momentum_rule, num_steps, lr=lr, momentum=0.9),
            "nesterov": optimize(objective.grad, objective.start, nesterov_rule, num_steps, lr=lr, momentum=0.9)}
    plot_contours(objective, runs, ax=row[0])
    plot_losses({name: values_along(objective, run) for name, run in runs.items()}, ax=row[1])
    row[1].set_title(f"{objective.name}: lr = {lr:g}, {num_steps} steps")
    for name, run in runs.items():
        print(f"{objective.name:15s} {name:9s} final f = {values_along(objective, run)[-1]:.2e}")
fig.tight_layout()
plt.show()
plt.close(fig)
''', cell_id="race")

nb.md(r"""
### How much momentum?

$\gamma$ is the memory: $0$ is SGD, $0.9$ remembers about 10 steps, $0.99$ about 100. Too little and the ball
crawls; too much and it swings back and forth across the minimum for a long time before friction stops it.
""", cell_id="md_gamma")

nb.code(r'''
fig, ax = plt.subplots(figsize=(7, 4))
for gamma, color in zip((0.0, 0.5, 0.9, 0.98), ("C0", "C2", "C1", "C3")):
    run = optimize(valley.grad, valley.start, momentum_rule, 150, lr=0.05, momentum=gamma)
    ax.semilogy(values_along(valley, run), color=color, label=f"momentum = {gamma}")
ax.set(xlabel="step", ylabel="loss")
ax.legend()
ax.set_title("momentum on the valley, lr = 0.05: too little crawls, too much swings")
plt.show()
plt.close(fig)
''', cell_id="gamma_sweep")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## Recap

- Gradient descent multiplies the error along a direction of curvature $\lambda$ by $1 - \eta\lambda$. The
  steepest direction caps $\eta < 2/\lambda_{\max}$; the flattest then crawls. The condition number
  $\kappa = \lambda_{\max}/\lambda_{\min}$ sets the pace: about $(\kappa - 1)/(\kappa + 1)$ per step at best.
- Momentum keeps an exponentially weighted sum of past gradients, $v_t = \gamma v_{t-1} + \eta g_t$, and steps
  by it: consistent gradients add up (up to $1/(1 - \gamma)$ times), alternating ones cancel. Tuned on a
  quadratic it brings the pace to $(\sqrt\kappa - 1)/(\sqrt\kappa + 1)$ per step.
- Nesterov evaluates the gradient at the look-ahead point $\theta - \gamma v$. Storing that point as the
  parameter gives a rule that needs only the gradient at `param`:
  $\phi_t = \phi_{t-1} - (\gamma v_t + \eta g_t)$.
- In this course (Ruder's form) the learning rate is inside the velocity; PyTorch keeps the buffer without it
  and multiplies by $\eta$ at each step: the same path with a constant $\eta$, a different one under a
  schedule.
- Backpropagation gives `grad`; these rules decide what to do with it. Next: rules that give **each
  coordinate its own** learning rate (notebook 09), then Adam, which combines momentum with them (10).

## Questions

1. For $f = 0.1x^2 + 2y^2$, what is the largest learning rate for which gradient descent converges, and by
   what factor does $x$ shrink per step at that rate? What would change if $f$ were $0.1x^2 + 0.2y^2$?
2. With $\gamma = 0.9$ and a gradient that stays constant, how long is momentum's step in the long run,
   compared with SGD's? And with $\gamma = 0.99$?
3. Your `momentum` and `torch.optim.SGD(lr, momentum=0.9)` follow the same path with a constant learning
   rate. Describe a training run in which they do not, and say which one "remembers" old learning rates.
4. Why does `nesterov` return the look-ahead point $\phi$ instead of Ruder's $\theta$? Given `param` and the
   velocity in the state, how do you recover $\theta$?
5. What do `momentum` and `nesterov` become with `momentum=0`?

<details><summary>Short answers</summary>

1. $\eta < 2/4 = 0.5$; $x$ then keeps $1 - 0.2\,\eta > 0.9$ of itself per step.
   With $0.2y^2$ the curvatures are $0.2$ and $0.4$, $\kappa = 2$: $\eta < 5$ and a fast descent.
2. $\eta g/(1 - \gamma)$: 10 times SGD's step; 100 times with $\gamma = 0.99$.
3. With a learning-rate schedule (say $\eta$ divided by 10 at some epoch): the paper's $v$ still holds steps
   built with the old $\eta$ and decays them over about $1/(1 - \gamma)$ steps, PyTorch's step is at once
   $\eta_{\text{new}} b_t$. The paper form remembers.
4. The rule only receives the gradient at `param`, and Nesterov needs the gradient at the look-ahead point,
   so `param` must *be* that point. $\theta = \phi + \gamma v$.
5. Both become plain SGD: $v_t = \eta g_t$ and the step is $\eta g_t$.

</details>
""", cell_id="recap")

if __name__ == "__main__":
    print(nb.write())

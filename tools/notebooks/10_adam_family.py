"""Authoring source of solutions/10_adam_family: Adam, AdaMax, Nadam, AMSGrad, and a race of all ten optimizers.

Run ``.venv/bin/python tools/notebooks/10_adam_family.py`` to rebuild the instructor notebook, then
regenerate the learner release with ``gdbp-course release 10_adam_family`` (see CONTRIBUTING).
Exercises (docs/exercises.md): ``adam``, ``adamax``, ``nadam``, ``amsgrad``, checked by
``gdbp.checks.check_<name>`` against ``gdbp.optim`` in its paper convention (Ruder's overview).

Worked, then faded (issue 10): section 1 works the two moving averages and their bias correction through
(unrolled sums, numbers, plots); notebooks 08-09 worked the state contract and the per-coordinate division.
Each exercise follows its algorithm box (the paper's equations are the specification) with its conventions
stated; no visible cell shows the numpy code of a rule (the demos compute averages and maxima from their
unrolled definitions). Figures fit a ~1,000 px column; the races draw each optimizer with its own line style
and markers and put the Adam family in panels of its own, so that no trajectory hides another.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from tools.nbbuild import Notebook  # noqa: E402

NAME = "10_adam_family"


def hidden_tests(fn: str, sample_hp: str) -> str:
    """Instructor-only code of a test cell: the learner did not borrow gdbp's reference, and agrees with it
    over more seeds, another shape, other hyperparameters and a coordinate whose gradient is always 0
    (``sample_hp``: an expression of ``rng``)."""
    return f'''
import gdbp.optim
from gdbp.instructor.hidden import assert_not_reference

assert_not_reference({fn}, gdbp.optim.{fn}, args=(np.array([1.0, -2.0]), np.array([0.5, 0.25]), None))


def _agrees_with_reference_over_seeds(seeds=(21, 22, 23), shape=(4, 3), steps=40):
    """40 steps on a (4, 3) parameter with random hyperparameters, gradients of very different sizes and
    one coordinate that never gets a gradient. Tolerance 1e-9 relative: a correct rule differs from the
    reference by a few ulps per step (see gdbp/checks/optim.py)."""
    for seed in seeds:
        rng = np.random.default_rng(seed)
        hp = {sample_hp}
        param = rng.normal(size=shape)
        ref_param = param.copy()
        state = ref_state = None
        for step in range(steps):
            grad = rng.normal(size=shape) * rng.choice([1e-8, 1.0, 30.0], size=shape)
            grad[0, 0] = 0.0
            param, state = {fn}(param, grad, state, **hp)
            ref_param, ref_state = gdbp.optim.{fn}(ref_param, grad, ref_state, **hp)
            np.testing.assert_allclose(param, ref_param, rtol=1e-9, atol=1e-12,
                                       err_msg=f"{fn}: seed {{seed}}, step {{step + 1}}, hyperparameters {{hp}}")


_agrees_with_reference_over_seeds()
'''


ADAM_HP = ('{"lr": float(rng.uniform(1e-3, 0.1)), "beta1": float(rng.uniform(0.5, 0.95)), '
           '"beta2": float(rng.uniform(0.9, 0.9999)), "eps": float(10.0 ** rng.uniform(-8, -4))}')
ADAMAX_HP = ('{"lr": float(rng.uniform(1e-3, 0.1)), "beta1": float(rng.uniform(0.5, 0.95)), '
             '"beta2": float(rng.uniform(0.9, 0.9999))}')

nb = Notebook(NAME)

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
# 10 · The Adam family: Adam, AdaMax, Nadam, AMSGrad

## Learning goals

- You will see, numerically, why a moving average started at $m_0 = 0$ is **biased towards 0** in its first
  steps, and how Adam's **bias correction** $\hat m_t = m_t / (1 - \beta_1^t)$ removes the bias.
- You will write **Adam** `adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8)`: momentum
  on the gradient plus RMSprop's per-coordinate scaling, both bias-corrected.
- You will replace Adam's root mean square by the **infinity norm** (AdaMax), put **Nesterov's look-ahead**
  inside Adam (Nadam), and make the second moment **non-decreasing** (AMSGrad) to repair a case where Adam
  provably converges to the worst point (Reddi et al.'s counterexample).
- You will race **all ten optimizers** of the course on three 2-D objectives (a saddle point, Beale,
  Rosenbrock) and on the MLP on the digits, and compare **learning-rate schedules** (step, exponential,
  cosine, warm-up) on one optimizer.

**Where we are.** *How do gradient descent and backpropagation relate?* Backpropagation **computes** the
gradient of the loss with respect to every parameter; gradient descent **uses** it to take a step.
Notebooks 08 and 09 changed how the step is made from the gradient: momentum (notebook 08) averages the
gradients, RMSprop (notebook 09) divides each coordinate by the root of an average of its squared gradients.
Adam (Kingma & Ba, 2015) does both at once, and it is the default optimizer of most of deep learning today.

All rules here have the contract of `gdbp.optim`:

```python
new_param, new_state = rule(param, grad, state, lr=..., ...)   # state is None on the first call
```

`param` and `grad` are float arrays of the same shape (any shape, also 0-d); every operation is element-wise,
so every coordinate gets its own effective learning rate. Nothing is changed in place.
""", cell_id="intro")
nb.exercise_rules()

nb.code(r'''
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from gdbp import optim
from gdbp.course import yours_or_reference
from gdbp.descent import optimize
from gdbp.objectives import get_objective
from gdbp.plotting import color_for, plot_contours, plot_losses
from tqdm.auto import tqdm

# The demonstrations below use the functions you write in this notebook: yours_or_reference(fn, reference,
# *PROBE) returns your rule once it passes its checker, else gdbp's reference, with a note either way.
PROBE = (np.array([0.5, -0.5]), np.array([1.0, -2.0]), None)
''', cell_id="setup")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 1. Two moving averages, and a bias

Adam keeps two **exponential moving averages** (EMAs) per coordinate: of the gradient (the first moment,
as momentum does) and of the squared gradient (the second moment, as RMSprop does):

$$
m_t = \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t, \qquad
v_t = \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2, \qquad m_0 = v_0 = 0 .
$$

Unrolling the recursion from $m_0 = 0$ gives a weighted sum of the gradients seen so far:

$$
m_t = (1 - \beta_1) \sum_{i=1}^{t} \beta_1^{\,t-i}\, g_i .
$$

The weights $(1-\beta_1)\beta_1^{t-i}$ sum to $(1 - \beta_1)(1 + \beta_1 + \dots + \beta_1^{t-1}) = 1 - \beta_1^t$,
**not** to 1: the missing weight $\beta_1^t$ went to the made-up starting value $m_0 = 0$. If the gradients
are drawn from a distribution that does not change, taking expectations gives

$$
\mathbb E[m_t] = (1 - \beta_1^t)\, \mathbb E[g], \qquad \mathbb E[v_t] = (1 - \beta_2^t)\, \mathbb E[g^2].
$$

For $\beta_2 = 0.999$ and $t = 10$ that factor is $1 - 0.999^{10} \approx 0.01$: the average claims the
gradients are 100 times smaller than they are. Dividing by the factor removes the bias (Kingma & Ba, 2015,
section 3):

$$
\hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t}.
$$

Let us see it on noisy gradients with mean 2 ($g_t \sim \mathcal N(2, 1)$, so $\mathbb E[g^2] = 5$).
""", cell_id="bias-maths")

nb.code(r'''
rng = np.random.default_rng(0)
T = 300
g = rng.normal(2.0, 1.0, size=T)  # gradients with mean 2 and E[g^2] = 2^2 + 1 = 5
beta1, beta2 = 0.9, 0.999


def ema_unrolled(x, beta):
    """The moving average started at 0, at every step t = 1..T, from its unrolled sum:
    (1 - beta) * sum_{i=1..t} beta**(t - i) * x_i. Its weights add up to 1 - beta**t, not 1."""
    return np.array([(1 - beta) * np.sum(beta ** (t - np.arange(1, t + 1)) * x[:t]) for t in range(1, len(x) + 1)])


steps = np.arange(1, T + 1)
m_raw, v_raw = ema_unrolled(g, beta1), ema_unrolled(g**2, beta2)
m_hat, v_hat = m_raw / (1 - beta1**steps), v_raw / (1 - beta2**steps)  # divided by the sum of the weights

print(" t |   m_t    m_hat_t |   v_t    v_hat_t   (truth: E[g] = 2, E[g^2] = 5)")
for t in (1, 2, 5, 10, 50, 300):
    print(f"{t:3d}| {m_raw[t-1]:6.3f}  {m_hat[t-1]:6.3f}   | {v_raw[t-1]:6.3f}  {v_hat[t-1]:6.3f}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
axes[0].plot(steps, m_raw, label=r"$m_t$ (started at 0)")
axes[0].plot(steps, m_hat, label=r"$\hat m_t = m_t / (1 - \beta_1^t)$")
axes[0].axhline(2.0, color="black", linestyle=":", label=r"$\mathbb{E}[g] = 2$")
axes[0].set_title(r"first moment, $\beta_1 = 0.9$")
axes[1].plot(steps, v_raw, label=r"$v_t$ (started at 0)")
axes[1].plot(steps, v_hat, label=r"$\hat v_t = v_t / (1 - \beta_2^t)$")
axes[1].axhline(5.0, color="black", linestyle=":", label=r"$\mathbb{E}[g^2] = 5$")
axes[1].set_title(r"second moment, $\beta_2 = 0.999$")
for ax in axes:
    ax.set_xlabel("step t")
    ax.legend(fontsize="small")
fig.tight_layout()
plt.show()
plt.close(fig)
''', cell_id="bias-demo")

nb.md(r"""
The first moment recovers from its bias in a few dozen steps ($0.9^{t}$ is small by $t = 30$); the second,
with $\beta_2 = 0.999$, is still at a quarter of the truth after 300 steps. The corrected averages are
right from the first step (noisy, of course: $\hat m_1 = g_1$ and $\hat v_1 = g_1^2$).

**What the bias would do to the step.** Adam's step is $\eta\, \hat m_t / \sqrt{\hat v_t}$. Without the
correction it would be $\eta\, m_t / \sqrt{v_t}$, larger by the factor
$$\frac{1 - \beta_1^t}{\sqrt{1 - \beta_2^t}}$$
(the square root only partly undoes the small $v_t$). At $t = 1$ that is $0.1 / \sqrt{0.001} \approx 3.2$:
the uncorrected first steps are several times **too large**, exactly when the averages know least. This is
the case Kingma & Ba warn about: with $\beta_2$ close to 1 (needed for sparse gradients) the missing
correction would make the initial steps much larger.
""", cell_id="bias-step-maths")

nb.code(r'''
t = np.arange(1, 5001)
factor = (1 - 0.9**t) / np.sqrt(1 - 0.999**t)  # uncorrected step / corrected step
print(f"factor at t=1: {factor[0]:.2f}, largest: {factor.max():.2f} at t={t[factor.argmax()]}, "
      f"at t=1000: {factor[999]:.2f}, at t=5000: {factor[-1]:.2f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogx(t, factor)
ax.axhline(1.0, color="black", linestyle=":")
ax.set_xlabel("step t")
ax.set_ylabel("uncorrected / corrected step")
ax.set_title(r"without bias correction ($\beta_1 = 0.9$, $\beta_2 = 0.999$)")
plt.show()
''', cell_id="bias-step-demo")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 2. Adam

The algorithm as Ruder's overview gives it (Kingma & Ba, 2015, Algorithm 1), element-wise:

$$
\begin{aligned}
m_t &= \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t & m_0 &= 0\\
v_t &= \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2 & v_0 &= 0\\
\hat m_t &= \frac{m_t}{1 - \beta_1^{\,t}}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^{\,t}} \\
\theta_t &= \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}
\end{aligned}
$$

with $t = 1$ at the first update. Symbols $\to$ code: $\theta_{t-1}$ = `param`, $g_t$ = `grad`,
$\eta$ = `lr`, $\beta_1$ = `beta1`, $\beta_2$ = `beta2`, $\epsilon$ = `eps`. Note where $\epsilon$ sits:
**outside** the square root (in RMSprop's and Adagrad's paper form it was inside).

### Exercise 1: `adam` (2 points)

Write

```python
adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8) -> (new_param, new_state)
```

- `param`: float array of any shape (also 0-d), $\theta_{t-1}$; `grad`: float array of the same shape, $g_t$.
- `state`: `None` on the first call; afterwards whatever your function returned as `new_state` the step
  before. What you keep in it is your choice (a tuple, a dict...): you need the step count `t` and the
  **uncorrected** averages `m` and `v` (arrays of `param`'s shape). On the first call start from
  `t = 0`, `m = v = np.zeros_like(param)`, then increase `t` **before** using it, so the first update uses
  `t = 1`.
- Return `(new_param, new_state)`: `new_param` = $\theta_t$, a new float64 array of `param`'s shape.
- Keep the defaults of the signature. Do not change `param`, `grad` or the arrays in `state` in place
  (write `m = beta1 * m + ...`, not `m *= beta1`). Do not call `gdbp.optim.adam`.

`check_adam` runs your function for several steps, feeding back your own state, and compares every
`new_param` with the reference; on a mismatch it names the classic mistake it recognises (bias correction
missing or with `t` off by one, `eps` inside the root, corrected moments stored in the state...).
""", cell_id="adam-instructions")

nb.solution("adam", r'''
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """One step of Adam (Ruder's overview, Kingma & Ba 2015). Returns (new_param, new_state)."""
    ### BEGIN SOLUTION
    if state is None:
        state = (0, np.zeros_like(param), np.zeros_like(param))
    t, m, v = state
    t = t + 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, (t, m, v)
    ### END SOLUTION
''')

nb.hints("adam", [r"""
Two of section 1's moving averages, one of `grad` and one of `grad**2`, kept **uncorrected** in the state
together with the step count; each call advances all three, corrects copies of the averages for this step's
bias, and takes the step. The state contract is notebook 08's: build the initial state when `state` is None.
""", r"""
At step $t$ (the first call has $t = 1$):

$$m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \quad
\hat m_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat v_t = \frac{v_t}{1 - \beta_2^t}, \quad
\theta_t = \theta_{t-1} - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}.$$

The state you return holds $t$, $m_t$ and $v_t$, not $\hat m_t$ and $\hat v_t$ (the next step builds on the
uncorrected averages).
""", r"""
```python
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        state = ...                 # t = 0 and two arrays of zeros
    t, m, v = state
    t = ...                         # this step's number
    m = ...
    v = ...
    m_hat = ...
    v_hat = ...
    new_param = ...
    return new_param, (t, m, v)
```
"""])

nb.test("test_adam", points=2, source=r'''
"""adam agrees with gdbp.optim.adam (paper convention) step by step, with its own state."""
from gdbp.checks import check_adam

check_adam(adam)
''', hidden=hidden_tests("adam", ADAM_HP))

nb.md(r"""
**Adam's first step has size $\eta$ in every coordinate.** At $t = 1$, $\hat m_1 = g_1$ and
$\hat v_1 = g_1^2$, so the step is $\eta\, g_1 / (|g_1| + \epsilon) \approx \eta\, \mathrm{sign}(g_1)$,
whatever the size of the gradient. Later steps stay of order $\eta$ while the gradient's sign is consistent:
Adam is (nearly) invariant to rescaling the gradient, so $\eta$ is a step length in parameter units. Your
`adam`, on three coordinates whose gradients differ by a factor of a million:
""", cell_id="adam-scale-maths")

nb.code(r'''
adam_rule = yours_or_reference(adam, optim.adam, *PROBE)
param = np.zeros(3)
grads = np.array([1e-3, 1.0, 1e3])
state = None
for t in range(1, 4):
    new_param, state = adam_rule(param, grads, state, lr=0.1)
    print(f"step {t}: param moves by {new_param - param}")
    param = new_param
''', cell_id="adam-scale-demo")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 3. AdaMax: the infinity norm

Adam scales by $\sqrt{\hat v_t}$, an average of $|g|^2$ raised to the power $1/2$: an $L^2$ norm of the past
gradients. Kingma & Ba (section 7.1) generalise to an $L^p$ norm, $v_t = \beta_2^p v_{t-1} + (1 - \beta_2^p)
|g_t|^p$, and let $p \to \infty$. Unrolled, $v_t^{1/p} = \big((1-\beta_2^p) \sum_i \beta_2^{p(t-i)} |g_i|^p\big)^{1/p}$;
as $p \to \infty$ the largest term wins, and the limit is a **decaying maximum**:

$$
u_t = \lim_{p\to\infty} v_t^{1/p} = \max\big(\beta_2^{\,t-1} |g_1|,\ \dots,\ \beta_2 |g_{t-1}|,\ |g_t|\big)
    = \max(\beta_2\, u_{t-1},\ |g_t|), \qquad u_0 = 0 .
$$

The AdaMax update (Ruder, section "AdaMax"):

$$
\begin{aligned}
m_t &= \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t \\
u_t &= \max(\beta_2\, u_{t-1},\ |g_t|) \\
\theta_t &= \theta_{t-1} - \frac{\eta}{1 - \beta_1^{\,t}}\, \frac{m_t}{u_t}
\end{aligned}
$$

- $m_t$ is bias-corrected as in Adam; $u_t$ needs **no** correction: a maximum does not average in the
  zeros of its start (after one step $u_1 = |g_1|$ exactly).
- There is **no** $\epsilon$: $u_t \ge |g_t|$, and every earlier $|g_i|$ is at most $u_t / \beta_2^{\,t-i}$, so the
  average $m_t$ cannot be much larger than $u_t$: the ratio $m_t / u_t$ stays bounded (about 1 at most), and
  each step is about $\eta$ long at most.
- But $u_t = 0$ can happen: a coordinate whose gradient has been **exactly 0 at every step so far** (a pixel
  that is 0 in every image: its weights never get a gradient) has $u_t = 0$ and $m_t = 0$, and the formula
  reads $0/0$. The step is then **0** (the coordinate does not move): take $m_t / u_t = 0$ where $u_t = 0$.

### Exercise 2: `adamax` (2 points)

Write

```python
adamax(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999) -> (new_param, new_state)
```

- `param`, `grad`, `state`, the return value and the rules (start from `t = 0`, `m = u = zeros`; first
  update with `t = 1`; nothing changed in place) as in `adam`. The state holds `t`, `m` and `u`.
- **No `eps` argument.** Where `u` is 0 the step is 0. Compute $m_t / u_t$ without dividing by zero: a
  `0 / 0` gives `nan` and a `RuntimeWarning`. A numpy fact: `np.divide(a, b, out=c, where=mask)` divides only
  where `mask` is True and leaves the entries of the array `c` (which it returns) everywhere else.
- The default learning rate is `lr=0.002` (Kingma & Ba's).
""", cell_id="adamax-instructions")

nb.solution("adamax", r'''
def adamax(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999):
    """One step of AdaMax (Ruder's overview; Kingma & Ba 2015, section 7.1). Returns (new_param, new_state)."""
    ### BEGIN SOLUTION
    if state is None:
        state = (0, np.zeros_like(param), np.zeros_like(param))
    t, m, u = state
    t = t + 1
    m = beta1 * m + (1 - beta1) * grad
    u = np.maximum(beta2 * u, np.abs(grad))
    ratio = np.divide(m, u, out=np.zeros_like(u), where=u > 0)  # m / u, and 0 where u = 0
    new_param = param - lr / (1 - beta1**t) * ratio
    return new_param, (t, m, u)
    ### END SOLUTION
''')

nb.hints("adamax", [r"""
Your `adam` with the second moment replaced: instead of an average of $g^2$, keep the decaying maximum
$u$ of $|g|$. Only $m$ is bias-corrected, and there is no $\epsilon$: where $u = 0$ the step is 0.
""", r"""
$$m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad u_t = \max(\beta_2 u_{t-1}, |g_t|) \text{ entrywise},
\qquad \theta_t = \theta_{t-1} - \frac{\eta}{1 - \beta_1^t}\,\frac{m_t}{u_t} \;(0 \text{ where } u_t = 0).$$

`np.maximum` takes the entrywise maximum of two arrays; `np.abs` the entrywise absolute value. For the ratio,
`np.divide` with `out=` an array of zeros and `where=` the entries where $u_t > 0$.
""", r"""
```python
def adamax(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999):
    if state is None:
        state = ...                 # t = 0, m and u zeros
    t, m, u = state
    t = ...
    m = ...
    u = ...
    ratio = ...                     # m / u, and 0 where u == 0
    new_param = ...
    return new_param, (t, m, u)
```
"""])

nb.test("test_adamax", points=2, source=r'''
"""adamax agrees with gdbp.optim.adamax (no eps; a step of 0 where u = 0), step by step."""
from gdbp.checks import check_adamax

check_adamax(adamax)
''', hidden=hidden_tests("adamax", ADAMAX_HP))

nb.md(r"""
**The decaying maximum remembers a spike.** Below, a coordinate gets gradients of size 1 with a single
spike of 20 at step 10. Adam's $\sqrt{\hat v_t}$ jumps to about 6.5 and then falls quickly: early on,
$\hat v_t$ is close to the plain mean of the squared gradients seen so far, and the spike's share of that
mean shrinks with every step. AdaMax's $u_t$ jumps to 20 and then shrinks only by the factor $\beta_2$ per
step (to about 15 after 300 steps): after a spike, AdaMax keeps the steps in that coordinate short for a long
time. A third coordinate never gets a gradient: your `adamax` must leave it where it is.
""", cell_id="adamax-demo-maths")

nb.code(r'''
adamax_rule = yours_or_reference(adamax, optim.adamax, *PROBE)
T = 300
g = np.ones(T)
g[9] = 20.0  # a spike at step 10

param, state = np.zeros(3), None
for t in range(1, T + 1):
    grad = np.array([g[t - 1], -g[t - 1], 0.0])  # the third coordinate never gets a gradient
    param, state = adamax_rule(param, grad, state)
print("param after", T, "steps:", param, "(the third coordinate must still be 0, and not nan)")

# the two scales from their definitions (section 1's unrolled average; the decayed maximum of the box)
steps = np.arange(1, T + 1)
rms = np.sqrt(ema_unrolled(g**2, 0.999) / (1 - 0.999**steps))                        # Adam: sqrt(v_hat_t)
inf_norm = [np.max(0.999 ** (t - np.arange(1, t + 1)) * np.abs(g[:t])) for t in steps]  # AdaMax: u_t

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(np.arange(1, T + 1), rms, label=r"Adam: $\sqrt{\hat v_t}$", color=color_for("adam"))
ax.plot(np.arange(1, T + 1), inf_norm, label=r"AdaMax: $u_t$", color=color_for("adamax"))
ax.set_xlabel("step t")
ax.set_ylabel("scale dividing the step")
ax.legend()
plt.show()
plt.close(fig)
''', cell_id="adamax-demo")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 4. Nadam: Nesterov inside Adam

Nesterov's idea (notebook 08): apply the momentum step **before** computing the gradient step, i.e. look
ahead to where momentum is taking us. Dozat (2016) brings the look-ahead into Adam. Write Adam's update with
$\hat m_t$ expanded:

$$
\theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{\hat v_t} + \epsilon}
  \left( \frac{\beta_1\, m_{t-1}}{1 - \beta_1^{\,t}} + \frac{(1 - \beta_1)\, g_t}{1 - \beta_1^{\,t}} \right).
$$

The first term is the momentum step, made with the **previous** momentum $m_{t-1}$ (up to the correction, it
is $\beta_1 \hat m_{t-1}$). Nadam uses the **current** momentum $\hat m_t$ there instead: the momentum step of
the next update is taken now, which is Nesterov's look-ahead. The result (Ruder, section "Nadam"):

$$
\begin{aligned}
m_t &= \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t, \qquad v_t = \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2 \\
\hat m_t &= \frac{m_t}{1 - \beta_1^{\,t}}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^{\,t}} \\
\theta_t &= \theta_{t-1} - \frac{\eta}{\sqrt{\hat v_t} + \epsilon}
  \left( \beta_1\, \hat m_t + \frac{(1 - \beta_1)\, g_t}{1 - \beta_1^{\,t}} \right)
\end{aligned}
$$

(PyTorch's `torch.optim.NAdam` follows Dozat's paper instead, with a momentum coefficient that changes
from step to step; `gdbp.optim.nadam(..., convention="torch")` has it, and notebook 11 compares the two.)

### Exercise 3: `nadam` (2 points)

Write

```python
nadam(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8) -> (new_param, new_state)
```

- Arguments, state (`t`, `m`, `v`, uncorrected, as in `adam`), return value and rules as in `adam`.
- Note the **two** corrections in the last line: $\hat m_t$ is $m_t / (1 - \beta_1^t)$, and the gradient term
  is divided by $1 - \beta_1^t$ too. $\epsilon$ is outside the square root.
- The default learning rate is `lr=0.002` (Dozat's).
""", cell_id="nadam-instructions")

nb.solution("nadam", r'''
def nadam(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    """One step of Nadam (Ruder's overview; Dozat 2016). Returns (new_param, new_state)."""
    ### BEGIN SOLUTION
    if state is None:
        state = (0, np.zeros_like(param), np.zeros_like(param))
    t, m, v = state
    t = t + 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    lookahead = beta1 * m_hat + (1 - beta1) * grad / (1 - beta1**t)
    new_param = param - lr / (np.sqrt(v_hat) + eps) * lookahead
    return new_param, (t, m, v)
    ### END SOLUTION
''')

nb.hints("nadam", [r"""
Start from your `adam`: the state, the two averages and both corrections are the same. Only the last line
changes: the numerator is the look-ahead combination of the box instead of $\hat m_t$.
""", r"""
$$\theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{\hat v_t} + \epsilon}
  \left( \beta_1 \hat m_t + \frac{(1 - \beta_1)\, g_t}{1 - \beta_1^{\,t}} \right),$$

with $\hat m_t$ and $\hat v_t$ exactly as in Adam. Forgetting the division of the gradient term by
$1 - \beta_1^t$ is the classic slip.
""", r"""
```python
def nadam(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    ...                             # as in adam, up to m_hat and v_hat
    lookahead = ...                 # beta1 * m_hat + the corrected gradient term
    new_param = ...
    return new_param, (t, m, v)
```
"""])

nb.test("test_nadam", points=2, source=r'''
"""nadam agrees with gdbp.optim.nadam (Ruder's form, paper convention), step by step."""
from gdbp.checks import check_nadam

check_nadam(nadam)
''', hidden=hidden_tests("nadam", ADAM_HP))

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 5. AMSGrad: a convergence fix

Adam's effective learning rate in a coordinate is $\eta / \sqrt{\hat v_t}$. Because $v_t$ is a moving average,
it **forgets**: after a large gradient, $v_t$ decays again within about $1 / (1 - \beta_2)$ steps, and the
effective learning rate **grows** back. Reddi, Kale & Kumar (2018) show that this can make Adam converge to
the wrong point.

**Their counterexample, in brief.** Minimise over $x \in [-1, 1]$ the average of the functions
$$
f_t(x) = \begin{cases} C\,x & t \bmod 3 = 1 \\ -x & \text{otherwise} \end{cases} \qquad (C > 2).
$$
Over one period of three steps the sum is $(C - 2)\,x$, minimal at $x = -1$. The gradient is $C$ once, then
$-1$ twice: the large gradient points the right way, but it is rare. With $\beta_1 = 0$ and
$\beta_2 = 1/(1 + C^2)$, Adam divides the big gradient $C$ by a large $\sqrt{v_t}$ and the two small
gradients $-1$ by a small one, right after $v_t$ has forgotten the $C$: the two wrong-way steps outweigh the
right-way step, and Adam drifts to $x = +1$, the **worst** point.

**The fix.** Divide by the **largest** second moment seen so far, so the effective learning rate can never
grow. In the form of Ruder's overview (blog version, section "AMSGrad"):

$$
\begin{aligned}
m_t &= \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t, \qquad v_t = \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2 \\
\hat v_t &= \max(\hat v_{t-1},\ v_t) \qquad (\hat v_0 = 0) \\
\theta_t &= \theta_{t-1} - \eta\, \frac{m_t}{\sqrt{\hat v_t} + \epsilon}
\end{aligned}
$$

Careful: here $\hat v_t$ is the running **maximum**, not a bias-corrected average, and there is **no bias
correction** at all ("for simplicity, the authors also remove the debiasing step", Ruder): the step uses
$m_t$ itself. (PyTorch's `Adam(amsgrad=True)` keeps Adam's corrections; notebook 11 compares them.)

### Exercise 4: `amsgrad` (1 point)

Write

```python
amsgrad(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8) -> (new_param, new_state)
```

- Arguments, return value and rules as in `adam`. The state holds `m`, `v` and the running maximum `v_hat`
  (all `zeros_like(param)` at the start; a step count is not needed, since nothing is bias-corrected).
- **No bias correction**: neither $m_t$ nor $\hat v_t$ is divided by $1 - \beta^t$.
- The running maximum is element-wise, one maximum per coordinate.
""", cell_id="amsgrad-instructions")

nb.solution("amsgrad", r'''
def amsgrad(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """One step of AMSGrad (Ruder's overview; Reddi et al. 2018), no bias correction. Returns (new_param, new_state)."""
    ### BEGIN SOLUTION
    if state is None:
        state = (np.zeros_like(param), np.zeros_like(param), np.zeros_like(param))
    m, v, v_hat = state
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    v_hat = np.maximum(v_hat, v)
    new_param = param - lr * m / (np.sqrt(v_hat) + eps)
    return new_param, (m, v, v_hat)
    ### END SOLUTION
''')

nb.hints("amsgrad", [r"""
Adam's two moving averages, plus a third array in the state: the largest $v$ seen so far, entry by entry.
The step divides by the root of that maximum, and nothing is bias-corrected, so no step count is needed.
""", r"""
$$m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \quad
\hat v_t = \max(\hat v_{t-1}, v_t), \quad \theta_t = \theta_{t-1} - \eta\,\frac{m_t}{\sqrt{\hat v_t} + \epsilon}.$$

The running maximum is entrywise (`np.maximum`); Python's `max` does not work on arrays.
""", r"""
```python
def amsgrad(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        state = ...                 # three arrays of zeros
    m, v, v_hat = state
    m = ...
    v = ...
    v_hat = ...
    new_param = ...
    return new_param, (m, v, v_hat)
```
"""])

nb.test("test_amsgrad", points=1, source=r'''
"""amsgrad agrees with gdbp.optim.amsgrad (running maximum, no bias correction), step by step."""
from gdbp.checks import check_amsgrad

check_amsgrad(amsgrad)
''', hidden=hidden_tests("amsgrad", ADAM_HP))

nb.md(r"""
**The counterexample, run.** Your `adam` and your `amsgrad` on Reddi et al.'s problem with $C = 3$,
$\beta_1 = 0$, $\beta_2 = 1/(1 + C^2) = 0.1$ and the decaying learning rate $\eta_t = 0.5 / \sqrt t$ of their
analysis. After each step, $x$ is put back into $[-1, 1]$ (`np.clip`: projected gradient descent).
""", cell_id="reddi-maths")

nb.code(r'''
C = 3.0
rules = {"adam": yours_or_reference(adam, optim.adam, *PROBE),
         "amsgrad": yours_or_reference(amsgrad, optim.amsgrad, *PROBE)}

fig, ax = plt.subplots(figsize=(7, 3.8))
for name, rule in rules.items():
    x, state, xs = np.array(0.0), None, []
    for t in range(1, 1501):
        grad = np.array(C if t % 3 == 1 else -1.0)  # f_t(x) = C x once, then -x twice
        x, state = rule(x, grad, state, lr=0.5 / np.sqrt(t), beta1=0.0, beta2=1 / (1 + C**2))
        x = np.array(np.clip(x, -1.0, 1.0))  # projection onto the feasible set [-1, 1]
        xs.append(float(x))
    print(f"{name:8s} ends at x = {xs[-1]:+.3f}")
    ax.plot(np.arange(1, len(xs) + 1), xs, label=name, color=color_for(name))
ax.axhline(-1.0, color="black", linestyle=":", label="the minimum x = -1")
ax.set_xlabel("step t")
ax.set_ylabel("x")
ax.set_title(r"Reddi et al.: $f_t(x) = 3x$ every third step, $-x$ otherwise")
ax.legend()
plt.show()
''', cell_id="reddi-demo")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 6. The race: ten optimizers on three 2-D objectives

Now all ten optimizers of the course: plain SGD (notebook 04), momentum and Nesterov (08), Adagrad, Adadelta
and RMSprop (09), and the four you just wrote. Your own functions run where you wrote them in this notebook;
the six earlier ones are gdbp's references (`gdbp.optim.RULES`), all in the paper convention. Every rule has
the same contract, so one loop runs them all (`gdbp.descent.optimize`).

- **Saddle point** $x^2 - y^2$, from $(-4, 0.01)$: the path slides down towards the saddle at $(0, 0)$; the
  tiny $y$ component must grow before it can escape. The function has no minimum: the runs are cut where
  they leave the window.
- **Beale**: flat plateaus and steep walls; minimum at $(3, 0.5)$.
- **Rosenbrock**: a curved, narrow valley; minimum at $(1, 1)$.

The learning rates were picked by hand to be reasonable for each optimizer (not tuned to the last digit;
change them and re-run). Adadelta in the paper's form has no learning rate at all.
""", cell_id="race-2d-maths")

nb.code(r'''
yours = {name: yours_or_reference(fn, optim.RULES[name], *PROBE)
         for name, fn in [("adam", adam), ("adamax", adamax), ("nadam", nadam), ("amsgrad", amsgrad)]}
RACE = {name: yours.get(name, rule) for name, rule in optim.RULES.items() if name != "adamw"}
print("racing:", ", ".join(f"{name} ({'gdbp' if rule is optim.RULES[name] else 'yours'})" for name, rule in RACE.items()))

# (objective, steps, learning rate per optimizer; None: the rule has no lr)
SETUPS = {
    "saddle": (200, dict(sgd=0.01, momentum=0.01, nesterov=0.01, adagrad=0.5, adadelta=None, rmsprop=0.05,
                         adam=0.1, adamax=0.1, nadam=0.1, amsgrad=0.1)),
    "beale": (500, dict(sgd=0.001, momentum=0.001, nesterov=0.001, adagrad=0.5, adadelta=None, rmsprop=0.01,
                        adam=0.05, adamax=0.05, nadam=0.05, amsgrad=0.05)),
    "rosenbrock": (800, dict(sgd=0.001, momentum=0.0005, nesterov=0.0005, adagrad=0.5, adadelta=None,
                             rmsprop=0.01, adam=0.05, adamax=0.05, nadam=0.05, amsgrad=0.05)),
}
ADAM_FAMILY = ("adam", "adamax", "nadam", "amsgrad")
GROUPS = {"SGD, momentum, Nesterov, Adagrad, Adadelta, RMSprop": [n for n in RACE if n not in ADAM_FAMILY],
          "the Adam family": list(ADAM_FAMILY)}
# Each optimizer keeps its color (gdbp.plotting.color_for) and gets a line style and a marker of its own, so
# that paths lying on top of each other stay distinguishable.
STYLES = {"sgd": ("-", "o"), "momentum": ("--", "s"), "nesterov": ("-.", "^"), "adagrad": (":", "D"),
          "adadelta": ("-", "x"), "rmsprop": ("--", "v"),
          "adam": ("-", "o"), "adamax": ("--", "s"), "nadam": ("-.", "^"), "amsgrad": (":", "D")}


def draw(ax, name, x, y, num_markers=12):
    """One optimizer's line in its color, line style and marker (num_markers markers along the line)."""
    linestyle, marker = STYLES[name]
    ax.plot(x, y, linestyle=linestyle, marker=marker, markevery=max(1, len(x) // num_markers), markersize=5,
            linewidth=1.5, alpha=0.85, color=color_for(name), label=name)


def inside(objective, path):
    """The rows of ``path`` (k + 1, 2) up to the first one outside the plot window (or not finite)."""
    (x0, x1), (y0, y1) = objective.bounds
    ok = np.isfinite(path).all(axis=1) & (path[:, 0] >= x0) & (path[:, 0] <= x1) & (path[:, 1] >= y0) & (path[:, 1] <= y1)
    return path[: len(path) if ok.all() else int(np.argmin(ok))]


for name, (num_steps, lrs) in SETUPS.items():
    objective = get_objective(name)
    runs = {}
    for rule_name, rule in RACE.items():
        hp = {} if lrs[rule_name] is None else {"lr": lrs[rule_name]}
        runs[rule_name] = inside(objective, optimize(objective.grad, objective.start, rule, num_steps, **hp))
    print(f"{name:10s} final f:", ", ".join(f"{k} {objective.value(p[-1]):.3g}" for k, p in runs.items()))
    fig, axes = plt.subplots(2, 2, figsize=(10, 8.5), sharey="row")
    for column, (group, members) in enumerate(GROUPS.items()):
        contour_ax, loss_ax = axes[0, column], axes[1, column]
        plot_contours(objective, None, ax=contour_ax)
        for member in members:
            draw(contour_ax, member, runs[member][:, 0], runs[member][:, 1])
            draw(loss_ax, member, np.arange(len(runs[member])), objective.value(runs[member]))
        contour_ax.set_title(f"{name}: {group}", fontsize="medium")
        contour_ax.legend(fontsize="small", loc="best")
        loss_ax.set(xlabel="step", yscale="log" if objective.minima else "linear")
        loss_ax.set_title("f along each path" + ("" if objective.minima else " (cut at the window's edge)"),
                          fontsize="medium")
        loss_ax.legend(fontsize="small")
    axes[1, 0].set_ylabel("f")
    fig.tight_layout()
    plt.show()
    plt.close(fig)
''', cell_id="race-2d")

nb.md(r"""
What to look for:

- **Saddle.** SGD, momentum and Nesterov scale their steps with the gradient: near the saddle the $y$
  gradient $-2y$ is tiny, so they linger while $y$ grows geometrically. The adaptive methods divide each
  coordinate by the size of its own gradients: a tiny but **consistent** $y$ gradient still produces steps
  of order $\eta$, and they leave the saddle almost at once. (Adadelta's steps start at $\sqrt{\epsilon}$,
  which is why it is slow to start everywhere.)
- **Beale.** Steep walls next to plateaus: a learning rate small enough for the walls makes SGD crawl on
  the plateau; the adaptive methods take steps of similar length in both.
- **Rosenbrock.** Reaching the valley is easy; following its curve is not. Momentum-like methods (momentum,
  Nesterov, and the Adam family through $m_t$) keep the speed along the valley floor.

- **AMSGrad's lead** on Beale and at the saddle is not (only) its maximum: in Ruder's form it has no bias
  correction, and section 1 showed what that does. For its first few hundred steps its steps are longer than
  Adam's by the factor $(1 - \beta_1^t) / \sqrt{1 - \beta_2^t}$, up to 6.6: a larger effective learning rate.
  With the corrections (`gdbp.optim.amsgrad(..., convention="torch")`) it ends on Beale where Adam does.

No optimizer wins everywhere, and a race on a 2-D function says little about a network with thousands of
parameters. So let us race on one.
""", cell_id="race-2d-discussion")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 7. The race on a network: the MLP on the digits

Here is the whole answer to the course's question in one loop. For each mini-batch, `model.loss(X, y)` runs
the forward pass and then **backpropagation**, which **computes** `grads`, the gradient of the loss with
respect to every array in `model.params`. `optimizer.step(grads)` then **uses** the gradients: it applies the
update rule (here each of the ten) to every parameter array. The ten optimizers receive exactly the same
kind of gradients from the same backprop; they differ only in how they turn them into steps.

The network: `gdbp.model.MLP(64, (32,), 10)` (64 pixels $\to$ 32 ReLU units $\to$ 10 class scores, softmax
cross-entropy), trained by `gdbp.train.train` for 6 epochs in mini-batches of 64 on 80% of the 1797
digits; the other 20% measure the accuracy on held-out data. Every run starts from the same weights
(`seed=0`) and sees the batches in the same order.
""", cell_id="race-mlp-maths")

nb.code(r'''
from gdbp.data import load_digits, train_test_split
from gdbp.model import MLP
from gdbp.optim import Optimizer
from gdbp.train import train

X, y = load_digits()
X_train, X_val, y_train, y_val = train_test_split(X, y, test_fraction=0.2, seed=0, stratify=True)

MLP_LRS = dict(sgd=0.2, momentum=0.05, nesterov=0.05, adagrad=0.05, adadelta=None, rmsprop=0.005,
               adam=0.01, adamax=0.02, nadam=0.01, amsgrad=0.01)


def smooth(losses, window=10):
    """Moving average of the step losses, to see the trend through the mini-batch noise."""
    return np.convolve(losses, np.ones(window) / window, mode="valid")


histories = {}
for name, rule in tqdm(RACE.items(), desc="training the MLP with each optimizer", leave=False):
    model = MLP(64, (32,), 10, seed=0)
    hp = {} if MLP_LRS[name] is None else {"lr": MLP_LRS[name]}
    optimizer = Optimizer(model.params, rule=rule, **hp)
    histories[name] = train(model, optimizer, X_train, y_train, batch_size=64, num_epochs=6,
                            X_val=X_val, y_val=y_val, seed=0)

print(f"{'optimizer':10s} {'lr':>7s} {'train loss':>11s} {'held-out acc':>13s}")
for name, h in histories.items():
    print(f"{name:10s} {str(MLP_LRS[name]):>7s} {h.train_loss[-1]:11.4f} {h.val_acc[-1]:13.3f}")

# One panel per group, as in the 2-D race: the moving average of the step losses as a line, the loss on the
# whole training set after each epoch as markers on it (same color).
steps_per_epoch = histories["sgd"].num_steps // len(histories["sgd"].train_loss)
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, (group, members) in zip(axes, GROUPS.items()):
    for name in members:
        h = histories[name]
        curve = smooth(h.loss)
        draw(ax, name, np.arange(len(curve)) + 9, curve, num_markers=6)
        ax.plot(steps_per_epoch * np.arange(1, len(h.train_loss) + 1), h.train_loss, linestyle="none",
                marker="o", markersize=7, markerfacecolor="none", color=color_for(name))
    ax.set(xlabel="step", yscale="log")
    ax.set_title(group, fontsize="medium")
    ax.legend(fontsize="small")
axes[0].set_ylabel("training loss")
fig.suptitle("lines: moving average of 10 step losses; circles: loss on the whole training set after each epoch",
             fontsize="medium")
fig.tight_layout()
plt.show()
plt.close(fig)
''', cell_id="race-mlp")

nb.md(r"""
On this small, well-scaled problem every optimizer gets above 90% held-out accuracy within six epochs once
its learning rate is reasonable; the differences come mostly from how fast the loss falls. AMSGrad's low
loss has the same cause as on Beale: no bias correction, so larger steps during these 138 updates. (Try the
Adam family at their default `lr`, 0.001 or 0.002: they are slower here. Defaults are a start, not an
answer.)

## 8. Learning-rate schedules

With a constant learning rate, stochastic gradients keep the parameters **jittering** around a minimum: the
step does not shrink as the gradient's noise does not. A schedule lowers $\eta$ as training goes on
(`gdbp.optim.schedules`; `step` counts the updates made so far, from 0):

| schedule | $\eta(\text{step})$ |
|---|---|
| `constant(lr)` | $\eta_0$ |
| `step_decay(lr, step_size, gamma)` | $\eta_0\, \gamma^{\lfloor \text{step} / \text{step\_size} \rfloor}$ |
| `exponential(lr, gamma)` | $\eta_0\, \gamma^{\text{step}}$ |
| `cosine(lr, total_steps)` | $\tfrac{\eta_0}{2}\big(1 + \cos(\pi\, \text{step} / \text{total\_steps})\big)$ (Loshchilov & Hutter, 2017) |
| `warmup(schedule, warmup_steps)` | $\eta_0\, (\text{step} + 1) / \text{warmup\_steps}$ for the first steps, then `schedule` |

**Warm-up** does the opposite at the start: it begins with a small $\eta$ and raises it linearly, because the
first steps from random weights have large, unreliable gradients (and for Adam, $\hat v_t$ rests on very few
gradients then). Here is the library's own code of the last two:
""", cell_id="schedules-maths")

nb.code(r'''
from gdbp.course import show_source

from gdbp.optim import schedules

show_source(schedules.cosine, schedules.warmup)
''', cell_id="schedules-source")

nb.md(r"""
We compare them on **one optimizer**, your `adam`, with a deliberately high peak learning rate
$\eta_0 = 0.1$ (ten times the one of the race), over 10 epochs ($10 \times 23 = 230$ updates). The
`Optimizer` takes the schedule instead of `lr` and calls `schedule(t)` before each update.
""", cell_id="schedules-intro")

nb.code(r'''
num_epochs = 10
num_steps = num_epochs * int(np.ceil(len(X_train) / 64))  # 10 epochs of 23 mini-batches
lr0 = 0.1
SCHEDULES = {
    "constant": schedules.constant(lr0),
    "step (x0.3 every 77 steps)": schedules.step_decay(lr0, step_size=77, gamma=0.3),
    "exponential (x0.98 per step)": schedules.exponential(lr0, gamma=0.98),
    "cosine": schedules.cosine(lr0, total_steps=num_steps),
    "warm-up 20 steps + cosine": schedules.warmup(schedules.cosine(lr0, total_steps=num_steps - 20), 20),
}
SCHEDULE_STYLES = dict(zip(SCHEDULES, ("-", "--", "-.", ":", "-")))
adam_rule = yours_or_reference(adam, optim.adam, *PROBE)

fig, axes = plt.subplots(1, 3, figsize=(10, 4), layout="constrained")
print(f"{'schedule':30s} {'train loss per epoch (last 4)':>30s} {'held-out acc':>13s}")
for (label, schedule), color in tqdm(list(zip(SCHEDULES.items(), plt.cm.tab10.colors)), desc="schedules",
                                     leave=False):
    style = dict(color=color, linestyle=SCHEDULE_STYLES[label], linewidth=1.5)
    axes[0].plot([schedule(step) for step in range(num_steps)], label=label, **style)
    model = MLP(64, (32,), 10, seed=0)
    optimizer = Optimizer(model.params, rule=adam_rule, schedule=schedule)
    h = train(model, optimizer, X_train, y_train, batch_size=64, num_epochs=num_epochs,
              X_val=X_val, y_val=y_val, seed=0)
    axes[1].semilogy(smooth(h.loss), **style)
    axes[2].semilogy(np.arange(1, num_epochs + 1), h.train_loss, marker="o", markersize=4, **style)
    print(f"{label:30s} {str(np.round(h.train_loss[-4:], 3)):>30s} {h.val_acc[-1]:13.3f}")
axes[0].set_ylabel("learning rate")
for ax, title, xlabel in zip(axes, ("the schedules", "loss per step (moving avg.)", "training-set loss per epoch"),
                             ("step", "step", "epoch")):
    ax.set_title(title, fontsize="medium")
    ax.set_xlabel(xlabel)
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize="small")
plt.show()
plt.close(fig)
''', cell_id="schedules-race")

nb.md(r"""
With the constant rate the loss stops improving after a few epochs and **jumps around** (right-hand plot):
the steps stay as long as at the start, so the parameters keep bouncing across the minimum's valley. Step
decay, cosine and warm-up + cosine end several times lower and smoothly: late in training their steps are
short. The exponential schedule with $0.98$ per step decays **too early** (at a fiftieth of $\eta_0$ after
200 steps): its curve is smooth but it stops making progress well above the others. A schedule is a trade
between progress (a large $\eta$) and noise (a small one), and its best shape depends on how long you train.
Warm-up matters most with large learning rates and large models; here it costs little and helps a little.

## Recap

- A moving average started at 0 underestimates by the factor $1 - \beta^t$; Adam divides it out. Without
  the correction, Adam's first steps would be several times too large.
- **Adam** = momentum's average of $g$ + RMSprop's average of $g^2$, both bias-corrected; $\epsilon$ outside
  the root; steps of order $\eta$ whatever the scale of the gradient.
- **AdaMax** replaces $\sqrt{\hat v_t}$ by the decaying maximum $u_t = \max(\beta_2 u_{t-1}, |g_t|)$: no
  $\epsilon$, no correction of $u$, and a step of 0 where every gradient so far was 0.
- **Nadam** uses the current momentum $\hat m_t$ where Adam uses the previous one: Nesterov's look-ahead.
- **AMSGrad** divides by the largest $v_t$ seen so far, so the effective learning rate never grows again; in
  Ruder's form it has no bias correction. It repairs Reddi et al.'s example, where Adam ends at the worst
  point.
- All ten optimizers consume the same gradients from backpropagation; on the digits all of them work once
  the learning rate is reasonable. Schedules (step, exponential, cosine, warm-up) shape $\eta$ over training.

## Questions

1. With $\beta_2 = 0.999$, roughly how many steps does it take until the bias factor $1 - \beta_2^t$ of $v_t$
   exceeds $0.5$? And for $\beta_1 = 0.9$ and $m_t$?
2. What is Adam's step at $t = 1$ for a coordinate with gradient $g_1 = 10^{-3}$, with $\eta = 0.01$? What
   would plain SGD with the same $\eta$ do?
3. Why does AdaMax need no $\epsilon$, and why must it still treat $u_t = 0$ specially?
4. At $t = 1$, do Adam and Nadam take the same step? (Expand both formulas with $m_0 = 0$.)
5. In Reddi et al.'s example, what would happen to AMSGrad if the large gradient $C$ came only once, at
   $t = 1$, and never again?
6. Your colleague's loss curve falls quickly and then stays noisy at a level well above the best loss seen.
   Which schedule would you try, and why?

<details><summary>Short answers</summary>

1. $0.999^t = 0.5$ at $t = \ln 0.5 / \ln 0.999 \approx 693$ steps; for $\beta_1 = 0.9$, about 7 steps.
2. $\hat m_1 = g_1$, $\hat v_1 = g_1^2$, so the step is $\eta\, g_1 / (|g_1| + \epsilon) \approx \eta = 0.01$.
   SGD moves by $\eta g_1 = 10^{-5}$, a thousand times less.
3. $u_t$ is a maximum of the (decayed) $|g_i|$ that $m_t$ averages, so $|m_t| / u_t$ stays bounded (about 1 at
   most): nothing small sits in the denominator unless $u_t = 0$ exactly, which happens only when every
   gradient so far was 0; then $m_t = 0$ too, and $0/0$ must be read as a step of 0.
4. No. Adam's step at $t = 1$ is $\eta\, \hat m_1 / (\sqrt{\hat v_1} + \epsilon)$ with $\hat m_1 = g_1$; Nadam's
   is $\eta (\beta_1 g_1 + (1 - \beta_1) g_1 / (1 - \beta_1)) / (\sqrt{\hat v_1} + \epsilon)
   = \eta (1 + \beta_1) g_1 / (|g_1| + \epsilon)$, nearly twice as long.
5. $\hat v_t$ would stay at $(1-\beta_2) C^2$ forever, so every later step would be divided by that large
   value: AMSGrad's effective learning rate never recovers, which is the price of the fix.
6. A decaying schedule (step decay, exponential or cosine): a smaller $\eta$ late in training shrinks the
   jitter that the gradient noise causes around the minimum.

</details>
""", cell_id="recap")

if __name__ == "__main__":
    print(nb.write())

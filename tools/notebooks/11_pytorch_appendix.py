"""Authoring source of solutions/11_pytorch_appendix: from gdbp to PyTorch (appendix, no graded exercises).

Run ``.venv/bin/python tools/notebooks/11_pytorch_appendix.py`` to rebuild the instructor notebook, then
regenerate the learner release with ``gdbp-course release 11_pytorch_appendix`` (see CONTRIBUTING).

The notebook runs with or without PyTorch: the first code cell sets ``torch = None`` when it cannot be
imported (e.g. on Binder), and every cell that needs it prints "skipped: ..." instead of failing. It has one
optional, ungraded exercise (the learner's Adam from notebook 10 against torch.optim.Adam).
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from tools.nbbuild import Notebook  # noqa: E402

NAME = "11_pytorch_appendix"

nb = Notebook(NAME)

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
# 11 · Appendix: from gdbp to PyTorch

Everything in this course was written in plain numpy so that you could see, and write, every line. Real
projects use a framework such as PyTorch, which does the same two things at scale: **backpropagation**
(`loss.backward()`, by `torch.autograd`) and **gradient descent** (`optimizer.step()`, by `torch.optim`).
This appendix runs the same computations in gdbp and in PyTorch side by side and shows that they agree to
rounding error.

## Learning goals

- You will map gdbp's pieces onto PyTorch's: `Value` and `model.loss` onto `torch.autograd`, the pure update
  rules of `gdbp.optim` onto the `torch.optim` classes, `gdbp.optim.schedules` onto `torch.optim.lr_scheduler`.
- You will check that gdbp's backpropagation (the scalar engine and the MLP) gives the same gradients as
  `torch.autograd`, to about $10^{-15}$.
- You will check that each of the ten optimizers with `convention="torch"` takes the same steps as
  `torch.optim`, and see **where and why** the paper's form (the one you wrote) differs: the place of
  $\epsilon$, the place of the learning rate, AdaMax's $\epsilon$, Nadam's momentum schedule and AMSGrad's bias
  correction (`docs/conventions.md`).
- You will train the same network in both libraries, batch for batch, and get the same losses.

**PyTorch is optional.** If it is not installed (on Binder it is not), every cell that needs it prints
`skipped` and the notebook still runs from top to bottom. To run everything, install it with

```
pip install torch
```

(or `%pip install torch` in a cell; the CPU version is enough), then restart the kernel and run all cells.
There are no graded exercises here, only an optional one at the end.
""", cell_id="intro")

nb.code(r'''
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from gdbp import optim
from gdbp.course import yours_or_reference
from gdbp.gradcheck import rel_error

try:
    import torch
except ImportError:
    torch = None

SKIPPED = "skipped: PyTorch is not installed here (pip install torch, then restart the kernel)"
if torch is None:
    print("PyTorch is not installed in this environment (e.g. on Binder): the PyTorch cells below print\n"
          "'skipped' instead of running. To run them: pip install torch (or %pip install torch in a cell),\n"
          "then restart the kernel and run all cells again.")
else:
    torch.set_default_dtype(torch.float64)  # gdbp computes in float64: compare like with like
    print(f"PyTorch {torch.__version__} found: every cell runs.")
''', cell_id="setup")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 1. The dictionary

| gdbp (this course) | PyTorch |
|---|---|
| `Value(2.0)`, `.backward()`, `.grad` (notebook 05) | `torch.tensor(2.0, requires_grad=True)`, `.backward()`, `.grad` |
| `backward()` **resets** the grads, then fills them | `backward()` **adds** to `.grad`: call `optimizer.zero_grad()` before each backward |
| `affine_forward(x, w, b)`: `x @ w + b`, `w` of shape (D, M) | `torch.nn.Linear(D, M)`: `x @ weight.T + bias`, `weight` of shape **(M, D)** |
| `softmax_loss(scores, y)` (mean over the batch) | `torch.nn.functional.cross_entropy(scores, y)` (mean by default) |
| `model.loss(X, y) -> (loss, grads)`: forward and backprop in one call | `loss = F.cross_entropy(net(X), y)`; `loss.backward()` fills each `p.grad` |
| `model.params`: a dict of arrays | `net.parameters()`: tensors that carry their own `.grad` |
| `adam(param, grad, state, lr=...)`: a **pure** function, returns new param and new state | `torch.optim.Adam(params, lr=...)`: an object that keeps the state and **changes the tensors in place** in `step()` |
| `Optimizer(params, rule="adam").step(grads)` | `optimizer.step()` reads the gradients from `p.grad` |
| `gdbp.optim.schedules.cosine(lr, total_steps)`: a function of the step | `torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max)`, advanced by `scheduler.step()` |

The course's question, *how do gradient descent and backpropagation relate?*, has the same answer in both:
backpropagation (`model.loss` / `loss.backward()`) **computes** the gradient, gradient descent
(`Optimizer.step` / `optimizer.step()`) **uses** it.

## 2. The scalar engine against torch.autograd

The expression of micrograd's own test, built once with gdbp's `Value` (notebook 05) and once with PyTorch
tensors; both run backpropagation and must give the same derivatives.
""", cell_id="dictionary")

nb.code(r'''
from gdbp.engine import Value


def expression(x):
    """Works for a gdbp Value and for a torch tensor alike: only + * ** relu tanh exp."""
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return (h + q + q * x + (x * 0.1).tanh() + (x * 0.2).exp()) / 10


x = Value(-4.0)
out = expression(x)
out.backward()
print(f"gdbp : out = {out.data:.15f}, d out/dx = {x.grad:.15f}")

if torch is None:
    print(SKIPPED)
else:
    xt = torch.tensor(-4.0, requires_grad=True)
    out_t = expression(xt)
    out_t.backward()
    print(f"torch: out = {out_t.item():.15f}, d out/dx = {xt.grad.item():.15f}")
    print(f"differences: {abs(out.data - out_t.item()):.1e} (value), {abs(x.grad - xt.grad.item()):.1e} (gradient)")
''', cell_id="engine-vs-autograd")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 3. Backpropagation through the MLP against torch.autograd

A `gdbp.model.MLP` with two tanh hidden layers and L2 regularisation ($\tfrac12 \lambda \sum W^2$ over the
weight matrices), on 100 digits. gdbp's `model.loss` runs the forward pass and backpropagation through the
layers of notebook 06. PyTorch gets the **same** weights, builds the same computation from tensors and lets
`torch.autograd` work out the gradients. We compare every gradient with `rel_error` (notebook 03). Float64
and the same formulas: the difference should be rounding, about $10^{-15}$; a real bug shows as $10^{-3}$ or
more.
""", cell_id="mlp-maths")

nb.code(r'''
from gdbp.data import load_digits
from gdbp.model import MLP

X, y = load_digits()
X_small, y_small = X[:100], y[:100]
reg = 0.01
model = MLP(64, (32, 16), 10, activation="tanh", init="xavier", reg=reg, seed=1)
loss, grads = model.loss(X_small, y_small)  # forward + backpropagation in numpy

if torch is None:
    print(f"gdbp loss = {loss:.15f}")
    print(SKIPPED)
else:
    F = torch.nn.functional
    tparams = {name: torch.tensor(p, requires_grad=True) for name, p in model.params.items()}
    h = torch.tensor(X_small)
    for i in (1, 2):
        h = torch.tanh(h @ tparams[f"W{i}"] + tparams[f"b{i}"])
    scores = h @ tparams["W3"] + tparams["b3"]
    loss_t = F.cross_entropy(scores, torch.tensor(y_small))
    loss_t = loss_t + 0.5 * reg * sum((tparams[f"W{i}"] ** 2).sum() for i in (1, 2, 3))
    loss_t.backward()  # torch.autograd: backpropagation

    print(f"loss: gdbp {loss:.15f}, torch {loss_t.item():.15f}")
    print(f"{'param':6s} {'shape':>9s} {'rel_error(gdbp grad, torch grad)':>34s}")
    for name in model.params:
        print(f"{name:6s} {str(grads[name].shape):>9s} {rel_error(grads[name], tparams[name].grad.numpy()):34.1e}")
''', cell_id="mlp-vs-autograd")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 4. Optimizers: the paper's form and PyTorch's form

The rules you wrote in notebooks 04 to 10 follow **the paper**: the algorithm as Ruder's overview presents
it. `torch.optim` sometimes computes something slightly different. Every rule in `gdbp.optim` has both:
`convention="paper"` (the default, what the checkers compare with) and `convention="torch"` (exactly what
`torch.optim` does). The differences (all of them are in `docs/conventions.md`):

| rule | paper (`convention="paper"`) | PyTorch (`convention="torch"`) |
|---|---|---|
| `momentum`, `nesterov` | $v = \gamma v + \eta g$: the learning rate is **inside** the velocity | $b = \mu b + g$, step $\eta b$: **outside**. Same steps while $\eta$ is constant; with a schedule the paper's velocity remembers the old learning rates |
| `adagrad`, `rmsprop` | $\eta\, g / \sqrt{G + \epsilon}$: $\epsilon$ **inside** the root | $\eta\, g / (\sqrt{G} + \epsilon)$: **outside** (as in Adam) |
| `adadelta` | no learning rate | `lr` multiplies the step (default 1.0: the paper) |
| `adamax` | $u = \max(\beta_2 u, \lvert g\rvert)$, no $\epsilon$ (a step of 0 where $u = 0$) | $u = \max(\beta_2 u, \lvert g\rvert + \epsilon)$ |
| `nadam` | Ruder's form, constant $\beta_1$ | Dozat's momentum schedule $\mu_t = \beta_1 (1 - \tfrac12 0.96^{t \psi})$ |
| `amsgrad` | no bias correction | Adam's bias corrections kept (`torch.optim.Adam(amsgrad=True)`) |
| `adam` | the same formula (they differ by rounding only) | |

Some **defaults** differ too (SGD's learning rate, RMSprop's $\rho$, Adagrad's $\epsilon$...);
`gdbp.optim.defaults(name, convention)` lists them:
""", cell_id="conventions-maths")

nb.code(r'''
NAMES = ["sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "adamax", "nadam", "amsgrad"]


def as_text(hyperparameters):
    return ", ".join(f"{k}={v:g}" for k, v in hyperparameters.items())


print(f"{'rule':9s} {'paper defaults':52s} torch defaults")
for name in NAMES:
    paper, torch_defaults = optim.defaults(name, "paper"), optim.defaults(name, "torch")
    print(f"{name:9s} {as_text(paper):52s} {as_text(torch_defaults) if torch_defaults != paper else '(the same)'}")
''', cell_id="defaults-table")

nb.md(r"""
**Where $\epsilon$ sits matters only for tiny gradients.** One RMSprop step from 0 with gradient $10^{-8}$
($\rho = 0.99$, $\epsilon = 10^{-8}$, $\eta = 0.01$): the paper's $\sqrt{E + \epsilon}$ is about $\sqrt{\epsilon} =
10^{-4}$ and damps the step ten thousand times; PyTorch's $\sqrt{E} + \epsilon = 10^{-9} + 10^{-8}$ is about as
small as the gradient, and the step is about $\eta$, as for any other gradient.
For gradients of ordinary size both give the same step.
""", cell_id="eps-maths")

nb.code(r'''
for g in (1e-8, 1.0):
    grad = np.array([g])
    steps = {conv: -optim.rmsprop(np.zeros(1), grad, None, lr=0.01, rho=0.99, eps=1e-8, convention=conv)[0][0]
             for conv in ("paper", "torch")}
    print(f"gradient {g:g}: paper step {steps['paper']:.3e}, torch step {steps['torch']:.3e}")

if torch is None:
    print(SKIPPED)
else:
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.RMSprop([p], lr=0.01, alpha=0.99, eps=1e-8)
    p.grad = torch.tensor([1e-8])
    opt.step()
    print(f"torch.optim.RMSprop, gradient 1e-08: step {-p.item():.3e}")
''', cell_id="eps-demo")

nb.md(r"""
### Every rule against torch.optim

Each of the ten rules runs 100 steps on the ill-conditioned quadratic $0.1 x^2 + 2 y^2$ (notebook 08) from
$(-4.5, 1.5)$, next to the matching `torch.optim` class with its default settings; both take the gradient at
their own iterate. The table shows the largest difference between the iterates, for gdbp's torch convention
(must be rounding, below $10^{-12}$) and for the paper convention run with PyTorch's hyperparameters (so only
the formula differs).
""", cell_id="optim-maths")

nb.code(r'''
from gdbp.descent import optimize
from gdbp.objectives import get_objective

# gdbp rule -> (torch.optim class, its keyword arguments); everything else is torch's default
TORCH_OPTIM = {
    "sgd": ("SGD", {}),
    "momentum": ("SGD", {"momentum": 0.9}),
    "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}),
    "adagrad": ("Adagrad", {}),
    "adadelta": ("Adadelta", {}),
    "rmsprop": ("RMSprop", {}),
    "adam": ("Adam", {}),
    "adamax": ("Adamax", {}),
    "nadam": ("NAdam", {}),
    "amsgrad": ("Adam", {"amsgrad": True}),
}
quadratic = get_objective("ill_conditioned")
NUM_STEPS = 100


def torch_trajectory(class_name, kwargs, objective, num_steps):
    """Run torch.optim.<class_name> on a 2-D objective (gradient from gdbp's formula); returns (k + 1, 2)."""
    p = torch.tensor(np.array(objective.start), requires_grad=True)
    opt = getattr(torch.optim, class_name)([p], **kwargs)
    path = [p.detach().numpy().copy()]
    for _ in range(num_steps):
        p.grad = torch.from_numpy(objective.grad(p.detach().numpy()))
        opt.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


def paper_with_torch_hyperparameters(name):
    """The torch defaults of a rule, restricted to the hyperparameters its paper form has."""
    paper = optim.defaults(name, "paper")
    return {k: v for k, v in optim.defaults(name, "torch").items() if k in paper}


if torch is None:
    print(SKIPPED)
else:
    print(f"{'rule':9s} {'torch.optim':24s} {'torch convention':>17s} {'paper convention':>17s}")
    for name, (class_name, kwargs) in TORCH_OPTIM.items():
        reference = torch_trajectory(class_name, kwargs, quadratic, NUM_STEPS)
        as_torch = optimize(quadratic.grad, quadratic.start, optim.RULES[name], NUM_STEPS, convention="torch")
        as_paper = optimize(quadratic.grad, quadratic.start, optim.RULES[name], NUM_STEPS,
                            **paper_with_torch_hyperparameters(name))
        label = class_name + "(" + ", ".join(f"{k}={v}" for k, v in kwargs.items()) + ")"
        print(f"{name:9s} {label:24s} {np.abs(as_torch - reference).max():17.1e} {np.abs(as_paper - reference).max():17.1e}")
''', cell_id="optim-vs-torch")

nb.md(r"""
How to read the last column: 0 or about $10^{-16}$ means the two forms compute the same numbers (SGD,
momentum and Nesterov with a constant learning rate, Adadelta with `lr=1`, Adam). A small difference is the
place of $\epsilon$ (Adagrad, RMSprop, AdaMax: $10^{-12}$ to $10^{-7}$, invisible at ordinary gradients). Nadam and AMSGrad differ in
the algorithm itself. Their paths, on the same quadratic:
""", cell_id="paths-maths")

nb.code(r'''
from gdbp.plotting import plot_contours

if torch is None:
    print(SKIPPED)
else:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
    for ax, name in zip(axes, ("nadam", "amsgrad")):
        class_name, kwargs = TORCH_OPTIM[name]
        hp = dict(lr=0.1)  # a larger step than the default, so that the paths are visible
        paper = optimize(quadratic.grad, quadratic.start, optim.RULES[name], NUM_STEPS, **hp)
        as_torch = optimize(quadratic.grad, quadratic.start, optim.RULES[name], NUM_STEPS, convention="torch", **hp)
        reference = torch_trajectory(class_name, {**kwargs, **hp}, quadratic, NUM_STEPS)
        plot_contours(quadratic, None, ax=ax)
        ax.plot(paper[:, 0], paper[:, 1], "o-", markersize=3, color="tab:blue", label=f"gdbp {name}, paper")
        ax.plot(as_torch[:, 0], as_torch[:, 1], "o-", markersize=5, color="tab:orange",
                label=f'gdbp {name}, convention="torch"')
        ax.plot(reference[:, 0], reference[:, 1], "x", markersize=4, color="black",
                label=f"torch.optim.{class_name}")
        torch_call = f"{class_name}({', '.join(f'{k}={v}' for k, v in {**kwargs, **hp}.items())})"
        ax.set_title(f"{name}: paper vs torch.optim.{torch_call}\n{NUM_STEPS} steps", fontsize="medium")
        ax.legend(fontsize="small", loc="lower right")
    fig.tight_layout()
    plt.show()
    plt.close(fig)
''', cell_id="paths-plot")

nb.md(r"""
The black crosses (PyTorch) sit on the orange path (gdbp's torch convention); the blue path (the paper's
form, which you wrote) is a different algorithm. AMSGrad's paper form has no bias correction, so its first
steps are longer (notebook 10, section 1); Nadam's torch form starts with a smaller momentum coefficient
($\mu_1 \approx 0.45$ instead of $0.9$). Neither is wrong: they are two published variants, and code that
claims to implement "Nadam" or "AMSGrad" should say which.

### Schedules against torch.optim.lr_scheduler

gdbp's schedules are plain functions of the step; PyTorch's schedulers change the optimizer's `lr` each time
`scheduler.step()` is called. Same numbers:
""", cell_id="paths-discussion")

nb.code(r'''
from gdbp.optim import schedules

if torch is None:
    print(SKIPPED)
else:
    S = torch.optim.lr_scheduler
    PAIRS = {  # name: (gdbp schedule, function making the torch scheduler from an optimizer)
        "step_decay": (schedules.step_decay(0.1, step_size=10, gamma=0.5), lambda o: S.StepLR(o, step_size=10, gamma=0.5)),
        "exponential": (schedules.exponential(0.1, gamma=0.95), lambda o: S.ExponentialLR(o, gamma=0.95)),
        "cosine": (schedules.cosine(0.1, total_steps=50), lambda o: S.CosineAnnealingLR(o, T_max=50)),
        "warmup (10 steps)": (schedules.warmup(0.1, warmup_steps=10),
                              lambda o: S.LinearLR(o, start_factor=1 / 10, total_iters=9)),
    }
    for name, (schedule, make) in PAIRS.items():
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=0.1)
        scheduler = make(opt)
        torch_lrs = []
        for step in range(50):
            torch_lrs.append(opt.param_groups[0]["lr"])
            opt.step()  # (no gradient: nothing moves) torch wants optimizer.step() before scheduler.step()
            scheduler.step()
        gdbp_lrs = [schedule(step) for step in range(50)]
        print(f"{name:18s} first lrs {np.round(gdbp_lrs[:3], 4)}  max |gdbp - torch| over 50 steps: "
              f"{np.abs(np.array(gdbp_lrs) - torch_lrs).max():.1e}")
''', cell_id="schedules-vs-torch")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 5. The same training run in both libraries

Now the whole loop of notebook 07: an MLP $64 \to 32 \to 10$ (ReLU) on the digits, Adam with `lr=0.01`,
mini-batches of 64, two epochs. gdbp trains with `gdbp.train.train_step` and
`Optimizer(..., rule="adam", convention="torch")`; PyTorch with `torch.nn.Sequential`, `loss.backward()` and
`torch.optim.Adam`. Both start from the same weights (PyTorch's `nn.Linear` stores $W^\top$) and see the same
batches in the same order. Each step in PyTorch reads:

```python
optimizer.zero_grad()                        # torch accumulates gradients: clear the last ones
loss = F.cross_entropy(net(X_batch), y_batch)
loss.backward()                              # backpropagation: computes every p.grad
optimizer.step()                             # gradient descent (here Adam): uses them
```
""", cell_id="training-maths")

nb.code(r'''
from gdbp.data import batches, train_test_split
from gdbp.optim import Optimizer
from gdbp.train import train_step

if torch is None:
    print(SKIPPED)
else:
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_fraction=0.2, seed=0, stratify=True)
    model = MLP(64, (32,), 10, seed=0)
    optimizer = Optimizer(model.params, rule="adam", lr=0.01, convention="torch")

    net = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    with torch.no_grad():  # copy gdbp's initial weights; nn.Linear keeps weight of shape (out, in)
        for layer, i in ((net[0], 1), (net[2], 2)):
            layer.weight.copy_(torch.tensor(model.params[f"W{i}"].T))
            layer.bias.copy_(torch.tensor(model.params[f"b{i}"]))
    torch_optimizer = torch.optim.Adam(net.parameters(), lr=0.01)

    gdbp_losses, torch_losses = [], []
    rng = np.random.default_rng(0)
    for epoch in range(2):
        for X_batch, y_batch in batches(X_train, y_train, 64, seed=rng):
            gdbp_losses.append(train_step(model, optimizer, X_batch, y_batch))

            torch_optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(torch.tensor(X_batch)), torch.tensor(y_batch))
            loss.backward()
            torch_optimizer.step()
            torch_losses.append(loss.item())

    gdbp_losses, torch_losses = np.array(gdbp_losses), np.array(torch_losses)
    print(f"{len(gdbp_losses)} steps; largest |loss difference|: {np.abs(gdbp_losses - torch_losses).max():.1e}")
    print(f"W1 after training: largest |difference| {np.abs(model.params['W1'] - net[0].weight.detach().numpy().T).max():.1e}")
    with torch.no_grad():
        torch_acc = (net(torch.tensor(X_val)).argmax(dim=1).numpy() == y_val).mean()
    print(f"held-out accuracy: gdbp {model.accuracy(X_val, y_val):.3f}, torch {torch_acc:.3f}")

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    axes[0].semilogy(gdbp_losses, label="gdbp", linewidth=3, alpha=0.5)
    axes[0].semilogy(torch_losses, "--", label="PyTorch", color="black")
    axes[0].set_title("loss per step")
    axes[0].legend()
    axes[1].semilogy(np.maximum(np.abs(gdbp_losses - torch_losses), 1e-18), "o", markersize=4)
    axes[1].set_ylim(1e-19, 1e-12)
    axes[1].set_title("|gdbp loss - PyTorch loss| (exact 0 at 1e-18)", fontsize="medium")
    for ax in axes:
        ax.set_xlabel("step")
    fig.tight_layout()
    plt.show()
    plt.close(fig)
''', cell_id="training-both")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 6. Optional exercise (not graded): your Adam against torch.optim.Adam

Adam is the one rule whose paper form **is** PyTorch's form. Paste your `adam` from notebook 10 into the cell
below (same signature, `adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8) ->
(new_param, new_state)`), run it, then run the next cell: it runs your function and `torch.optim.Adam` side
by side for 200 steps on the ill-conditioned quadratic with `lr=0.1` and prints the largest difference. Until
you paste it, the comparison uses gdbp's reference.

Then try: paste your `amsgrad` and compare it with `torch.optim.Adam(amsgrad=True)`. Does it agree? Which line
of the table in section 4 tells you why?
""", cell_id="optional-instructions")

nb.solution("optional-adam", r'''
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Your Adam from notebook 10 (paper convention). Returns (new_param, new_state)."""
    ### BEGIN SOLUTION
    if state is None:
        state = (0, np.zeros_like(param), np.zeros_like(param))
    t, m, v = state
    t = t + 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), (t, m, v)
    ### END SOLUTION
''')

nb.hints("optional-adam", [r"""
Open notebook 10 and copy the body of your `adam` (the cell of its Exercise 1, after it passed its test) into
the cell above: the function is the same, only the comparison is new.
""", r"""
The box of notebook 10, section 2: two moving averages of $g$ and $g^2$, both bias-corrected with the step
count $t$ (1 at the first call), then $\theta_t = \theta_{t-1} - \eta\,\hat m_t / (\sqrt{\hat v_t} + \epsilon)$.
PyTorch's `Adam` follows the same equations, with the same place of $\epsilon$.
""", r"""
```python
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        state = ...             # t = 0 and two arrays of zeros
    t, m, v = state
    ...                         # as in notebook 10
    return new_param, (t, m, v)
```
"""])

nb.code(r'''
your_adam = yours_or_reference(adam, optim.adam, np.zeros(2), np.ones(2), None)
whose = "your adam" if your_adam is adam else "gdbp.optim.adam"

if torch is None:
    print(SKIPPED)
else:
    mine = optimize(quadratic.grad, quadratic.start, your_adam, 200, lr=0.1)
    reference = torch_trajectory("Adam", {"lr": 0.1}, quadratic, 200)
    print(f"{whose} vs torch.optim.Adam(lr=0.1), 200 steps: largest |difference| {np.abs(mine - reference).max():.1e}")
''', cell_id="optional-compare")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## Recap

- PyTorch does what you wrote by hand: `loss.backward()` is backpropagation (it computes every gradient, like
  `Value.backward` and `model.loss`), `optimizer.step()` is gradient descent with an update rule (it uses
  them, like `gdbp.optim`). gdbp and PyTorch agree on the gradients to about $10^{-15}$.
- Practical differences: PyTorch **accumulates** gradients (hence `zero_grad()`), stores `nn.Linear` weights
  as $W^\top$, and its optimizers are objects that change the tensors in place rather than pure functions.
- `torch.optim` follows the papers except where it does not: $\epsilon$ outside the root (Adagrad, RMSprop),
  the learning rate outside the velocity (momentum, Nesterov), $\epsilon$ in AdaMax's maximum, Dozat's momentum
  schedule in NAdam, bias correction in AMSGrad, and some defaults. `gdbp.optim`'s `convention="torch"`
  reproduces it to rounding error; `docs/conventions.md` lists every difference.

## Questions

1. Why does a PyTorch training loop call `optimizer.zero_grad()` and a gdbp loop not?
2. `torch.nn.Linear(64, 32).weight` has shape (32, 64). What is the shape of gdbp's `W1` for the same layer,
   and how do you convert one into the other?
3. With a constant learning rate, momentum in the paper's form and in PyTorch's form take the same steps.
   Show it (hint: $v_t = \eta\, b_t$). Why do they differ once the learning rate follows a schedule?
4. For which gradients does the place of $\epsilon$ in RMSprop matter, and by roughly how much?
5. You paste your `nadam` from notebook 10 next to `torch.optim.NAdam` and the paths differ. Is your code
   wrong?

<details><summary>Short answers</summary>

1. PyTorch's `backward()` adds to `p.grad`, so old gradients must be cleared; gdbp's `model.loss` returns new
   gradients every time (and `Value.backward()` resets them first).
2. (64, 32): gdbp computes `x @ W1`, PyTorch `x @ weight.T`; `W1 = weight.T`.
3. Paper: $v_t = \gamma v_{t-1} + \eta g_t$, $\theta_t = \theta_{t-1} - v_t$. PyTorch: $b_t = \mu b_{t-1} + g_t$,
   $\theta_t = \theta_{t-1} - \eta b_t$. With $v_t = \eta b_t$ the first becomes the second if $\eta$ is the
   same at every step. With a schedule the paper's velocity holds gradients multiplied by the learning rates
   of their own steps, PyTorch's multiplies all of them by the current one.
4. Only when the running average of $g^2$ is not much larger than $\epsilon$ (gradients of about
   $\sqrt{\epsilon} = 10^{-4}$ or smaller); at $g = 10^{-8}$ the paper's step is about ten thousand times
   shorter.
5. Not necessarily: `torch.optim.NAdam` implements Dozat's momentum schedule, your `nadam` Ruder's form with a
   constant $\beta_1$. Compare with `gdbp.optim.nadam(..., convention="paper")` (the checker did), or with
   `convention="torch"` to match PyTorch.

</details>
""", cell_id="recap")

if __name__ == "__main__":
    print(nb.write())

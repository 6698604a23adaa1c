"""gdbp.optim with convention="torch" against torch.optim, step by step (PyTorch is the oracle).

Every case runs both implementations for 120 steps on the same quadratic J(x) = 0.5 x^T A x, each taking
the gradient A x at its own iterate, and compares the iterates after every step. Tolerance 1e-12 absolute
in float64: the two compute the same formulas in a different order (e.g. lerp vs beta m + (1-beta) g,
sqrt(v)/sqrt(1-beta2^t) vs sqrt(v/(1-beta2^t))), so they differ by rounding, ~1e-16 relative per step,
with iterates of size ~1; 1e-12 leaves room for accumulation over 120 steps and nothing more.
"""
import numpy as np
import pytest
from conftest import require_torch

import gdbp.optim as optim

N_STEPS = 120
TOL = 1e-12


def ill_conditioned_quadratic(seed, scale=1.0, dim=6):
    """A = scale * Q diag(logspace(0, 2)) Q^T (condition number 100) and a start x0 ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    A = scale * (Q * np.logspace(0, 2, dim)) @ Q.T
    return A, rng.normal(size=dim)


# (case id, gdbp rule, gdbp hyperparameters, torch.optim class name, torch keyword arguments)
CASES = [
    ("sgd-default", "sgd", {}, "SGD", {}),
    ("sgd-lr", "sgd", {"lr": 0.015}, "SGD", {"lr": 0.015}),
    ("momentum-default", "momentum", {}, "SGD", {"momentum": 0.9}),
    ("momentum-options", "momentum", {"lr": 0.005, "momentum": 0.5}, "SGD", {"lr": 0.005, "momentum": 0.5}),
    ("nesterov-default", "nesterov", {}, "SGD", {"momentum": 0.9, "nesterov": True}),
    ("nesterov-options", "nesterov", {"lr": 0.004, "momentum": 0.7}, "SGD",
     {"lr": 0.004, "momentum": 0.7, "nesterov": True}),
    ("adagrad-default", "adagrad", {}, "Adagrad", {}),
    ("adagrad-options", "adagrad", {"lr": 0.3, "eps": 1e-6}, "Adagrad", {"lr": 0.3, "eps": 1e-6}),
    ("adadelta-default", "adadelta", {}, "Adadelta", {}),
    ("adadelta-options", "adadelta", {"lr": 0.5, "rho": 0.95, "eps": 1e-4}, "Adadelta",
     {"lr": 0.5, "rho": 0.95, "eps": 1e-4}),
    ("rmsprop-default", "rmsprop", {}, "RMSprop", {}),
    ("rmsprop-options", "rmsprop", {"lr": 0.003, "rho": 0.9, "eps": 1e-6}, "RMSprop",
     {"lr": 0.003, "alpha": 0.9, "eps": 1e-6}),
    ("adam-default", "adam", {}, "Adam", {}),
    ("adam-options", "adam", {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}, "Adam",
     {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("amsgrad-default", "amsgrad", {}, "Adam", {"amsgrad": True}),
    ("amsgrad-options", "amsgrad", {"lr": 0.02, "beta1": 0.5, "beta2": 0.9, "eps": 1e-6}, "Adam",
     {"lr": 0.02, "betas": (0.5, 0.9), "eps": 1e-6, "amsgrad": True}),
    ("adamax-default", "adamax", {}, "Adamax", {}),
    ("adamax-options", "adamax", {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}, "Adamax",
     {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("nadam-default", "nadam", {}, "NAdam", {}),
    ("nadam-options", "nadam", {"lr": 0.01, "beta1": 0.85, "beta2": 0.99, "eps": 1e-6, "momentum_decay": 0.01},
     "NAdam", {"lr": 0.01, "betas": (0.85, 0.99), "eps": 1e-6, "momentum_decay": 0.01}),
    ("adamw-default", "adamw", {}, "AdamW", {}),
    ("adamw-options", "adamw", {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.1}, "AdamW",
     {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1}),
]


def run_both(torch, rule, hyperparameters, torch_class, torch_kwargs, A, x0):
    """Return the max abs difference between the gdbp and torch iterates over N_STEPS steps."""
    p = torch.tensor(x0.copy(), dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, torch_class)([p], **torch_kwargs)
    x, state = x0.copy(), None
    worst = 0.0
    for _ in range(N_STEPS):
        p.grad = torch.from_numpy(A @ p.detach().numpy())
        opt.step()
        x, state = optim.RULES[rule](x, A @ x, state, convention="torch", **hyperparameters)
        worst = max(worst, np.max(np.abs(x - p.detach().numpy())))
    return worst


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rule_torch_convention_matches_torch_optim(case):
    torch = require_torch()
    _, rule, hyperparameters, torch_class, torch_kwargs = case
    A, x0 = ill_conditioned_quadratic(seed=0)
    worst = run_both(torch, rule, hyperparameters, torch_class, torch_kwargs, A, x0)
    assert worst <= TOL, f"{case[0]}: max |gdbp - torch| = {worst:.3e} over {N_STEPS} steps"


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rule_torch_convention_matches_torch_optim_on_tiny_gradients(case):
    """A flat bowl (A scaled by 1e-8): gradient coordinates ~1e-8..1e-6, where eps placement matters."""
    torch = require_torch()
    _, rule, hyperparameters, torch_class, torch_kwargs = case
    A, x0 = ill_conditioned_quadratic(seed=1, scale=1e-8)
    worst = run_both(torch, rule, hyperparameters, torch_class, torch_kwargs, A, x0)
    assert worst <= TOL, f"{case[0]}: max |gdbp - torch| = {worst:.3e} over {N_STEPS} steps"


# Where the paper convention differs from torch (docs/conventions.md), with the hyperparameters used:
# the same for both sides, so the difference comes from the formula alone (eps inside the sqrt, AdaMax's
# eps, Ruder's NAdam, AMSGrad without bias correction, AdamW's decay not scaled by lr). Adam, Adadelta
# (torch lr=1) and SGD/momentum/Nesterov (constant lr) have the same formulas in both conventions.
DIFFERING = [
    ("adagrad", {"lr": 0.01, "eps": 1e-8}, "Adagrad", {"lr": 0.01, "eps": 1e-8}),
    ("rmsprop", {"lr": 0.01, "rho": 0.99, "eps": 1e-8}, "RMSprop", {"lr": 0.01, "alpha": 0.99, "eps": 1e-8}),
    ("adamax", {}, "Adamax", {"eps": 1e-8}),
    ("nadam", {}, "NAdam", {}),
    ("amsgrad", {}, "Adam", {"amsgrad": True}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.1}, "AdamW", {"lr": 0.01, "weight_decay": 0.1}),
]


@pytest.mark.torch
@pytest.mark.parametrize("case", DIFFERING, ids=[c[0] for c in DIFFERING])
def test_rule_paper_convention_differs_from_torch_optim(case):
    """The oracle tests above can fail: these paper forms do not match torch, even with equal arguments."""
    torch = require_torch()
    rule, hyperparameters, torch_class, torch_kwargs = case
    A, x0 = ill_conditioned_quadratic(seed=1, scale=1e-8)
    p = torch.tensor(x0.copy(), requires_grad=True)
    opt = getattr(torch.optim, torch_class)([p], **torch_kwargs)
    x, state = x0.copy(), None
    for _ in range(10):
        p.grad = torch.from_numpy(A @ p.detach().numpy())
        opt.step()
        x, state = optim.RULES[rule](x, A @ x, state, convention="paper", **hyperparameters)
    assert np.max(np.abs(x - p.detach().numpy())) > 1e-6

"""RMSprop: divide the step by a running root-mean-square of recent gradients."""
from typing import NamedTuple

import numpy as np

from gdbp.optim._common import check_inputs, ema, with_defaults


class RMSpropState(NamedTuple):
    """State of ``rmsprop``: step count ``t`` and E[g^2] (``avg_sq_grad``, param's shape)."""

    t: int
    avg_sq_grad: np.ndarray


DEFAULTS = {
    "paper": {"lr": 0.001, "rho": 0.9, "eps": 1e-8},  # Ruder/Hinton: gamma 0.9, eta 0.001
    "torch": {"lr": 0.01, "rho": 0.99, "eps": 1e-8},  # torch.optim.RMSprop(lr=1e-2, alpha=0.99, eps=1e-8)
}


def rmsprop(param, grad, state=None, *, lr=None, rho=None, eps=1e-8, convention="paper"):
    r"""One step of RMSprop: Adagrad with an exponential moving average instead of a sum.

    Algorithm, ``convention="paper"`` (Ruder 2016, section 'RMSprop'; Hinton's Coursera lecture 6e),
    element-wise::

        E[g^2]_t = gamma * E[g^2]_{t-1} + (1 - gamma) * g_t^2          (E[g^2]_0 = 0)
        theta_t  = theta_{t-1} - eta / sqrt(E[g^2]_t + eps) * g_t

    ``convention="torch"`` (torch.optim.RMSprop, with its defaults) puts eps outside the square root::

        theta_t  = theta_{t-1} - eta / (sqrt(E[g^2]_t) + eps) * g_t

    Symbols -> arguments: theta_{t-1} = ``param``, g_t = ``grad``, eta = ``lr``, gamma = ``rho`` (torch
    calls it ``alpha``), eps = ``eps``, E[g^2] = ``state.avg_sq_grad``, t = ``state.t``.

    Args:
        param: array of floats, any shape (also 0-d): theta_{t-1}.
        grad: array of param's shape: g_t, the gradient at ``param``.
        state: the ``RMSpropState`` returned by the previous call, or None on the first call.
        lr: eta > 0. Default (None): 0.001 (paper) or 0.01 (torch).
        rho: decay gamma in [0, 1). Default (None): 0.9 (paper) or 0.99 (torch's alpha).
        eps: eps > 0, default 1e-8 in both conventions.
        convention: "paper" (default) or "torch".

    Returns:
        ``(new_param, new_state)``: theta_t (param's shape) and ``RMSpropState(t, avg_sq_grad)``.

    PyTorch: torch.optim.RMSprop with centered=False, momentum=0, weight_decay=0.
    References: S. Ruder, arXiv:1609.04747, section 'RMSprop'; G. Hinton, N. Srivastava, K. Swersky, "Neural
    networks for machine learning", lecture 6e (2012).
    Code: ``rmsprop`` checks its inputs, then calls ``rmsprop_update``, the equations above in order.
    """
    lr, rho, eps = with_defaults(DEFAULTS, convention, lr=lr, rho=rho, eps=eps)
    param, grad = check_inputs("rmsprop", param, grad, state, RMSpropState, convention,
                               lr=lr, rho=rho, eps=eps)
    return rmsprop_update(param, grad, state, lr, rho, eps, convention)


def rmsprop_update(param, grad, state, lr, rho, eps, convention):
    """The equations of ``rmsprop``, in its docstring's order, on inputs it (or ``Optimizer``) has checked."""
    if state is None:
        state = RMSpropState(t=0, avg_sq_grad=np.zeros_like(param))
    avg_sq_grad = ema(state.avg_sq_grad, grad**2, rho)  # E[g^2]_t
    if convention == "paper":
        new_param = param - lr / np.sqrt(avg_sq_grad + eps) * grad  # eta g_t / sqrt(E[g^2]_t + eps)
    else:
        new_param = param - lr / (np.sqrt(avg_sq_grad) + eps) * grad  # eta g_t / (sqrt(E[g^2]_t) + eps)
    return new_param, RMSpropState(state.t + 1, avg_sq_grad)

"""Adagrad: per-coordinate learning rates from the sum of all past squared gradients."""
from typing import NamedTuple

import numpy as np

from gdbp.optim._common import check_inputs, with_defaults


class AdagradState(NamedTuple):
    """State of ``adagrad``: step count ``t`` and ``G``, the sum of squared gradients (param's shape)."""

    t: int
    G: np.ndarray


DEFAULTS = {
    "paper": {"lr": 0.01, "eps": 1e-8},  # Ruder: "most implementations use 0.01", eps "~1e-8"
    "torch": {"lr": 0.01, "eps": 1e-10},  # torch.optim.Adagrad(lr=1e-2, eps=1e-10)
}


def adagrad(param, grad, state=None, *, lr=0.01, eps=None, convention="paper"):
    r"""One step of Adagrad: divide the step by the root of the summed squared gradients.

    Algorithm, ``convention="paper"`` (Ruder 2016, section 'Adagrad'; Duchi et al. 2011), element-wise::

        G_t     = G_{t-1} + g_t^2                       (G_0 = 0)
        theta_t = theta_{t-1} - eta / sqrt(G_t + eps) * g_t

    ``convention="torch"`` (torch.optim.Adagrad) puts eps outside the square root::

        theta_t = theta_{t-1} - eta / (sqrt(G_t) + eps) * g_t

    The two differ only when G_t is tiny: for gradients ~1e-8, sqrt(G + 1e-8) ~ 1e-4 damps the step while
    sqrt(G) + 1e-10 does not.

    Symbols -> arguments: theta_{t-1} = ``param``, g_t = ``grad``, eta = ``lr``, eps = ``eps``,
    G_t = ``state.G``, t = ``state.t``.

    Args:
        param: array of floats, any shape (also 0-d): theta_{t-1}.
        grad: array of param's shape: g_t, the gradient at ``param``.
        state: the ``AdagradState`` returned by the previous call, or None on the first call.
        lr: learning rate eta > 0, default 0.01 in both conventions.
        eps: smoothing term > 0. Default (None): 1e-8 (paper) or 1e-10 (torch).
        convention: "paper" (default) or "torch".

    Returns:
        ``(new_param, new_state)``: theta_t (param's shape) and ``AdagradState(t, G)``.

    PyTorch: torch.optim.Adagrad with lr_decay=0, initial_accumulator_value=0, weight_decay=0.
    References: S. Ruder, arXiv:1609.04747, section 'Adagrad'; J. Duchi, E. Hazan, Y. Singer, "Adaptive
    subgradient methods for online learning and stochastic optimization", JMLR 2011.
    Code: ``adagrad`` checks its inputs, then calls ``adagrad_update``, the equations above in order.
    """
    lr, eps = with_defaults(DEFAULTS, convention, lr=lr, eps=eps)
    param, grad = check_inputs("adagrad", param, grad, state, AdagradState, convention, lr=lr, eps=eps)
    return adagrad_update(param, grad, state, lr, eps, convention)


def adagrad_update(param, grad, state, lr, eps, convention):
    """The equations of ``adagrad``, in its docstring's order, on inputs it (or ``Optimizer``) has checked."""
    if state is None:
        state = AdagradState(t=0, G=np.zeros_like(param))
    G = state.G + grad**2  # G_t = G_{t-1} + g_t^2
    if convention == "paper":
        new_param = param - lr / np.sqrt(G + eps) * grad  # theta_t = theta_{t-1} - eta g_t / sqrt(G_t + eps)
    else:
        new_param = param - lr / (np.sqrt(G) + eps) * grad  # ... / (sqrt(G_t) + eps)
    return new_param, AdagradState(state.t + 1, G)

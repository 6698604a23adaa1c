"""AdamW: Adam with decoupled weight decay."""
from typing import NamedTuple

import numpy as np

from gdbp.optim._common import bias_correction, check_inputs, ema, with_defaults


class AdamWState(NamedTuple):
    """State of ``adamw``: step count ``t`` and Adam's moments ``m``, ``v`` (param's shape)."""

    t: int
    m: np.ndarray
    v: np.ndarray


DEFAULTS = {
    # Loshchilov & Hutter give no default lambda: 1e-5 shrinks theta per step as much as torch's default
    # (lr * weight_decay = 1e-3 * 1e-2).
    "paper": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-5},
    "torch": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
}


def adamw(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=None,
          convention="paper"):
    r"""One step of AdamW: an Adam step plus a weight decay that bypasses Adam's scaling.

    (Adam with an L2 penalty would add lambda theta to g_t, where Adam's division by sqrt(vhat) shrinks
    it; decoupling applies the decay to theta directly.)

    Algorithm, ``convention="paper"`` (Loshchilov & Hutter 2019, Algorithm 2 with schedule multiplier
    eta_t = 1; not in Ruder's overview), element-wise::

        m_t, v_t, mhat_t, vhat_t as in Adam
        theta_t = theta_{t-1} - alpha * mhat_t / (sqrt(vhat_t) + eps) - lambda * theta_{t-1}

    ``convention="torch"`` (torch.optim.AdamW) multiplies the decay by the learning rate::

        theta_t = theta_{t-1} * (1 - alpha * lambda) - alpha * mhat_t / (sqrt(vhat_t) + eps)

    Symbols -> arguments: theta_{t-1} = ``param``, g_t = ``grad``, alpha = ``lr``, lambda =
    ``weight_decay``, beta1, beta2, eps as named, m_t = ``state.m``, v_t = ``state.v``, t = ``state.t``.

    Args:
        param: array of floats, any shape (also 0-d): theta_{t-1}.
        grad: array of param's shape: g_t, the gradient of the loss (without the decay) at ``param``.
        state: the ``AdamWState`` returned by the previous call, or None on the first call.
        lr: alpha > 0, default 0.001. beta1, beta2: in [0, 1), defaults 0.9, 0.999. eps: > 0, default 1e-8.
        weight_decay: lambda >= 0. Default (None): 1e-5 (paper: the paper fixes none; this shrinks theta
            per step as much as torch's default does) or 0.01 (torch, where it is multiplied by lr).
        convention: "paper" (default) or "torch".

    Returns:
        ``(new_param, new_state)``: theta_t (param's shape) and ``AdamWState(t, m, v)``.

    References: I. Loshchilov, F. Hutter, "Decoupled weight decay regularization", ICLR 2019.
    Code: ``adamw`` checks its inputs, then calls ``adamw_update``, the equations above in order.
    """
    lr, beta1, beta2, eps, weight_decay = with_defaults(
        DEFAULTS, convention, lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay)
    param, grad = check_inputs("adamw", param, grad, state, AdamWState, convention,
                               lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay)
    return adamw_update(param, grad, state, lr, beta1, beta2, eps, weight_decay, convention)


def adamw_update(param, grad, state, lr, beta1, beta2, eps, weight_decay, convention):
    """The equations of ``adamw``, in its docstring's order, on inputs it (or ``Optimizer``) has checked."""
    if state is None:
        state = AdamWState(t=0, m=np.zeros_like(param), v=np.zeros_like(param))
    t = state.t + 1
    m = ema(state.m, grad, beta1)  # m_t
    v = ema(state.v, grad**2, beta2)  # v_t
    m_hat = bias_correction(m, beta1, t)  # mhat_t
    v_hat = bias_correction(v, beta2, t)  # vhat_t
    decay = weight_decay if convention == "paper" else lr * weight_decay  # lambda, or alpha lambda
    new_param = param * (1 - decay) - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_param, AdamWState(t, m, v)

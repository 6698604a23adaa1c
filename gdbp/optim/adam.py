"""Adam: adaptive moment estimation."""
from typing import NamedTuple

import numpy as np

from gdbp.optim._common import bias_correction, check_inputs, ema, with_defaults


class AdamState(NamedTuple):
    """State of ``adam``: step count ``t`` (1 after the first update), first moment ``m`` and second
    moment ``v`` (both param's shape, not bias-corrected)."""

    t: int
    m: np.ndarray
    v: np.ndarray


DEFAULTS = {
    "paper": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},  # Kingma & Ba; Ruder 'Adam'
    "torch": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},  # torch.optim.Adam
}


def adam(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, convention="paper"):
    r"""One step of Adam: momentum on the gradient, RMSprop-like scaling, both bias-corrected.

    Algorithm (Ruder 2016, section 'Adam'; Kingma & Ba 2015), element-wise::

        m_t     = beta1 * m_{t-1} + (1 - beta1) * g_t                  (m_0 = 0)
        v_t     = beta2 * v_{t-1} + (1 - beta2) * g_t^2                (v_0 = 0)
        mhat_t  = m_t / (1 - beta1^t)
        vhat_t  = v_t / (1 - beta2^t)
        theta_t = theta_{t-1} - eta * mhat_t / (sqrt(vhat_t) + eps)

    Symbols -> arguments: theta_{t-1} = ``param``, g_t = ``grad``, eta = ``lr``, beta1 = ``beta1``,
    beta2 = ``beta2``, eps = ``eps``, m_t = ``state.m``, v_t = ``state.v``, t = ``state.t``.

    Args:
        param: array of floats, any shape (also 0-d): theta_{t-1}.
        grad: array of param's shape: g_t, the gradient at ``param``.
        state: the ``AdamState`` returned by the previous call, or None on the first call.
        lr: eta > 0, default 0.001. beta1, beta2: in [0, 1), defaults 0.9 and 0.999. eps: > 0, default
            1e-8. The same defaults in both conventions (None also means the default).
        convention: "paper" (default) or "torch": the same update. torch.optim.Adam computes
            sqrt(v_t) / sqrt(1 - beta2^t) + eps, which differs from sqrt(vhat_t) + eps only by rounding.

    Returns:
        ``(new_param, new_state)``: theta_t (param's shape) and ``AdamState(t, m, v)``.

    PyTorch: torch.optim.Adam with amsgrad=False, weight_decay=0.
    References: S. Ruder, arXiv:1609.04747, section 'Adam'; D. P. Kingma, J. Ba, "Adam: a method for
    stochastic optimization", ICLR 2015, Algorithm 1.
    Code: ``adam`` checks its inputs, then calls ``adam_update``, the equations above in order.
    """
    lr, beta1, beta2, eps = with_defaults(DEFAULTS, convention, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    param, grad = check_inputs("adam", param, grad, state, AdamState, convention,
                               lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    return adam_update(param, grad, state, lr, beta1, beta2, eps)


def adam_update(param, grad, state, lr, beta1, beta2, eps):
    """The equations of ``adam``, in its docstring's order, on inputs it (or ``Optimizer``) has checked."""
    if state is None:
        state = AdamState(t=0, m=np.zeros_like(param), v=np.zeros_like(param))
    t = state.t + 1
    m = ema(state.m, grad, beta1)  # m_t = beta1 m_{t-1} + (1 - beta1) g_t
    v = ema(state.v, grad**2, beta2)  # v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
    m_hat = bias_correction(m, beta1, t)  # mhat_t = m_t / (1 - beta1^t)
    v_hat = bias_correction(v, beta2, t)  # vhat_t = v_t / (1 - beta2^t)
    new_param = param - lr * m_hat / (np.sqrt(v_hat) + eps)  # theta_t = theta_{t-1} - eta mhat_t / (...)
    return new_param, AdamState(t, m, v)

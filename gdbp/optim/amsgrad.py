"""AMSGrad: Adam with a non-decreasing second moment."""
from typing import NamedTuple

import numpy as np

from gdbp.optim._common import bias_correction, check_inputs, ema, with_defaults


class AMSGradState(NamedTuple):
    """State of ``amsgrad``: step count ``t``, moments ``m``, ``v`` and the running maximum ``v_hat``
    of v (all param's shape)."""

    t: int
    m: np.ndarray
    v: np.ndarray
    v_hat: np.ndarray


DEFAULTS = {
    "paper": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},  # Ruder gives none: Adam's
    "torch": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},  # torch.optim.Adam(amsgrad=True)
}


def amsgrad(param, grad, state=None, *, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, convention="paper"):
    r"""One step of AMSGrad: Adam dividing by the largest second moment seen so far.

    Algorithm, ``convention="paper"`` (Ruder, section 'AMSGrad' of the blog version,
    added 2018; Reddi et al. 2018), element-wise::

        m_t     = beta1 * m_{t-1} + (1 - beta1) * g_t                  (m_0 = 0)
        v_t     = beta2 * v_{t-1} + (1 - beta2) * g_t^2                (v_0 = 0)
        vhat_t  = max(vhat_{t-1}, v_t)                                 (vhat_0 = 0)
        theta_t = theta_{t-1} - eta * m_t / (sqrt(vhat_t) + eps)

    No bias correction ("for simplicity, the authors also remove the debiasing step", Ruder).

    ``convention="torch"`` (torch.optim.Adam(amsgrad=True)) keeps Adam's bias correction, applied to
    m_t and to the maximum::

        theta_t = theta_{t-1} - eta * (m_t / (1 - beta1^t)) / (sqrt(vhat_t / (1 - beta2^t)) + eps)

    so while v_t never decreases (vhat_t = v_t) it is exactly ``adam``.

    Symbols -> arguments: theta_{t-1} = ``param``, g_t = ``grad``, eta = ``lr``, beta1, beta2, eps as
    named, m_t = ``state.m``, v_t = ``state.v``, vhat_t = ``state.v_hat``, t = ``state.t``.

    Args:
        param: array of floats, any shape (also 0-d): theta_{t-1}.
        grad: array of param's shape: g_t, the gradient at ``param``.
        state: the ``AMSGradState`` returned by the previous call, or None on the first call.
        lr: eta > 0, default 0.001. beta1, beta2: in [0, 1), defaults 0.9, 0.999. eps: > 0, default 1e-8.
            The same defaults in both conventions (Adam's; Ruder gives none).
        convention: "paper" (default) or "torch".

    Returns:
        ``(new_param, new_state)``: theta_t (param's shape) and ``AMSGradState(t, m, v, v_hat)``.

    References: S. Ruder, "An overview of gradient descent optimization algorithms", ruder.io (AMSGrad
    added 2018; not in arXiv:1609.04747v2); S. J. Reddi, S. Kale, S. Kumar, "On the convergence of Adam
    and beyond", ICLR 2018.
    Code: ``amsgrad`` checks its inputs, then calls ``amsgrad_update``, the equations above in order.
    """
    lr, beta1, beta2, eps = with_defaults(DEFAULTS, convention, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    param, grad = check_inputs("amsgrad", param, grad, state, AMSGradState, convention,
                               lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    return amsgrad_update(param, grad, state, lr, beta1, beta2, eps, convention)


def amsgrad_update(param, grad, state, lr, beta1, beta2, eps, convention):
    """The equations of ``amsgrad``, in its docstring's order, on inputs it (or ``Optimizer``) has checked."""
    if state is None:
        zeros = np.zeros_like(param)
        state = AMSGradState(t=0, m=zeros, v=zeros, v_hat=zeros)
    t = state.t + 1
    m = ema(state.m, grad, beta1)  # m_t
    v = ema(state.v, grad**2, beta2)  # v_t
    v_hat = np.maximum(state.v_hat, v)  # vhat_t = max(vhat_{t-1}, v_t)
    if convention == "paper":
        new_param = param - lr * m / (np.sqrt(v_hat) + eps)
    else:
        m_hat = bias_correction(m, beta1, t)
        new_param = param - lr * m_hat / (np.sqrt(bias_correction(v_hat, beta2, t)) + eps)
    return new_param, AMSGradState(t, m, v, v_hat)

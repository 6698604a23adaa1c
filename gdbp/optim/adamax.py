"""AdaMax: Adam with the infinity norm of past gradients instead of their root mean square."""
from typing import NamedTuple

import numpy as np

from gdbp.optim._common import bias_correction, check_inputs, ema, with_defaults


class AdamaxState(NamedTuple):
    """State of ``adamax``: step count ``t``, first moment ``m`` and infinity norm ``u`` (param's shape)."""

    t: int
    m: np.ndarray
    u: np.ndarray


DEFAULTS = {
    "paper": {"lr": 0.002, "beta1": 0.9, "beta2": 0.999},  # Ruder 'AdaMax' / Kingma & Ba: no eps
    "torch": {"lr": 0.002, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},  # torch.optim.Adamax
}


def adamax(param, grad, state=None, *, lr=0.002, beta1=0.9, beta2=0.999, eps=None, convention="paper"):
    r"""One step of AdaMax: scale the bias-corrected momentum by a decaying max of |g|.

    Algorithm, ``convention="paper"`` (Ruder 2016, section 'AdaMax'; Kingma & Ba 2015, Algorithm 2)::

        m_t     = beta1 * m_{t-1} + (1 - beta1) * g_t                  (m_0 = 0)
        u_t     = max(beta2 * u_{t-1}, |g_t|)                          (u_0 = 0)
        theta_t = theta_{t-1} - eta / (1 - beta1^t) * m_t / u_t

    There is no eps. Where u_t = 0 every past gradient of that coordinate was 0, so m_t = 0 too and the
    formula reads 0/0 (a pixel that is always 0 in the data gives exactly that): the step is taken as 0
    there, i.e. the coordinate does not move.

    ``convention="torch"`` (torch.optim.Adamax) adds eps to |g_t| inside the max, so u_t >= eps > 0::

        u_t     = max(beta2 * u_{t-1}, |g_t| + eps)

    Symbols -> arguments: theta_{t-1} = ``param``, g_t = ``grad``, eta = ``lr``, beta1, beta2, eps as
    named, m_t = ``state.m``, u_t = ``state.u``, t = ``state.t``.

    Args:
        param: array of floats, any shape (also 0-d): theta_{t-1}.
        grad: array of param's shape: g_t, the gradient at ``param``.
        state: the ``AdamaxState`` returned by the previous call, or None on the first call.
        lr: eta > 0, default 0.002. beta1, beta2: in [0, 1), defaults 0.9 and 0.999 (both conventions).
        eps: only with ``convention="torch"``: > 0, default (None) 1e-8. Passing eps with the paper
            convention raises ValueError.
        convention: "paper" (default) or "torch".

    Returns:
        ``(new_param, new_state)``: theta_t (param's shape) and ``AdamaxState(t, m, u)``.

    PyTorch: torch.optim.Adamax with weight_decay=0.
    References: S. Ruder, arXiv:1609.04747, section 'AdaMax'; D. P. Kingma, J. Ba, "Adam: a method for
    stochastic optimization", ICLR 2015, section 7.1.
    Code: ``adamax`` checks its inputs, then calls ``adamax_update``, the equations above in order.
    """
    lr, beta1, beta2, eps = with_defaults(DEFAULTS, convention, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    param, grad = check_inputs("adamax", param, grad, state, AdamaxState, convention,
                               lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    return adamax_update(param, grad, state, lr, beta1, beta2, eps, convention)


def adamax_update(param, grad, state, lr, beta1, beta2, eps, convention):
    """The equations of ``adamax``, in its docstring's order, on inputs it (or ``Optimizer``) has checked."""
    if state is None:
        state = AdamaxState(t=0, m=np.zeros_like(param), u=np.zeros_like(param))
    t = state.t + 1
    m = ema(state.m, grad, beta1)  # m_t = beta1 m_{t-1} + (1 - beta1) g_t
    if convention == "paper":
        u = np.maximum(beta2 * state.u, np.abs(grad))  # u_t = max(beta2 u_{t-1}, |g_t|)
        ratio = np.divide(m, u, out=np.zeros_like(u), where=u > 0)  # m_t / u_t, and 0 where u_t = 0
    else:
        u = np.maximum(beta2 * state.u, np.abs(grad) + eps)  # u_t = max(beta2 u_{t-1}, |g_t| + eps)
        ratio = m / u
    new_param = param - lr * bias_correction(ratio, beta1, t)  # eta / (1 - beta1^t) * m_t / u_t
    return new_param, AdamaxState(t, m, u)

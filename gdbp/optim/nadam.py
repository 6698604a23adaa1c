"""NAdam: Adam with Nesterov momentum."""
from typing import NamedTuple

import numpy as np

from gdbp.optim._common import bias_correction, check_inputs, ema, with_defaults


class NadamState(NamedTuple):
    """State of ``nadam``: step count ``t``, moments ``m`` and ``v`` (param's shape) and ``mu_product``,
    the product mu_1 * ... * mu_t of the momentum coefficients (a float; beta1^t in the paper convention,
    where mu is constant)."""

    t: int
    m: np.ndarray
    v: np.ndarray
    mu_product: float


DEFAULTS = {
    "paper": {"lr": 0.002, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},  # Ruder gives none: Dozat's lr
    "torch": {"lr": 0.002, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "momentum_decay": 0.004},
}


def nadam(param, grad, state=None, *, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8, momentum_decay=None,
          convention="paper"):
    r"""One step of NAdam: Adam whose momentum step looks ahead, as Nesterov's does.

    Algorithm, ``convention="paper"`` (Ruder 2016, section 'Nadam'; Dozat 2016), element-wise::

        m_t     = beta1 * m_{t-1} + (1 - beta1) * g_t                  (m_0 = 0)
        v_t     = beta2 * v_{t-1} + (1 - beta2) * g_t^2                (v_0 = 0)
        mhat_t  = m_t / (1 - beta1^t)
        vhat_t  = v_t / (1 - beta2^t)
        theta_t = theta_{t-1} - eta / (sqrt(vhat_t) + eps)
                                * (beta1 * mhat_t + (1 - beta1) * g_t / (1 - beta1^t))

    (Adam's step uses mhat_t = beta1 mhat_{t-1} + ...; NAdam replaces the old momentum mhat_{t-1} by the
    current one, mhat_t: the look-ahead.)

    ``convention="torch"`` (torch.optim.NAdam) follows Dozat's paper instead, with a momentum schedule
    mu_t and its running product::

        mu_t    = beta1 * (1 - 0.5 * 0.96^(t * psi))                   (psi = momentum_decay)
        mu_{t+1}= beta1 * (1 - 0.5 * 0.96^((t + 1) * psi))
        P_t     = mu_1 * mu_2 * ... * mu_t                             (state.mu_product)
        m_t, v_t, vhat_t as above
        theta_t = theta_{t-1} - eta * (1 - mu_t) / (1 - P_t) * g_t / (sqrt(vhat_t) + eps)
                              - eta * mu_{t+1} / (1 - P_t * mu_{t+1}) * m_t / (sqrt(vhat_t) + eps)

    Symbols -> arguments: theta_{t-1} = ``param``, g_t = ``grad``, eta = ``lr``, beta1, beta2, eps as
    named, psi = ``momentum_decay``, m_t = ``state.m``, v_t = ``state.v``, P_t = ``state.mu_product``.

    Args:
        param: array of floats, any shape (also 0-d): theta_{t-1}.
        grad: array of param's shape: g_t, the gradient at ``param``.
        state: the ``NadamState`` returned by the previous call, or None on the first call.
        lr: eta > 0, default 0.002. beta1, beta2: in [0, 1), defaults 0.9, 0.999. eps: > 0, default 1e-8.
            The same defaults in both conventions (Ruder gives none; these are Dozat's and torch's).
        momentum_decay: only with ``convention="torch"``: psi >= 0, default (None) 0.004. Passing it with
            the paper convention raises ValueError.
        convention: "paper" (default) or "torch".

    Returns:
        ``(new_param, new_state)``: theta_t (param's shape) and ``NadamState(t, m, v, mu_product)``.

    PyTorch: torch.optim.NAdam with weight_decay=0.
    References: S. Ruder, arXiv:1609.04747, section 'Nadam'; T. Dozat, "Incorporating Nesterov momentum into
    Adam", ICLR 2016 workshop.
    Code: ``nadam`` checks its inputs, then calls ``nadam_update``, the equations above in order.
    """
    lr, beta1, beta2, eps, momentum_decay = with_defaults(
        DEFAULTS, convention, lr=lr, beta1=beta1, beta2=beta2, eps=eps, momentum_decay=momentum_decay)
    param, grad = check_inputs("nadam", param, grad, state, NadamState, convention,
                               lr=lr, beta1=beta1, beta2=beta2, eps=eps, momentum_decay=momentum_decay)
    return nadam_update(param, grad, state, lr, beta1, beta2, eps, momentum_decay, convention)


def nadam_update(param, grad, state, lr, beta1, beta2, eps, momentum_decay, convention):
    """The equations of ``nadam``, in its docstring's order, on inputs it (or ``Optimizer``) has checked."""
    if state is None:
        state = NadamState(t=0, m=np.zeros_like(param), v=np.zeros_like(param), mu_product=1.0)
    t = state.t + 1
    m = ema(state.m, grad, beta1)  # m_t
    v = ema(state.v, grad**2, beta2)  # v_t
    v_hat = bias_correction(v, beta2, t)  # vhat_t = v_t / (1 - beta2^t)
    if convention == "paper":
        mu_product = state.mu_product * beta1  # beta1^t
        m_hat = bias_correction(m, beta1, t)  # mhat_t = m_t / (1 - beta1^t)
        lookahead = beta1 * m_hat + bias_correction((1 - beta1) * grad, beta1, t)
        new_param = param - lr / (np.sqrt(v_hat) + eps) * lookahead
    else:
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))  # mu_t
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))  # mu_{t+1}
        mu_product = state.mu_product * mu  # P_t
        denom = np.sqrt(v_hat) + eps
        new_param = (param - lr * (1 - mu) / (1 - mu_product) * grad / denom
                     - lr * mu_next / (1 - mu_product * mu_next) * m / denom)
    return new_param, NadamState(t, m, v, mu_product)

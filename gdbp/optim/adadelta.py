"""Adadelta: Adagrad with decaying averages, and a step whose units match the parameter's."""
from typing import NamedTuple

import numpy as np

from gdbp.optim._common import check_inputs, ema, with_defaults


class AdadeltaState(NamedTuple):
    """State of ``adadelta``: step count ``t``, E[g^2] (``avg_sq_grad``) and E[dtheta^2] (``avg_sq_delta``).

    Both arrays have param's shape. With ``convention="torch"`` E[dtheta^2] averages the step before it
    is multiplied by lr, as torch does.
    """

    t: int
    avg_sq_grad: np.ndarray
    avg_sq_delta: np.ndarray


DEFAULTS = {
    "paper": {"rho": 0.9, "eps": 1e-6},  # Ruder: gamma "around 0.9"; eps 1e-6 from Zeiler. No lr.
    "torch": {"lr": 1.0, "rho": 0.9, "eps": 1e-6},  # torch.optim.Adadelta(lr=1.0, rho=0.9, eps=1e-6)
}


def adadelta(param, grad, state=None, *, lr=None, rho=0.9, eps=1e-6, convention="paper"):
    r"""One step of Adadelta: the step is RMS of past steps over RMS of past gradients, times g_t.

    Algorithm, ``convention="paper"`` (Ruder 2016, section 'Adadelta'; Zeiler 2012), element-wise, with
    RMS[x]_t = sqrt(E[x^2]_t + eps)::

        E[g^2]_t       = gamma * E[g^2]_{t-1} + (1 - gamma) * g_t^2          (E[.]_0 = 0)
        dtheta_t       = - RMS[dtheta]_{t-1} / RMS[g]_t * g_t
        E[dtheta^2]_t  = gamma * E[dtheta^2]_{t-1} + (1 - gamma) * dtheta_t^2
        theta_t        = theta_{t-1} + dtheta_t

    There is no learning rate: "we do not even need to set a default learning rate" (Ruder).

    ``convention="torch"`` (torch.optim.Adadelta) multiplies the step by a learning rate, default 1.0
    (which gives the paper's update)::

        theta_t        = theta_{t-1} + eta * dtheta_t

    Both put eps inside the square roots (unlike Adagrad and RMSprop, torch does not differ here).

    Symbols -> arguments: theta_{t-1} = ``param``, g_t = ``grad``, gamma = ``rho``, eps = ``eps``,
    eta = ``lr`` (torch only), E[g^2] = ``state.avg_sq_grad``, E[dtheta^2] = ``state.avg_sq_delta``.

    Args:
        param: array of floats, any shape (also 0-d): theta_{t-1}.
        grad: array of param's shape: g_t, the gradient at ``param``.
        state: the ``AdadeltaState`` returned by the previous call, or None on the first call.
        lr: only with ``convention="torch"``: eta > 0, default (None) 1.0. Passing lr with the paper
            convention raises ValueError.
        rho: decay gamma in [0, 1), default 0.9 in both conventions.
        eps: eps > 0, default 1e-6 in both conventions.
        convention: "paper" (default) or "torch".

    Returns:
        ``(new_param, new_state)``: theta_t (param's shape) and
        ``AdadeltaState(t, avg_sq_grad, avg_sq_delta)``.

    References: S. Ruder, arXiv:1609.04747, section 'Adadelta'; M. D. Zeiler, "ADADELTA: an adaptive learning
    rate method", arXiv:1212.5701.
    Code: ``adadelta`` checks its inputs, then calls ``adadelta_update``, the equations above in order.
    """
    lr, rho, eps = with_defaults(DEFAULTS, convention, lr=lr, rho=rho, eps=eps)  # paper: lr stays None
    param, grad = check_inputs("adadelta", param, grad, state, AdadeltaState, convention,
                               lr=lr, rho=rho, eps=eps)
    return adadelta_update(param, grad, state, lr, rho, eps, convention)


def adadelta_update(param, grad, state, lr, rho, eps, convention):
    """The equations of ``adadelta``, in its docstring's order, on inputs it (or ``Optimizer``) has checked."""
    if state is None:
        state = AdadeltaState(t=0, avg_sq_grad=np.zeros_like(param), avg_sq_delta=np.zeros_like(param))
    avg_sq_grad = ema(state.avg_sq_grad, grad**2, rho)  # E[g^2]_t
    # dtheta_t = - RMS[dtheta]_{t-1} / RMS[g]_t * g_t
    delta = -np.sqrt(state.avg_sq_delta + eps) / np.sqrt(avg_sq_grad + eps) * grad
    avg_sq_delta = ema(state.avg_sq_delta, delta**2, rho)  # E[dtheta^2]_t
    if convention == "paper":
        new_param = param + delta  # theta_t = theta_{t-1} + dtheta_t
    else:
        new_param = param + lr * delta  # theta_t = theta_{t-1} + eta dtheta_t
    return new_param, AdadeltaState(state.t + 1, avg_sq_grad, avg_sq_delta)

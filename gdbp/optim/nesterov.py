"""Nesterov accelerated gradient (NAG), in the form that needs only the gradient at the parameter."""
from typing import NamedTuple

import numpy as np

from gdbp.optim._common import check_inputs, with_defaults


class NesterovState(NamedTuple):
    """State of ``nesterov``: step count ``t`` and velocity ``v`` (param's shape).

    ``convention="paper"``: v includes the learning rate (Ruder's v_t); ``"torch"``: torch's momentum
    buffer b_t, without it.
    """

    t: int
    v: np.ndarray


DEFAULTS = {
    "paper": {"lr": 0.01, "momentum": 0.9},
    "torch": {"lr": 0.001, "momentum": 0.9},  # torch.optim.SGD(lr=1e-3, momentum=0.9, nesterov=True)
}


def nesterov(param, grad, state=None, *, lr=None, momentum=0.9, convention="paper"):
    r"""One step of Nesterov accelerated gradient: momentum with a look-ahead gradient.

    Ruder's form (section 'Nesterov accelerated gradient') evaluates the gradient at the look-ahead point
    theta - gamma v::

        v_t     = gamma * v_{t-1} + eta * grad J(theta_{t-1} - gamma * v_{t-1})
        theta_t = theta_{t-1} - v_t

    A rule that is only given the gradient at ``param`` cannot do that. Sutskever et al. (2013) and
    Bengio et al. (2013) store the look-ahead point instead: let phi_t = theta_t - gamma v_t. Then the
    gradient Ruder needs is g_t = grad J(phi_{t-1}), the gradient at the stored parameter, and::

        phi_t = theta_t - gamma v_t
              = theta_{t-1} - v_t - gamma v_t                    (theta_t = theta_{t-1} - v_t)
              = phi_{t-1} + gamma v_{t-1} - v_t - gamma v_t      (theta_{t-1} = phi_{t-1} + gamma v_{t-1})
              = phi_{t-1} - eta g_t - gamma v_t                  (gamma v_{t-1} = v_t - eta g_t)

    so this function implements, ``convention="paper"``::

        v_t   = gamma * v_{t-1} + eta * g_t                      (v_0 = 0, so phi_0 = theta_0)
        phi_t = phi_{t-1} - (gamma * v_t + eta * g_t)

    ``param`` is phi; Ruder's theta_t is recovered as ``param + momentum * state.v``, and the two
    coincide at convergence (v -> 0). ``tests/test_optim.py`` runs Ruder's look-ahead form next to this
    one and checks phi_t = theta_t - gamma v_t at every step.

    ``convention="torch"`` (torch.optim.SGD(nesterov=True); learning rate outside the buffer)::

        b_t     = mu * b_{t-1} + g_t
        theta_t = theta_{t-1} - eta * (g_t + mu * b_t)

    equal to the paper form while eta is constant (v_t = eta b_t).

    Symbols -> arguments: phi_{t-1} = ``param``, g_t = ``grad``, eta = ``lr``, gamma = mu = ``momentum``,
    v_t / b_t = ``state.v``, t = ``state.t``.

    Args:
        param: array of floats, any shape (also 0-d): the (look-ahead) parameter phi_{t-1}.
        grad: array of param's shape: g_t, the gradient at ``param``.
        state: the ``NesterovState`` returned by the previous call, or None on the first call.
        lr: learning rate eta > 0. Default (None): 0.01 (paper; Ruder gives none) or 0.001 (torch).
        momentum: gamma in [0, 1), default 0.9 in both conventions. ``momentum=0`` is ``sgd``.
        convention: "paper" (default) or "torch".

    Returns:
        ``(new_param, new_state)``: phi_t (param's shape) and ``NesterovState(t, v)``.

    References: S. Ruder, arXiv:1609.04747, section 'Nesterov accelerated gradient'; I. Sutskever,
    J. Martens, G. Dahl, G. Hinton, "On the importance of initialization and momentum in deep
    learning", ICML 2013; Y. Bengio, N. Boulanger-Lewandowski, R. Pascanu, "Advances in optimizing
    recurrent networks", ICASSP 2013.
    Code: ``nesterov`` checks its inputs, then calls ``nesterov_update``, the equations above in order.
    """
    lr, momentum = with_defaults(DEFAULTS, convention, lr=lr, momentum=momentum)
    param, grad = check_inputs("nesterov", param, grad, state, NesterovState, convention,
                               lr=lr, momentum=momentum)
    return nesterov_update(param, grad, state, lr, momentum, convention)


def nesterov_update(param, grad, state, lr, momentum, convention):
    """The equations of ``nesterov``, in its docstring's order, on inputs it (or ``Optimizer``) has checked."""
    if state is None:
        state = NesterovState(t=0, v=np.zeros_like(param))
    if convention == "paper":
        v = momentum * state.v + lr * grad  # v_t = gamma v_{t-1} + eta g_t
        new_param = param - (momentum * v + lr * grad)  # phi_t = phi_{t-1} - (gamma v_t + eta g_t)
    else:
        v = momentum * state.v + grad  # b_t = mu b_{t-1} + g_t
        new_param = param - lr * (grad + momentum * v)  # theta_t = theta_{t-1} - eta (g_t + mu b_t)
    return new_param, NesterovState(state.t + 1, v)

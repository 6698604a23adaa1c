"""Gradient descent with (heavy-ball) momentum."""
from typing import NamedTuple

import numpy as np

from gdbp.optim._common import check_inputs, with_defaults


class MomentumState(NamedTuple):
    """State of ``momentum``: step count ``t`` and velocity ``v`` (param's shape).

    With ``convention="paper"`` ``v`` includes the learning rate (v_t in Ruder); with ``"torch"`` it is
    torch's momentum buffer b_t, without the learning rate (v_t = lr * b_t while lr is constant).
    """

    t: int
    v: np.ndarray


DEFAULTS = {
    "paper": {"lr": 0.01, "momentum": 0.9},  # Ruder: gamma "usually set to 0.9"; lr as for sgd
    "torch": {"lr": 0.001, "momentum": 0.9},  # torch.optim.SGD(lr=1e-3, momentum=0.9)
}


def momentum(param, grad, state=None, *, lr=None, momentum=0.9, convention="paper"):
    r"""One step of gradient descent with momentum: a velocity accumulates past gradients.

    Algorithm, ``convention="paper"`` (Ruder 2016, section 'Momentum'; Qian 1999)::

        v_t     = gamma * v_{t-1} + eta * g_t          (v_0 = 0)
        theta_t = theta_{t-1} - v_t

    ``convention="torch"`` (torch.optim.SGD with momentum; the learning rate sits outside the buffer)::

        b_t     = mu * b_{t-1} + g_t                   (b_0 = 0, so b_1 = g_1)
        theta_t = theta_{t-1} - eta * b_t

    Both give the same parameters while eta is constant (v_t = eta * b_t); they differ when a schedule
    changes eta: the paper's velocity keeps the old learning rates, torch's applies the new one to the
    whole buffer.

    Symbols -> arguments: theta_{t-1} = ``param``, g_t = ``grad``, eta = ``lr``,
    gamma = mu = ``momentum``, v_t / b_t = ``state.v``, t = ``state.t``.

    Args:
        param: array of floats, any shape (also 0-d): theta_{t-1}.
        grad: array of param's shape: g_t, the gradient at ``param``.
        state: the ``MomentumState`` returned by the previous call, or None on the first call.
        lr: learning rate eta > 0. Default (None): 0.01 (paper; Ruder gives none) or 0.001 (torch).
        momentum: gamma in [0, 1), default 0.9 in both conventions (torch.optim.SGD's own default is 0,
            i.e. plain SGD; 0.9 is the value everyone passes). ``momentum=0`` is ``sgd``.
        convention: "paper" (default) or "torch".

    Returns:
        ``(new_param, new_state)``: theta_t (param's shape) and ``MomentumState(t, v)``.

    Reference: S. Ruder, "An overview of gradient descent optimization algorithms", arXiv:1609.04747;
    N. Qian, "On the momentum term in gradient descent learning algorithms", Neural Networks 1999.
    Code: ``momentum`` checks its inputs, then calls ``momentum_update``, the equations above in order.
    """
    lr, momentum = with_defaults(DEFAULTS, convention, lr=lr, momentum=momentum)
    param, grad = check_inputs("momentum", param, grad, state, MomentumState, convention,
                               lr=lr, momentum=momentum)
    return momentum_update(param, grad, state, lr, momentum, convention)


def momentum_update(param, grad, state, lr, momentum, convention):
    """The equations of ``momentum``, in its docstring's order, on inputs it (or ``Optimizer``) has checked."""
    if state is None:
        state = MomentumState(t=0, v=np.zeros_like(param))
    if convention == "paper":
        v = momentum * state.v + lr * grad  # v_t = gamma v_{t-1} + eta g_t
        new_param = param - v  # theta_t = theta_{t-1} - v_t
    else:
        v = momentum * state.v + grad  # b_t = mu b_{t-1} + g_t
        new_param = param - lr * v  # theta_t = theta_{t-1} - eta b_t
    return new_param, MomentumState(state.t + 1, v)

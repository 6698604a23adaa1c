"""Vanilla (stochastic) gradient descent."""
from typing import NamedTuple

from gdbp.optim._common import check_inputs, with_defaults


class SGDState(NamedTuple):
    """State of ``sgd``: only the step count ``t`` (1 after the first update)."""

    t: int


# Ruder gives no default learning rate for SGD; 0.01 is the usual textbook value (CS231n's sgd).
DEFAULTS = {
    "paper": {"lr": 0.01},
    "torch": {"lr": 0.001},  # torch.optim.SGD(lr=1e-3)
}


def sgd(param, grad, state=None, *, lr=None, convention="paper"):
    r"""One step of gradient descent: move ``param`` against the gradient.

    Algorithm (Ruder 2016, section 2; Robbins & Monro 1951)::

        theta_t = theta_{t-1} - eta * g_t

    Symbols -> arguments: theta_{t-1} = ``param``, g_t = ``grad`` (dJ/dtheta at ``param``),
    eta = ``lr``, t = ``state.t``.

    Args:
        param: array of floats, any shape (also 0-d): the current parameter theta_{t-1}.
        grad: array of param's shape: the gradient g_t at ``param``.
        state: the ``SGDState`` returned by the previous call, or None on the first call.
        lr: learning rate eta > 0. Default (None): 0.01 with ``convention="paper"`` (Ruder gives no
            value), 0.001 with ``convention="torch"`` (torch.optim.SGD's default).
        convention: "paper" (default) or "torch"; the update is the same, only the default lr differs.

    Returns:
        ``(new_param, new_state)``: theta_t (param's shape, a new array) and ``SGDState(t)``.

    PyTorch: ``torch.optim.SGD(params, lr)`` with momentum=0 is exactly this update.
    Reference: S. Ruder, "An overview of gradient descent optimization algorithms", arXiv:1609.04747.
    Code: ``sgd`` checks its inputs, then calls ``sgd_update``, the equations above in order.
    """
    (lr,) = with_defaults(DEFAULTS, convention, lr=lr)
    param, grad = check_inputs("sgd", param, grad, state, SGDState, convention, lr=lr)
    return sgd_update(param, grad, state, lr)


def sgd_update(param, grad, state, lr):
    """The equations of ``sgd``, in its docstring's order, on inputs it (or ``Optimizer``) has checked."""
    t = 0 if state is None else state.t
    new_param = param - lr * grad  # theta_t = theta_{t-1} - eta g_t
    return new_param, SGDState(t + 1)

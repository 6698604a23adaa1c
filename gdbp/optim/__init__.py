"""Optimizers: one pure update function per algorithm of Ruder's overview (+ AdamW), schedules, Optimizer.

Every rule has the same call::

    new_param, new_state = gdbp.optim.adam(param, grad, state, lr=..., convention="paper")

``state`` is None on the first call and the returned state afterwards (a small NamedTuple per rule, with
step count ``t``, 1 after the first update); nothing is changed in place. ``convention="paper"`` (the
default) follows the algorithm as Ruder's overview presents it, ``convention="torch"`` reproduces
``torch.optim`` exactly; ``docs/conventions.md`` lists every difference.

- ``RULES``: name -> update function, for the ten of the overview and ``adamw``
- ``defaults(name, convention)``: the default hyperparameters of a rule in a convention
- ``Optimizer``: applies a rule to every array of a ``params`` dict (``gdbp.optim.optimizer``)
- ``gdbp.optim.schedules``: learning-rate schedules, callables of the step count
"""
import importlib

from gdbp.optim._common import CONVENTIONS
from gdbp.optim.adadelta import AdadeltaState, adadelta
from gdbp.optim.adagrad import AdagradState, adagrad
from gdbp.optim.adam import AdamState, adam
from gdbp.optim.adamax import AdamaxState, adamax
from gdbp.optim.adamw import AdamWState, adamw
from gdbp.optim.amsgrad import AMSGradState, amsgrad
from gdbp.optim.momentum import MomentumState, momentum
from gdbp.optim.nadam import NadamState, nadam
from gdbp.optim.nesterov import NesterovState, nesterov
from gdbp.optim.rmsprop import RMSpropState, rmsprop
from gdbp.optim.sgd import SGDState, sgd
from gdbp.optim import schedules
from gdbp.optim.optimizer import Optimizer

RULES = {
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "adadelta": adadelta,
    "rmsprop": rmsprop,
    "adam": adam,
    "adamax": adamax,
    "nadam": nadam,
    "amsgrad": amsgrad,
    "adamw": adamw,
}


def defaults(name, convention="paper"):
    """Return a new dict of the default hyperparameters of rule ``name`` in ``convention``.

    Only the hyperparameters the convention has are listed (Adadelta's paper form has no ``lr``), so
    ``RULES[name](param, grad, state, **defaults(name, convention), convention=convention)`` is the same
    call as leaving them out. Example: ``defaults("rmsprop", "torch") == {"lr": 0.01, "rho": 0.99,
    "eps": 1e-8}``.
    """
    if name not in RULES:
        raise ValueError(f"name must be one of {sorted(RULES)}, received {name!r}")
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be 'paper' or 'torch', received {convention!r}")
    module = importlib.import_module(f"gdbp.optim.{name}")  # the module, not the function of that name
    return dict(module.DEFAULTS[convention])


__all__ = [
    "RULES", "defaults", "Optimizer", "schedules",
    "sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "adamax", "nadam", "amsgrad",
    "adamw",
    "SGDState", "MomentumState", "NesterovState", "AdagradState", "AdadeltaState", "RMSpropState",
    "AdamState", "AdamaxState", "NadamState", "AMSGradState", "AdamWState",
]

"""Optimizers: one pure update function per algorithm of Ruder's overview (+ AdamW), schedules, Optimizer.

Every rule has the same call::

    new_param, new_state = gdbp.optim.adam(param, grad, state, lr=..., convention="paper")

``state`` is None on the first call and the returned state afterwards (a small NamedTuple per rule, with
step count ``t``, 1 after the first update); nothing is changed in place. ``convention="paper"`` (the
default) follows the algorithm as Ruder's overview presents it, ``convention="torch"`` reproduces
``torch.optim`` exactly; ``docs/conventions.md`` lists every difference.

Each module holds one rule's maths once: ``adam_update(param, grad, state, lr, beta1, beta2, eps)`` is the
equations of ``adam``'s docstring, line by line, without input checks; ``adam`` checks its inputs (each
error names the argument) and calls it. ``Optimizer`` checks all parameters at once, once per step, and
calls the same ``adam_update``.

- ``RULES``: name -> update function, for the ten of the overview and ``adamw``
- ``UPDATES``: name -> its maths function (``"adam"`` -> ``adam_update``)
- ``defaults(name, convention)``: the default hyperparameters of a rule in a convention
- ``Optimizer``: applies a rule to every array of a ``params`` dict (``gdbp.optim.optimizer``)
- ``gdbp.optim.schedules``: learning-rate schedules, callables of the step count
"""
import importlib

from gdbp.optim._common import CONVENTIONS
from gdbp.optim.adadelta import AdadeltaState, adadelta, adadelta_update
from gdbp.optim.adagrad import AdagradState, adagrad, adagrad_update
from gdbp.optim.adam import AdamState, adam, adam_update
from gdbp.optim.adamax import AdamaxState, adamax, adamax_update
from gdbp.optim.adamw import AdamWState, adamw, adamw_update
from gdbp.optim.amsgrad import AMSGradState, amsgrad, amsgrad_update
from gdbp.optim.momentum import MomentumState, momentum, momentum_update
from gdbp.optim.nadam import NadamState, nadam, nadam_update
from gdbp.optim.nesterov import NesterovState, nesterov, nesterov_update
from gdbp.optim.rmsprop import RMSpropState, rmsprop, rmsprop_update
from gdbp.optim.sgd import SGDState, sgd, sgd_update
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
UPDATES = {
    "sgd": sgd_update,
    "momentum": momentum_update,
    "nesterov": nesterov_update,
    "adagrad": adagrad_update,
    "adadelta": adadelta_update,
    "rmsprop": rmsprop_update,
    "adam": adam_update,
    "adamax": adamax_update,
    "nadam": nadam_update,
    "amsgrad": amsgrad_update,
    "adamw": adamw_update,
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
    "RULES", "UPDATES", "defaults", "Optimizer", "schedules",
    "sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "adamax", "nadam", "amsgrad",
    "adamw",
    "sgd_update", "momentum_update", "nesterov_update", "adagrad_update", "adadelta_update", "rmsprop_update",
    "adam_update", "adamax_update", "nadam_update", "amsgrad_update", "adamw_update",
    "SGDState", "MomentumState", "NesterovState", "AdagradState", "AdadeltaState", "RMSpropState",
    "AdamState", "AdamaxState", "NadamState", "AMSGradState", "AdamWState",
]

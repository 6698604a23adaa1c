"""``Optimizer``: apply one update rule to every parameter array of a model."""
import inspect

import numpy as np


class Optimizer:
    """Apply an update rule to every array of a ``params`` dict, one state per name.

    Example::

        params = {"W": rng.normal(size=(3, 2)), "b": np.zeros(2)}
        opt = Optimizer(params, rule="adam", lr=0.01)
        for X, y in batches:
            grads = loss_and_grads(params, X, y)   # dict with the same names and shapes
            opt.step(grads)                         # params["W"], params["b"] are now new arrays

    ``step`` *rebinds* the entries of the dict it was given (``params[name] = new_array``); it never
    writes into the old arrays, so an array you kept from before the step still holds the old values,
    and anything that reads the parameters from the dict sees the new ones.

    Args:
        params: dict name -> array of floats (any shapes). Kept (not copied): ``step`` updates it.
        rule: a name of ``gdbp.optim.RULES`` ("adam", "sgd", ...) or a function with the rule signature
            ``rule(param, grad, state, **hyperparameters) -> (new_param, new_state)``.
        schedule: optional learning-rate schedule, ``schedule(t) -> lr`` with t the number of steps
            already taken (0 for the first), see ``gdbp.optim.schedules``. When given, ``lr`` comes from it
            and may not also be passed.
        **hyperparameters: passed to the rule on every call (``lr``, ``beta1``, ``convention``, ...);
            what is left out takes the rule's default.

    Attributes:
        params: the dict given (its entries are replaced by ``step``).
        state: dict name -> the rule's state for that parameter (None before the first step).
        t: number of steps taken.
    """

    def __init__(self, params, rule="adam", schedule=None, **hyperparameters):
        from gdbp.optim import RULES  # here, not at the top: gdbp.optim imports this module

        if not isinstance(params, dict):
            raise TypeError(f"params must be a dict name -> array, received {type(params).__name__}")
        for name, value in params.items():
            _check_float_array(f"params[{name!r}]", value)
        if isinstance(rule, str):
            if rule not in RULES:
                raise ValueError(f"rule must be one of {sorted(RULES)} or a function, received {rule!r}")
            rule = RULES[rule]
        elif not callable(rule):
            raise TypeError(
                f"rule must be a name of gdbp.optim.RULES or a function, received {type(rule).__name__}")
        if schedule is not None:
            if not callable(schedule):
                raise TypeError(
                    f"schedule must be a callable schedule(t) -> lr, received {type(schedule).__name__}")
            if "lr" in hyperparameters:
                raise ValueError("give either lr or schedule, not both: with a schedule, lr = schedule(t)")
        _check_hyperparameter_names(rule, hyperparameters)
        self.params = params
        self.rule = rule
        self.schedule = schedule
        self.hyperparameters = dict(hyperparameters)
        self.state = {name: None for name in params}
        self.t = 0

    @property
    def lr(self):
        """The learning rate of the next step: ``schedule(t)``, else the ``lr`` given (None: the rule's
        default)."""
        if self.schedule is not None:
            return self.schedule(self.t)
        return self.hyperparameters.get("lr")

    def step(self, grads):
        """Update every parameter with its gradient; ``grads`` has exactly the names of ``params``.

        All new values are computed before any entry is replaced, so an error leaves ``params``, ``state``
        and ``t`` as they were. Raises ValueError for missing or extra names or a shape mismatch, and
        re-raises the rule's ValueError/TypeError prefixed with the parameter's name.
        """
        if not isinstance(grads, dict):
            raise TypeError(f"grads must be a dict name -> array, received {type(grads).__name__}")
        missing = [name for name in self.params if name not in grads]
        extra = [name for name in grads if name not in self.params]
        if missing:
            raise ValueError(f"grads is missing {missing} (params has {list(self.params)})")
        if extra:
            raise ValueError(f"grads has unexpected names {extra} (params has {list(self.params)})")
        hyperparameters = dict(self.hyperparameters)
        if self.schedule is not None:
            hyperparameters["lr"] = self.schedule(self.t)
        new_params, new_states = {}, {}
        for name, param in self.params.items():
            grad = grads[name]
            if np.shape(grad) != np.shape(param):
                raise ValueError(f"grads[{name!r}] has shape {np.shape(grad)}, expected the shape of "
                                 f"params[{name!r}] {np.shape(param)}")
            try:
                new_params[name], new_states[name] = self.rule(param, grad, self.state.get(name),
                                                               **hyperparameters)
            except (TypeError, ValueError) as err:
                raise type(err)(f"parameter {name!r}: {err}") from err
        self.params.update(new_params)  # rebinding: the old arrays are left untouched
        self.state.update(new_states)
        self.t += 1


def _check_float_array(name, value):
    if isinstance(value, (float, np.floating)):
        return
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy array of floats, received {type(value).__name__}")
    if not np.issubdtype(value.dtype, np.floating):
        raise TypeError(f"{name} must be an array of floats (e.g. float64), received dtype {value.dtype}")


def _check_hyperparameter_names(rule, hyperparameters):
    """Raise TypeError for a hyperparameter the rule does not take (a typo such as ``learning_rate``)."""
    try:
        parameters = inspect.signature(rule).parameters
    except (TypeError, ValueError):  # some callables have no signature: let the rule decide
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    names = list(parameters)[3:]  # after param, grad, state
    unknown = [n for n in hyperparameters if n not in names]
    if unknown:
        raise TypeError(f"{getattr(rule, '__name__', 'rule')} takes the hyperparameters {names}, received "
                        f"unknown {unknown}")

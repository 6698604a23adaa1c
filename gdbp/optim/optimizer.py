"""``Optimizer``: apply one update rule to every parameter array of a model."""
import importlib
import inspect
import math
import operator

import numpy as np

from gdbp.optim._common import check_hyperparameters, is_finite, with_defaults


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
            what is left out takes the rule's default. For a rule of ``RULES`` they are checked here,
            with the rule's own messages (``lr must be > 0, received -1``).

        flat: apply the rule once to all parameters laid end to end in one flat array, instead of once per
            array. Every rule of ``gdbp.optim.RULES`` is element-wise, so the result is the same to the
            last bit, and one call over one array costs a quarter of four calls over four (numpy's
            per-call overhead dominates at these sizes: see bench/bench_mlp.py). Default: True for the
            rules of ``RULES`` when all parameters share one dtype; False for your own rule (pass
            ``flat=True`` if it is element-wise too). The new parameters are then views into one array.

    Where the checks are paid. In flat mode with a rule of ``RULES`` (``adam``), ``step`` checks its input
    once for all parameters: the names, each gradient a float array of its parameter's shape, all of them
    finite (one test over their concatenation), the hyperparameters as checked at construction (again
    only if a value changed: a schedule's lr). It then calls the rule's maths, ``adam_update``, which
    checks nothing. When a check fails, the step runs again per array through the public rule
    (``adam``), whose error names the parameter: ``parameter 'W2': grad contains NaN at index (1, 0)``.
    Otherwise (per-array mode, your own rule) the rule is called per array and checks its own inputs.

    Attributes:
        params: the dict given (its entries are replaced by ``step``).
        state: dict name -> the rule's state for that parameter (None before the first step).
        t: number of steps taken.
    """

    def __init__(self, params, rule="adam", schedule=None, flat=None, **hyperparameters):
        from gdbp.optim import RULES, UPDATES  # here, not at the top: gdbp.optim imports this module

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
        # A rule of RULES: the flat mode calls its maths function (adam_update), with the hyperparameters
        # checked here, once, with the rule's own messages; again only when they change (a schedule).
        name = next((name for name, fn in RULES.items() if fn is rule), None)
        self._update = UPDATES[name] if name is not None else None
        if self._update is not None:
            self._names = list(inspect.signature(rule).parameters)[3:-1]
            self._update_names = list(inspect.signature(self._update).parameters)[3:]
            self._defaults = importlib.import_module(f"gdbp.optim.{name}").DEFAULTS  # the module, as defaults()
            self._arguments = self._check_hyperparameters(self.hyperparameters)  # raises now if one is bad
            self._checked = dict(self.hyperparameters)
        self._state = {name: None for name in params}
        self.t = 0
        dtypes = {np.result_type(value) for value in params.values()}
        self.flat = ((self._update is not None if flat is None else bool(flat)) and len(dtypes) == 1
                     and len(params) > 1 and all(np.ndim(value) > 0 for value in params.values()))
        self._flat_state = None  # flat mode: the rule's state for the flat array
        self._views = {}  # flat mode: name -> the array handed out at the last step

    @property
    def state(self):
        """dict name -> the rule's state for that parameter (None before the first step)."""
        if not self.flat or self._flat_state is None:
            return self._state
        return {name: self._slice_state(name) for name in self._layout}

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
        if grads.keys() != self.params.keys():
            missing = [name for name in self.params if name not in grads]
            extra = [name for name in grads if name not in self.params]
            if missing:
                raise ValueError(f"grads is missing {missing} (params has {list(self.params)})")
            raise ValueError(f"grads has unexpected names {extra} (params has {list(self.params)})")
        hyperparameters = self.hyperparameters  # passed as **keywords: the rule gets its own copy
        if self.schedule is not None:
            hyperparameters = {**hyperparameters, "lr": self.schedule(self.t)}
        if self.flat and self._flat_step(grads, hyperparameters):
            return
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
        self._state.update(new_states)
        self.t += 1

    # --- flat mode: one rule call over all parameters laid end to end ---------------------------------

    def _flat_step(self, grads, hyperparameters):
        """One rule call on the concatenation of all parameters; False when the per-array path must run
        (shapes or dtypes differ from the layout, or a check failed: the per-array path then raises the
        rule's own error, naming the parameter).

        For a rule of RULES the checks are made here, once for all parameters: each gradient an array of
        its parameter's shape and (float) dtype, all of them finite (one test over the concatenation), the
        hyperparameters as checked before (again if they changed); then the rule's maths function runs,
        without checks.
        """
        params, views = self.params, self._views
        grad_list = [grads[name] for name in params]
        try:
            grad_layout = [(g.shape, g.dtype) for g in grad_list]
        except AttributeError:  # not an array: the per-array path explains
            return self._leave_flat_layout()
        if (views and params.keys() == views.keys() and all(map(operator.is_, params.values(), views.values()))
                and grad_layout == self._grad_layout):
            param = self._flat_param  # the usual step: the parameters are still the views handed out
        else:
            # First step, someone replaced a parameter since, or gradients of another dtype: (re)build
            # the flat layout from the dict, if all parameters and gradients share one float dtype.
            layout = [(np.shape(p), np.result_type(p)) for p in params.values()]
            dtype = layout[0][1]
            if grad_layout != layout or dtype.kind != "f" or any(d != dtype for _, d in layout):
                return self._leave_flat_layout()  # a wrong shape, mixed or int dtypes: per array
            shapes = [shape for shape, _ in layout]
            if self._flat_state is not None:
                self._state = self.state  # back to per-array states; the flat state is rebuilt below
                self._flat_state = None
            if any(np.shape(st_field) != shape
                   for st, shape in zip(self._state.values(), shapes) if st is not None
                   for st_field in st if isinstance(st_field, np.ndarray)):
                return self._leave_flat_layout()  # a parameter changed shape: the per-array path reports it
            param = np.concatenate(list(params.values()), axis=None)
            self._flat_state = _concat_states(self._state, shapes)
            self._set_layout(shapes)
            self._grad_layout = layout
        grad = np.concatenate(grad_list, axis=None)
        if self._update is None:  # your own rule: it checks what it needs
            try:
                new_param, new_state = self.rule(param, grad, self._flat_state, **hyperparameters)
            except (TypeError, ValueError):
                return self._leave_flat_layout()
        else:
            arguments = self._step_checks(grad, hyperparameters)
            if arguments is None:
                return self._leave_flat_layout()
            new_param, new_state = self._update(param, grad, self._flat_state, **arguments)
        self._flat_param, self._flat_state = new_param, new_state
        self._views = {name: new_param[part].reshape(shape) for name, (part, shape) in self._layout.items()}
        params.update(self._views)  # rebinding, as in the per-array path
        self.t += 1
        return True

    def _leave_flat_layout(self):
        """Back to one state per parameter (the flat layout is rebuilt at the next flat step); False."""
        if self._flat_state is not None:
            self._state = self.state
            self._flat_state = None
        self._views = {}
        return False

    def _step_checks(self, grad, hyperparameters):
        """The checks of a flat step of a rule of RULES: the keyword arguments of its maths function, or
        None if a check fails. The gradients (whose shapes and float dtype were compared with the layout
        before) must all be finite: one test over their concatenation ``grad``. The hyperparameters are
        those checked before, or checked again if a value changed (a schedule's lr, an edited
        ``self.hyperparameters``)."""
        if hyperparameters != self._checked:
            try:
                self._arguments = self._check_hyperparameters(hyperparameters)
            except (TypeError, ValueError):
                return None
            self._checked = dict(hyperparameters)
        return self._arguments if is_finite(grad) else None

    def _check_hyperparameters(self, hyperparameters):
        """Fill in the rule's defaults and check every value as the rule itself does (same messages);
        return the keyword arguments of its maths function. (Under a schedule, lr is checked from the
        first step on, when it has a value.)"""
        names = self._names  # the rule's hyperparameters, between state and convention in its signature
        convention = hyperparameters.get("convention", "paper")
        values = with_defaults(self._defaults, convention, **{name: hyperparameters.get(name) for name in names})
        check_hyperparameters(**dict(zip(names, values)))
        resolved = dict(zip(names, values), convention=convention)
        return {name: resolved[name] for name in self._update_names}

    def _set_layout(self, shapes):
        """Where each parameter lives in the flat array: ``_layout`` name -> (slice, shape)."""
        self._layout, start = {}, 0
        for name, shape in zip(self.params, shapes):
            size = math.prod(shape)
            self._layout[name] = (slice(start, start + size), shape)
            start += size

    def _slice_state(self, name):
        """The state of parameter ``name``: its slice of every per-element field of the flat state."""
        part, shape = self._layout[name]
        total = self._flat_param.size
        fields = [f[part].reshape(shape) if isinstance(f, np.ndarray) and f.shape == (total,)
                  else f for f in self._flat_state]
        return type(self._flat_state)(*fields)


def _concat_states(states, shapes):
    """One flat state from per-array states of one rule (None when no step was taken yet)."""
    values = list(states.values())
    if all(v is None for v in values):
        return None
    if any(v is None for v in values):
        raise ValueError("some parameters have a state and others not: cannot switch to flat mode")
    fields = []
    for parts in zip(*values):
        if isinstance(parts[0], np.ndarray) and parts[0].shape == shapes[0]:
            fields.append(np.concatenate([np.ravel(p) for p in parts]))
        else:
            fields.append(parts[0])
    return type(values[0])(*fields)


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

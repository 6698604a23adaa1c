"""Checker of the training-step exercise (notebook 07) and its catalogue of classic mistakes.

The learner writes ``train_step(model, optimizer, X_batch, y_batch) -> loss``: one forward/backward pass
``loss, grads = model.loss(X_batch, y_batch)``, one update ``optimizer.step(grads)``, and the loss (from
before the update) returned as a float. The reference is ``gdbp.train.train_step``.

The checker first runs the learner's function twice, on two batches, on recording stand-ins (a tiny linear
model whose ``loss`` records its calls and keeps its last grads in ``model.grads``, as ``gdbp.model.MLP``
does; an optimizer whose ``step`` records the grads it receives), both writing to one log of events, so
that it can tell what the function did and in which order::

    callable -> accepts (model, optimizer, X_batch, y_batch) -> model.loss called, with X_batch and y_batch
    (a function that passes the same arrays for two different batches ignores them) -> once -> before
    optimizer.step (not an update with the grads of the previous batch) -> optimizer.step called once, with
    the grads model.loss returned in this call -> returns one float (not None, not the grads, not a
    (loss, grads) pair), model.loss's loss from before the update -> the params are exactly what
    optimizer.step made of them (train_step does not update them itself) -> X_batch and y_batch unchanged

then on a real ``gdbp.model.MLP`` with a ``gdbp.optim.Optimizer`` (Adam) for 3 steps, comparing the losses and
the parameters with the reference run on a copy (tolerance ``_core.RTOL``: identical operations).
Mistakes are named by what the recording shows (the function's structure), not by matching values: every
catalogued property the two recorded calls break is listed, and a failure names the one its check points at
and, when there is one, a second one at once (an update before the forward pass and no return).
"""

from __future__ import annotations

import copy

import numpy as np

from gdbp import train
from gdbp.checks._core import entry_point
from gdbp.checks._core import Checker, Mistake, describe, first_difference, run
from gdbp.checks._results import Inputs, check_scalar, fail_if_changed, fail_named, guarded
from gdbp.model import MLP
from gdbp.optim import Optimizer

__all__ = ["MISTAKES", "check_train_step"]

# =========================================================================================================
# The catalogue of classic mistakes (complete wrong implementations, "# MISTAKE" marks the change).
# =========================================================================================================


def _forgets_step(model, optimizer, X_batch, y_batch):
    loss, grads = model.loss(X_batch, y_batch)
    return float(loss)  # MISTAKE: optimizer.step(grads) is missing: nothing is learned


def _returns_grads(model, optimizer, X_batch, y_batch):
    loss, grads = model.loss(X_batch, y_batch)
    optimizer.step(grads)
    return grads  # MISTAKE: returns the grads, not the loss


def _returns_pair(model, optimizer, X_batch, y_batch):
    loss, grads = model.loss(X_batch, y_batch)
    optimizer.step(grads)
    return loss, grads  # MISTAKE: returns (loss, grads), not the loss


def _no_return(model, optimizer, X_batch, y_batch):
    loss, grads = model.loss(X_batch, y_batch)
    optimizer.step(grads)  # MISTAKE: no return statement: the function returns None


def _loss_after_update(model, optimizer, X_batch, y_batch):
    loss, grads = model.loss(X_batch, y_batch)
    optimizer.step(grads)
    return float(model.loss(X_batch, y_batch)[0])  # MISTAKE: a second forward pass, after the update


def _manual_update(model, optimizer, X_batch, y_batch):
    loss, grads = model.loss(X_batch, y_batch)
    for name in model.params:  # MISTAKE: updates the params by hand instead of calling optimizer.step
        model.params[name] = model.params[name] - 0.01 * grads[name]
    return float(loss)


def _update_twice(model, optimizer, X_batch, y_batch):
    loss, grads = model.loss(X_batch, y_batch)
    optimizer.step(grads)
    for name in model.params:  # MISTAKE: optimizer.step already updated the params: this is a second step
        model.params[name] -= 0.01 * grads[name]
    return float(loss)


def _step_with_params(model, optimizer, X_batch, y_batch):
    loss, grads = model.loss(X_batch, y_batch)
    optimizer.step(model.params)  # MISTAKE: passes the params, not the grads
    return float(loss)


def _steps_twice(model, optimizer, X_batch, y_batch):
    loss, grads = model.loss(X_batch, y_batch)
    optimizer.step(grads)
    optimizer.step(grads)  # MISTAKE: two updates with the same grads
    return float(loss)


def _step_before_loss(model, optimizer, X_batch, y_batch):
    optimizer.step(model.grads)  # MISTAKE: the update comes first, with the grads of the previous batch
    loss, grads = model.loss(X_batch, y_batch)
    return float(loss)


def _loss_twice(model, optimizer, X_batch, y_batch):
    loss = model.loss(X_batch, y_batch)[0]
    grads = model.loss(X_batch, y_batch)[1]  # MISTAKE: a second forward/backward pass for the grads alone
    optimizer.step(grads)
    return float(loss)


_X_TRAIN = np.linspace(-1.0, 1.0, 24).reshape(8, 3)  # a "training set" of the recording model's width
_Y_TRAIN = np.linspace(0.5, -0.5, 8)


def _whole_training_set(model, optimizer, X_batch, y_batch):
    loss, grads = model.loss(_X_TRAIN, _Y_TRAIN)  # MISTAKE: the whole training set, not the batch passed in
    optimizer.step(grads)
    return float(loss)


_M = {m.fn: m for m in [
    Mistake("optimizer.step(grads) is never called (nothing is learned)", _forgets_step,
            "after loss, grads = model.loss(X_batch, y_batch), call optimizer.step(grads)."),
    Mistake("returns the grads instead of the loss", _returns_grads, "return float(loss)."),
    Mistake("returns (loss, grads) instead of the loss alone", _returns_pair, "return float(loss)."),
    Mistake("no return statement (the function returns None)", _no_return, "end with return float(loss)."),
    Mistake("returns the loss of a second forward pass, after the update", _loss_after_update,
            "call model.loss once and return that loss (from before the update): it is what the step was "
            "computed from, and a second pass doubles the cost."),
    Mistake("your function ignores optimizer: it updates the params by hand instead of calling optimizer.step",
            _manual_update,
            "let the optimizer update the params: optimizer.step(grads); train_step does not touch params."),
    Mistake("changes the params itself after optimizer.step (a second update)", _update_twice,
            "optimizer.step(grads) already updates model.params; train_step must not change them itself."),
    Mistake("optimizer.step receives the params instead of the grads", _step_with_params,
            "pass the gradients: optimizer.step(grads), with grads from model.loss."),
    Mistake("optimizer.step called twice", _steps_twice, "one train_step is one update: call optimizer.step once."),
    Mistake("optimizer.step is called before model.loss: the update uses the grads of the previous batch (update "
            "before backward)", _step_before_loss,
            "first the forward and backward pass, then the update: loss, grads = model.loss(X_batch, y_batch); "
            "optimizer.step(grads)."),
    Mistake("model.loss called twice, once for the loss and once for the grads (two forward and backward passes)",
            _loss_twice, "unpack both from one call: loss, grads = model.loss(X_batch, y_batch)."),
    Mistake("your function ignores X_batch and y_batch (model.loss gets other arrays, the same for every batch: the "
            "whole training set, or a global variable?)", _whole_training_set,
            "pass the batch the function receives: model.loss(X_batch, y_batch)."),
]}
MISTAKES: dict[str, list[Mistake]] = {"train_step": list(_M.values())}


# =========================================================================================================
# Recording stand-ins.
# =========================================================================================================


class _RecordingModel:
    """A linear model ``y_hat = X @ W + b`` with the mean squared error. Every call of ``loss`` is logged in
    ``events`` as ``("loss", X, y, loss, grads)``; the last grads are kept in ``grads`` (as MLP does)."""

    def __init__(self, rng, events: list):
        self.params = {"W": rng.normal(size=3), "b": rng.normal(size=1)}
        self.grads = {}
        self.events = events

    def loss(self, X, y):
        W, b = self.params["W"], self.params["b"]
        r = X @ W + b[0] - y
        loss = np.mean(r**2)  # a numpy float, as gdbp.model.MLP returns
        grads = {"W": 2 * X.T @ r / len(y), "b": np.array([2 * np.mean(r)])}
        self.grads = grads
        self.events.append(("loss", X, y, loss, grads))
        return loss, grads


class _RecordingOptimizer:
    """Plain gradient descent; every call of ``step`` is logged as ``("step", grads, params after, a copy of
    grads as given)``. Grads that
    are not a dict of the params' names are logged and ignored (the checker says what was passed)."""

    def __init__(self, params, events: list, lr=0.1):
        self.params, self.lr, self.events = params, lr, events

    def step(self, grads):
        given = {k: np.array(v, copy=True) for k, v in grads.items()} if isinstance(grads, dict) else grads
        if isinstance(grads, dict) and set(grads) == set(self.params) and \
                all(np.shape(grads[k]) == np.shape(self.params[k]) for k in self.params):
            for name in self.params:
                self.params[name] = self.params[name] - self.lr * grads[name]
        self.events.append(("step", grads, {k: np.array(v, copy=True) for k, v in self.params.items()}, given))


def _same_arrays(a, b) -> bool:
    """Two dicts with the same names and exactly equal arrays."""
    if not isinstance(a, dict) or not isinstance(b, dict) or set(a) != set(b):
        return False
    for name in b:
        x, y = a[name], b[name]
        if not isinstance(x, np.ndarray) or not isinstance(y, np.ndarray) or x.shape != y.shape or \
                first_difference(x, y, 0.0, 0.0) is not None:
            return False
    return True


def _same(x, y) -> bool:
    return x is y or (isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and _same_arrays({"a": x}, {"a": y}))


class _Call:
    """One recorded call of the learner's train_step: its batch, what it returned (or raised), the events it
    caused, and the params before it (the dict's arrays and copies of them)."""

    def __init__(self, model, X_batch, y_batch):
        self.X_batch, self.y_batch = X_batch, y_batch
        self.params = model.params  # the dict itself
        self.before = dict(model.params)
        self.saved = {k: v.copy() for k, v in model.params.items()}
        self.out, self.error, self.events = None, None, []

    @property
    def losses(self):
        return [e for e in self.events if e[0] == "loss"]

    @property
    def steps(self):
        return [e for e in self.events if e[0] == "step"]


def _properties(calls: list, model) -> list:
    """The catalogued mistakes whose property the recorded calls break, in catalogue order."""
    found = set()
    for k, call in enumerate(calls):
        if call.error is not None:
            continue
        kinds = [e[0] for e in call.events]
        losses, steps = call.losses, call.steps
        if not steps:
            found.add(_manual_update if not _same_arrays(call.after, call.saved) else _forgets_step)
        if len(steps) > 1:
            found.add(_steps_twice)
        if kinds[:1] == ["step"] and losses:
            found.add(_step_before_loss)
        if kinds == ["loss", "step", "loss"]:
            found.add(_loss_after_update)
        if kinds == ["loss", "loss", "step"]:
            found.add(_loss_twice)
        if steps and (steps[0][1] is call.params or _same_arrays(steps[0][3], call.saved)):
            found.add(_step_with_params)
        if call.out is None:
            found.add(_no_return)
        elif isinstance(call.out, dict):
            found.add(_returns_grads)
        elif isinstance(call.out, (tuple, list)) and len(call.out) == 2 and isinstance(call.out[1], dict):
            found.add(_returns_pair)
        if len(steps) == 1 and (any(first_difference(a, call.saved[n], 0.0, 0.0) is not None
                                    for n, a in call.before.items()) or not _same_arrays(call.after, steps[0][2])):
            found.add(_update_twice)
    first, second = calls[0], calls[1] if len(calls) > 1 else None
    if second is not None and first.losses and second.losses and first.error is None and second.error is None:
        X1, y1, X2, y2 = first.losses[0][1], first.losses[0][2], second.losses[0][1], second.losses[0][2]
        if not _same(X1, first.X_batch) and _same(X1, X2):
            found.add(_whole_training_set)
    return [m for fn, m in _M.items() if fn in found]


def _fail(c: Checker, case: str, problem: str, found: list, mistake_fn=None, hint: str = "") -> None:
    """Fail with ``problem``, naming the mistake its check points at (``mistake_fn``) and, if the recording
    shows another catalogued one too, both at once; an honest statement when none is catalogued."""
    __tracebackhide__ = True
    first = _M[mistake_fn] if mistake_fn is not None else (found[0] if found else None)
    named = [first] + [m for m in found if m is not first][:1] if first is not None else []
    fail_named(c, case, problem, named, hint=hint)


# =========================================================================================================
# The checker.
# =========================================================================================================


def _check_returned(c: Checker, out, case: str, found: list) -> None:
    """The return value must be one float (np.float64 is a float)."""
    __tracebackhide__ = True
    if out is None:
        _fail(c, case, "received None, expected the loss (a float).", found, _no_return)
    if isinstance(out, dict):
        _fail(c, case, f"received {describe(out)} with keys {list(out)[:4]}, expected the loss (a float).", found,
              _returns_grads)
    if isinstance(out, (tuple, list)):
        if len(out) == 2 and isinstance(out[1], dict):
            _fail(c, case, f"received {describe(out)}, expected the loss alone (a float).", found, _returns_pair)
        c.fail(f"received {describe(out)}, expected the loss (a float).", case, hint="return float(loss).")
    if isinstance(out, np.ndarray):
        c.fail(f"received {describe(out)}, expected the loss as a float.", case, hint="return float(loss).")
    if isinstance(out, bool) or not isinstance(out, (float, int, np.floating, np.integer)):
        c.fail(f"received {describe(out)}, expected the loss (a float).", case, hint="return float(loss).")


def _record(c: Checker, case: str, model, optimizer, events: list, X_batch, y_batch, quiet: bool) -> _Call:
    """One call of the learner's train_step on the recording stand-ins; ``quiet``: an error is recorded, not
    reported (the second call is evidence for the first one's diagnosis)."""
    __tracebackhide__ = True
    call = _Call(model, X_batch, y_batch)
    start = len(events)
    if quiet:
        attempt = c.attempt_thunk(lambda: c.fn(model, optimizer, X_batch, y_batch))
        call.out, call.error = attempt.value, attempt.error
    else:
        call.out = guarded(c, case, lambda: c.fn(model, optimizer, X_batch, y_batch))
    call.events = events[start:]
    call.after = dict(model.params)
    return call


def _recorded_case(c: Checker) -> None:
    """Two calls on the recording stand-ins: what was called, with what, in which order, and what came back."""
    __tracebackhide__ = True
    case = c.case("one step on a recording model and optimizer")
    rng = np.random.default_rng(20240609)
    events: list = []
    model = _RecordingModel(rng, events)
    optimizer = _RecordingOptimizer(model.params, events)
    batches = [(rng.normal(size=(5, 3)), rng.normal(size=5)), (rng.normal(size=(4, 3)), rng.normal(size=4))]
    inputs = Inputs({"X_batch": batches[0][0], "y_batch": batches[0][1]})
    first = _record(c, case, model, optimizer, events, *batches[0], quiet=False)
    changed = inputs.changed()
    second = _record(c, case, model, optimizer, events, *batches[1], quiet=True)
    found = _properties([first, second], model)
    X_batch, y_batch = batches[0]
    losses, steps = first.losses, first.steps

    if not losses:
        if steps:
            _fail(c, case, "model.loss was never called but optimizer.step was: your function ignores its model "
                           "argument (a model from another cell?).", found,
                  hint="use the model the function receives: loss, grads = model.loss(X_batch, y_batch).")
        _fail(c, case, "model.loss was never called, expected one call model.loss(X_batch, y_batch).", found,
              hint="loss, grads = model.loss(X_batch, y_batch) computes the loss and the gradients.")
    if not _same(losses[0][1], X_batch) or not _same(losses[0][2], y_batch):
        _fail(c, case, "model.loss was called with other arrays than X_batch and y_batch.", found,
              _whole_training_set if _whole_training_set in [m.fn for m in found] else None,
              hint="call model.loss(X_batch, y_batch) with the batch the function received.")
    if steps and [e[0] for e in first.events][0] == "step":
        _fail(c, case, "optimizer.step was called before model.loss, expected the update after the forward and "
                       "backward pass.", found, _step_before_loss)
    if len(losses) > 1:
        after = [e[0] for e in first.events] == ["loss", "step", "loss"]
        _fail(c, case, f"model.loss was called {len(losses)} times, expected once.", found,
              _loss_after_update if after else _loss_twice if len(losses) == 2 else None,
              hint="one forward/backward pass per step: loss, grads = model.loss(X_batch, y_batch).")
    loss_returned, grads_returned = losses[0][3], losses[0][4]

    if not steps:
        _fail(c, case, "optimizer.step was never called" + (" (the params were changed by hand)"
                                                            if _manual_update in [m.fn for m in found] else "")
              + ", expected one call optimizer.step(grads).", found,
              _manual_update if _manual_update in [m.fn for m in found] else _forgets_step)
    if len(steps) > 1:
        _fail(c, case, f"optimizer.step was called {len(steps)} times, expected once.", found, _steps_twice)
    step_arg = steps[0][1]
    if step_arg is not grads_returned and not _same_arrays(steps[0][3], grads_returned):
        if step_arg is first.params or _same_arrays(steps[0][3], first.saved):
            _fail(c, case, "optimizer.step received the params, expected the grads returned by model.loss.", found,
                  _step_with_params)
        _fail(c, case, f"optimizer.step received {describe(step_arg)}, expected the grads dict returned by "
                       f"model.loss.", found, hint="loss, grads = model.loss(X_batch, y_batch); optimizer.step(grads).")

    _check_returned(c, first.out, case, found)
    check_scalar(c, first.out, "the returned loss", expected=float(loss_returned), case=case,
                 source="model.loss(X_batch, y_batch), before the update",
                 hint="return the loss that model.loss returned: float(loss).")

    for name, array in first.before.items():
        if first_difference(array, first.saved[name], 0.0, 0.0) is not None:
            _fail(c, case, f"the array model.params[{name!r}] from before the step was changed in place, expected "
                           f"the params to change only through optimizer.step.", found, _update_twice)
    if not _same_arrays(first.after, steps[0][2]):
        _fail(c, case, "the params differ from what optimizer.step made of them, expected train_step to leave "
                       "them to the optimizer.", found, _update_twice)
    if changed is not None:
        fail_if_changed(c, inputs, case)

    # the second call: a fresh batch
    if second.error is not None:
        guarded(c, case, lambda: _reraise(second.error))
    if second.losses and not _same(second.losses[0][1], batches[1][0]):
        _fail(c, case, "for a second batch, model.loss was called with other arrays than that batch.", found,
              _whole_training_set if _whole_training_set in [m.fn for m in found] else None,
              hint="call model.loss(X_batch, y_batch) with the batch the function received.")
    if second.steps and second.losses and second.steps[0][1] is not second.losses[0][4] and \
            not _same_arrays(second.steps[0][3], second.losses[0][4]):
        previous = _same_arrays(second.steps[0][3], first.losses[0][4])
        _fail(c, case, "for a second batch, optimizer.step received " + ("the grads of the previous batch" if previous
                                                                          else describe(second.steps[0][1]))
              + ", expected the grads model.loss returned for this batch.", found,
              _step_before_loss if _step_before_loss in [m.fn for m in found] else None,
              hint="loss, grads = model.loss(X_batch, y_batch); optimizer.step(grads), in that order.")


def _reraise(error: BaseException):
    raise error


def _real_case(c: Checker) -> None:
    """Three steps on gdbp.model.MLP with gdbp.optim.Optimizer (Adam), against the reference on a copy."""
    __tracebackhide__ = True
    case = c.case("3 steps of an MLP with Adam (gdbp.model, gdbp.optim)")
    rng = np.random.default_rng(20240610)
    model = MLP(4, [5], 3, seed=1)
    optimizer = Optimizer(model.params, rule="adam", lr=0.01)
    reference_model = copy.deepcopy(model)
    reference_optimizer = Optimizer(reference_model.params, rule="adam", lr=0.01)
    for step in range(3):
        X_batch, y_batch = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)
        expected = train.train_step(reference_model, reference_optimizer, X_batch, y_batch)
        out = guarded(c, case, lambda: c.fn(model, optimizer, X_batch, y_batch))
        _check_returned(c, out, case, [])
        check_scalar(c, out, f"the loss of step {step + 1}", expected=expected, case=case,
                     source="gdbp.train.train_step on a copy of the model and optimizer")
        for name, value in reference_model.params.items():
            received = model.params[name]
            if not isinstance(received, np.ndarray) or received.shape != value.shape or \
                    first_difference(received, value) is not None:
                c.fail(f"after step {step + 1}, model.params[{name!r}] differs from the reference's (first "
                       f"entries received {np.asarray(received).ravel()[:3].tolist()}, expected "
                       f"{value.ravel()[:3].tolist()}).", case,
                       hint="one step is: loss, grads = model.loss(X_batch, y_batch); optimizer.step(grads); "
                            "return float(loss).")


@entry_point
def check_train_step(learner_fn, *, time_limit=None):
    """Check ``train_step(model, optimizer, X_batch, y_batch) -> loss`` against ``gdbp.train.train_step``: it
    calls ``model.loss`` once, ``optimizer.step`` once with the grads, returns the loss from before the update
    as a float, and leaves the params to the optimizer.

    Raises AssertionError (``CheckFailed``) naming the case, what was received and expected, and the classic
    mistake (or the two) it matches; prints one line on success.
    """
    __tracebackhide__ = True

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("model", "optimizer", "X_batch", "y_batch")
        _recorded_case(c)
        _real_case(c)

    run("train_step", learner_fn, body,
        hint="loss, grads = model.loss(X_batch, y_batch); optimizer.step(grads); return float(loss).")

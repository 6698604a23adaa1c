"""Checker of the training-step exercise (notebook 07) and its catalogue of classic mistakes.

The learner writes ``train_step(model, optimizer, X_batch, y_batch) -> loss``: one forward/backward pass
``loss, grads = model.loss(X_batch, y_batch)``, one update ``optimizer.step(grads)``, and the loss (from
before the update) returned as a float. The reference is ``gdbp.train.train_step``.

The checker first runs the learner's function on recording stand-ins (a tiny linear model whose ``loss``
records its calls, an optimizer whose ``step`` records the grads it receives), so that it can tell what the
function did, in this order::

    callable -> accepts (model, optimizer, X_batch, y_batch) -> returns one float (not None, not the grads,
    not a (loss, grads) pair) -> model.loss called once, with X_batch and y_batch -> optimizer.step called
    once, with the grads model.loss returned -> the returned loss is model.loss's (from before the update)
    -> the params are exactly what optimizer.step made of them (train_step does not update them itself)
    -> X_batch and y_batch unchanged

then on a real ``gdbp.model.MLP`` with a ``gdbp.optim.Optimizer`` (Adam) for 3 steps, comparing the losses and
the parameters with the reference run on a copy (tolerance ``_core.RTOL``: identical operations).
Mistakes are named by what the recording shows (the function's structure), not by matching values.
"""

from __future__ import annotations

import copy

import numpy as np

from gdbp import train
from gdbp.checks._core import entry_point
from gdbp.checks._core import Checker, Mistake, describe, first_difference, run
from gdbp.checks._results import Inputs, check_scalar, fail_if_changed, guarded
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


_M = {m.fn: m for m in [
    Mistake("optimizer.step(grads) is never called (nothing is learned)", _forgets_step,
            "after loss, grads = model.loss(X_batch, y_batch), call optimizer.step(grads)."),
    Mistake("returns the grads instead of the loss", _returns_grads, "return float(loss)."),
    Mistake("returns (loss, grads) instead of the loss alone", _returns_pair, "return float(loss)."),
    Mistake("no return statement (the function returns None)", _no_return, "end with return float(loss)."),
    Mistake("returns the loss of a second forward pass, after the update", _loss_after_update,
            "call model.loss once and return that loss (from before the update): it is what the step was "
            "computed from, and a second pass doubles the cost."),
    Mistake("updates the params by hand instead of calling optimizer.step", _manual_update,
            "let the optimizer update the params: optimizer.step(grads); train_step does not touch params."),
    Mistake("changes the params itself after optimizer.step (a second update)", _update_twice,
            "optimizer.step(grads) already updates model.params; train_step must not change them itself."),
    Mistake("optimizer.step receives the params instead of the grads", _step_with_params,
            "pass the gradients: optimizer.step(grads), with grads from model.loss."),
    Mistake("optimizer.step called twice", _steps_twice, "one train_step is one update: call optimizer.step once."),
]}
MISTAKES: dict[str, list[Mistake]] = {"train_step": list(_M.values())}


def _fail(c: Checker, case: str, problem: str, mistake_fn) -> None:
    __tracebackhide__ = True
    m = _M[mistake_fn]
    c.fail(f"{problem}\n  This matches a classic mistake: {m.name}.", case, hint=m.hint)


# =========================================================================================================
# Recording stand-ins.
# =========================================================================================================


class _RecordingModel:
    """A linear model ``y_hat = X @ W + b`` with the mean squared error, recording every call of ``loss``."""

    def __init__(self, rng):
        self.params = {"W": rng.normal(size=3), "b": rng.normal(size=1)}
        self.calls = []  # (X, y) of every call
        self.returned = []  # (loss, grads) of every call

    def loss(self, X, y):
        self.calls.append((X, y))
        W, b = self.params["W"], self.params["b"]
        r = X @ W + b[0] - y
        loss = np.mean(r**2)  # a numpy float, as gdbp.model.MLP returns
        grads = {"W": 2 * X.T @ r / len(y), "b": np.array([2 * np.mean(r)])}
        self.returned.append((loss, grads))
        return loss, grads


class _RecordingOptimizer:
    """Plain gradient descent that records the grads of every ``step`` and the params it produced."""

    def __init__(self, params, lr=0.1):
        self.params, self.lr = params, lr
        self.received = []  # the grads argument of every call
        self.produced = None  # the params after the last step (copies)

    def step(self, grads):
        self.received.append(grads)
        for name in self.params:
            self.params[name] = self.params[name] - self.lr * grads[name]
        self.produced = {k: v.copy() for k, v in self.params.items()}


def _same_arrays(a: dict, b: dict) -> bool:
    """Two dicts with the same names and exactly equal arrays."""
    if not isinstance(a, dict) or set(a) != set(b):
        return False
    for name in b:
        x, y = a[name], b[name]
        if not isinstance(x, np.ndarray) or x.shape != y.shape or first_difference(x, y, 0.0, 0.0) is not None:
            return False
    return True


# =========================================================================================================
# The checker.
# =========================================================================================================


def _check_returned(c: Checker, out, case: str) -> None:
    """The return value must be one float (np.float64 is a float)."""
    __tracebackhide__ = True
    if out is None:
        _fail(c, case, "received None, expected the loss (a float).", _no_return)
    if isinstance(out, dict):
        _fail(c, case, f"received {describe(out)} with keys {list(out)[:4]}, expected the loss (a float).",
              _returns_grads)
    if isinstance(out, (tuple, list)):
        if len(out) == 2 and isinstance(out[1], dict):
            _fail(c, case, f"received {describe(out)}, expected the loss alone (a float).", _returns_pair)
        c.fail(f"received {describe(out)}, expected the loss (a float).", case, hint="return float(loss).")
    if isinstance(out, np.ndarray):
        c.fail(f"received {describe(out)}, expected the loss as a float.", case, hint="return float(loss).")
    if isinstance(out, bool) or not isinstance(out, (float, int, np.floating, np.integer)):
        c.fail(f"received {describe(out)}, expected the loss (a float).", case, hint="return float(loss).")


def _recorded_case(c: Checker) -> None:
    """One call on the recording stand-ins: what was called, with what, and what came back."""
    __tracebackhide__ = True
    case = c.case("one step on a recording model and optimizer")
    rng = np.random.default_rng(20240609)
    model = _RecordingModel(rng)
    optimizer = _RecordingOptimizer(model.params)
    X_batch, y_batch = rng.normal(size=(5, 3)), rng.normal(size=5)
    original = dict(model.params)  # the array objects themselves
    saved = {k: v.copy() for k, v in model.params.items()}
    inputs = Inputs({"X_batch": X_batch, "y_batch": y_batch})

    out = guarded(c, case, lambda: c.fn(model, optimizer, X_batch, y_batch))
    n_loss, n_step = len(model.calls), len(optimizer.received)
    if n_loss == 0:
        c.fail("model.loss was never called, expected one call model.loss(X_batch, y_batch).", case,
               hint="loss, grads = model.loss(X_batch, y_batch) computes the loss and the gradients.")
    X_used, y_used = model.calls[0]
    if not (X_used is X_batch or _same_arrays({"X": X_used}, {"X": X_batch})) or \
            not (y_used is y_batch or _same_arrays({"y": y_used}, {"y": y_batch})):
        c.fail("model.loss was called with other arrays than X_batch and y_batch.", case,
               hint="call model.loss(X_batch, y_batch) with the batch the function received.")
    if n_loss == 2 and n_step == 1:
        _fail(c, case, "model.loss was called 2 times, expected once.", _loss_after_update)
    if n_loss > 1:
        c.fail(f"model.loss was called {n_loss} times, expected once.", case,
               hint="one forward/backward pass per step: loss, grads = model.loss(X_batch, y_batch).")
    loss_returned, grads_returned = model.returned[0]

    if n_step == 0:
        params_changed = not _same_arrays(model.params, saved)
        _fail(c, case, "optimizer.step was never called" + (" (the params were changed by hand)" if params_changed
                                                            else "") + ", expected one call optimizer.step(grads).",
              _manual_update if params_changed else _forgets_step)
    if n_step > 1:
        _fail(c, case, f"optimizer.step was called {n_step} times, expected once.", _steps_twice)
    step_arg = optimizer.received[0]
    if step_arg is not grads_returned and not _same_arrays(step_arg, grads_returned):
        if step_arg is model.params or _same_arrays(step_arg, saved):
            _fail(c, case, "optimizer.step received the params, expected the grads returned by model.loss.",
                  _step_with_params)
        c.fail(f"optimizer.step received {describe(step_arg)}, expected the grads dict returned by model.loss.",
               case, hint="loss, grads = model.loss(X_batch, y_batch); optimizer.step(grads).")

    _check_returned(c, out, case)
    check_scalar(c, out, "the returned loss", expected=float(loss_returned), case=case,
                 source="model.loss(X_batch, y_batch), before the update",
                 hint="return the loss that model.loss returned: float(loss).")

    for name, array in original.items():
        if first_difference(array, saved[name], 0.0, 0.0) is not None:
            _fail(c, case, f"the array model.params[{name!r}] from before the step was changed in place, expected "
                           f"the params to change only through optimizer.step.", _update_twice)
    if not _same_arrays(model.params, optimizer.produced):
        _fail(c, case, "the params differ from what optimizer.step made of them, expected train_step to leave "
                       "them to the optimizer.", _update_twice)
    fail_if_changed(c, inputs, case)


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
        _check_returned(c, out, case)
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
    mistake it matches; prints one line on success.
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

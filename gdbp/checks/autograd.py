"""Checkers of the scalar autograd exercises (notebook 05) and their catalogues of classic mistakes.

The learner writes a ``Value`` class in micrograd's shape: ``Value(data)``, attributes ``.data`` and ``.grad``
(0 at creation), operations ``+ * ** neg exp tanh relu`` that return a new ``Value`` and set its
``_backward`` closure, and ``backward()``. The notebook's test cells pass the CLASS itself:

- ``check_value_ops(Value)``: each operation on its own. The checker builds ``out = <op>(a, b)``, sets
  ``out.grad`` to an upstream value that is not 1, gives ``a`` and ``b`` a grad that is not 0 beforehand,
  and calls ``out._backward()`` once. Then ``out.data`` and ``a.grad``, ``b.grad`` must equal what
  ``gdbp.engine.Value`` gives: ``a.grad = old + local derivative * out.grad`` (``+=``, the chain rule).
  A node used twice (``a * a``, ``a + a``) shows ``=`` instead of ``+=`` even from a zero grad. ReLU is
  checked at a > 0, a == 0 (derivative 0, the convention here) and a < 0; tanh at a = 0.8, where
  ``1 - a**2`` and ``1 - out**2`` differ.
- ``check_backward(Value)``: whole graphs built with the learner's own operations, then ``L.backward()``:
  a small neuron, a node used several times along one path, a diamond of two equal paths, two passes in a
  row (grads must be reset, so a second ``backward()`` gives the same grads, and a second loss sharing nodes
  gives only its own), then a diamond of three unequal paths and a chain of 30 operations.

Every catalogued mistake is a complete wrong ``Value`` class (micrograd's code with one change marked
"# MISTAKE"), so that the checker can build the same case with it and name it when the learner's numbers
match, and the tests can use it as a mutant. Mistakes in different parts of the class (one operation, how
grads are added, how ``backward()`` resets, seeds or walks) combine by inheritance, so a learner with two of
them is named with both.

Diagnosis (only after a failure). A learner's class may keep its children in a ``set`` (as micrograd does),
so its walk order changes from run to run. The diagnosis therefore uses only evidence that does not depend on
that order: the cases marked *stable* below are graphs in which every catalogued mistake, alone or paired,
gives the same numbers whatever order the children are visited in (``tests/test_checks_autograd.py`` checks
this by shuffling children), and the stable cases come first, so every catalogued mistake also FAILS first
on a stable case. The catalogue is a family (``gdbp.checks._diagnosis.Catalogue``) whose settings pick the mistaken
version of each part, so :func:`gdbp.checks._diagnosis.explain` names the most specific explanation (one
change, one with a fitted constant, or two at once) that reproduces the learner's numbers on every stable
case and on the failing one. When none does, probes say what they found: for an operation, whether its
``_backward`` ignores ``out.grad``, overwrites the old grad, or which local derivative came out; for a
graph, the same probes of each operation that differs from the reference.

Tolerance: ``_core.RTOL`` (1e-9 relative): the same float64 formulas up to the order of operations.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from gdbp import engine
from gdbp.checks._core import entry_point
from gdbp.checks._core import Checker, describe, run
from gdbp.checks._diagnosis import Catalogue, Change, Evidence, Finding, Trial, explain, report, same
from gdbp.checks._results import as_scalar, guarded

__all__ = ["MISTAKES", "check_value_ops", "check_backward"]


# =========================================================================================================
# micrograd's Value, written so that every operation creates an instance of the same class (type(self)) and
# the parts a mistake can change are separate methods: how a contribution is added to a grad (_add_grad) and
# the three steps of backward() (_reset, _seed, _propagate). It follows gdbp.engine.Value's conventions
# (backward() resets the grads first; relu'(0) = 0). It is not the reference: the expected values come from
# gdbp.engine.Value.
# =========================================================================================================


class _MicroValue:
    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op

    def _wrap(self, other):
        return other if isinstance(other, _MicroValue) else type(self)(other)

    @staticmethod
    def _add_grad(node, contribution):
        node.grad += contribution

    def __add__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            out._add_grad(self, out.grad)
            out._add_grad(other, out.grad)
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            out._add_grad(self, other.data * out.grad)
            out._add_grad(other, self.data * out.grad)
        out._backward = _backward
        return out

    def __pow__(self, k):
        out = type(self)(self.data**k, (self,), f"**{k}")

        def _backward():
            out._add_grad(self, k * self.data ** (k - 1) * out.grad)
        out._backward = _backward
        return out

    def __neg__(self):
        out = type(self)(-self.data, (self,), "neg")

        def _backward():
            out._add_grad(self, -1.0 * out.grad)
        out._backward = _backward
        return out

    def exp(self):
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _backward():
            out._add_grad(self, out.data * out.grad)
        out._backward = _backward
        return out

    def tanh(self):
        out = type(self)(math.tanh(self.data), (self,), "tanh")

        def _backward():
            out._add_grad(self, (1 - out.data**2) * out.grad)
        out._backward = _backward
        return out

    def relu(self):
        out = type(self)(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            out._add_grad(self, (1.0 if self.data > 0 else 0.0) * out.grad)
        out._backward = _backward
        return out

    def _topo(self):
        order, visited = [], set()

        def build(node):
            if node not in visited:
                visited.add(node)
                for child in node._prev:
                    build(child)
                order.append(node)
        build(self)
        return order

    def backward(self):
        order = self._topo()
        self._reset(order)
        self._seed()
        self._propagate(order)

    def _reset(self, order):
        for node in order:
            node.grad = 0.0

    def _seed(self):
        self.grad = 1.0

    def _propagate(self, order):
        for node in reversed(order):
            node._backward()


# --- wrong local derivatives (check_value_ops) -----------------------------------------------------------


class _AssignInsteadOfAccumulate(_MicroValue):
    @staticmethod
    def _add_grad(node, contribution):
        node.grad = contribution  # MISTAKE: = instead of += (a node used twice keeps only one contribution)


class _AddIgnoresUpstream(_MicroValue):
    def __add__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            out._add_grad(self, 1.0)  # MISTAKE: the local derivative 1 alone: out.grad is not multiplied in
            out._add_grad(other, 1.0)
        out._backward = _backward
        return out


class _MulOwnData(_MicroValue):
    def __mul__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            out._add_grad(self, self.data * out.grad)  # MISTAKE: d(a*b)/da is b, not a
            out._add_grad(other, other.data * out.grad)
        out._backward = _backward
        return out


class _SameInputOnce(_MicroValue):
    """The design with a table of local derivatives per input (ARENA's, the early micrograd issue #2 variants)
    keyed by the input node: for a * a the second entry replaces the first."""

    def __add__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data + other.data, (self, other), "+")
        local = {self: 1.0, other: 1.0}  # MISTAKE: keyed by node: a + a keeps one entry, one contribution

        def _backward():
            for node, d in local.items():
                out._add_grad(node, d * out.grad)
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data * other.data, (self, other), "*")
        local = {self: other.data, other: self.data}  # MISTAKE: keyed by node: a * a keeps one entry

        def _backward():
            for node, d in local.items():
                out._add_grad(node, d * out.grad)
        out._backward = _backward
        return out


class _PowExponentNotLowered(_MicroValue):
    def __pow__(self, k):
        out = type(self)(self.data**k, (self,), f"**{k}")

        def _backward():
            out._add_grad(self, k * self.data**k * out.grad)  # MISTAKE: k * a**k instead of k * a**(k - 1)
        out._backward = _backward
        return out


class _PowFactorMissing(_MicroValue):
    def __pow__(self, k):
        out = type(self)(self.data**k, (self,), f"**{k}")

        def _backward():
            out._add_grad(self, self.data ** (k - 1) * out.grad)  # MISTAKE: the factor k is missing
        out._backward = _backward
        return out


class _PowSquareOnly(_MicroValue):
    def __pow__(self, k):
        out = type(self)(self.data**k, (self,), f"**{k}")

        def _backward():
            out._add_grad(self, 2 * self.data * out.grad)  # MISTAKE: the derivative of a**2, whatever k is
        out._backward = _backward
        return out


class _NegSignLost(_MicroValue):
    def __neg__(self):
        out = type(self)(-self.data, (self,), "neg")

        def _backward():
            out._add_grad(self, out.grad)  # MISTAKE: the local derivative -1 is missing
        out._backward = _backward
        return out


class _ExpDerivativeIsInput(_MicroValue):
    def exp(self):
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _backward():
            out._add_grad(self, self.data * out.grad)  # MISTAKE: d e^a/da is e^a (out.data), not a
        out._backward = _backward
        return out


class _TanhOfInput(_MicroValue):
    def tanh(self):
        out = type(self)(math.tanh(self.data), (self,), "tanh")

        def _backward():
            out._add_grad(self, (1 - self.data**2) * out.grad)  # MISTAKE: 1 - a**2 instead of 1 - out**2
        out._backward = _backward
        return out


class _TanhPrecedence(_MicroValue):
    def tanh(self):
        out = type(self)(math.tanh(self.data), (self,), "tanh")

        def _backward():
            out._add_grad(self, 1 - out.data**2 * out.grad)  # MISTAKE: no parentheses: (1 - t**2) * out.grad
        out._backward = _backward
        return out


class _ReluKinkOne(_MicroValue):
    _AT_ZERO = 1.0  # the diagnosis fits other values (0.5, the average of the two one-sided slopes)

    def relu(self):
        out = type(self)(self.data if self.data > 0 else 0.0, (self,), "relu")
        at_zero = self._AT_ZERO

        def _backward():
            d = 1.0 if self.data > 0 else at_zero if self.data == 0 else 0.0  # MISTAKE: derivative 1 at a == 0
            out._add_grad(self, d * out.grad)
        out._backward = _backward
        return out


# --- wrong backward() (check_backward) -------------------------------------------------------------------


class _BackwardPreorder(_MicroValue):
    def _propagate(self, order):
        visited = set()

        def visit(node):  # MISTAKE: no topological order: a node passes its grad on as soon as it is
            if node in visited:  # reached, before all of its consumers have added to it
                return
            visited.add(node)
            node._backward()
            for child in node._prev:
                visit(child)
        visit(self)


class _BackwardEveryPath(_MicroValue):
    """micrograd's first version (commit 36fab1a) worked this way: each _backward called its inputs' own."""

    def _propagate(self, order):
        def visit(node):  # MISTAKE: no visited set and no order: _backward runs once per path to a node
            node._backward()
            for child in node._prev:
                visit(child)
        visit(self)


class _BackwardInputsFirst(_MicroValue):
    """Numerically the same as calling only self._backward(): every other node passes on its grad while it
    is still 0."""

    def _propagate(self, order):
        for node in order:  # MISTAKE: the topological order not reversed: inputs before the outputs
            node._backward()


class _BackwardOneLevel(_MicroValue):
    def _propagate(self, order):
        self._backward()  # MISTAKE: only the output's own _backward: the rest of the graph is never visited


class _BackwardNoReset(_MicroValue):
    """micrograd's backward() (it leaves resetting to Module.zero_grad())."""

    def _reset(self, order):
        pass  # MISTAKE: old grads are not reset to 0 first: a second pass adds to the first


class _BackwardNoSeed(_MicroValue):
    def _seed(self):
        pass  # MISTAKE: self.grad = 1 is missing (or set before the reset, which sets it back to 0)


# --- the catalogue: one setting per part of the class; a change picks the mistaken version of that part ---

_MIXINS = {
    ("grad", "="): _AssignInsteadOfAccumulate,
    ("add", "no upstream"): _AddIgnoresUpstream,
    ("mul", "own data"): _MulOwnData,
    ("same node", "once"): _SameInputOnce,
    ("pow", "not lowered"): _PowExponentNotLowered,
    ("pow", "no factor"): _PowFactorMissing,
    ("pow", "square"): _PowSquareOnly,
    ("neg", "sign lost"): _NegSignLost,
    ("exp", "input"): _ExpDerivativeIsInput,
    ("tanh", "of input"): _TanhOfInput,
    ("tanh", "precedence"): _TanhPrecedence,
    ("relu", "kink"): _ReluKinkOne,
    ("walk", "preorder"): _BackwardPreorder,
    ("walk", "every path"): _BackwardEveryPath,
    ("walk", "forwards"): _BackwardInputsFirst,
    ("walk", "one level"): _BackwardOneLevel,
    ("reset", False): _BackwardNoReset,
    ("seed", False): _BackwardNoSeed,
}
_BASE = {"grad": "+=", "add": "ok", "mul": "ok", "same node": "ok", "pow": "ok", "neg": "ok", "exp": "ok",
         "tanh": "ok", "relu": "ok", "walk": "reversed", "reset": True, "seed": True}
_NOT_METHODS = {"__module__", "__doc__", "__qualname__", "__dict__", "__weakref__", "__firstlineno__",
                "__static_attributes__", "_AT_ZERO"}


def _overrides(cls: type) -> frozenset:
    """The methods of _MicroValue that a mistake class replaces."""
    return frozenset(name for name in vars(cls) if name in vars(_MicroValue) and name not in _NOT_METHODS)


def _family():
    """``build(settings) -> Value class`` with the mistaken parts the settings name (one class per settings,
    kept: a graph built twice with one hypothesis uses the same class). Two changes of one method cannot be
    combined (ValueError: the search skips that pair)."""
    built: dict = {}

    def build(settings):
        key = tuple(sorted((k, v) for k, v in settings.items()))
        if key not in built:
            bases, taken = [], set()
            for (name, value), mixin in _MIXINS.items():
                if settings.get(name) == value:
                    if _overrides(mixin) & taken:
                        raise ValueError(f"two changes of {sorted(_overrides(mixin) & taken)}")
                    taken |= _overrides(mixin)
                    bases.append(mixin)
            built[key] = type("Value", tuple(bases) or (_MicroValue,),
                              {"_AT_ZERO": settings.get("relu_at_zero", 1.0)})
        return built[key]

    return build


_ASSIGN_HINT = "accumulate in every _backward: self.grad += local_derivative * out.grad."

_OP_CHANGES = (
    Change("grad", "=", "= instead of += in _backward (a node used twice keeps only one contribution; an earlier "
                        "grad is overwritten)", _ASSIGN_HINT),
    Change("add", "no upstream", "+ passes the local derivative 1 instead of out.grad (the chain rule's product is "
                                 "missing)", "chain rule: self.grad += 1.0 * out.grad (and the same for other)."),
    Change("mul", "own data", "* uses its own data: a.grad += a.data * out.grad",
           "d(a*b)/da = b: self.grad += other.data * out.grad, other.grad += self.data * out.grad."),
    Change("same node", "once", "an operation that uses one node twice (a * a, a + a) passes only one contribution "
                                "(its inputs kept in a dict or a set, keyed by node)",
           "write the two contributions as two statements, self.grad += ... and other.grad += ...: when self is "
           "other, both must be added."),
    Change("pow", "not lowered", "** with the exponent not lowered: k * a**k", "d(a**k)/da = k * a**(k - 1)."),
    Change("pow", "no factor", "** without the factor k: a**(k - 1)", "d(a**k)/da = k * a**(k - 1)."),
    Change("pow", "square", "** always differentiated as a square: 2 * a, whatever the exponent k",
           "use the exponent: d(a**k)/da = k * a**(k - 1)."),
    Change("neg", "sign lost", "-a passes out.grad on without the local derivative -1",
           "d(-a)/da = -1: self.grad += -1.0 * out.grad."),
    Change("exp", "input", "exp's derivative taken as a instead of e^a",
           "d e^a / da = e^a = out.data: self.grad += out.data * out.grad."),
    Change("tanh", "of input", "tanh's derivative written as 1 - a**2 instead of 1 - out**2",
           "d tanh(a)/da = 1 - tanh(a)**2 = 1 - out.data**2."),
    Change("tanh", "precedence", "tanh's _backward without parentheses: 1 - t**2 * out.grad instead of "
                                 "(1 - t**2) * out.grad",
           "multiply the whole local derivative: self.grad += (1 - out.data**2) * out.grad."),
    Change("relu", "kink", "relu's derivative {relu_at_zero:g} at a == 0 (the convention here is 0)",
           "use (1.0 if self.data > 0 else 0.0): at exactly 0 the derivative is taken as 0, as in PyTorch.",
           constants={"relu_at_zero": (1.0, 0.5)}),
)

_WALK_CHANGES = (
    Change("walk", "preorder", "backward without topological order: a node passes its grad on before all of its "
                               "consumers have added to it",
           "build the topological order first (each node after its children), then call _backward on the nodes in "
           "REVERSED order."),
    Change("walk", "every path", "_backward called once per path to a node (no visited set): shared nodes are "
                                 "counted twice",
           "collect each node once in a topological order (a visited set), then call each _backward once, in "
           "reversed order."),
    Change("walk", "forwards", "the topological order walked forwards (inputs first) instead of reversed, so that "
                               "only the output's own _backward passes anything on",
           "outputs first: for node in reversed(topo): node._backward()."),
    # With the grads reset, walking forwards gives the same numbers (the other nodes pass on 0): the tie goes to
    # the change above. Without a reset they differ, and a backward() that is only `self.grad = 1;
    # self._backward()` is named as this change with the reset missing.
    Change("walk", "one level", "backward() calls only the output's own _backward: it ignores the graph below the "
                                "output (those nodes are never visited)",
           "walk the whole graph: build the topological order, then call node._backward() for every node, in "
           "reversed order."),
    Change("reset", False, "grads not reset between passes (a second backward() adds to the first; micrograd's "
                           "backward() leaves this to zero_grad(), here backward() must do it)",
           "set node.grad = 0.0 for every node of the graph before seeding self.grad = 1.0."),
    Change("seed", False, "the output's grad is 0 when the walk starts (self.grad = 1 never set, or set before "
                          "the reset)",
           "first set every node's grad to 0, THEN seed the output: self.grad = 1.0 (dL/dL = 1)."),
)

# check_value_ops tries the operations' changes; check_backward tries the walk's first, then the operations'
# (a wrong local derivative also shows in a whole graph; the message then names it).
OPS = Catalogue("value_ops", _family(), _OP_CHANGES, base=_BASE)
GRAPHS = Catalogue("backward", _family(), _WALK_CHANGES + _OP_CHANGES, base=_BASE)

_graph_mistakes = {(m.fn.__name__): m for m in GRAPHS.mistakes()}
MISTAKES = {
    "value_ops": OPS.mistakes(),
    # backward()'s own mistakes (but "one level", which alone gives the numbers of "forwards"), and = instead
    # of +=, which shows only in graphs with a node used twice
    "backward": [_graph_mistakes[f"backward_{key}"] for key in
                 ("walk_preorder", "walk_every_path", "walk_forwards", "reset_False", "seed_False", "grad_=")],
}


# =========================================================================================================
# The cases. Each builds its graph with a given Value class and returns the numbers to compare, by name.
# =========================================================================================================

_UPSTREAM = 1.7  # out.grad: not 1, so that a missing "* out.grad" shows
_PRIOR = (0.25, -0.5)  # a.grad, b.grad before out._backward(): not 0, so that "=" instead of "+=" shows


class _OpCase:
    """One operation: ``out = op(a, b)``, prior grads on the inputs, ``out.grad = upstream``, ``out._backward()``.
    ``build(V, prior=..., upstream=...)`` runs it with other prior grads or another upstream (the probes)."""

    def __init__(self, op: Callable, a: float, b: float | None = None, prior: tuple = _PRIOR):
        self.op, self.a, self.b, self.prior = op, a, b, prior

    def __call__(self, V, prior: tuple | None = None, upstream: float = _UPSTREAM) -> dict:
        prior = self.prior if prior is None else prior
        x = V(self.a)
        x.grad = prior[0]
        if self.b is None:
            out = self.op(x)
        else:
            y = V(self.b)
            y.grad = prior[1]
            out = self.op(x, y)
        out.grad = upstream
        out._backward()
        numbers = {"out.data": out.data, "a.grad": x.grad}
        if self.b is not None:
            numbers["b.grad"] = y.grad
        return numbers


def _construct(V, **_):
    v = V(2.0)
    return {"Value(2.0).data": v.data, "Value(2.0).grad": v.grad}


# (case, build, code shown in the message, stable). Every single operation is stable.
_OP_CASES = [
    ("Value(2.0) holds data 2.0 and grad 0", _construct, "Value(2.0)", True),
    ("a + b", _OpCase(lambda a, b: a + b, 1.5, -2.0), "out = a + b", True),
    ("a * b", _OpCase(lambda a, b: a * b, 1.5, -2.0), "out = a * b", True),
    ("a ** 3", _OpCase(lambda a: a**3, 1.5), "out = a ** 3", True),
    ("a ** -1", _OpCase(lambda a: a**-1, 1.5), "out = a ** -1", True),
    ("a ** 0.5", _OpCase(lambda a: a**0.5, 2.25), "out = a ** 0.5", True),
    ("-a", _OpCase(lambda a: -a, 1.5), "out = -a", True),
    ("a.exp()", _OpCase(lambda a: a.exp(), 0.7), "out = a.exp()", True),
    ("a.tanh()", _OpCase(lambda a: a.tanh(), 0.8), "out = a.tanh()", True),
    ("a.relu() for a > 0", _OpCase(lambda a: a.relu(), 1.3), "out = a.relu()", True),
    ("a.relu() at a == 0", _OpCase(lambda a: a.relu(), 0.0), "out = a.relu()", True),
    ("a.relu() for a < 0", _OpCase(lambda a: a.relu(), -0.6), "out = a.relu()", True),
    ("a * a (a node used twice)", _OpCase(lambda a: a * a, 1.5, prior=(0.0, 0.0)), "out = a * a", True),
    ("a + a (a node used twice)", _OpCase(lambda a: a + a, 1.5, prior=(0.0, 0.0)), "out = a + a", True),
]


def _neuron(V):
    a, b, c = V(0.5), V(-1.2), V(0.3)
    L = (a * b + c).tanh()
    L.backward()
    return {"L.data": L.data, "L.grad": L.grad, "a.grad": a.grad, "b.grad": b.grad, "c.grad": c.grad}


def _reused(V):
    a, b = V(1.5), V(-0.4)
    L = ((a * b) ** 2 + a).relu() * a  # a's three consumers lie on one path: their order is forced
    L.backward()
    return {"L.data": L.data, "a.grad": a.grad, "b.grad": b.grad}


def _two_equal_paths(V):
    a, b = V(0.9), V(0.7)
    x = (a * b).tanh()
    L = x.exp() + x.exp()  # x reached along two paths that carry the same contribution
    L.backward()
    return {"L.data": L.data, "a.grad": a.grad, "b.grad": b.grad}


def _diamond(V):
    a, b = V(0.9), V(-0.7)
    x = a * b
    y = x.tanh()
    L = x * y + (x ** 2).exp()  # x reached along three paths
    L.backward()
    return {"L.data": L.data, "a.grad": a.grad, "b.grad": b.grad}


def _chain(V):
    a, w = V(0.3), V(1.1)
    h = a
    for k in range(10):
        h = (h * w + V(0.1 * (k % 3))).tanh()  # 3 operations per step, w reused every step
    L = h.relu() + h ** 2
    L.backward()
    return {"L.data": L.data, "a.grad": a.grad, "w.grad": w.grad}


def _twice(V):
    a, b = V(1.2), V(-0.8)
    L = ((a * b).exp() * a) ** 2  # every node has one consumer but a, which sits on one path
    L.backward()
    L.backward()
    return {"L.data": L.data, "a.grad": a.grad, "b.grad": b.grad}


def _second_loss(V):
    a, b = V(1.2), V(-0.8)
    L1 = a * b
    L1.backward()
    L2 = a + b.tanh()
    L2.backward()
    return {"a.grad": a.grad, "b.grad": b.grad}


_GRAPH_CASES = [
    ("neuron L = tanh(a * b + c)", _neuron, "L = (a * b + c).tanh(); L.backward()", True),
    ("a node used several times: L = ((a*b)**2 + a).relu() * a", _reused,
     "L = ((a * b) ** 2 + a).relu() * a; L.backward()", True),
    ("a diamond of two equal paths: L = x.exp() + x.exp()", _two_equal_paths,
     "x = (a * b).tanh(); L = x.exp() + x.exp(); L.backward()", True),
    ("backward() twice on the same graph (grads reset)", _twice,
     "L = ((a * b).exp() * a) ** 2; L.backward(); L.backward()", True),
    ("a second loss sharing a and b", _second_loss, "L1 = a * b; L1.backward(); L2 = a + b.tanh(); L2.backward()",
     True),
    ("a diamond: x = a*b used by tanh, * and **", _diamond,
     "x = a * b; L = x * x.tanh() + (x ** 2).exp(); L.backward()", False),
    ("a chain of 30 operations", _chain, "h = tanh(h * w + const), 10 times; L = h.relu() + h ** 2", False),
]


# =========================================================================================================
# Diagnosis.
# =========================================================================================================


def _trial(case: str, build, **kwargs) -> Trial:
    """The case as a diagnosis trial: one output, the tuple of its numbers (in the order of the reference's)."""
    def run(V):
        yield tuple(build(V, **kwargs).values()) if kwargs else tuple(build(V).values())
    return Trial(case, run)


def _op_probes(c: Checker, evidence: Evidence, case: str, build, code: str) -> list:
    """Probes of one operation (they join the evidence): is out.grad used, is the old grad kept? The local
    derivative that came out, when neither explains it."""
    if not isinstance(build, _OpCase):
        return []
    runs = {}
    for label, kwargs in (("as checked", {}), ("out.grad doubled", {"upstream": 2 * _UPSTREAM}),
                          ("grads 0 before", {"prior": (0.0, 0.0)}), ("other grads before", {"prior": (0.75, 1.25)})):
        outputs = evidence.observe(c, _trial(f"{case} ({label})", build, **kwargs))
        if not outputs:
            return []
        runs[label] = dict(zip(build(engine.Value), outputs[0]))
    ignored, assigned, local = [], [], []
    for name, k in (("a.grad", 0), ("b.grad", 1)):
        if name not in runs["as checked"]:
            continue
        prior = build.prior[k]
        added = runs["as checked"][name] - prior
        wanted = build(engine.Value)[name] - prior
        if wanted != 0 and same(runs["out.grad doubled"][name] - prior, added):
            ignored.append(name)
        elif same(runs["other grads before"][name], runs["grads 0 before"][name]):
            assigned.append(name)
        elif not same(added, wanted):
            local.append(f"d out/d {name[0]} came out as {added / _UPSTREAM:.6g}, expected {wanted / _UPSTREAM:.6g}")
    findings = []
    if ignored:
        findings.append(Finding(
            f"in `{code}`, {' and '.join(ignored)} do{'es' if len(ignored) == 1 else ''} not change when out.grad is "
            f"doubled: your _backward ignores out.grad (the upstream gradient)",
            hint="chain rule: multiply the local derivative by out.grad.", key="ignores:out.grad"))
    if assigned:
        findings.append(Finding(
            f"in `{code}`, {' and '.join(assigned)} end{'s' if len(assigned) == 1 else ''} the same whatever "
            f"{'it' if len(assigned) == 1 else 'they'} held before: your _backward sets (=) instead of adding (+=)",
            hint=_ASSIGN_HINT, key="assigns"))
    if local:
        findings.append(Finding(f"in `{code}` the local derivative {' and '.join(local)}", key="local"))
    return findings


def _operations_findings(c: Checker) -> list:
    """For check_backward, when no catalogued mistake explains a graph: each operation on its own (the cases of
    check_value_ops), probed where it differs from the reference."""
    findings = []
    for case, build, code, _ in _OP_CASES[1:]:
        outputs = Evidence().observe(c, _trial(case, build))
        if outputs and not same(outputs[0], tuple(build(engine.Value).values())):
            findings += _op_probes(c, Evidence(), case, build, code)
        if len(findings) >= 3:
            break
    return findings[:3]


def _diagnosis(c: Checker, catalogue: Catalogue, cases: list, seen: dict, failing: str, probes: bool):
    """``(lines, hint)``: the most specific change of the catalogue, or pair, that reproduces the learner's
    numbers on the failing case and on every stable case (whatever order a set of children is walked in);
    else what the probes of the failing operation found (for a graph: of the operations that differ)."""
    evidence = Evidence()
    by_case = {case: (build, code, stable) for case, build, code, stable in cases}
    build, code, _ = by_case[failing]
    evidence.add(_trial(failing, build), [tuple(seen[failing].values())])
    for case, (other, _, stable) in by_case.items():
        if case == failing or not stable:
            continue
        if case in seen:
            evidence.add(_trial(case, other), [tuple(seen[case].values())])
        else:
            evidence.observe(c, _trial(case, other))
    findings = _op_probes(c, evidence, failing, build, code) if probes else []
    found = explain(catalogue, evidence)
    if found is None and not probes:
        findings = _operations_findings(c)
    return report(found, findings)


# =========================================================================================================
# The checkers.
# =========================================================================================================


def _require_class(c: Checker, methods: tuple) -> None:
    __tracebackhide__ = True
    if not isinstance(c.fn, type):
        c.fail(f"received {describe(c.fn)}, expected the class Value itself (pass Value, not Value(2.0) or "
               f"a function).", hint="call the checker as check(Value), with the class you defined.")
    missing = [m for m in methods if not callable(getattr(c.fn, m, None))]
    if missing:
        c.fail(f"your Value has no method {', '.join(missing)}, expected the methods {', '.join(methods)}.",
               hint="define each operation inside the class Value (def tanh(self): ...), then run that cell.")


def _run_cases(c: Checker, cases, catalogue: Catalogue, hint: str, probes: bool) -> None:
    """Build each case with the learner's class and compare every number with gdbp.engine.Value's."""
    __tracebackhide__ = True
    seen: dict = {}
    for case, build, code, _ in cases:
        received = guarded(c, case, lambda: build(c.fn), what=f"building `{code}` with your Value", hint=hint)
        expected = build(engine.Value)
        numbers = {}
        for name in expected:
            value = received.get(name) if isinstance(received, dict) else None
            numbers[name] = as_scalar(c, value, name, case=case)
        seen[case] = numbers
        for name in expected:
            c.close(np.array(numbers[name]), np.array(float(expected[name])), name, case=case,
                    source=f"gdbp.engine.Value after `{code}`",
                    diagnose=lambda case=case: _diagnosis(c, catalogue, cases, seen, case, probes))


@entry_point
def check_value_ops(Value: Any, *, time_limit=None) -> None:
    """Check the operations ``+ * ** neg exp tanh relu`` of the learner's ``Value`` class (the class itself is
    passed) and their ``_backward`` closures, one operation at a time, against ``gdbp.engine.Value``.

    Raises AssertionError (``CheckFailed``) naming the case, what was received and expected, and the classic
    mistake (or the two) it matches; prints one line on success.
    """
    __tracebackhide__ = True

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        _require_class(c, ("__add__", "__mul__", "__pow__", "__neg__", "exp", "tanh", "relu"))
        _run_cases(c, _OP_CASES, OPS,
                   hint="each operation returns out = Value(result, (self, other), op) and sets out._backward to a "
                        "function that adds local_derivative * out.grad to each input's grad.", probes=True)

    run("value_ops", Value, body,
        hint="in each _backward: input.grad += (local derivative) * out.grad; the local derivatives are in the "
             "notebook's table.")


@entry_point
def check_backward(Value: Any, *, time_limit=None) -> None:
    """Check ``Value.backward()`` of the learner's class (the class itself is passed) on whole graphs built with
    the learner's own operations, against ``gdbp.engine.Value``: topological order, grads reset at the start
    of every pass, the output seeded with grad 1, accumulation for reused nodes.

    Raises AssertionError (``CheckFailed``) naming the case, what was received and expected, and the classic
    mistake (or the two) it matches; prints one line on success.
    """
    __tracebackhide__ = True

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        _require_class(c, ("__add__", "__mul__", "__pow__", "exp", "tanh", "relu", "backward"))
        _run_cases(c, _GRAPH_CASES, GRAPHS,
                   hint="check_value_ops(Value) first: building these graphs uses your operations.", probes=False)

    run("backward", Value, body,
        hint="backward(): build the topological order, set every node's grad to 0, set self.grad = 1, then call "
             "node._backward() for the nodes in reversed order.")

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
  a small neuron, a node used twice, a diamond (a node reached along two paths, where a wrong order
  propagates an incomplete grad), a chain of 30 operations, and two passes in a row (grads must be reset,
  so a second ``backward()`` gives the same grads, and a second loss sharing nodes gives only its own).

Every catalogued mistake is a complete wrong ``Value`` class (micrograd's code with one change marked
"# MISTAKE"), so that the checker can build the same case with it and name it when the learner's numbers
match, and the tests can use it as a mutant.

Tolerance: ``_core.RTOL`` (1e-9 relative): the same float64 formulas up to the order of operations.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from gdbp import engine
from gdbp.checks._core import entry_point
from gdbp.checks._core import Checker, Mistake, describe, run
from gdbp.checks._results import check_scalar, guarded, thunks

__all__ = ["MISTAKES", "check_value_ops", "check_backward"]


# =========================================================================================================
# micrograd's Value, written so that every operation creates an instance of the same class (type(self)):
# the base of the wrong versions below. It follows gdbp.engine.Value's conventions (backward() resets the
# grads first; relu'(0) = 0). It is not the reference: the expected values come from gdbp.engine.Value.
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

    def __add__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        out = type(self)(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def exp(self):
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        out = type(self)(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - out.data**2) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = type(self)(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad
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
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


# --- wrong local derivatives (check_value_ops) -----------------------------------------------------------


class _AssignInsteadOfAccumulate(_MicroValue):
    """Every _backward assigns (=) instead of accumulating (+=)."""

    def __add__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad = out.grad  # MISTAKE: = instead of += (a node used twice keeps only one contribution)
            other.grad = out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad = other.data * out.grad  # MISTAKE: = instead of +=
            other.grad = self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        out = type(self)(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad = k * self.data ** (k - 1) * out.grad  # MISTAKE: = instead of +=
        out._backward = _backward
        return out

    def exp(self):
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad = out.data * out.grad  # MISTAKE: = instead of +=
        out._backward = _backward
        return out

    def tanh(self):
        out = type(self)(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad = (1 - out.data**2) * out.grad  # MISTAKE: = instead of +=
        out._backward = _backward
        return out

    def relu(self):
        out = type(self)(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad = (1.0 if self.data > 0 else 0.0) * out.grad  # MISTAKE: = instead of +=
        out._backward = _backward
        return out


class _AddIgnoresUpstream(_MicroValue):
    def __add__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += 1.0  # MISTAKE: the local derivative 1 alone: out.grad is not multiplied in
            other.grad += 1.0
        out._backward = _backward
        return out


class _MulOwnData(_MicroValue):
    def __mul__(self, other):
        other = self._wrap(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += self.data * out.grad  # MISTAKE: d(a*b)/da is b, not a
            other.grad += other.data * out.grad
        out._backward = _backward
        return out


class _PowExponentNotLowered(_MicroValue):
    def __pow__(self, k):
        out = type(self)(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data**k * out.grad  # MISTAKE: k * a**k instead of k * a**(k - 1)
        out._backward = _backward
        return out


class _PowFactorMissing(_MicroValue):
    def __pow__(self, k):
        out = type(self)(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += self.data ** (k - 1) * out.grad  # MISTAKE: the factor k is missing
        out._backward = _backward
        return out


class _ExpDerivativeIsInput(_MicroValue):
    def exp(self):
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += self.data * out.grad  # MISTAKE: d e^a/da is e^a (out.data), not a
        out._backward = _backward
        return out


class _TanhOfInput(_MicroValue):
    def tanh(self):
        out = type(self)(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - self.data**2) * out.grad  # MISTAKE: 1 - a**2 instead of 1 - out**2
        out._backward = _backward
        return out


class _ReluKinkOne(_MicroValue):
    def relu(self):
        out = type(self)(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (1.0 if self.data >= 0 else 0.0) * out.grad  # MISTAKE: derivative 1 at a == 0
        out._backward = _backward
        return out


# --- wrong backward() (check_backward) -------------------------------------------------------------------


class _BackwardPreorder(_MicroValue):
    def backward(self):
        self.grad = 1.0
        visited = set()

        def visit(node):  # MISTAKE: no topological order: a node passes its grad on as soon as it is
            if node in visited:  # reached, before all of its consumers have added to it
                return
            visited.add(node)
            node._backward()
            for child in node._prev:
                visit(child)
        for node in self._topo():
            node.grad = 0.0
        self.grad = 1.0
        visit(self)


class _BackwardEveryPath(_MicroValue):
    def backward(self):
        for node in self._topo():
            node.grad = 0.0
        self.grad = 1.0

        def visit(node):  # MISTAKE: no visited set and no order: _backward runs once per path to a node
            node._backward()
            for child in node._prev:
                visit(child)
        visit(self)


class _BackwardInputsFirst(_MicroValue):
    def backward(self):
        order = self._topo()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in order:  # MISTAKE: the topological order not reversed: inputs before the outputs
            node._backward()


class _BackwardNoReset(_MicroValue):
    def backward(self):
        self.grad = 1.0  # MISTAKE: old grads are not reset to 0 first: a second pass adds to the first
        for node in reversed(self._topo()):
            node._backward()


class _BackwardNoSeed(_MicroValue):
    def backward(self):
        order = self._topo()
        for node in order:
            node.grad = 0.0  # MISTAKE: self.grad = 1 is missing: every grad stays 0
        for node in reversed(order):
            node._backward()


_ASSIGN = Mistake("= instead of += in _backward (a node used twice keeps only one contribution; an earlier "
                  "grad is overwritten)", _AssignInsteadOfAccumulate,
                  "accumulate in every _backward: self.grad += local_derivative * out.grad.")

MISTAKES: dict[str, list[Mistake]] = {
    "value_ops": [
        _ASSIGN,
        Mistake("+ passes the local derivative 1 instead of out.grad (the chain rule's product is missing)",
                _AddIgnoresUpstream, "chain rule: self.grad += 1.0 * out.grad (and the same for other)."),
        Mistake("* uses its own data: a.grad += a.data * out.grad", _MulOwnData,
                "d(a*b)/da = b: self.grad += other.data * out.grad, other.grad += self.data * out.grad."),
        Mistake("** with the exponent not lowered: k * a**k", _PowExponentNotLowered,
                "d(a**k)/da = k * a**(k - 1)."),
        Mistake("** without the factor k: a**(k - 1)", _PowFactorMissing, "d(a**k)/da = k * a**(k - 1)."),
        Mistake("exp's derivative taken as a instead of e^a", _ExpDerivativeIsInput,
                "d e^a / da = e^a = out.data: self.grad += out.data * out.grad."),
        Mistake("tanh's derivative written as 1 - a**2 instead of 1 - out**2", _TanhOfInput,
                "d tanh(a)/da = 1 - tanh(a)**2 = 1 - out.data**2."),
        Mistake("relu's derivative 1 at a == 0 (the convention here is 0)", _ReluKinkOne,
                "use (1.0 if self.data > 0 else 0.0): at exactly 0 the derivative is taken as 0, as in PyTorch."),
    ],
    "backward": [
        Mistake("backward without topological order: a node passes its grad on before all of its consumers "
                "have added to it", _BackwardPreorder,
                "build the topological order first (each node after its children), then call _backward on the "
                "nodes in REVERSED order."),
        Mistake("_backward called once per path to a node (no visited set): shared nodes are counted twice",
                _BackwardEveryPath,
                "collect each node once in a topological order (a visited set), then call each _backward once, "
                "in reversed order."),
        Mistake("the topological order walked forwards (inputs first) instead of reversed", _BackwardInputsFirst,
                "outputs first: for node in reversed(topo): node._backward()."),
        Mistake("grads not reset between passes (a second backward() adds to the first)", _BackwardNoReset,
                "set node.grad = 0.0 for every node of the graph before seeding self.grad = 1.0."),
        Mistake("self.grad = 1 is never set, so every grad stays 0", _BackwardNoSeed,
                "seed the output: self.grad = 1.0 (dL/dL = 1) before walking the graph."),
        _ASSIGN,
    ],
}


# =========================================================================================================
# The cases: each builds its graph with a given Value class and returns the numbers to compare, by name.
# =========================================================================================================

_UPSTREAM = 1.7  # out.grad: not 1, so that a missing "* out.grad" shows
_PRIOR = (0.25, -0.5)  # a.grad, b.grad before out._backward(): not 0, so that "=" instead of "+=" shows


def _binary(op: Callable, a: float, b: float) -> Callable:
    def build(V):
        x, y = V(a), V(b)
        x.grad, y.grad = _PRIOR
        out = op(x, y)
        out.grad = _UPSTREAM
        out._backward()
        return {"out.data": out.data, "a.grad": x.grad, "b.grad": y.grad}
    return build


def _unary(op: Callable, a: float, prior: float = _PRIOR[0]) -> Callable:
    def build(V):
        x = V(a)
        x.grad = prior
        out = op(x)
        out.grad = _UPSTREAM
        out._backward()
        return {"out.data": out.data, "a.grad": x.grad}
    return build


def _construct(V):
    v = V(2.0)
    return {"Value(2.0).data": v.data, "Value(2.0).grad": v.grad}


_OP_CASES = [
    ("Value(2.0) holds data 2.0 and grad 0", _construct, "Value(2.0)"),
    ("a + b", _binary(lambda a, b: a + b, 1.5, -2.0), "out = a + b"),
    ("a * b", _binary(lambda a, b: a * b, 1.5, -2.0), "out = a * b"),
    ("a ** 3", _unary(lambda a: a**3, 1.5), "out = a ** 3"),
    ("a ** -1", _unary(lambda a: a**-1, 1.5), "out = a ** -1"),
    ("a ** 0.5", _unary(lambda a: a**0.5, 2.25), "out = a ** 0.5"),
    ("-a", _unary(lambda a: -a, 1.5), "out = -a"),
    ("a.exp()", _unary(lambda a: a.exp(), 0.7), "out = a.exp()"),
    ("a.tanh()", _unary(lambda a: a.tanh(), 0.8), "out = a.tanh()"),
    ("a.relu() for a > 0", _unary(lambda a: a.relu(), 1.3), "out = a.relu()"),
    ("a.relu() at a == 0", _unary(lambda a: a.relu(), 0.0), "out = a.relu()"),
    ("a.relu() for a < 0", _unary(lambda a: a.relu(), -0.6), "out = a.relu()"),
    ("a * a (a node used twice)", _unary(lambda a: a * a, 1.5, prior=0.0), "out = a * a"),
    ("a + a (a node used twice)", _unary(lambda a: a + a, 1.5, prior=0.0), "out = a + a"),
]


def _neuron(V):
    a, b, c = V(0.5), V(-1.2), V(0.3)
    L = (a * b + c).tanh()
    L.backward()
    return {"L.data": L.data, "L.grad": L.grad, "a.grad": a.grad, "b.grad": b.grad, "c.grad": c.grad}


def _reused(V):
    a, b = V(1.5), V(-0.4)
    L = a * a + a * b + a
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
    L = (a * b).exp() + a ** 2
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
    ("neuron L = tanh(a * b + c)", _neuron, "L = (a * b + c).tanh(); L.backward()"),
    ("a node used several times: L = a*a + a*b + a", _reused, "L = a * a + a * b + a; L.backward()"),
    ("a diamond: x = a*b used by tanh, * and **", _diamond,
     "x = a * b; L = x * x.tanh() + (x ** 2).exp(); L.backward()"),
    ("a chain of 30 operations", _chain, "h = tanh(h * w + const), 10 times; L = h.relu() + h ** 2"),
    ("backward() twice on the same graph (grads reset)", _twice,
     "L = (a * b).exp() + a ** 2; L.backward(); L.backward()"),
    ("a second loss sharing a and b", _second_loss, "L1 = a * b; L1.backward(); L2 = a + b.tanh(); L2.backward()"),
]


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


def _run_cases(c: Checker, cases, mistakes, hint: str) -> None:
    """Build each case with the learner's class and compare every number with gdbp.engine.Value's."""
    __tracebackhide__ = True
    for case, build, code in cases:
        received = guarded(c, case, lambda: build(c.fn), what=f"building `{code}` with your Value", hint=hint)
        expected = build(engine.Value)
        for name in expected:
            value = received.get(name) if isinstance(received, dict) else None
            others = [(lambda out, n=n: out[n], received[n]) for n in expected if n != name]
            check_scalar(c, value, name, expected=expected[name], case=case,
                         source=f"gdbp.engine.Value after `{code}`",
                         mistakes=thunks(mistakes, (), lambda out, n=name: out[n], consistent=others,
                                         call=lambda m, build=build: build(m.fn)))


@entry_point
def check_value_ops(Value: Any, *, time_limit=None) -> None:
    """Check the operations ``+ * ** neg exp tanh relu`` of the learner's ``Value`` class (the class itself is
    passed) and their ``_backward`` closures, one operation at a time, against ``gdbp.engine.Value``.

    Raises AssertionError (``CheckFailed``) naming the case, what was received and expected, and the classic
    mistake it matches; prints one line on success.
    """
    __tracebackhide__ = True

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        _require_class(c, ("__add__", "__mul__", "__pow__", "__neg__", "exp", "tanh", "relu"))
        _run_cases(c, _OP_CASES, MISTAKES["value_ops"],
                   hint="each operation returns out = Value(result, (self, other), op) and sets out._backward to a "
                        "function that adds local_derivative * out.grad to each input's grad.")

    run("value_ops", Value, body,
        hint="in each _backward: input.grad += (local derivative) * out.grad; the local derivatives are in the "
             "notebook's table.")


@entry_point
def check_backward(Value: Any, *, time_limit=None) -> None:
    """Check ``Value.backward()`` of the learner's class (the class itself is passed) on whole graphs built with
    the learner's own operations, against ``gdbp.engine.Value``: topological order, grads reset at the start
    of every pass, the output seeded with grad 1, accumulation for reused nodes.

    Raises AssertionError (``CheckFailed``) naming the case, what was received and expected, and the classic
    mistake it matches; prints one line on success.
    """
    __tracebackhide__ = True

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        _require_class(c, ("__add__", "__mul__", "__pow__", "exp", "tanh", "relu", "backward"))
        _run_cases(c, _GRAPH_CASES, MISTAKES["backward"],
                   hint="check_value_ops(Value) first: building these graphs uses your operations.")

    run("backward", Value, body,
        hint="backward(): build the topological order, set every node's grad to 0, set self.grad = 1, then call "
             "node._backward() for the nodes in reversed order.")


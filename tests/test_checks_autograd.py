"""Tests of the scalar-autograd checkers (gdbp.checks.autograd): the learner's Value CLASS is passed.

gdbp.engine.Value and two independently written Value classes pass; every catalogued wrong class is
rejected and named; missing methods, wrong return types and endless backward passes get clear messages.
"""
import itertools
import math
import random
import textwrap
import warnings

import numpy as np
import pytest

from gdbp import engine
from gdbp.checks import check_backward, check_value_ops
from gdbp.checks._diagnosis import same
from gdbp.checks.autograd import _GRAPH_CASES, _OP_CASES, GRAPHS, MISTAKES, OPS, _MicroValue


def fails(check, cls, *needles, **kwargs):
    with pytest.raises(AssertionError) as info:
        check(cls, **kwargs)
    text = str(info.value)
    for needle in needles:
        assert needle in text, f"{needle!r} not in:\n{text}"
    return text


class SetValue:
    """micrograd as written in its README: children in a set, recursive topological sort, derived ops,
    grads zeroed at the start of backward()."""

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, SetValue) else SetValue(other)
        out = SetValue(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, SetValue) else SetValue(other)
        out = SetValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, other):
        out = SetValue(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad += (other * self.data ** (other - 1)) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = SetValue(0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)
        out = SetValue(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = SetValue(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)
        for v in topo:
            v.grad = 0
        self.grad = 1
        for v in reversed(topo):
            v._backward()

    def __neg__(self):
        return self * -1


class KahnValue:
    """A different design: a local-derivative list per node and Kahn's algorithm (count consumers) for the
    order; _backward is still a closure; neg written directly."""

    def __init__(self, data, children=(), local=()):
        self.data, self.grad = float(data), 0.0
        self._prev = tuple(children)
        self._local = tuple(local)  # d self / d child, for each child

        def _backward():
            for child, d in zip(self._prev, self._local):
                child.grad += d * self.grad
        self._backward = _backward

    def __add__(self, o):
        return KahnValue(self.data + o.data, (self, o), (1.0, 1.0))

    def __mul__(self, o):
        return KahnValue(self.data * o.data, (self, o), (o.data, self.data))

    def __pow__(self, k):
        return KahnValue(self.data**k, (self,), (k * self.data ** (k - 1),))

    def __neg__(self):
        return KahnValue(-self.data, (self,), (-1.0,))

    def exp(self):
        e = math.exp(self.data)
        return KahnValue(e, (self,), (e,))

    def tanh(self):
        t = math.tanh(self.data)
        return KahnValue(t, (self,), (1 - t * t,))

    def relu(self):
        return KahnValue(max(self.data, 0.0), (self,), (float(self.data > 0),))

    def backward(self):
        nodes, stack = {id(self): self}, [self]
        while stack:
            for child in stack.pop()._prev:
                if id(child) not in nodes:
                    nodes[id(child)] = child
                    stack.append(child)
        consumers = {k: 0 for k in nodes}
        for node in nodes.values():
            for child in node._prev:
                consumers[id(child)] += 1
        for node in nodes.values():
            node.grad = 0.0
        self.grad = 1.0
        ready = [self]
        while ready:
            node = ready.pop()
            node._backward()
            for child in node._prev:
                consumers[id(child)] -= 1
                if consumers[id(child)] == 0:
                    ready.append(child)


@pytest.mark.parametrize("cls", [engine.Value, SetValue, KahnValue], ids=lambda c: c.__name__)
@pytest.mark.parametrize("check, line", [(check_value_ops, "value_ops: all 14 cases passed"),
                                         (check_backward, "backward: all 7 cases passed")])
def test_checkers_pass_correct_classes_with_one_line(cls, check, line, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check(cls)
    assert capsys.readouterr() == (line + "\n", "")


def test_wrong_order_is_caught_in_the_diamond():
    fails(check_backward, MISTAKES["backward"][0].fn, "a diamond", "without topological order")


def test_assignment_is_caught_for_a_reused_node_in_backward():
    fails(check_backward, MISTAKES["backward"][5].fn, "a node used several times", "= instead of +=")


@pytest.mark.parametrize("arg, needles", [
    (None, ["received None, expected the class Value itself"]),
    (engine.Value(2.0), ["received a Value", "not Value(2.0)"]),
    (lambda data: data, ["received a function"]),
    (type("Value", (), {"__init__": lambda self, data: None}), ["has no method __add__"]),
])
def test_value_ops_wrong_arguments_get_clear_messages(arg, needles):
    fails(check_value_ops, arg, "value_ops", *needles)


def test_value_ops_operation_returning_a_float_is_reported():
    class FloatAdd(SetValue):
        def __add__(self, other):
            return self.data + other.data

    fails(check_value_ops, FloatAdd, "case 'a + b'", "raised AttributeError", "'float' object")


def test_value_ops_data_that_is_not_a_number_is_reported():
    class Boxed(SetValue):
        def __init__(self, data, _children=(), _op=""):
            super().__init__(data, _children, _op)
            self.data = [data]

    fails(check_value_ops, Boxed, "Value(2.0).data is a list")


def test_backward_missing_is_reported():
    class NoBackward(SetValue):
        backward = None

    fails(check_backward, NoBackward, "has no method backward")


def test_backward_that_never_ends_is_stopped():
    class Endless(_MicroValue):  # its operations create Endless nodes, so L.backward is this one
        def backward(self):
            while True:
                pass

    fails(check_backward, Endless, "did not finish within 0.2 s", time_limit=0.2)


def test_backward_without_reset_named_on_the_second_pass():
    fails(check_backward, MISTAKES["backward"][3].fn, "backward() twice", "grads not reset")


def test_monkeypatched_allclose_does_not_let_a_wrong_answer_pass(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    fails(check_value_ops, MISTAKES["value_ops"][0].fn, "numpy.allclose has been replaced")


# --------------------------------------------------------------------------- diagnosis: same answer, same message


def _shuffled(cls, seed):
    """``cls`` whose nodes keep their children in an order drawn from ``seed``: what a set does from run to run."""
    rng = random.Random(seed)

    class Shuffled(cls):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            children = list(self._prev)
            rng.shuffle(children)
            self._prev = tuple(children)

    return Shuffled


def _combos(catalogue):
    """Every change of the catalogue and every pair the family can build."""
    changes = catalogue.changes
    for combo in [(ch,) for ch in changes] + list(itertools.combinations(changes, 2)):
        if len(combo) == 2 and combo[0].group_key == combo[1].group_key:
            continue
        try:
            yield combo, catalogue.function(combo)
        except ValueError:  # two changes of one method
            continue


@pytest.mark.parametrize("catalogue, cases", [(OPS, _OP_CASES), (GRAPHS, _GRAPH_CASES)], ids=["ops", "graphs"])
def test_stable_cases_give_the_same_numbers_whatever_the_order_of_children(catalogue, cases):
    # the diagnosis relies on it: stable cases are its only evidence besides the failing case
    stable = [(case, build) for case, build, _, is_stable in cases if is_stable]
    for combo, cls in _combos(catalogue):
        for case, build in stable:
            first = tuple(build(_shuffled(cls, 0)).values())
            for seed in (1, 2, 3):
                again = tuple(build(_shuffled(cls, seed)).values())
                assert same(first, again), ([f"{ch.key}={ch.value}" for ch in combo], case, first, again)


def _assigning_set_value():
    """The defect's learner: micrograd with = instead of += in every _backward and children in a set."""
    class AssignSet(SetValue):
        def __add__(self, other):
            other = other if isinstance(other, AssignSet) else AssignSet(other)
            out = AssignSet(self.data + other.data, (self, other), "+")

            def _backward():
                self.grad = 1.0 * out.grad
                other.grad = 1.0 * out.grad
            out._backward = _backward
            return out

        def __mul__(self, other):
            other = other if isinstance(other, AssignSet) else AssignSet(other)
            out = AssignSet(self.data * other.data, (self, other), "*")

            def _backward():
                self.grad = other.data * out.grad
                other.grad = self.data * out.grad
            out._backward = _backward
            return out

    return AssignSet


def _walk(key, value):
    return GRAPHS.function((GRAPHS.change(key, value),))


@pytest.mark.parametrize("cls, names", [
    (_assigning_set_value(), ["in `out = a + b`, a.grad and b.grad end the same", "sets (=) instead of adding (+=)"]),
    (_walk("walk", "preorder"), ["without topological order"]),
    (_walk("walk", "every path"), ["once per path"]),
    (_walk("walk", "forwards"), ["walked forwards"]),
    (_walk("reset", False), ["grads not reset"]),
    (GRAPHS.function((GRAPHS.change("walk", "every path"), GRAPHS.change("reset", False))),
     ["two classic mistakes at once", "once per path", "grads not reset"]),
    (GRAPHS.function((GRAPHS.change("walk", "preorder"), GRAPHS.change("tanh", "of input"))),
     ["two classic mistakes at once", "without topological order", "1 - a**2"]),
], ids=["assign-in-a-set", "preorder", "every-path", "forwards", "no-reset", "every-path+no-reset",
        "preorder+tanh-of-input"])
def test_backward_message_is_the_same_whatever_the_order_of_children(cls, names):
    messages = set()
    for seed in range(6):
        with pytest.raises(AssertionError) as info:
            check_backward(_shuffled(cls, seed))
        messages.add(str(info.value))
    assert len(messages) == 1, messages
    message = messages.pop()
    for name in names:
        assert name in message, message


def test_value_ops_two_mistakes_are_named_together():
    cls = OPS.function((OPS.change("grad", "="), OPS.change("tanh", "of input")))
    fails(check_value_ops, cls, "two classic mistakes at once", "= instead of +=", "1 - a**2 instead of 1 - out**2")


def test_value_ops_relu_derivative_at_zero_is_fitted():
    class HalfAtZero(_MicroValue):
        def relu(self):
            out = type(self)(max(self.data, 0.0), (self,), "relu")

            def _backward():
                self.grad += (0.5 if self.data == 0 else float(self.data > 0)) * out.grad
            out._backward = _backward
            return out

    fails(check_value_ops, HalfAtZero, "a.relu() at a == 0", "relu's derivative 0.5 at a == 0")


@pytest.mark.parametrize("line, needles", [
    ("self.grad += 1 - out.data**2", ["a.tanh()", "ignores out.grad", "No catalogued mistake"]),
    ("self.grad = (1 - out.data**2) * out.grad", ["a.tanh()", "sets (=) instead of adding (+=)"]),
    ("self.grad += (1 - out.data**3) * out.grad", ["a.tanh()", "the local derivative d out/d a came out as"]),
])
def test_value_ops_probes_say_what_they_found_when_nothing_in_the_catalogue_fits(line, needles):
    namespace = {"math": math}
    exec(textwrap.dedent(f"""
        def tanh(self):
            out = type(self)(math.tanh(self.data), (self,), "tanh")
            def _backward():
                {line}
            out._backward = _backward
            return out
    """), namespace)
    cls = type("OneOpWrong", (_MicroValue,), {"tanh": namespace["tanh"]})
    fails(check_value_ops, cls, *needles)


def test_backward_diagnosis_stays_cheap():
    # the diagnosis (failing case, stable cases, singles and pairs of 19 changes) runs on a failure only;
    # it is bounded by the search budget, and its learner calls stay a few dozen
    cls = GRAPHS.function((GRAPHS.change("walk", "every path"), GRAPHS.change("reset", False)))
    calls = []

    class Counted(cls):
        def backward(self):
            calls.append(1)
            return super().backward()

    fails(check_backward, Counted, "two classic mistakes at once")
    assert len(calls) <= 20

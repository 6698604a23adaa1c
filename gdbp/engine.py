"""A scalar autograd engine: ``Value`` records how each number was computed, ``backward()`` applies the chain rule.

After micrograd (A. Karpathy, https://github.com/karpathy/micrograd, ``micrograd/engine.py``). Each operation
is one forward line, its local derivative written next to it, and a small ``_backward`` closure that
*accumulates* (``+=``) ``out.grad * local derivative`` into each input, so a node used twice (``a * a``) or
reached along two paths (a diamond) receives the sum of its contributions (multivariable chain rule).
Derived operations reuse basic ones: ``a - b`` is ``a + (-b)``, ``a / b`` is ``a * b**-1``.

Conventions (where we had a choice):

- ``data`` and ``grad`` are Python floats, i.e. IEEE float64.
- ``backward()`` first RESETS the grad of every node of the graph to 0, then seeds ``self.grad = 1``. Calling
  it twice, or on a second loss sharing nodes, gives the gradients of that output only. PyTorch instead
  accumulates across ``backward()`` calls; to accumulate here, add the losses and call ``backward()`` once.
  Nodes outside the graph (e.g. a parameter the loss does not use) keep their old grad.
- ``relu``'s derivative at exactly 0 is 0, as in PyTorch.
- Children are kept in a tuple (micrograd uses a set), so ``topological_order()`` is deterministic.
- ``Value`` defines no ``==``: nodes hash by identity, so they can sit in sets and dicts.
- Bad input raises a TypeError or ValueError naming the operation. The checks test the common types first
  (``type(x) is float``, ``type(other) is Value``), because ``isinstance(x, numbers.Real)`` is slow:
  ``bench/bench_engine.py`` measures the engine against micrograd's without any check.

Example::

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> loss = a * b + a
    >>> loss.backward()
    >>> a.grad, b.grad          # d loss/da = b + 1, d loss/db = a
    (-2.0, 2.0)
"""
import math
import numbers


def _operand(other, op):
    """``other`` if it is a Value, ``float(other)`` if it is a real number (int, float, numpy scalar); a
    TypeError naming ``op`` otherwise. The common types are tested first: ``numbers.Real`` is slow to test."""
    if type(other) is float or isinstance(other, Value):
        return other
    if isinstance(other, numbers.Real):
        return float(other)
    raise TypeError(f"the other operand of {op} must be a Value or a real number (int or float), "
                    f"got {other!r} of type {type(other).__name__}")


def _as_value(other, op):
    """``other`` if it is a Value, else a new leaf Value holding the number (see ``_operand``)."""
    other = _operand(other, op)
    return other if isinstance(other, Value) else Value(other)


class Value:
    """One scalar node of a computational graph: ``data`` (float64), ``grad`` (d output / d self after
    ``backward()``), the children it was computed from and the op that combined them."""

    __array_ufunc__ = None  # so that numpy_scalar + Value calls Value.__radd__ instead of numpy's own add

    label = ""  # the default of every node; set on the instance only when given

    def __init__(self, data, _children=(), _op="", label=""):
        if type(data) is not float:  # the common case first: isinstance against numbers.Real is slow
            if not isinstance(data, numbers.Real):
                raise TypeError(f"data must be a real number (int or float), got {data!r} of type "
                                f"{type(data).__name__}")
            data = float(data)
        self.data = data
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        if label:
            self.label = label

    def _backward(self):
        """Pass ``self.grad`` on to the children; a leaf has none. Each operation gives its output its own."""

    def __add__(self, other):
        if type(other) is not Value:
            other = _as_value(other, "+")
        out = Value(self.data + other.data, (self, other), "+")  # d/dself = 1, d/dother = 1
        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        if type(other) is not Value:
            other = _as_value(other, "*")
        out = Value(self.data * other.data, (self, other), "*")  # d/dself = other, d/dother = self
        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        """self ** k for a constant int or float k (a Value exponent is a TypeError).

        At self = 0 with 0 < k < 1 the derivative is infinite: backward() raises ZeroDivisionError there."""
        if type(k) is not int and type(k) is not float and not isinstance(k, numbers.Real):  # Value is not Real
            raise TypeError(f"exponent must be a constant int or float, got {type(k).__name__}; "
                            "for a Value exponent b use (b * a.log()).exp()")
        if self.data == 0 and k < 0:
            raise ZeroDivisionError(f"Value(data=0.0) ** {k}: 0 cannot be raised to a negative power")
        if self.data < 0 and not float(k).is_integer():
            raise ValueError(f"Value(data={self.data}) ** {k}: a negative number to a fractional power is complex")
        out = Value(self.data ** k, (self,), f"**{k}")  # d/dself = k * self**(k-1)
        def _backward():
            if k != 0:  # self**0 = 1 is a constant; skipping also avoids 0 * 0**-1 at self = 0
                self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        """e ** self."""
        out = Value(math.exp(self.data), (self,), "exp")  # d/dself = exp(self) = out
        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self):
        """Natural logarithm of self (ValueError unless data > 0)."""
        if self.data <= 0:
            raise ValueError(f"log() needs data > 0, got Value(data={self.data!r})")
        out = Value(math.log(self.data), (self,), "log")  # d/dself = 1 / self
        def _backward():
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def tanh(self):
        """Hyperbolic tangent of self."""
        out = Value(math.tanh(self.data), (self,), "tanh")  # d/dself = 1 - tanh(self)**2
        def _backward():
            self.grad += (1.0 - out.data ** 2) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self):
        """Logistic sigmoid 1 / (1 + e**-self)."""
        e = math.exp(-abs(self.data))  # 1/(1 + e^-x) for x >= 0, e^x/(1 + e^x) for x < 0: never overflows
        s = 1.0 / (1.0 + e) if self.data >= 0 else e / (1.0 + e)
        out = Value(s, (self,), "sigmoid")  # d/dself = s * (1 - s)
        def _backward():
            self.grad += out.data * (1.0 - out.data) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        """max(self, 0); its derivative at exactly 0 is taken as 0 (as in PyTorch)."""
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")  # d/dself = 1 if self > 0 else 0
        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad
        out._backward = _backward
        return out

    def topological_order(self):
        """All nodes of the graph ending at ``self``, each listed after its children; ``self`` is last.

        Same order as micrograd's recursive ``build_topo`` (depth first, children in order, a node is added
        once all its children are), but with an explicit stack so deep graphs do not hit the recursion limit.
        Like the recursion, it walks straight down to a node's first child; the node itself (under a
        ``None`` marker) and its other children wait on the stack.
        """
        order, visited = [], set()
        stack = [self]
        while stack:
            node = stack.pop()
            if node is None:  # a marker: the node under it has all its children in the order now
                order.append(stack.pop())
                continue
            while node not in visited:  # down through first children, as build_topo's recursion goes
                visited.add(node)
                children = node._prev
                if not children:  # a leaf is complete at once
                    order.append(node)
                    break
                stack.append(node)
                stack.append(None)  # node comes back off the stack after its children
                if len(children) == 2:  # the usual case, a binary operation: cheaper than the slice below
                    stack.append(children[1])
                elif len(children) > 2:
                    stack += children[:0:-1]  # the later children, the second one on top
                node = children[0]
        return order

    def backward(self):
        """Set ``node.grad = d self / d node`` for every node of the graph (resetting old grads first)."""
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):  # outputs before inputs: a node's grad is complete when it is used
            node._backward()

    # Derived operations, as micrograd: a number operand stays a number until it meets a Value (a - 2.5 is
    # a + (-2.5), one leaf), a Value operand goes through the basic operations above.
    def __neg__(self):  # -self
        return self * -1.0

    def __radd__(self, other):  # other + self
        return self + other

    def __sub__(self, other):  # self - other
        return self + (-_operand(other, "-"))

    def __rsub__(self, other):  # other - self
        return _operand(other, "-") + (-self)

    def __rmul__(self, other):  # other * self
        return self * other

    def __truediv__(self, other):  # self / other
        return self * _operand(other, "/") ** -1

    def __rtruediv__(self, other):  # other / self
        return _operand(other, "/") * self ** -1

    def __rpow__(self, other):  # other ** self
        raise TypeError(f"exponent must be a constant int or float, got Value; for {other!r} ** b use "
                        f"(b * math.log({other!r})).exp()")

    def __repr__(self):
        return f"Value(data={self.data!r}, grad={self.grad!r})"


def draw_graph(value):
    """Plain-text rendering of the graph ending at ``value``: one line per node, inputs before outputs.

    Each node is named by its label, or ``v0, v1, ...`` in topological order; a node used several times
    appears once and is referred to by name. Returns the text (``print(draw_graph(loss))`` in a notebook).

        a                  data=2.0000   grad=-3.0000
        b                  data=-3.0000  grad=2.0000
        v2 = a * b         data=-6.0000  grad=1.0000
    """
    order = value.topological_order()
    names = {node: node.label or f"v{i}" for i, node in enumerate(order)}
    lines = []
    for node in order:
        args = [names[child] for child in node._prev]
        if not node._prev:
            formula = names[node]
        elif node._op in ("+", "*"):
            formula = f"{names[node]} = {args[0]} {node._op} {args[1]}"
        elif node._op.startswith("**"):
            formula = f"{names[node]} = {args[0]}{node._op}"
        else:
            formula = f"{names[node]} = {node._op}({args[0]})"
        lines.append(f"{formula:<18} data={node.data:<8.4f} grad={node.grad:.4f}")
    return "\n".join(lines)

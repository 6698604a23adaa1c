"""Authoring source of solutions/05_autograd: computational graphs, the chain rule, a scalar autograd engine.

Run ``.venv/bin/python tools/notebooks/05_autograd.py`` to rebuild the instructor notebook, then regenerate the
learner release with ``nbgrader generate_assignment 05_autograd`` (see CONTRIBUTING).
Exercises (docs/exercises.md), both checked on the learner's CLASS ``Value`` against ``gdbp.engine.Value``:

- the local derivatives: the ``_backward`` closures of ``** neg exp tanh relu`` inside ``class Value``
  (``+`` and ``*`` are given: the worked examples), checked by ``check_value_ops(Value)`` (all seven);
- ``backward()``: written as a function ``backward(self)`` in its own cell and attached with
  ``Value.backward = backward``, checked by ``check_backward(Value)``.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from tools.nbbuild import Notebook  # noqa: E402

NAME = "05_autograd"

nb = Notebook(NAME)

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
# 05 · Computational graphs and the chain rule: a scalar autograd engine

## Learning goals

- You will draw a formula as a **computational graph** and compute every derivative of its output by hand,
  going **backwards** through the graph with the chain rule.
- You will follow the **local derivatives** of $+$ and $\times$ worked through, each a small `_backward`
  function in a `Value` class of your own (after Karpathy's *micrograd*), and then derive and write those of
  powers, negation, $e^x$, $\tanh$ and ReLU yourself.
- You will write `backward()`: a **topological order** of the graph, grads **reset** to 0, the output
  **seeded** with 1, and each node's `_backward` called in reverse order.
- You will explain why a node used twice needs `+=` (the multivariable chain rule **sums** over paths).
- You will train a tiny neuron with your engine, and compare it with `gdbp.engine.Value`.

**The question of the course: how do gradient descent and backpropagation relate?** Gradient descent
(notebooks 01 and 04) needs the gradient of the loss with respect to every parameter. So far we derived it by
hand for each model. **Backpropagation** computes it automatically, for any formula built from a few known
operations, at a cost of about one extra pass through the formula. This notebook builds that machinery, one
scalar at a time; at the end, gradient descent *uses* the gradients that your backpropagation *computed*.
""", cell_id="intro")
nb.exercise_rules()

nb.code(r'''
%matplotlib inline
from gdbp.course import show_source
import math

import matplotlib.pyplot as plt
import numpy as np

import gdbp.engine
# yours_or_reference(fn, reference): your function (here your class) once it passes its exercises' checkers,
# else gdbp's reference, with a one-line note either way.
from gdbp.course import yours_or_reference
from gdbp.engine import draw_graph
from gdbp.gradcheck import rel_error
from gdbp.plotting import plot_losses
''', cell_id="setup")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 1. A formula is a graph

Take $L = (a \cdot b + c) \cdot f$ with $a = 2$, $b = -3$, $c = 10$, $f = -2$. To evaluate it, a computer
makes intermediate results, one operation at a time:

$$e = a \cdot b = -6, \qquad d = e + c = 4, \qquad L = d \cdot f = -8 .$$

Each value is a **node**; each operation connects its inputs (its *children*) to its output. This is the
**computational graph**. Evaluating it from the inputs to $L$ is the **forward pass**.

`gdbp.engine.Value` (the course's reference engine) records this graph while it computes: every `Value`
remembers its `data`, the children it was computed from and the operation. `draw_graph` prints it, inputs
first. The grads are all 0 so far: nothing has been differentiated yet.
""", cell_id="md_graph")

nb.code(r'''
a = gdbp.engine.Value(2.0, label="a")
b = gdbp.engine.Value(-3.0, label="b")
c = gdbp.engine.Value(10.0, label="c")
f = gdbp.engine.Value(-2.0, label="f")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
L = d * f
L.label = "L"
print(draw_graph(L))
''', cell_id="graph")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 2. The chain rule, backwards, by hand

We want $\partial L / \partial x$ for every node $x$: how much $L$ changes per unit change of $x$. Start at
the end and walk back. Each step multiplies the grad that arrived from above (the **upstream** grad) by the
**local derivative** of one operation (the **chain rule**):

$$\frac{\partial L}{\partial x} = \frac{\partial L}{\partial \text{out}} \cdot \frac{\partial\, \text{out}}{\partial x}
\qquad\text{for an operation out} = \text{op}(x, \dots).$$

| node | grad $\partial L/\partial\,\cdot$ | how |
|---|---|---|
| $L$ | $1$ | $\partial L/\partial L = 1$: the **seed** |
| $f$ | $d = 4$ | $L = d \cdot f$: local derivative w.r.t. $f$ is $d$; times upstream $1$ |
| $d$ | $f = -2$ | local derivative w.r.t. $d$ is $f$; times upstream $1$ |
| $c$ | $-2 \cdot 1 = -2$ | $d = e + c$: local derivative $1$; times upstream $\partial L/\partial d = -2$ |
| $e$ | $-2 \cdot 1 = -2$ | the same: a sum passes its upstream grad unchanged to both inputs |
| $a$ | $-2 \cdot b = 6$ | $e = a \cdot b$: local derivative w.r.t. $a$ is $b = -3$; times upstream $-2$ |
| $b$ | $-2 \cdot a = -4$ | local derivative w.r.t. $b$ is $a = 2$; times upstream $-2$ |

Check one of them by nudging: with $a = 2.001$, $L = (2.001 \cdot (-3) + 10)(-2) = -7.994$, up by
$0.006 = 6 \times 0.001$. The next cell lets `gdbp.engine` do the same backward pass (`L.backward()`) and
prints the graph again, now with grads.
""", cell_id="md_chain_rule")

nb.code(r'''
L.backward()
print(draw_graph(L))
h = 1e-6
L_of_a = lambda a_: (a_ * b.data + c.data) * f.data  # noqa: E731 - L as a plain function of a
print(f"\ncentral difference dL/da = {(L_of_a(2.0 + h) - L_of_a(2.0 - h)) / (2 * h):.6f}, backward gave {a.grad}")
''', cell_id="graph_backward")

nb.md(r"""
### The local derivatives: `+` and `*` worked through

Backpropagation needs only one thing from each operation: its **local derivative**, written where the
operation is computed. Each operation creates its output node `out` and gives it a small function
`out._backward()` that **adds** (local derivative) $\times$ `out.grad` to the grad of each of its inputs. In
the `Value` class, the inputs are `self` and `other`, and the numbers of the forward pass are `self.data`,
`other.data` and `out.data`.

**Addition**, $\text{out} = a + b$: $\partial\,\text{out}/\partial a = 1$ and $\partial\,\text{out}/\partial b = 1$.
A sum passes its upstream grad on unchanged, to both inputs (in section 2, $d = e + c$ passed $-2$ to both
$e$ and $c$):

```python
def _backward():
    self.grad += 1.0 * out.grad   # d(a + b)/da = 1
    other.grad += 1.0 * out.grad  # d(a + b)/db = 1
```

**Multiplication**, $\text{out} = a \cdot b$: $\partial\,\text{out}/\partial a = b$ and
$\partial\,\text{out}/\partial b = a$. Each input gets the **other** factor times the upstream grad (in section
2, $e = a \cdot b$ gave $a$ the grad $b \cdot (-2) = 6$):

```python
def _backward():
    self.grad += other.data * out.grad  # d(a * b)/da = b
    other.grad += self.data * out.grad  # d(a * b)/db = a
```

The engine has five more operations, and each works the same way; only the local derivative changes. They
are Exercise 1:

| operation | forward: `out.data` | its input |
|---|---|---|
| `a ** k` ($k$ a constant int or float, not a `Value`) | $a^k$ | `self` |
| `-a` | $-a$ | `self` |
| `a.exp()` | $e^a$ | `self` |
| `a.tanh()` | $\tanh a = \dfrac{e^a - e^{-a}}{e^a + e^{-a}}$ | `self` |
| `a.relu()` | $\max(a, 0)$ | `self` |

Derived operations need no new derivative: `a - b` is `a + (-b)` and `a / b` is `a * b**-1`, so their
graphs are made of the operations above.

## 3. Why `+=`: a node used twice

The `_backward` functions **add** to `grad` instead of setting it, for a reason that the example in section 2
did not show: a node can feed **several** operations. Take $L = a \cdot a$: by calculus
$\partial L/\partial a = 2a$. In the graph, $a$ is *both* inputs of one multiplication, and the
multiplication's `_backward` runs its two lines on the same node:

```python
a.grad += a.data * out.grad   # as the left input:  a
a.grad += a.data * out.grad   # as the right input: a       -> total 2a, correct
```

With `=` instead of `+=`, the second line would overwrite the first and give $a$, half the right answer.
The same happens when a node reaches the output along **two paths** (a *diamond*):

$$x = a \cdot b, \qquad y = x + c, \qquad L = x \cdot y .$$

The **multivariable chain rule** says that the grad of $x$ is the **sum** over the paths out of $x$:
$\frac{\partial L}{\partial x} = y + x \cdot 1$ (through the left factor of the product, whose local
derivative is the other factor $y$; and through $y = x + c$, local derivative 1, then the right factor of the
product, local derivative $x$). The cell below computes the two contributions by hand and compares their sum
with `gdbp.engine` and with a central difference.
""", cell_id="md_local_derivatives")

nb.code(r'''
a = gdbp.engine.Value(0.9, label="a")
b = gdbp.engine.Value(0.7, label="b")
c = gdbp.engine.Value(-0.4, label="c")
x = a * b
x.label = "x"
y = x + c
y.label = "y"
L = x * y
L.label = "L"
L.backward()
print(draw_graph(L))

paths = {"through x * y (left factor)": y.data,
         "through y = x + c": x.data * 1.0}
for name, contribution in paths.items():
    print(f"{name:28s} {contribution:+.6f}")
print(f"{'sum of the two paths':28s} {sum(paths.values()):+.6f}")
print(f"{'gdbp.engine x.grad':28s} {x.grad:+.6f}")
h = 1e-6
L_of_x = lambda x_: x_ * (x_ + c.data)  # noqa: E731 - L as a plain function of x
print(f"{'central difference':28s} {(L_of_x(x.data + h) - L_of_x(x.data - h)) / (2 * h):+.6f}")
''', cell_id="diamond")

nb.md(r"""
Each path's `_backward` *adds* its share into `x.grad`. And because `x.grad` must be **complete** before
`x` passes it on to `a` and `b` (through the multiplication that made `x`), the order in which the
`_backward` functions run matters: section 5.

## 4. Exercise 1: the local derivatives (2 points)

The class `Value` below is micrograd's, with the forward pass written for you, and `__add__` and `__mul__`
complete: they are the worked examples of section 2. Your part: derive the local derivative of each of the
other five operations, and write the body of its `_backward` function between the markers, in `__pow__`,
`__neg__`, `exp`, `tanh` and `relu`:

- Each `_backward` **adds** (`+=`) to `self.grad` its local derivative times `out.grad`, like the worked
  ones. Never `=`.
- `out.grad` is the upstream grad $\partial L/\partial\,\text{out}$; `self.data` and `out.data` are the
  numbers of the forward pass (Python floats).
- In `__pow__`, `k` is a constant number (int or float), not a `Value`.
- ReLU has no derivative at exactly $0$; the convention here (as in PyTorch) is $0$ there.
- Keep everything else as it is: the checker builds graphs with your class (`Value(2.0)`, `a + b`, ...),
  sets `out.grad` to a number, gives the inputs a grad that is not 0, calls `out._backward()` once and
  compares the grads with `gdbp.engine.Value`.

Until you write them, building a graph works (the forward pass is complete) but calling one of the five
`_backward` functions raises `NotImplementedError`. (`backward()`, the method that calls them all in the right
order, is Exercise 2.) Do not define `__eq__`: nodes must stay usable in a `set`, by identity.
""", cell_id="md_exercise_ops")

nb.solution("value_class", r'''
class Value:
    """A scalar node of a computational graph: data (float), grad (dL/d this node), children, _backward."""

    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # a leaf (an input) has nothing to pass on
        self._prev = tuple(_children)  # the nodes this one was computed from
        self._op = _op  # the operation, for printing

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # worked example: d(a + b)/da = d(a + b)/db = 1
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():  # worked example: d(a * b)/da = b, d(a * b)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        assert isinstance(k, (int, float)), "only a constant int or float exponent"
        out = Value(self.data**k, (self,), f"**{k}")

        def _backward():
            ### BEGIN SOLUTION
            self.grad += k * self.data ** (k - 1) * out.grad
            ### END SOLUTION
        out._backward = _backward
        return out

    def __neg__(self):
        out = Value(-self.data, (self,), "neg")

        def _backward():
            ### BEGIN SOLUTION
            self.grad += -1.0 * out.grad
            ### END SOLUTION
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            ### BEGIN SOLUTION
            self.grad += out.data * out.grad
            ### END SOLUTION
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            ### BEGIN SOLUTION
            self.grad += (1 - out.data**2) * out.grad
            ### END SOLUTION
        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            ### BEGIN SOLUTION
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad
            ### END SOLUTION
        out._backward = _backward
        return out

    # Derived operations: built from the ones above, nothing to write.
    def __radd__(self, other):  # other + self, e.g. 2 + a or sum([...]), which starts from 0
        return self + other

    def __rmul__(self, other):  # other * self
        return self * other

    def __sub__(self, other):  # self - other
        return self + (-other)

    def __rsub__(self, other):  # other - self
        return other + (-self)

    def __truediv__(self, other):  # self / other
        return self * other**-1

    def __rtruediv__(self, other):  # other / self
        return other * self**-1
''')

nb.hints("value_class", [
    r"""
Each `_backward` is one line, on the pattern of the worked `__mul__`: `self.grad +=` (the derivative of the
operation with respect to its input, at `self.data`) times `out.grad`. The derivatives are calculus you
know: the power rule; a minus sign; $e^a$ is its own derivative; $\tanh$'s derivative can be written
through $\tanh$ itself (notebook 02, question 1); ReLU is a line of slope 1 on one side of 0 and flat on the
other. Where the derivative is, or uses, the operation's own value, take `out.data`: the forward pass has
already computed it.
""",
    ("the derivatives", r"""
- $d(a^k)/da = k\,a^{k-1}$ (the power rule, for a constant $k$);
- $d(-a)/da = -1$;
- $d(e^a)/da = e^a$, which is `out.data`;
- $d(\tanh a)/da = 1 - \tanh^2 a$, which is $1 -$ `out.data` squared;
- $d\,\mathrm{relu}(a)/da = 1$ if $a > 0$, and $0$ if $a \le 0$ (the convention at 0).
"""),
    r"""
The same shape in all five (here for `__pow__`, with `k` from the enclosing method):

```python
def _backward():
    self.grad += ... * out.grad      # the local derivative of a**k at a = self.data
```

and for `relu` a conditional expression such as `(1.0 if ... else 0.0)` as the local derivative.
""",
])

nb.test("test_value_ops", points=2, source=r'''
"""Value: the local derivatives of + * ** neg exp tanh relu, one operation at a time, against gdbp.engine.Value."""
from gdbp.checks import check_value_ops

check_value_ops(Value)
''', hidden=r'''
from gdbp.instructor.hidden import assert_not_reference

assert Value is not gdbp.engine.Value and not issubclass(Value, gdbp.engine.Value), \
    "Value must be your own class, written in this notebook, not gdbp.engine.Value"
assert Value.__module__ == "__main__", "Value must be defined in this notebook"
for _name in ("__add__", "__mul__", "__pow__", "__neg__", "exp", "tanh", "relu"):
    assert_not_reference(getattr(Value, _name), getattr(gdbp.engine.Value, _name), name=f"Value.{_name}")


def _ops_agree_at_random_points(seeds=(61, 62, 63, 64)):
    """Each operation at random inputs, random prior grads and a random upstream grad, against gdbp.engine.
    Same formulas in float64, so 1e-9 relative is rounding only."""
    ops = {"a + b": lambda a, b: a + b, "a * b": lambda a, b: a * b, "a ** 2": lambda a, b: a**2,
           "a ** -3": lambda a, b: a**-3, "a ** 1.5 (a > 0)": lambda a, b: (a * a) ** 1.5, "-a": lambda a, b: -a,
           "a.exp()": lambda a, b: a.exp(), "a.tanh()": lambda a, b: a.tanh(), "a.relu()": lambda a, b: a.relu(),
           "a - b": lambda a, b: a - b, "a / b": lambda a, b: a / b}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        a_data, b_data, a_grad, b_grad, upstream = (float(v) for v in rng.normal(size=5))
        for name, op in ops.items():
            results = []
            for V in (Value, gdbp.engine.Value):
                a_, b_ = V(a_data), V(b_data)
                a_.grad, b_.grad = a_grad, b_grad
                out = op(a_, b_)
                out.grad = upstream
                out._backward()
                results.append([out.data, a_.grad, b_.grad])
            if name in ("a ** 1.5 (a > 0)", "a - b", "a / b"):  # several nodes: only the output's data
                results = [r[:1] for r in results]
            np.testing.assert_allclose(results[0], results[1], rtol=1e-9, atol=1e-12,
                                       err_msg=f"{name}: seed {seed} (out.data, a.grad, b.grad)")


_ops_agree_at_random_points()
''')

nb.md(r"""
With the `_backward` functions you can already run backpropagation **by hand**: seed the output with grad 1,
then call the `_backward` of each operation, from the output back to the inputs. Here on the example of
section 2, with your `Value` (it uses only `+` and `*`, the worked operations):
""", cell_id="md_by_hand")

nb.code(r'''
a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
e = a * b
d = e + c
L = d * f
L.grad = 1.0  # the seed: dL/dL = 1
L._backward()  # fills d.grad and f.grad
d._backward()  # fills e.grad and c.grad (needs d.grad: L first)
e._backward()  # fills a.grad and b.grad (needs e.grad: d first)
print(f"a.grad = {a.grad}, b.grad = {b.grad}, c.grad = {c.grad}, f.grad = {f.grad}  (by hand: 6, -4, -2, 4)")
a = Value(2.0)
out = a * a  # a node used twice
out.grad = 1.0
out._backward()
print(f"a * a at a = 2: a.grad = {a.grad} (expected 2a = 4.0: both contributions added)")
''', cell_id="by_hand")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 5. The order: a topological sort

By hand we called `L._backward()`, then `d._backward()`, then `e._backward()`: a node passes its grad on
only **after** every node that uses it has added its share. For a general graph that order is the reverse of
a **topological order**: a list of all the nodes in which every node comes **after** its children (its
inputs).

**Worked example.** In the graph of section 2 ($e = a \cdot b$, $d = e + c$, $L = d \cdot f$), one
topological order is $a, b, e, c, d, f, L$: $e$ after $a$ and $b$, $d$ after $e$ and $c$, $L$ after $d$ and
$f$. (Others exist, such as $f, c, b, a, e, d, L$; any of them works.) Reversed it is $L, f, d, c, e, b, a$:
each node comes after every node that **uses** it, so its grad is complete when its turn comes. Calling
`_backward` in that order is exactly what the cell above did (leaves such as $f$ have nothing to pass on).

For a graph of any size, **depth-first search** finds such an order: to place a node, first place each of
its children (recursively), then append the node itself. A set of the nodes already visited makes each node
appear **once**, however many paths lead to it; without it, a shared node would appear twice and its
`_backward` would pass its grad on twice.

Two more details make `backward()` safe to call repeatedly:

1. **Reset**: every node's grad goes back to 0 first. The `_backward` functions *add*, so grads left over
   from an earlier `backward()` would be added to. (PyTorch instead keeps accumulating across calls until you
   call `zero_grad()`; gdbp resets inside `backward()`, which makes a forgotten reset impossible.)
2. **Seed**: then the output's own grad is 1, since $\partial L/\partial L = 1$. Without it every grad stays 0.

### Exercise 2: `backward` (2 points)

Write the function `backward(self)` below; the line after it attaches it to your class as a method, so
that `L.backward()` works on every `Value`. For the graph that ends at `self`, it must:

1. build a topological order of all its nodes (each node once, after its children; `node._prev` holds the
   children of `node`, and nodes can go in a `set`);
2. reset the grad of every node in it to `0.0`;
3. seed: give `self` the grad `1.0`;
4. call each node's `_backward` in **reversed** topological order (`self` first).

It returns nothing. A recursive helper is fine here (the graphs of this notebook are shallow; section 8
shows how the reference avoids recursion). Run the class cell (Exercise 1) before this one, and run this one
again whenever you re-run the class cell (defining the class anew drops the attached method).
""", cell_id="md_exercise_backward")

nb.solution("backward", r'''
def backward(self):
    """Fill node.grad = d self / d node for every node of the graph ending at self (old grads reset first)."""
    ### BEGIN SOLUTION
    order, visited = [], set()

    def build(node):
        if node not in visited:
            visited.add(node)
            for child in node._prev:
                build(child)
            order.append(node)

    build(self)
    for node in order:
        node.grad = 0.0
    self.grad = 1.0
    for node in reversed(order):
        node._backward()
    ### END SOLUTION


Value.backward = backward  # attach it to the class: now every Value has the method .backward()
''')

nb.hints("backward", [
    r"""
Write the depth-first search as a small function inside `backward`, say `build(node)`: if the node was not
visited yet, mark it visited, call `build` on each of its children, and only then append it to a list.
`build(self)` fills the list with `self` last. Then the three loops: reset every grad, seed `self`, and call
`_backward` walking the list from the end.
""",
    ("why the order is right", r"""
Why the list is a topological order: `build(node)` appends `node` only after `build(child)` has returned for
every child, and each of those has appended the child (or found it appended already). So every node comes
after all of its children, and `self` comes last. `reversed(order)` walks it from `self` back to the
leaves. The reset must come before the seed (a reset after it would set `self.grad` back to 0).
"""),
    r"""
```python
order, visited = [], set()

def build(node):
    if ...:                          # node not visited yet
        ...                          # mark it visited
        for child in node._prev:
            ...                      # place the child first
        order.append(node)           # after all of its children

build(self)
for node in order:
    ...                              # reset
...                                  # seed
for node in reversed(order):
    ...                              # pass the grad on
```
""",
])

nb.test("test_backward", points=2, source=r'''
"""Value.backward: topological order, grads reset, seed 1, accumulation, on whole graphs, against gdbp.engine."""
from gdbp.checks import check_backward

check_backward(Value)
''', hidden=r'''
from gdbp.instructor.hidden import assert_not_reference

assert_not_reference(Value.backward, gdbp.engine.Value.backward, name="Value.backward")
assert_not_reference(Value.backward, gdbp.engine.Value.topological_order, name="Value.backward")


def _random_networks_agree(seeds=(71, 72, 73)):
    """A two-layer network of scalars (3 inputs, 4 tanh units, weights shared between the two outputs'
    paths) with a squared loss, built in both engines. Same float64 formulas: 1e-9 relative."""
    for seed in seeds:
        rng = np.random.default_rng(seed)
        numbers = rng.normal(size=3 + 12 + 4 + 4 + 1)
        grads = []
        for V in (Value, gdbp.engine.Value):
            leaves = [V(float(v)) for v in numbers]
            x, W, bias, v, c = leaves[:3], leaves[3:15], leaves[15:19], leaves[19:23], leaves[23]
            hidden = [(sum(W[3 * j + i] * x[i] for i in range(3)) + bias[j]).tanh() for j in range(4)]
            out = sum(v[j] * hidden[j] for j in range(4)) + c
            loss = (out - 0.5) ** 2 + (hidden[0] * out).relu()
            loss.backward()
            grads.append([leaf.grad for leaf in leaves] + [loss.data])
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-9, atol=1e-12, err_msg=f"seed {seed}")


_random_networks_agree()
''')

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 6. Your engine against the reference

The same expression, built once with your `Value` and once with `gdbp.engine.Value`: a node used twice, a
diamond, every operation. The grads should agree to about $10^{-16}$ relative (the same float64 arithmetic).
(Until both exercises pass, the cell says so and shows only the reference.)
""", cell_id="md_compare")

nb.code(r'''
def example(V):
    """A graph with reuse and a diamond; returns the grads of its three inputs and the loss."""
    a, b, c = V(0.5), V(-1.5), V(2.0)
    x = a * b + c  # used three times below
    L = x * x.tanh() + (x**2 / 4).exp() - (a - c).relu() + (-b) ** 3
    L.backward()
    return np.array([a.grad, b.grad, c.grad]), L.data


engine = yours_or_reference(Value, gdbp.engine.Value)
reference_grads, reference_loss = example(gdbp.engine.Value)
print("gdbp.engine.Value: dL/da, dL/db, dL/dc =", reference_grads, " L =", reference_loss)
if engine is Value:
    your_grads, your_loss = example(Value)
    print("your Value       : dL/da, dL/db, dL/dc =", your_grads, " L =", your_loss)
    print(f"relative error: {rel_error(your_grads, reference_grads):.1e}")
''', cell_id="compare")

nb.md(r"""
## 7. Backpropagation computes, gradient descent uses: a tiny neuron

A neuron with two inputs computes $\hat y = \tanh(w_1 x_1 + w_2 x_2 + b)$. We fit it to four points with
targets $\pm 1$ by minimising the mean squared error

$$L(w_1, w_2, b) = \frac14 \sum_{i=1}^{4} (\hat y_i - y_i)^2 .$$

Every step of the loop below has the two halves of the course's question:

1. **Backpropagation computes the gradient**: the forward pass builds the graph of $L$ from the three
   parameters and the data; `loss.backward()` fills `p.grad` $= \partial L/\partial p$ for every parameter.
2. **Gradient descent uses it**: `p.data = p.data - lr * p.grad` for every parameter.

The loop uses your `Value` once both exercises pass their checkers, otherwise `gdbp.engine.Value` (it says
which).
""", cell_id="md_neuron")

nb.code(r'''
V = yours_or_reference(Value, gdbp.engine.Value)

X_train = [[2.0, 1.0], [1.0, -1.5], [-1.0, 1.0], [-2.0, -0.5]]
y_train = [1.0, 1.0, -1.0, -1.0]
rng = np.random.default_rng(0)
w1, w2, b = (V(float(v)) for v in rng.uniform(-1, 1, size=3))
params = [w1, w2, b]
lr = 0.2

losses = []
for step in range(60):
    y_hat = [(w1 * x1 + w2 * x2 + b).tanh() for x1, x2 in X_train]  # forward pass: builds the graph
    loss = sum((pred - target) ** 2 for pred, target in zip(y_hat, y_train)) / len(y_train)
    loss.backward()  # backpropagation: p.grad = dL/dp for every node
    for p in params:  # gradient descent: one step against the gradient
        p.data = p.data - lr * p.grad
    losses.append(loss.data)

print(f"loss: {losses[0]:.4f} -> {losses[-1]:.4f}")
print("predictions:", [round(v.data, 3) for v in y_hat], " targets:", y_train)
fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.6))
plot_losses({"gradient descent on the neuron": losses}, ax=axes[0])
axes[0].set_title("loss of the tiny neuron (grads from backpropagation)")
X_arr, y_arr = np.array(X_train), np.array(y_train)
grid = np.linspace(-2.5, 2.5, 101)
G1, G2 = np.meshgrid(grid, grid)
contour = axes[1].contourf(G1, G2, np.tanh(w1.data * G1 + w2.data * G2 + b.data), levels=20, cmap="coolwarm")
fig.colorbar(contour, ax=axes[1], label="neuron output y_hat")
for target, marker in ((1.0, "^"), (-1.0, "s")):
    points = X_arr[y_arr == target]
    axes[1].scatter(points[:, 0], points[:, 1], marker=marker, color="white", edgecolors="k", s=90,
                    label=f"target {target:+g}")
axes[1].legend(loc="upper left")
axes[1].set(xlabel="x1", ylabel="x2", title="the trained neuron: tanh(w1 x1 + w2 x2 + b)")
fig.tight_layout()
plt.show()
plt.close(fig)
''', cell_id="neuron")

nb.md(r"""
One graph node per multiplication: the loss above has this many nodes per step. A network on the 8x8 digits
would need hundreds of thousands of them per example, which is why notebook 06 applies the same chain rule to
whole arrays at once (a layer's `backward`), and why real frameworks do so too. `gdbp.scalar_nn` builds a
small multilayer perceptron out of `gdbp.engine.Value` nodes, if you want to try a bigger scalar network.
""", cell_id="md_nodes")

nb.code(r'''
reference_loss = sum(((gdbp.engine.Value(w1.data) * x1 + gdbp.engine.Value(w2.data) * x2
                       + gdbp.engine.Value(b.data)).tanh() - t) ** 2 for (x1, x2), t in zip(X_train, y_train)) / 4
print("nodes in the graph of the neuron's loss:", len(reference_loss.topological_order()))
''', cell_id="count_nodes")

# --------------------------------------------------------------------------------------------------------
nb.md(r"""
## 8. The reference engine

Here is `backward` of `gdbp.engine.Value` (after you have written yours). It differs from the version of the
exercise in one way: its topological order (`topological_order`, below) uses an explicit stack instead of
recursion, so that a graph thousands of operations deep does not hit Python's recursion limit (about 1000
nested calls). The order it produces is the same.
""", cell_id="md_reference")

nb.code(r'''
show_source(gdbp.engine.Value.backward, gdbp.engine.Value.topological_order)
''', cell_id="reference_source")

nb.md(r"""
## Recap

- A formula is a **computational graph**: nodes are values, each operation links its inputs (children) to its
  output. The forward pass computes the values.
- The **chain rule** walks the graph backwards: each node's grad is the upstream grad times the local
  derivative of one operation. Each operation knows only its own local derivative
  ($+$: 1; $\times$: the other factor; $a^k$: $k a^{k-1}$; $e^a$: $e^a$; $\tanh$: $1 - \tanh^2$;
  ReLU: 1 or 0).
- A node used several times (or reached along several paths) gets the **sum** of the contributions:
  `_backward` must use `+=`.
- `backward()`: topological order (each node once, after its children), reset every grad to 0, seed
  `self.grad = 1`, call each `_backward` in **reverse** topological order, so a node's grad is complete before
  it is passed on.
- **Backpropagation and gradient descent**: backpropagation *computes* $\partial L/\partial p$ for every
  parameter in one backward pass; gradient descent *uses* it, `p = p - lr * grad`. Notebook 06 does the same
  with arrays (layers), notebook 07 trains a real network with it.

## Questions

1. For $L = (a + b) \cdot b$, draw the graph and compute $\partial L/\partial a$ and $\partial L/\partial b$ by
   hand at $a = 1$, $b = 2$. Which node is used twice?
2. Why does `tanh`'s `_backward` use `out.data` rather than recomputing `math.tanh(self.data)`? Would
   `1 - self.data**2` be right?
3. What goes wrong if `backward()` walks the topological order forwards (inputs first)? And if it does not
   reset the grads, and you call it twice?
4. In `a * a`, which two lines of `__mul__`'s `_backward` run, and on which node? What does `=` give instead
   of `+=`?
5. A graph has $n$ nodes. Roughly how many `_backward` calls does one `backward()` make, and how does that
   compare with estimating every parameter's derivative by central differences?

<details><summary>Short answers</summary>

1. $s = a + b$, $L = s \cdot b$; $b$ is used twice (in $s$ and in the product). $\partial L/\partial a = b = 2$;
   $\partial L/\partial b = s + b = 3 + 2 = 5$ (the two paths added).
2. The forward pass already computed $\tanh(a)$ = `out.data`: reusing it is cheaper. `1 - self.data**2`
   is wrong: the derivative is $1 - \tanh^2(a)$, not $1 - a^2$.
3. Forwards: a node passes its grad on before its consumers have added to it (it passes 0 or a partial
   grad). Without the reset, the second call adds the same grads again: every grad doubles.
4. Both `self.grad += other.data * out.grad` and `other.grad += self.data * out.grad` run on the same node
   $a$: together $2a$ times `out.grad`. With `=` the second overwrites the first: only $a$ times `out.grad`.
5. One per node, $n$ in total: about the cost of one more forward pass, for **all** the derivatives at once.
   Central differences need two forward passes **per parameter**. This is why backpropagation makes training
   large networks possible.

</details>
""", cell_id="recap")

if __name__ == "__main__":
    print(nb.write())

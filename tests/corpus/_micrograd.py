"""A micrograd-shaped ``Value`` class as corpus source text, with each piece replaceable.

Most learners' engines are micrograd's (Karpathy's engine.py and the nn-zero-to-hero lecture) with changes
here and there; the corpus entries of ``value_ops.py`` and ``backward.py`` write each one as this text with
the pieces that differ replaced, so that the difference is what the entry shows. Not a corpus file itself
(the driver skips files whose name starts with ``_``).
"""
import textwrap

# micrograd's depth-first topological sort, as backward() starts.
DFS = """
topo, visited = [], set()
def build_topo(v):
    if v not in visited:
        visited.add(v)
        for child in v._prev:
            build_topo(child)
        topo.append(v)
build_topo(self)
"""

# = instead of += in every _backward, as in the lecture video before its fix.
ASSIGN_EVERYWHERE = {
    "add": "self.grad = 1.0 * out.grad\nother.grad = 1.0 * out.grad",
    "mul": "self.grad = other.data * out.grad\nother.grad = self.data * out.grad",
    "pow": "self.grad = k * self.data ** (k - 1) * out.grad",
    "exp": "self.grad = out.data * out.grad",
    "tanh": "self.grad = (1 - t**2) * out.grad",
    "relu": "self.grad = (out.data > 0) * out.grad",
}

PIECES = {
    "children": "set(_children)",
    "add": "self.grad += out.grad\nother.grad += out.grad",
    "mul": "self.grad += other.data * out.grad\nother.grad += self.data * out.grad",
    "pow": "self.grad += k * self.data ** (k - 1) * out.grad",
    "neg": "return self * -1",
    "exp": "self.grad += out.data * out.grad",
    "tanh": "self.grad += (1 - t**2) * out.grad",
    "relu": "self.grad += (out.data > 0) * out.grad",
    "backward": DFS + """
for v in topo:
    v.grad = 0.0
self.grad = 1.0
for v in reversed(topo):
    v._backward()
""",
}

TEMPLATE = '''
class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = {children}
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
{add}
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
{mul}
        out._backward = _backward
        return out

    def __pow__(self, k):
        assert isinstance(k, (int, float)), "only supporting int/float powers for now"
        out = Value(self.data**k, (self,), f"**{{k}}")

        def _backward():
{pow}
        out._backward = _backward
        return out

    def __neg__(self):
{neg}

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
{exp}
        out._backward = _backward
        return out

    def tanh(self):
        x = self.data
        t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
        out = Value(t, (self,), "tanh")

        def _backward():
{tanh}
        out._backward = _backward
        return out

    def relu(self):
        out = Value(0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
{relu}
        out._backward = _backward
        return out

    def backward(self):
{backward}

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other**-1
'''

_DEPTH = {"children": 0, "neg": 8, "backward": 8}


def micrograd(**pieces: str) -> str:
    """The source of micrograd's Value with the given pieces replaced (each a statement or a few lines)."""
    chosen = {**PIECES, **pieces}
    indented = {name: textwrap.indent(textwrap.dedent(text).strip("\n"), " " * _DEPTH.get(name, 12))
                for name, text in chosen.items()}
    indented["children"] = chosen["children"]
    return TEMPLATE.format(**indented)

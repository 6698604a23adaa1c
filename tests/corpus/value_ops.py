"""Realistic answers to notebook 05's operations (check_value_ops): micrograd's Value as people write it, with
the changes found in public micrograd forks, the nn-zero-to-hero lecture and its issue tracker."""
import pathlib
import runpy
import types

_micrograd = types.SimpleNamespace(**runpy.run_path(str(pathlib.Path(__file__).with_name("_micrograd.py"))))
micrograd = _micrograd.micrograd

EXERCISE = "value_ops"

ENTRIES = [
    dict(id="micrograd-set-children", name="Value", correct=True,
         origin="karpathy/micrograd engine.py (children in a set, tanh through exp, neg as self * -1)",
         source=micrograd()),
    dict(id="lecture-tuple-children-own-neg", name="Value", correct=True,
         origin="nn-zero-to-hero lecture notebook style: children in a tuple, 1.0 * out.grad, neg written out",
         source=micrograd(children="tuple(_children)", add="self.grad += 1.0 * out.grad\nother.grad += 1.0 * out.grad",
                          neg="""
out = Value(-self.data, (self,), "neg")
def _backward():
    self.grad += -1.0 * out.grad
out._backward = _backward
return out""",
                          relu="self.grad += (1.0 if self.data > 0 else 0.0) * out.grad")),
    dict(id="video-assign-everywhere", name="Value", expect="= instead of += in _backward",
         origin="micrograd forks written along the lecture video before its fix (e.g. a py-sandbox micrograd: "
                "self.grad = 1.0 * out.grad in every operation, children in a set)",
         source=micrograd(**_micrograd.ASSIGN_EVERYWHERE)),
    dict(id="exp-derivative-self-data", name="Value", expect="exp's derivative taken as a instead of e^a",
         origin="karpathy/nn-zero-to-hero issue #52, which proposed self.grad += self.data * out.grad for exp",
         source=micrograd(exp="self.grad += self.data * out.grad")),
    dict(id="tanh-no-parentheses", name="Value", expect="without parentheses",
         origin="a public micrograd fork (and a Rust port): self.grad += 1 - t**2 * out.grad",
         source=micrograd(tanh="self.grad += 1 - t**2 * out.grad")),
    dict(id="tanh-ignores-out-grad", name="Value", expect=("your _backward ignores out.grad", "a.tanh()"),
         origin="a public numpy Tensor fork of micrograd: self.grad += 1 - t**2 (the upstream grad forgotten)",
         source=micrograd(tanh="self.grad += 1 - t**2")),
    dict(id="tanh-from-input", name="Value", expect="1 - a**2 instead of 1 - out**2",
         origin="an autograd package whose TanhBackward uses the parent's data: (1 - x**2) * grad",
         source=micrograd(tanh="self.grad += (1 - x**2) * out.grad")),
    dict(id="relu-greater-or-equal", name="Value", expect="relu's derivative 1 at a == 0",
         origin="several micrograd forks: self.grad += (self.data >= 0) * out.grad",
         source=micrograd(relu="self.grad += (self.data >= 0) * out.grad")),
    dict(id="relu-half-at-zero", name="Value", expect="relu's derivative 0.5 at a == 0",
         origin="the 'average of the one-sided slopes' convention (np.heaviside(x, 0.5)) written into relu",
         source=micrograd(relu="self.grad += (0.5 if self.data == 0 else float(self.data > 0)) * out.grad")),
    dict(id="pow-from-square", name="Value", expect="always differentiated as a square",
         origin="forks with a square() method (self.grad += 2 * self.data * out.grad) whose line was reused in __pow__",
         source=micrograd(pow="self.grad += 2 * self.data * out.grad")),
    dict(id="pow-exponent-not-lowered", name="Value", expect="k * a**k",
         origin="the power rule misremembered: k * x**k (seen in Q&A threads on micrograd's __pow__)",
         source=micrograd(pow="self.grad += k * self.data**k * out.grad")),
    dict(id="local-table-keyed-by-node", name="Value", expect="passes only one contribution",
         origin="engines that store local derivatives per input in a dict (ARENA-style backprop; "
                "ictxiangxin/paradox PR #3: 'a - a' counted once)",
         source=micrograd(add="for node, d in {self: 1.0, other: 1.0}.items():\n    node.grad += d * out.grad",
                          mul="for node, d in {self: other.data, other: self.data}.items():\n"
                              "    node.grad += d * out.grad")),
    dict(id="assign-and-relu-ge", name="Value",
         expect=("two classic mistakes at once", "= instead of +=", "relu's derivative 1 at a == 0"),
         origin="the video's = (before its fix) in a fork that also wrote relu with self.data >= 0",
         source=micrograd(**{**_micrograd.ASSIGN_EVERYWHERE, "relu": "self.grad = (self.data >= 0) * out.grad"})),
]

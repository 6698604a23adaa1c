"""Realistic answers to notebook 05's backward() (check_backward): micrograd's Value with the backward()
people write, from micrograd's history, its forks and issue trackers of small autograd engines."""
import pathlib
import runpy
import types

_micrograd = types.SimpleNamespace(**runpy.run_path(str(pathlib.Path(__file__).with_name("_micrograd.py"))))
micrograd = _micrograd.micrograd
_DFS = _micrograd.DFS

EXERCISE = "backward"

ENTRIES = [
    dict(id="micrograd-with-reset", name="Value", correct=True,
         origin="karpathy/micrograd PR #102 (zero every grad of the graph before accumulating), children in a set",
         source=micrograd()),
    dict(id="iterative-stack", name="Value", correct=True,
         origin="iterative depth-first topological sort (an explicit stack instead of recursion), as in forks that "
                "hit the recursion limit",
         source=micrograd(backward="""
order, seen, stack = [], set(), [(self, False)]
while stack:
    node, done = stack.pop()
    if done:
        order.append(node)
    elif node not in seen:
        seen.add(node)
        stack.append((node, True))
        stack.extend((child, False) for child in node._prev)
for node in order:
    node.grad = 0.0
self.grad = 1.0
for node in reversed(order):
    node._backward()""")),
    dict(id="micrograd-no-reset", name="Value", expect="grads not reset between passes",
         origin="karpathy/micrograd engine.py backward(): it leaves resetting to Module.zero_grad() "
                "(PR #102: 'backward() is not idempotent')",
         source=micrograd(backward=_DFS + "self.grad = 1\nfor v in reversed(topo):\n    v._backward()")),
    dict(id="micrograd-first-version", name="Value",
         expect=("two classic mistakes at once", "once per path", "grads not reset"),
         origin="karpathy/micrograd's first version (commit 36fab1a, issue #2): each backward calls its inputs' own, "
                "once per path, and nothing is reset",
         source=micrograd(backward="""
self.grad = 1.0
def push(v):
    v._backward()
    for child in v._prev:
        push(child)
push(self)""")),
    dict(id="recursive-send-every-path", name="Value", expect="once per path",
         origin="SethHWeidman/DLFS_code PR #13 and sebgao/cTensor issue #5: a node reached along two paths sends its "
                "(accumulated) grad down twice",
         source=micrograd(backward="""
def zero(v):
    v.grad = 0.0
    for child in v._prev:
        zero(child)
zero(self)
self.grad = 1.0
def send(v):
    v._backward()
    for child in v._prev:
        send(child)
send(self)""")),
    dict(id="visited-preorder", name="Value", expect="without topological order",
         origin="a first attempt seen in micrograd forks: depth-first with a visited set, _backward on first visit",
         source=micrograd(backward=_DFS + """
for v in topo:
    v.grad = 0.0
self.grad = 1.0
done = set()
def visit(v):
    if v in done:
        return
    done.add(v)
    v._backward()
    for child in v._prev:
        visit(child)
visit(self)""")),
    dict(id="topo-not-reversed", name="Value", expect="the topological order walked forwards",
         origin="build_topo copied from micrograd but the loop written as for v in topo",
         source=micrograd(backward=_DFS + "for v in topo:\n    v.grad = 0.0\nself.grad = 1.0\nfor v in topo:\n"
                                          "    v._backward()")),
    dict(id="output-only", name="Value",
         expect=("two classic mistakes at once", "it ignores the graph below the output", "grads not reset"),
         origin="backward() written as the lecture's manual first step (o.grad = 1.0; o._backward()), the rest of "
                "the graph never visited",
         source=micrograd(backward="self.grad = 1.0\nself._backward()")),
    dict(id="seed-then-reset", name="Value", expect="the output's grad is 0 when the walk starts",
         origin="the reset loop of PR #102 pasted after the seed",
         source=micrograd(backward=_DFS + "self.grad = 1.0\nfor v in topo:\n    v.grad = 0.0\n"
                                          "for v in reversed(topo):\n    v._backward()")),
    dict(id="cached-topo-seed-if-zero", name="Value", expect="grads not reset between passes",
         origin="a numpy autograd package that caches the topological order and seeds only when the grad is 0",
         source=micrograd(backward="""
if not hasattr(self, "_topo"):
""" + "\n".join("    " + line for line in _DFS.strip().splitlines()) + """
    self._topo = topo
if self.grad == 0:
    self.grad = 1.0
for v in reversed(self._topo):
    v._backward()""")),
    dict(id="video-assign-set-children", name="Value", expect="= instead of += in _backward",
         origin="micrograd forks written along the video before its fix, children in a set (the order of a set "
                "changes from run to run: the message must not)",
         source=micrograd(**_micrograd.ASSIGN_EVERYWHERE)),
]

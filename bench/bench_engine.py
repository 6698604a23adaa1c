"""How fast is gdbp's scalar autograd engine? ``gdbp.engine.Value`` against a minimal engine without checks.

The floor is ``FloorValue`` below: micrograd's ``engine.py`` (A. Karpathy) as written, without its
``assert`` on the exponent, with the children in a tuple (as gdbp keeps them). It checks nothing and has
none of gdbp's conventions (grads reset by ``backward()``, an iterative topological sort, labels). Both
engines are timed on the same operations and on the same training loop:

- one operation at a time, ``Value(2.0)``, ``a + b``, ``a * 2.0``, ``a.tanh()``, ... on prebuilt nodes;
- ``backward()`` over the graph of one training step's loss;
- a training step of a small MLP, micrograd's demo network 2-16-16-1 (ReLU, the last layer linear), on a
  batch of 16 points of two interleaved half-moons: forward pass (builds the graph of the mean squared
  error), ``backward()``, gradient descent on every parameter. The floor zeroes the parameters' grads
  first (micrograd's ``zero_grad``); gdbp's ``backward()`` resets them itself. Both networks start
  from the same weights (those of ``gdbp.scalar_nn.MLP(2, [16, 16, 1], seed=0)``) and see the same
  batches, so their losses agree (the script checks it). A third row runs ``gdbp.scalar_nn.MLP`` itself.

The clock is CPU time (``time.process_time``). The engines take turns, every 2,000 calls of an operation
and every training step, because a shared host's speed drifts (by up to 2x over tens of milliseconds):
times are medians over all turns of ``--repeats`` repeats, and each ratio is the median over the turns of
gdbp's time over the floor's time in the same turn. Every operation makes a reference cycle (``out ->
out._backward -> out``) that only the garbage collector frees, and in a notebook it runs while the graph is
built: it takes a large part of a training step here (compare the ``gc on`` column), the same for both
engines. So the collector is off while the engine's own work is timed (``gc.collect()`` before each timed
run) and the training step is timed once more with it on, as a learner runs it (``gc on`` columns).

Run:  python bench/bench_engine.py [--repeats 7] [--steps 20] [--number 20000]
"""
import argparse
import gc
import math
import platform
import statistics
import time

import numpy as np

from gdbp import scalar_nn
from gdbp.engine import Value

DIMS = (2, 16, 16, 1)
BATCH_SIZE = 16
LR = 0.05
TARGET = 1.25
TURN = 2000  # calls of one operation per turn


# --------------------------------------------------------------------------- the floor

class FloorValue:
    """micrograd's Value without checks (children in a tuple): the least an engine of this design does."""

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = _children
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, FloorValue) else FloorValue(other)
        out = FloorValue(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, FloorValue) else FloorValue(other)
        out = FloorValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        out = FloorValue(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = FloorValue(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        out = FloorValue(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1.0 - out.data**2) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = FloorValue(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (out.data > 0) * out.grad
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
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1


ENGINES = {"floor": FloorValue, "gdbp": Value}


# --------------------------------------------------------------------------- operations

# (label, setup(V) -> operands, operation): the operation runs on the operands, building one node.
OPS = [
    ("Value(2.0)", lambda V: (V,), lambda V: V(2.0)),
    ("a + b", lambda V: (V(1.5), V(-2.0)), lambda a, b: a + b),
    ("a * b", lambda V: (V(1.5), V(-2.0)), lambda a, b: a * b),
    ("a + 2.0", lambda V: (V(1.5),), lambda a: a + 2.0),
    ("a * 2.0", lambda V: (V(1.5),), lambda a: a * 2.0),
    ("2.0 * a", lambda V: (V(1.5),), lambda a: 2.0 * a),
    ("-a", lambda V: (V(1.5),), lambda a: -a),
    ("a - b", lambda V: (V(1.5), V(-2.0)), lambda a, b: a - b),
    ("a / b", lambda V: (V(1.5), V(-2.0)), lambda a, b: a / b),
    ("a ** 2", lambda V: (V(1.5),), lambda a: a**2),
    ("a.exp()", lambda V: (V(0.5),), lambda a: a.exp()),
    ("a.tanh()", lambda V: (V(0.5),), lambda a: a.tanh()),
    ("a.relu()", lambda V: (V(0.5),), lambda a: a.relu()),
]


def cpu_seconds(fn, collector=False):
    """CPU seconds of ``fn()`` and its result, with the garbage collector off (default) or on."""
    gc.collect()
    if not collector:
        gc.disable()
    try:
        start = time.process_time()
        result = fn()
        return time.process_time() - start, result
    finally:
        gc.enable()


def time_op(V, setup, op, number):
    """CPU seconds per call of ``op`` on operands built once by ``setup(V)``."""
    operands = setup(V)

    def calls():
        for _ in range(number):
            op(*operands)
    return cpu_seconds(calls)[0] / number


# --------------------------------------------------------------------------- the training loop

def moons(n, seed=0):
    """n points (x1, x2) of two interleaved half-moons with a little noise, targets +1 / -1."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.0, math.pi, size=n)
    upper = rng.random(n) < 0.5
    x1 = np.where(upper, np.cos(angle), 1.0 - np.cos(angle)) + 0.1 * rng.normal(size=n)
    x2 = np.where(upper, np.sin(angle), 0.5 - np.sin(angle)) + 0.1 * rng.normal(size=n)
    return [[float(a), float(b)] for a, b in zip(x1, x2)], [1.0 if u else -1.0 for u in upper]


def initial_weights():
    """Per layer, per neuron: (weights, bias) as floats, from ``gdbp.scalar_nn.MLP(2, [16, 16, 1], seed=0)``."""
    model = scalar_nn.MLP(DIMS[0], list(DIMS[1:]), seed=0)
    return [[([w.data for w in neuron.w], neuron.b.data) for neuron in layer.neurons] for layer in model.layers]


class TinyMLP:
    """The same network on any engine ``V``: micrograd's nn.py, neuron = relu(w . x + b), the last layer linear."""

    def __init__(self, V, weights):
        self.layers = [[([V(w) for w in ws], V(b)) for ws, b in layer] for layer in weights]

    def __call__(self, x):
        for k, layer in enumerate(self.layers):
            outs = [sum((w_i * x_i for w_i, x_i in zip(ws, x)), b) for ws, b in layer]
            x = outs if k == len(self.layers) - 1 else [out.relu() for out in outs]
        return x[0]

    def parameters(self):
        return [p for layer in self.layers for ws, b in layer for p in ws + [b]]


class LibraryMLP:
    """``gdbp.scalar_nn.MLP`` itself, with the same weights (gdbp's engine only)."""

    def __init__(self, V, weights):
        self.model = scalar_nn.MLP(DIMS[0], list(DIMS[1:]), seed=0)
        for layer, layer_weights in zip(self.model.layers, weights):
            for neuron, (ws, b) in zip(layer.neurons, layer_weights):
                assert [w.data for w in neuron.w] == ws and neuron.b.data == b

    def __call__(self, x):
        return self.model(x)

    def parameters(self):
        return self.model.parameters()


def loss_of(model, X, y):
    """Mean squared error of the model on the batch: builds the graph."""
    return sum((model(x) - t) ** 2 for x, t in zip(X, y)) / len(X)


def train_step(model, params, X, y, zero_grad):
    loss = loss_of(model, X, y)
    if zero_grad:  # micrograd's model.zero_grad(); gdbp's backward() resets every grad of the graph
        for p in params:
            p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= LR * p.grad
    return loss.data


def batches_of(X, y, steps):
    return [(X[k * BATCH_SIZE % len(X):][:BATCH_SIZE], y[k * BATCH_SIZE % len(X):][:BATCH_SIZE])
            for k in range(steps)]


def make_model(way, weights):
    """The model of a way and its parameters: the floor's engine, or gdbp's through the benchmark's MLP or
    through ``gdbp.scalar_nn``."""
    model = (LibraryMLP if way == "scalar_nn" else TinyMLP)(FloorValue if way == "floor" else Value, weights)
    return model, model.parameters()


def time_training(ways, weights, batches, collector=False):
    """Train one fresh model per way on ``batches``, the ways taking turns step by step: per way the CPU
    seconds of each step, and the last loss."""
    models = {way: make_model(way, weights) for way in ways}
    seconds = {way: [] for way in ways}
    losses = {}
    for k, (X, y) in enumerate(batches):
        shift = k % len(ways)  # each step in another order (see bench_mlp.time_per_step)
        for way in ways[shift:] + ways[:shift]:
            model, params = models[way]
            took, losses[way] = cpu_seconds(lambda: train_step(model, params, X, y, way == "floor"), collector)
            seconds[way].append(took)
    return seconds, losses


def time_backward(ways, weights, batch, shift=0):
    """CPU seconds of ``loss.backward()`` alone on one step's graph (built first, untimed), per way; the
    ways in the order ``ways[shift:] + ways[:shift]``."""
    losses = {way: loss_of(make_model(way, weights)[0], *batch) for way in ways[shift:] + ways[:shift]}
    return {way: cpu_seconds(loss.backward)[0] for way, loss in losses.items()}


def ratios_to_floor(seconds):
    """Per way, the median over turns of its time over the floor's time in the same turn."""
    return {way: statistics.median(t / f for t, f in zip(times, seconds["floor"])) for way, times in seconds.items()}


# --------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats, the median is reported (default 7)")
    parser.add_argument("--number", type=int, default=20000,
                        help=f"calls per operation and repeat, in turns of {TURN} (default 20000)")
    parser.add_argument("--steps", type=int, default=20, help="training steps per repeat (default 20)")
    args = parser.parse_args()
    print(f"gdbp.engine.Value against the floor (micrograd's engine without checks), CPU time, medians over the "
          f"turns of {args.repeats} repeats; python {platform.python_version()}, "
          f"{platform.processor() or platform.machine()}")

    # Each operation: the engines take turns every TURN calls (see bench_mlp.time_per_step: the speed of a
    # shared host drifts), per turn the time of a call and the ratio to the floor's.
    turns = max(1, args.number // TURN)
    print("\n" + f"{'operation':12} {'floor ns':>9} {'gdbp ns':>9} {'x floor':>8}" + "\n" + "-" * 41)
    worst = 0.0
    for label, setup, op in OPS:
        seconds = {way: [] for way in ENGINES}
        for _ in range(args.repeats):
            for turn in range(turns):
                for way in (("floor", "gdbp") if turn % 2 else ("gdbp", "floor")):  # each first in turn
                    seconds[way].append(time_op(ENGINES[way], setup, op, min(TURN, args.number)))
        ratio = ratios_to_floor(seconds)["gdbp"]
        worst = max(worst, ratio)
        floor, gdbp = (statistics.median(seconds[way]) for way in ENGINES)
        print(f"{label:12} {floor * 1e9:9.0f} {gdbp * 1e9:9.0f} {ratio:8.2f}")

    X, y = moons(64)
    weights = initial_weights()
    batches = batches_of(X, y, args.steps)
    ways = ["floor", "gdbp", "scalar_nn"]
    columns = ("step", "backward", "step, gc on")
    seconds = {column: {way: [] for way in ways} for column in columns}
    time_training(["gdbp"], weights, batches[:2])  # warm-up
    for repeat in range(args.repeats):
        for column in ("step", "step, gc on"):
            took, losses = time_training(ways, weights, batches, collector=column == "step, gc on")
            for way in ways:
                seconds[column][way] += took[way]
        for way, took in time_backward(ways, weights, batches[0], shift=repeat % len(ways)).items():
            seconds["backward"][way].append(took)
    nodes = len(loss_of(TinyMLP(Value, weights), *batches[0]).topological_order())
    print(f"\ntraining step: MLP {'-'.join(map(str, DIMS))}, batch {BATCH_SIZE}, {nodes} nodes per loss graph, "
          f"{args.steps} steps per repeat, the ways taking turns step by step")
    header = f"{'way':10}" + "".join(f" {column + ' ms':>15} {'x floor':>8}" for column in columns) + f" {'last loss':>19}"
    print(header + "\n" + "-" * len(header))
    ratios = {column: ratios_to_floor(seconds[column]) for column in columns}
    for way in ways:
        print(f"{way:10}" + "".join(f" {statistics.median(seconds[c][way]) * 1e3:15.2f} {ratios[c][way]:8.2f}"
                                    for c in columns) + f" {losses[way]:19.15f}")
    if not all(math.isclose(losses[way], losses["floor"], rel_tol=1e-12) for way in ways):
        raise SystemExit(f"the engines disagree on the loss: {losses}")
    step_ratio = ratios["step"]["gdbp"]
    verdict = "meets" if max(worst, step_ratio) <= TARGET else "MISSES"
    print(f"\nworst operation {worst:.2f}x, training step {step_ratio:.2f}x the floor ({verdict} the "
          f"{TARGET}x target)")


if __name__ == "__main__":
    main()

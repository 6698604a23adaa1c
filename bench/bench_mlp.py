"""How fast is gdbp's training step? MLP 64-128-10 on the 8x8 digits, batch 64, Adam.

Three ways, the same network, the same initial weights, the same batches, the same number of
steps, in float32 and float64:

- gdbp:  ``gdbp.model.MLP`` + ``gdbp.optim.Optimizer(rule="adam")`` through ``gdbp.train.train_step``
- floor: the tightest hand-written numpy loop we could write (preallocated buffers, in-place ufuncs,
         ``np.dot(..., out=)``, all parameters in one flat buffer so that Adam is 12 fused ufunc calls)
- torch: ``torch.nn`` + ``torch.optim.Adam`` on the CPU (skipped if torch is not installed)

Prints the median time per step over a few repeats (each repeat: fresh model, ``--steps`` steps,
after a warm-up run), the ratios gdbp/floor and torch/floor, the final losses (a check that the
three compute the same thing), and peak memory:

- "tracemalloc" (gdbp and floor only): peak traced by ``tracemalloc`` (numpy reports its array
  allocations to it) during a separate, untimed run: building the model and optimizer + 50 steps;
- "peak RSS" (all three): in a fresh child process, after a warm-up run, the peak resident set
  (Linux VmHWM, reset through /proc/self/clear_refs) grows by this much over the same run;
  tracemalloc cannot see torch's allocator, this can. Page-granular (4 KiB), so small values are
  coarse. Falls back to ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` off Linux.

Run:  python bench/bench_mlp.py [--steps 500] [--repeats 7] [--threads 1] [--profile]
"""
import argparse
import os
import sys

# The number of BLAS / OpenMP threads is fixed before numpy (and torch) are imported.
_threads = "1"
for _i, _arg in enumerate(sys.argv):
    if _arg == "--threads" and _i + 1 < len(sys.argv):
        _threads = sys.argv[_i + 1]
    elif _arg.startswith("--threads="):
        _threads = _arg.split("=", 1)[1]
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads

import ctypes  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

from gdbp.data import load_digits  # noqa: E402
from gdbp.model import MLP  # noqa: E402
from gdbp.optim import Optimizer  # noqa: E402
from gdbp.optim.adam import AdamState, adam_update  # noqa: E402
from gdbp.train import train_step  # noqa: E402

try:
    import torch
except ImportError:  # the benchmark still runs the numpy parts
    torch = None

DIMS = (64, 128, 10)
BATCH_SIZE = 64
LR, BETA1, BETA2, EPS = 1e-3, 0.9, 0.999, 1e-8
MEMORY_STEPS = 50
TARGETS = {"float32": 1.25, "float64": 1.20}  # gdbp / floor, issue #11


def make_batches(dtype):
    """One epoch of the digits (scaled to [0, 1]) in full batches of 64: 28 (X_batch, y_batch)."""
    X, y = load_digits()
    order = np.random.default_rng(0).permutation(len(X))
    num_batches = len(X) // BATCH_SIZE
    return [
        (np.ascontiguousarray(X[idx], dtype=dtype), y[idx])
        for idx in np.split(order[: num_batches * BATCH_SIZE], num_batches)
    ]


def synthetic_batches(dtype, input_dim, batch_size, num_batches=4, seed=0):
    """``num_batches`` batches of standard normal inputs (batch_size, input_dim) and random labels in 0..9."""
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((batch_size, input_dim)).astype(dtype), rng.integers(0, DIMS[2], size=batch_size))
            for _ in range(num_batches)]


def initial_params(dtype, dims=DIMS):
    """The initial weights every way starts from: those of ``gdbp.model.MLP(seed=0)``."""
    model = MLP(dims[0], [dims[1]], dims[2], seed=0, dtype=dtype)
    return {name: value.copy() for name, value in model.params.items()}


# --------------------------------------------------------------------------- gdbp

class GdbpRunner:
    """gdbp as a learner uses it."""

    def __init__(self, dtype, dims=DIMS, batch_size=BATCH_SIZE):
        self.model = MLP(dims[0], [dims[1]], dims[2], seed=0, dtype=dtype)
        self.optimizer = Optimizer(self.model.params, rule="adam", lr=LR, beta1=BETA1, beta2=BETA2, eps=EPS)

    def step(self, X_batch, y_batch):
        return train_step(self.model, self.optimizer, X_batch, y_batch)


# --------------------------------------------------------------------------- floor

class FloorRunner:
    """The same network and Adam, written for speed: no allocation in the loop after the first step.

    All parameters live in one flat buffer (W1, b1, W2, b2 are views of it), and so do their
    gradients, so Adam updates all of them with a handful of in-place ufunc calls. Adam uses the
    form of Kingma & Ba (2015), end of section 2: lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t) and
    eps_t = eps * sqrt(1 - beta2^t), which equals PyTorch's update exactly (in exact arithmetic).
    """

    def __init__(self, dtype, dims=DIMS, batch_size=BATCH_SIZE):
        D, H, C = dims
        B = batch_size
        init = initial_params(dtype, dims)
        shapes = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}
        sizes = [int(np.prod(s)) for s in shapes.values()]
        self.flat = np.empty(sum(sizes), dtype=dtype)
        self.flat_grad = np.empty_like(self.flat)
        self.p, self.g, start = {}, {}, 0
        for (name, shape), size in zip(shapes.items(), sizes):
            self.p[name] = self.flat[start:start + size].reshape(shape)
            self.g[name] = self.flat_grad[start:start + size].reshape(shape)
            self.p[name][...] = init[name]
            start += size
        self.m = np.zeros_like(self.flat)
        self.v = np.zeros_like(self.flat)
        self.tmp = np.empty_like(self.flat)
        self.h = np.empty((B, H), dtype=dtype)
        self.dh = np.empty((B, H), dtype=dtype)
        self.mask = np.empty((B, H), dtype=bool)
        self.s = np.empty((B, C), dtype=dtype)
        self.rowmax = np.empty((B, 1), dtype=dtype)
        self.rowsum = np.empty((B, 1), dtype=dtype)
        self.rows = np.arange(B)
        self.t = 0
        self.dtype = dtype

    def step(self, X_batch, y_batch):
        loss = self.loss_and_grads(X_batch, y_batch)
        self.adam()
        return loss

    def loss_and_grads(self, X_batch, y_batch):
        """Forward and backward pass: the loss (float); the gradients land in ``self.flat_grad``."""
        p, g, h, dh, s, rows = self.p, self.g, self.h, self.dh, self.s, self.rows
        B = X_batch.shape[0]
        # forward: h = relu(X W1 + b1), s = h W2 + b2
        np.dot(X_batch, p["W1"], out=h)
        h += p["b1"]
        np.maximum(h, 0, out=h)
        np.dot(h, p["W2"], out=s)
        s += p["b2"]
        # softmax cross-entropy; s becomes dscores in place
        np.max(s, axis=1, keepdims=True, out=self.rowmax)
        s -= self.rowmax
        picked = s[rows, y_batch]  # shifted score of the true class, (B,)
        np.exp(s, out=s)
        np.sum(s, axis=1, keepdims=True, out=self.rowsum)
        loss = float(np.log(self.rowsum).sum() - picked.sum()) / B
        s /= self.rowsum
        s[rows, y_batch] -= 1
        s *= 1.0 / B
        # backward
        np.dot(h.T, s, out=g["W2"])
        np.sum(s, axis=0, out=g["b2"])
        np.dot(s, p["W2"].T, out=dh)
        np.greater(h, 0, out=self.mask)
        np.multiply(dh, self.mask, out=dh)
        np.dot(X_batch.T, dh, out=g["W1"])
        np.sum(dh, axis=0, out=g["b1"])
        return loss

    def adam(self):
        """Adam on the flat buffers: m += (1-b1)(g-m); v += (1-b2)(g*g-v); p -= lr_t m / (sqrt(v) + eps_t)."""
        self.t += 1
        bc1, bc2 = 1.0 - BETA1 ** self.t, 1.0 - BETA2 ** self.t
        lr_t, eps_t = LR * bc2 ** 0.5 / bc1, EPS * bc2 ** 0.5
        grad, m, v, tmp = self.flat_grad, self.m, self.v, self.tmp
        np.subtract(grad, m, out=tmp)
        tmp *= 1.0 - BETA1
        m += tmp
        np.multiply(grad, grad, out=tmp)
        tmp -= v
        tmp *= 1.0 - BETA2
        v += tmp
        np.sqrt(v, out=tmp)
        tmp += eps_t
        np.divide(m, tmp, out=tmp)
        tmp *= lr_t
        self.flat -= tmp


# --------------------------------------------------------------------------- torch

class TorchRunner:
    """torch.nn + torch.optim.Adam (its defaults), CPU."""

    def __init__(self, dtype, dims=DIMS, batch_size=BATCH_SIZE):
        torch_dtype = torch.float32 if dtype == np.float32 else torch.float64
        init = initial_params(dtype, dims)
        self.net = torch.nn.Sequential(
            torch.nn.Linear(dims[0], dims[1]), torch.nn.ReLU(), torch.nn.Linear(dims[1], dims[2])
        ).to(torch_dtype)
        with torch.no_grad():
            for layer, i in ((self.net[0], 1), (self.net[2], 2)):
                layer.weight.copy_(torch.from_numpy(init[f"W{i}"].T.copy()))  # torch stores (out, in)
                layer.bias.copy_(torch.from_numpy(init[f"b{i}"]))
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=LR, betas=(BETA1, BETA2), eps=EPS)
        self.cache = {}

    def tensors(self, X_batch, y_batch):
        """The batch as tensors (converted once per batch and cached, outside the timed work)."""
        key = id(X_batch)
        if key not in self.cache:
            self.cache[key] = (torch.from_numpy(X_batch), torch.from_numpy(y_batch))
        return self.cache[key]

    def step(self, X_batch, y_batch):
        X_t, y_t = self.tensors(X_batch, y_batch)
        self.optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(self.net(X_t), y_t)
        loss.backward()
        self.optimizer.step()
        return loss.item()


# --------------------------------------------------------------------------- bounds (--bounds)
# What is left between gdbp and the floor, and what would each way of closing it buy? Three variants of
# gdbp, each changing one thing.

def _adam_unchecked(param, grad, state=None, *, lr=LR, beta1=BETA1, beta2=BETA2, eps=EPS):
    """``gdbp.optim.adam_update`` (the maths gdbp runs) as a rule of your own: the Optimizer then checks
    nothing either."""
    return adam_update(param, grad, state, lr, beta1, beta2, eps)


def _adam_in_place(param, grad, state=None, *, lr=LR, beta1=BETA1, beta2=BETA2, eps=EPS):
    """The same operations in the same order (so bit-identical to ``gdbp.optim.adam``), written with
    ``out=`` into 4 arrays allocated per call instead of one new array per operation; no checks."""
    if state is None:
        state = AdamState(t=0, m=np.zeros_like(param), v=np.zeros_like(param))
    t = state.t + 1
    m = np.multiply(state.m, beta1)
    tmp = np.multiply(grad, 1 - beta1)
    m += tmp
    v = np.multiply(state.v, beta2)
    np.square(grad, out=tmp)
    tmp *= 1 - beta2
    v += tmp
    step = np.divide(m, 1 - beta1**t)  # m_hat
    np.divide(v, 1 - beta2**t, out=tmp)  # v_hat
    np.sqrt(tmp, out=tmp)
    tmp += eps
    step *= lr
    np.divide(step, tmp, out=step)
    return np.subtract(param, step, out=step), AdamState(t, m, v)


class UncheckedRunner(GdbpRunner):
    """gdbp, its Optimizer applying ``_adam_unchecked``: what the Optimizer's per-step checks cost."""

    def __init__(self, dtype, dims=DIMS, batch_size=BATCH_SIZE):
        super().__init__(dtype, dims, batch_size)
        self.optimizer = Optimizer(self.model.params, rule=_adam_unchecked, flat=True)


class InPlaceRunner(GdbpRunner):
    """gdbp, its Optimizer applying ``_adam_in_place``: what a second, in-place implementation of each
    rule (bit-identical to the one a learner reads) would buy."""

    def __init__(self, dtype, dims=DIMS, batch_size=BATCH_SIZE):
        super().__init__(dtype, dims, batch_size)
        self.optimizer = Optimizer(self.model.params, rule=_adam_in_place, flat=True)


class FusedRunner(GdbpRunner):
    """gdbp's model; the floor's Adam (folded bias corrections, in place, preallocated) on its gradients
    laid end to end: what is left of the gap with the fastest possible optimizer."""

    def __init__(self, dtype, dims=DIMS, batch_size=BATCH_SIZE):
        super().__init__(dtype, dims, batch_size)
        self.floor = FloorRunner(dtype, dims, batch_size)  # same initial weights; its Adam updates floor.flat
        self.names = list(self.model.params)
        self.model.params.update(self.floor.p)  # the model reads its weights from views of floor.flat

    def step(self, X_batch, y_batch):
        loss, grads = self.model.loss(X_batch, y_batch)
        np.concatenate([grads[name] for name in self.names], axis=None, out=self.floor.flat_grad)
        self.floor.adam()
        return float(loss)


BOUNDS = {
    "unchecked": "gdbp without any input check (the Optimizer calls adam_update unchecked)",
    "in-place": "gdbp with a bit-identical in-place Adam, no checks",
    "fused": "gdbp's model + the floor's fused Adam",
}


RUNNERS = {"gdbp": GdbpRunner, "floor": FloorRunner, "torch": TorchRunner,
           "unchecked": UncheckedRunner, "in-place": InPlaceRunner, "fused": FusedRunner}


# --------------------------------------------------------------------------- measuring

def run(runner, batches, steps, start=0):
    """``steps`` training steps cycling through ``batches`` from batch ``start``; returns the last loss."""
    loss = None
    for k in range(start, start + steps):
        X_batch, y_batch = batches[k % len(batches)]
        loss = runner.step(X_batch, y_batch)
    return loss


CHUNK = 20  # steps each way takes in its turn


def time_per_step(ways, dtype, batches, steps, repeats, warmup, clock=time.process_time, dims=DIMS):
    """Time per step (s) of each way: the median and the best over ``repeats`` fresh runs of ``steps``
    steps; its last loss; and its ratio to the floor, the median over all turns of its time over the
    floor's in the same round.

    Within a run the ways take turns every ``CHUNK`` steps (a round: floor 20 steps, gdbp 20 steps, ...),
    starting each round with the next way. On a shared host the machine's speed drifts by up to 2x over
    tens of milliseconds, even with nothing else running in the VM; ways that take turns this often see
    the same speed, so the ratio of times in one round is steady where the ratio of whole runs is not."""
    size = {"dims": dims, "batch_size": len(batches[0][0])}
    for name in ways:
        run(RUNNERS[name](dtype, **size), batches, warmup)
    times = {name: [] for name in ways}
    ratios = {name: [] for name in ways}
    losses = {}
    for _ in range(repeats):
        runners = {name: RUNNERS[name](dtype, **size) for name in ways}
        if "torch" in runners:  # convert the batches to tensors before the clock starts
            for X_batch, y_batch in batches:
                runners["torch"].tensors(X_batch, y_batch)
        total = dict.fromkeys(ways, 0.0)
        for first in range(0, steps, CHUNK):
            turn = {}
            shift = first // CHUNK % len(ways)  # each round in another order: a way can gain or lose from
            for name in ways[shift:] + ways[:shift]:  # the one before it (its caches, ~5% here)
                runner = runners[name]
                start = clock()
                losses[name] = run(runner, batches, min(CHUNK, steps - first), first)
                turn[name] = clock() - start
                total[name] += turn[name]
            for name in ways:
                ratios[name].append(turn[name] / turn["floor"])
        for name in ways:
            times[name].append(total[name] / steps)
    return {name: (statistics.median(times[name]), min(times[name]), losses[name], statistics.median(ratios[name]))
            for name in ways}


def tracemalloc_peak(name, dtype, batches):
    """Peak bytes traced while building the model and optimizer and taking MEMORY_STEPS steps."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    runner = RUNNERS[name](dtype)
    run(runner, batches, MEMORY_STEPS)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def rss_growth_in_child(name, dtype):
    """Peak resident-set growth (bytes) over building + MEMORY_STEPS steps, in a fresh process."""
    command = [sys.executable, __file__, "--memory-child", name, np.dtype(dtype).name, "--threads", _threads]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["rss_growth"]


def _proc_status_kib(field):
    """A 'kB' field of /proc/self/status (Linux), e.g. VmHWM (peak RSS) or VmRSS (current RSS)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"{field} not in /proc/self/status")


def memory_child(name, dtype_name):
    """Entry point of the child process for ``rss_growth_in_child``.

    After a warm-up run (so that lazy library initialisation is not counted), the peak-RSS mark is
    reset (``echo 5 > /proc/self/clear_refs``, Linux >= 4.0); the growth of VmHWM over the
    current RSS is then what building the model and taking the steps needed at its peak. Where
    that reset is not available, falls back to the growth of ``ru_maxrss`` (which may read 0 when
    an earlier peak, e.g. while importing, was higher).
    """
    dtype = np.dtype(dtype_name).type
    batches = make_batches(dtype)
    if name == "torch":
        torch.set_num_threads(int(_threads))
    run(RUNNERS[name](dtype), batches, 5)
    gc.collect()
    try:  # give freed heap pages back to the system, so that the run below must touch its own
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        before = _proc_status_kib("VmRSS")
        run(RUNNERS[name](dtype), batches, MEMORY_STEPS)
        growth = _proc_status_kib("VmHWM") - before
    except OSError:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        run(RUNNERS[name](dtype), batches, MEMORY_STEPS)
        growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(json.dumps({"rss_growth": growth * 1024}))  # both are in KiB on Linux


def _median_cpu_us(fns, number=50, repeats=15, setup=None):
    """dict name -> median over ``repeats`` of the CPU time of one call of ``fns[name]`` (microseconds),
    ``number`` calls per repeat. Within a repeat the functions take turns, so that a burst of load on the
    machine hits all of them alike; ``setup()`` runs, untimed, before each repeat.

    Why a setup: thousands of Adam steps on one fixed gradient let the moments of its zero entries (the
    digits' always-blank pixels) decay below 1e-38, into float32's subnormal numbers, which the CPU
    computes many times slower. Training never gets there (a batch of other images comes next); a
    micro-benchmark does, so each repeat starts again from a fresh model and takes few calls."""
    times = {name: [] for name in fns}
    for _ in range(repeats):
        if setup is not None:
            setup()
        for name, fn in fns.items():
            times[name].append(timeit.timeit(fn, number=number, timer=time.process_time))
    return {name: statistics.median(values) / number * 1e6 for name, values in times.items()}


def profile_gdbp(dtype, batches, steps):
    """Where gdbp's time goes: its two halves against the floor's, then a cProfile by own time."""
    import cProfile
    import pstats

    X_batch, y_batch = batches[0]
    now = {}

    def fresh():  # a new model and floor, 20 steps in (see _median_cpu_us)
        now["gdbp"], now["floor"] = GdbpRunner(dtype), FloorRunner(dtype)
        run(now["gdbp"], batches, 20)
        run(now["floor"], batches, 20)
        now["grads"] = now["gdbp"].model.loss(X_batch, y_batch)[1]

    parts = {
        "gdbp  model.loss (forward + backward)": lambda: now["gdbp"].model.loss(X_batch, y_batch),
        "floor forward + backward": lambda: now["floor"].loss_and_grads(X_batch, y_batch),
        "gdbp  optimizer.step (adam on all arrays)": lambda: now["gdbp"].optimizer.step(now["grads"]),
        "floor adam (one flat buffer)": lambda: now["floor"].adam(),
    }
    print(f"\n--- gdbp against the floor, {np.dtype(dtype).name}, median CPU time of one call ---")
    for label, us in _median_cpu_us(parts, 50, 15, setup=fresh).items():
        print(f"{label:42s} {us:7.1f} us")
    split = gdbp_split(dtype, DIMS, batches, 15)
    print("gdbp's step: " + ", ".join(f"{part} {seconds * 1e6:.1f} us" for part, seconds in split.items())
          + " (see --sizes)")

    gdbp = GdbpRunner(dtype)
    run(gdbp, batches, 20)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    run(gdbp, batches, steps)
    profiler.disable()
    print(f"\n--- cProfile of gdbp, {steps} steps, {np.dtype(dtype).name} (CPU time, sorted by own time) ---")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(18)


# --------------------------------------------------------------------------- cost as the work grows (--sizes)

SIZES_INPUT = (64, 784)  # the digits' 8x8 pixels, MNIST's 28x28
SIZES_HIDDEN = (32, 128, 512, 1024)
SIZES_BATCH = (16, 64, 512)


def gdbp_split(dtype, dims, batches, repeats):
    """Where one gdbp training step goes, in seconds (median CPU time of one call): the model's
    ``loss`` (forward + backward, the layers' own checks included); in ``optimizer.step``, the rule's
    maths (``adam_update`` on the flat arrays), the Optimizer's checks of the step (the gradients' shapes
    and dtypes those of the layout, as ``Optimizer._flat_step`` compares them; all finite; hyperparameters
    unchanged), and the rest (names, laying the gradients end to end, the new views)."""
    X_batch, y_batch = batches[0]
    now = {}

    def fresh():  # a new model, 3 steps in (see _median_cpu_us), and the arrays of its next step
        runner = GdbpRunner(dtype, dims, len(X_batch))
        run(runner, batches, 3)
        model, optimizer = runner.model, runner.optimizer
        grads = model.loss(X_batch, y_batch)[1]
        grad_list = [grads[name] for name in optimizer.params]
        grad = np.concatenate(grad_list, axis=None)
        now.update(model=model, optimizer=optimizer, grads=grads, grad_list=grad_list, grad=grad,
                   arguments=optimizer._step_checks(grad, optimizer.hyperparameters))

    fresh()
    start = time.process_time()
    now["model"].loss(X_batch, y_batch)
    calls = min(50, max(1, int(2e-2 / max(time.process_time() - start, 1e-6))))
    timed = {
        "model": lambda: now["model"].loss(X_batch, y_batch),
        "step": lambda: now["optimizer"].step(now["grads"]),
        "maths": lambda: now["optimizer"]._update(now["optimizer"]._flat_param, now["grad"],
                                                  now["optimizer"]._flat_state, **now["arguments"]),
        "checks": lambda: ([(g.shape, g.dtype) for g in now["grad_list"]] == now["optimizer"]._grad_layout,
                           now["optimizer"]._step_checks(now["grad"], now["optimizer"].hyperparameters)),
    }
    split = {part: us * 1e-6 for part, us in _median_cpu_us(timed, calls, repeats, setup=fresh).items()}
    split["other"] = max(0.0, split.pop("step") - split["maths"] - split["checks"])
    return split


def sizes(args):
    """The three ways over a grid of network and batch sizes (synthetic data of that shape)."""
    ways = ["floor", "gdbp"] + (["torch"] if torch is not None else [])
    print(f"\n--- cost as the work grows: MLP D-H-10, Adam, synthetic batches, median of {args.repeats} ---")
    print("gdbp's step split: model = model.loss (forward + backward); the Optimizer's step: maths = "
          "adam_update, checks = its checks of the step, other = laying out the gradients and the new views")
    header = (f"{'dtype':8} {'D':>4} {'H':>5} {'B':>4} {'params':>8} {'floor us':>9} {'gdbp x':>7} "
              f"{'torch x':>8}  {'model':>6} {'maths':>6} {'checks':>6} {'other':>6}")
    print(header + "\n" + "-" * len(header))
    for dtype_name in args.dtypes:
        dtype = np.dtype(dtype_name).type
        for input_dim in args.inputs:
            for hidden in args.hidden:
                for batch_size in args.batches:
                    dims = (input_dim, hidden, DIMS[2])
                    batches = synthetic_batches(dtype, input_dim, batch_size)
                    probe = FloorRunner(dtype, dims, batch_size)
                    run(probe, batches, 2)
                    start = time.process_time()
                    run(probe, batches, 3)
                    per_step = (time.process_time() - start) / 3
                    steps = min(200, max(3, int(0.1 / max(per_step, 1e-9))))
                    timings = time_per_step(ways, dtype, batches, steps, args.repeats, min(args.warmup, steps),
                                            dims=dims)
                    floor = timings["floor"][0]  # its median time per step; the ratios are per round
                    split = gdbp_split(dtype, dims, batches, args.repeats)
                    total = sum(split.values())
                    params = input_dim * hidden + hidden + hidden * DIMS[2] + DIMS[2]
                    torch_ratio = f"{timings['torch'][3]:8.2f}" if "torch" in timings else f"{'n/a':>8}"
                    print(f"{dtype_name:8} {input_dim:4d} {hidden:5d} {batch_size:4d} {params:8d} {floor * 1e6:9.0f} "
                          f"{timings['gdbp'][3]:7.2f} {torch_ratio}  "
                          + " ".join(f"{split[part] / total:6.0%}" for part in ("model", "maths", "checks", "other")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=500, help="training steps per repeat (default 500)")
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats, the median is reported (default 7)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed steps before timing (default 50)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS / torch threads (default 1)")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                        help="cpu: time.process_time, CPU time of this process, robust to other load on a "
                             "shared machine, right for --threads 1 (default); wall: time.perf_counter")
    parser.add_argument("--dtypes", nargs="+", default=None, choices=["float32", "float64"],
                        help="default: float32 float64 (with --sizes: float32)")
    parser.add_argument("--bounds", action="store_true",
                        help="also time three variants of gdbp (" + "; ".join(f"{k}: {v}" for k, v in BOUNDS.items())
                        + "): what each way of closing the gap would buy")
    parser.add_argument("--profile", action="store_true", help="also time gdbp's model and optimizer against the floor's, and cProfile gdbp")
    parser.add_argument("--sizes", action="store_true",
                        help="only the cost as the work grows: the three ways for every input size, hidden "
                             "width and batch size of --inputs, --hidden, --batches (synthetic data), the ratios "
                             "and where gdbp's time goes; float32 unless --dtypes says otherwise")
    parser.add_argument("--inputs", type=int, nargs="+", default=list(SIZES_INPUT), help="with --sizes (default %(default)s)")
    parser.add_argument("--hidden", type=int, nargs="+", default=list(SIZES_HIDDEN), help="with --sizes (default %(default)s)")
    parser.add_argument("--batches", type=int, nargs="+", default=list(SIZES_BATCH), help="with --sizes (default %(default)s)")
    parser.add_argument("--memory-child", nargs=2, metavar=("WAY", "DTYPE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    if args.dtypes is None:
        args.dtypes = ["float32"] if args.sizes else ["float32", "float64"]
    if args.sizes:
        if torch is not None:
            torch.set_num_threads(args.threads)
        sizes(args)
        return

    ways = ["floor", "gdbp"] + (list(BOUNDS) if args.bounds else []) + (["torch"] if torch is not None else [])
    if torch is not None:
        torch.set_num_threads(args.threads)
    print(f"MLP {'-'.join(map(str, DIMS))}, ReLU, softmax cross-entropy, Adam(lr={LR}), batch {BATCH_SIZE}, "
          f"{args.steps} steps x {args.repeats} repeats (median) after {args.warmup} warm-up steps, "
          f"{args.clock} clock")
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"torch {torch.__version__ if torch is not None else 'absent (skipped)'}, threads {args.threads}, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus")
    print(f"memory, over building the model + {MEMORY_STEPS} steps: 'tracemalloc' = peak traced by tracemalloc "
          "(numpy arrays; blind to torch), 'peak RSS' = growth of the peak resident set (VmHWM, reset after a "
          "warm-up) in a fresh child process, comparable across all three")
    header = (f"{'dtype':8} {'way':9} {'us/step':>9} {'(best)':>8} {'x floor':>8} {'final loss':>14} "
              f"{'tracemalloc':>10} {'peak RSS':>11}")
    print("\n" + header + "\n" + "-" * len(header))
    results = {}
    for dtype_name in args.dtypes:
        dtype = np.dtype(dtype_name).type
        batches = make_batches(dtype)
        clock = time.process_time if args.clock == "cpu" else time.perf_counter
        timings = time_per_step(ways, dtype, batches, args.steps, args.repeats, args.warmup, clock)
        for way in ways:
            median, best, loss, ratio = timings[way]
            traced = tracemalloc_peak(way, dtype, batches) if way != "torch" else None
            rss = rss_growth_in_child(way, dtype)
            results[dtype_name, way] = ratio
            traced = f"{traced / 2**10:6.0f} KiB" if traced is not None else "       n/a"
            print(f"{dtype_name:8} {way:9} {median * 1e6:9.1f} {best * 1e6:8.1f} {ratio:8.2f} {loss:14.10f} "
                  f"{traced:>10} {rss / 2**10:7.0f} KiB")
        gdbp_ratio = results[dtype_name, "gdbp"]
        target = TARGETS[dtype_name]
        verdict = "meets" if gdbp_ratio <= target else "MISSES"
        print(f"{dtype_name:8} gdbp/floor = {gdbp_ratio:.3f} ({verdict} the {target}x target)"
              + (f", torch/floor = {results[dtype_name, 'torch']:.2f}" if "torch" in ways else ""))
        print()
    if args.profile:
        for dtype_name in args.dtypes:
            profile_gdbp(np.dtype(dtype_name).type, make_batches(np.dtype(dtype_name).type), args.steps)


if __name__ == "__main__":
    main()

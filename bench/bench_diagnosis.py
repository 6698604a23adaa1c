"""How long does a failing check take, diagnosis included? One row per exercise.

For every exercise of ``gdbp.checks.EXERCISES`` it runs the checker on the reference (the floor: a passing
check, no diagnosis) and on every catalogued mistake of the exercise (each fails and is diagnosed: probes,
fitted constants, pairs), and, for the exercises whose answer is a plain function, on an answer that no
catalogue explains (the reference's output perturbed), where the search runs to the end of its budget.
It prints, per exercise, the passing time, the median and the largest failing time (and which mistake),
the largest number of calls of the learner's function in one failing check, and the ratio of the worst
failing time to the passing one. The target: every failing check with its diagnosis under 0.5 s here.

    .venv/bin/python bench/bench_diagnosis.py            # all exercises, best of 3 runs each (~20 s)
    .venv/bin/python bench/bench_diagnosis.py --only adam nadam --repeats 3

Times are CPU seconds (``time.process_time``, which stays put when other processes load the machine; ``--clock
wall`` for wall time) of one ``check_<exercise>(answer)`` call, the best of ``--repeats`` runs (default 3).
A benchmark, not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import inspect
import io
import statistics
import sys
import time
import warnings

import numpy as np

import gdbp.checks
from gdbp.checks._core import CheckFailed
from gdbp.checks._diagnosis import Catalogue

TOPICS = ("autograd", "data", "descent", "gradients", "layers", "numerical", "optim", "training")
TARGET = 0.5  # seconds, issue 13


def catalogue() -> dict:
    out = {}
    for topic in TOPICS:
        out.update(importlib.import_module(f"gdbp.checks.{topic}").MISTAKES)
    return out


def references() -> dict:
    """A correct answer per exercise (the floor): gdbp's reference, or the base of the exercise's family."""
    from gdbp import descent, gradcheck, optim

    refs = {name: optim.RULES[name] for name in gdbp.checks.optim.OPTIMIZERS}
    refs.update({"numerical_gradient": gradcheck.numerical_gradient, "rel_error": gradcheck.rel_error,
                 "gradient_descent": descent.gradient_descent})
    for topic in TOPICS:  # elsewhere: the base of the exercise's family (the reference's way of writing it)
        module = importlib.import_module(f"gdbp.checks.{topic}")
        for value in vars(module).values():
            if isinstance(value, Catalogue) and value.exercise in gdbp.checks.EXERCISES:
                refs.setdefault(value.exercise, value.build(dict(value.base)))
    return refs


class Counted:
    """A learner's function that counts its calls (keeps its signature for the checker)."""

    def __init__(self, fn):
        self.fn, self.calls = fn, 0
        functools.update_wrapper(self, fn)
        self.__signature__ = inspect.signature(fn)

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.fn(*args, **kwargs)


def perturbed(fn):
    """The reference with every returned float array multiplied by 1 + 1e-3 * (1 + index): wrong in a way no
    catalogued mistake (or pair) reproduces, so the diagnosis searches to the end of its budget."""

    def scale(value):
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size:
            return value * (1 + 1e-3 * (1 + np.arange(value.size).reshape(value.shape)))
        if isinstance(value, float):
            return value * 1.001
        if isinstance(value, tuple):
            return (scale(value[0]),) + value[1:]
        return value

    @functools.wraps(fn)
    def wrong(*args, **kwargs):
        return scale(fn(*args, **kwargs))

    return wrong


CLOCK = {"cpu": time.process_time, "wall": time.perf_counter}


def timed(check, answer, repeats: int, clock=time.process_time) -> tuple[float, bool, int]:
    """(best seconds, failed?, learner calls of one run) of ``check(answer)``."""
    best, failed, calls = float("inf"), False, 0
    for _ in range(repeats):
        subject = Counted(answer) if inspect.isfunction(answer) else answer
        sink = io.StringIO()
        start = clock()
        with contextlib.redirect_stdout(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                check(subject)
            except CheckFailed:
                failed = True
        best = min(best, clock() - start)
        calls = getattr(subject, "calls", 0)
    return best, failed, calls


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="exercises to run (default: all)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per answer, the best is kept (default 3)")
    parser.add_argument("--clock", choices=sorted(CLOCK), default="cpu", help="cpu (default) or wall time")
    args = parser.parse_args(argv)
    clock = CLOCK[args.clock]

    mistakes, refs = catalogue(), references()
    names = sorted(gdbp.checks.EXERCISES) if not args.only else args.only
    header = (f"{'exercise':<22} {'mistakes':>8} {'pass ms':>8} {'fail med':>9} {'fail max':>9} {'unexpl.':>8} "
              f"{'calls':>6} {'max/pass':>9}  slowest")
    print(header)
    print("-" * len(header))
    worst_overall, missed = 0.0, []
    for name in names:
        check = gdbp.checks.EXERCISES[name]
        ref = refs.get(name)
        passing = timed(check, ref, args.repeats, clock)[0] if ref is not None else float("nan")
        times, calls = [], 0
        for mistake in mistakes.get(name, []):
            seconds, failed, n = timed(check, mistake.fn, args.repeats, clock)
            if not failed:
                print(f"  note: {name}: the mutant {mistake.fn.__name__} passed its checker", file=sys.stderr)
            times.append((seconds, mistake.name))
            calls = max(calls, n)
        unexplained = float("nan")
        if ref is not None and inspect.isfunction(ref):
            unexplained, failed, n = timed(check, perturbed(ref), args.repeats, clock)
            calls = max(calls, n)
        slowest = max(times) if times else (float("nan"), "")
        worst = max([t for t, _ in times] + ([unexplained] if unexplained == unexplained else []), default=0.0)
        worst_overall = max(worst_overall, worst)
        if worst > TARGET:
            missed.append(name)
        median = statistics.median(t for t, _ in times) if times else float("nan")
        ratio = worst / passing if passing == passing and passing > 0 else float("nan")
        print(f"{name:<22} {len(times):>8} {1e3 * passing:>8.1f} {1e3 * median:>9.1f} {1e3 * slowest[0]:>9.1f} "
              f"{1e3 * unexplained:>8.1f} {calls:>6} {ratio:>9.1f}  {slowest[1][:60]}")
    print()
    print(f"slowest failing check with diagnosis: {worst_overall:.3f} s (target < {TARGET} s): "
          + ("met" if not missed else f"missed by {', '.join(missed)}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

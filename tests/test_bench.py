"""The benchmark scripts run, and their ways compute the same thing. Nothing here measures time (a few
functions are called to see that they run, their timings are not looked at)."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gdbp.optim import adam

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _load_bench(name):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_bench_mlp_runs_and_every_way_reaches_the_same_loss():
    """A short run with --bounds: every way prints a row, and in float64 all the numpy ways end on the
    same loss (to 1e-9: the floor and 'fused' use Adam's folded form, equal to gdbp's only up to rounding).
    """
    result = subprocess.run(
        [sys.executable, str(BENCH / "bench_mlp.py"), "--steps", "20", "--repeats", "1", "--warmup", "1",
         "--dtypes", "float64", "--bounds"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    rows = {line.split()[1]: line.split() for line in result.stdout.splitlines() if line.startswith("float64 ")
            and len(line.split()) > 5}
    ways = {"floor", "gdbp", "unchecked", "in-place", "fused"}
    assert ways <= rows.keys(), f"received rows {sorted(rows)} expected at least {sorted(ways)}\n{result.stdout}"
    losses = {way: float(rows[way][5]) for way in ways}
    assert all(np.isfinite(list(losses.values())))
    assert max(losses.values()) - min(losses.values()) < 1e-9, losses
    assert "gdbp/floor = " in result.stdout


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bench_adam_variants_are_gdbps_adam(dtype):
    """The --bounds variants claim gdbp's maths: 'unchecked' and 'in-place' give gdbp.optim.adam's
    results to the last bit over 30 steps."""
    bench = _load_bench("bench_mlp")
    rng = np.random.default_rng(0)
    param = rng.normal(size=(7, 3)).astype(dtype)
    states = {"gdbp": (param, None), "unchecked": (param, None), "in-place": (param, None)}
    rules = {"gdbp": adam, "unchecked": bench._adam_unchecked, "in-place": bench._adam_in_place}
    for _ in range(30):
        grad = rng.normal(size=param.shape).astype(dtype)
        for name, rule in rules.items():
            current, state = states[name]
            states[name] = rule(current, grad, state)
    for name in ("unchecked", "in-place"):
        np.testing.assert_array_equal(states[name][0], states["gdbp"][0], err_msg=name)
        np.testing.assert_array_equal(states[name][1].v, states["gdbp"][1].v, err_msg=name)


@pytest.mark.slow
def test_bench_mlp_sizes_prints_ratios_and_gdbps_split():
    """--sizes on a one-size grid: a row with the floor's time, the ratios and gdbp's split (which adds up)."""
    result = subprocess.run(
        [sys.executable, str(BENCH / "bench_mlp.py"), "--sizes", "--inputs", "64", "--hidden", "32",
         "--batches", "16", "--repeats", "1", "--warmup", "1"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("float32 ")]
    assert len(rows) == 1, result.stdout
    dtype, D, H, B, params, floor_us, gdbp_x, torch_x, *split = rows[0]
    assert (D, H, B, params) == ("64", "32", "16", str(64 * 32 + 32 + 32 * 10 + 10))
    assert float(floor_us) > 0 and float(gdbp_x) > 0 and (torch_x == "n/a" or float(torch_x) > 0)
    assert len(split) == 4 and abs(sum(float(part.rstrip("%")) for part in split) - 100) <= 2  # rounding


def test_bench_mlp_split_times_the_step_that_runs():
    """gdbp_split times the Optimizer's own checks and maths, on a real step (nothing skipped)."""
    bench = _load_bench("bench_mlp")
    batches = bench.synthetic_batches(np.float64, 8, 4, num_batches=2)
    split = bench.gdbp_split(np.float64, (8, 5, 10), batches, repeats=1)
    assert set(split) == {"model", "maths", "checks", "other"} and all(v >= 0 for v in split.values())
    assert split["model"] > 0 and split["maths"] > 0 and split["checks"] > 0


def test_bench_engine_floor_computes_what_gdbp_computes():
    """The floor engine and gdbp's give the same loss and the same gradient for every parameter of the
    benchmark's MLP (the same operations in the same order: equal to the last bit), and each timed
    operation runs on both."""
    bench = _load_bench("bench_engine")
    weights = bench.initial_weights()
    X, y = bench.moons(16)
    models = {name: bench.TinyMLP(V, weights) for name, V in bench.ENGINES.items()}
    losses = {name: bench.loss_of(model, X, y) for name, model in models.items()}
    for loss in losses.values():
        loss.backward()
    assert losses["floor"].data == losses["gdbp"].data
    assert [p.grad for p in models["floor"].parameters()] == [p.grad for p in models["gdbp"].parameters()]
    assert any(p.grad != 0 for p in models["gdbp"].parameters())
    for label, setup, op in bench.OPS:
        results = {name: op(*setup(V)) for name, V in bench.ENGINES.items()}
        assert results["floor"].data == results["gdbp"].data, label
        assert bench.time_op(bench.Value, setup, op, number=3) > 0


def test_bench_engine_training_ways_agree():
    bench = _load_bench("bench_engine")
    weights = bench.initial_weights()
    X, y = bench.moons(32)
    batches = bench.batches_of(X, y, 3)
    ways = ["floor", "gdbp", "scalar_nn"]
    seconds, losses = bench.time_training(ways, weights, batches)
    assert losses["floor"] == losses["gdbp"] == losses["scalar_nn"], losses
    assert all(len(seconds[way]) == 3 for way in ways)
    assert set(bench.time_backward(ways, weights, batches[0])) == set(ways)


@pytest.mark.slow
def test_bench_engine_runs():
    result = subprocess.run([sys.executable, str(BENCH / "bench_engine.py"), "--repeats", "1", "--number", "20",
                             "--steps", "2"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    bench = _load_bench("bench_engine")
    for label, _, _ in bench.OPS:
        assert any(line.startswith(label + " ") for line in result.stdout.splitlines()), label
    assert "training step" in result.stdout and "worst operation" in result.stdout


@pytest.mark.slow
def test_bench_grading_runs_on_the_mini_course():
    """Two students, one process: the script grades them and finds its gradebook intact (it raises
    otherwise)."""
    result = subprocess.run(
        [sys.executable, str(BENCH / "bench_grading.py"), "--students", "2", "--jobs", "1", "--course", "mini"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "jobs=1:" in result.stdout and "gradebook intact" in result.stdout, result.stdout

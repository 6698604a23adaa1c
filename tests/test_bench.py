"""The benchmark scripts run, and their ways compute the same thing. Nothing here measures time."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gdbp.optim import adam

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _load_bench_mlp():
    spec = importlib.util.spec_from_file_location("bench_mlp", BENCH / "bench_mlp.py")
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
    bench = _load_bench_mlp()
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
def test_bench_grading_runs_on_the_mini_course():
    """Two students, one process: the script grades them and finds its gradebook intact (it raises
    otherwise)."""
    result = subprocess.run(
        [sys.executable, str(BENCH / "bench_grading.py"), "--students", "2", "--jobs", "1", "--course", "mini"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "jobs=1:" in result.stdout and "gradebook intact" in result.stdout, result.stdout

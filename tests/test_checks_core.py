"""The checker framework itself (gdbp.checks._core): comparisons, time limits, tamper detection, the
public entry points' contract (one short failure, None on success)."""
import traceback

import numpy as np
import pytest

import gdbp.checks
from gdbp.checks import _core
from gdbp.checks._core import CheckFailed, Checker, first_difference, run, time_limit


def test_first_difference_none_when_equal_within_tolerance():
    a = np.array([1.0, 2.0, 3.0])
    assert first_difference(a, a * (1 + 1e-12)) is None


def test_first_difference_reports_first_index_and_values():
    a = np.arange(6.0).reshape(2, 3)
    b = a.copy()
    b[1, 0] += 1e-3
    assert first_difference(a, b) == ((1, 0), 3.0, 3.001)


def test_first_difference_nan_never_matches():
    a = np.array([np.nan, 1.0])
    assert first_difference(a, a.copy())[0] == (0,)


def test_first_difference_ignores_a_monkeypatched_numpy(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "isclose", lambda *a, **k: np.ones(2, bool))
    assert first_difference(np.array([1.0, 2.0]), np.array([1.0, 2.5])) is not None


def test_time_limit_stops_an_infinite_loop():
    with pytest.raises(_core._TimeUp):
        with time_limit(0.2):
            while True:
                pass


def test_checker_names_a_replaced_numpy_function(monkeypatch):
    monkeypatch.setattr(np, "sqrt", lambda x: x)
    with pytest.raises(CheckFailed, match=r"numpy\.sqrt has been replaced"):
        Checker("adam", lambda *a: None)


def test_run_turns_an_internal_error_into_a_clear_failure():
    def body(c):
        raise KeyError("boom")

    with pytest.raises(CheckFailed, match=r"demo: the checker could not evaluate your answer \(KeyError"):
        run("demo", lambda: None, body)


def test_checker_call_reports_in_place_mutation():
    def body(c):
        c.call("case one", np.zeros(3))

    def mutating(x):
        x += 1
        return x

    with pytest.raises(CheckFailed, match=r"case 'case one': your function changed its input x in place"):
        run("demo", mutating, body)


@pytest.mark.parametrize("name", sorted(gdbp.checks.EXERCISES))
def test_entry_point_returns_none_and_fails_shallow(name):
    check = gdbp.checks.EXERCISES[name]

    def not_written(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(CheckFailed) as info:
        check(not_written)
    assert str(info.value).startswith(name), str(info.value)  # the message names the exercise
    frames = traceback.extract_tb(info.value.__traceback__)
    # The test frame and the entry point's wrapper: no checker internals above the message.
    assert len(frames) <= 2, [f.name for f in frames]


def test_entry_point_success_returns_none(capsys):
    from gdbp.optim import sgd

    assert gdbp.checks.check_sgd(sgd) is None
    out = capsys.readouterr()
    assert out.out.strip().startswith("sgd: all") and out.err == ""


# --- agree, messages with enough digits ------------------------------------------------------------------


def test_agree_does_not_let_a_finite_value_match_an_infinity():
    inf = float("inf")
    assert not _core.agree(np.array([1e300]), np.array([inf]))
    assert not _core.agree(np.array([inf]), np.array([1.0]))
    assert not _core.agree(np.array([inf]), np.array([-inf]))
    assert _core.agree(np.array([inf, np.nan, 1.0]), np.array([inf, np.nan, 1.0 + 1e-12]))


def test_close_shows_more_digits_and_the_difference_when_six_digits_look_alike():
    expected = np.array([1.0, 2.0])
    received = expected * (1 + 1e-7)

    def body(c):
        c.close(received, expected, "new_param", case="tiny")

    with pytest.raises(CheckFailed) as info:
        run("demo", lambda: None, body)
    text = str(info.value)
    shown = [line for line in text.splitlines() if line.strip().startswith(("received new_param =", "expected new_param ="))]
    assert len(shown) == 2 and shown[0].split("=", 1)[1] != shown[1].split("=", 1)[1], text
    assert "received - expected = [1e-07, 2e-07]" in text


# --- errors inside the learner's code: the line and a hint that fits ---------------------------------------


def _raise_in(source, name, *args):
    namespace = {}
    filename = "/tmp/ipykernel_4242/123456789.py"  # how IPython names a cell's code
    import linecache

    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)

    def body(c):
        c.require_parameters("param", "grad")
        c.call("first", *args)

    with pytest.raises(CheckFailed) as info:
        run("demo", namespace[name], body, hint="compare your code line by line with the equations")
    return str(info.value)


def test_error_in_learner_code_names_the_line_of_the_cell():
    text = _raise_in("def f(param, grad):\n    m = 2 * param\n    return m[7]\n", "f", np.zeros(3), np.zeros(3))
    assert "your function raised IndexError" in text
    assert "at line 3 of your cell: return m[7]" in text
    assert "index is out of range" in text


def test_name_error_for_np_says_run_the_setup_cell():
    source = "def f(param, grad):\n    return np.sqrt(param)\n"
    namespace = {}
    exec(compile(source, "/tmp/ipykernel_1/2.py", "exec"), namespace)  # no np in the cell's globals

    def body(c):
        c.call("first", np.ones(2), np.ones(2))

    with pytest.raises(CheckFailed) as info:
        run("demo", namespace["f"], body, hint="compare your code line by line with the equations")
    text = str(info.value)
    assert "NameError" in text and "setup cell (or Run > Run All Above)" in text
    assert "compare your code" not in text


def test_argument_type_error_points_at_the_signature():
    def f(param, grad):
        def helper(a):
            return a
        return helper(param, grad)

    def body(c):
        c.require_parameters("param", "grad")
        c.call("first", np.ones(2), np.ones(2))

    with pytest.raises(CheckFailed) as info:
        run("demo", f, body, hint="compare your code line by line with the equations")
    text = str(info.value)
    assert "the checker calls demo(param, grad)" in text
    assert "test_checks_core.py" in text  # the line is in this file, not in gdbp


def test_every_learner_call_goes_through_invoke():
    calls = []

    def f(x):
        calls.append(1)
        return x

    def body(c):
        c.call("one", np.zeros(2))
        assert c.attempt(np.zeros(2)).ok
        failed = c.attempt_thunk(lambda: 1 / 0)
        assert isinstance(failed.error, ZeroDivisionError)
        assert c.learner_calls == 3

    run("demo", f, body)
    assert len(calls) == 2


# --- the diagnosis framework on a toy exercise --------------------------------------------------------------

from gdbp.checks import _diagnosis as dx  # noqa: E402


def _scale_family(s):
    def scale(x, k=2.0):
        y = (x + s["shift"]) * (k if s["uses_k"] else s["k_literal"])
        return -y if s["negated"] else y
    return scale


TOY = dx.Catalogue("scale", _scale_family, base={"shift": 0.0, "uses_k": True, "k_literal": 2.0, "negated": False},
                   changes=(
                       dx.Change("negated", True, "the sign is flipped", hint="no minus."),
                       dx.Change("shift", 1.0, "x shifted by {shift:g}", hint="do not shift x.",
                                 constants={"shift": (1.0, 0.5, 3.0)}),
                       *dx.ignored_keywords({"k": (2.0, 3.0, 10.0)}),
                   ))


def _toy_evidence(fn):
    evidence = dx.Evidence()
    trial = dx.Trial("three points", lambda f: (f(np.array([v]), k=4.0) for v in (1.0, 2.0, -1.0)))
    evidence.add(trial, [np.asarray(fn(np.array([v]), k=4.0)) for v in (1.0, 2.0, -1.0)])
    return evidence


@pytest.mark.parametrize("learner, phrase", [
    (lambda x, k=2.0: -x * k, "classic mistake: the sign is flipped."),
    (lambda x, k=2.0: (x + 3.0) * k, "x shifted by 3"),
    (lambda x, k=2.0: x * 10.0, "ignores k (it uses k = 10.0"),
    (lambda x, k=2.0: -(x + 0.5) * k, "two classic mistakes at once: (1) the sign is flipped; (2) x shifted by 0.5"),
])
def test_explain_names_singles_fitted_constants_and_pairs(learner, phrase):
    found = dx.explain(TOY, _toy_evidence(learner))
    assert found is not None
    assert phrase in "\n".join(found.lines())


def test_explain_says_honestly_when_nothing_fits():
    found = dx.explain(TOY, _toy_evidence(lambda x, k=2.0: x**2))
    lines, hint = dx.report(found, [dx.Finding("your output is not linear in x.", hint="look at the power.")])
    assert found is None
    assert "No catalogued mistake" in lines[0] and "not linear" in lines[-1] and hint == "look at the power."


def test_catalogue_mistakes_are_the_changes_at_catalogued_constants():
    names = [m.name for m in TOY.mistakes()]
    assert names == ["the sign is flipped", "x shifted by 1", "your function ignores k (it uses k = 2.0, whatever value it is passed)"]
    assert TOY.mistakes()[1].fn(np.array([1.0])) == 4.0


@pytest.mark.slow
def test_name_error_after_a_kernel_restart_gets_the_setup_hint_in_a_real_kernel(tmp_path):
    """Issue 10: in a kernel where the setup cell has not run (after a restart), an exercise that uses np
    fails its test cell with the line of the learner's cell and the setup-cell hint, not a generic one."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("def sgd(param, grad, state, lr=0.01):\n    step = lr * np.asarray(grad)\n"
                                  "    return param - step, state"),
        nbformat.v4.new_code_cell("from gdbp.checks import check_sgd\ncheck_sgd(sgd)"),
    ]
    nbclient.NotebookClient(nb, timeout=60, allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for o in nb.cells[1].outputs if o.get("output_type") == "error"]
    assert len(errors) == 1, nb.cells[1].outputs
    message = errors[0]["evalue"]
    assert "your function raised NameError: name 'np' is not defined" in message
    assert "at line 2 of your cell: step = lr * np.asarray(grad)" in message
    assert "Run the notebook's setup cell (or Run > Run All Above) first" in message
    assert "compare your code" not in message


def test_bench_diagnosis_runs_and_prints_one_row_per_exercise(capsys):
    """bench/bench_diagnosis.py (a benchmark: nothing here measures time) runs, and every mutant it times fails."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "bench" / "bench_diagnosis.py"
    spec = importlib.util.spec_from_file_location("bench_diagnosis", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--only", "sgd", "rel_error", "--repeats", "1"]) == 0
    out, err = capsys.readouterr()
    rows = [line.split()[0] for line in out.splitlines()[2:] if line.strip() and not line.startswith("slowest")]
    assert rows == ["sgd", "rel_error"], out
    assert "slowest failing check with diagnosis:" in out
    assert "passed its checker" not in err


def test_a_probe_that_runs_out_of_time_stops_the_other_probes():
    import time as _time

    def body(c):
        c.time_limit = 5.0
        start = _time.perf_counter()
        first = c.attempt_thunk(lambda: _time.sleep(30))
        second = c.attempt_thunk(lambda: 1)
        assert isinstance(first.error, TimeoutError) and isinstance(second.error, TimeoutError)
        assert _time.perf_counter() - start < _core.QUIET_TIME_LIMIT + 1.0

    run("demo", lambda: None, body)

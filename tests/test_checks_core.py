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

"""Tests of the gradient-checking checkers (gdbp.checks.numerical): references and correct variants pass
with one line, every catalogued mistake is rejected and named, bad answers get clear messages."""
import warnings

import numpy as np
import pytest

from gdbp import gradcheck
from gdbp.checks import check_numerical_gradient, check_rel_error
from gdbp.checks.numerical import MISTAKES


def fails(check, fn, *needles, **kwargs):
    with pytest.raises(AssertionError) as info:
        check(fn, **kwargs)
    text = str(info.value)
    for needle in needles:
        assert needle in text, f"{needle!r} not in:\n{text}"
    return text


def _numgrad_nditer(f, x, h=1e-5):
    """CS231n's form: np.nditer over x itself, each entry restored with the saved value (x changes while f
    runs: rejected, see test_numerical_gradient_change_and_restore_is_rejected_when_f_raises)."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
        it.iternext()
    return grad


def _numgrad_flat_copies(f, x, h=1e-5):
    """Copies of x and flat indices; the quotient written as a product."""
    grad = np.empty(x.size)
    for k in range(x.size):
        step = np.zeros(x.size)
        step[k] = h
        step = step.reshape(x.shape)
        grad[k] = (f(x + step) - f(x - step)) * (0.5 / h)
    return grad.reshape(x.shape)


def _numgrad_try_finally(f, x, h=1e-5):
    """A change-and-restore that restores x also when f raises (the caller's x is never left changed)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        try:
            x[i] = old + h
            f_plus = f(x)
            x[i] = old - h
            f_minus = f(x)
        finally:
            x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _rel_error_loop(x, y):
    worst = 0.0
    for a, b in zip(np.ravel(x), np.ravel(y)):
        worst = max(worst, abs(a - b) / max(1e-8, abs(a) + abs(b)))
    return worst


CORRECT = [
    (check_numerical_gradient, gradcheck.numerical_gradient, "numerical_gradient: all 6 cases passed"),
    (check_numerical_gradient, _numgrad_flat_copies, "numerical_gradient: all 6 cases passed"),
    (check_numerical_gradient, _numgrad_try_finally, "numerical_gradient: all 6 cases passed"),
    (check_rel_error, gradcheck.rel_error, "rel_error: all 6 cases passed"),
    (check_rel_error, _rel_error_loop, "rel_error: all 6 cases passed"),
    (check_rel_error, lambda x, y: np.max(np.abs(x - y) / np.clip(np.abs(x) + np.abs(y), 1e-8, None)),
     "rel_error: all 6 cases passed"),
]


@pytest.mark.parametrize("check, fn, line", CORRECT)
def test_checkers_pass_correct_answers_with_one_line(check, fn, line, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check(fn)
    assert capsys.readouterr() == (line + "\n", "")


def _mistake(exercise, start):
    return next(m for m in MISTAKES[exercise] if m.name.startswith(start))


def test_numerical_gradient_rounding_residue_is_explained():
    text = fails(check_numerical_gradient, _mistake("numerical_gradient", "x[i] restored by adding").fn,
                 "changed its input x in place", "is not always x")
    assert "largest change" in text


def test_numerical_gradient_change_and_restore_is_rejected_when_f_raises():
    """Notebook 03: never change x, not even temporarily. CS231n's change-and-restore returns the right
    gradient and a restored x, but leaves x changed when f raises halfway: the last case."""
    text = fails(check_numerical_gradient, _numgrad_nditer, "case 'f raises an error halfway (x must stay unchanged)'",
                 "your function left x changed", "CS231n's change-and-restore", "x_plus = x.copy()")
    assert "at its evaluation number 5" in text


@pytest.mark.parametrize("fn, needles", [
    (lambda f, x, h=1e-5: gradcheck.numerical_gradient(f, x, h=1e-3), ["h too large (0.001 written in the code)"]),
    (lambda f, x, h=1e-5: gradcheck.numerical_gradient(f, x, h=1e-11), ["h too small (1e-11 written in the code)"]),
    (lambda f, x, h=1e-5: gradcheck.numerical_gradient(f, x, h=h, method="forward") / 2,
     ["No catalogued mistake", "on one side of x only"]),
])
def test_numerical_gradient_fitted_h_and_probes(fn, needles):
    fails(check_numerical_gradient, fn, *needles)


def test_numerical_gradient_diagnosis_says_where_f_was_evaluated():
    def shifted_everywhere_and_halved(f, x, h=1e-5):
        x = np.array(x, dtype=float)
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            grad[i] = (f(x + h) - f(x - h)) / (4 * h)
        return grad

    fails(check_numerical_gradient, shifted_everywhere_and_halved, "No catalogued mistake",
          "with several entries of x shifted at once")


def test_rel_error_without_floor_is_named_although_it_returns_nan():
    fails(check_rel_error, MISTAKES["rel_error"][0].fn, "two zeros at the same index", "NaN", "no max(1e-8, ...) floor")


def test_rel_error_plus_floor_is_named_not_confused_with_no_floor():
    text = fails(check_rel_error, MISTAKES["rel_error"][4].fn, "1e-8 added to the denominator")
    assert "0 / 0" not in text


@pytest.mark.parametrize("fn, needles", [
    (lambda f, x, h=1e-4: gradcheck.numerical_gradient(f, x, h), ["your default is h=0.0001, expected h=1e-5"]),
    (lambda f, x, h: gradcheck.numerical_gradient(f, x, h), ["h has no default value"]),
    (lambda f, x, h=1e-5: None, ["grad is None"]),
    (lambda f, x, h=1e-5: list(gradcheck.numerical_gradient(f, x, h)), ["grad is a list"]),
    (lambda f, x, h=1e-5: gradcheck.numerical_gradient(f, x, h).astype(np.float32), ["dtype float32"]),
    (lambda f, x, h=1e-5: gradcheck.numerical_gradient(f, x, h).ravel(), ["has shape (12,), expected shape (3, 4)"]),
    (lambda f, x, h=1e-5: np.full(x.shape, np.nan), ["NaN", "finite"]),
    (lambda f, x, h=1e-5: {}["x"], ["raised KeyError"]),
])
def test_numerical_gradient_bad_answers_get_clear_messages(fn, needles):
    fails(check_numerical_gradient, fn, "numerical_gradient", *needles)


@pytest.mark.parametrize("fn, needles", [
    (lambda x, y: None, ["is None"]),
    (lambda x, y: np.array([0.1]), ["shape (1,)", "single float"]),
    (lambda x, y: "0.1", ["is a str"]),
    (lambda x, y: float("inf"), ["inf"]),
    (lambda x, y: 1 / 0, ["raised ZeroDivisionError"]),
])
def test_rel_error_bad_answers_get_clear_messages(fn, needles):
    fails(check_rel_error, fn, "rel_error", *needles)


def test_rel_error_accepts_numpy_and_zero_d_results(capsys):
    check_rel_error(lambda x, y: np.array(gradcheck.rel_error(x, y)))
    check_rel_error(lambda x, y: np.float64(gradcheck.rel_error(x, y)))
    assert capsys.readouterr().out.count("passed") == 2


def test_numerical_gradient_infinite_loop_is_stopped():
    def forever(f, x, h=1e-5):
        while True:
            pass

    fails(check_numerical_gradient, forever, "did not finish within 0.2 s", time_limit=0.2)


def test_monkeypatched_allclose_does_not_let_a_wrong_answer_pass(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    fails(check_rel_error, MISTAKES["rel_error"][1].fn, "numpy.allclose has been replaced")

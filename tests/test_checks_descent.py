"""Tests of the gradient-descent checker (gdbp.checks.descent)."""
import warnings

import numpy as np
import pytest

from gdbp import descent
from gdbp.checks import check_gradient_descent
from gdbp.checks.descent import MISTAKES


def fails(fn, *needles, **kwargs):
    with pytest.raises(AssertionError) as info:
        check_gradient_descent(fn, **kwargs)
    text = str(info.value)
    for needle in needles:
        assert needle in text, f"{needle!r} not in:\n{text}"
    return text


def _preallocated(grad_fn, x0, lr, num_steps, tol=None):
    trajectory = np.empty((num_steps + 1, len(x0)))
    trajectory[0] = x0
    for t in range(num_steps):
        g = grad_fn(trajectory[t])
        if tol is not None and np.sqrt(np.sum(g * g)) < tol:
            return trajectory[:t + 1].copy()
        trajectory[t + 1] = trajectory[t] - lr * g
        if not np.isfinite(trajectory[t + 1]).all():
            return trajectory[:t + 2].copy()
    return trajectory


def _while_loop(grad_fn, x0, lr, num_steps, tol=None):
    x = np.asarray(x0, dtype=float).copy()
    points, steps = [x.copy()], 0
    while steps < num_steps:
        g = np.asarray(grad_fn(x))
        if tol is not None and np.linalg.norm(g) < tol:
            break
        x = x + (-lr) * g
        points.append(x)
        steps += 1
        if np.isnan(x).any() or np.isinf(x).any():
            break
    return np.vstack(points)


@pytest.mark.parametrize("fn", [descent.gradient_descent, _preallocated, _while_loop])
def test_check_gradient_descent_passes_correct_answers_with_one_line(fn, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_gradient_descent(fn)
    assert capsys.readouterr() == ("gradient_descent: all 6 cases passed\n", "")


def _mistake(start):
    return next(m for m in MISTAKES["gradient_descent"] if m.name.startswith(start))


def test_check_gradient_descent_tol_on_entries_shows_in_the_tol_case():
    fails(_mistake("tol compared with each gradient entry").fn, "stops on tol=0.01",
          "shape (8, 2), expected shape (9, 2)")


def _notebook_solution(grad_fn, x0, lr, num_steps, tol=None):
    """Notebook 01's solution: its stop after a non-finite step is what the diverging case checks."""
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(num_steps):
        grad = grad_fn(x)
        if tol is not None and np.linalg.norm(grad) < tol:
            break
        x = x - lr * grad
        trajectory.append(x)
        if not np.all(np.isfinite(x)):
            break
    return np.array(trajectory)


def test_check_gradient_descent_diverging_case_passes_the_notebook_solution(capsys):
    check_gradient_descent(_notebook_solution)
    assert capsys.readouterr().out == "gradient_descent: all 6 cases passed\n"


def test_check_gradient_descent_diverging_case_exercises_the_stop():
    def no_stop(grad_fn, x0, lr, num_steps, tol=None):
        x, rows = np.array(x0, dtype=float), [np.array(x0, dtype=float)]
        for _ in range(num_steps):
            g = grad_fn(x)
            if tol is not None and np.linalg.norm(g) < tol:
                break
            x = x - lr * g
            rows.append(x)
        return np.array(rows)

    fails(no_stop, "case 'diverges (lr=3): stops after the first non-finite step'", "shape (61, 2), expected shape (27, 2)",
          "no stop after a non-finite step")


def test_check_gradient_descent_names_a_missing_non_finite_row():
    fails(_mistake("the non-finite row is not recorded").fn, "diverges", "the non-finite row is not recorded")


@pytest.mark.parametrize("fn, needles", [
    (lambda grad_fn, x0, lr, num_steps, tol=None: None, ["trajectory is None"]),
    (lambda grad_fn, x0, lr, num_steps, tol=None: [x0], ["trajectory is a list"]),
    (lambda grad_fn, x0, lr, num_steps, tol=None: descent.gradient_descent(grad_fn, x0, lr, num_steps, tol)
     .astype(np.float32), ["dtype float32"]),
    (lambda grad_fn, x0, lr, num_steps, tol=None: descent.gradient_descent(grad_fn, x0, lr, num_steps, tol).T,
     ["shape (2, 11), expected shape (11, 2)", "transposed"]),
    (lambda grad_fn, x0, lr, num_steps, tol=None: np.full((num_steps + 1, 2), np.inf), ["inf"]),
    (lambda grad_fn, x0, lr, num_steps, tol=1e-6: descent.gradient_descent(grad_fn, x0, lr, num_steps, tol),
     ["your default is tol=1e-06, expected tol=None"]),
    (lambda grad_fn, x0, lr, num_steps: descent.gradient_descent(grad_fn, x0, lr, num_steps), ["missing: tol"]),
])
def test_check_gradient_descent_bad_answers_get_clear_messages(fn, needles):
    fails(fn, "gradient_descent", *needles)


def test_check_gradient_descent_reports_a_changed_x0():
    def in_place(grad_fn, x0, lr, num_steps, tol=None):
        x, rows = x0, [x0.copy()]
        for _ in range(num_steps):
            x -= lr * grad_fn(x)
            rows.append(x.copy())
        return np.array(rows)

    fails(in_place, "changed its input x0 in place", "x0.copy()")


def test_check_gradient_descent_stops_an_endless_loop():
    def endless(grad_fn, x0, lr, num_steps, tol=None):
        x = x0
        while tol is None or np.linalg.norm(grad_fn(x)) >= tol:  # never true without tol
            x = x - lr * grad_fn(x)

    fails(endless, "did not finish within 0.3 s", time_limit=0.3)


def test_monkeypatched_allclose_does_not_let_a_wrong_answer_pass(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    fails(MISTAKES["gradient_descent"][0].fn, "numpy.allclose has been replaced")

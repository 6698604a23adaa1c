"""Tests of gdbp.course: the helpers the notebooks share."""
import time

import numpy as np
import pytest

import gdbp.course
import gdbp.data
import gdbp.engine
import gdbp.optim
from gdbp.course import values_along, yours_or_reference
from gdbp.objectives import get_objective


# Learner answers named like the exercise of sgd(param, grad, state, lr=0.01): yours_or_reference finds
# the checker (gdbp.checks.check_sgd) by the function's name.
def sgd_written(param, grad, state=None, lr=0.01):
    return param - lr * grad, state


def sgd_runs_but_wrong(param, grad, state=None, lr=0.01):
    return param + lr * grad, state  # ascends: runs on any input, fails its checker


def sgd_unwritten(param, grad, state=None, lr=0.01):
    raise NotImplementedError()


def sgd_endless(param, grad, state=None, lr=0.01):
    while True:
        pass


def as_exercise(fn, name="sgd"):
    fn.__name__ = fn.__qualname__ = name
    return fn


def test_yours_or_reference_uses_a_correct_answer_and_says_so(capsys):
    sgd = as_exercise(sgd_written)
    assert yours_or_reference(sgd, gdbp.optim.sgd, np.zeros(2), np.ones(2), None) is sgd
    assert capsys.readouterr().out == "using your sgd (it passes its checks)\n"


def test_yours_or_reference_answer_that_runs_but_fails_its_checker_gives_the_reference(capsys):
    sgd = as_exercise(sgd_runs_but_wrong)
    sgd(np.zeros(2), np.ones(2), None)  # the old probe alone would have accepted it
    assert yours_or_reference(sgd, gdbp.optim.sgd, np.zeros(2), np.ones(2), None) is gdbp.optim.sgd
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    assert out.startswith("your sgd does not pass its checks yet (sgd, case "), out
    assert "received" in out and "expected" in out, out
    # the label is where the reference is imported from, not where it is defined (gdbp.optim.sgd.sgd)
    assert out.endswith("): this demonstration uses the reference gdbp.optim.sgd\n"), out


def test_yours_or_reference_not_implemented_gives_the_reference_and_a_note(capsys):
    sgd = as_exercise(sgd_unwritten)
    assert yours_or_reference(sgd, gdbp.optim.sgd, np.zeros(2), np.ones(2), None) is gdbp.optim.sgd
    assert capsys.readouterr().out == "your sgd is not written yet: this demonstration uses the reference gdbp.optim.sgd\n"


def test_yours_or_reference_endless_loop_costs_one_call_time_limit(capsys, monkeypatch):
    monkeypatch.setattr(gdbp.course, "CALL_TIME_LIMIT", 0.3)
    sgd = as_exercise(sgd_endless)
    start = time.perf_counter()
    assert yours_or_reference(sgd, gdbp.optim.sgd, np.zeros(2), np.ones(2), None) is gdbp.optim.sgd
    # the checker stops at the first call that times out: one limit, plus the checker's own milliseconds
    assert time.perf_counter() - start < 3
    assert "did not finish within 0.3 s" in capsys.readouterr().out


def test_yours_or_reference_checks_a_class_with_both_its_checkers(capsys):
    from gdbp.checks._watch import reference_allowed
    with reference_allowed():  # the reference as a learner's class would pass both checkers...
        assert yours_or_reference(gdbp.engine.Value, gdbp.engine.Value) is gdbp.engine.Value
    assert capsys.readouterr().out == "using your Value (it passes its checks)\n"
    # ...but handed in as the learner's own, it is the reference in disguise
    assert yours_or_reference(gdbp.engine.Value, gdbp.engine.Value) is gdbp.engine.Value
    assert "runs the course's reference code" in capsys.readouterr().out

    class Value(gdbp.engine.Value):
        def relu(self):  # forgets the _backward closure: no gradient flows through relu
            return gdbp.engine.Value(self.data if self.data > 0 else 0.0)

    with reference_allowed():
        assert yours_or_reference(Value, gdbp.engine.Value) is gdbp.engine.Value
    out = capsys.readouterr().out
    assert out.startswith("your Value does not pass its checks yet (value_ops, case "), out
    assert "relu" in out, out


def test_yours_or_reference_exercise_names_the_checker(capsys):
    def my_rule(param, grad, state=None, lr=0.01):
        return param - lr * grad, state

    assert yours_or_reference(my_rule, gdbp.optim.sgd, exercise="sgd") is my_rule
    assert capsys.readouterr().out == "using your my_rule (it passes its checks)\n"
    assert yours_or_reference(my_rule, gdbp.optim.adam, exercise="adam") is gdbp.optim.adam
    assert capsys.readouterr().out.startswith("your my_rule does not pass its checks yet (adam")
    with pytest.raises(ValueError, match="exercise: expected the name of an exercise"):
        yours_or_reference(my_rule, gdbp.optim.sgd, exercise="sgdd")


def test_yours_or_reference_is_quiet_about_prints_and_warnings(capsys):
    def sgd(param, grad, state=None, lr=0.01):
        print("debugging print")
        np.log(np.zeros(1))  # RuntimeWarning: divide by zero
        return param - lr * grad, state

    assert yours_or_reference(sgd, gdbp.optim.sgd) is sgd
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("using your sgd (it passes its checks)\n", "")


def test_yours_or_reference_probe_callable_runs_a_generator(capsys):
    def minibatches(X, y, batch_size, seed=None):
        raise NotImplementedError
        yield  # a generator: calling it runs nothing, only iterating does

    fallback = yours_or_reference(minibatches, gdbp.data.batches,
                                  probe=lambda f: list(f(np.zeros((4, 1)), np.zeros(4), 2, seed=0)))
    assert fallback is gdbp.data.batches
    assert capsys.readouterr().out == ("your minibatches is not written yet: "
                                       "this demonstration uses the reference gdbp.data.batches\n")


# Functions no checker judges: the probe call decides, as before checkers were used.
def test_yours_or_reference_without_checker_probe_decides(capsys):
    def double(x):
        return 2 * x

    assert yours_or_reference(double, None, 1.0) is double
    assert capsys.readouterr().out == "using your double (it runs; no checker of gdbp.checks judges it)\n"


def test_yours_or_reference_without_checker_passes_probe_kwargs():
    seen = []

    def fn(param, grad, state, lr=0.1):
        seen.append(lr)
        raise NotImplementedError

    yours_or_reference(fn, gdbp.optim.sgd, np.zeros(2), np.ones(2), None, lr=0.5)
    assert seen == [0.5]


def test_yours_or_reference_without_checker_name_labels_the_reference(capsys):
    def ref(x):
        return 2 * x

    assert yours_or_reference(lambda x: 1 / 0, ref, 1.0, name="my reference") is ref
    assert capsys.readouterr().out == ("your <lambda> raised ZeroDivisionError: division by zero: "
                                       "this demonstration uses the reference my reference\n")


def test_yours_or_reference_probe_and_probe_args_rejected():
    with pytest.raises(TypeError, match="probe"):
        yours_or_reference(sgd_written, gdbp.optim.sgd, np.zeros(2), probe=lambda f: f(np.zeros(2), np.ones(2), None))


def test_values_along_cuts_a_diverged_trajectory():
    bowl = get_objective("bowl")
    trajectory = np.array([[1.0, 2.0], [3.0, -1.0], [np.inf, 0.0]])
    before = trajectory.copy()
    values = values_along(bowl, trajectory)
    np.testing.assert_array_equal(values, bowl.value(trajectory[:2]))
    assert values.shape == (2,)
    np.testing.assert_array_equal(trajectory, before)  # the caller's array is untouched


def test_values_along_rejects_a_single_point():
    with pytest.raises(ValueError, match="trajectory"):
        values_along(get_objective("bowl"), np.zeros(2))


def test_show_source_prints_the_source_or_while_grading_a_note(capsys):
    from gdbp import course
    course.show_source(gdbp.engine.Value.backward)
    assert "def backward(self" in capsys.readouterr().out
    course.GRADING = True
    try:
        course.show_source(gdbp.engine.Value.backward)
    finally:
        course.GRADING = False
    out = capsys.readouterr().out
    assert "def backward" not in out and "not while it is graded" in out

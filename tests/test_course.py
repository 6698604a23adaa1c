"""Tests of gdbp.course: the helpers the notebooks share."""
import numpy as np
import pytest

import gdbp.data
import gdbp.optim
from gdbp.course import values_along, yours_or_reference
from gdbp.objectives import get_objective


def written(param, grad, state, lr=0.1):
    return param - lr * grad, state


def unwritten(param, grad, state, lr=0.1):
    raise NotImplementedError("write me")


def buggy(param, grad, state, lr=0.1):
    return param @ np.ones((3, 3)), state  # a shape bug: (2,) @ (3, 3)


def test_yours_or_reference_returns_a_written_fn_silently(capsys):
    assert yours_or_reference(written, gdbp.optim.sgd, np.zeros(2), np.ones(2), None) is written
    assert capsys.readouterr().out == ""


def test_yours_or_reference_not_implemented_gives_the_reference_and_a_note(capsys):
    rule = yours_or_reference(unwritten, gdbp.optim.sgd, np.zeros(2), np.ones(2), None)
    assert rule is gdbp.optim.sgd
    # the label is where the reference is imported from, not where it is defined (gdbp.optim.sgd.sgd)
    assert capsys.readouterr().out == "your unwritten is not written yet: showing the reference gdbp.optim.sgd\n"


def test_yours_or_reference_other_exception_gives_the_reference_and_names_it(capsys):
    rule = yours_or_reference(buggy, gdbp.optim.sgd, np.zeros(2), np.ones(2), None)
    assert rule is gdbp.optim.sgd
    out = capsys.readouterr().out
    assert out.startswith("your buggy raised ValueError: ") and "matmul" in out, out
    assert out.endswith(": showing the reference gdbp.optim.sgd\n"), out


def test_yours_or_reference_passes_probe_kwargs():
    seen = []

    def fn(param, grad, state, lr=0.1):
        seen.append(lr)
        raise NotImplementedError

    yours_or_reference(fn, gdbp.optim.sgd, np.zeros(2), np.ones(2), None, lr=0.5)
    assert seen == [0.5]


def test_yours_or_reference_probe_callable_runs_a_generator(capsys):
    def minibatches(X, y, batch_size, seed=None):
        raise NotImplementedError
        yield  # a generator: calling it runs nothing, only iterating does

    fallback = yours_or_reference(minibatches, gdbp.data.batches,
                                  probe=lambda f: list(f(np.zeros((4, 1)), np.zeros(4), 2, seed=0)))
    assert fallback is gdbp.data.batches
    assert capsys.readouterr().out.endswith("showing the reference gdbp.data.batches\n")


def test_yours_or_reference_name_labels_the_reference(capsys):
    def ref(x):
        return 2 * x

    assert yours_or_reference(lambda x: 1 / 0, ref, 1.0, name="my reference") is ref
    assert capsys.readouterr().out == ("your <lambda> raised ZeroDivisionError: division by zero: "
                                       "showing the reference my reference\n")


def test_yours_or_reference_probe_and_probe_args_rejected():
    with pytest.raises(TypeError, match="probe"):
        yours_or_reference(written, gdbp.optim.sgd, np.zeros(2), probe=lambda f: f(np.zeros(2), np.ones(2), None))


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

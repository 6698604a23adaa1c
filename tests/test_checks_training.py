"""Tests of the training-step checker (gdbp.checks.training)."""
import warnings

import numpy as np
import pytest

from gdbp import train
from gdbp.checks import check_train_step
from gdbp.checks.training import MISTAKES


def fails(fn, *needles, **kwargs):
    with pytest.raises(AssertionError) as info:
        check_train_step(fn, **kwargs)
    text = str(info.value)
    for needle in needles:
        assert needle in text, f"{needle!r} not in:\n{text}"
    return text


def _unpacking(model, optimizer, X_batch, y_batch):
    result = model.loss(X_batch, y_batch)
    optimizer.step(result[1])
    return float(result[0])


def _keywords_and_copy(model, optimizer, X_batch, y_batch):
    loss, grads = model.loss(X=X_batch, y=y_batch)
    optimizer.step(dict(grads))  # a new dict holding the same arrays
    return loss  # a numpy float is a float


@pytest.mark.parametrize("fn", [train.train_step, _unpacking, _keywords_and_copy])
def test_check_train_step_passes_correct_answers_with_one_line(fn, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_train_step(fn)
    assert capsys.readouterr() == ("train_step: all 2 cases passed\n", "")


@pytest.mark.parametrize("fn, needles", [
    (lambda model, optimizer, X_batch, y_batch: 1 / 0, ["raised ZeroDivisionError"]),
    (lambda model, optimizer, X_batch, y_batch: model.loss(X_batch[:2], y_batch[:2]) and None,
     ["called with other arrays than X_batch and y_batch"]),
    (lambda model, optimizer, X_batch, y_batch: (optimizer.step(model.loss(X_batch, y_batch)[1]), "0.5")[1],
     ["received a str, expected the loss (a float)"]),
    (lambda model, optimizer, X_batch, y_batch: np.array(train.train_step(model, optimizer, X_batch, y_batch)),
     ["numpy array of shape ()", "float(loss)"]),
    (lambda model, optimizer, X_batch, y_batch: 0.0, ["model.loss was never called"]),
    (lambda model, optimizer: None, ["missing: X_batch, y_batch"]),
])
def test_check_train_step_bad_answers_get_clear_messages(fn, needles):
    fails(fn, "train_step", *needles)


def test_check_train_step_stops_an_infinite_loop():
    def forever(model, optimizer, X_batch, y_batch):
        while True:
            pass

    fails(forever, "did not finish within 0.2 s", time_limit=0.2)


def test_monkeypatched_allclose_does_not_let_a_wrong_answer_pass(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    fails(MISTAKES["train_step"][0].fn, "numpy.allclose has been replaced")


def test_check_train_step_names_an_update_before_the_forward_pass():
    def step_first(model, optimizer, X_batch, y_batch):
        optimizer.step(model.grads)
        return float(model.loss(X_batch, y_batch)[0])

    fails(step_first, "optimizer.step was called before model.loss", "grads of the previous batch")


def test_check_train_step_names_two_mistakes_of_one_call_at_once():
    def no_step_pair(model, optimizer, X_batch, y_batch):
        loss, grads = model.loss(X_batch, y_batch)
        return loss, grads

    fails(no_step_pair, "optimizer.step was never called", "two classic mistakes at once",
          "(1) optimizer.step(grads) is never called", "(2) returns (loss, grads)")


def test_check_train_step_second_batch_shows_stale_grads():
    # the first call looks right; the second one passes the grads of the first batch
    cache = {}

    def stale(model, optimizer, X_batch, y_batch):
        loss, grads = model.loss(X_batch, y_batch)
        optimizer.step(cache.setdefault("grads", grads))
        return float(loss)

    fails(stale, "for a second batch, optimizer.step received the grads of the previous batch")


def test_check_train_step_does_not_call_more_than_it_needs():
    calls = []

    def counted(model, optimizer, X_batch, y_batch):
        calls.append(1)
        return train.train_step(model, optimizer, X_batch, y_batch)

    check_train_step(counted)
    assert len(calls) == 5  # two recorded calls, three steps of the MLP

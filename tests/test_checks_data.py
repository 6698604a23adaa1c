"""Tests of the mini-batch checker (gdbp.checks.data): the reference, a generator and a list pass; every
catalogued mistake is rejected and named by the property it breaks; bad answers get clear messages."""
import warnings

import numpy as np
import pytest

from gdbp.checks import check_minibatches
from gdbp.checks.data import MISTAKES
from gdbp.data import batches


def fails(fn, *needles, **kwargs):
    with pytest.raises(AssertionError) as info:
        check_minibatches(fn, **kwargs)
    text = str(info.value)
    for needle in needles:
        assert needle in text, f"{needle!r} not in:\n{text}"
    return text


def _reference(X, y, batch_size, seed=None):
    return batches(X, y, batch_size, seed=seed)


def _generator(X, y, batch_size, seed=None):
    rng = np.random.default_rng(seed)
    idx = np.arange(len(X))
    rng.shuffle(idx)  # shuffles a new index array, not X
    start = 0
    while start < len(X):
        chosen = idx[start:start + batch_size]
        yield np.take(X, chosen, axis=0), np.take(y, chosen)
        start += batch_size


def _list_of_pairs(X, y, batch_size, seed=None):
    order = np.random.RandomState(seed).permutation(len(X))
    n_batches = int(np.ceil(len(X) / batch_size))
    return [(X[order[k * batch_size:(k + 1) * batch_size]], y[order[k * batch_size:(k + 1) * batch_size]])
            for k in range(n_batches)]


@pytest.mark.parametrize("fn", [_reference, _generator, _list_of_pairs])
def test_check_minibatches_passes_correct_answers_with_one_line(fn, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_minibatches(fn)
    assert capsys.readouterr() == ("minibatches: all 8 cases passed\n", "")


@pytest.mark.parametrize("fn, needles", [
    (lambda X, y, batch_size, seed=None: None, ["received None", "yield"]),
    (lambda X, y, batch_size, seed=None: 3, ["received the scalar 3"]),
    (lambda X, y, batch_size, seed=None: X, ["numpy array of shape (23, 3)", "expected an iterator"]),
    (lambda X, y, batch_size, seed=None: [X[:5]], ["batch 0", "expected a pair"]),
    (lambda X, y, batch_size, seed=None: [(X[:5].tolist(), y[:5])], ["X_batch is a list"]),
    (lambda X, y, batch_size, seed=None: iter(lambda: (X[:1], y[:1]), None), ["more than 24 batches"]),
    (lambda X, y, batch_size: batches(X, y, batch_size), ["missing: seed"]),
    (lambda X, y, batch_size, seed=None: [(X[:2] + 0.5, y[:2])], ["is not a row of X"]),
    (lambda X, y, batch_size, seed=None: [(X, y[:3])], ["y_batch has shape (3,), expected (23,)"]),
])
def test_check_minibatches_bad_answers_get_clear_messages(fn, needles):
    fails(fn, "minibatches", *needles)


def test_check_minibatches_stops_a_generator_that_hangs():
    def hangs(X, y, batch_size, seed=None):
        yield X[:batch_size], y[:batch_size]
        while True:
            pass

    fails(hangs, "iterating over your batches did not finish within 0.2 s", time_limit=0.2)


def test_check_minibatches_generator_raising_midway_is_reported():
    def raises(X, y, batch_size, seed=None):
        yield X[:batch_size], y[:batch_size]
        raise IndexError("index 23 is out of bounds")

    fails(raises, "raised IndexError: index 23 is out of bounds")


def test_monkeypatched_allclose_does_not_let_a_wrong_answer_pass(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    fails(MISTAKES["minibatches"][0].fn, "numpy.allclose has been replaced")


def test_check_minibatches_surveys_only_after_a_failure():
    # a passing answer is called once per case (4 + shuffled + same seed + other seed + 3 times seed=None)
    calls = []

    def counted(X, y, batch_size, seed=None):
        calls.append(seed)
        return batches(X, y, batch_size, seed=seed)

    check_minibatches(counted)
    assert len(calls) == 10


def test_check_minibatches_names_the_more_specific_seed_mistake():
    def zero_is_falsy(X, y, batch_size, seed=None):
        rng = np.random.default_rng(seed) if seed else np.random.default_rng()
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            yield X[order[start:start + batch_size]], y[order[start:start + batch_size]]

    text = fails(zero_is_falsy, "the same seed twice gives the same order", "`if seed:` is False for 0")
    assert "the seed argument is ignored" not in text


def test_check_minibatches_names_two_properties_at_once():
    def no_shuffle_no_tail(X, y, batch_size, seed=None):
        for i in range(len(X) // batch_size):
            yield X[i * batch_size:(i + 1) * batch_size], y[i * batch_size:(i + 1) * batch_size]

    fails(no_shuffle_no_tail, "two classic mistakes at once", "(1) the last partial batch is dropped",
          "(2) no shuffling")

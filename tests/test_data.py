"""Tests of gdbp.data: mini-batches, synthetic sets, the digits, splitting and standardising."""
import socket

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdbp.data import (
    batches,
    load_digits,
    make_linear_regression,
    make_moons,
    make_spirals,
    make_xor,
    standardize,
    train_test_split,
)
from strategies import seeds


def _indexed(N, row_shape=(3,)):
    """X whose first entry of row i is i, and y = i (so a batch tells which samples it holds)."""
    X = np.zeros((N, *row_shape))
    X.reshape(N, -1)[:, 0] = np.arange(N)
    return X, np.arange(N)


# ---------------------------------------------------------------- batches

@given(N=st.integers(1, 60), batch_size=st.integers(1, 70), seed=seeds)
@settings(max_examples=60, deadline=None)
def test_batches_cover_every_sample_exactly_once_with_shared_permutation(N, batch_size, seed):
    X, y = _indexed(N)
    seen = []
    for X_batch, y_batch in batches(X, y, batch_size, seed=seed):
        np.testing.assert_array_equal(X_batch[:, 0], y_batch)  # X and y moved by the same permutation
        seen.extend(y_batch.tolist())
    assert sorted(seen) == list(range(N))


@pytest.mark.parametrize("N, batch_size, sizes", [(10, 3, [3, 3, 3, 1]), (9, 3, [3, 3, 3]),
                                                  (2, 5, [2]), (5, 1, [1] * 5)])
def test_batches_keep_last_partial_batch(N, batch_size, sizes):
    X, y = _indexed(N)
    assert [len(y_batch) for _, y_batch in batches(X, y, batch_size, seed=0)] == sizes


def test_batches_shuffle_false_keeps_order():
    X, y = _indexed(7)
    got = np.concatenate([y_batch for _, y_batch in batches(X, y, 3, shuffle=False)])
    np.testing.assert_array_equal(got, np.arange(7))


def test_batches_shuffle_changes_order():
    X, y = _indexed(50)
    got = np.concatenate([y_batch for _, y_batch in batches(X, y, 10, seed=0)])
    assert not np.array_equal(got, np.arange(50))


def test_batches_same_seed_same_batches_other_seed_other_order():
    X, y = _indexed(40)
    first = [y_batch.tolist() for _, y_batch in batches(X, y, 8, seed=3)]
    again = [y_batch.tolist() for _, y_batch in batches(X, y, 8, seed=3)]
    other = [y_batch.tolist() for _, y_batch in batches(X, y, 8, seed=4)]
    assert first == again
    assert first != other


def test_batches_generator_seed_gives_new_order_each_epoch():
    X, y = _indexed(40)
    rng = np.random.default_rng(0)
    epoch1 = [y_batch.tolist() for _, y_batch in batches(X, y, 8, seed=rng)]
    epoch2 = [y_batch.tolist() for _, y_batch in batches(X, y, 8, seed=rng)]
    assert epoch1 != epoch2


@pytest.mark.parametrize("row_shape, y_shape", [((8, 8), (11,)), ((), (11,)), ((4,), (11, 3))])
def test_batches_any_X_shape_and_2d_y(row_shape, y_shape):
    X = np.random.default_rng(0).standard_normal((11, *row_shape))
    y = np.random.default_rng(1).standard_normal(y_shape)
    got = list(batches(X, y, 4, seed=0))
    assert [X_batch.shape for X_batch, _ in got] == [(4, *row_shape), (4, *row_shape), (3, *row_shape)]
    assert [y_batch.shape for _, y_batch in got] == [(4, *y_shape[1:]), (4, *y_shape[1:]), (3, *y_shape[1:])]
    np.testing.assert_array_equal(np.sort(np.concatenate([X_b.ravel() for X_b, _ in got])), np.sort(X.ravel()))


@pytest.mark.parametrize("shuffle", [True, False])
def test_batches_do_not_mutate_and_return_copies(shuffle):
    X, y = _indexed(9)
    X_before, y_before = X.copy(), y.copy()
    for X_batch, y_batch in batches(X, y, 4, shuffle=shuffle, seed=0):
        X_batch[...] = -1.0  # a consumer writing into its batch must not reach the caller's data
        y_batch[...] = -1
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_batches_accept_lists():
    got = list(batches([[0.0], [1.0], [2.0]], [0, 1, 2], 2, shuffle=False))
    assert [y_batch.tolist() for _, y_batch in got] == [[0, 1], [2]]


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(X=np.zeros((5, 2)), y=np.zeros(4), batch_size=2), ValueError, ["same number of samples", "(5, 2)", "(4,)"]),
    (dict(X=np.zeros((5, 2)), y=np.zeros((5, 1, 1)), batch_size=2), ValueError, ["y", "(N,) or (N, k)"]),
    (dict(X=np.zeros((5, 2)), y=np.zeros(5), batch_size=0), ValueError, ["batch_size", ">= 1", "0"]),
    (dict(X=np.zeros((5, 2)), y=np.zeros(5), batch_size=-3), ValueError, ["batch_size", "-3"]),
    (dict(X=np.zeros((5, 2)), y=np.zeros(5), batch_size=2.5), TypeError, ["batch_size", "2.5"]),
    (dict(X=np.zeros((5, 2)), y=np.zeros(5), batch_size=True), TypeError, ["batch_size"]),
])
def test_batches_bad_input_raises_at_call_naming_argument(kwargs, error, words):
    with pytest.raises(error) as info:
        batches(**kwargs)  # raised at the call, before any iteration
    for word in words:
        assert word in str(info.value)


# ---------------------------------------------------------------- synthetic sets

CLASSIFICATION_SETS = [
    ("moons", lambda seed: make_moons(n=101, noise=0.1, seed=seed), 2),
    ("spirals", lambda seed: make_spirals(n=101, n_classes=3, noise=0.2, seed=seed), 3),
    ("spirals5", lambda seed: make_spirals(n=101, n_classes=5, noise=0.2, seed=seed), 5),
    ("xor", lambda seed: make_xor(n=101, noise=0.1, seed=seed), 2),
]


@pytest.mark.parametrize("name, make, n_classes", CLASSIFICATION_SETS, ids=[s[0] for s in CLASSIFICATION_SETS])
def test_synthetic_classification_shapes_dtypes_labels(name, make, n_classes):
    X, y = make(0)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=n_classes)
    assert len(counts) == n_classes
    assert counts.max() - counts.min() <= 1 + (name == "xor")  # even split (xor: 4 blobs, 2 per class)
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name, make, n_classes", CLASSIFICATION_SETS, ids=[s[0] for s in CLASSIFICATION_SETS])
def test_synthetic_classification_deterministic_under_seed(name, make, n_classes):
    X1, y1 = make(7)
    X2, y2 = make(7)
    X3, _ = make(8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name, make, n_classes", CLASSIFICATION_SETS, ids=[s[0] for s in CLASSIFICATION_SETS])
def test_synthetic_classification_labels_shuffled(name, make, n_classes):
    _, y = make(0)
    assert np.any(np.diff(y) < 0)  # not sorted by class, so a plain split or batch mixes classes


def test_make_moons_noiseless_points_on_half_circles():
    X, y = make_moons(n=50, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-12)  # (cos t, sin t)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert np.all(upper[:, 1] >= -1e-12) and np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_make_spirals_inside_unit_disc_with_radius_spread():
    X, y = make_spirals(n=300, n_classes=3, noise=0.2, seed=0)
    radius = np.hypot(*X.T)
    assert radius.max() <= 1.0 + 1e-12
    for k in range(3):
        assert radius[y == k].min() == pytest.approx(0.0, abs=1e-12)
        assert radius[y == k].max() == pytest.approx(1.0)


def test_make_xor_labels_follow_quadrants_without_noise():
    X, y = make_xor(n=40, noise=0.0, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    X, y = make_xor(n=400, noise=0.1, seed=0)
    agree = np.mean(y == (X[:, 0] * X[:, 1] < 0))
    assert agree > 0.99  # blobs of std 0.1 around (+-1, +-1): a point crosses an axis with p ~ 1e-23


def test_make_linear_regression_shapes_and_exact_without_noise():
    X, y, w_true, b_true = make_linear_regression(n_samples=30, n_features=4, noise=0.0, seed=1)
    assert X.shape == (30, 4) and y.shape == (30,) and w_true.shape == (4,) and isinstance(b_true, float)
    assert X.dtype == y.dtype == w_true.dtype == np.float64
    np.testing.assert_allclose(y, X @ w_true + b_true, rtol=0, atol=1e-12)


def test_make_linear_regression_noise_level_and_least_squares_recovery():
    X, y, w_true, b_true = make_linear_regression(n_samples=5000, n_features=3, noise=0.5, seed=2)
    residual = y - (X @ w_true + b_true)
    assert residual.std() == pytest.approx(0.5, rel=0.05)  # 5000 draws: std of the estimate ~1%
    A = np.column_stack([X, np.ones(len(X))])
    solution = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(solution, [*w_true, b_true], atol=0.05)  # standard error ~0.5/sqrt(5000)


def test_make_linear_regression_deterministic_under_seed():
    a = make_linear_regression(20, 2, 0.1, seed=5)
    b = make_linear_regression(20, 2, 0.1, seed=5)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("call, error, word", [
    (lambda: make_moons(n=0), ValueError, "n"),
    (lambda: make_moons(n=10, noise=-1.0), ValueError, "noise"),
    (lambda: make_xor(n=10, noise=float("nan")), ValueError, "noise"),
    (lambda: make_spirals(n=10, n_classes=1), ValueError, "n_classes"),
    (lambda: make_spirals(n=2, n_classes=3), ValueError, "n must"),
    (lambda: make_linear_regression(n_samples=10.0), TypeError, "n_samples"),
    (lambda: make_linear_regression(n_features=0), ValueError, "n_features"),
])
def test_synthetic_bad_input_raises_naming_argument(call, error, word):
    with pytest.raises(error, match=word):
        call()


# ---------------------------------------------------------------- digits

def test_load_digits_shape_range_dtype():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    X_raw, y_raw = load_digits(scale=False)
    np.testing.assert_array_equal(X_raw, np.round(X_raw))  # integer counts 0..16
    assert X_raw.min() == 0 and X_raw.max() == 16
    np.testing.assert_array_equal(X, X_raw / 16)
    np.testing.assert_array_equal(y, y_raw)


def test_load_digits_class_counts():
    _, y = load_digits()
    # The UCI optdigits test set: these counts identify the file (and catch a truncated copy).
    np.testing.assert_array_equal(np.bincount(y), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])


def test_load_digits_first_image_is_a_zero():
    X, y = load_digits(scale=False)
    assert y[0] == 0
    np.testing.assert_array_equal(X[0].reshape(8, 8)[0], [0, 0, 5, 13, 9, 1, 0, 0])


def test_load_digits_returns_fresh_arrays():
    X1, _ = load_digits()
    X1[:] = -1
    X2, _ = load_digits()
    assert X2.min() == 0.0


def test_load_digits_needs_no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("load_digits tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    X, _ = load_digits()
    assert X.shape == (1797, 64)


def test_load_digits_attribution_ships_with_package():
    from importlib import resources

    text = resources.files("gdbp.data").joinpath("DIGITS.md").read_text()
    for fact in ["Alpaydin", "Kaynak", "10.24432/C50P49", "CC BY 4.0"]:
        assert fact in text


# ---------------------------------------------------------------- train_test_split, standardize

def test_train_test_split_partitions_samples():
    X, y = _indexed(50)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2, seed=0)
    assert len(y_test) == 10 and len(y_train) == 40
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(50))
    np.testing.assert_array_equal(X_train[:, 0], y_train)
    np.testing.assert_array_equal(X_test[:, 0], y_test)


def test_train_test_split_deterministic_and_no_mutation():
    X, y = _indexed(30)
    X_before = X.copy()
    a = train_test_split(X, y, 0.3, seed=1)
    b = train_test_split(X, y, 0.3, seed=1)
    c = train_test_split(X, y, 0.3, seed=2)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[3], c[3])
    np.testing.assert_array_equal(X, X_before)


def test_train_test_split_stratify_keeps_class_proportions():
    _, y = load_digits()
    X = np.arange(len(y))[:, None]
    _, _, _, y_test = train_test_split(X, y, test_fraction=0.2, seed=0, stratify=True)
    expected = np.round(0.2 * np.bincount(y))
    np.testing.assert_array_equal(np.bincount(y_test), expected)


@pytest.mark.parametrize("kwargs, error, word", [
    (dict(test_fraction=0.0), ValueError, "test_fraction"),
    (dict(test_fraction=1.0), ValueError, "test_fraction"),
    (dict(test_fraction="0.2"), TypeError, "test_fraction"),
])
def test_train_test_split_bad_input_raises(kwargs, error, word):
    X, y = _indexed(10)
    with pytest.raises(error, match=word):
        train_test_split(X, y, **kwargs)


def test_standardize_zero_mean_unit_std_and_reuse_on_test():
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(200, 4))
    X[:, 2] = 5.0  # a constant feature must not divide by zero
    X_before = X.copy()
    X_std, mean, std = standardize(X)
    np.testing.assert_allclose(X_std.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X_std[:, [0, 1, 3]].std(axis=0), 1.0, rtol=1e-12)
    assert std[2] == 1.0 and np.all(X_std[:, 2] == 0.0)
    np.testing.assert_array_equal(X, X_before)
    X_test = rng.normal(3.0, 2.0, size=(5, 4))
    X_test_std, _, _ = standardize(X_test, mean, std)
    np.testing.assert_allclose(X_test_std, (X_test - mean) / std)


def test_standardize_bad_input_raises():
    with pytest.raises(ValueError, match="mean and std"):
        standardize(np.zeros((3, 2)), mean=np.zeros(2))
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        standardize(np.zeros((3, 2)), mean=np.zeros(3), std=np.ones(3))

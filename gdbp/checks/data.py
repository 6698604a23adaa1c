"""Checker of the mini-batch iterator exercise (notebook 04) and its catalogue of classic mistakes.

The learner writes ``minibatches(X, y, batch_size, seed=None)`` yielding ``(X_batch, y_batch)`` pairs (a
generator; a function returning a list of pairs is accepted too): one permutation for X and y, every
sample exactly once, the last partial batch kept. The reference is ``gdbp.data.batches``.

The learner may draw the permutation however they like, so the checker does not compare orders with the
reference; it checks properties instead, on data whose rows carry their own index (``X[i, 0] == i`` and
``y[i] == 100 + i``), so that every batch says which samples it holds::

    callable -> accepts (X, y, batch_size, seed) -> returns an iterable of 2-tuples of arrays
    -> shapes (B, D) and (B,), B == batch_size except a smaller last batch -> each X row still with its y
    -> every sample exactly once (nothing dropped, nothing twice, no empty batch) -> rows are the original
    rows -> X and y unchanged -> shuffled (not the original order) -> the same seed gives the same order,
    another seed another order, and seed=None a new order on every call (every epoch)

Each classic mistake is named by the property it breaks (the order is random, so values cannot be matched).
After the first failure a survey runs the function a few more times, quietly (other seeds, another batch
size, the same seed twice, seed=None three times, N divisible by the batch size) and lists every catalogued
property it breaks: the message names the most specific one for the failing check (``if seed:`` rather than
"the seed is ignored" when seed=1 does repeat; the last batch cut from the unshuffled arrays, or each batch
drawn on its own, rather than "with replacement"), and a second one when there are two at once (no shuffle
and the last batch dropped). Messages show counts, not the learner's random sample ids, so that an answer
that draws unseeded orders still gets the same message on every run.
"""

from __future__ import annotations

import numpy as np

from gdbp.checks._core import entry_point
from gdbp.checks._core import Checker, Mistake, describe, run
from gdbp.checks._results import Inputs, fail_named, guarded

__all__ = ["MISTAKES", "check_minibatches"]

# =========================================================================================================
# The catalogue of classic mistakes (complete wrong implementations, "# MISTAKE" marks the change).
# =========================================================================================================


def _two_permutations(X, y, batch_size, seed=None):
    rng = np.random.default_rng(seed)
    X_order = rng.permutation(len(X))
    y_order = rng.permutation(len(y))  # MISTAKE: a second permutation for y: pairs are broken
    for start in range(0, len(X), batch_size):
        yield X[X_order[start:start + batch_size]], y[y_order[start:start + batch_size]]


def _drops_last(X, y, batch_size, seed=None):
    order = np.random.default_rng(seed).permutation(len(X))
    for k in range(len(X) // batch_size):  # MISTAKE: the last partial batch is dropped
        idx = order[k * batch_size:(k + 1) * batch_size]
        yield X[idx], y[idx]


def _no_shuffle(X, y, batch_size, seed=None):
    for start in range(0, len(X), batch_size):  # MISTAKE: no permutation: the same order every time
        yield X[start:start + batch_size], y[start:start + batch_size]


def _fixed_seed(X, y, batch_size, seed=None):
    rng = np.random.default_rng(0 if seed is None else seed)  # MISTAKE: seed=None becomes a fixed seed
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def _seed_ignored(X, y, batch_size, seed=None):
    order = np.random.default_rng().permutation(len(X))  # MISTAKE: the seed argument is not used
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def _with_replacement(X, y, batch_size, seed=None):
    rng = np.random.default_rng(seed)
    for start in range(0, len(X), batch_size):
        idx = rng.integers(0, len(X), size=min(batch_size, len(X) - start))  # MISTAKE: drawn with replacement
        yield X[idx], y[idx]


def _empty_last_batch(X, y, batch_size, seed=None):
    order = np.random.default_rng(seed).permutation(len(X))
    for k in range(len(X) // batch_size + 1):  # MISTAKE: one batch too many when batch_size divides N
        idx = order[k * batch_size:(k + 1) * batch_size]
        yield X[idx], y[idx]


def _shuffles_in_place(X, y, batch_size, seed=None):
    np.random.default_rng(seed).shuffle(X)  # MISTAKE: shuffles the caller's arrays in place
    np.random.default_rng(seed).shuffle(y)  # (the same seed twice keeps the pairs, but X and y are changed)
    for start in range(0, len(X), batch_size):
        yield X[start:start + batch_size].copy(), y[start:start + batch_size].copy()


def _last_from_unshuffled(X, y, batch_size, seed=None):
    order = np.random.default_rng(seed).permutation(len(X))
    full = len(X) // batch_size
    for k in range(full):
        idx = order[k * batch_size:(k + 1) * batch_size]
        yield X[idx], y[idx]
    if len(X) % batch_size:
        yield X[full * batch_size:], y[full * batch_size:]  # MISTAKE: the last batch cut from the UNSHUFFLED arrays


def _drawn_separately(X, y, batch_size, seed=None):
    rng = np.random.default_rng(seed)
    for start in range(0, len(X), batch_size):
        idx = rng.choice(len(X), size=min(batch_size, len(X) - start), replace=False)  # MISTAKE: each batch drawn
        yield X[idx], y[idx]  # on its own: no repeat inside a batch, but repeats across batches


def _seed_zero_is_none(X, y, batch_size, seed=None):
    rng = np.random.default_rng(seed) if seed else np.random.default_rng()  # MISTAKE: `if seed:` is False for 0
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def _fixed_batch_size(X, y, batch_size, seed=None):
    order = np.random.default_rng(seed).permutation(len(X))
    for start in range(0, len(X), 4):  # MISTAKE: a batch size written in the code: the argument is not used
        idx = order[start:start + 4]
        yield X[idx], y[idx]


def _returns_indices(X, y, batch_size, seed=None):
    order = np.random.default_rng(seed).permutation(len(X))
    for start in range(0, len(X), batch_size):
        yield order[start:start + batch_size]  # MISTAKE: yields the indices, not (X_batch, y_batch)


_M = {m.fn: m for m in [
    Mistake("X and y shuffled with different permutations (the pairs are broken)", _two_permutations,
            "draw ONE permutation idx = rng.permutation(N) and index both arrays with it: X[idx], y[idx]."),
    Mistake("the last partial batch is dropped", _drops_last,
            "loop with for start in range(0, N, batch_size): the last slice holds the N % batch_size leftovers."),
    Mistake("no shuffling: the batches follow the original order", _no_shuffle,
            "permute first: idx = np.random.default_rng(seed).permutation(N), then slice idx."),
    Mistake("the same order on every call (every epoch) when seed=None: a fixed seed is used", _fixed_seed,
            "pass seed itself to np.random.default_rng(seed): None then draws fresh entropy on each call."),
    Mistake("the seed argument is ignored: the same seed gives different orders", _seed_ignored,
            "create the generator from the argument: rng = np.random.default_rng(seed)."),
    Mistake("indices drawn with replacement (some samples twice, others never)", _with_replacement,
            "use a permutation (rng.permutation(N)), which holds every index exactly once."),
    Mistake("an empty batch at the end when batch_size divides N", _empty_last_batch,
            "loop with for start in range(0, N, batch_size): it stops before an empty slice."),
    Mistake("X and y are shuffled in place (the caller's arrays are changed)", _shuffles_in_place,
            "index with a permutation (X[idx] makes a copy) instead of rng.shuffle(X), which changes X."),
    Mistake("yields the indices of a batch instead of the pair (X_batch, y_batch)", _returns_indices,
            "yield X[idx], y[idx]."),
    Mistake("the last partial batch is cut from the unshuffled X and y (its samples come twice or never)",
            _last_from_unshuffled,
            "slice the last batch from the permuted order too: idx = order[start:start + batch_size]."),
    Mistake("each batch drawn on its own (rng.choice(N, B, replace=False) per batch): no repeat inside a batch, "
            "but samples repeat across batches and others are never seen", _drawn_separately,
            "draw one permutation of range(N) per epoch and slice it into consecutive batches."),
    Mistake("seed=0 is treated as no seed (`if seed:` is False for 0)", _seed_zero_is_none,
            "test `if seed is not None`, or simply pass seed to np.random.default_rng(seed), which accepts None."),
    Mistake("your function ignores batch_size (it uses batches of a size written in the code)", _fixed_batch_size,
            "slice with the argument: for start in range(0, N, batch_size)."),
]}
MISTAKES: dict[str, list[Mistake]] = {"minibatches": list(_M.values())}


# =========================================================================================================
# The checker.
# =========================================================================================================

# (case, N, batch_size, seed)
_CASES = [
    ("N=23, batch_size=5 (a last batch of 3)", 23, 5, 0),
    ("N=20, batch_size=5 (batch_size divides N)", 20, 5, 1),
    ("batch_size=1", 6, 1, 2),
    ("batch_size larger than N", 7, 10, 3),
]


def _data(N: int):
    """X (N, 3) float with X[i] = [i, i/2, -i] and y (N,) int with y[i] = 100 + i: each row names itself."""
    i = np.arange(N, dtype=float)
    return np.stack([i, i / 2, -i], axis=1), np.arange(N) + 100


class _Survey:
    """What the learner's function does on a few fixed runs, done once after the first failure (quietly, on
    copies, through ``Checker.attempt_thunk``): the catalogued mistakes whose property it breaks, in catalogue
    order. Each property is judged from the batches' sample ids, never from the order the learner drew."""

    def __init__(self, c: Checker):
        self.c = c
        self._found: list | None = None

    def _run(self, N: int, batch_size: int, seed):
        """``(batches, changed)``: each batch as (x ids, y ids), or "indices"; None when it raised or is not
        batches."""
        X, y = _data(N)
        X_given, y_given = X.copy(), y.copy()

        def go():
            items = []
            for item in self.c.fn(X_given, y_given, batch_size, seed=seed):
                items.append(item)
                if len(items) > N + 1:
                    break
            return items

        attempt = self.c.attempt_thunk(go)
        changed = X_given.shape != X.shape or not _same_rows(X_given, X) or not _same_rows(y_given, y)
        if not attempt.ok:
            return None, changed
        batches = []
        for item in attempt.value:
            if isinstance(item, np.ndarray) and item.ndim == 1 and item.dtype.kind in "iu":
                return "indices", changed
            if not isinstance(item, (tuple, list)) or len(item) != 2 or not all(isinstance(a, np.ndarray) for a in item):
                return None, changed
            Xb, yb = item
            if Xb.ndim != 2 or Xb.shape[1:] != (3,) or yb.shape != (len(Xb),):
                return None, changed
            batches.append(([int(v) for v in Xb[:, 0].tolist()], [int(v) - 100 for v in yb.tolist()]))
        return batches, changed

    def found(self) -> list:
        if self._found is None:
            self._found = self._survey()
        return self._found

    def _survey(self) -> list:
        def flat(batches):
            return None if not isinstance(batches, list) else [i for xs, _ in batches for i in xs]

        main, changed = self._run(23, 5, 0)
        found = set()
        if changed:
            found.add(_shuffles_in_place)
        if main == "indices":
            found.add(_returns_indices)
        if not isinstance(main, list):
            return [m for fn, m in _M.items() if fn in found]
        order = flat(main)
        if any(xs != ys for xs, ys in main):
            found.add(_two_permutations)
        sizes = [len(xs) for xs, _ in main]
        if len(set(order)) < len(order):
            tail = list(range(20, 23))
            if main and main[-1][0] == tail:
                found.add(_last_from_unshuffled)
            elif all(len(set(xs)) == len(xs) for xs, _ in main):
                found.add(_drawn_separately)
            else:
                found.add(_with_replacement)
        elif len(order) == 20 and sizes == [5, 5, 5, 5]:
            found.add(_drops_last)
        divisible, _ = self._run(20, 5, 1)
        if isinstance(divisible, list) and any(not xs for xs, _ in divisible):
            found.add(_empty_last_batch)
        smaller, _ = self._run(23, 3, 0)
        if isinstance(smaller, list) and [len(xs) for xs, _ in smaller] == sizes and sizes != [5, 5, 5, 5, 3]:
            found.add(_fixed_batch_size)
        if order == list(range(len(order))):
            found.add(_no_shuffle)
        else:
            again = flat(self._run(23, 5, 0)[0])
            one, one_again = flat(self._run(23, 5, 1)[0]), flat(self._run(23, 5, 1)[0])
            if again != order:
                found.add(_seed_zero_is_none if one is not None and one == one_again else _seed_ignored)
            else:
                fresh = [flat(self._run(23, 5, None)[0]) for _ in range(3)]
                if fresh[0] is not None and fresh[0] == fresh[1] == fresh[2]:
                    found.add(_fixed_seed)
        return [m for fn, m in _M.items() if fn in found]


def _same_rows(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.tolist() == b.tolist()


def _fail(c: Checker, case: str, problem: str, mistake_fn=None, hint: str = "") -> None:
    """Fail with ``problem`` and the catalogued mistakes the survey finds: the one the failing check points at
    (``mistake_fn``) first, then one more if the function breaks another catalogued property too (two at once);
    or, when none is catalogued, an honest statement."""
    __tracebackhide__ = True
    survey = getattr(c, "minibatch_survey", None)
    found = survey.found() if survey is not None else []
    specific = [m for m in found if m.fn in _MORE_SPECIFIC.get(mistake_fn, ())]
    first = specific[0] if specific else _M[mistake_fn] if mistake_fn is not None else (found[0] if found else None)
    named = [first] + [m for m in found if m is not first][:1] if first is not None else []
    fail_named(c, case, problem, named, hint=hint)


# What the survey can tell apart where one check sees one symptom (two orders for one seed; a sample twice).
_MORE_SPECIFIC = {_seed_ignored: (_seed_zero_is_none,), _with_replacement: (_last_from_unshuffled, _drawn_separately)}


def _collect(c: Checker, out, case: str, N: int) -> list:
    """The learner's batches as a list (a generator is consumed with the time limit, at most N + 2 items)."""
    __tracebackhide__ = True
    if out is None:
        c.fail("received None, expected an iterator of (X_batch, y_batch) pairs.", case,
               hint="use `yield X_batch, y_batch` inside the loop (or return a list of pairs).")
    if isinstance(out, (np.ndarray, str, bytes, dict)) or not hasattr(out, "__iter__"):
        c.fail(f"received {describe(out)}, expected an iterator of (X_batch, y_batch) pairs.", case,
               hint="use `yield X_batch, y_batch` inside the loop (or return a list of pairs).")

    def take():
        items = []
        for item in out:
            items.append(item)
            if len(items) > N + 1:
                break
        return items

    items = guarded(c, case, take, what="iterating over your batches")
    if len(items) > N + 1:
        _fail(c, case, f"received more than {N + 1} batches for N={N} samples, expected at most {N}.",
              hint="the loop must stop after the last sample: for start in range(0, N, batch_size).")
    return items


def _batch_ids(c: Checker, items: list, case: str, X: np.ndarray, batch_size: int) -> list:
    """Check each (X_batch, y_batch) pair and return the list of sample indices, batch by batch."""
    __tracebackhide__ = True
    N, D = X.shape
    ids = []
    for k, item in enumerate(items):
        where = f"batch {k} (counting from 0)"
        if isinstance(item, np.ndarray) and item.ndim == 1 and item.dtype.kind in "iu":
            _fail(c, case, f"{where} is {describe(item)}, expected a pair (X_batch, y_batch).", _returns_indices)
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            c.fail(f"{where} is {describe(item)}, expected a pair (X_batch, y_batch).", case,
                   hint="yield X_batch, y_batch (a tuple of two arrays).")
        Xb, yb = item
        for name, value in (("X_batch", Xb), ("y_batch", yb)):
            if not isinstance(value, np.ndarray):
                c.fail(f"in {where}, {name} is {describe(value)}, expected a numpy array.", case,
                       hint="index the arrays with an index array: X[idx], y[idx].")
        if Xb.ndim != 2 or Xb.shape[1] != D:
            c.fail(f"in {where}, X_batch has shape {Xb.shape}, expected (B, {D}).", case,
                   hint="index rows: X[idx] with idx an array of row indices.")
        if yb.shape != (len(Xb),):
            c.fail(f"in {where}, y_batch has shape {yb.shape}, expected ({len(Xb)},) (one label per row of "
                   f"X_batch).", case, hint="index y with the same indices as X: y[idx].")
        if len(Xb) == 0:
            _fail(c, case, f"{where} is empty, expected every batch to hold at least one sample.", _empty_last_batch)
        x_ids = Xb[:, 0].tolist()
        y_ids = [v - 100 for v in yb.tolist()]
        for j, (a, b) in enumerate(zip(x_ids, y_ids)):
            if a != int(a) or not 0 <= a < N or Xb[j].tolist() != X[int(a)].tolist():
                c.fail(f"in {where}, row {j} of X_batch = {Xb[j].tolist()} is not a row of X.", case,
                       hint="select whole rows with X[idx]; do not change their values.")
            if b != int(b) or not 0 <= b < N:
                c.fail(f"in {where}, y_batch[{j}] = {yb.tolist()[j]!r} is not an entry of y.", case,
                       hint="select entries with y[idx]; do not change their values.")
            if a != b:
                _fail(c, case, f"in {where}, row {j} of X_batch and y_batch[{j}] belong to two different samples: "
                               f"expected each row of X_batch with its own label.", _two_permutations)
        ids.append([int(a) for a in x_ids])
    return ids


def _check_epoch(c: Checker, ids: list, case: str, N: int, batch_size: int) -> None:
    """Every sample once, the right batch sizes."""
    __tracebackhide__ = True
    flat = [i for batch in ids for i in batch]
    seen = set(flat)
    if len(seen) != len(flat):
        twice = len({i for i in flat if flat.count(i) > 1})
        _fail(c, case, f"{twice} of the N={N} samples appear more than once in one epoch, expected every sample "
                       f"exactly once.", _with_replacement)
    missing = sorted(set(range(N)) - seen)
    if missing:
        if len(missing) == N % batch_size and all(len(b) == batch_size for b in ids):
            _fail(c, case, f"received {len(ids)} batches covering {len(flat)} of the N={N} samples, expected "
                           f"{-(-N // batch_size)} batches, the last of {N % batch_size}.", _drops_last)
        _fail(c, case, f"{len(missing)} of the N={N} samples never appear, expected every sample exactly once.",
              hint="slice one permutation of range(N) into consecutive batches.")
    sizes = [len(b) for b in ids]
    expected = [batch_size] * (N // batch_size) + ([N % batch_size] if N % batch_size else [])
    if sizes != expected:
        _fail(c, case, f"received batches of sizes {sizes}, expected {expected}.",
              hint="every batch holds batch_size samples except the last, which holds what is left.")


def _order(c: Checker, case: str, X, y, batch_size, seed) -> list:
    """The flat order of sample indices of one call (checked as in the main cases)."""
    __tracebackhide__ = True
    inputs = Inputs({"X": X, "y": y})
    out = guarded(c, case, lambda: c.fn(X, y, batch_size, seed=seed))
    items = _collect(c, out, case, len(X))
    changed = inputs.changed()
    if changed is not None:
        _fail(c, case, f"your function changed its input {changed} in place (received it modified after the call, "
                       f"expected it unchanged).", _shuffles_in_place)
    ids = _batch_ids(c, items, case, X, batch_size)
    _check_epoch(c, ids, case, len(X), batch_size)
    return [i for batch in ids for i in batch]


@entry_point
def check_minibatches(learner_fn, *, time_limit=None):
    """Check ``minibatches(X, y, batch_size, seed=None)`` yielding ``(X_batch, y_batch)``: one permutation for
    X and y, every sample once per call, the last partial batch kept, the seed used (``gdbp.data.batches``
    is the reference). Raises AssertionError (``CheckFailed``) naming the case, what was received and
    expected, and the classic mistake it matches; prints one line on success."""
    __tracebackhide__ = True

    def body(c: Checker) -> None:
        if time_limit is not None:
            c.time_limit = time_limit
        c.require_callable()
        c.require_parameters("X", "y", "batch_size", "seed")
        c.minibatch_survey = _Survey(c)  # run only if a check fails
        for case, N, batch_size, seed in _CASES:
            X, y = _data(N)
            _order(c, case, X, y, batch_size, seed)

        X, y = _data(23)
        case = c.case("shuffled (seed=0)")
        first = _order(c, case, X, y, 5, 0)
        if first == list(range(23)):
            _fail(c, case, "the samples came in their original order 0, 1, 2, ..., expected a random order.",
                  _no_shuffle)
        case = c.case("the same seed twice gives the same order")
        again = _order(c, case, X, y, 5, 0)
        if again != first:
            _fail(c, case, "two calls with seed=0 gave different orders, expected the same order.", _seed_ignored)
        case = c.case("another seed gives another order")
        other = _order(c, case, X, y, 5, 1)
        if other == first:
            _fail(c, case, f"seed=0 and seed=1 gave the same order {first[:6]}..., expected different orders.",
                  hint="create the generator from the argument: rng = np.random.default_rng(seed).")
        case = c.case("seed=None: a new order every epoch")
        orders = [_order(c, case, X, y, 5, None) for _ in range(3)]
        if orders[0] == orders[1] == orders[2]:
            _fail(c, case, f"three calls with seed=None gave the same order {orders[0][:6]}..., expected a new "
                           f"order on every call (every epoch).", _fixed_seed)

    run("minibatches", learner_fn, body,
        hint="idx = np.random.default_rng(seed).permutation(N); then yield X[idx[s:s+B]], y[idx[s:s+B]].")

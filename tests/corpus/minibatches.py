"""Realistic answers to notebook 04's minibatches(X, y, batch_size, seed=None): deeplearning.ai's
random_mini_batches, d2l's data_iter and the mini-batch helpers of public repositories, adapted to the contract
(rows are samples; yield (X_batch, y_batch) or return a list of pairs)."""

EXERCISE = "minibatches"

ENTRIES = [
    dict(id="deeplearning-ai-ceil", correct=True,
         origin="random_mini_batches of deeplearning.ai's course 2 (np.random.seed(seed); list(np.random."
                "permutation(m)); the end case), rows as samples",
         source='''
def minibatches(X, y, batch_size, seed=None):
    np.random.seed(seed)
    m = X.shape[0]
    permutation = list(np.random.permutation(m))
    shuffled_X, shuffled_Y = X[permutation], y[permutation]
    mini_batches = []
    num_complete = math.floor(m / batch_size)
    for k in range(num_complete):
        mini_batches.append((shuffled_X[k * batch_size:(k + 1) * batch_size],
                             shuffled_Y[k * batch_size:(k + 1) * batch_size]))
    if m % batch_size != 0:
        mini_batches.append((shuffled_X[num_complete * batch_size:], shuffled_Y[num_complete * batch_size:]))
    return mini_batches
'''),
    dict(id="d2l-style-seeded", correct=True,
         origin="d2l's data_iter (a shuffled list of indices, slices of it) with the seed given to a generator",
         source='''
def minibatches(X, y, batch_size, seed=None):
    num_examples = len(X)
    indices = np.random.default_rng(seed).permutation(num_examples)
    for i in range(0, num_examples, batch_size):
        j = indices[i: min(i + batch_size, num_examples)]
        yield X[j], y[j]
'''),
    dict(id="d2l-data-iter", expect="the seed argument is ignored",
         origin="d2l's data_iter as printed (random.shuffle(indices) with Python's global random): the seed "
                "argument added to the signature but never used",
         source='''
import random

def minibatches(X, y, batch_size, seed=None):
    num_examples = len(X)
    indices = list(range(num_examples))
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = np.array(indices[i: min(i + batch_size, num_examples)])
        yield X[batch_indices], y[batch_indices]
'''),
    dict(id="if-seed-guard", expect="seed=0 is treated as no seed",
         origin="random_mini_batches variants that write `if seed: np.random.seed(seed)`",
         source='''
def minibatches(X, y, batch_size, seed=None):
    if seed:
        np.random.seed(seed)
    m = X.shape[0]
    permutation = np.random.permutation(m)
    return [(X[permutation[k:k + batch_size]], y[permutation[k:k + batch_size]]) for k in range(0, m, batch_size)]
'''),
    dict(id="last-batch-from-unshuffled", expect="cut from the unshuffled X and y",
         origin="a public get_minibatches: the end case sliced from X[:, full * size:] instead of shuffled_X",
         source='''
def minibatches(X, y, batch_size, seed=None):
    m = X.shape[0]
    permutation = np.random.default_rng(seed).permutation(m)
    shuffled_X, shuffled_y = X[permutation], y[permutation]
    batches = []
    full = m // batch_size
    for i in range(full):
        batches.append((shuffled_X[i * batch_size:(i + 1) * batch_size], shuffled_y[i * batch_size:(i + 1) * batch_size]))
    if full * batch_size != m:
        batches.append((X[full * batch_size:], y[full * batch_size:]))
    return batches
'''),
    dict(id="complete-batches-only", expect="the last partial batch is dropped",
         origin="get_mini_batches of a public repository without its end case (range(num_examples // "
                "mini_batch_size)), like DataLoader(drop_last=True)",
         source='''
def minibatches(X, y, batch_size, seed=None):
    rng = np.random.default_rng(seed)
    p = rng.permutation(X.shape[0])
    X_shuffle, y_shuffle = X[p], y[p]
    for i in range(X.shape[0] // batch_size):
        yield X_shuffle[i * batch_size:(i + 1) * batch_size], y_shuffle[i * batch_size:(i + 1) * batch_size]
'''),
    dict(id="choice-per-batch", expect="each batch drawn on its own",
         origin="mini-batch SGD written as 'sample a batch' (np.random.choice(N, B, replace=False)) inside an epoch "
                "loop",
         source='''
def minibatches(X, y, batch_size, seed=None):
    rng = np.random.default_rng(seed)
    n = len(X)
    for _ in range(math.ceil(n / batch_size)):
        idx = rng.choice(n, size=min(batch_size, n - _ * batch_size), replace=False)
        yield X[idx], y[idx]
'''),
    dict(id="batch-size-hard-coded", expect="your function ignores batch_size",
         origin="the course default mini_batch_size = 64 written inside the function",
         source='''
def minibatches(X, y, batch_size, seed=None):
    batch_size = 64
    order = np.random.default_rng(seed).permutation(len(X))
    for start in range(0, len(X), batch_size):
        yield X[order[start:start + batch_size]], y[order[start:start + batch_size]]
'''),
    dict(id="naive-slices", expect=("two classic mistakes at once", "dropped", "no shuffling"),
         origin="the first loop of many tutorials: for i in range(len(X) // B): yield X[i*B:(i+1)*B] (no shuffle, "
                "no end case)",
         source='''
def minibatches(X, y, batch_size, seed=None):
    for i in range(len(X) // batch_size):
        yield X[i * batch_size:(i + 1) * batch_size], y[i * batch_size:(i + 1) * batch_size]
'''),
    dict(id="two-global-shuffles", expect=("two classic mistakes at once", "shuffled in place", "different permutations"),
         origin="np.random.shuffle(X); np.random.shuffle(y): the caller's arrays shuffled, each with its own "
                "permutation of the global generator",
         source='''
def minibatches(X, y, batch_size, seed=None):
    np.random.seed(seed)
    np.random.shuffle(X)
    np.random.shuffle(y)
    for start in range(0, len(X), batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]
'''),
]

"""Realistic answers to the rel_error exercise (format: tests/corpus/README.md)."""
EXERCISE = "rel_error"
NO_KEYWORDS = "rel_error(x, y) has no keyword argument to ignore"
ENTRIES = [
    dict(id="cs231n", origin="CS231n notebooks' rel_error helper", correct=True, source='''
def rel_error(x, y):
    return np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))
'''),
    dict(id="python-floats", origin="a loop over the entries with Python floats", correct=True, source='''
def rel_error(x, y):
    worst = 0.0
    for a, b in zip(np.ravel(x), np.ravel(y)):
        worst = max(worst, abs(a - b) / max(1e-8, abs(a) + abs(b)))
    return float(worst)
'''),
    dict(id="deeplearning-ai", origin="deeplearning.ai gradient checking: difference = norm(grad - gradapprox) / "
         "(norm(grad) + norm(gradapprox))", expect="the norm-based relative error", source='''
def rel_error(x, y):
    numerator = np.linalg.norm(x - y)
    denominator = np.linalg.norm(x) + np.linalg.norm(y)
    return numerator / denominator
'''),
    dict(id="no-floor", origin="the formula without its floor", expect="no max(1e-8, ...) floor", source='''
def rel_error(x, y):
    return np.max(np.abs(x - y) / (np.abs(x) + np.abs(y)))
'''),
    dict(id="plus-eps", origin="an eps added to the denominator (a habit from optimizers)",
         expect="1e-8 added to the denominator", source='''
def rel_error(x, y):
    return np.max(np.abs(x - y) / (np.abs(x) + np.abs(y) + 1e-8))
'''),
    dict(id="larger-magnitude", origin="relative to the larger magnitude (a common textbook definition)",
         expect="max(|x|, |y|) in the denominator", source='''
def rel_error(x, y):
    return np.max(np.abs(x - y) / np.maximum(1e-8, np.maximum(np.abs(x), np.abs(y))))
'''),
    dict(id="mean", origin="np.mean instead of np.max", expect="np.mean of the entrywise errors", source='''
def rel_error(x, y):
    return np.mean(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))
'''),
    dict(id="floor-and-mean", origin="two slips at once", expect=("two classic mistakes at once", "np.mean",
         "1e-8 added to the denominator"), source='''
def rel_error(x, y):
    return np.mean(np.abs(x - y) / (1e-8 + np.abs(x) + np.abs(y)))
'''),
]

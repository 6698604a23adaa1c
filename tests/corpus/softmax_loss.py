"""Realistic answers to notebook 06's softmax_loss(scores, y) -> (loss, dscores): CS231n solutions and notes,
scikit-learn's clipped log loss, tutorials; adapted to the contract (mean loss, stable for logits ~1e3)."""

EXERCISE = "softmax_loss"

ENTRIES = [
    dict(id="cs231n-log-probs", correct=True,
         origin="CS231n layers.py softmax_loss: shifted logits, log_probs, probs = exp(log_probs)",
         source='''
def softmax_loss(scores, y):
    shifted_logits = scores - np.max(scores, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    probs = np.exp(log_probs)
    N = scores.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
'''),
    dict(id="cs231n-dummy-eps", expect="a small constant inside the log",
         origin="a CS231n softmax_loss_vectorized solution: loss = -np.sum(np.log(probs[...] + dummy)) / N, "
                "dummy = 1e-14",
         source='''
def softmax_loss(scores, y):
    adjusted = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(adjusted) / np.sum(np.exp(adjusted), axis=1, keepdims=True)
    dummy = 1e-14
    num_train = scores.shape[0]
    loss = -np.sum(np.log(probs[np.arange(num_train), y] + dummy)) / num_train
    d_scores = probs.copy()
    d_scores[np.arange(num_train), y] -= 1
    return loss, d_scores / num_train
'''),
    dict(id="sklearn-clip", expect=("probability floored at a small constant", "1e-15"),
         origin="the clipped log loss of scikit-learn's log_loss (np.clip(p, eps, 1 - eps), eps = 1e-15)",
         source='''
def softmax_loss(scores, y):
    z = scores - scores.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    N = len(y)
    loss = -np.mean(np.log(np.clip(p[np.arange(N), y], 1e-15, 1 - 1e-15)))
    grad = p.copy()
    grad[np.arange(N), y] -= 1
    return loss, grad / N
'''),
    dict(id="vectorised-without-shift", expect="without subtracting the row maximum",
         origin="a public softmax_loss: scores = np.exp(scores), normalised with .reshape(-1, 1), no shift",
         source='''
def softmax_loss(scores, y):
    num_train = scores.shape[0]
    scores = np.exp(scores)
    prob_out = scores / np.sum(scores, axis=1).reshape(-1, 1)
    dX = prob_out.copy()
    dX[np.arange(num_train), y] -= 1
    dX /= num_train
    loss = np.sum(-np.log(prob_out[np.arange(num_train), y])) / num_train
    return loss, dX
'''),
    dict(id="gradient-not-averaged", expect="dscores not divided by N",
         origin="the loss averaged but the gradient returned for the summed loss",
         source='''
def softmax_loss(scores, y):
    z = scores - scores.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    N = len(y)
    d = np.exp(log_p)
    d[np.arange(N), y] -= 1
    return -log_p[np.arange(N), y].mean(), d
'''),
    dict(id="labels-from-a-global", expect="your function ignores y",
         origin="the batch's labels read from a notebook global (y_train[:N]) instead of the argument",
         source='''
y_train = np.array([2, 1, 0, 2, 1, 0, 2])

def softmax_loss(scores, y):
    N, C = scores.shape
    labels = y_train[:N] % C
    z = scores - scores.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    d = np.exp(log_p)
    d[np.arange(N), labels] -= 1
    return -log_p[np.arange(N), labels].mean(), d / N
'''),
    dict(id="dummy-eps-and-gradient-sum",
         expect=("a published variant and a classic mistake at once", "inside the log", "dscores not divided by N"),
         origin="the dummy-eps solution with the final division of the gradient forgotten",
         source='''
def softmax_loss(scores, y):
    adjusted = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(adjusted) / np.sum(np.exp(adjusted), axis=1, keepdims=True)
    n = scores.shape[0]
    loss = -np.sum(np.log(probs[np.arange(n), y] + 1e-14)) / n
    probs[np.arange(n), y] -= 1
    return loss, probs
'''),
]

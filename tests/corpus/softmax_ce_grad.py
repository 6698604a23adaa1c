"""Realistic answers to notebook 02's softmax_ce_grad(scores, y): the gradient of the mean softmax
cross-entropy as CS231n solutions, tutorials and Q&A threads write it, adapted to the contract."""

EXERCISE = "softmax_ce_grad"

ENTRIES = [
    dict(id="cs231n-vectorised", correct=True,
         origin="CS231n softmax_loss_vectorized: probs from shifted scores, dscores[range(N), y] -= 1, dscores /= N",
         source='''
def softmax_ce_grad(scores, y):
    num_train = scores.shape[0]
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    dscores = probs.copy()
    dscores[range(num_train), y] -= 1
    dscores /= num_train
    return dscores
'''),
    dict(id="one-hot-matrix", correct=True, origin="the one-hot labels as np.eye(C)[y] (Keras-style tutorials)",
         source='''
def softmax_ce_grad(scores, y):
    z = scores - scores.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return (p - np.eye(scores.shape[1])[y]) / len(y)
'''),
    dict(id="karpathy-notes-no-shift", expect="without subtracting the row maximum",
         origin="CS231n's 'Putting it together' notes: exp_scores = np.exp(scores) without the shift",
         source='''
def softmax_ce_grad(scores, y):
    num_examples = scores.shape[0]
    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    dscores = probs
    dscores[range(num_examples), y] -= 1
    dscores /= num_examples
    return dscores
'''),
    dict(id="sum-without-keepdims", expect="without keepdims=True",
         origin="softmax with np.sum(..., axis=1) and no keepdims (a frequent Q&A: 'operands could not be "
                "broadcast together with shapes (80,3) (80,)')",
         source='''
def softmax_ce_grad(scores, y):
    e = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)
'''),
    dict(id="column-wise-softmax", expect="normalised over the batch (axis=0)",
         origin="the column-wise softmax of Udacity's deep-learning quiz (np.exp(x) / np.sum(np.exp(x), axis=0)), "
                "applied to row-per-example scores",
         source='''
def softmax_ce_grad(scores, y):
    p = np.exp(scores - scores.max(axis=0)) / np.sum(np.exp(scores - scores.max(axis=0)), axis=0)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)
'''),
    dict(id="global-max-shift", expect="the maximum of the whole batch",
         origin="scores -= np.max(scores) as in CS231n's per-example softmax_loss_naive, applied to a whole batch",
         source='''
def softmax_ce_grad(scores, y):
    z = scores - np.max(scores)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)
'''),
    dict(id="shift-in-place", expect="the scores shifted in place",
         origin="in-place shifts of the logits (z -= np.max(z, axis=1, keepdims=True); np.exp(z, out=z)) in public "
                "softmax helpers",
         source='''
def softmax_ce_grad(scores, y):
    scores -= np.max(scores, axis=1, keepdims=True)
    p = np.exp(scores)
    p /= np.sum(p, axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)
'''),
    dict(id="labels-from-a-global", expect="your function ignores y",
         origin="a notebook function that indexes with the batch's labels defined in an earlier cell (y_batch)",
         source='''
y_batch = np.array([1, 0, 2, 1, 0])

def softmax_ce_grad(scores, y):
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(p)), y_batch[:len(p)] % p.shape[1]] -= 1
    return p / len(p)
'''),
    dict(id="no-shift-no-mean", expect=("two classic mistakes at once", "row maximum", "1/N of the mean"),
         origin="the unshifted exp of the lecture notes, and the gradient of the summed loss",
         source='''
def softmax_ce_grad(scores, y):
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    probs[np.arange(len(y)), y] -= 1
    return probs
'''),
]

"""Realistic answers to notebook 06's affine_backward(dout, cache) -> (dx, dw, db), cache (x, w, b): CS231n
solutions, "Deep Learning from Scratch" Affine layers and deeplearning.ai's linear_backward, adapted to the
contract (row-major x of shape (N, d_1, ..., d_k))."""

EXERCISE = "affine_backward"

ENTRIES = [
    dict(id="cs231n-solution", correct=True,
         origin="CS231n assignment 2 layers.py solutions (e.g. nn_project1 inference.py)",
         source='''
def affine_backward(dout, cache):
    x, w, b = cache
    n = x.shape[0]
    dx = np.dot(dout, w.T).reshape(x.shape)
    dw = np.dot(x.reshape(n, -1).T, dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db
'''),
    dict(id="dlfs-affine-with-reshape", correct=True,
         origin="'Deep Learning from Scratch' (Saito) Affine layer: flatten in forward, reshape dx back in backward",
         source='''
def affine_backward(dout, cache):
    x, W, b = cache
    original_x_shape = x.shape
    x = x.reshape(x.shape[0], -1)
    dx = np.dot(dout, W.T)
    dW = np.dot(x.T, dout)
    db = np.sum(dout, axis=0)
    return dx.reshape(*original_x_shape), dW, db
'''),
    dict(id="dlfs-affine-without-reshape",
         expect=("two classic mistakes at once", "dx not reshaped", "x not flattened"),
         origin="Affine layers of public 'Deep Learning from Scratch' exercises that skip the reshape (dx = "
                "np.dot(dout, self.W.T); dW = np.dot(self.x.T, dout)), met with an image batch",
         source='''
def affine_backward(dout, cache):
    x, W, b = cache
    dx = np.dot(dout, W.T)
    dW = np.dot(x.T, dout)
    db = np.sum(dout, axis=0)
    return dx, dW, db
'''),
    dict(id="deeplearning-ai-linear-backward",
         expect=("a published variant and a classic mistake at once", "deeplearning.ai", "keepdims=True"),
         origin="deeplearning.ai's linear_backward (dW = 1/m dZ A_prev.T, db = 1/m np.sum(dZ, axis=1, "
                "keepdims=True)), transposed to row-major",
         source='''
def affine_backward(dout, cache):
    A_prev, W, b = cache
    m = A_prev.shape[0]
    dW = 1 / m * np.dot(A_prev.reshape(m, -1).T, dout)
    db = 1 / m * np.sum(dout, axis=0, keepdims=True)
    dA_prev = np.dot(dout, W.T).reshape(A_prev.shape)
    return dA_prev, dW, db
'''),
    dict(id="column-major-axis-kept", expect="db summed over the wrong axis",
         origin="axis=1 from deeplearning.ai's column-major (n, m) layout kept in CS231n's row-major one",
         source='''
def affine_backward(dout, cache):
    x, w, b = cache
    x_rows = x.reshape(x.shape[0], -1)
    return (dout @ w.T).reshape(x.shape), x_rows.T @ dout, dout.sum(axis=1)
'''),
    dict(id="cache-unpacked-as-pair", expect="unpack it with x, w, b = cache",
         origin="an affine_forward that caches (x, w) (nn_project1) paired with the course's (x, w, b) cache",
         source='''
def affine_backward(dout, cache):
    x, w = cache
    n = x.shape[0]
    return np.dot(dout, w.T).reshape(x.shape), np.dot(x.reshape(n, -1).T, dout), np.sum(dout, axis=0)
'''),
    dict(id="test-upstream-left-in", expect="your function ignores dout",
         origin="a debugging line left in from checking with loss = out.sum() (dout = np.ones_like(dout))",
         source='''
def affine_backward(dout, cache):
    dout = np.ones_like(dout)
    x, w, b = cache
    x2 = x.reshape(x.shape[0], -1)
    return (dout @ w.T).reshape(x.shape), x2.T @ dout, dout.sum(axis=0)
'''),
]

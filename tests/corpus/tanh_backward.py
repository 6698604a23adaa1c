"""Realistic answers to notebook 06's tanh_backward(dout, cache) -> dx with cache out = tanh(x): tanh layers of
public numpy networks and course repositories, adapted to the contract (the cache is the forward OUTPUT)."""

EXERCISE = "tanh_backward"

ENTRIES = [
    dict(id="output-cached", correct=True, origin="Tanh layers that cache out = np.tanh(x): dx = dout * (1 - out**2)",
         source='''
def tanh_backward(dout, cache):
    return dout * (1 - cache ** 2)
'''),
    dict(id="np-square", correct=True, origin="TanhLayer.backward: grad * (1 - np.square(cache))",
         source='''
def tanh_backward(dout, cache):
    return dout * (1 - np.square(cache))
'''),
    dict(id="recompute-from-input", expect="tanh applied to the cache again",
         origin="Tanh.backward(dA, X) recomputing z = np.tanh(X) from the input: here the cache already is the output",
         source='''
def tanh_backward(dout, cache):
    z = np.tanh(cache)
    return dout * (1 - z ** 2)
'''),
    dict(id="sigmoid-in-tanh", expect="a sigmoid where tanh belongs",
         origin="a public tanh_backward(dA, activation_cache) that computes sigm = 1 / (1 + np.exp(-Z)) and "
                "dZ = dA * (1 - sigm**2)",
         source='''
def tanh_backward(dout, cache):
    Z = cache
    sigm = 1 / (1 + np.exp(-Z))
    return dout * (1 - np.power(sigm, 2))
'''),
    dict(id="local-derivative-only", expect="your function ignores dout",
         origin="the local derivative returned without the upstream gradient (1 - out**2)",
         source='''
def tanh_backward(dout, cache):
    return 1 - cache ** 2
'''),
    dict(id="no-parentheses", expect="the parentheses around (1 - out**2) are missing",
         origin="1 - t*t*grad_out, the precedence slip of a Rust micrograd port, in numpy",
         source='''
def tanh_backward(dout, cache):
    return 1 - cache ** 2 * dout
'''),
    dict(id="in-place-product", expect="dout changed in place",
         origin="an in-place update to save memory (dout *= 1 - out**2)",
         source='''
def tanh_backward(dout, cache):
    dout *= 1 - cache ** 2
    return dout
'''),
    dict(id="in-place-from-input", expect=("two classic mistakes at once", "dout changed in place", "tanh applied"),
         origin="the in-place update with tanh recomputed from what was taken for the input",
         source='''
def tanh_backward(dout, cache):
    dout *= 1 - np.tanh(cache) ** 2
    return dout
'''),
]

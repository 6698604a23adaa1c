"""Realistic answers to notebook 06's relu_backward(dout, cache) -> dx with cache x: deeplearning.ai's
relu_backward, "Deep Learning from Scratch"'s Relu layer, CS231n solutions and small libraries."""

EXERCISE = "relu_backward"

ENTRIES = [
    dict(id="deeplearning-ai-copy-mask", correct=True,
         origin="deeplearning.ai's relu_backward: dZ = np.array(dA, copy=True); dZ[Z <= 0] = 0",
         source='''
def relu_backward(dout, cache):
    Z = cache
    dZ = np.array(dout, copy=True)
    dZ[Z <= 0] = 0
    return dZ
'''),
    dict(id="cs231n-mask-product", correct=True, origin="CS231n solutions: dx = dout * (x > 0)",
         source='''
def relu_backward(dout, cache):
    x = cache
    return dout * (x > 0)
'''),
    dict(id="dlfs-relu-in-place", expect="dout changed in place",
         origin="'Deep Learning from Scratch' Relu.backward: dout[self.mask] = 0; dx = dout (mask = x <= 0)",
         source='''
def relu_backward(dout, cache):
    mask = (cache <= 0)
    dout[mask] = 0
    dx = dout
    return dx
'''),
    dict(id="greater-or-equal", expect="derivative 1 at x == 0",
         origin="dx = dout * (x >= 0), the Heaviside step with H(0) = 1",
         source='''
def relu_backward(dout, cache):
    return dout * (cache >= 0)
'''),
    dict(id="heaviside-half", expect="derivative 0.5 at x == 0",
         origin="np.heaviside(x, 0.5): the 'average of the one-sided slopes' convention",
         source='''
def relu_backward(dout, cache):
    return dout * np.heaviside(cache, 0.5)
'''),
    dict(id="leaky-relu-copied", expect="leaky ReLU's derivative",
         origin="a leaky ReLU layer's backward (np.where(x > 0, 1, 0.01)) reused for ReLU",
         source='''
def relu_backward(dout, cache):
    return dout * np.where(cache > 0, 1.0, 0.01)
'''),
    dict(id="mask-only", expect="your function ignores dout",
         origin="the local derivative returned without the chain rule's product ((x > 0).astype(float))",
         source='''
def relu_backward(dout, cache):
    return (cache > 0).astype(float)
'''),
    dict(id="in-place-strict-mask", expect=("two classic mistakes at once", "dout changed in place", "x == 0"),
         origin="the Deep Learning from Scratch layer with the mask written x < 0",
         source='''
def relu_backward(dout, cache):
    dout[cache < 0] = 0
    return dout
'''),
]

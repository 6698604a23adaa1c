"""Realistic answers to the adagrad exercise (format: tests/corpus/README.md)."""
EXERCISE = "adagrad"
ENTRIES = [
    dict(id="plain", origin="Duchi et al. / Ruder, written out", correct=True, source='''
def adagrad(param, grad, state, lr=0.01, eps=1e-8):
    G = np.zeros_like(param) if state is None else state
    G = G + grad * grad
    return param - lr * grad / np.sqrt(G + eps), G
'''),
    dict(id="saito", origin="Saito, Deep Learning from Scratch AdaGrad: h += g*g; p -= lr g / (sqrt(h) + 1e-7) (copied in "
         "many repos)", expect=("a published variant and a classic mistake at once", "(1) eps outside the square root",
                 "(2) your function ignores eps (it uses eps = 1e-07"),
         source='''
def adagrad(param, grad, state, lr=0.01, eps=1e-8):
    h = np.zeros_like(param) if state is None else state.copy()
    h += grad * grad
    return param - lr * grad / (np.sqrt(h) + 1e-7), h
'''),
    dict(id="cs231n-notes", origin="CS231n notes: cache += dx**2; x += -lr * dx / (np.sqrt(cache) + eps)",
         expect="This is a published variant, not the exercise's form: eps outside the square root", source='''
def adagrad(param, grad, state, lr=0.01, eps=1e-8):
    x, dx, cache = param, grad, state
    cache = np.zeros_like(x) if cache is None else cache
    cache = cache + dx**2
    return x + -lr * dx / (np.sqrt(cache) + eps), cache
'''),
    dict(id="d2l-eps", origin="d2l.ai adagrad: eps = 1e-6 written in the function", expect="ignores eps (it uses eps = 1e-06",
         source='''
def adagrad(param, grad, state, lr=0.01, eps=1e-8):
    eps = 1e-6
    s = np.zeros_like(param) if state is None else state
    s = s + np.square(grad)
    return param - lr * grad / np.sqrt(s + eps), s
'''),
    dict(id="keras-initial-accumulator", origin="Keras Adagrad: initial_accumulator_value=0.1, eps outside",
         expect=("the accumulator starts at 0.1", "eps outside the square root"), source='''
def adagrad(param, grad, state, lr=0.01, eps=1e-8):
    acc = np.full_like(param, 0.1) if state is None else state
    acc = acc + grad**2
    return param - lr * grad / (np.sqrt(acc) + eps), acc
'''),
    dict(id="eps-on-the-step", origin="Deep-Learning ch06 AdaGrad: lr * (g / np.sqrt(h) + 1e-7) (a misplaced parenthesis)",
         expect=("No catalogued mistake", "on a zero gradient"), source='''
def adagrad(param, grad, state, lr=0.01, eps=1e-8):
    h = np.zeros_like(param) if state is None else state
    h = h + grad**2
    return param - lr * (grad / np.sqrt(h) + 1e-7), h
'''),
    dict(id="no-root", origin="square root forgotten", expect="no square root", source='''
def adagrad(param, grad, state, lr=0.01, eps=1e-8):
    G = (0 if state is None else state) + grad**2
    return param - lr * grad / (G + eps), G
'''),
    dict(id="no-state", origin="accumulator rebuilt from the current gradient only", expect="the state is not carried over",
         source='''
def adagrad(param, grad, state, lr=0.01, eps=1e-8):
    G = grad**2
    return param - lr * grad / np.sqrt(G + eps), G
'''),
]

"""Realistic answers to the rmsprop exercise (format: tests/corpus/README.md)."""
EXERCISE = "rmsprop"
ENTRIES = [
    dict(id="ruder", origin="Ruder's overview, written out", correct=True, source='''
def rmsprop(param, grad, state, lr=0.001, rho=0.9, eps=1e-8):
    E = np.zeros_like(param) if state is None else state
    E = rho * E + (1 - rho) * grad**2
    return param - lr / np.sqrt(E + eps) * grad, E
'''),
    dict(id="cs231n", origin="CS231n rmsprop: cache = decay * cache + (1 - decay) * dx**2; next_x = x - lr * dx / "
         "(np.sqrt(cache) + eps)", expect="This is a published variant, not the exercise's form: eps outside the square root",
         source='''
def rmsprop(param, grad, state, lr=0.001, rho=0.9, eps=1e-8):
    x, dx, config = param, grad, state
    config = {"cache": np.zeros_like(x)} if config is None else config
    cache = rho * config["cache"] + (1 - rho) * dx**2
    next_x = x - lr * dx / (np.sqrt(cache) + eps)
    return next_x, {"cache": cache}
'''),
    dict(id="saito", origin="Saito, Deep Learning from Scratch RMSprop: h *= decay; h += (1 - decay) g*g; "
         "p -= lr g / (sqrt(h) + 1e-7)", expect=("a published variant and a classic mistake at once", "eps outside the square root",
                                                   "ignores eps (it uses eps = 1e-07"), source='''
def rmsprop(param, grad, state, lr=0.001, rho=0.9, eps=1e-8):
    h = np.zeros_like(param) if state is None else state.copy()
    h *= rho
    h += (1 - rho) * grad * grad
    return param - lr * grad / (np.sqrt(h) + 1e-7), h
'''),
    dict(id="d2l", origin="d2l.ai rmsprop: gamma, eps = hyperparams['gamma'], 1e-6", expect="ignores eps (it uses eps = 1e-06",
         source='''
def rmsprop(param, grad, state, lr=0.001, rho=0.9, eps=1e-8):
    gamma, eps = rho, 1e-6
    s = np.zeros_like(param) if state is None else state
    s = gamma * s + (1 - gamma) * np.square(grad)
    return param - lr * grad / np.sqrt(s + eps), s
'''),
    dict(id="hinton", origin="Hinton's lecture 6 slide: divide the gradient by sqrt(MeanSquare)", expect="no eps at all",
         source='''
def rmsprop(param, grad, state, lr=0.001, rho=0.9, eps=1e-8):
    mean_square = np.zeros_like(param) if state is None else state
    mean_square = rho * mean_square + (1 - rho) * grad**2
    return param - lr * grad / np.sqrt(mean_square), mean_square
'''),
    dict(id="centered", origin="Graves (2013) / torch RMSprop(centered=True)", expect="centered RMSprop", source='''
def rmsprop(param, grad, state, lr=0.001, rho=0.9, eps=1e-8):
    E2, E1 = (np.zeros_like(param), np.zeros_like(param)) if state is None else state
    E2 = rho * E2 + (1 - rho) * grad**2
    E1 = rho * E1 + (1 - rho) * grad
    return param - lr * grad / np.sqrt(E2 - E1**2 + eps), (E2, E1)
'''),
    dict(id="adagrad-leak", origin="the decay applied to the old average only", expect="without the factor (1 - rho)", source='''
def rmsprop(param, grad, state, lr=0.001, rho=0.9, eps=1e-8):
    cache = np.zeros_like(param) if state is None else state
    cache = rho * cache + grad**2
    return param - lr * grad / np.sqrt(cache + eps), cache
'''),
    dict(id="fixed-rho", origin="decay_rate=0.9 kept in a constructor", expect="ignores rho (it uses rho = 0.9", source='''
class RMSprop:
    def __init__(self, decay_rate=0.9):
        self.decay_rate = decay_rate

    def average(self, E, g):
        return self.decay_rate * E + (1 - self.decay_rate) * g**2

_opt = RMSprop()

def rmsprop(param, grad, state, lr=0.001, rho=0.9, eps=1e-8):
    E = _opt.average(np.zeros_like(param) if state is None else state, grad)
    return param - lr * grad / np.sqrt(E + eps), E
'''),
]

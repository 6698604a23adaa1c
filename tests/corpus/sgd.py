"""Realistic answers to the sgd exercise (format: tests/corpus/README.md)."""
EXERCISE = "sgd"
ENTRIES = [
    dict(id="plain", origin="the textbook rule, as in every course", correct=True, source='''
def sgd(param, grad, state, lr=0.01):
    return param - lr * grad, state
'''),
    dict(id="cs231n-config", origin="CS231n assignment 2 optim.sgd (config dict), without the in-place -=", correct=True,
         source='''
def sgd(param, grad, state, lr=0.01):
    w, dw, config = param, grad, state
    if config is None:
        config = {}
    config.setdefault("learning_rate", lr)
    next_w = w - lr * dw
    return next_w, config
'''),
    dict(id="saito-class-default", origin="Saito, Deep Learning from Scratch, SGD(lr=0.01) with the lr kept in the class",
         expect="your function ignores lr (it uses lr = 0.01", source='''
class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, param, grad):
        return param - self.lr * grad

_opt = SGD()

def sgd(param, grad, state, lr=0.01):
    return _opt.update(param, grad), state
'''),
    dict(id="in-place", origin="CS231n's `w -= config['learning_rate'] * dw` kept as is", expect="changed its input param in place",
         source='''
def sgd(param, grad, state, lr=0.01):
    param -= lr * grad
    return param, state
'''),
    dict(id="plus", origin="sign slip seen in Q&A threads ('my loss goes up')", expect="gradient ascent", source='''
def sgd(param, grad, state, lr=0.01):
    new_param = param + lr * grad
    return new_param, None
'''),
    dict(id="optax-updates", origin="optax-style 'updates' returned instead of the new parameter",
         expect="returns the step (new_param - param)", source='''
def sgd(param, grad, state, lr=0.01):
    updates = -lr * grad
    return updates, state
'''),
    dict(id="two-ascent-fixed-lr", origin="both slips at once", expect=("two classic mistakes at once", "gradient ascent",
         "ignores lr (it uses lr = 0.001"), source='''
def sgd(param, grad, state, lr=0.01):
    return param + 0.001 * grad, state
'''),
]

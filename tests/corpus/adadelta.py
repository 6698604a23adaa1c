"""Realistic answers to the adadelta exercise (format: tests/corpus/README.md)."""
EXERCISE = "adadelta"
ENTRIES = [
    dict(id="zeiler", origin="Zeiler's Algorithm 1 written out", correct=True, source='''
def adadelta(param, grad, state, rho=0.9, eps=1e-6):
    Eg, Ex = (np.zeros_like(param), np.zeros_like(param)) if state is None else state
    Eg = rho * Eg + (1 - rho) * grad**2
    dx = -np.sqrt(Ex + eps) / np.sqrt(Eg + eps) * grad
    Ex = rho * Ex + (1 - rho) * dx**2
    return param + dx, (Eg, Ex)
'''),
    dict(id="d2l-keyword-eps", origin="d2l.ai adadelta (one root of the ratio), with the eps argument", correct=True, source='''
def adadelta(param, grad, state, rho=0.9, eps=1e-6):
    s, delta = (np.zeros_like(param), np.zeros_like(param)) if state is None else state
    s = rho * s + (1 - rho) * grad**2
    g = grad * np.sqrt((delta + eps) / (s + eps))
    delta = rho * delta + (1 - rho) * g * g
    return param - g, (s, delta)
'''),
    dict(id="d2l", origin="d2l.ai adadelta: rho, eps = hyperparams['rho'], 1e-5", expect="ignores eps (it uses eps = 1e-05",
         source='''
def adadelta(param, grad, state, rho=0.9, eps=1e-6):
    rho, eps = rho, 1e-5
    s, delta = (np.zeros_like(param), np.zeros_like(param)) if state is None else state
    s = rho * s + (1 - rho) * grad**2
    g = grad * np.sqrt((delta + eps) / (s + eps))
    delta = rho * delta + (1 - rho) * g * g
    return param - g, (s, delta)
'''),
    dict(id="keras-lr", origin="Keras/TensorFlow Adadelta(learning_rate=0.001): var -= lr * update",
         expect="a learning rate of 0.001 multiplies the step", source='''
def adadelta(param, grad, state, rho=0.9, eps=1e-6):
    accum, accum_update = (np.zeros_like(param), np.zeros_like(param)) if state is None else state
    accum = rho * accum + (1 - rho) * grad**2
    update = np.sqrt(accum_update + eps) / np.sqrt(accum + eps) * grad
    accum_update = rho * accum_update + (1 - rho) * update**2
    return param - 0.001 * update, (accum, accum_update)
'''),
    dict(id="delta-average-stuck", origin="E[dx^2] never written back to the state", expect="never updated", source='''
def adadelta(param, grad, state, rho=0.9, eps=1e-6):
    if state is None:
        state = {"g2": np.zeros_like(param), "dx2": np.zeros_like(param)}
    g2 = rho * state["g2"] + (1 - rho) * grad**2
    dx = -np.sqrt(state["dx2"] + eps) / np.sqrt(g2 + eps) * grad
    return param + dx, {"g2": g2, "dx2": state["dx2"]}
'''),
    dict(id="rms-helper-outside", origin="an RMS helper written as sqrt(x) + eps", expect="eps outside the square roots", source='''
def rms(x, eps):
    return np.sqrt(x) + eps

def adadelta(param, grad, state, rho=0.9, eps=1e-6):
    Eg, Ex = (np.zeros_like(param), np.zeros_like(param)) if state is None else state
    Eg = rho * Eg + (1 - rho) * grad**2
    dx = -rms(Ex, eps) / rms(Eg, eps) * grad
    Ex = rho * Ex + (1 - rho) * dx**2
    return param + dx, (Eg, Ex)
'''),
    dict(id="swapped-and-outside", origin="two slips in one answer", expect=("two classic mistakes at once", "swapped",
         "eps outside the square roots"), source='''
def adadelta(param, grad, state, rho=0.9, eps=1e-6):
    Eg, Ex = (np.zeros_like(param), np.zeros_like(param)) if state is None else state
    Eg = (1 - rho) * Eg + rho * grad**2
    dx = -(np.sqrt(Ex) + eps) / (np.sqrt(Eg) + eps) * grad
    Ex = (1 - rho) * Ex + rho * dx**2
    return param + dx, (Eg, Ex)
'''),
    dict(id="minus-delta", origin="delta computed negative, then subtracted again", expect="a sign error", source='''
def adadelta(param, grad, state, rho=0.9, eps=1e-6):
    Eg, Ex = (np.zeros_like(param), np.zeros_like(param)) if state is None else state
    Eg = rho * Eg + (1 - rho) * grad**2
    delta = -np.sqrt(Ex + eps) / np.sqrt(Eg + eps) * grad
    Ex = rho * Ex + (1 - rho) * delta**2
    return param - delta, (Eg, Ex)
'''),
]

"""Realistic answers to the momentum exercise (format: tests/corpus/README.md)."""
EXERCISE = "momentum"
ENTRIES = [
    dict(id="cs231n-negative-velocity", origin="CS231n sgd_momentum: v = mu * v - lr * dw; next_w = w + v", correct=True,
         source='''
def momentum(param, grad, state, lr=0.01, momentum=0.9):
    w, dw, config = param, grad, state
    v = config.get("velocity", np.zeros_like(w)) if config else np.zeros_like(w)
    v = momentum * v - lr * dw
    next_w = w + v
    return next_w, {"velocity": v}
'''),
    dict(id="ruder", origin="Ruder's overview, written out", correct=True, source='''
def momentum(param, grad, state, lr=0.01, momentum=0.9):
    v = 0.0 if state is None else state
    v = momentum * v + lr * grad
    return param - v, v
'''),
    dict(id="deeplearning-ai-ema", origin="deeplearning.ai update_parameters_with_momentum (v = beta v + (1 - beta) dW)",
         expect="the velocity as an average", source='''
def momentum(param, grad, state, lr=0.01, momentum=0.9):
    v = np.zeros_like(param) if state is None else state["v"]
    v = momentum * v + (1 - momentum) * grad
    param = param - lr * v
    return param, {"v": v}
'''),
    dict(id="d2l-lr-outside", origin="d2l.ai sgd_momentum (v = beta v + g; p -= lr v), PyTorch's buffer",
         expect="This is a published variant, not the exercise's form: lr outside the velocity", source='''
def momentum(param, grad, state, lr=0.01, momentum=0.9):
    v = np.zeros_like(param) if state is None else state
    v = momentum * v + grad
    return param - lr * v, v
'''),
    dict(id="step-before-update", origin="velocity used before it is updated (forum question)",
         expect="steps with the old velocity", source='''
def momentum(param, grad, state, lr=0.01, momentum=0.9):
    v = np.zeros_like(param) if state is None else state
    new_param = param - v
    v = momentum * v + lr * grad
    return new_param, v
'''),
    dict(id="fixed-momentum", origin="momentum hard-coded as 0.9 in the update line", expect="ignores momentum (it uses momentum = 0.9",
         source='''
def momentum(param, grad, state, lr=0.01, momentum=0.9):
    v = np.zeros_like(param) if state is None else state
    v = 0.9 * v + lr * grad
    return param - v, v
'''),
    dict(id="ema-fixed-beta", origin="deeplearning.ai form with beta written in", expect=(
        "two classic mistakes at once", "the velocity as an average", "ignores momentum (it uses momentum = 0.9"), source='''
def momentum(param, grad, state, lr=0.01, momentum=0.9):
    v = np.zeros_like(param) if state is None else state
    v = 0.9 * v + 0.1 * grad
    return param - lr * v, v
'''),
    dict(id="fresh-velocity", origin="velocity re-created at every call", expect="the state is not carried over", source='''
def momentum(param, grad, state, lr=0.01, momentum=0.9):
    v = np.zeros_like(param)
    v = momentum * v + lr * grad
    return param - v, {"v": v}
'''),
]

"""Realistic answers to the nesterov exercise (format: tests/corpus/README.md)."""
EXERCISE = "nesterov"
ENTRIES = [
    dict(id="cs231n", origin="CS231n notes: v_prev = v; v = mu * v - lr * dx; x += -mu * v_prev + (1 + mu) * v", correct=True,
         source='''
def nesterov(param, grad, state, lr=0.01, momentum=0.9):
    x, dx = param, grad
    v = np.zeros_like(x) if state is None else state["v"]
    v_prev = v
    v = momentum * v - lr * dx
    x_next = x - momentum * v_prev + (1 + momentum) * v
    return x_next, {"v": v}
'''),
    dict(id="saito-bengio", origin="Saito, Deep Learning from Scratch (common/optimizer.py Nesterov): params += mu^2 v; "
         "params -= (1 + mu) lr g; then v updated", correct=True, source='''
def nesterov(param, grad, state, lr=0.01, momentum=0.9):
    v = np.zeros_like(param) if state is None else state.copy()
    new_param = param + momentum * momentum * v
    new_param = new_param - (1 + momentum) * lr * grad
    v *= momentum
    v -= lr * grad
    return new_param, v
'''),
    dict(id="updated-velocity", origin="the same textbook form with v updated first (copies of Saito's class with the "
         "lines reordered)", expect="the look-ahead built from the already-updated velocity", source='''
def nesterov(param, grad, state, lr=0.01, momentum=0.9):
    v = np.zeros_like(param) if state is None else state.copy()
    v *= momentum
    v -= lr * grad
    new_param = param + momentum * momentum * v - (1 + momentum) * lr * grad
    return new_param, v
'''),
    dict(id="torch", origin="torch.optim.SGD(nesterov=True): buf = mu buf + g; p -= lr (g + mu buf)",
         expect="This is a published variant, not the exercise's form: lr outside the velocity", source='''
def nesterov(param, grad, state, lr=0.01, momentum=0.9):
    buf = grad.copy() if state is None else momentum * state + grad
    return param - lr * (grad + momentum * buf), buf
'''),
    dict(id="plain", origin="momentum written under the name Nesterov", expect="plain momentum", source='''
def nesterov(param, grad, state, lr=0.01, momentum=0.9):
    v = np.zeros_like(param) if state is None else state
    v = momentum * v + lr * grad
    return param - v, v
'''),
    dict(id="cs231n-no-correction", origin="CS231n's form with the -mu * v_prev term dropped", expect="(1 + momentum) * v alone",
         source='''
def nesterov(param, grad, state, lr=0.01, momentum=0.9):
    x, dx = param, grad
    v = np.zeros_like(x) if state is None else state
    v = momentum * v - lr * dx
    return x + (1 + momentum) * v, v
'''),
    dict(id="fixed-lr", origin="class with lr=0.01 fixed in the constructor", expect="ignores lr (it uses lr = 0.01", source='''
def nesterov(param, grad, state, lr=0.01, momentum=0.9):
    v = np.zeros_like(param) if state is None else state
    v = momentum * v + 0.01 * grad
    return param - (momentum * v + 0.01 * grad), v
'''),
    dict(id="torch-fixed-momentum", origin="torch's form with momentum=0.9 written in", expect=(
        "a published variant and a classic mistake at once", "lr outside the velocity", "ignores momentum (it uses momentum = 0.9"), source='''
def nesterov(param, grad, state, lr=0.01, momentum=0.9):
    buf = np.zeros_like(param) if state is None else state
    buf = 0.9 * buf + grad
    return param - lr * (grad + 0.9 * buf), buf
'''),
]

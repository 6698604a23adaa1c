"""Realistic answers to the adamax exercise (format: tests/corpus/README.md)."""
EXERCISE = "adamax"
ENTRIES = [
    dict(id="guarded", origin="Kingma & Ba section 7.1 with the 0/0 guard", correct=True, source='''
def adamax(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999):
    t, m, u = (0, np.zeros_like(param), np.zeros_like(param)) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    u = np.maximum(beta2 * u, np.abs(grad))
    step = np.divide(m, u, out=np.zeros_like(m), where=u != 0)
    return param - lr / (1 - beta1**t) * step, (t, m, u)
'''),
    dict(id="keras", origin="Keras Adamax docstring: w = w - current_lr * m / (u + epsilon), epsilon=1e-7",
         expect=("This is a published variant, not the exercise's form: an eps added to u", "m / (u + 1e-07)"), source='''
def adamax(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999):
    epsilon = 1e-7
    t, m, u = (0, 0.0, 0.0) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    u = np.maximum(beta2 * u, np.abs(grad))
    current_lr = lr / (1 - beta1**t)
    return param - current_lr * m / (u + epsilon), (t, m, u)
'''),
    dict(id="torch", origin="torch.optim.Adamax: exp_inf = max(beta2 * exp_inf, |g| + eps), eps=1e-8",
         expect="eps inside the maximum", source='''
def adamax(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999):
    eps = 1e-8
    t, exp_avg, exp_inf = (0, 0.0, 0.0) if state is None else state
    t += 1
    exp_avg = beta1 * exp_avg + (1 - beta1) * grad
    exp_inf = np.maximum(beta2 * exp_inf, np.abs(grad) + eps)
    clr = lr / (1 - beta1**t)
    return param - clr * exp_avg / exp_inf, (t, exp_avg, exp_inf)
'''),
    dict(id="unguarded", origin="the paper's formula as printed", expect="0 / 0 where every gradient so far was 0", source='''
def adamax(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999):
    t, m, u = (0, 0.0, 0.0) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    u = np.maximum(beta2 * u, np.abs(grad))
    return param - (lr / (1 - beta1**t)) * m / u, (t, m, u)
'''),
    dict(id="no-correction", origin="Adam's correction dropped with Adam's v", expect="without bias correction of m", source='''
def adamax(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999):
    m, u = (np.zeros_like(param), np.zeros_like(param)) if state is None else state
    m = beta1 * m + (1 - beta1) * grad
    u = np.maximum(beta2 * u, np.abs(grad))
    ratio = np.divide(m, u, out=np.zeros_like(m), where=u > 0)
    return param - lr * ratio, (m, u)
'''),
    dict(id="fixed-beta2", origin="beta2 written as 0.999 in the max", expect="ignores beta2 (it uses beta2 = 0.999", source='''
def adamax(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999):
    t, m, u = (0, np.zeros_like(param), np.zeros_like(param)) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    u = np.maximum(0.999 * u, np.abs(grad))
    ratio = np.divide(m, u, out=np.zeros_like(m), where=u > 0)
    return param - lr / (1 - beta1**t) * ratio, (t, m, u)
'''),
    dict(id="keras-tiny-eps", origin="Keras's form with an eps of 1e-12 (a catalogued variant with another constant)",
         expect="m / (u + 1e-12)", source='''
def adamax(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999):
    t, m, u = (0, 0.0, 0.0) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    u = np.maximum(beta2 * u, np.abs(grad))
    return param - lr / (1 - beta1**t) * m / (u + 1e-12), (t, m, u)
'''),
    dict(id="no-abs-no-correction", origin="two slips at once", expect=("two classic mistakes at once", "without the absolute value",
         "without bias correction"), source='''
def adamax(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999):
    m, u = (np.zeros_like(param), np.zeros_like(param)) if state is None else state
    m = beta1 * m + (1 - beta1) * grad
    u = np.maximum(beta2 * u, grad)
    ratio = np.divide(m, u, out=np.zeros_like(m), where=u > 0)
    return param - lr * ratio, (m, u)
'''),
]

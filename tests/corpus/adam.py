"""Realistic answers to the adam exercise (format: tests/corpus/README.md)."""
EXERCISE = "adam"
ENTRIES = [
    dict(id="ruder", origin="Kingma & Ba Algorithm 1 / Ruder, written out", correct=True, source='''
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = (0, np.zeros_like(param), np.zeros_like(param)) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), (t, m, v)
'''),
    dict(id="increment-ema", origin="kang9kang/DL-learning my_optimizer.Adam: m += (1 - beta1) * (g - m), with the keywords",
         correct=True, source='''
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        state = {"m": np.zeros_like(param), "v": np.zeros_like(param), "t": 0}
    m, v, t = state["m"].copy(), state["v"].copy(), state["t"] + 1
    m += (1 - beta1) * (grad - m)
    v += (1 - beta2) * (grad**2 - v)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v, "t": t}
'''),
    dict(id="cs231n-efficient", origin="CS231n assignment 2 adam solutions (FortiLeiZhang/cs231n and many others): "
         "alpha = lr * sqrt(1 - beta2**t) / (1 - beta1**t); x -= alpha * m / (sqrt(v) + eps)",
         expect="This is a published variant, not the exercise's form: Kingma & Ba's efficient form", source='''
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    x, dx, config = param, grad, state
    if config is None:
        config = {"m": np.zeros_like(x), "v": np.zeros_like(x), "t": 0}
    t, m, v = config["t"], config["m"], config["v"]
    m = beta1 * m + (1 - beta1) * dx
    v = beta2 * v + (1 - beta2) * (dx * dx)
    t += 1
    alpha = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    next_x = x - alpha * (m / (np.sqrt(v) + eps))
    return next_x, {"t": t, "m": m, "v": v}
'''),
    dict(id="saito", origin="Saito, Deep Learning from Scratch Adam: lr_t = lr * sqrt(1 - beta2**iter) / (1 - beta1**iter); "
         "p -= lr_t * m / (sqrt(v) + 1e-7)", expect=("Kingma & Ba's efficient form", "ignores eps (it uses eps = 1e-07"),
         source='''
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    it, m, v = (0, np.zeros_like(param), np.zeros_like(param)) if state is None else state
    it += 1
    lr_t = lr * np.sqrt(1.0 - beta2**it) / (1.0 - beta1**it)
    m = m + (1 - beta1) * (grad - m)
    v = v + (1 - beta2) * (grad**2 - v)
    return param - lr_t * m / (np.sqrt(v) + 1e-7), (it, m, v)
'''),
    dict(id="d2l", origin="d2l.ai adam: beta1, beta2, eps = 0.9, 0.999, 1e-6 inside the function",
         expect="ignores beta1, beta2 and eps (it uses beta1 = 0.9, beta2 = 0.999, eps = 1e-06", source='''
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    beta1, beta2, eps = 0.9, 0.999, 1e-6
    v, s, t = (np.zeros_like(param), np.zeros_like(param), 0) if state is None else state
    t += 1
    v = beta1 * v + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * np.square(grad)
    v_bias_corr = v / (1 - beta1**t)
    s_bias_corr = s / (1 - beta2**t)
    return param - lr * v_bias_corr / (np.sqrt(s_bias_corr) + eps), (v, s, t)
'''),
    dict(id="all-constants", origin="sajmon170/pyneuron optimizer.Adam: A, B1, B2, EPSILON = 0.001, 0.9, 0.999, 10**-8",
         expect="ignores lr, beta1, beta2 and eps (it uses lr = 0.001, beta1 = 0.9, beta2 = 0.999, eps = 1e-08", source='''
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    A, B1, B2, EPSILON = 0.001, 0.9, 0.999, 10**-8
    k, m_prev, v_prev = (1, np.zeros_like(param), np.zeros_like(param)) if state is None else state
    m = (1 - B1) * grad + B1 * m_prev
    v = (1 - B2) * grad**2 + B2 * v_prev
    m_scaled = m / (1 - B1**k)
    v_scaled = v / (1 - B2**k)
    return param - A * m_scaled / (np.sqrt(v_scaled) + EPSILON), (k + 1, m, v)
'''),
    dict(id="fixed-eps-ctor", origin="class with self.eps = 1e-8 set in the constructor (kang9kang/DL-learning cnn)",
         expect="ignores eps (it uses eps = 1e-08", source='''
class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.eps = 1e-8

_adam = Adam()

def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = (0, 0.0, 0.0) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return param - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + _adam.eps), (t, m, v)
'''),
    dict(id="no-correction", origin="'the bias correction only matters at the start'", expect="Adam without bias correction",
         source='''
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = (0.0, 0.0) if state is None else state
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return param - lr * m / (np.sqrt(v) + eps), (m, v)
'''),
    dict(id="forgotten-t", origin="m and v kept in the state, the step count not: t = 1 at every call",
         expect="bias correction with 1 - beta instead of 1 - beta**t", source='''
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = (np.zeros_like(param), np.zeros_like(param)) if state is None else state
    t = 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), (m, v)
'''),
    dict(id="only-m-corrected", origin="v_hat line forgotten", expect="only m is bias-corrected", source='''
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = (0, 0.0, 0.0) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    return param - lr * m_hat / (np.sqrt(v) + eps), (t, m, v)
'''),
    dict(id="stored-hat-and-eps-inside", origin="two slips at once: corrected moments stored, eps under the root",
         expect=("two classic mistakes at once", "written back into the state", "eps inside the square root"), source='''
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = (0, 0.0, 0.0) if state is None else state
    t += 1
    m = (beta1 * m + (1 - beta1) * grad) / (1 - beta1**t)
    v = (beta2 * v + (1 - beta2) * grad**2) / (1 - beta2**t)
    return param - lr * m / np.sqrt(v + eps), (t, m, v)
'''),
    dict(id="t-after-use", origin="t += 1 placed after the bias correction", expect="t used before it is incremented", source='''
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = (0, 0.0, 0.0) if state is None else state
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    t += 1
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), (t, m, v)
'''),
]

"""Realistic answers to the amsgrad exercise (format: tests/corpus/README.md)."""
EXERCISE = "amsgrad"
ENTRIES = [
    dict(id="reddi", origin="Reddi et al. Algorithm 2 / Ruder, written out", correct=True, source='''
def amsgrad(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v, v_hat = (np.zeros_like(param),) * 3 if state is None else state
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    v_hat = np.maximum(v_hat, v)
    return param - lr * m / (np.sqrt(v_hat) + eps), (m, v, v_hat)
'''),
    dict(id="torch", origin="torch.optim.Adam(amsgrad=True): max_exp_avg_sq, both bias corrections",
         expect="This is a published variant, not the exercise's form: Adam's bias correction kept", source='''
def amsgrad(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    t, exp_avg, exp_avg_sq, max_sq = (0, 0.0, 0.0, 0.0) if state is None else state
    t += 1
    exp_avg = beta1 * exp_avg + (1 - beta1) * grad
    exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
    max_sq = np.maximum(max_sq, exp_avg_sq)
    denom = np.sqrt(max_sq) / np.sqrt(1 - beta2**t) + eps
    return param - lr / (1 - beta1**t) * exp_avg / denom, (t, exp_avg, exp_avg_sq, max_sq)
'''),
    dict(id="keras", origin="Keras Adam(amsgrad=True): lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t), vhat max",
         expect="Kingma & Ba's efficient step size", source='''
def amsgrad(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v, vhat = (0, 0.0, 0.0, 0.0) if state is None else state
    t += 1
    lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    vhat = np.maximum(vhat, v)
    return param - lr_t * m / (np.sqrt(vhat) + eps), (t, m, v, vhat)
'''),
    dict(id="max-into-v-eps-inside", origin="the issue's example: the maximum written back into v and eps inside the root",
         expect=("two classic mistakes at once", "the maximum written back into v", "eps inside the square root"), source='''
def amsgrad(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = (np.zeros_like(param), np.zeros_like(param)) if state is None else state
    m = beta1 * m + (1 - beta1) * grad
    v = np.maximum(v, beta2 * v + (1 - beta2) * grad**2)
    return param - lr * m / np.sqrt(v + eps), (m, v)
'''),
    dict(id="adam-in-disguise", origin="the maximum kept but not used", expect="no maximum", source='''
def amsgrad(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v, v_max = (0.0, 0.0, 0.0) if state is None else state
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    v_max = np.maximum(v_max, v)
    return param - lr * m / (np.sqrt(v) + eps), (m, v, v_max)
'''),
    dict(id="max-of-corrected", origin="aba_optimiser AMSGradOptimiser: 'the running maximum of the bias-corrected second "
         "moment'", expect="the maximum taken of the bias-corrected v", source='''
def amsgrad(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v, v_hat_max = (0, 0.0, 0.0, 0.0) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    v_hat_max = np.maximum(v_hat_max, v / (1 - beta2**t))
    return param - lr * m / (np.sqrt(v_hat_max) + eps), (t, m, v, v_hat_max)
'''),
    dict(id="fixed-beta1", origin="beta1 hard-coded", expect="ignores beta1 (it uses beta1 = 0.9", source='''
def amsgrad(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v, v_hat = (0.0, 0.0, 0.0) if state is None else state
    m = 0.9 * m + 0.1 * grad
    v = beta2 * v + (1 - beta2) * grad**2
    v_hat = np.maximum(v_hat, v)
    return param - lr * m / (np.sqrt(v_hat) + eps), (m, v, v_hat)
'''),
]

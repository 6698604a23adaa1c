"""Realistic answers to the nadam exercise (format: tests/corpus/README.md)."""
EXERCISE = "nadam"
ENTRIES = [
    dict(id="ruder", origin="Ruder's Nadam, written out", correct=True, source='''
def nadam(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = (0, np.zeros_like(param), np.zeros_like(param)) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    step = lr / (np.sqrt(v_hat) + eps) * (beta1 * m_hat + (1 - beta1) * grad / (1 - beta1**t))
    return param - step, (t, m, v)
'''),
    dict(id="graddescent-jl", origin="GradDescent.jl NadamOptimizer: eta ./ sqrt.(v_hat .+ eps) (eps under the root)",
         expect="eps inside the square root", source='''
def nadam(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m_t, v_t = (0, 0.0, 0.0) if state is None else state
    t += 1
    m_t = beta1 * m_t + (1.0 - beta1) * grad
    v_t = beta2 * v_t + (1.0 - beta2) * grad**2
    m_hat = m_t / (1.0 - beta1**t)
    v_hat = v_t / (1.0 - beta2**t)
    rho = lr / np.sqrt(v_hat + eps)
    rho = rho * (beta1 * m_hat + (1.0 - beta1) * grad / (1 - beta1**t))
    return param - rho, (t, m_t, v_t)
'''),
    dict(id="torch-schedule", origin="torch.optim.NAdam / Keras Nadam: Dozat's momentum schedule with decay 0.004",
         expect="Dozat's momentum schedule", source='''
def nadam(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v, mu_product = (0, 0.0, 0.0, 1.0) if state is None else state
    t += 1
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * 0.004))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * 0.004))
    mu_product = mu_product * mu
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    denom = np.sqrt(v / (1 - beta2**t)) + eps
    new = param - lr * (1 - mu) / (1 - mu_product) * grad / denom
    new = new - lr * mu_next / (1 - mu_product * mu_next) * m / denom
    return new, (t, m, v, mu_product)
'''),
    dict(id="dozat-constant", origin="Dozat (2016) eq. with a constant momentum: m / (1 - beta1**(t+1))",
         expect="bias-corrected with 1 - beta1**(t+1)", source='''
def nadam(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = (0, 0.0, 0.0) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    g_hat = grad / (1 - beta1**t)
    m_hat = m / (1 - beta1**(t + 1))
    m_bar = (1 - beta1) * g_hat + beta1 * m_hat
    return param - lr * m_bar / (np.sqrt(v / (1 - beta2**t)) + eps), (t, m, v)
'''),
    dict(id="adam-under-the-name", origin="Adam's step with a Nadam signature", expect="m_hat alone", source='''
def nadam(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = (0, 0.0, 0.0) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return param - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), (t, m, v)
'''),
    dict(id="uncorrected-g-eps-inside", origin="two slips at once", expect=("two classic mistakes at once",
         "the gradient term of the Nesterov mix is not bias-corrected", "eps inside the square root"), source='''
def nadam(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = (0, 0.0, 0.0) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return param - lr / np.sqrt(v_hat + eps) * (beta1 * m_hat + (1 - beta1) * grad), (t, m, v)
'''),
    dict(id="fixed-beta1", origin="beta1 written as 0.9 in the mix", expect="ignores beta1 (it uses beta1 = 0.9", source='''
def nadam(param, grad, state, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    b1 = 0.9
    t, m, v = (0, 0.0, 0.0) if state is None else state
    t += 1
    m = b1 * m + (1 - b1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - b1**t), v / (1 - beta2**t)
    return param - lr / (np.sqrt(v_hat) + eps) * (b1 * m_hat + (1 - b1) * grad / (1 - b1**t)), (t, m, v)
'''),
]

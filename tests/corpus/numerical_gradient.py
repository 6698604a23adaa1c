"""Realistic answers to the numerical_gradient exercise (format: tests/corpus/README.md)."""
EXERCISE = "numerical_gradient"
ENTRIES = [
    dict(id="copies", origin="the notebook's own instructions (copies of x)", correct=True, source='''
def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[i] += h
        x_minus[i] -= h
        grad[i] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad
'''),
    dict(id="flat-step-vector", origin="a unit step vector per flat index (many gradient-check tutorials)", correct=True,
         source='''
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.size)
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = h
        e = e.reshape(x.shape)
        grad[k] = (f(x + e) - f(x - e)) / (2 * h)
    return grad.reshape(x.shape)
'''),
    dict(id="cs231n-nditer", origin="CS231n gradient_check.eval_numerical_gradient (np.nditer, x changed and restored); "
         "eliben/deep-learning-samples numgrad.py and many copies", expect="CS231n's change-and-restore", source='''
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval - h
        fxmh = f(x)
        x[ix] = oldval
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad
'''),
    dict(id="saito-h", origin="Saito, Deep Learning from Scratch numerical_gradient: h = 1e-4 written in the function",
         expect="h is ignored (h = 0.0001 written in the code)", source='''
def numerical_gradient(f, x, h=1e-5):
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
        it.iternext()
    return grad
'''),
    dict(id="pskrunner-default", origin="pskrunner14/neural-networks tests: eval_numerical_gradient(f, x, h=1e-6)",
         expect="your default is h=1e-06, expected h=1e-5", source='''
def numerical_gradient(f, x, h=1e-6):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
    return grad
'''),
    dict(id="forward", origin="the forward difference of the textbook definition of the derivative",
         expect="one-sided (forward) difference", source='''
def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    fx = f(x)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xp[i] += h
        grad[i] = (f(xp) - fx) / h
    return grad
'''),
    dict(id="precedence", origin="(fxph - fxmh) / 2 * h (operator precedence, Q&A threads)", expect="/ 2 * h", source='''
def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / 2 * h
    return grad
'''),
    dict(id="rows", origin="cxw745/AI_SYSU lab6 gradient.py: for idx in range(x.shape[0]) (rows of a matrix)",
         expect="a loop over the first axis only", source='''
def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for idx in range(x.shape[0]):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        grad[idx] = (f(xp) - f(xm)) / (2 * h)
    return grad
'''),
    dict(id="shift-everything", origin="x + h without an index (forum question 'my numerical gradient is the same for "
         "every entry')", expect="x + h shifts every entry at once", source='''
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        grad[i] = (f(x + h) - f(x - h)) / (2 * h)
    return grad
'''),
    dict(id="f-of-x", origin="copies made, then f called on x (a typo)", expect=("f evaluated at x itself",), source='''
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        x_plus = x.copy()
        x_plus[i] += h
        x_minus = x.copy()
        x_minus[i] -= h
        grad[i] = (f(x) - f(x)) / (2 * h)
    return grad
'''),
    dict(id="two-forward-fixed-h", origin="forward difference with h = 1e-4 written in (two slips)",
         expect=("two classic mistakes at once", "one-sided (forward)", "h = 0.0001"), source='''
def numerical_gradient(f, x, h=1e-5):
    h = 1e-4
    x = np.array(x, dtype=float)
    fx = f(x)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xp[i] += h
        grad[i] = (f(xp) - fx) / h
    return grad
'''),
]

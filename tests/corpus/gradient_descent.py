"""Realistic answers to the gradient_descent exercise (format: tests/corpus/README.md)."""
EXERCISE = "gradient_descent"
ENTRIES = [
    dict(id="notebook", origin="the notebook's four steps, written out", correct=True, source='''
def gradient_descent(grad_fn, x0, lr, num_steps, tol=None):
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(num_steps):
        g = grad_fn(x)
        if tol is not None and np.linalg.norm(g) < tol:
            break
        x = x - lr * g
        trajectory.append(x)
        if not np.all(np.isfinite(x)):
            break
    return np.array(trajectory)
'''),
    dict(id="preallocated", origin="a preallocated array, trimmed at the end", correct=True, source='''
def gradient_descent(grad_fn, x0, lr, num_steps, tol=None):
    path = np.zeros((num_steps + 1, len(x0)))
    path[0] = x0
    k = 0
    while k < num_steps:
        g = grad_fn(path[k].copy())
        if tol is not None and np.sqrt(np.sum(g**2)) < tol:
            break
        path[k + 1] = path[k] - lr * g
        k += 1
        if np.isnan(path[k]).any() or np.isinf(path[k]).any():
            break
    return path[:k + 1]
'''),
    dict(id="realpython", origin="Real Python's gradient descent tutorial: diff = -learn_rate * gradient(vector); "
         "if np.all(np.abs(diff) <= tolerance): break; vector += diff", expect="changed its input x0 in place", source='''
def gradient_descent(grad_fn, x0, lr, num_steps, tol=None):
    vector = x0
    rows = [vector.copy()]
    for _ in range(num_steps):
        diff = -lr * grad_fn(vector)
        if tol is not None and np.all(np.abs(diff) <= tol):
            break
        vector += diff
        rows.append(vector.copy())
    return np.array(rows)
'''),
    dict(id="realpython-copy", origin="the same tutorial with a copy of the start", expect=(
        "tol compared with the entries of the step lr * grad",), source='''
def gradient_descent(grad_fn, x0, lr, num_steps, tol=None):
    vector = np.array(x0, dtype=float)
    rows = [vector]
    for _ in range(num_steps):
        diff = -lr * grad_fn(vector)
        if tol is not None and np.all(np.abs(diff) <= tol):
            break
        vector = vector + diff
        rows.append(vector)
        if not np.all(np.isfinite(vector)):
            break
    return np.array(rows)
'''),
    dict(id="no-divergence-stop", origin="the loop without step 4 of the notebook", expect="no stop after a non-finite step",
         source='''
def gradient_descent(grad_fn, x0, lr, num_steps, tol=None):
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(num_steps):
        g = grad_fn(x)
        if tol is not None and np.linalg.norm(g) < tol:
            break
        x = x - lr * g
        trajectory.append(x)
    return np.array(trajectory)
'''),
    dict(id="geeks-final-point", origin="GeeksforGeeks 'numpy gradient descent optimizer': only the final point returned",
         expect="returns only the last point", source='''
def gradient_descent(grad_fn, x0, lr, num_steps, tol=None):
    res = np.array(x0, dtype=float)
    for _ in range(num_steps):
        g = grad_fn(res)
        if tol is not None and np.linalg.norm(g) < tol:
            break
        res = res - lr * g
        if not np.all(np.isfinite(res)):
            break
    return res
'''),
    dict(id="grad-at-start", origin="grad_fn(x0) inside the loop", expect="the gradient is always taken at x0", source='''
def gradient_descent(grad_fn, x0, lr, num_steps, tol=None):
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(num_steps):
        g = grad_fn(x0)
        if tol is not None and np.linalg.norm(g) < tol:
            break
        x = x - lr * g
        trajectory.append(x)
        if not np.all(np.isfinite(x)):
            break
    return np.array(trajectory)
'''),
    dict(id="fixed-lr", origin="a learning rate written in the loop", expect="ignores lr (it uses lr = 0.01", source='''
def gradient_descent(grad_fn, x0, lr, num_steps, tol=None):
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(num_steps):
        g = grad_fn(x)
        if tol is not None and np.linalg.norm(g) < tol:
            break
        x = x - 0.01 * g
        trajectory.append(x)
        if not np.all(np.isfinite(x)):
            break
    return np.array(trajectory)
'''),
    dict(id="squared-norm-no-stop", origin="np.dot(g, g) < tol and no divergence stop (two slips)",
         expect=("two classic mistakes at once", "the squared norm", "no stop after a non-finite step"), source='''
def gradient_descent(grad_fn, x0, lr, num_steps, tol=None):
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(num_steps):
        g = grad_fn(x)
        if tol is not None and np.dot(g, g) < tol:
            break
        x = x - lr * g
        trajectory.append(x)
    return np.array(trajectory)
'''),
]

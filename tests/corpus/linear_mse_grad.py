"""Realistic answers to notebook 02's linear_mse_grad(X, y, w, b): the gradients of the mean squared error as
from-scratch linear regression repositories and tutorials write them, adapted to the contract (X (N, D),
y (N,), w (D,), b a float; return (dw, db))."""

EXERCISE = "linear_mse_grad"

ENTRIES = [
    dict(id="per-example-loop", correct=True,
         origin="a gradient-descent README that loops over the examples (dldw += -2 * xi * (yi - (w * xi + b)) / N)",
         source='''
def linear_mse_grad(X, y, w, b):
    N = len(y)
    dldw = np.zeros(X.shape[1])
    dldb = 0.0
    for xi, yi in zip(X, y):
        dldw += -2 * xi * (yi - (xi @ w + b)) / N
        dldb += -2 * (yi - (xi @ w + b)) / N
    return dldw, dldb
'''),
    dict(id="minus-two-over-m", correct=True,
         origin="from-scratch LinearRegression classes: dw = -(2 * X.T.dot(Y - Y_pred)) / m",
         source='''
def linear_mse_grad(X, y, w, b):
    m = X.shape[0]
    y_pred = X.dot(w) + b
    dw = -(2 * (X.T).dot(y - y_pred)) / m
    db = -2 * np.sum(y - y_pred) / m
    return dw, db
'''),
    dict(id="two-dropped-as-a-constant", expect="the factor 2 from d(r**2)/dr = 2r is missing",
         origin="ml-from-scratch LinearRegression: 'we removed 2 from the dw and db, bcs it just a constant'",
         source='''
def linear_mse_grad(X, y, w, b):
    n_samples = X.shape[0]
    y_pred = np.dot(X, w) + b
    dw = (1 / n_samples) * np.dot(X.T, (y_pred - y))
    db = (1 / n_samples) * np.sum(y_pred - y)
    return dw, db
'''),
    dict(id="bias-left-out", expect="your function ignores b",
         origin="the prediction written without the bias (y_pred = X @ w), common in NumPy tutorials that add b later",
         source='''
def linear_mse_grad(X, y, w, b):
    N = len(y)
    error = X @ w - y
    return 2 / N * X.T @ error, 2 / N * np.sum(error)
'''),
    dict(id="db-sum-without-mean", expect="db without the 1/N",
         origin="db written as the sum of the residuals (2 * sum(r)) while dw is averaged",
         source='''
def linear_mse_grad(X, y, w, b):
    r = X @ w + b - y
    return 2 * X.T @ r / len(y), 2 * np.sum(r)
'''),
    dict(id="no-two-and-sign", expect=("two classic mistakes at once", "factor 2", "wrong sign"),
         origin="the residual y - y_pred of the loss's formula kept in the gradient, and the 2 dropped",
         source='''
def linear_mse_grad(X, y, w, b):
    m = len(y)
    residual = y - (X @ w + b)
    return X.T @ residual / m, np.sum(residual) / m
'''),
]

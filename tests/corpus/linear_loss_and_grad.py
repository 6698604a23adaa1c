"""Realistic answers to notebook 04's linear_loss_and_grad(X, y, w, b) -> (loss, dw, db): the mean squared
error and its gradients as courses and from-scratch repositories write them, adapted to the contract."""

EXERCISE = "linear_loss_and_grad"

ENTRIES = [
    dict(id="vectorised", correct=True, origin="the textbook form: r = X @ w + b - y, loss = mean(r**2)",
         source='''
def linear_loss_and_grad(X, y, w, b):
    N = X.shape[0]
    r = X @ w + b - y
    return float(np.mean(r ** 2)), (2 / N) * X.T @ r, float((2 / N) * r.sum())
'''),
    dict(id="grad-beta-notebook", correct=True,
         origin="a gradient-descent notebook: loss = dot(y - X beta - b, y - X beta - b) / y.size, "
                "grad = -2 X.T (y - X beta - b) / y.size",
         source='''
def linear_loss_and_grad(X, y, w, b):
    e = y - np.dot(X, w) - b
    loss = float(np.dot(e.T, e) / y.size)
    return loss, -2 * np.dot(X.T, e) / y.size, -2 * np.sum(e) / y.size
'''),
    dict(id="andrew-ng-half", expect="the 1/(2N) convention",
         origin="Andrew Ng's Machine Learning course: J = 1/(2m) sum (h - y)^2, gradient 1/m X.T (h - y)",
         source='''
def linear_loss_and_grad(X, y, w, b):
    m = len(y)
    h = X @ w + b
    J = np.sum((h - y) ** 2) / (2 * m)
    return J, X.T @ (h - y) / m, np.sum(h - y) / m
'''),
    dict(id="sum-of-squares", expect="the 1/N of the mean is missing",
         origin="the sum of squared errors used as the loss (SSE), gradients from it",
         source='''
def linear_loss_and_grad(X, y, w, b):
    r = X @ w + b - y
    return float(r @ r), 2 * X.T @ r, float(2 * r.sum())
'''),
    dict(id="bias-left-out", expect="your function ignores b",
         origin="the prediction written as X @ w (the bias added to the model later, but not here)",
         source='''
def linear_loss_and_grad(X, y, w, b):
    r = X @ w - y
    N = len(y)
    return np.mean(r ** 2), 2 * X.T @ r / N, 2 * np.mean(r)
'''),
    dict(id="half-and-sign", expect=("a published variant and a classic mistake at once", "1/(2N)", "wrong sign"),
         origin="the 1/(2m) cost with the residual y - h carried into the gradient",
         source='''
def linear_loss_and_grad(X, y, w, b):
    m = len(y)
    err = y - (X @ w + b)
    return np.sum(err ** 2) / (2 * m), X.T @ err / m, np.sum(err) / m
'''),
]

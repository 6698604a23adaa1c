"""Realistic answers to notebook 07's train_step(model, optimizer, X_batch, y_batch) -> loss: training loops of
PyTorch tutorials and from-scratch repositories (forward, backward, step), adapted to the contract
(model.loss(X, y) -> (loss, grads) does forward and backward; optimizer.step(grads) updates; model.grads keeps
the last grads, as gdbp.model.MLP does)."""

EXERCISE = "train_step"

ENTRIES = [
    dict(id="forward-backward-step", correct=True,
         origin="the four beats of every PyTorch loop (zero_grad, forward, backward, step) in this course's API",
         source='''
def train_step(model, optimizer, X_batch, y_batch):
    loss, grads = model.loss(X_batch, y_batch)
    optimizer.step(grads)
    return float(loss)
'''),
    dict(id="item-and-stored-grads", correct=True,
         origin="loss.item() and the grads read back from the model after the pass (model.grads)",
         source='''
def train_step(model, optimizer, X_batch, y_batch):
    loss, _ = model.loss(X=X_batch, y=y_batch)
    optimizer.step(model.grads)
    return loss.item()
'''),
    dict(id="step-before-backward", expect=("optimizer.step is called before model.loss", "previous batch"),
         origin="optimizer.step() written before loss.backward() (PyTorch forums and error pages: the update "
                "uses stale gradients)",
         source='''
def train_step(model, optimizer, X_batch, y_batch):
    optimizer.step(model.grads)
    loss, grads = model.loss(X_batch, y_batch)
    return float(loss)
'''),
    dict(id="loss-and-grads-separately", expect="model.loss called twice, once for the loss and once for the grads",
         origin="the loss and the gradients taken from two calls, as with separate loss() and gradient() methods",
         source='''
def train_step(model, optimizer, X_batch, y_batch):
    loss = model.loss(X_batch, y_batch)[0]
    grads = model.loss(X_batch, y_batch)[1]
    optimizer.step(grads)
    return float(loss)
'''),
    dict(id="evaluate-after-step", expect="returns the loss of a second forward pass, after the update",
         origin="loops that print the loss recomputed after the update",
         source='''
def train_step(model, optimizer, X_batch, y_batch):
    _, grads = model.loss(X_batch, y_batch)
    optimizer.step(grads)
    new_loss, _ = model.loss(X_batch, y_batch)
    return float(new_loss)
'''),
    dict(id="sgd-by-hand", expect="your function ignores optimizer",
         origin="W -= lr * dW from-scratch training loops, kept although an optimizer is passed",
         source='''
def train_step(model, optimizer, X_batch, y_batch):
    learning_rate = 0.1
    loss, grads = model.loss(X_batch, y_batch)
    for name in model.params:
        model.params[name] -= learning_rate * grads[name]
    return float(loss)
'''),
    dict(id="whole-training-set", expect="your function ignores X_batch and y_batch",
         origin="full-batch gradient descent left in a mini-batch loop (the notebook's X_train used instead of the "
                "batch)",
         source='''
X_train = np.linspace(-1.0, 1.0, 30).reshape(10, 3)
y_train = np.linspace(1.0, -1.0, 10)

def train_step(model, optimizer, X_batch, y_batch):
    loss, grads = model.loss(X_train, y_train)
    optimizer.step(grads)
    return float(loss)
'''),
    dict(id="pytorch-return-tuple", expect="returns (loss, grads) instead of the loss alone",
         origin="a helper that returns everything it computed (return loss, grads)",
         source='''
def train_step(model, optimizer, X_batch, y_batch):
    loss, grads = model.loss(X_batch, y_batch)
    optimizer.step(grads)
    return loss, grads
'''),
    dict(id="loop-body-pasted", expect=("two classic mistakes at once", "before model.loss", "no return statement"),
         origin="a misordered PyTorch loop body pasted into a function (step first, then the pass), without return",
         source='''
def train_step(model, optimizer, X_batch, y_batch):
    optimizer.step(model.grads)
    loss, grads = model.loss(X_batch, y_batch)
'''),
]

"""gdbp.checks._watch: the reference in disguise is seen however it is reached; the learner's own code,
and what the checker hands to it, are not mistaken for it."""
import functools
import inspect

import numpy as np
import pytest

import gdbp.engine
import gdbp.optim
from gdbp.checks._watch import REFERENCE_MODULES, Watch, describe
from gdbp.model import MLP
from gdbp.optim import Optimizer

P, G = np.ones(3), np.full(3, 0.5)


def cell(source, **names):
    """Define the names of ``source`` as a notebook cell would."""
    namespace = {"__name__": "__main__", "gdbp": gdbp, **names}
    exec(compile(source, "/tmp/ipykernel_1/1.py", "exec"), namespace)  # noqa: S102
    return namespace


def found(exercise, fn, *args, **kwargs):
    with Watch(exercise) as watch:
        try:
            fn(*args, **kwargs)
        except Exception:  # noqa: BLE001 - what ran until the error counts
            pass
    return watch.found


OWN_ADAM = '''
import numpy as np
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    t, m, v = state if state is not None else (0, np.zeros_like(param), np.zeros_like(param))
    t, m, v = t + 1, beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), (t, m, v)
'''

DISGUISES = {
    "imported": "from gdbp.optim import adam",
    "default argument": "def adam(param, grad, state, _f=gdbp.optim.adam, **hp):\n    return _f(param, grad, state, **hp)",
    "dict": "table = {'rule': gdbp.optim.adam}\ndef adam(param, grad, state, **hp):\n"
            "    return table['rule'](param, grad, state, **hp)",
    "class attribute": "class Rules:\n    rule = staticmethod(gdbp.optim.adam)\n"
                       "def adam(param, grad, state, **hp):\n    return Rules.rule(param, grad, state, **hp)",
    "partial": "import functools\nadam = functools.partial(gdbp.optim.adam)",
    "equivalent rule": "def adam(param, grad, state, **hp):\n"
                       "    return gdbp.optim.adamw(param, grad, state, weight_decay=0.0, **hp)",
    "Optimizer": "def adam(param, grad, state, lr=0.001, **hp):\n"
                 "    opt = state or gdbp.optim.Optimizer({'p': param.copy()}, rule='adam', lr=lr)\n"
                 "    opt.step({'p': grad})\n    return opt.params['p'], opt",
    "exec of the source": "import inspect, sys\nm = sys.modules['gdbp.optim.adam']\nspace = dict(vars(m))\n"
                          "exec(inspect.getsource(m), space)\nadam = space['adam']",
}


@pytest.mark.parametrize("disguise", DISGUISES, ids=list(DISGUISES))
def test_watch_sees_the_reference_in_disguise(disguise):
    adam = cell(DISGUISES[disguise])["adam"]
    hits = found("adam", adam, P, G, None, lr=0.1)
    assert hits, f"{disguise}: the reference ran unseen"
    assert "reference code" in describe(hits)


def test_watch_ignores_the_learners_own_code():
    adam = cell(OWN_ADAM)["adam"]
    assert found("adam", adam, P, G, None, lr=0.1) == []


def test_watch_ignores_given_stubs_identical_to_the_reference():
    """Notebook 05 gives `__radd__` (`return self + other`) as in gdbp.engine: not a borrowing."""
    own = cell("class Value:\n    def __init__(self, data):\n        self.data = data\n"
               "    def __add__(self, other):\n        return Value(self.data + other.data)\n"
               "    def __radd__(self, other):\n        return self + other\n")["Value"]
    assert found("value_ops", lambda: own(1.0).__radd__(own(2.0))) == []
    assert found("value_ops", lambda: gdbp.engine.Value(1.0) + 2.0) != []


def test_watch_allows_what_the_checker_hands_over():
    """train_step's checker passes a real MLP and Optimizer: only gdbp.train is its reference."""
    def train_step(model, optimizer, X, y):
        loss, grads = model.loss(X, y)
        optimizer.step(grads)
        return float(loss)
    model = MLP(4, [3], 2, seed=0)
    optimizer = Optimizer(model.params, rule="sgd", lr=0.1)
    assert found("train_step", train_step, model, optimizer, np.ones((2, 4)), np.array([0, 1])) == []
    assert found("train_step", gdbp.train.train_step, model, optimizer, np.ones((2, 4)), np.array([0, 1]))


def test_watch_restores_the_previous_profile_hook():
    import sys
    calls = []

    def outer(frame, event, arg):
        calls.append(event)
    sys.setprofile(outer)
    try:
        with Watch("adam"):
            gdbp.optim.sgd(P, G, None)
        assert sys.getprofile() is outer and calls, "the hook chains to and restores the one before"
    finally:
        sys.setprofile(None)


def test_every_exercise_has_reference_modules():
    from gdbp.checks import EXERCISES
    assert set(EXERCISES) <= set(REFERENCE_MODULES)
    for modules in REFERENCE_MODULES.values():
        for name in modules:
            assert inspect.ismodule(__import__(name, fromlist=["_"]))


def test_partial_of_the_learners_own_function_is_fine():
    own = cell(OWN_ADAM)["adam"]
    assert found("adam", functools.partial(own, lr=0.2), P, G, None) == []


# ------------------------------------------------------------------ through the visible checkers

@pytest.mark.parametrize(("check", "source", "name"), [
    ("check_adam", DISGUISES["default argument"], "adam"),
    ("check_adam", DISGUISES["equivalent rule"], "adam"),
    ("check_sgd", "def sgd(param, grad, state, lr=0.01):\n    return gdbp.optim.momentum(param, grad, state, lr=lr, "
                  "momentum=0.0)", "sgd"),
    ("check_train_step", "import gdbp.train\nrules = [gdbp.train.train_step]\n"
                         "def train_step(model, optimizer, X_batch, y_batch):\n"
                         "    return rules[0](model, optimizer, X_batch, y_batch)", "train_step"),
    ("check_numerical_gradient", "import gdbp.gradcheck\ndef numerical_gradient(f, x, h=1e-5):\n"
                                 "    return gdbp.gradcheck.numerical_gradient(f, x, h)", "numerical_gradient"),
    ("check_relu_backward", "import gdbp.layers\nclass Keep:\n    f = staticmethod(gdbp.layers.relu_backward)\n"
                            "def relu_backward(dout, cache):\n    return Keep.f(dout, cache)", "relu_backward"),
    ("check_value_ops", "Value = type('Value', (gdbp.engine.Value,), {})", "Value"),
])
def test_visible_checkers_refuse_the_reference_in_disguise(check, source, name):
    import gdbp.checks
    fn = cell(source)[name]
    with pytest.raises(AssertionError, match="runs the course's reference code"):
        getattr(gdbp.checks, check)(fn)


def test_visible_checkers_accept_the_learners_own_code():
    import gdbp.checks
    gdbp.checks.check_adam(cell(OWN_ADAM)["adam"])


def test_visible_checker_refuses_the_checkers_own_rewrite_of_the_reference():
    """The catalogue's base implementation is the reference rewritten: borrowing it is borrowing."""
    import gdbp.checks
    import gdbp.checks.optim as co
    rewrite = co.CATALOGUES["adam"].function([])
    adam = cell("def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):\n"
                "    return rewrite(param, grad, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps)", rewrite=rewrite)["adam"]
    with pytest.raises(AssertionError, match="runs the course's reference code"):
        gdbp.checks.check_adam(adam)

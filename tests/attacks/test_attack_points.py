"""Attacks for points not earned: a wrong or borrowed answer that passes the visible and hidden tests.

Run: ./dev test tests/attacks/test_attack_points.py
"""
import pytest
from conftest import require_sandbox
from harness import grade_real, outputs_of, report

pytestmark = pytest.mark.slow

WRONG_ADAM = '''
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    return param + 0.0 * grad, state          # wrong: never moves
'''

# The visible checker compares the learner with OPTIMIZERS["adam"].reference; OPTIMIZERS is a public
# dict of gdbp.checks.optim, which the sandbox may import, and the grader serves dict attributes as live
# handles that the sandbox may write into (op "setitem").
SWAP_REFERENCE = WRONG_ADAM + '''
import gdbp.checks.optim as co
co.OPTIMIZERS["adam"] = co.OptimizerExercise("adam", adam, co.OPTIMIZERS["adam"].hyperparameters)
'''

# The hidden test compares adam with gdbp.optim.adam over random hyperparameters and watches only one
# probe call (assert_not_reference). A result that is computed when the grader *reads* it (len/getitem
# of a proxy, inside np.testing.assert_allclose), not during the watched call, runs the reference
# unwatched.
LAZY_HIDDEN = '''
import numpy as np
import gdbp.optim
import gdbp.checks.optim as co

class Lazy:
    def __init__(self, param, grad, state, hp):
        self.args, self.value = (param, grad, state, hp), None
    def force(self):
        if self.value is None:
            param, grad, state, hp = self.args
            param = param.force()[0] if isinstance(param, Lazy) else param
            state = state.force()[1] if isinstance(state, Lazy) else state
            self.value = gdbp.optim.adam(param, grad, state, **hp)
        return self.value
    def __len__(self):
        return len(self.force()[0])
    def __getitem__(self, i):
        return self.force()[0][i]

def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    if (beta1, beta2, eps) in ((0.8, 0.95, 1e-7), (0.9, 0.999, 1e-8)):
        return param + 0.0 * grad, state          # the visible checker's calls: compared with itself
    lazy = Lazy(param, grad, state, dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps))
    return lazy, lazy

co.OPTIMIZERS["adam"] = co.OptimizerExercise("adam", adam, co.OPTIMIZERS["adam"].hyperparameters)
'''


def test_control_a_wrong_adam_fails():
    """Control: the wrong adam alone scores 0 for test_adam."""
    require_sandbox()
    result = grade_real("10_adam_family", {"adam": WRONG_ADAM})
    assert result.passed["test_adam"] is False, report(result)


# was: SUCCEEDED: the sandbox replaces gdbp.checks.optim.OPTIMIZERS['adam']  (a live dict handle) so the visible checker compares adam with itself (blocked now)
def test_swapping_the_checkers_reference_does_not_pass_the_visible_check():
    """A wrong adam plus OPTIMIZERS["adam"] swapped: the visible check_adam must still fail."""
    require_sandbox()
    result = grade_real("10_adam_family", {"adam": SWAP_REFERENCE})
    errors = [o.ename for o in outputs_of(result, "test_adam") if o.output_type == "error"]
    assert errors == ["CheckFailed"], report(result)  # today: AssertionError of the hidden part, check_adam passed


# was: SUCCEEDED: OPTIMIZERS swap + a lazy result evaluated outside the watched  call: 2/2 points for an adam that never computes anything itself (blocked now)
def test_a_wrong_adam_with_a_swapped_reference_and_lazy_results_scores_zero():
    """Full attack: visible check fooled by the swap, hidden test fooled by lazy evaluation."""
    require_sandbox()
    result = grade_real("10_adam_family", {"adam": LAZY_HIDDEN})
    assert result.passed["test_adam"] is False, report(result)


# gdbp.checks.optim.CATALOGUES["adam"].function([]) is the checker's own rewrite of the reference (the family at
# its base settings); its code lives in gdbp/checks/, which the reference watch exempts, and the hidden test's
# static check sees only the learner's wrapper (a proxy whose __module__ is "__main__").
CATALOGUE_BORROW = '''
import gdbp.checks.optim as co
_ref = co.CATALOGUES["adam"].function([])
def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    return _ref(param, grad, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
'''


# was: SUCCEEDED: the checker's catalogue hands out a reference-equivalent adam  whose code (gdbp/checks/) the watch exempts (blocked now)
def test_borrowing_the_checkers_catalogue_is_seen_as_borrowing():
    """adam = a wrapper of CATALOGUES['adam'].function([]): must score 0 like any borrowed reference."""
    require_sandbox()
    result = grade_real("10_adam_family", {"adam": CATALOGUE_BORROW})
    assert result.passed["test_adam"] is False, report(result)


def test_control_borrowing_gdbp_optim_adam_is_seen():
    """Control (blocked): a wrapper of gdbp.optim.adam itself fails test_adam (the watch sees it)."""
    require_sandbox()
    source = ("import gdbp.optim\ndef adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):\n"
              "    return gdbp.optim.adam(param, grad, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps)")
    result = grade_real("10_adam_family", {"adam": source})
    assert result.passed["test_adam"] is False, report(result)


# Mini course: sgd_step's hidden test is assert_not_reference(sgd_step, reference.sgd_step, args=...), which
# watches only the call itself. The returned object computes its value when the checker reads it
# (np.asarray -> len/getitem requests), after the watched call returned, so the reference runs unwatched.
LAZY_MINI = '''
import numpy as np
from minicourse import reference

class Lazy:
    def __init__(self, *args):
        self.args = args
    def value(self):
        return reference.sgd_step(*self.args)
    def __len__(self):
        return len(self.value())
    def __getitem__(self, i):
        return self.value()[i]

def sgd_step(param, grad, lr):
    return Lazy(param, grad, lr)
'''


# was: SUCCEEDED: a lazily evaluated result runs minicourse.reference.sgd_step  after the watched call: 3/3 points for the borrowed reference (blocked now)
def test_a_lazy_result_does_not_hide_a_borrowed_reference():
    from harness import grade_mini
    require_sandbox()
    result = grade_mini("01_basics", {"sgd_answer": LAZY_MINI})
    assert result.passed["sgd_test"] is False, report(result)

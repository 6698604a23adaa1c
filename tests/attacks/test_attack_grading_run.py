"""Attacks on the grading run itself: crash the grader's worker (and with it every other student's notebook),
or make a whole notebook "not graded".

Run: ./dev test tests/attacks/test_attack_grading_run.py
"""
import nbformat
import pytest
from conftest import require_sandbox
from harness import grade_mini, grading, mini_release, report, sim, submission_of, sources_of

from gdbp.instructor.runner import Limits

pytestmark = pytest.mark.slow

# The decoder builds a numpy Generator from the state the sandbox sends (tag "g") and numpy's MT19937 state
# setter does not bound `pos`: the grader's next draw reads key[pos], 8 GB past the state -> SIGSEGV in the
# grader's worker. concurrent.futures then marks the whole pool broken: every pending notebook fails too.
SEGFAULT = '''
import numpy as np, gdbp.data
bg = np.random.MT19937(0)
state = bg.state
state["state"]["pos"] = 2**31 - 1000
bg.state = state
try:
    gdbp.data.make_moons(n=4, seed=np.random.Generator(bg))
except Exception:
    pass
def square(x):
    return x ** 2
'''


# was: SUCCEEDED: an MT19937 state with pos out of range segfaults the grader;  BrokenProcessPool fails every other notebook of the run (blocked now)
def test_a_crafted_generator_state_does_not_crash_the_grader_or_other_students():
    require_sandbox()
    root = mini_release()
    release, solution = sim.read_pair(root, "01_basics")
    jobs = []
    for student, edits in (("attacker", {"square_answer": SEGFAULT}), ("honest1", {}), ("honest2", {})):
        nb = submission_of(release, solution, edits)
        jobs.append(grading.Job(student, "01_basics", "01_basics", nbformat.writes(release), sources_of(solution),
                                nbformat.writes(nb).encode(), policy={"packages": ("gdbp", "minicourse")},
                                limits=grading.limits_dict(Limits())))
    results = {r.student: r for r in grading.run_jobs(jobs, workers=1)}
    assert results["honest1"].error == "" and all(results["honest1"].passed.values()), results["honest1"].error
    assert results["honest2"].error == "" and all(results["honest2"].passed.values()), results["honest2"].error
    assert results["attacker"].error == "", results["attacker"].error


# The runner catches only SubmissionStopped around request("exec") (and NameError around "lookup"): an error
# reply of any builtin type, which the sandbox can always send, propagates out of Runner.run.
NOT_GRADED = "get_ipython().run_cell = lambda *a, **k: 1 / 0\ndef square(x):\n    return x ** 2"


# was: SUCCEEDED: ZeroDivisionError from the exec handler makes the whole  notebook 'not graded' (Graded.error, no autograded notebook, no scores) (blocked now)
def test_an_error_reply_to_exec_costs_one_cell_not_the_notebook():
    require_sandbox()
    result = grade_mini("01_basics", {"square_answer": NOT_GRADED})
    assert result.error == "" and result.executed is not None, report(result)


NOT_GRADED_LOOKUP = '''
import gc
from gdbp_wire.rpc import Endpoint
endpoint = next(o for o in gc.get_objects() if isinstance(o, Endpoint))
def lookup(*args):
    raise TypeError("not a name")
endpoint.handlers["lookup"] = lookup
def square(x):
    return x ** 2
'''


# was: SUCCEEDED: TypeError from the lookup handler makes the notebook 'not graded' (blocked now)
def test_an_error_reply_to_lookup_costs_one_test_not_the_notebook():
    require_sandbox()
    result = grade_mini("01_basics", {"square_answer": NOT_GRADED_LOOKUP})
    assert result.error == "" and result.executed is not None, report(result)

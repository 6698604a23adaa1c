"""Attacks on GraderPolicy from inside the sandbox: reach modules, functions or objects the grader must not
serve (code execution in the grader, reading its files), through attributes, returned objects, live
handles, operators, deepcopy, generators and exceptions.

Run: ./dev test tests/attacks/test_attack_policy.py
"""
import pytest
from conftest import started_sandbox


REFUSED = {
    "numpy through a gdbp module": "gdbp.optim.np",
    "a private module": "__import__('gdbp.optim._common')",
    "the instructor tools": "__import__('gdbp.instructor.grading')",
    "gdbp.progress": "__import__('gdbp.progress')",
    "the watch's module": "__import__('gdbp.checks._watch')",
    "__globals__": "gdbp.optim.adam.__globals__",
    "__code__": "gdbp.optim.adam.__code__",
    "__wrapped__ of a checker": "gdbp.checks.check_adam.__wrapped__",
    "a bound method's __func__": "gdbp.model.MLP(2, [2], 2).forward.__func__",
    "an instance's __dict__": "gdbp.model.MLP(2, [2], 2).__dict__",
    "a closure": "gdbp.optim.schedules.constant(0.1).__closure__",
    "a generator's frame": "gdbp.data.batches(np.zeros((4, 2)), np.zeros(4), 2).gi_frame",
    "a generator's code": "gdbp.data.batches(np.zeros((4, 2)), np.zeros(4), 2).gi_code",
    "a builtin method of a class": "gdbp.optim.AdamState(1, 2, 3).count",
    "a NamedTuple's _make": "gdbp.optim.AdamState._make",
    "the checkers' tables": "__import__('gdbp.checks.optim')",
    "a checker module's names": "gdbp.checks.EXERCISES",
    "changing a class": "setattr(gdbp.model.MLP, 'forward', print)",
    "a module by deepcopy": "copy.deepcopy(gdbp.optim)",
}


@pytest.fixture(scope="module")
def box():
    yield from started_sandbox()


def attempt_all(box, attempts):
    lines = ["import copy\nimport numpy as np\nimport gdbp, gdbp.optim, gdbp.model, gdbp.data, gdbp.checks, "
             "gdbp.optim.schedules\nresult = {}"]
    for name, expression in attempts.items():
        lines.append(f"try:\n    {expression}\n    result[{name!r}] = 'ok'\n"
                     f"except BaseException as err:\n    result[{name!r}] = type(err).__name__")
    reply = box.endpoint.request("exec", source="\n".join(lines))
    assert not [o for o in reply["outputs"] if o["output_type"] == "error"], reply["outputs"]
    return box.endpoint.request("lookup", name="result")


def test_policy_refuses_what_leads_out_of_the_course_packages(box):
    """blocked: every one of these is refused (ImportError, AttributeError, PermissionError, TypeError)."""
    outcome = attempt_all(box, REFUSED)
    assert "ok" not in outcome.values(), {k: v for k, v in outcome.items() if v == "ok"}


def test_a_modules_tables_arrive_as_copies_not_live_handles(box):
    """blocked: gdbp.optim.RULES is a copy in the sandbox; changing it changes nothing in the grader."""
    reply = box.endpoint.request("exec", source=(
        "import gdbp.optim\nrules = gdbp.optim.RULES\nrules['adam'] = None\n"
        "result = (type(rules).__name__, gdbp.optim.RULES['adam'] is None, len(list(rules.items())) > 5)"))
    assert not [o for o in reply["outputs"] if o["output_type"] == "error"], reply["outputs"]
    import gdbp.optim
    assert box.endpoint.request("lookup", name="result")[0] == "dict"
    assert gdbp.optim.RULES["adam"] is not None


def test_a_served_call_runs_in_the_grader_but_returns_only_data_or_our_objects(box):
    """blocked: what a gdbp function returns arrives as data or as a handle of a gdbp object."""
    reply = box.endpoint.request("exec", source=(
        "import numpy as np, gdbp.optim\np, s = gdbp.optim.adam(np.ones(2), np.ones(2), None)\n"
        "from gdbp_wire.rpc import Proxy\nresult = (type(p).__name__, isinstance(s, Proxy), type(s).__name__)"))
    assert not [o for o in reply["outputs"] if o["output_type"] == "error"]
    assert box.endpoint.request("lookup", name="result") == ("ndarray", True, "AdamState")


# was: SUCCEEDED (minor): an error of a served call sends the grader's file  paths and source lines to the sandbox (RemoteError.remote_frames) (blocked now)
def test_errors_of_served_calls_do_not_show_the_graders_files(box):
    reply = box.endpoint.request("exec", source=(
        "import gdbp.optim\ntry:\n    gdbp.optim.adam(1, 2, 3)\nexcept Exception as err:\n    result = err.remote_frames"))
    assert not [o for o in reply["outputs"] if o["output_type"] == "error"]
    frames = box.endpoint.request("lookup", name="result")
    import gdbp
    assert not any(gdbp.__file__.rsplit("/", 2)[0] in str(frame) for frame in frames), frames[-1]

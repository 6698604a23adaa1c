"""Attacks on the grader's memory and time *through the channel*: the sandbox's own limits (policy.py) hold,
but the grader process, which has none, does the work or keeps the data.

The memory tests run a Sandbox in this process (the test process plays the grader) with small sizes and
measure what the grader keeps; the real attacks scale linearly (a 256 MB frame, a loop of 1000 calls).
Run: ./dev test tests/attacks/test_attack_grader_resources.py
"""
import gc
import time
import tracemalloc

import pytest

from gdbp.instructor.wire.rpc import SubmissionStopped
from conftest import require_sandbox, started_sandbox
from harness import grade_mini, report


pytestmark = pytest.mark.slow


class Kept:
    """MB of Python and numpy allocations the grader (this process) still holds after the block."""

    def __enter__(self):
        gc.collect()
        tracemalloc.start()
        self.before = tracemalloc.get_traced_memory()[0]
        return self

    def __exit__(self, *exc):
        gc.collect()
        self.mb = (tracemalloc.get_traced_memory()[0] - self.before) >> 20
        tracemalloc.stop()
        return False


@pytest.fixture
def box():
    yield from started_sandbox()


def run(box, source, seconds=60):
    """Run a cell as the runner does (the cell's deadline, no per-call limit); return its outputs."""
    ep = box.endpoint
    ep.deadline, ep.call_seconds = time.monotonic() + seconds, None
    try:
        return ep.request("exec", source=source)["outputs"]
    finally:
        ep.deadline, ep.call_seconds = None, 20


RAW_FRAME = '''
import os, sys, struct, time
from gdbp_wire.codec import read_frame
wfd = int(sys.argv[sys.argv.index("--wfd") + 1]); rfd = int(sys.argv[sys.argv.index("--rfd") + 1])
def send(text):
    os.write(wfd, struct.pack("<II", len(text), 0) + text.encode())
'''


def test_a_frame_of_json_does_not_blow_up_in_the_grader(box):
    """(blocked only by luck of size) 60 MB of JSON "[{},{},...]": 20 million dicts built by json.loads in the
    grader before any check; the frame limit (256 MB) allows ~6.5 GB. The grader must parse at most a few MB of
    JSON per frame. Measured: Python allocations peak in the grader while the frame is read."""
    tracemalloc.start()
    try:
        run(box, RAW_FRAME + 'send("[" + "{}," * 20_000_000 + "{}]")\ntime.sleep(3)')
    except Exception:  # noqa: BLE001 - the channel breaks after the frame: that is not the point
        pass
    peak = tracemalloc.get_traced_memory()[1] >> 20
    tracemalloc.stop()
    assert peak < 500, f"a 60 MB frame made the grader allocate {peak} MB (x{peak / 60:.0f})"


# was: SUCCEEDED: class descriptions of every frame are kept by the grader,  unbounded: 3 frames of 18 MB keep > 1 GB (blocked now)
def test_class_descriptions_do_not_accumulate_in_the_grader(box):
    """Valid requests (repr(1)) carrying a huge "classes" field: the grader refuses the frame (too many
    containers: the channel breaks, the sandbox stops) or keeps a bounded description."""
    with Kept() as kept:
        try:
            run(box, RAW_FRAME + '''
for i in range(3):
    bomb = "[" + "{}," * 6_000_000 + "{}]"
    send('{"k":"q","id":%d,"op":"op","name":"repr","args":{"#":"t","v":[1]},"classes":{"x%d":%s}}'
         % (10**6 + i, i, bomb))
    read_frame(rfd)
''')
        except SubmissionStopped:
            pass  # refused: the frame broke the channel
    assert kept.mb < 200, f"the grader keeps {kept.mb} MB after the frames were served"


# was: SUCCEEDED: every object the grader ever exported stays in  Endpoint.exported: 20 calls keep ~330 MB; a loop of 1000 keeps 16 GB (blocked now)
def test_handles_the_sandbox_dropped_are_released_by_the_grader(box):
    """gdbp.optim.adam returns its AdamState (two arrays of param's size) by handle; the grader keeps it
    for the life of the sandbox although the sandbox dropped every proxy (there is no release message)."""
    with Kept() as kept:
        run(box, "import numpy as np, gdbp.optim, gc\nbig = np.zeros(1_000_000)\n"
                 "for i in range(20):\n    gdbp.optim.adam(big, big, None)\ngc.collect()")
    assert kept.mb < 100, f"the grader keeps {kept.mb} MB and {len(box.endpoint.exported)} handles"


# was: SUCCEEDED: a grader-side computation requested from a cell ignores the  cell's limit (here 3 s) and the notebook's (10 s): ~40 s, unbounded with  num_steps=10**9 (blocked now)
def test_a_cell_cannot_make_the_grader_compute_past_the_time_limits():
    """gradient_descent(gdbp.layers.softmax, ...) runs entirely in the grader, which checks deadlines only
    while it waits for a frame: neither CELL_SECONDS nor NOTEBOOK_SECONDS stops it."""
    require_sandbox()
    hang = ("import numpy as np, gdbp.descent, gdbp.layers\n"
            "gdbp.descent.gradient_descent(gdbp.layers.softmax, np.zeros(2), 0.1, 1_500_000)\n"
            "def square(x):\n    return x ** 2")
    result = grade_mini("01_basics", {"square_answer": hang},
                        limits=dict(cell_seconds=3, notebook_seconds=10, test_seconds=5, call_seconds=2))
    assert result.seconds < 10 + 3 + 5, report(result)


SLOW_OUTPUTS = '''
import time
import gdbp_wire.agent as agent
class Slow:
    def __str__(self):
        time.sleep(1.5)
        return "x"
def error(self, ename, evalue, traceback):
    self.items.append({"output_type": "error", "ename": Slow(), "evalue": Slow(), "traceback": [Slow()] * 20})
agent.Outputs.error = error
def square(x):
    return x ** 2
raise ValueError("now")
'''


# was: SUCCEEDED: sanitize_outputs calls str() on proxies the sandbox put in a  cell's outputs, each a request with its own 20 s limit, outside the cell's  deadline: 22 x 1.5 s here, 1000 outputs x 202 x 19 s in general (blocked now)
def test_a_cells_outputs_cannot_hold_the_grader_past_the_limits():
    require_sandbox()
    result = grade_mini("01_basics", {"square_answer": SLOW_OUTPUTS},
                        limits=dict(cell_seconds=5, call_seconds=2, notebook_seconds=10, test_seconds=5))
    assert result.seconds < 10 + 5 + 5, report(result)

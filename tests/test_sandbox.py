"""The grading sandbox, attacked from inside: a submission's cell cannot read the course, reach the
network, start processes, outgrow its limits, leave anything behind, or run code in the grader.

Each test runs cells in a real sandbox (bubblewrap) with the real agent; bubblewrap is required in CI.
"""
import os
import pickle
import socket
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import require_sandbox, started_sandbox

from gdbp.instructor.policy import GraderPolicy
from gdbp.instructor.sandbox import Sandbox
from gdbp.instructor.wire.rpc import SubmissionStopped

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sandbox():
    os.environ["GDBP_TEST_SECRET"] = "the grader's secret"  # set before the sandbox starts
    yield from started_sandbox()


def run(box, source):
    """Run a cell; return the value of ``result`` it defines (data), or raise what the cell raised."""
    reply = box.endpoint.request("exec", source=source)
    errors = [o for o in reply["outputs"] if o["output_type"] == "error"]
    assert not errors, errors
    return box.endpoint.request("lookup", name="result")


def attempt_all(box, attempts):
    """{name: "ok" or the exception's type} for each ``name: expression`` tried inside the sandbox."""
    lines = ["result = {}"]
    for name, expression in attempts.items():
        lines.append(f"try:\n    {expression}\n    result[{name!r}] = 'ok'\n"
                     f"except BaseException as err:\n    result[{name!r}] = type(err).__name__")
    return run(box, "\n".join(lines))


def test_sandbox_cannot_read_the_course_or_the_grader(sandbox):
    outcome = attempt_all(sandbox, {
        "course": f"open({str(REPO / 'README.md')!r}).read()",
        "solutions": f"import os; os.listdir({str(REPO / 'solutions')!r})",
        "gradebook": f"open({str(REPO / 'grading' / 'gradebook.db')!r}, 'rb')",
        "home": "open('/root/.bashrc').read()",
        "etc_passwd": "open('/etc/passwd').read()",
    })
    assert set(outcome.values()) <= {"FileNotFoundError", "PermissionError"}, outcome
    # the course root appears only as the folder above the Python environment, when that lives inside it
    seen = run(sandbox, f"import os\nresult = os.listdir({str(REPO)!r}) if os.path.isdir({str(REPO)!r}) else []")
    assert set(seen) <= {".venv"}, seen
    assert run(sandbox, "import os\nresult = os.environ.get('GDBP_TEST_SECRET')") is None, "environment cleared"


def test_sandbox_has_no_network(sandbox):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    outcome = attempt_all(sandbox, {
        "internet": "import socket; socket.create_connection(('1.1.1.1', 53), timeout=2)",
        "grader_host": f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2)",
    })
    listener.close()
    assert "ok" not in outcome.values(), outcome


def test_sandbox_cannot_start_processes_but_can_use_threads(sandbox):
    outcome = attempt_all(sandbox, {
        "fork": "import os; os.fork()",
        "subprocess": "import subprocess; subprocess.run(['true'])",
        "posix_spawn": "import os; os.posix_spawn('/bin/true', ['true'], {})",
        "unshare": "import ctypes; libc = ctypes.CDLL(None, use_errno=True)\n"
                   "    if libc.unshare(0x10000000) != 0: raise PermissionError(ctypes.get_errno())",
    })
    assert set(outcome.values()) == {"PermissionError"}, outcome
    assert run(sandbox, "import os\nresult = os.system('true')") != 0
    assert run(sandbox, "import threading\nout = []\nt = threading.Thread(target=lambda: out.append(1))\n"
                        "t.start(); t.join()\nresult = out") == [1]


def test_sandbox_limits_memory_and_disk_and_is_read_only(sandbox):
    import sysconfig
    site = sysconfig.get_paths()["purelib"]
    outcome = attempt_all(sandbox, {
        "memory": "x = bytearray(8 << 30)",
        "tmpfs": "open('/tmp/big', 'wb').write(b'0' * (300 << 20))",
        "site_packages": f"open({site + '/evil.py'!r}, 'w').write('x')",
        "usr": "open('/usr/evil', 'w')",
    })
    assert outcome["memory"] == "MemoryError"
    assert outcome["tmpfs"] == "OSError"
    assert outcome["site_packages"] in ("OSError", "PermissionError") and outcome["usr"] in ("OSError", "PermissionError")


def test_sandbox_gets_the_course_package_only_through_the_grader(sandbox):
    found = run(sandbox, "import gdbp, gdbp.optim\nresult = (type(gdbp).__name__, type(gdbp.optim.adam).__name__)")
    assert found == ("RemoteModule", "function"), "gdbp is the grader's stand-in"
    new, _ = run(sandbox, "import numpy as np\nresult = gdbp.optim.adam(np.ones(2), np.ones(2), None, lr=0.5)")
    assert np.allclose(new, 0.5)
    import sysconfig
    torch_dir = os.path.join(sysconfig.get_paths()["purelib"], "torch")
    outcome = attempt_all(sandbox, {"torch": "import torch", "torch_folder_empty": f"assert not __import__('os').listdir("
                                                                            f"{torch_dir!r})"})
    assert outcome["torch"] == "ModuleNotFoundError", "a ready-made optimizer is hidden"
    if os.path.isdir(torch_dir):
        assert outcome["torch_folder_empty"] == "ok", "PyTorch's folder is empty inside the sandbox"


def test_a_hostile_objects_code_runs_in_its_process_not_in_the_grader(sandbox):
    run(sandbox, '''
import os
class Hostile:
    def __repr__(self):
        open('/tmp/ran', 'w').write('repr')
        return f"pid {os.getpid()}"
    def __eq__(self, other):
        return os.getpid()
    __hash__ = object.__hash__
    def __reduce__(self):
        return (os.system, ('touch /tmp/pwned',))
    def __del__(self):
        open('/tmp/pwned-del', 'w')
result = Hostile()
''')
    hostile = sandbox.endpoint.request("lookup", name="result")
    assert repr(hostile) != f"pid {os.getpid()}" and (hostile == 1) != os.getpid()
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(hostile)
    del hostile
    assert not Path("/tmp/ran").exists() and not Path("/tmp/pwned").exists() and not Path("/tmp/pwned-del").exists()


def test_garbage_on_the_channel_stops_only_that_process():
    require_sandbox()
    with Sandbox(GraderPolicy()) as box:
        box.start()
        with pytest.raises(SubmissionStopped):
            box.endpoint.request("exec", source="import os, sys\n"
                                 "os.write(int(sys.argv[sys.argv.index('--wfd') + 1]), b'\\xff' * 64)\n"
                                 "import time; time.sleep(30)")
        assert not box.alive


def _descendants(pid):
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                out.append(child)
                todo.append(child)
    return out


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_nothing_survives_the_sandbox():
    require_sandbox()
    box = Sandbox(GraderPolicy())
    box.start()
    box.endpoint.request("exec", source="import threading, time\n"
                         "threading.Thread(target=time.sleep, args=(3600,), daemon=False).start()")
    pids = [box.process.pid] + _descendants(box.process.pid)
    assert len(pids) >= 2
    box.kill()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in pids if _alive(p)], "a process of the sandbox outlived it"


def test_sandbox_mounts_its_in_memory_folders_before_binding_python():
    """A Python installation under /tmp or /home (a course cloned into /tmp) is bound on top of the
    sandbox's in-memory /tmp and home folder, not hidden by them (bwrap applies its mounts in order)."""
    from gdbp.instructor.sandbox import agent_files
    box = Sandbox(GraderPolicy())
    command = box._command(agent_files(box.policy.local), 3, 4, 5)
    tmpfs = [i for i, arg in enumerate(command) if arg == "--tmpfs"]
    binds = [i for i, arg in enumerate(command) if arg == "--ro-bind"]
    assert [command[i + 1] for i in tmpfs] == ["/tmp", "/home/student"]
    assert max(tmpfs) < min(binds), command

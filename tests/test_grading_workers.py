"""gdbp.instructor.grading.run_jobs: the server its workers fork from."""
import os
import subprocess
import sys

import pytest

# In a fresh interpreter (this test process may already run a forkserver): start the server as run_jobs
# does, then read the environment it was started with from /proc.
PROBE = r"""
import os
from multiprocessing import forkserver
from gdbp.instructor import grading
before = dict(os.environ)
grading._start_server()
with open(f"/proc/{forkserver._forkserver._forkserver_pid}/environ", "rb") as f:
    server = dict(entry.split(b"=", 1) for entry in f.read().split(b"\0") if entry)
print(server.get(b"OPENBLAS_NUM_THREADS"), server.get(b"OMP_NUM_THREADS"), server.get(b"MKL_NUM_THREADS"),
      os.environ == before)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_run_jobs_server_uses_one_blas_thread_and_leaves_the_callers_environment():
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["b'1'", "b'1'", "b'1'", "True"], done.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_run_jobs_server_keeps_a_thread_count_the_instructor_set():
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "4"}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "b'4'", done.stdout

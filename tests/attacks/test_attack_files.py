"""Attacks through odd file contents: a submitted file that is not a notebook the grader expects.

Run: ./dev test tests/attacks/test_attack_files.py
"""
import os
import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import require_sandbox
from harness import MINI, mini_release, sim

from gdbp.instructor.assemble import Unreadable, read_notebook

DEEP = b'{"cells": [], "metadata": {"x": ' + b"[" * 5000 + b"]" * 5000 + b'}, "nbformat": 4, "nbformat_minor": 5}'


# was: SUCCEEDED: json.loads raises RecursionError, which read_notebook does not  turn into Unreadable (blocked now)
def test_deeply_nested_json_is_unreadable_not_a_crash():
    """A 10 KB file: valid JSON nested 5000 deep."""
    with pytest.raises(Unreadable):
        read_notebook(DEEP)


@pytest.mark.slow
# was: SUCCEEDED: one student's 10 KB file crashes `gdbp-course collect` and  `gdbp-course grade` for the whole class (RecursionError in the parent) (blocked now)
def test_one_deeply_nested_file_does_not_stop_collect_or_grade_for_the_class(tmp_path):
    require_sandbox()
    root = tmp_path / "course"
    shutil.copytree(mini_release(), root, ignore=shutil.ignore_patterns("submitted", "autograded", "feedback"))
    release, solution = sim.read_pair(root, "01_basics")
    downloads = tmp_path / "downloads"
    (downloads / "honest").mkdir(parents=True)
    nbformat.write(sim.solved(release, solution), str(downloads / "honest" / "01_basics.ipynb"))
    (downloads / "attacker").mkdir()
    (downloads / "attacker" / "01_basics.ipynb").write_bytes(DEEP)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(MINI), os.environ.get("PYTHONPATH")]))}
    cli = [sys.executable, "-m", "gdbp.instructor.cli", "--course-root", str(root)]
    collected = subprocess.run([*cli, "collect", str(downloads)], capture_output=True, text=True, env=env, timeout=600)
    assert "Traceback" not in collected.stderr, collected.stderr[-2000:]  # today: collect crashes here
    # had collect refused the file, a file copied into submitted/ by other means must not stop grading either
    (root / "grading" / "submitted" / "attacker" / "01_basics").mkdir(parents=True, exist_ok=True)
    (root / "grading" / "submitted" / "attacker" / "01_basics" / "01_basics.ipynb").write_bytes(DEEP)
    graded = subprocess.run([*cli, "grade"], capture_output=True, text=True, env=env, timeout=600)
    assert "Traceback" not in graded.stderr and "graded honest 01_basics 6/6" in graded.stdout, \
        graded.stdout + graded.stderr[-2000:]

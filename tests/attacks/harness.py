"""Drive the real grader (gdbp.instructor.grading.run_jobs: a forkserver worker per notebook, the
submission in its bubblewrap sandbox) on one hand-made submission, for the attack scripts of this folder.

``grade_real(assignment, edits)``: the real course's release (course/) with hidden tests from solutions/.
``grade_mini(notebook, edits)``: the mini course (tests/fixtures/mini_course), released once into /tmp.
``edits``: {grade_id: new source}; other answers are filled from the solutions (``solve=True``) or left as
released.
"""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
MINI = REPO / "tests" / "fixtures" / "mini_course"
MINI_ROOT = Path("/tmp/gdbp-attack-mini")
if str(MINI) not in sys.path:
    sys.path.insert(0, str(MINI))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(MINI), os.environ.get("PYTHONPATH")]))

from gdbp.instructor import grading  # noqa: E402
from gdbp.instructor import simulate as sim  # noqa: E402
from gdbp.instructor.runner import Limits  # noqa: E402


def sources_of(solution):
    """{grade_id: source} of the test cells, hidden tests included (what the gradebook holds)."""
    return {sim.grade_id(c): c.source for c in solution.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata.get("nbgrader", {}).get("solution")}


def submission_of(release, solution, edits, solve=True, extra_cells=()):
    nb = sim.solved(release, solution) if solve else copy.deepcopy(release)
    for gid, source in edits.items():
        nb = sim.with_answer(nb, gid, source)
    for after, source in extra_cells:
        nb = sim.with_cell_after(nb, after, source)
    return nb


def run(release, solution, submission, packages=("gdbp",), limits=None, isolated=True, raw=None):
    data = raw if raw is not None else nbformat.writes(submission).encode()
    job = grading.Job("attacker", "a", "a", nbformat.writes(release), sources_of(solution), data,
                      policy={"packages": tuple(packages)}, limits=grading.limits_dict(Limits(**(limits or {}))),
                      isolated=isolated)
    [result] = grading.run_jobs([job], workers=1)
    return result


def outputs_of(result, grade_id):
    nb = nbformat.reads(result.executed, as_version=4)
    return nb.cells[sim.index_of(nb, grade_id)].outputs


def grade_real(assignment, edits, solve=True, extra_cells=(), **kw):
    release = nbformat.read(str(REPO / "course" / assignment / f"{assignment}.ipynb"), as_version=4)
    solution = nbformat.read(str(REPO / "solutions" / assignment / f"{assignment}.ipynb"), as_version=4)
    return run(release, solution, submission_of(release, solution, edits, solve, extra_cells), **kw)


def mini_release():
    if not (MINI_ROOT / "course" / "01_basics" / "01_basics.ipynb").exists():
        MINI_ROOT.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-r", str(MINI / "solutions"), str(MINI_ROOT / "solutions")], check=True)
        config = (REPO / "nbgrader_config.py").read_text() + '\nc.GdbpGrading.course_packages = ["gdbp", "minicourse"]\n'
        (MINI_ROOT / "nbgrader_config.py").write_text(config)
        subprocess.run([sys.executable, "-m", "gdbp.instructor.cli", "--course-root", str(MINI_ROOT), "release"],
                       check=True, capture_output=True)
    return MINI_ROOT


def grade_mini(notebook, edits, solve=True, extra_cells=(), **kw):
    root = mini_release()
    release, solution = sim.read_pair(root, notebook)
    kw.setdefault("packages", ("gdbp", "minicourse"))
    return run(release, solution, submission_of(release, solution, edits, solve, extra_cells), **kw)


def report(result):
    """A short text: errors, which tests passed, notes."""
    lines = [f"error={result.error!r} passed={result.passed} notes={result.notes} seconds={result.seconds:.1f}"]
    if result.executed:
        nb = nbformat.reads(result.executed, as_version=4)
        for cell in nb.cells:
            for o in cell.get("outputs", []):
                if o.output_type == "error":
                    lines.append(f"  [{sim.grade_id(cell)}] {o.ename}: {str(o.evalue)[:300]}")
    return "\n".join(lines)

"""The release's locks: a learner may edit the demonstration cells, never the test cells, and grading
restores whatever they changed.

nbgrader_config.py sets ``LockCells.lock_readonly_cells = False``: read-only cells (text and
demonstration code) carry no ``editable: false`` in the release, test cells keep it. The slow test goes
through the instructor's command line on a temporary copy of the course (release, collect, grade) and
reads the autograded notebook: the demonstration cells a learner rewrote are back to the release's code,
and the notebook's tests run against them.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nbtools import cell_errors, cell_kind, course_root, notebook_pairs

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "01_gradient_descent"
MARKER = "edited by the learner"


def released_notebooks():
    return [learner for learner, _ in notebook_pairs()]


def demo_code_cells(nb):
    """The code cells that are neither an exercise nor a test (nbgrader read-only cells)."""
    return [cell for cell in nb.cells if cell.cell_type == "code" and cell_kind(cell) == "other"]


@pytest.mark.parametrize("path", released_notebooks(), ids=lambda p: p.stem)
def test_release_demo_cells_editable_and_test_cells_locked(path):
    assert path.exists(), f"{path} is missing: run gdbp-course release"
    nb = nbformat.read(path, as_version=4)
    demos = demo_code_cells(nb)
    tests = [cell for cell in nb.cells if cell_kind(cell) == "test"]
    assert demos, f"{path.name} has no demonstration cell"
    locked = [cell.metadata["nbgrader"].get("grade_id") for cell in demos if cell.metadata.get("editable") is False]
    assert not locked, f"{path.name}: demonstration cells still locked: {locked}"
    # nbgrader still records them as read-only: that is what makes autograde restore them.
    assert all(cell.metadata.get("nbgrader", {}).get("locked") for cell in demos)
    for cell in tests:
        assert (cell.metadata.get("editable"), cell.metadata.get("deletable")) == (False, False), (
            f"{path.name}: test cell {cell.metadata['nbgrader']['grade_id']} is not locked")


def gdbp_course(root, *args):
    """Run the instructor command line on the course at ``root``; fail with its output if it fails."""
    command = [str(Path(sys.executable).with_name("gdbp-course")), "--course-root", str(root), *args]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


@pytest.mark.slow
def test_autograde_restores_edited_demo_cells(tmp_path):
    pytest.importorskip("nbgrader", reason="nbgrader not installed (pip install -e .[grading])")
    source = course_root()
    if not (source / "solutions" / ASSIGNMENT).is_dir():
        pytest.skip(f"solutions/{ASSIGNMENT} does not exist yet")
    root = tmp_path / "course"
    shutil.copytree(source / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    gdbp_course(root, "release", ASSIGNMENT)

    release = nbformat.read(root / "course" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    solution = nbformat.read(root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    answers = {grade_id(c): c.source for c in solution.cells if cell_kind(c) == "exercise"}
    original = {grade_id(c): c.source for c in demo_code_cells(release)}
    # A learner who answers every exercise correctly and rewrites two demonstration cells: the first one
    # (the imports, so the tests cannot pass unless it is restored) and the last one.
    setup, last = grade_id(demo_code_cells(release)[0]), grade_id(demo_code_cells(release)[-1])
    submission = nbformat.from_dict(release)
    for cell in submission.cells:
        if cell_kind(cell) == "exercise":
            cell.source = "\n".join(line for line in answers[grade_id(cell)].splitlines()
                                    if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
        elif grade_id(cell) in (setup, last):
            cell.source = f"print({MARKER!r})\nraise RuntimeError({MARKER!r})"
    downloads = tmp_path / "downloads" / "alice"
    downloads.mkdir(parents=True)
    nbformat.write(submission, downloads / f"{ASSIGNMENT}.ipynb")
    gdbp_course(root, "collect", str(tmp_path / "downloads"))
    gdbp_course(root, "grade", "--assignment", ASSIGNMENT)

    graded = nbformat.read(root / "grading" / "autograded" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                           as_version=4)
    restored = {grade_id(c): c.source for c in demo_code_cells(graded)}
    assert restored[setup] == original[setup] and restored[last] == original[last]
    assert restored == original
    # the learner's edits never ran: no code cell holds them and no output shows them (the feedback keeps
    # them as text, in a Markdown cell saying they were not run)
    ran = [c for c in graded.cells if c.cell_type == "code"]
    assert not [c for c in ran if MARKER in c.source or MARKER in str(c.get("outputs"))], \
        "the learner's edit ran at grading time"
    shown = [c for c in graded.cells if c.cell_type == "markdown" and MARKER in c.source]
    assert shown and all("Not graded" in c.source for c in shown)
    test_cells = [c for c in graded.cells if cell_kind(c) == "test"]
    assert test_cells and all(c.get("execution_count") for c in test_cells)
    assert not cell_errors(graded), [str(e) for e in cell_errors(graded)]

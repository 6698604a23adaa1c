"""Build simulated submissions from a course's release and solutions (for tests and benchmarks).

A submission starts from the learner release ``course/<assignment>/<notebook>.ipynb``, as a learner
would, and is edited cell by cell, addressed by nbgrader ``grade_id``: answers filled from the
instructor notebook, answers replaced by a mistake, test cells edited or deleted, cells added.
"""
import copy
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def solution_source(source):
    """The instructor's answer with the ``### BEGIN/END SOLUTION`` marker lines removed."""
    return "\n".join(line for line in source.split("\n") if line.strip() not in MARKERS)


def grade_id(cell):
    """The nbgrader grade_id of a cell, or None."""
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def answer_ids(nb):
    """grade_ids of the answer (solution) cells, in notebook order."""
    return [grade_id(c) for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]


def test_ids(nb):
    """grade_ids of the autograded test cells (grade cells that are not answers), in order."""
    meta = [c.metadata.get("nbgrader", {}) for c in nb.cells if c.cell_type == "code"]
    return [m["grade_id"] for m in meta if m.get("grade") and not m.get("solution")]


def index_of(nb, cell_id):
    """Index of the cell with grade_id ``cell_id``; ValueError naming the ids present otherwise."""
    for i, cell in enumerate(nb.cells):
        if grade_id(cell) == cell_id:
            return i
    raise ValueError(f"cell_id: expected one of {[grade_id(c) for c in nb.cells]}, got {cell_id!r}")


def read_pair(root, assignment, notebook=None):
    """Return (release, solution) notebooks of one assignment of the course at ``root``."""
    notebook = notebook or assignment
    root = Path(root)
    release = nbformat.read(str(root / "course" / assignment / f"{notebook}.ipynb"), as_version=4)
    solution = nbformat.read(str(root / "solutions" / assignment / f"{notebook}.ipynb"), as_version=4)
    return release, solution


def solved(release, solution, only=None):
    """A copy of ``release`` with the answers in ``only`` (grade_ids; default all) filled in."""
    nb = copy.deepcopy(release)
    answers = {grade_id(c): solution_source(c.source) for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell_id in answers if only is None else only:
        nb.cells[index_of(nb, cell_id)].source = answers[cell_id]
    return nb


def with_answer(nb, cell_id, source):
    """A copy of ``nb`` whose cell ``cell_id`` holds ``source``."""
    nb = copy.deepcopy(nb)
    nb.cells[index_of(nb, cell_id)].source = source
    return nb


def without(nb, cell_ids):
    """A copy of ``nb`` without the cells ``cell_ids``."""
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if grade_id(c) not in set(cell_ids)]
    return nb


def with_cell_after(nb, cell_id, source):
    """A copy of ``nb`` with a new code cell (no nbgrader metadata, as Jupyter adds it) after ``cell_id``."""
    nb = copy.deepcopy(nb)
    nb.cells.insert(index_of(nb, cell_id) + 1, new_code_cell(source))
    return nb


def cheat_source(checker_module):
    """Code that would make every check pass: numpy comparisons and the checkers short-circuited."""
    return ("import numpy as np\n"
            "np.allclose = lambda *a, **k: True\n"
            "np.testing.assert_allclose = lambda *a, **k: None\n"
            f"import {checker_module} as _checks\n"
            "for _name in dir(_checks):\n"
            "    if _name.startswith('check_'):\n"
            "        setattr(_checks, _name, lambda *a, **k: None)\n")


def write(root, student, assignment, notebook, content):
    """Write a submission to ``grading/submitted/<student>/<assignment>/<notebook>.ipynb``.

    ``content`` is a notebook, or a str written as is (to simulate a corrupted file).
    """
    path = Path(root) / "grading" / "submitted" / student / assignment / f"{notebook}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content)
    else:
        nbformat.write(content, str(path))
    return path

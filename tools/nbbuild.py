"""Build a course notebook from Python: ``tools/notebooks/NN_topic.py`` is the source of
``solutions/NN_topic/NN_topic.ipynb`` (reviewable diffs, no stored outputs). Edit the script, run it, then
regenerate the learner release (``gdbp-course release``); tests/test_notebooks.py fails when a committed
notebook differs from what its script builds.

Every cell gets nbgrader metadata with a grade_id, so that nbgrader can restore locked cells and the
grading preprocessors can tell a cell the release contains from one a student added::

    from tools.nbbuild import Notebook
    nb = Notebook("10_adam_family")
    nb.md("# The Adam family", cell_id="intro")
    nb.code("import numpy as np", cell_id="imports")
    nb.solution("adam", '''def adam(param, grad, state, lr=0.001, ...):
        ### BEGIN SOLUTION
        ...
        ### END SOLUTION''')
    nb.hints("adam", ["the idea ...", "the equations ...", "a skeleton ..."])  # between exercise and test
    nb.test("test_adam", points=2, source='from gdbp.checks import check_adam\\ncheck_adam(adam)',
            hidden='...')
    nb.write()   # -> solutions/10_adam_family/10_adam_family.ipynb

Cell ids are the nbgrader grade_ids (unique in a notebook, ``[a-z0-9_-]``).
"""
from __future__ import annotations

import os
import pathlib
import re

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Where write() puts notebooks: the repo, or GDBP_NOTEBOOK_ROOT (the test that compares scripts with the
# committed notebooks builds into a temporary folder).
OUT = pathlib.Path(os.environ.get("GDBP_NOTEBOOK_ROOT", ROOT))
_ID = re.compile(r"^[a-z0-9_-]+$")


EXERCISE_RULES = r"""
**How the exercises work.** Each exercise is a code cell ending in `# YOUR CODE HERE` and
`raise NotImplementedError()`: replace those two lines with your code (keep the function's name, arguments
and defaults), run the cell, then run the test cell under it. The test prints one line such as
`adam: all 8 cases passed`, or tells you what is wrong, for which case, and which classic mistake your answer
matches. Write your answers **inside the exercise cells**: cells you add are fine for experiments, but when an
instructor grades the notebook with nbgrader, added cells are not run. To see how far you are in the whole
course, run `import gdbp; gdbp.progress()`.
"""


HINT_LABELS = ("the idea", "the equation", "a skeleton")
HINTS_INTRO = "**Stuck?** Open the hints one at a time, and try again after each one."


def _meta(grade_id: str, *, solution=False, grade=False, locked=True, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


class Notebook:
    def __init__(self, name: str):
        self.name = name
        self.nb = nbformat.v4.new_notebook()
        self.nb.metadata = {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        }
        self._ids: set[str] = set()

    def _add(self, cell, grade_id: str, **meta):
        if not _ID.match(grade_id) or grade_id in self._ids:
            raise ValueError(f"cell id {grade_id!r} must be unique and match [a-z0-9_-]+")
        self._ids.add(grade_id)
        cell.id = grade_id
        cell.metadata["nbgrader"] = _meta(grade_id, **meta)
        self.nb.cells.append(cell)
        return cell

    def md(self, text: str, cell_id: str):
        """A locked markdown cell (instructions, maths)."""
        return self._add(nbformat.v4.new_markdown_cell(text.strip("\n")), cell_id)

    def code(self, source: str, cell_id: str, tags: tuple[str, ...] = ()):
        """A locked code cell (imports, demonstrations, plots)."""
        cell = nbformat.v4.new_code_cell(source.strip("\n"))
        if tags:
            cell.metadata["tags"] = list(tags)
        return self._add(cell, cell_id)

    def exercise_rules(self, cell_id: str = "how_exercises_work"):
        """The same short note in every graded notebook: how to answer, test, and what grading runs."""
        return self.md(EXERCISE_RULES, cell_id)

    def solution(self, grade_id: str, source: str):
        """An exercise cell: the code between ### BEGIN/END SOLUTION is removed from the learner release."""
        if "### BEGIN SOLUTION" not in source:
            raise ValueError(f"{grade_id}: an exercise cell needs ### BEGIN SOLUTION / ### END SOLUTION")
        return self._add(nbformat.v4.new_code_cell(source.strip("\n")), grade_id, solution=True, locked=False)

    def hints(self, grade_id: str, hints, cell_id: str | None = None):
        """Progressive hints for exercise ``grade_id``: one locked markdown cell of collapsed blocks.

        ``hints`` lists at least three, in the order a learner should open them: 1) the idea, 2) the
        equation or shape argument, 3) a skeleton. Each item is the text of one block (markdown: maths,
        code fences), or a ``(label, text)`` pair to name the block otherwise than
        ``HINT_LABELS`` (e.g. ``("the shapes", ...)``). The cell is ``hints_<grade_id>`` and renders as::

            <details><summary>Hint 1: the idea</summary>

            ...

            </details>

        Put it between the exercise cell and its test cell. Everything a learner must know to do the
        exercise (signature, shapes, what to return, conventions) belongs in the instructions above the
        exercise, never only in a hint: tests/test_release_structure.py reads the text outside hint
        blocks as what the learner sees, and checks that each exercise has its hints.
        """
        if len(hints) < 3:
            raise ValueError(f"{grade_id}: give three progressive hints at least (the idea, the equation or "
                             f"shapes, a skeleton), not {len(hints)}")
        blocks = []
        for number, hint in enumerate(hints, start=1):
            if isinstance(hint, tuple):
                label, text = hint
            elif number <= len(HINT_LABELS):
                label, text = HINT_LABELS[number - 1], hint
            else:
                raise ValueError(f"{grade_id}: hint {number} needs a label: give it as (label, text)")
            text = text.strip("\n")
            if not text.strip() or not label.strip():
                raise ValueError(f"{grade_id}: hint {number} is empty")
            blocks.append(f"<details><summary>Hint {number}: {label}</summary>\n\n{text}\n\n</details>")
        return self.md("\n\n".join([HINTS_INTRO, *blocks]), cell_id or f"hints_{grade_id}")

    def test(self, grade_id: str, points: int, source: str, hidden: str = ""):
        """A graded test cell, tagged raises-exception so Run All goes on past a failing exercise.

        ``hidden`` is code only instructors see (between ### BEGIN/END HIDDEN TESTS)."""
        src = source.strip("\n")
        if hidden:
            src += "\n### BEGIN HIDDEN TESTS\n" + hidden.strip("\n") + "\n### END HIDDEN TESTS"
        cell = nbformat.v4.new_code_cell(src)
        cell.metadata["tags"] = ["raises-exception"]
        return self._add(cell, grade_id, grade=True, points=points)

    def write(self, folder: str = "solutions") -> pathlib.Path:
        path = OUT / folder / self.name / f"{self.name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.validate(self.nb)
        nbformat.write(self.nb, str(path))
        return path

"""nbgrader preprocessors that make autograding survive hostile submissions.

They are registered in the course's ``nbgrader_config.py``; each one closes a gap found while
probing nbgrader 0.9.6 (see docs/instructors.md, "What the autograder guarantees"):

- ``NeutraliseAddedCells`` (sanitising, after ``OverwriteCells``): a code cell the learner added is
  turned into a Markdown cell that shows its code, so it is never run. Without it, an added cell
  such as ``np.allclose = lambda *a, **k: True`` runs before the tests and makes wrong answers pass.
- ``OnlyErrorsFail`` (grading, right after ``Execute``): a test cell fails if and only if it raised.
  nbgrader gives 0 to a passing test that wrote to stderr (a numpy ``RuntimeWarning`` in a correct
  answer), and reads the *first* ``execute_result`` of a test cell as partial credit before it looks
  for an error, so learner code calling ``get_ipython().displayhook("1")`` inside a test would earn
  full marks for a failing test.
- ``HideTestTracebacks`` (feedback): a failing test cell shows ``AssertionError: <message>`` only.
  ``ClearHiddenTests`` removes the hidden lines from the source, but IPython's traceback prints the
  failing line again, which would show a hidden test to the learner.
"""
from nbformat.v4 import new_markdown_cell
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

ADDED_CELL_NOTE = (
    "**Not graded: you added this cell.** Cells you add are kept for you to read but are not run "
    "by the autograder; write your code in the answer cells."
)


def is_test_cell(cell):
    """True for an autograded test cell: an nbgrader grade cell holding code, not an answer."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def _fenced(source):
    """Return ``source`` as a Markdown code block whose fence is longer than any backtick run in it.

    The learner cannot close the fence early, so the code is shown as text, never as HTML.
    """
    longest, run = 0, 0
    for char in source:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    return f"{fence}python\n{source}\n{fence}"


class NeutraliseAddedCells(NbGraderPreprocessor):
    """Turn every code cell without a known ``grade_id`` into a Markdown cell that is not run.

    Runs after ``DeduplicateIds`` and ``OverwriteCells``, which already removed the nbgrader
    metadata of duplicated cells and the ``grade_id`` of cells unknown to the gradebook. What is left
    without a ``grade_id`` was not in the release: every code cell of the course's solutions carries
    nbgrader metadata (``gdbp-course release`` warns about any that does not).
    """

    def preprocess_cell(self, cell, resources, index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code" or grade_id:
            return cell, resources
        self.log.warning("Cell %d was added by the learner: shown in the feedback, not run", index)
        return new_markdown_cell(ADDED_CELL_NOTE + "\n\n" + _fenced(cell.source)), resources


class OnlyErrorsFail(NbGraderPreprocessor):
    """Make a test cell fail if and only if it raised (or timed out), as the course's checkers intend.

    nbgrader scores a test cell 0 when it wrote anything to stderr, and otherwise reads its *first*
    displayed result as partial credit before it looks for an error. So a correct answer that emits
    a numpy ``RuntimeWarning`` loses the points, and learner code that calls
    ``get_ipython().displayhook("anything")`` inside a test earns them although the test raised.
    Here, in test cells only: stderr becomes stdout (still shown in the feedback, no longer a
    failure), and a cell that raised keeps its error but loses its displayed results.
    """

    def preprocess_cell(self, cell, resources, index):
        if not is_test_cell(cell):
            return cell, resources
        for out in cell.outputs:
            if out.output_type == "stream" and out.name == "stderr":
                out.name = "stdout"
        if any(out.output_type == "error" for out in cell.outputs):
            kept = [out for out in cell.outputs if out.output_type != "execute_result"]
            if len(kept) != len(cell.outputs):
                self.log.warning("Test cell %s raised: its displayed result is ignored",
                                 cell.metadata.nbgrader.get("grade_id"))
            cell.outputs = kept
        return cell, resources


class HideTestTracebacks(NbGraderPreprocessor):
    """Reduce every error of a test cell to one line, ``<exception>: <message>``, in the feedback."""

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            for out in cell.outputs:
                if out.output_type == "error":
                    out.traceback = [f"{out.ename}: {out.evalue}" if out.evalue else out.ename]
        return cell, resources

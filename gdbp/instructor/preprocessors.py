"""nbgrader preprocessors of the course (registered in ``nbgrader_config.py`` and ``feedback.py``).

- ``HideTestTracebacks`` (feedback): a failing test cell shows ``<exception>: <message>`` only.
  ``ClearHiddenTests`` removes the hidden lines from the source, but a traceback would print the failing
  line again and show a hidden test to the learner. (The grader already writes test errors this way; the
  preprocessor keeps the feedback safe for notebooks graded by other means.)
- ``RefuseInProcessAutograde``: nbgrader's own ``nbgrader autograde`` runs a student's code in the same
  process as the tests, which a hostile notebook can use to pass every test. The course's config makes
  it stop at once and point to ``gdbp-course grade``.
"""
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor


def is_test_cell(cell):
    """True for an autograded test cell: an nbgrader grade cell holding code, not an answer."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


class HideTestTracebacks(NbGraderPreprocessor):
    """Reduce every error of a test cell to one line, ``<exception>: <message>``, in the feedback."""

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            for out in cell.outputs:
                if out.output_type == "error":
                    out.traceback = [f"{out.ename}: {out.evalue}" if out.evalue else out.ename]
        return cell, resources


class RefuseInProcessAutograde(NbGraderPreprocessor):
    """Stop ``nbgrader autograde``: this course is graded with ``gdbp-course grade`` (sandboxed)."""

    def preprocess(self, nb, resources):
        raise RuntimeError("this course is graded with `gdbp-course grade`, which runs each submission in a "
                           "sandbox; `nbgrader autograde` would run the students' code in the grader's own "
                           "process (see docs/instructors.md)")

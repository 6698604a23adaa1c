"""Helpers shared by the notebook tests: find the course, execute notebooks, read their errors.

The course lives in ``solutions/NN_topic/NN_topic.ipynb`` (instructor) and ``course/NN_topic/NN_topic.ipynb``
(learner release made by nbgrader). While the repository has no solution notebooks yet, every helper
falls back on the two-exercise sample course in ``tests/fixtures/sample_course/`` (same format), so the
notebook tests always run on something.

Cell kinds (nbgrader metadata): an *exercise* cell is a solution cell (``nbgrader.solution``), whose
learner version raises ``NotImplementedError``; a *test* cell is a grade cell (``nbgrader.grade``) that
calls a checker, prints one success line such as ``adam: all 14 cases passed`` and raises
``AssertionError`` on a mistake. Test cells carry the ``raises-exception`` tag so Run All goes on.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
FIXTURE_COURSE = REPO / "tests" / "fixtures" / "sample_course"
NOTEBOOK_GLOB = "[0-9][0-9]_*/[0-9][0-9]_*.ipynb"
# The line a checker prints when an exercise passes, e.g. "adam: all 14 cases passed".
SUCCESS_LINE = re.compile(r"^\S.*: all \d+ cases? passed$", re.MULTILINE)


def course_root(repo: Path = REPO) -> Path:
    """The folder holding ``solutions/`` and ``course/``: the repository once it has solution
    notebooks, else the sample course fixture."""
    if any((repo / "solutions").glob(NOTEBOOK_GLOB)):
        return repo
    return repo / "tests" / "fixtures" / "sample_course"


def notebook_pairs(repo: Path = REPO) -> list[tuple[Path, Path]]:
    """(learner notebook, solution notebook) for each solution notebook, in course order.

    The learner path is where nbgrader's release puts it; it may be missing (the test using it
    then says so), since ``course/`` must be regenerated in the same commit as ``solutions/``.
    """
    root = course_root(repo)
    solutions = sorted((root / "solutions").glob(NOTEBOOK_GLOB))
    return [(root / "course" / s.relative_to(root / "solutions"), s) for s in solutions]


def execute(path: Path, *, timeout: float = 300, prepend: str | None = None, append: str | None = None,
            env: dict | None = None):
    """Execute a notebook with nbclient in its own folder, going on after errors.

    Args:
        path: the ``.ipynb`` file (read, never written).
        timeout: seconds one cell may run.
        prepend, append: source of a code cell added before the first / after the last cell
            (probes: which Python runs, peak memory).
        env: environment of the kernel (default: inherited).

    Returns:
        (notebook, seconds): the executed ``NotebookNode`` and the wall time of the whole run.
    """
    nb = nbformat.read(path, as_version=4)
    if prepend is not None:
        nb.cells.insert(0, nbformat.v4.new_code_cell(prepend))
    if append is not None:
        nb.cells.append(nbformat.v4.new_code_cell(append))
    client = NotebookClient(nb, timeout=timeout, allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute(**({"env": env} if env is not None else {}))
    return nb, time.perf_counter() - start


@dataclass(frozen=True)
class CellError:
    """An error output of one code cell: its index, kind ('exercise', 'test', 'other') and exception."""

    index: int
    kind: str
    ename: str
    evalue: str
    traceback: str

    def __str__(self) -> str:
        first = self.evalue.strip().splitlines()[0] if self.evalue.strip() else ""
        return f"cell {self.index} ({self.kind}): {self.ename}: {first}"


def cell_kind(cell) -> str:
    """'exercise' for an nbgrader solution cell, 'test' for a grade cell, else 'other'."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("grade"):
        return "test"
    if meta.get("solution"):
        return "exercise"
    return "other"


def cell_errors(nb) -> list[CellError]:
    """Every error output of the notebook's code cells, in order."""
    errors = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                errors.append(CellError(index, cell_kind(cell), output.get("ename", ""),
                                        output.get("evalue", ""), _plain("\n".join(output.get("traceback", [])))))
    return errors


def unexpected_learner_errors(nb) -> list[str]:
    """Errors of a learner notebook run that are not the expected ones.

    Expected: a ``NotImplementedError`` in an exercise cell, and a test cell failing because of one
    (its exception is or chains a ``NotImplementedError``, or names a variable that an exercise cell
    failed to define). Anything else (an error in a plain cell, a test cell broken on its own, an
    exercise cell raising something other than ``NotImplementedError``) is returned, described.
    """
    unexpected, an_exercise_failed = [], False
    for error in cell_errors(nb):
        because_of_exercise = error.ename == "NotImplementedError" or "NotImplementedError" in error.traceback
        if error.kind == "exercise" and error.ename == "NotImplementedError":
            an_exercise_failed = True
        elif error.kind == "test" and (because_of_exercise or (error.ename == "NameError" and an_exercise_failed)):
            pass
        else:
            unexpected.append(str(error))
    return unexpected


def unexecuted_cells(nb) -> list[int]:
    """Indices of non-empty code cells that never ran (Run All stopped before them)."""
    return [i for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and cell.source.strip() and cell.get("execution_count") is None]


def cell_text(cell) -> str:
    """All stream and text/plain output of a code cell, joined."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif "data" in output:
            parts.append(output["data"].get("text/plain", ""))
    return "".join(parts)


def missing_success_lines(nb) -> list[str]:
    """The test cells (by grade_id) whose output lacks a checker success line."""
    return [cell.metadata["nbgrader"].get("grade_id", f"cell {i}")
            for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and cell_kind(cell) == "test" and not SUCCESS_LINE.search(cell_text(cell))]


def _plain(text: str) -> str:
    """Text without ANSI colour codes (IPython colours its tracebacks)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)

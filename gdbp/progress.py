"""How far am I? Run every exercise check of the course against your saved notebooks.

``gdbp.progress()`` is the learner's progress view, for self-paced learners without nbgrader. It
executes each saved notebook of ``course/`` in a fresh kernel (as "Restart and Run All" would, but in
the background, without touching your files), then reads the outputs of the test cells: a test cell
that ran without an error is an exercise that passes. It prints one line per exercise and the totals::

    notebook               exercise               status   details
    01_gradient_descent    test_gradient_descent  passed
    02_deriving_gradients  test_sigmoid_grad      not yet  sigmoid_grad, case 'x = 0': received ...
    02_deriving_gradients  test_linear_mse_grad   not yet  not implemented yet
    ...
    passed 1 of 25 exercises (3 of 45 points): 24 not yet, 0 errors (checked in 29 s)

Statuses: ``passed`` (the test cell ran without an error), ``not yet`` (the exercise still raises
``NotImplementedError``, or the check found a mistake: ``CheckFailed``, an ``AssertionError``), ``error``
(another exception in the exercise or test cell, a cell running longer than ``timeout`` seconds, or
a dead kernel).

Why execute the notebooks instead of importing the exercise code? An exercise is a notebook cell
that may use anything defined above it; only running the notebook top to bottom sees the same names
the test cell sees. It is also exactly what nbgrader's autograder does.

How long it takes: about a second per notebook to start a kernel, plus the time of its cells up to
its last test cell (cells after the last test cell are not run). The whole course (25 exercises in
10 notebooks) took 29 s on a busy 2-CPU machine; the notebooks run one after another, so expect about a
minute on mybinder.org's single CPU. ``progress(notebooks="05")`` checks one notebook in a few seconds.

Note: ``gdbp.progress`` is this function (re-exported by ``gdbp/__init__.py``), not the module; use
``from gdbp.progress import ExerciseResult`` to reach the module's other names.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

STATUSES = ("passed", "not yet", "error")
# Set in the kernels that progress() starts, so a notebook that calls gdbp.progress() does not
# start checking the whole course again from inside the check.
_RUNNING_FLAG = "GDBP_PROGRESS_RUNNING"
_NOTEBOOK_GLOB = "[0-9][0-9]_*/[0-9][0-9]_*.ipynb"
# The exceptions of a check that found a mistake: CheckFailed is gdbp.checks' AssertionError subclass.
_CHECK_ERRORS = ("AssertionError", "CheckFailed")
# Arguments of the kernels progress() starts. At start-up ipykernel logs a warning that it "is running over
# TCP without encryption" to its stderr, which is inherited from the learner's kernel and so shown in red
# under the progress() cell, once per notebook; the kernel only talks to this process over 127.0.0.1.
# Errors are still logged.
_KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]


@dataclass(frozen=True)
class ExerciseResult:
    """The outcome of one test cell (one graded exercise) of one notebook.

    Attributes:
        notebook: the notebook's name without ``.ipynb``, e.g. ``"10_adam_family"``.
        grade_id: the nbgrader ``grade_id`` of the test cell, e.g. ``"test_adam"``.
        status: ``"passed"``, ``"not yet"`` or ``"error"``.
        message: first line of the failure message; ``""`` when passed.
        points: the points of the test cell (nbgrader metadata; 0 when absent).
    """

    notebook: str
    grade_id: str
    status: str
    message: str
    points: float


@dataclass(frozen=True)
class Progress:
    """What ``progress()`` found: one ``ExerciseResult`` per test cell, in course order.

    Attributes:
        course_dir: the folder whose notebooks were checked.
        results: tuple of ``ExerciseResult``.
        seconds: wall time of the whole check.
    """

    course_dir: Path
    results: tuple[ExerciseResult, ...]
    seconds: float

    def count(self, status: str) -> int:
        """Number of exercises with this status (one of ``STATUSES``)."""
        if status not in STATUSES:
            raise ValueError(f"status: expected one of {STATUSES}, got {status!r}")
        return sum(result.status == status for result in self.results)

    @property
    def passed(self) -> int:
        """Number of exercises that pass."""
        return self.count("passed")

    @property
    def total(self) -> int:
        """Number of exercises checked."""
        return len(self.results)

    def table(self) -> str:
        """The results as a plain-text table followed by a line of totals."""
        header = ("notebook", "exercise", "status", "details")
        rows = [(r.notebook, r.grade_id, r.status, _shorten(r.message, 80)) for r in self.results]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3]
            for row in [header, *rows]
        ]
        points = sum(r.points for r in self.results)
        points_passed = sum(r.points for r in self.results if r.status == "passed")
        lines.append(
            f"passed {self.passed} of {self.total} exercises ({points_passed:g} of {points:g} points): "
            f"{self.count('not yet')} not yet, {self.count('error')} errors"
            f" (checked in {self.seconds:.0f} s)"
        )
        return "\n".join(line.rstrip() for line in lines)

    def __repr__(self) -> str:
        return f"Progress(passed={self.passed}, total={self.total})"

    def _ipython_display_(self) -> None:
        """Show nothing when a notebook cell ends with ``gdbp.progress()``: the call has printed the table
        already, and ``Progress(passed=7, total=25)`` under it would only repeat its last line. (IPython
        calls this instead of showing the repr; ``print(report.table())`` shows the table again.)"""


def progress(course_dir=None, *, notebooks=None, timeout: float = 60) -> Progress:
    """Check every exercise of the course against your saved notebooks and print a table.

    Save your notebooks first (Ctrl+S): the check reads the files, not the open tabs. Your files are
    never changed: each notebook is run in memory, in a fresh kernel, in its own folder.

    Args:
        course_dir: folder holding ``NN_topic/NN_topic.ipynb`` notebooks. Default: the first folder
            named ``course`` found in the current directory or one of its parents (so it works from
            inside any course notebook).
        notebooks: check only these notebooks: a name prefix such as ``"05"`` or
            ``"05_autograd"``, or a list of them. Default: all.
        timeout: seconds one cell may run before it is interrupted and reported as an error.

    Returns:
        A ``Progress`` holding one ``ExerciseResult`` per test cell (also printed as a table).

    Raises:
        ValueError: ``course_dir`` has no course notebooks, ``notebooks`` matches none of them,
            or ``timeout`` is not a positive number.
        ImportError: nbclient or nbformat (installed with JupyterLab) is missing.
    """
    if os.environ.get(_RUNNING_FLAG) == "1":
        print("gdbp.progress() skipped: this notebook is being run by gdbp.progress() itself.")
        return Progress(Path(course_dir or "."), (), 0.0)
    course = _find_course_dir(course_dir)
    paths = _select(sorted(course.glob(_NOTEBOOK_GLOB)), notebooks)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout: expected a positive number of seconds, got {timeout!r}")

    start = time.perf_counter()
    results = []
    for path in paths:
        began = time.perf_counter()
        print(f"checking {path.name} ...", end=" ", flush=True)
        results.extend(check_notebook(path, timeout=timeout))
        print(f"{time.perf_counter() - began:.1f} s", flush=True)
    report = Progress(course, tuple(results), time.perf_counter() - start)
    print(report.table())
    return report


def check_notebook(path, *, timeout: float = 60) -> list[ExerciseResult]:
    """Run one notebook in a fresh kernel and return the result of each of its test cells.

    Args:
        path: the ``.ipynb`` file; it is read, never written.
        timeout: seconds one cell may run before it is interrupted.

    Returns:
        One ``ExerciseResult`` per nbgrader test cell, in notebook order (empty if it has none).
    """
    nbformat, NotebookClient, DeadKernelError = _import_nbclient()
    path = Path(path)
    name = path.stem
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # a learner's file may be half-written or hand-edited
        return [ExerciseResult(name, "-", "error", f"could not read the notebook: {exc}", 0.0)]
    grade_indices = [i for i, cell in enumerate(nb.cells) if _is_test_cell(cell)]
    if not grade_indices:
        return []
    # Cells after the last test cell cannot change a result: leave them out to save time.
    nb.cells = nb.cells[: grade_indices[-1] + 1]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(
        nb,
        timeout=timeout,
        allow_errors=True,
        interrupt_on_timeout=True,
        resources={"metadata": {"path": str(path.parent)}},
        extra_arguments=list(_KERNEL_ARGUMENTS),
    )
    try:
        client.execute(env={**os.environ, _RUNNING_FLAG: "1"})
    except DeadKernelError:
        pass  # the cells that did not run are reported below as errors
    return [_result(name, nb.cells, i, timeout) for i in grade_indices]


def _result(name, cells, index, timeout) -> ExerciseResult:
    """Classify the test cell ``cells[index]`` from its outputs and those of its exercise cells."""
    cell = cells[index]
    grade_id = cell.metadata["nbgrader"].get("grade_id", f"cell {index}")
    points = float(cell.metadata["nbgrader"].get("points", 0) or 0)
    # The exercise cells of this test are the solution cells since the previous test cell.
    previous = max((i for i in range(index) if _is_test_cell(cells[i])), default=-1)
    exercise_errors = [
        _error(cells[i]) for i in range(previous + 1, index)
        if _is_solution_cell(cells[i]) and _error(cells[i]) is not None
    ]
    if exercise_errors:
        ename, evalue = exercise_errors[0]
        status, message = _classify(ename, evalue, timeout)
        if status == "error":
            message = f"the exercise cell raised {message}"
    elif _error(cell) is not None:
        status, message = _classify(*_error(cell), timeout)
    elif cell.get("execution_count") is None:
        status, message = "error", "the cell did not run (the kernel died: out of memory?)"
    else:
        status, message = "passed", ""
    return ExerciseResult(name, grade_id, status, message, points)


def _classify(ename: str, evalue: str, timeout) -> tuple[str, str]:
    """Map an exception (name, message) to a (status, first line of the message)."""
    first_line = next((line.strip() for line in evalue.splitlines() if line.strip()), "")
    if ename == "NotImplementedError" or (ename in _CHECK_ERRORS and "NotImplementedError" in evalue):
        return "not yet", "not implemented yet"
    if ename in _CHECK_ERRORS:
        return "not yet", first_line or "a check failed (no message)"
    if ename == "KeyboardInterrupt":
        return "error", f"a cell ran longer than {timeout:g} s and was interrupted"
    return "error", f"{ename}: {first_line}" if first_line else ename


def _error(cell) -> tuple[str, str] | None:
    """(ename, evalue) of the first error output of a code cell, or None."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return output.get("ename", "Error"), output.get("evalue", "")
    return None


def _is_test_cell(cell) -> bool:
    return cell.cell_type == "code" and bool(cell.metadata.get("nbgrader", {}).get("grade"))


def _is_solution_cell(cell) -> bool:
    return cell.cell_type == "code" and bool(cell.metadata.get("nbgrader", {}).get("solution"))


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _find_course_dir(course_dir) -> Path:
    """The course folder: ``course_dir`` if given, else the nearest ``course/`` at or above cwd."""
    if course_dir is None:
        here = Path.cwd()
        for folder in [here, *here.parents]:
            if (folder / "course").is_dir():
                return folder / "course"
        raise ValueError(
            f"course_dir: expected a folder named 'course' in {here} or above it, found none; "
            "pass course_dir='path/to/course'"
        )
    if not isinstance(course_dir, (str, os.PathLike)):
        raise TypeError(f"course_dir: expected a path (str or Path), got {type(course_dir).__name__}")
    folder = Path(course_dir)
    if not folder.is_dir() or not any(folder.glob(_NOTEBOOK_GLOB)):
        raise ValueError(
            f"course_dir: expected a folder holding NN_topic/NN_topic.ipynb notebooks, got {str(folder)!r}"
        )
    return folder


def _select(paths: list[Path], notebooks) -> list[Path]:
    """The paths whose notebook name starts with one of the prefixes in ``notebooks`` (all if None)."""
    if not paths:
        raise ValueError("course_dir: no NN_topic/NN_topic.ipynb notebooks found in it")
    if notebooks is None:
        return paths
    prefixes = [notebooks] if isinstance(notebooks, str) else list(notebooks)
    if not prefixes or not all(isinstance(p, str) for p in prefixes):
        raise TypeError(f"notebooks: expected a name prefix or a list of them, got {notebooks!r}")
    chosen = [p for p in paths if any(p.stem.startswith(prefix) for prefix in prefixes)]
    if not chosen:
        names = ", ".join(p.stem for p in paths)
        raise ValueError(f"notebooks: expected a prefix of one of {names}; got {notebooks!r}")
    return chosen


def _import_nbclient():
    """nbformat, NotebookClient and DeadKernelError, imported on first use."""
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import DeadKernelError
    except ImportError as exc:  # pragma: no cover - both come with JupyterLab
        raise ImportError(
            "gdbp.progress() runs your notebooks with nbclient and nbformat, which come with "
            f"JupyterLab; install them with: pip install jupyterlab ({exc})"
        ) from exc
    return nbformat, NotebookClient, DeadKernelError


__all__ = ["ExerciseResult", "Progress", "STATUSES", "check_notebook", "progress"]

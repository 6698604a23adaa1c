"""Tests of gdbp.progress, the learner's progress view, on copies of the sample course fixture.

Each test copies the learner notebook of tests/fixtures/sample_course/ into a temporary course, writes
some answers into its exercise cells (found by grade_id), and checks what progress() reports. Each
progress() run starts one kernel (about 1-2 s).
"""
import os

import nbformat
import pytest
from nbclient import NotebookClient

import gdbp
from gdbp.progress import ExerciseResult, Progress, check_notebook
from nbtools import FIXTURE_COURSE, course_root

LEARNER = FIXTURE_COURSE / "course" / "01_sample" / "01_sample.ipynb"
SOLUTION = FIXTURE_COURSE / "solutions" / "01_sample" / "01_sample.ipynb"


def solution_source(grade_id):
    """The instructor's source of the exercise cell with this grade_id."""
    nb = nbformat.read(SOLUTION, as_version=4)
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def make_course(tmp_path, answers, name="01_sample"):
    """A course folder with the fixture's learner notebook as `name`, exercise cells replaced by `answers`
    ({grade_id: source}). Returns the course folder."""
    nb = nbformat.read(LEARNER, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    folder = tmp_path / "course" / name
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{name}.ipynb")
    return tmp_path / "course"


def statuses(report):
    return {(r.grade_id, r.status) for r in report.results}


def test_progress_one_exercise_solved_reports_exactly_that(tmp_path, capsys):
    course = make_course(tmp_path, {"gd_step": solution_source("gd_step")})
    report = gdbp.progress(course)
    assert isinstance(report, Progress)
    assert report.results == (
        ExerciseResult("01_sample", "test_gd_step", "passed", "", 1.0),
        ExerciseResult("01_sample", "test_square_grad", "not yet", "not implemented yet", 2.0),
    )
    assert (report.passed, report.total, report.count("not yet"), report.count("error")) == (1, 2, 1, 0)
    printed = capsys.readouterr().out
    assert "passed 1 of 2 exercises (1 of 3 points): 1 not yet, 0 errors" in printed
    assert any(line.split()[:3] == ["01_sample", "test_gd_step", "passed"] for line in printed.splitlines())


def test_progress_wrong_answer_and_crash_report_first_line_of_message(tmp_path):
    wrong = solution_source("gd_step").replace("param - lr * grad", "param + lr * grad")
    crash = solution_source("square_grad").replace("2.0 * x", "2.0 * x_typo")
    report = gdbp.progress(make_course(tmp_path, {"gd_step": wrong, "square_grad": crash}))
    gd_step, square_grad = report.results
    assert (gd_step.status, square_grad.status) == ("not yet", "error")
    assert gd_step.message.startswith("gd_step case 0: received [1.05 1.9 ], but was expecting")
    assert square_grad.message == "NameError: name 'x_typo' is not defined"


def test_progress_syntax_error_and_endless_loop_are_errors(tmp_path):
    broken = solution_source("gd_step").replace("return param - lr * grad", "return param - lr *")
    endless = "def square_grad(x):\n    while True:\n        pass"
    report = gdbp.progress(make_course(tmp_path, {"gd_step": broken, "square_grad": endless}), timeout=2)
    gd_step, square_grad = report.results
    assert gd_step.status == "error" and gd_step.message.startswith("the exercise cell raised SyntaxError")
    assert square_grad == ExerciseResult(
        "01_sample", "test_square_grad", "error", "a cell ran longer than 2 s and was interrupted", 2.0)


def test_progress_default_course_dir_found_from_notebook_folder(tmp_path, monkeypatch):
    course = make_course(tmp_path, {})
    monkeypatch.chdir(course / "01_sample")
    report = gdbp.progress()
    assert report.course_dir == course
    assert statuses(report) == {("test_gd_step", "not yet"), ("test_square_grad", "not yet")}


def test_progress_notebooks_selects_by_prefix_and_leaves_files_unchanged(tmp_path):
    make_course(tmp_path, {})
    course = make_course(tmp_path, {"gd_step": solution_source("gd_step")}, name="02_other")
    before = {p: p.read_bytes() for p in course.rglob("*.ipynb")}
    report = gdbp.progress(course, notebooks=["02"])
    assert {r.notebook for r in report.results} == {"02_other"}
    assert statuses(report) == {("test_gd_step", "passed"), ("test_square_grad", "not yet")}
    assert {p: p.read_bytes() for p in course.rglob("*.ipynb")} == before


def test_progress_bad_arguments_raise_naming_them(tmp_path):
    course = make_course(tmp_path, {})
    with pytest.raises(ValueError, match="course_dir"):
        gdbp.progress(tmp_path / "missing")
    with pytest.raises(TypeError, match="course_dir"):
        gdbp.progress(3)
    with pytest.raises(ValueError, match="notebooks"):
        gdbp.progress(course, notebooks="99")
    with pytest.raises(ValueError, match="timeout"):
        gdbp.progress(course, timeout=0)
    with pytest.raises(ValueError, match="status"):
        Progress(course, (), 0.0).count("done")


def test_progress_inside_a_checked_notebook_does_not_recurse(tmp_path, monkeypatch, capsys):
    """A notebook that calls gdbp.progress() is itself run by progress(): that inner call returns at once."""
    monkeypatch.setenv("GDBP_PROGRESS_RUNNING", "1")  # what a kernel started by progress() sees
    monkeypatch.chdir(tmp_path)  # no course/ here: the guard comes before looking for one
    report = gdbp.progress()
    assert report.total == 0
    assert "skipped" in capsys.readouterr().out


def test_check_notebook_without_test_cells_runs_nothing(tmp_path):
    path = tmp_path / "00_intro.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")]), path)
    assert check_notebook(path) == []


def test_check_notebook_unreadable_file_is_one_error(tmp_path):
    path = tmp_path / "01_broken.ipynb"
    path.write_text("{ not json")
    (result,) = check_notebook(path)
    assert (result.notebook, result.status) == ("01_broken", "error")
    assert result.message.startswith("could not read the notebook")


def test_progress_table_lists_each_exercise_and_totals():
    results = (ExerciseResult("01_a", "test_x", "passed", "", 1.0),
               ExerciseResult("01_a", "test_y", "error", "ValueError: " + "z" * 100, 2.0))
    lines = Progress(FIXTURE_COURSE, results, 3.0).table().splitlines()
    assert lines[0].split() == ["notebook", "exercise", "status", "details"]
    assert lines[1].split() == ["01_a", "test_x", "passed"]
    details = lines[2].partition(" error ")[2].strip()
    assert details.startswith("ValueError: zzz") and details.endswith("...") and len(details) == 80
    assert lines[3] == "passed 1 of 2 exercises (1 of 3 points): 0 not yet, 1 errors (checked in 3 s)"


def test_progress_module_keeps_gdbp_progress_callable():
    import gdbp.progress  # noqa: F401  - a later import of the submodule must not shadow the function

    assert callable(gdbp.progress) and gdbp.progress.__module__ == "gdbp.progress"


@pytest.mark.slow
def test_progress_fresh_release_not_yet_and_solutions_all_passed():
    """On the course itself (or the fixture): nothing passes in the learner release, everything in the
    solutions, and each test cell's status comes from a real checker's output."""
    root = course_root()
    released = gdbp.progress(root / "course")
    assert released.total > 0
    assert {(r.status, r.message) for r in released.results} == {("not yet", "not implemented yet")}, (
        [r for r in released.results if r.message != "not implemented yet"])
    solved = gdbp.progress(root / "solutions")
    assert [r for r in solved.results if r.status != "passed"] == []
    assert [(r.notebook, r.grade_id) for r in solved.results] == [(r.notebook, r.grade_id) for r in released.results]


def test_progress_kernels_see_the_running_flag(tmp_path):
    """The flag that stops the recursion reaches the kernels progress() starts (a test cell checks it)."""
    probe = 'import os\nassert os.environ.get("GDBP_PROGRESS_RUNNING") == "1", "flag not set"'
    report = gdbp.progress(make_course(tmp_path, {"test_gd_step": probe}), notebooks="01")
    assert report.results[0].grade_id == "test_gd_step"
    assert (report.results[0].status, report.results[0].message) == ("passed", "")


def test_progress_from_a_notebook_prints_only_its_table(tmp_path):
    """Called from a notebook cell (a kernel, as a learner does): stdout only, nothing on stderr (the
    kernels it starts would log a TCP warning there), and no `Progress(...)` echoed after the table."""
    course = make_course(tmp_path, {"gd_step": solution_source("gd_step")})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"import gdbp\ngdbp.progress({str(course)!r})")])
    # ipykernel forwards what processes write to its stderr file descriptor (the kernels progress() starts
    # inherit it) only outside pytest: run the learner's kernel without pytest's marker, as Jupyter does.
    env = {key: value for key, value in os.environ.items() if key != "PYTEST_CURRENT_TEST"}
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(tmp_path)}}).execute(env=env)
    outputs = nb.cells[0].outputs
    assert [o for o in outputs if o.output_type != "stream" or o.name != "stdout"] == [], outputs
    printed = "".join(o.text for o in outputs)
    assert printed.startswith("checking 01_sample.ipynb ... ")
    assert printed.splitlines()[-1].startswith("passed 1 of 2 exercises (1 of 3 points): 1 not yet, 0 errors")
    assert "Progress(" not in printed and "WARNING" not in printed

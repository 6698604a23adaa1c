"""Fast tests of the instructor tools: the course config, collect's naming rules, the CLI's errors
and exit codes, export's checks, the feedback preprocessor and the hidden-test helper.
The end-to-end grading of a class is in test_grading_class.py (slow)."""
import functools
import os
import shutil
import sys
import types
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

pytest.importorskip("nbgrader", reason="nbgrader not installed (pip install -e .[grading])")

from gdbp.instructor import cli  # noqa: E402
from gdbp.instructor import course as course_module  # noqa: E402
from gdbp.instructor import simulate as sim  # noqa: E402
from gdbp.instructor.course import Course, find_course_root, is_readable_notebook  # noqa: E402
from gdbp.instructor.hidden import assert_not_reference, calls_reference  # noqa: E402
from gdbp.instructor.preprocessors import HideTestTracebacks, RefuseInProcessAutograde  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "fixtures" / "mini_course"


@pytest.fixture
def course_root(tmp_path):
    """A copy of the mini course with the repository's nbgrader_config.py (nothing released)."""
    root = tmp_path / "course"
    shutil.copytree(MINI / "solutions", root / "solutions")
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    return root


def notebook_json(tmp_path, name="x.ipynb"):
    path = tmp_path / name
    nbformat.write(new_notebook(), str(path))
    return path


# ------------------------------------------------------------------------------------------- config
def test_config_layout_under_grading_and_relocatable(course_root):
    course = Course(course_root, say=lambda line: None)
    config = course.config
    assert config.CourseDirectory.root == str(course_root)
    assert (course_root / "grading").is_dir(), "the config creates grading/ for SQLite"
    assert config.CourseDirectory.db_url.startswith(f"sqlite:///{course_root}/grading/gradebook.db")
    assert course.folder("submitted") == course_root / "grading" / "submitted"
    assert course.folder("release") == course_root / "course"
    assert course.folder("source") == course_root / "solutions"


def test_config_switches_off_in_process_autograde_and_names_the_course_packages(course_root):
    config = Course(course_root, say=lambda line: None).config
    assert [pp.__name__ for pp in config.Autograde.sanitize_preprocessors] == ["RefuseInProcessAutograde"]
    assert config.GdbpGrading.course_packages == ["gdbp"]
    with pytest.raises(RuntimeError, match="gdbp-course grade"):
        RefuseInProcessAutograde().preprocess(new_notebook(), {})


def test_find_course_root_requires_config(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="nbgrader_config.py"):
        find_course_root(tmp_path)
    (tmp_path / "nbgrader_config.py").write_text("")
    monkeypatch.chdir(tmp_path)
    assert find_course_root() == tmp_path.resolve()


def test_course_assignments_and_notebooks(course_root):
    course = Course(course_root, say=lambda line: None)
    assert course.assignments() == ["01_basics", "02_relu"]
    assert course.notebooks("02_relu") == ["02_relu"]
    with pytest.raises(ValueError, match="assignment: expected one of"):
        course.release("99_nothing")


def test_mini_course_solutions_fully_marked():
    for path in sorted((MINI / "solutions").glob("*/*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        assert all(c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells), path


# ------------------------------------------------------------------------------------------ collect
def placed(report, root):
    submitted = root / "grading" / "submitted"
    return sorted(str(d.relative_to(submitted)) for _, d in report.placed)


def test_collect_understands_the_documented_layouts(course_root, tmp_path):
    src = tmp_path / "downloads"
    (src / "alice").mkdir(parents=True)
    (src / "bob" / "02_relu").mkdir(parents=True)
    shutil.copy(notebook_json(tmp_path), src / "alice" / "01_basics.ipynb")               # <student>/<notebook>
    shutil.copy(notebook_json(tmp_path), src / "bob" / "02_relu" / "02_relu.ipynb")       # nbgrader layout
    shutil.copy(notebook_json(tmp_path), src / "carolsmith_123_456_01_basics-1.ipynb")    # Canvas
    shutil.copy(notebook_json(tmp_path), src / "Dana Lee_88_assignsubmission_file_02_relu.ipynb")  # Moodle
    shutil.copy(notebook_json(tmp_path), src / "jane_doe_02_relu.ipynb")                   # flat, id with _
    lines = []
    report = Course(course_root, say=lines.append).collect(src)
    assert placed(report, course_root) == [
        "123/01_basics/01_basics.ipynb", "88/02_relu/02_relu.ipynb", "alice/01_basics/01_basics.ipynb",
        "bob/02_relu/02_relu.ipynb", "jane_doe/02_relu/02_relu.ipynb"]
    assert report.skipped == [] and report.unreadable == []
    assert any("collected 5 notebooks of 5 students" in line for line in lines)


def test_collect_reports_what_it_cannot_place(course_root, tmp_path):
    src = tmp_path / "downloads"
    src.mkdir()
    (src / "notes.txt").write_text("hello")
    shutil.copy(notebook_json(tmp_path), src / "alice_homework.ipynb")
    shutil.copy(notebook_json(tmp_path), src / "01_basics.ipynb")
    report = Course(course_root, say=lambda line: None).collect(src)
    reasons = {p.name: r for p, r in report.skipped}
    assert reasons["notes.txt"] == "not a .ipynb file"
    assert "no known notebook name" in reasons["alice_homework.ipynb"]
    assert "without a student" in reasons["01_basics.ipynb"]
    assert report.placed == []


def test_collect_recognises_a_renamed_notebook_by_its_cells(course_root, tmp_path):
    Course(course_root, say=lambda line: None).release("02_relu")
    src = tmp_path / "downloads" / "erin"
    src.mkdir(parents=True)
    shutil.copy(course_root / "course" / "02_relu" / "02_relu.ipynb", src / "my homework.ipynb")
    report = Course(course_root, say=lambda line: None).collect(src.parent)
    assert placed(report, course_root) == ["erin/02_relu/02_relu.ipynb"]


def test_collect_newest_by_the_lms_attempt_not_by_file_time(course_root, tmp_path):
    """Canvas -N resubmissions and browser (1) copies: the higher number wins, whatever the mtimes say;
    a newer file that is not a notebook is kept as .unreadable and graded 0."""
    src = tmp_path / "downloads"
    src.mkdir()
    first, second = src / "alicex_7_70_01_basics.ipynb", src / "alicex_7_71_01_basics-1.ipynb"
    shutil.copy(notebook_json(tmp_path), first)
    second.write_text("{ not json")
    os.utime(second, (1_000_000, 1_000_000))  # older on disk, but the later attempt
    (src / "bob").mkdir()
    shutil.copy(notebook_json(tmp_path), src / "bob" / "02_relu.ipynb")
    shutil.copy(notebook_json(tmp_path), src / "bob" / "02_relu (1).ipynb")
    os.utime(src / "bob" / "02_relu (1).ipynb", (1_000_000, 1_000_000))
    report = Course(course_root, say=lambda line: None).collect(src)
    assert sorted(p.name for p, _ in report.skipped) == ["02_relu.ipynb", first.name]
    target = course_root / "grading/submitted/7/01_basics/01_basics.ipynb"
    assert report.unreadable == [target.with_name("01_basics.ipynb.unreadable")]
    assert not target.exists() and report.unreadable[0].read_text() == "{ not json"
    assert placed(report, course_root) == ["bob/02_relu/02_relu.ipynb"]


def test_collect_blackboard_and_brightspace_timestamps_choose_the_newest(course_root, tmp_path):
    archive = tmp_path / "bb.zip"
    new, old = notebook_json(tmp_path, "new.ipynb"), notebook_json(tmp_path, "old.ipynb")
    nb = nbformat.read(str(new), as_version=4)
    nb.metadata["which"] = "newest"
    nbformat.write(nb, str(new))
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("HW 1_jane_doe_attempt_2026-10-01-09-00-00.txt", "Name: Jane Doe (jane_doe)\n")
        z.writestr("HW 1_jane_doe_attempt_2026-10-02-09-00-00.txt", "Name: Jane Doe (jane_doe)\n")
        z.write(old, "HW 1_jane_doe_attempt_2026-10-01-09-00-00_01_basics.ipynb")
        z.write(new, "HW 1_jane_doe_attempt_2026-10-02-09-00-00_01_basics.ipynb")
        z.write(new, "5-42 - Doe, Jon - Oct 3, 2026 905 AM - 02_relu.ipynb")
        z.write(old, "6-42 - Doe, Jon - Oct 2, 2026 1105 PM - 02_relu.ipynb")
    report = Course(course_root, say=lambda line: None).collect(archive)
    assert placed(report, course_root) == ["42/02_relu/02_relu.ipynb", "jane_doe/01_basics/01_basics.ipynb"]
    for _, dest in report.placed:
        assert nbformat.read(str(dest), as_version=4).metadata.get("which") == "newest", dest


def test_collect_reads_a_zip_and_refuses_escaping_members(course_root, tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(notebook_json(tmp_path), "export/dave/02_relu.ipynb")
        z.writestr("__MACOSX/dave/._02_relu.ipynb", "junk")
    report = Course(course_root, say=lambda line: None).collect(archive)
    assert [str(d.relative_to(course_root)) for _, d in report.placed] == [
        "grading/submitted/dave/02_relu/02_relu.ipynb"]
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../../outside.ipynb", "{}")
    with pytest.raises(ValueError, match="outside the folder"):
        Course(course_root, say=lambda line: None).collect(evil)


def test_is_readable_notebook_rejects_json_that_is_not_a_notebook(tmp_path):
    (tmp_path / "a.ipynb").write_text('{"hello": 1}')
    assert not is_readable_notebook(tmp_path / "a.ipynb")
    assert is_readable_notebook(notebook_json(tmp_path))
    (tmp_path / "bom.ipynb").write_bytes(b"\xef\xbb\xbf" + notebook_json(tmp_path).read_bytes())
    assert is_readable_notebook(tmp_path / "bom.ipynb")


# ---------------------------------------------------------------------------------------------- cli
def test_cli_missing_course_root_exits_2(tmp_path, capsys):
    assert cli.main(["--course-root", str(tmp_path), "export"]) == 2
    assert "nbgrader_config.py" in capsys.readouterr().err


def test_cli_bad_jobs_and_unknown_assignment_exit_2(course_root, capsys):
    assert cli.main(["--course-root", str(course_root), "grade", "--jobs", "0"]) == 2
    assert "jobs: expected an integer >= 1, got 0" in capsys.readouterr().err
    assert cli.main(["--course-root", str(course_root), "release", "07_nope"]) == 2
    assert "assignment: expected one of ['01_basics', '02_relu']" in capsys.readouterr().err


def test_cli_grade_refuses_without_a_sandbox_unless_asked(course_root, monkeypatch, capsys):
    monkeypatch.setattr(course_module, "sandbox_status", lambda: (False, "bubblewrap (bwrap) is not installed"))
    assert cli.main(["--course-root", str(course_root), "grade"]) == 2
    err = capsys.readouterr().err
    assert "bubblewrap (bwrap) is not installed" in err and "--no-sandbox" in err


def test_cli_export_exits_1_on_an_empty_gradebook_and_filters_by_assignment(course_root, capsys):
    assert cli.main(["--course-root", str(course_root), "export"]) == 1
    assert "PROBLEM: the gradebook has no assignments" in capsys.readouterr().out
    assert cli.main(["--course-root", str(course_root), "release"]) == 0
    sim.write(course_root, "zoe", "02_relu", "02_relu", sim.read_pair(course_root, "02_relu")[0])
    assert cli.main(["--course-root", str(course_root), "export", "--assignment", "02_relu"]) == 1  # not graded
    out = capsys.readouterr().out
    assert "zoe 02_relu: not graded" in out
    rows = (course_root / "grading" / "grades.csv").read_text().splitlines()
    assert rows[0] == "student_id,assignment,notebook,score,max_score,status,flag"
    assert {r.split(",")[1] for r in rows[1:]} == {"02_relu"}


def test_export_flags_a_score_above_its_maximum(course_root):
    course = Course(course_root, say=lambda line: None)
    assert course.release("02_relu") == []
    sim.write(course_root, "max", "02_relu", "02_relu", sim.read_pair(course_root, "02_relu")[0])
    (course_root / "grading/autograded/max/02_relu").mkdir(parents=True)
    (course_root / "grading/autograded/max/02_relu/02_relu.ipynb").write_text("{}")
    with course.gradebook() as gb:
        gb.update_or_create_student("max")
        gb.update_or_create_submission("02_relu", "max")
        grade = gb.find_grade("forward_test", "02_relu", "02_relu", "max")
        grade.auto_score = 50  # a gradebook somebody tampered with
        gb.db.commit()
    _, problems = course.export()
    assert problems == ["max 02_relu: score 50 is above the maximum 3"]


def test_cli_collect_prints_progress_and_fails_on_unplaced(course_root, tmp_path, capsys):
    src = tmp_path / "downloads"
    (src / "erin").mkdir(parents=True)
    shutil.copy(notebook_json(tmp_path), src / "erin" / "02_relu.ipynb")
    assert cli.main(["--course-root", str(course_root), "collect", str(src)]) == 0
    assert "erin/02_relu.ipynb -> grading/submitted/erin/02_relu/02_relu.ipynb" in capsys.readouterr().out
    (src / "stray.ipynb").write_text("{}")
    assert cli.main(["--course-root", str(course_root), "collect", str(src)]) == 1
    assert "not placed: stray.ipynb" in capsys.readouterr().out


# ------------------------------------------------------------------------------------ preprocessors
def grade_cell_with(outputs, points=2):
    cell = new_code_cell("check(f)", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "grade_id": "t", "points": points}})
    cell.outputs = outputs
    return cell


def run(preprocessor, cell):
    nb = new_notebook(cells=[cell])
    nb, _ = preprocessor.preprocess(nb, {})
    return nb.cells[0]


def test_hide_test_tracebacks_keeps_only_the_message():
    error = new_output("error", ename="AssertionError", evalue="mse returned nan",
                       traceback=["----> 3 hidden_check_x = 1", "AssertionError: mse returned nan"])
    cell = run(HideTestTracebacks(), grade_cell_with([error]))
    assert cell.outputs[0].traceback == ["AssertionError: mse returned nan"]
    bare = run(HideTestTracebacks(), grade_cell_with([new_output("error", ename="AssertionError", evalue="",
                                                           traceback=["secret line"])]))
    assert bare.outputs[0].traceback == ["AssertionError"]


# ------------------------------------------------------------------------------------------ hidden
@pytest.fixture
def reference_module(monkeypatch):
    """A throwaway package `refpkg.optim` holding a reference `step`, as gdbp.optim holds sgd."""
    pkg, mod = types.ModuleType("refpkg"), types.ModuleType("refpkg.optim")
    exec("def step(param, grad, lr):\n    return param - lr * grad\n", mod.__dict__)  # noqa: S102
    mod.step.__module__ = "refpkg.optim"
    pkg.optim = mod
    monkeypatch.setitem(sys.modules, "refpkg", pkg)
    monkeypatch.setitem(sys.modules, "refpkg.optim", mod)
    return mod


ARGS = (1.0, 2.0, 0.1)


def learner(source, **names):
    """Define `step` from source as a notebook cell would (globals = a fresh __main__-like dict)."""
    namespace = {"__name__": "__main__", **names}
    exec(source, namespace)  # noqa: S102
    return namespace["step"]


def test_assert_not_reference_accepts_own_code(reference_module):
    own = learner("def step(param, grad, lr):\n    return param - lr * grad\n")
    assert_not_reference(own, reference_module.step, args=ARGS)


@pytest.mark.parametrize(("how", "make"), [
    ("it is that function", lambda ref: ref.step),
    ("it wraps that function", lambda ref: functools.wraps(ref.step)(lambda *a: 0)),
    ("it wraps that function", lambda ref: functools.partial(ref.step, lr=0.1)),
    ("it holds that function in a closure", lambda ref: (lambda f: (lambda *a: f(*a)))(ref.step)),
    ("it runs the same code object", lambda ref: types.FunctionType(ref.step.__code__, {})),
    ("it runs that function's code", lambda ref: learner(
        "import refpkg.optim\ndef step(param, grad, lr):\n    return refpkg.optim.step(param, grad, lr)\n")),
    ("it runs that function's code", lambda ref: learner(
        "def step(param, grad, lr):\n    return s(param, grad, lr)\n", s=ref.step)),
    ("it runs that function's code", lambda ref: learner(  # kept in a default argument
        "def step(param, grad, lr, _f=s):\n    return _f(param, grad, lr)\n", s=ref.step)),
    ("it runs that function's code", lambda ref: learner(  # kept in a class attribute
        "class K:\n    f = staticmethod(s)\ndef step(param, grad, lr):\n    return K.f(param, grad, lr)\n",
        s=ref.step)),
    ("it runs that function's code", lambda ref: learner(  # kept in a dict
        "table = {'f': s}\ndef step(param, grad, lr):\n    return table['f'](param, grad, lr)\n", s=ref.step)),
])
def test_assert_not_reference_flags_borrowed_solutions(reference_module, how, make):
    fn = make(reference_module)
    with pytest.raises(AssertionError, match=f"refpkg.optim.step \\({how}\\)"):
        assert_not_reference(fn, reference_module.step, args=ARGS, name="step")


def test_assert_not_reference_flags_other_functions_of_the_package(reference_module):
    exec("def other(param, grad, lr):\n    return param\n", reference_module.__dict__)  # noqa: S102
    reference_module.other.__module__ = "refpkg.optim"
    with pytest.raises(AssertionError, match="defined in refpkg.optim"):
        assert_not_reference(reference_module.other, reference_module.step)


def test_calls_reference_restores_bindings_even_if_fn_raises(reference_module):
    ref = reference_module.step
    fn = learner("import refpkg.optim\ndef step(param, grad, lr):\n"
                 "    refpkg.optim.step(param, grad, lr)\n    raise ValueError('after the call')\n")
    assert calls_reference(fn, ref, ARGS)
    assert reference_module.step is ref


def test_assert_not_reference_rejects_non_callables(reference_module):
    with pytest.raises(TypeError, match="reference must be callable, got int"):
        assert_not_reference(lambda: 0, 3)
    with pytest.raises(TypeError, match="fn must be callable, got NoneType"):
        assert_not_reference(None, reference_module.step)


# ---------------------------------------------------------------------------------------- simulate
def test_solution_source_drops_only_marker_lines():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION"
    assert sim.solution_source(source) == "def f(x):\n    return x"


def test_simulate_edits_return_copies():
    nb = new_notebook(cells=[new_code_cell("a", metadata={"nbgrader": {"grade_id": "a", "solution": True}})])
    edited = sim.with_cell_after(sim.with_answer(nb, "a", "b"), "a", "c")
    assert [c.source for c in edited.cells] == ["b", "c"] and nb.cells[0].source == "a"
    assert sim.without(nb, ["a"]).cells == [] and len(nb.cells) == 1
    with pytest.raises(ValueError, match="cell_id: expected one of \\['a'\\], got 'z'"):
        sim.index_of(nb, "z")


def test_fresh_rng_draws_unpredictable_reproducible_inputs():
    from gdbp.instructor.hidden import fresh_rng
    (rng_a, seed_a), (rng_b, seed_b) = fresh_rng(), fresh_rng()
    assert seed_a != seed_b
    import numpy as np
    assert rng_a.normal() == np.random.default_rng(seed_a).normal()

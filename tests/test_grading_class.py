"""Integration: a simulated class goes through the real nbgrader with the course's nbgrader_config.py:
release -> submissions -> autograde (2 processes) -> feedback -> CSV export, and the exported scores
are asserted exactly.

The hostile class runs on the mini course in tests/fixtures/mini_course (2 notebooks: 01_basics with
exercises worth 1, 2 and 3 points; 02_relu with 1 and 2 points, so every partial score tells which
exercises passed). The generic class (full solutions, untouched release, a cheater, a learner who
deleted every test cell) is parametrized over the course root and also runs on the real course once
solutions/ holds notebooks.
"""
import csv
import os
import shutil
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader", reason="nbgrader not installed (pip install -e .[grading])")

from gdbp.instructor import simulate as sim  # noqa: E402
from gdbp.instructor.course import Course  # noqa: E402

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "fixtures" / "mini_course"
# Small enough to keep the suite fast, 50x the slowest legitimate cell of the mini course (~0.1 s).
TEST_TIMEOUT = 5
HIDDEN_MARKERS = ("hidden_check", "BEGIN HIDDEN TESTS", "assert_not_reference")

REAL_HAS_NOTEBOOKS = any((REPO / "solutions").glob("*/*.ipynb"))
# (course root, checker module, per-cell timeout, students). The real course keeps the configured
# timeout (its demonstration cells train for seconds) and only the cheap students besides "full":
# each student costs one run of every notebook.
COURSES = [
    pytest.param(MINI, "minicourse.checks", TEST_TIMEOUT, ("full", "untouched", "cheater", "no_tests"), id="mini"),
    # The cheater's tricks are the mini course's business (they do not depend on the notebooks); on the
    # real course: full marks on every notebook for the full solutions, 0 and no crash for the release.
    pytest.param(REPO, "gdbp.checks", None, ("full", "untouched"), id="real",
                 marks=pytest.mark.skipif(not REAL_HAS_NOTEBOOKS,
                                          reason="solutions/ has no notebooks yet (the course is being written)")),
]


def make_course(tmp, source_root, timeout=TEST_TIMEOUT):
    """Copy a course's solutions/ and the repository's nbgrader_config.py into ``tmp``.

    ``timeout`` overrides ``Execute.timeout`` (None keeps the configured 60 s).
    """
    root = Path(tmp) / "course"
    shutil.copytree(source_root / "solutions", root / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    config = (REPO / "nbgrader_config.py").read_text()
    if timeout is not None:
        config += f"\nc.Execute.timeout = {timeout}\n"
    (root / "nbgrader_config.py").write_text(config)
    return root


def run_class(root, submissions, jobs=2):
    """Write submissions {(student, assignment): notebook|str|None}, grade, feedback, export.

    Returns (rows keyed by (student, notebook), grade results, course log lines).
    """
    for (student, assignment), content in submissions.items():
        if content is not None:  # None: a missing notebook, the student handed in the rest
            sim.write(root, student, assignment, assignment, content)
    lines = []
    course = Course(root, say=lines.append)
    results = course.grade(jobs=jobs)
    assert course.feedback() == []
    path = course.export(root / "grades.csv")
    with open(path, newline="") as f:
        rows = {(r["student_id"], r["notebook"]): r for r in csv.DictReader(f)}
    return rows, results, lines


@pytest.fixture(scope="module")
def pythonpath_with_mini():
    """Kernels (and grading processes) inherit os.environ: make `minicourse` importable there."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(MINI), os.environ.get("PYTHONPATH")])))
        yield


# ---------------------------------------------------------------------------------------------------
# The hostile class on the mini course: one module-scoped run, then one test per behaviour.

LOOP = "def relu_forward(x):\n    while True:\n        pass\n"
B, R = "01_basics", "02_relu"


def hostile_class(root):
    """{(student, assignment): submission} and the expected (score, status) per (student, notebook)."""
    rb, sb = sim.read_pair(root, B)
    rr, sr = sim.read_pair(root, R)
    full_b, full_r = sim.solved(rb, sb), sim.solved(rr, sr)
    subs, expected = {}, {}

    def student(name, basics, relu, scores):
        subs[(name, B)], subs[(name, R)] = basics, relu
        for nb, (score, status) in zip((B, R), scores):
            expected[(name, nb)] = (score, status)

    student("full", full_b, full_r, [(6, "graded"), (3, "graded")])
    student("untouched", rb, rr, [(0, "graded"), (0, "graded")])
    student("partial", sim.solved(rb, sb, ["square_answer", "sgd_answer"]),
            sim.solved(rr, sr, ["forward_answer"]), [(4, "graded"), (1, "graded")])
    student("loop", full_b, sim.with_answer(full_r, "forward_answer", LOOP), [(6, "graded"), (2, "graded")])
    student("syntax", sim.with_answer(full_b, "square_answer", "def square(x)\n    return x ** 2"),
            full_r, [(5, "graded"), (3, "graded")])
    student("raises", sim.with_answer(full_b, "mse_answer", "def mse(y_hat, y):\n    raise ValueError('no')"),
            full_r, [(4, "graded"), (3, "graded")])
    student("nan_shape", sim.with_answer(full_b, "mse_answer", "def mse(y_hat, y):\n    return float('nan')"),
            sim.with_answer(full_r, "backward_answer", "def relu_backward(dout, x):\n    return dout[0]"),
            [(4, "graded"), (1, "graded")])
    student("warns", sim.with_answer(full_b, "square_answer",  # a correct answer that emits a RuntimeWarning
                                     "def square(x):\n    np.log(np.zeros(1))\n    return x ** 2"),
            full_r, [(6, "graded"), (3, "graded")])
    student("edited_test", sim.with_answer(sim.with_answer(full_b, "square_answer", "def square(x):\n    return x"),
                                           "square_test", "pass"), full_r, [(5, "graded"), (3, "graded")])
    student("deleted_test", sim.without(full_b, ["mse_test"]), full_r, [(6, "graded"), (3, "graded")])
    cheat = sim.cheat_source("minicourse.checks")
    student("monkeypatch", sim.with_cell_after(rb, "setup", cheat),
            sim.with_cell_after(sim.with_answer(rr, "forward_answer", "def relu_forward(x):\n    return x"),
                                "forward_answer", "np.allclose = lambda *a, **k: True"),
            [(0, "graded"), (0, "graded")])
    student("displayhook", sim.with_answer(full_b, "square_answer",
                                           "def square(x):\n    get_ipython().displayhook('1')\n    return x"),
            full_r, [(5, "graded"), (3, "graded")])
    student("reference", sim.with_answer(full_b, "sgd_answer", "from minicourse.reference import sgd_step"),
            full_r, [(3, "graded"), (3, "graded")])
    student("hidden_fail", full_b, sim.with_answer(full_r, "backward_answer",
                                                    "def relu_backward(dout, x):\n    return dout * (x >= 0)"),
            [(6, "graded"), (1, "graded")])
    student("corrupt", '{"cells": [ this is not JSON', full_r, [(0, "unreadable"), (3, "graded")])
    student("missing", None, full_r, [(0, "missing"), (3, "graded")])
    return subs, expected


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, pythonpath_with_mini):
    root = make_course(tmp_path_factory.mktemp("hostile"), MINI)
    course = Course(root, say=lambda line: None)
    assert course.release() == []
    subs, expected = hostile_class(root)
    rows, results, lines = run_class(root, subs)
    return root, rows, results, lines, expected


def score(rows, student, notebook):
    row = rows[(student, notebook)]
    return float(row["score"]), row["status"]


@pytest.mark.parametrize("student", [
    "full", "untouched", "partial", "loop", "syntax", "raises", "nan_shape", "warns", "edited_test",
    "deleted_test", "monkeypatch", "displayhook", "reference", "hidden_fail", "corrupt", "missing"])
def test_grading_class_exported_scores_exact(graded_class, student):
    _, rows, _, _, expected = graded_class
    for notebook in (B, R):
        assert score(rows, student, notebook) == expected[(student, notebook)], (student, notebook)


def test_grading_class_max_scores_from_solutions(graded_class):
    _, rows, _, _, _ = graded_class
    assert {(nb, r["max_score"]) for (_, nb), r in rows.items()} == {(B, "6"), (R, "3")}
    assert len(rows) == 16 * 2


def test_grading_timeout_fails_only_that_cell(graded_class):
    root, _, results, _, _ = graded_class
    nb = nbformat.read(str(root / "grading/autograded/loop/02_relu/02_relu.ipynb"), as_version=4)
    forward = nb.cells[sim.index_of(nb, "forward_test")]
    assert [o.ename for o in forward.outputs if o.output_type == "error"], "the looping test must fail"
    backward = nb.cells[sim.index_of(nb, "backward_test")]
    assert not [o for o in backward.outputs if o.output_type == "error"], "later cells still run"
    loop = [r for r in results if (r.student, r.assignment) == ("loop", R)][0]
    assert loop.success and "a cell timed out" in loop.message


def test_grading_added_cells_are_not_run(graded_class):
    root, _, _, _, _ = graded_class
    nb = nbformat.read(str(root / "grading/autograded/monkeypatch/01_basics/01_basics.ipynb"), as_version=4)
    added = [c for c in nb.cells if "Not graded: you added this cell" in c.source]
    assert len(added) == 1 and added[0].cell_type == "markdown"
    assert "np.allclose = lambda" in added[0].source, "the learner still sees what they wrote"


def test_grading_deleted_test_cell_is_restored_and_run(graded_class):
    root, rows, _, _, _ = graded_class
    nb = nbformat.read(str(root / "grading/autograded/deleted_test/01_basics/01_basics.ipynb"), as_version=4)
    restored = nb.cells[sim.index_of(nb, "mse_test")]
    assert "checks.check_mse(mse)" in restored.source
    assert rows[("deleted_test", B)]["status"] == "graded", "not left as needs manual grading"


def test_grading_unreadable_notebook_reported_and_kept(graded_class):
    root, _, results, lines, _ = graded_class
    kept = root / "grading/submitted/corrupt/01_basics/01_basics.ipynb.unreadable"
    assert kept.read_text().startswith('{"cells": [ this')
    assert any("unreadable" in line and "corrupt" in line for line in lines)
    corrupt = [r for r in results if (r.student, r.assignment) == ("corrupt", B)][0]
    assert not corrupt.success and "0 points" in corrupt.message


def test_grading_every_other_submission_succeeds(graded_class):
    _, _, results, _, _ = graded_class
    failed = {(r.student, r.assignment) for r in results if not r.success}
    assert failed == {("corrupt", B)}, "a missing notebook is not attempted; the rest succeeds"
    assert len(results) == 16 * 2 - 1


def test_feedback_exists_for_every_graded_notebook_without_hidden_tests(graded_class):
    root, rows, _, _, _ = graded_class
    graded = [(s, nb) for (s, nb), r in rows.items() if r["status"] == "graded"]
    assert len(graded) == 16 * 2 - 2
    for student, notebook in graded:
        html = (root / "grading/feedback" / student / notebook / f"{notebook}.html").read_text()
        leaked = [m for m in HIDDEN_MARKERS if m in html]
        assert not leaked, f"feedback of {student}/{notebook} shows hidden tests: {leaked}"


def test_feedback_shows_the_checker_message(graded_class):
    root, _, _, _, _ = graded_class
    html = (root / "grading/feedback/nan_shape/01_basics/01_basics.html").read_text()
    assert "mse returned non-finite values" in html
    html = (root / "grading/feedback/reference/01_basics/01_basics.html").read_text()
    assert "uses the course&#39;s reference solution" in html or "uses the course's reference solution" in html


def test_grading_one_student_sequentially_matches_parallel_run(graded_class):
    root, rows, _, _, _ = graded_class
    course = Course(root, say=lambda line: None)
    results = course.grade(student="partial", jobs=1)
    assert [(r.student, r.success) for r in results] == [("partial", True), ("partial", True)]
    again = {(r["student_id"], r["notebook"]): r for r in course.scores()}
    assert again[("partial", B)]["score"] == float(rows[("partial", B)]["score"]) == 4.0
    assert again[("partial", R)]["score"] == 1.0


def test_gradebook_intact_after_parallel_grading(graded_class):
    root, _, _, _, _ = graded_class
    with Course(root, say=lambda line: None).gradebook() as gb:
        students = {s.id for s in gb.students}
        submissions = {(s.student.id, s.assignment.name) for a in gb.assignments for s in a.submissions}
    assert len(students) == 16
    # one row per graded submission: all but the unreadable and the missing 01_basics
    assert len(submissions) == 16 * 2 - 2
    assert ("corrupt", B) not in submissions and ("missing", R) in submissions


# ---------------------------------------------------------------------------------------------------
# The generic class, on the mini course and on the real course.

@pytest.mark.parametrize(("source_root", "checker_module", "timeout", "students"), COURSES)
def test_grading_generic_class_full_untouched_cheater(tmp_path, pythonpath_with_mini, source_root,
                                                      checker_module, timeout, students):
    root = make_course(tmp_path, source_root, timeout)
    course = Course(root, say=lambda line: None)
    assert course.release() == []
    subs = {}
    for assignment in course.assignments():
        release, solution = sim.read_pair(root, assignment)
        cheater = release  # untouched answers, and after each one a cell short-circuiting the checks
        for cell_id in sim.answer_ids(release):
            cheater = sim.with_cell_after(cheater, cell_id, sim.cheat_source(checker_module))
        made = {"full": sim.solved(release, solution), "untouched": release, "cheater": cheater,
                "no_tests": sim.without(sim.solved(release, solution), sim.test_ids(release))}
        subs.update({(student, assignment): made[student] for student in students})
    rows, results, _ = run_class(root, subs)
    assert all(r.success for r in results), [r for r in results if not r.success]
    for (student, notebook), row in rows.items():
        full = student in ("full", "no_tests")
        expected = row["max_score"] if full else "0"
        assert (row["score"], row["status"]) == (expected, "graded"), (student, notebook)
        html = (root / "grading/feedback" / student / notebook / f"{notebook}.html").read_text()
        assert not [m for m in HIDDEN_MARKERS if m in html], f"{student}/{notebook} feedback shows hidden tests"

"""A class graded end to end through the `gdbp-course` commands: collect (an LMS zip), grade (2 jobs,
each notebook in its sandbox), feedback, export; every student's exported score is asserted exactly.

The class runs on the mini course (tests/fixtures/mini_course: 01_basics with exercises worth 1, 2 and 3
points, 02_relu with 1 and 2, so every partial score tells which exercises passed). It holds honest
students with the files real learners and LMSs produce (copied cells, renamed and re-flagged cells,
copies named "(1)", Canvas/Moodle names, ids with underscores, spaces and non-ASCII letters, BOM, CRLF,
nbformat 3, resubmissions, a kernel that dies, loops that ignore signals, floods) and hostile ones
(one attack each, on top of wrong answers, so that their honest score is 0 or known). A second class
runs the real course: full solutions score full marks on every notebook, the release scores 0, and an
Adam borrowed as adamw(weight_decay=0) scores 0 for that exercise only.
"""
import copy
import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import require_sandbox

pytest.importorskip("nbgrader", reason="nbgrader not installed (pip install -e .[grading])")

from gdbp.instructor import simulate as sim  # noqa: E402

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "fixtures" / "mini_course"
B, R = "01_basics", "02_relu"
HIDDEN_MARKERS = ("hidden_check", "BEGIN HIDDEN TESTS", "assert_not_reference")
CLI = [sys.executable, "-m", "gdbp.instructor.cli"]


def gdbp_course(root, *args, check=True):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(MINI), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([*CLI, "--course-root", str(root), *args], capture_output=True, text=True, env=env,
                          timeout=1200)
    if check:
        assert done.returncode in (0, 1), done.stdout + done.stderr
    return done


def make_course(tmp, source_root, packages=("gdbp",), limits=None):
    root = Path(tmp) / "course"
    root.mkdir(parents=True)
    subprocess.run(["cp", "-r", str(source_root / "solutions"), str(root / "solutions")], check=True)
    config = (REPO / "nbgrader_config.py").read_text()
    config += f"\nc.GdbpGrading.course_packages = {list(packages)!r}\n"
    for name, value in (limits or {}).items():
        config += f"c.GdbpGrading.{name} = {value!r}\n"
    (root / "nbgrader_config.py").write_text(config)
    return root


def rows_of(root):
    with open(root / "grading" / "grades.csv", newline="") as f:
        return {(r["student_id"], r["notebook"]): (float(r["score"]), r["status"]) for r in csv.DictReader(f)}


# ----------------------------------------------------------------------------------- the mini class

WRONG = {"square_answer": "def square(x):\n    return x",
         "mse_answer": "def mse(y_hat, y):\n    return 0.0",
         "sgd_answer": "def sgd_step(param, grad, lr):\n    return param"}


def wrong_with(release, cell_id, attack):
    """Every answer wrong, and ``attack`` written into the answer cell ``cell_id`` before its wrong answer."""
    nb = release
    for gid, source in WRONG.items():
        nb = sim.with_answer(nb, gid, (attack + "\n" + source) if gid == cell_id else source)
    return nb


def write_nb(path, nb, encoding=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    text = nbformat.writes(nb)
    if encoding == "bom+crlf":
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    elif encoding == "v3":
        path.write_text(nbformat.writes(nbformat.convert(copy.deepcopy(nb), 3), version=3))
    else:
        path.write_text(text)


def mini_class(root, downloads):
    """Write the class's downloads; return {(student id, notebook): (score, status)} expected."""
    rb, sb = sim.read_pair(root, B)
    rr, sr = sim.read_pair(root, R)
    full_b, full_r = sim.solved(rb, sb), sim.solved(rr, sr)
    expected = {}

    def hand_in(student, name, nb, score, notebook=B, encoding=None):
        write_nb(downloads / name, nb, encoding)
        expected[(student, notebook)] = (score, "graded")

    # --- honest students
    hand_in("full", "full/01_basics.ipynb", full_b, 6)
    hand_in("full", "full/02_relu.ipynb", full_r, 3, R)
    hand_in("untouched", "untouched/01_basics.ipynb", rb, 0)
    hand_in("partial", "partial/01_basics.ipynb", sim.solved(rb, sb, ["square_answer", "sgd_answer"]), 4)
    hand_in("partial", "partial/02_relu.ipynb", sim.solved(rr, sr, ["forward_answer"]), 1, R)
    hand_in("jane_doe", "jane_doe_01_basics.ipynb", full_b, 6)                        # an id with "_"
    hand_in("Zoë Lee", "Zoë Lee/01_basics (1).ipynb", full_b, 6)                      # spaces, non-ASCII, "(1)"
    hand_in("301", "Li Lei_301_assignsubmission_file_01_basics.ipynb", full_b, 6)     # Moodle
    hand_in("402", "smithalex_402_9002_01_basics-1.ipynb", full_b, 6)                 # Canvas resubmission...
    write_nb(downloads / "smithalex_LATE_402_9001_01_basics.ipynb", rb)               # ...beats the first try
    os.utime(downloads / "smithalex_402_9002_01_basics-1.ipynb", (1_000_000, 1_000_000))  # older on disk
    dup = sim.with_cell_after(full_b, "square_answer", "")  # placeholder, replaced below
    pasted = [c for c in full_b.cells if sim.grade_id(c) in ("square_answer", "mse_test")]
    dup.cells[[sim.grade_id(c) for c in dup.cells].index("square_answer") + 1] = nbformat.from_dict(
        {**pasted[0], "source": "def square(x):\n    return x * x"})
    dup.cells.append(nbformat.from_dict(dict(pasted[1])))
    dup.cells.append(nbformat.from_dict({**[c for c in rb.cells if sim.grade_id(c) == "sgd_answer"][0]}))
    hand_in("dup_cells", "dup_cells/01_basics.ipynb", dup, 6)
    renamed = sim.solved(rb, sb)
    renamed.cells[sim.index_of(renamed, "square_answer")].metadata["nbgrader"]["grade_id"] = "cell-8f2a"
    del renamed.cells[sim.index_of(renamed, "sgd_answer")].metadata["nbgrader"]
    hand_in("renamed", "renamed/01_basics.ipynb", renamed, 6)
    reflagged = sim.solved(rb, sb)
    reflagged.cells[sim.index_of(reflagged, "square_answer")].metadata["nbgrader"].update(grade=True, points=100)
    reflagged.cells[sim.index_of(reflagged, "mse_test")].metadata["nbgrader"].update(solution=True)
    hand_in("reflagged", "reflagged/01_basics.ipynb", reflagged, 6)
    hand_in("bom_crlf", "bom_crlf/01_basics.ipynb", full_b, 6, encoding="bom+crlf")
    hand_in("nb3", "nb3/01_basics.ipynb", full_b, 6, encoding="v3")
    hand_in("edited_demo", "edited_demo/01_basics.ipynb",
            sim.with_answer(full_b, "setup", "import numpy as np\nprint('my experiment')"), 6)
    hand_in("deleted_test", "deleted_test/01_basics.ipynb", sim.without(full_b, ["mse_test"]), 6)
    hand_in("warns", "warns/01_basics.ipynb", sim.with_answer(
        full_b, "square_answer", "def square(x):\n    np.log(np.zeros(1))\n    return x ** 2"), 6)
    hand_in("dies", "dies/01_basics.ipynb", sim.with_answer(full_b, "mse_answer", "import os\nos._exit(3)"), 4)
    hand_in("stubborn", "stubborn/01_basics.ipynb", sim.with_answer(
        full_b, "square_answer", "import signal\ndef square(x):\n    signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                 "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    while True:\n        pass"), 5)
    hand_in("flood", "flood/01_basics.ipynb", sim.with_answer(
        full_b, "mse_answer", "while True:\n    print('x' * 100000)"), 4)
    hand_in("fork_bomb", "fork_bomb/01_basics.ipynb", sim.with_answer(
        full_b, "square_answer", "import os\ntry:\n    while True:\n        os.fork()\nexcept OSError:\n    pass\n"
                                 "def square(x):\n    return x ** 2"), 6)
    hand_in("detached", "detached/01_basics.ipynb", sim.with_answer(
        full_b, "sgd_answer", "import subprocess\ntry:\n    subprocess.Popen(['sleep', '777'], start_new_session=True)\n"
                              "except OSError:\n    pass\ndef sgd_step(param, grad, lr):\n    return param - lr * grad"), 6)
    hand_in("corrupt", "corrupt/02_relu.ipynb", full_r, 3, R)
    (downloads / "corrupt" / "01_basics.ipynb").write_text('{"cells": [ this is not JSON')
    expected[("corrupt", B)] = (0, "unreadable")
    for student in ("full", "partial", "corrupt"):
        pass
    # --- hostile students: wrong answers plus one attack each
    attacks = {
        "transformer": ("square_answer", "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])"),
        "fake_modules": ("square_answer", "import sys, types, builtins\nfake = types.ModuleType('minicourse.checks')\n"
                         "fake.check_square = fake.check_mse = fake.check_sgd_step = lambda f: None\n"
                         "sys.modules['minicourse.checks'] = fake\nsys.modules['gdbp.instructor.hidden'] = fake\n"
                         "real_import = builtins.__import__\n"
                         "builtins.__import__ = lambda name, *a, **k: fake if 'check' in name else real_import(name, *a, **k)"),
        "rebind_checks": ("square_answer", "from minicourse import checks\n"
                          "checks.check_square = checks.check_mse = checks.check_sgd_step = lambda f: None"),
        "monkeypatch": ("square_answer", "np.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = "
                        "lambda *a, **k: None\nnp.all = lambda *a, **k: True"),
        "read_solutions": ("square_answer", f"import json\nfor path in ({str(root / 'solutions' / B / (B + '.ipynb'))!r}, "
                           f"{str(MINI / 'solutions' / B / (B + '.ipynb'))!r}, '../../../solutions/01_basics/01_basics.ipynb'):\n"
                           "    try:\n        nb = json.load(open(path))\n    except OSError:\n        continue\n"
                           "    for c in nb['cells']:\n        if c['metadata'].get('nbgrader', {}).get('solution'):\n"
                           "            exec(''.join(c['source']))"),
        "read_gradebook": ("square_answer", f"import sqlite3\ntry:\n    sqlite3.connect({str(root / 'grading/gradebook.db')!r})"
                           ".execute('update grade set auto_score = 100')\nexcept Exception:\n    pass"),
        "cross_write": ("square_answer", f"for path in ({str(root / 'grading/submitted/full/01_basics/01_basics.ipynb')!r}, "
                        f"{str(root / 'grading/gradebook.db')!r}, {str(MINI / 'minicourse/checks.py')!r}, "
                        f"{str(REPO / 'gdbp/__init__.py')!r}):\n    try:\n        open(path, 'w').write('')\n"
                        "    except OSError:\n        pass"),
    }
    for student, (cell_id, attack) in attacks.items():
        hand_in(student, f"{student}/01_basics.ipynb", wrong_with(rb, cell_id, attack), 0)
    # borrowing the reference: square and mse right (3 points), sgd_step borrowed (0 of 3)
    borrowed = {
        "borrow_import": "from minicourse.reference import sgd_step",
        "borrow_default": "from minicourse import reference\ndef sgd_step(param, grad, lr, _f=reference.sgd_step):\n"
                          "    return _f(param, grad, lr)",
        "borrow_class": "from minicourse import reference\nclass Keep:\n    f = staticmethod(reference.sgd_step)\n"
                        "def sgd_step(param, grad, lr):\n    return Keep.f(param, grad, lr)",
        "borrow_dict": "from minicourse import reference\ntable = {'f': reference.sgd_step}\n"
                       "def sgd_step(param, grad, lr):\n    return table['f'](param, grad, lr)",
        "borrow_source": "import inspect\nfrom minicourse import reference\nexec(inspect.getsource(reference))",
    }
    for student, source in borrowed.items():
        hand_in(student, f"{student}/01_basics.ipynb", sim.with_answer(full_b, "sgd_answer", source), 3)
    xss = sim.with_answer(full_b, "square_answer", "from IPython.display import HTML, Javascript, display\n"
                          "display(HTML('<script>alert(\"gdbp-xss-html\")</script>'))\n"
                          "display(Javascript('alert(\"gdbp-xss-js\")'))\nprint('<script>alert(\"gdbp-xss-text\")</script>')\n"
                          "def square(x):\n    return x ** 2")
    xss.cells.append(nbformat.v4.new_markdown_cell('<script>alert("gdbp-xss-md")</script><img src=x onerror="alert(1)">'))
    hand_in("xss", "xss/01_basics.ipynb", xss, 6)
    hand_in("planted", "planted/01_basics.ipynb", full_b, 6)
    (downloads / "planted" / "gdbp").mkdir()
    (downloads / "planted" / "gdbp" / "__init__.py").write_text("import os; os.system('touch /tmp/gdbp-planted')")
    for student in {s for s, _ in expected}:
        for notebook in (B, R):
            expected.setdefault((student, notebook), (0, "missing"))
    return expected


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    require_sandbox()
    tmp = tmp_path_factory.mktemp("class")
    root = make_course(tmp, MINI, packages=("gdbp", "minicourse"),
                       limits={"cell_seconds": 6, "test_seconds": 20, "call_seconds": 6})
    gdbp_course(root, "release")
    downloads = tmp / "downloads"
    expected = mini_class(root, downloads)
    archive = tmp / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(downloads.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(str(path.relative_to(downloads)), date_time=(2026, 11, 1, 12, 0, 0))
                z.writestr(info, path.read_bytes())
    collected = gdbp_course(root, "collect", str(archive))
    planted = root / "grading/submitted/planted/01_basics/gdbp"
    planted.mkdir(parents=True)
    (planted / "__init__.py").write_text("import os; os.system('touch /tmp/gdbp-planted')")
    graded = gdbp_course(root, "grade", "--jobs", "2")
    print(graded.stdout)
    feedback = gdbp_course(root, "feedback")
    exported = gdbp_course(root, "export")
    return root, expected, {"collect": collected, "grade": graded, "feedback": feedback, "export": exported}


def test_class_every_exported_score_is_exact(graded_class):
    root, expected, _ = graded_class
    rows = rows_of(root)
    wrong = {key: (rows.get(key), want) for key, want in expected.items() if rows.get(key) != want}
    assert not wrong, wrong
    assert set(rows) == set(expected)


def test_class_collect_skipped_only_the_planted_package_and_the_first_attempt(graded_class):
    _, _, runs = graded_class
    out = runs["collect"].stdout
    assert "not placed: planted/gdbp/__init__.py: not a .ipynb file" in out
    assert "not placed: smithalex_LATE_402_9001_01_basics.ipynb: an older file" in out
    assert out.count("not placed:") == 2, out


def test_class_nothing_of_a_submission_outside_its_sandbox(graded_class):
    root, _, _ = graded_class
    assert not Path("/tmp/gdbp-planted").exists()
    assert (MINI / "minicourse" / "checks.py").read_text().startswith('"""Checkers of the mini course')
    assert (REPO / "gdbp" / "__init__.py").read_text().startswith('"""gdbp')
    victim = nbformat.read(str(root / "grading/submitted/full/01_basics/01_basics.ipynb"), as_version=4)
    assert len(victim.cells) > 5
    assert sorted(p.name for p in (root / "grading/autograded/planted/01_basics").iterdir()) == ["01_basics.ipynb"]
    leftover = subprocess.run(["pgrep", "-f", "sleep 777"], capture_output=True, text=True)
    assert leftover.stdout == "", "a process started by a submission outlived its grading"


def test_class_one_failure_costs_one_exercise(graded_class):
    root, _, runs = graded_class
    nb = nbformat.read(str(root / "grading/autograded/stubborn/01_basics/01_basics.ipynb"), as_version=4)
    square = nb.cells[sim.index_of(nb, "square_test")]
    assert [o.ename for o in square.outputs if o.output_type == "error"], "the looping test fails"
    for later in ("mse_test", "sgd_test"):
        assert not [o for o in nb.cells[sim.index_of(nb, later)].outputs if o.output_type == "error"]
    dies = nbformat.read(str(root / "grading/autograded/dies/01_basics/01_basics.ipynb"), as_version=4)
    answer = dies.cells[sim.index_of(dies, "mse_answer")]
    assert "ended during this cell" in answer.outputs[-1].evalue
    assert "stubborn 01_basics 5/6" in runs["grade"].stdout


def test_class_feedback_escapes_student_output_and_hides_hidden_tests(graded_class):
    root, expected, _ = graded_class
    html = (root / "grading/feedback/xss/01_basics/01_basics.html").read_text()
    # the student's code is shown as (escaped) code; nothing of it, its outputs or its cells is live markup
    live = live_markup(html)
    assert not live, live
    assert "gdbp-xss-text" in html and "gdbp-xss-md" in html, "the student still sees what they wrote"
    for (student, notebook), (_, status) in expected.items():
        if status != "graded":
            continue
        page = (root / "grading/feedback" / student / notebook / f"{notebook}.html").read_text()
        leaked = [m for m in HIDDEN_MARKERS if m in page]
        assert not leaked, f"feedback of {student}/{notebook} shows hidden tests: {leaked}"


def live_markup(html):
    """Elements and attributes of ``html`` that a browser would run, holding a student's marker."""
    from html.parser import HTMLParser

    found = []

    class Finder(HTMLParser):
        script = False

        def handle_starttag(self, tag, attrs):
            self.script = tag == "script"
            for name, value in attrs:
                if name.startswith("on") or (value or "").strip().startswith("javascript:"):
                    found.append(f"<{tag} {name}={value!r}>")

        def handle_data(self, data):
            if self.script and ("gdbp-xss" in data or "alert(" in data):
                found.append(f"<script>{data[:80]}")

        def handle_endtag(self, tag):
            self.script = False

    Finder().feed(html)
    return found


def test_class_feedback_shows_why_a_borrowed_reference_failed(graded_class):
    root, _, _ = graded_class
    for student in ("borrow_dict", "borrow_default", "borrow_class", "borrow_import"):
        html = (root / "grading/feedback" / student / "01_basics/01_basics.html").read_text()
        assert "used the course&#39;s library" in html or "used the course's library" in html or \
            "reference solution" in html, student


def test_class_gradebook_intact_and_export_flags_nothing(graded_class):
    root, expected, runs = graded_class
    assert runs["export"].returncode == 0, runs["export"].stdout
    from gdbp.instructor.course import Course
    with Course(root, say=lambda line: None).gradebook() as gb:
        assert {s.id for s in gb.students} == {s for s, _ in expected}


# ------------------------------------------------------------------------------------- the real course

REAL_GRADED = sorted(p.parent.name for p in (REPO / "solutions").glob("*/*.ipynb")
                     if any(c.get("metadata", {}).get("nbgrader", {}).get("grade")
                            for c in json.loads(p.read_text())["cells"]))


def test_real_course_full_marks_zero_and_a_borrowed_adam(tmp_path):
    require_sandbox()
    root = make_course(tmp_path, REPO)
    gdbp_course(root, "release")
    downloads = tmp_path / "downloads"
    for assignment in REAL_GRADED:
        release, solution = sim.read_pair(root, assignment)
        write_nb(downloads / "full" / f"{assignment}.ipynb", sim.solved(release, solution))
    release, solution = sim.read_pair(root, "10_adam_family")
    write_nb(downloads / "untouched" / "10_adam_family.ipynb", release)
    release, solution = sim.read_pair(root, "10_adam_family")
    adamw = ("import gdbp.optim\ndef adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):\n"
             "    return gdbp.optim.adamw(param, grad, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps, "
             "weight_decay=0.0)")
    write_nb(downloads / "adamw" / "10_adam_family.ipynb",
             sim.with_answer(sim.solved(release, solution), "adam", adamw))
    gdbp_course(root, "collect", str(downloads))
    graded = gdbp_course(root, "grade", "--jobs", "2")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    gdbp_course(root, "export")
    rows = rows_of(root)
    with open(root / "grading" / "grades.csv", newline="") as f:
        maximum = {r["notebook"]: float(r["max_score"]) for r in csv.DictReader(f)}
    for assignment in REAL_GRADED:
        assert rows[("full", assignment)] == (maximum[assignment], "graded"), assignment
    assert rows[("untouched", "10_adam_family")] == (0, "graded")
    assert rows[("adamw", "10_adam_family")] == (maximum["10_adam_family"] - 2, "graded"), "adam (2 points) lost"

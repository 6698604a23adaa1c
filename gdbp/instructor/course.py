"""The instructor's workflow over nbgrader: release, collect, grade, feedback, export.

Each step calls nbgrader's own Python API (``nbgrader.apps.NbGraderAPI``) with the course's
``nbgrader_config.py``; nothing here decides a score. What this module adds is the glue nbgrader
leaves to the instructor: finding the course, placing downloaded files into nbgrader's submitted
layout, setting aside files that are not notebooks, grading in parallel processes, progress lines,
and one CSV row per student and notebook.

Layout (see ``nbgrader_config.py``): ``solutions/<assignment>/<notebook>.ipynb`` -> ``course/...``;
``grading/{submitted,autograded,feedback}/<student>/<assignment>/``; ``grading/gradebook.db``.
"""
import concurrent.futures
import csv
import logging
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

CONFIG_FILE = "nbgrader_config.py"
UNREADABLE_SUFFIX = ".unreadable"
_STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.@+-]*$")
_COPY_SUFFIX = re.compile(r"-\d+$")  # LMS duplicates: 01_basics-1.ipynb
_SKIP_DIRS = {"__MACOSX", ".ipynb_checkpoints"}


def find_course_root(root=None):
    """Return the course root: ``root`` if given, else the current directory when it holds
    ``nbgrader_config.py``, else the repository this package lives in.

    Raises
    ------
    FileNotFoundError
        If the chosen folder has no ``nbgrader_config.py``.
    """
    if root is not None:
        candidates = [Path(root)]
    else:
        candidates = [Path.cwd(), Path(__file__).resolve().parents[2]]
    for candidate in candidates:
        if (candidate / CONFIG_FILE).is_file():
            return candidate.resolve()
    raise FileNotFoundError(
        f"course root: expected a folder holding {CONFIG_FILE}, looked in "
        + ", ".join(str(c) for c in candidates) + " (pass --course-root)")


def ensure_alembic_on_path():
    """Put this interpreter's ``bin/`` first on PATH: nbgrader runs the ``alembic`` executable
    installed next to it when it creates a gradebook."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def is_readable_notebook(path):
    """True if ``path`` parses as a Jupyter notebook (JSON with nbformat 4 structure)."""
    try:
        nbformat.read(str(path), as_version=4)
    except Exception:  # noqa: BLE001 - any failure means nbgrader could not grade it either
        return False
    return True


def unmarked_code_cells(nb):
    """Return the indices of code cells without an nbgrader ``grade_id``.

    In the course every code cell carries one; an unmarked cell in ``solutions/`` would be taken for
    a learner's addition at grading time and not run.
    """
    return [i for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("grade_id")]


@dataclass
class CollectReport:
    """What ``collect`` did: ``placed`` (source, destination) pairs, and files it did not place
    (``skipped``: (source, reason)) or placed but cannot be graded (``unreadable``: destinations)."""
    placed: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    unreadable: list = field(default_factory=list)


@dataclass
class GradeResult:
    """Outcome of autograding one student's assignment."""
    student: str
    assignment: str
    success: bool
    seconds: float
    message: str = ""


class Course:
    """A course folder with ``nbgrader_config.py``; every method is one step of the workflow.

    Parameters
    ----------
    root : str or Path, optional
        The course root; see ``find_course_root`` for the default.
    say : callable, optional
        Receives one progress line (a str) at a time; defaults to ``print``.
    """

    def __init__(self, root=None, say=print):
        self.root = find_course_root(root)
        self.say = say
        ensure_alembic_on_path()
        self._api = None

    # ----------------------------------------------------------------- nbgrader
    @property
    def config(self):
        """The traitlets Config read from this course's ``nbgrader_config.py`` only (not ~/.jupyter)."""
        from traitlets.config.loader import PyFileConfigLoader  # noqa: PLC0415 - nbgrader is optional
        return PyFileConfigLoader(CONFIG_FILE, path=str(self.root)).load_config()

    @property
    def api(self):
        """An ``NbGraderAPI`` configured for this course (created on first use)."""
        if self._api is None:
            from nbgrader.apps import NbGraderAPI  # noqa: PLC0415 - nbgrader is optional
            # The API probes the JupyterHub exchange folder and logs CRITICAL when it is absent;
            # grading from the command line never uses the exchange.
            traitlets_log = logging.getLogger("traitlets")
            level = traitlets_log.level
            traitlets_log.setLevel(logging.CRITICAL + 1)
            try:
                self._api = NbGraderAPI(config=self.config)
            finally:
                traitlets_log.setLevel(level)
            self._api.log.setLevel("ERROR")  # our progress lines replace nbgrader's INFO chatter
        return self._api

    @property
    def db_url(self):
        return self.api.coursedir.db_url

    def gradebook(self):
        """Open the gradebook (use as ``with course.gradebook() as gb``)."""
        from nbgrader.api import Gradebook  # noqa: PLC0415
        return Gradebook(self.db_url)

    def folder(self, step):
        """Absolute folder of an nbgrader step: 'source', 'release', 'submitted', 'autograded', 'feedback'."""
        return self.root / getattr(self.api.coursedir, f"{step}_directory")

    def assignments(self):
        """Sorted names of the assignments in ``solutions/`` (folders holding notebooks)."""
        source = self.folder("source")
        if not source.is_dir():
            return []
        return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def notebooks(self, assignment):
        """Sorted notebook names (without .ipynb) of one assignment in ``solutions/``."""
        return sorted(p.stem for p in (self.folder("source") / assignment).glob("*.ipynb"))

    def _check_assignment(self, assignment):
        if assignment is not None and assignment not in self.assignments():
            raise ValueError(f"assignment: expected one of {self.assignments()}, got {assignment!r}")

    # ------------------------------------------------------------------ release
    def release(self, assignment=None):
        """Generate the learner release ``course/<assignment>/`` from ``solutions/`` (all or one),
        recording cells and points in the gradebook. Returns the list of assignments that failed."""
        self._check_assignment(assignment)
        names = [assignment] if assignment else self.assignments()
        if not names:
            self.say(f"no assignments in {self.folder('source')}")
        failed = []
        for i, name in enumerate(names, 1):
            for nb_name in self.notebooks(name):
                nb = nbformat.read(str(self.folder("source") / name / f"{nb_name}.ipynb"), as_version=4)
                if unmarked_code_cells(nb):
                    self.say(f"  warning: {name}/{nb_name}.ipynb code cells {unmarked_code_cells(nb)} have "
                             "no nbgrader grade_id; they will not run at grading time")
            start = time.perf_counter()
            result = self.api.generate_assignment(name, force=True, create=True)
            status = "released" if result["success"] else "FAILED"
            self.say(f"[{i}/{len(names)}] {status} {name} -> {self.folder('release') / name}"
                     f" ({time.perf_counter() - start:.1f} s)")
            if not result["success"]:
                failed.append(name)
                self.say(_last_error(result))
        return failed

    # ------------------------------------------------------------------ collect
    def _notebook_index(self):
        """Map notebook name -> assignment, from ``solutions/``."""
        return {nb: a for a in self.assignments() for nb in self.notebooks(a)}

    def _place(self, path, relative, index):
        """Return (student, assignment, notebook) for one downloaded file, or a reason string.

        Understood names (see docs/instructors.md):
        ``<student>/<notebook>.ipynb``, ``<student>/<assignment>/<notebook>.ipynb`` and
        ``<student>_<anything>_<notebook>.ipynb`` (LMS downloads), with an optional ``-N`` copy suffix.
        """
        if path.suffix != ".ipynb":
            return "not a .ipynb file"
        stem = _COPY_SUFFIX.sub("", path.stem)
        parents = relative.parent.parts
        if stem in index:
            student = parents[-1] if parents else None
            if student == index[stem] and len(parents) >= 2:  # <student>/<assignment>/<notebook>
                student = parents[-2]
            if student is None:
                return "a notebook name without a student (expected <student>/<notebook>.ipynb)"
        else:
            matches = [nb for nb in index if stem.endswith("_" + nb)]
            if not matches:
                return f"no known notebook name at the end of the file name (known: {sorted(index)})"
            stem = max(matches, key=len)
            student = path.stem.split("_", 1)[0]
        if not _STUDENT_ID.match(student or ""):
            return f"student id {student!r} is not a plain name (letters, digits, . @ + -)"
        return student, index[stem], stem

    def collect(self, source):
        """Copy a folder of downloaded notebooks, or an LMS zip, into ``grading/submitted/``.

        Each file goes to ``grading/submitted/<student>/<assignment>/<notebook>.ipynb``. When a
        student has several files for one notebook, the most recently modified wins. A file that is
        not a readable notebook is stored as ``<notebook>.ipynb.unreadable`` so that it is kept for
        the instructor but graded as missing (0 points). Returns a ``CollectReport``.
        """
        source = Path(source)
        if not source.exists():
            raise FileNotFoundError(f"source: expected a folder or a .zip file, {source} does not exist")
        index = self._notebook_index()
        if not index:
            raise ValueError(f"no notebooks in {self.folder('source')}: nothing to match submissions against")
        with tempfile.TemporaryDirectory() as tmp:
            if source.is_file():
                if not zipfile.is_zipfile(source):
                    raise ValueError(f"source: expected a folder or a .zip file, got {source}")
                with zipfile.ZipFile(source) as archive:
                    _safe_extract(archive, Path(tmp))
                source = Path(tmp)
            return self._collect_folder(source, index)

    def _collect_folder(self, source, index):
        report, chosen = CollectReport(), {}
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            relative = path.relative_to(source)
            if _SKIP_DIRS & set(relative.parts) or path.name.startswith("."):
                continue
            placed = self._place(path, relative, index)
            if isinstance(placed, str):
                report.skipped.append((path, placed))
                continue
            previous = chosen.get(placed)
            if previous is not None:
                older, newer = sorted([previous, path], key=lambda p: p.stat().st_mtime)
                report.skipped.append((older, f"an older file for the same student and notebook than {newer.name}"))
                path = newer
            chosen[placed] = path
        for (student, assignment, notebook), path in sorted(chosen.items()):
            folder = self.folder("submitted") / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            dest = folder / f"{notebook}.ipynb"
            for stale in (dest, dest.with_name(dest.name + UNREADABLE_SUFFIX)):
                stale.unlink(missing_ok=True)
            shutil.copy2(path, dest)
            report.placed.append((path, dest))
            self.say(f"  {path.relative_to(source)} -> {dest.relative_to(self.root)}")
        report.unreadable = self.set_aside_unreadable()
        self.say(f"collected {len(report.placed)} notebooks of {len({k[0] for k in chosen})} students"
                 f" into {self.folder('submitted')}")
        for path, reason in report.skipped:
            self.say(f"  not placed: {path.relative_to(source)}: {reason}")
        return report

    def set_aside_unreadable(self, student=None):
        """Rename submitted notebooks that are not readable notebooks to ``*.ipynb.unreadable``.

        nbgrader then treats them as missing: 0 points for that notebook, the student's other
        notebooks graded. Returns the renamed paths.
        """
        pattern = f"{student or '*'}/*/*.ipynb"
        renamed = []
        for path in sorted(self.folder("submitted").glob(pattern)):
            if not is_readable_notebook(path):
                target = path.with_name(path.name + UNREADABLE_SUFFIX)
                path.replace(target)
                renamed.append(target)
                self.say(f"  unreadable: {path.relative_to(self.root)} is not a Jupyter notebook "
                         f"(not valid notebook JSON); kept as {target.name}, graded 0")
        return renamed

    # -------------------------------------------------------------------- grade
    def submissions(self, student=None, assignment=None):
        """Sorted (student, assignment) pairs found in ``grading/submitted/``."""
        submitted = self.folder("submitted")
        known = set(self.assignments())
        pairs = []
        for folder in sorted(submitted.glob(f"{student or '*'}/{assignment or '*'}")):
            if folder.is_dir() and folder.name in known:
                pairs.append((folder.parent.name, folder.name))
        return pairs

    def grade(self, student=None, assignment=None, jobs=1):
        """Autograde every submission (or one student's, or one assignment's) with nbgrader.

        With ``jobs > 1``, submissions are graded in that many processes sharing the SQLite gradebook
        (students are created first so that no two processes insert the same row). Returns a list of
        ``GradeResult``, one per (student, assignment).
        """
        if jobs < 1:
            raise ValueError(f"jobs: expected an integer >= 1, got {jobs}")
        self._check_assignment(assignment)
        self.set_aside_unreadable(student)
        pairs = self.submissions(student, assignment)
        if not pairs:
            self.say(f"no submissions to grade in {self.folder('submitted')}")
            return []
        with self.gradebook() as gb:
            released = {a.name for a in gb.assignments}
            for name in sorted({s for s, _ in pairs}):
                gb.update_or_create_student(name)
        missing = sorted({a for _, a in pairs} - released)
        if missing:
            raise ValueError(f"assignments {missing} are not in the gradebook: run `gdbp-course release` first")
        results, todo = [], []
        for student_id, assignment_id in pairs:
            if not any((self.folder("submitted") / student_id / assignment_id).glob("*.ipynb")):
                results.append(GradeResult(student_id, assignment_id, False, 0.0,
                                           "no readable notebook submitted: 0 points"))
                self._report(len(results), len(pairs), results[-1])
            else:
                todo.append((student_id, assignment_id))
        if jobs == 1:
            for student_id, assignment_id in todo:
                results.append(_autograde(self, student_id, assignment_id))
                self._report(len(results), len(pairs), results[-1])
        else:
            context = multiprocessing.get_context("spawn")  # kernels and zmq do not survive fork
            with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
                futures = [pool.submit(_autograde_in_worker, str(self.root), s, a) for s, a in todo]
                for future in concurrent.futures.as_completed(futures):
                    results.append(future.result())
                    self._report(len(results), len(pairs), results[-1])
        return results

    def _report(self, i, n, result):
        score = ""
        if result.success:
            got, out_of = self.assignment_score(result.student, result.assignment)
            score = f" {got:g}/{out_of:g}"
        status = "graded" if result.success else "NOT GRADED"
        self.say(f"[{i}/{n}] {status} {result.student} {result.assignment}{score}"
                 f" ({result.seconds:.1f} s){' - ' + result.message if result.message else ''}")

    def assignment_score(self, student, assignment):
        """(score, max_score) of one graded submission, read from the gradebook."""
        with self.gradebook() as gb:
            submission = gb.find_submission(assignment, student)
            return float(submission.score), float(submission.max_score)

    # ----------------------------------------------------------------- feedback
    def feedback(self, student=None, assignment=None):
        """Write feedback HTML ``grading/feedback/<student>/<assignment>/<notebook>.html`` for every
        autograded submission (or one student's / one assignment's). Returns the failed assignments."""
        self._check_assignment(assignment)
        autograded = self.folder("autograded")
        names = sorted({p.name for p in autograded.glob(f"{student or '*'}/{assignment or '*'}") if p.is_dir()})
        failed = []
        for i, name in enumerate(names, 1):
            start = time.perf_counter()
            result = self.api.generate_feedback(name, student_id=student, force=True)
            count = len(list(self.folder("feedback").glob(f"{student or '*'}/{name}/*.html")))
            self.say(f"[{i}/{len(names)}] feedback {name}: {count} HTML page(s)"
                     f" ({time.perf_counter() - start:.1f} s)")
            if not result["success"]:
                failed.append(name)
                self.say(_last_error(result))
        if not names:
            self.say(f"nothing autograded in {autograded}: run `gdbp-course grade` first")
        return failed

    # ------------------------------------------------------------------- export
    def scores(self):
        """One dict per (student, notebook): student_id, assignment, notebook, score, max_score, status.

        Students are those in the gradebook or with a folder in ``grading/submitted/``. ``status`` is
        ``graded``, ``needs manual grading``, ``missing`` (nothing submitted), ``unreadable`` (the
        file was not a notebook) or ``not graded`` (autograding failed; see ``grade``'s output). Every
        status but the first two scores 0.
        """
        from nbgrader.api import MissingEntry  # noqa: PLC0415
        rows = []
        submitted, autograded = self.folder("submitted"), self.folder("autograded")
        with self.gradebook() as gb:
            assignments = sorted(gb.assignments, key=lambda a: a.name)
            students = {s.id for s in gb.students}
            students |= {p.name for p in submitted.iterdir() if p.is_dir()} if submitted.is_dir() else set()
            for student in sorted(students):
                for assignment in assignments:
                    for notebook in sorted(assignment.notebooks, key=lambda n: n.name):
                        row = {"student_id": student, "assignment": assignment.name, "notebook": notebook.name,
                               "score": 0.0, "max_score": float(notebook.max_score)}
                        filename = f"{notebook.name}.ipynb"
                        sent = submitted / student / assignment.name / filename
                        if sent.with_name(filename + UNREADABLE_SUFFIX).exists():
                            row["status"] = "unreadable"
                        elif not sent.exists():
                            row["status"] = "missing"
                        elif not (autograded / student / assignment.name / filename).exists():
                            row["status"] = "not graded"
                        else:
                            try:
                                graded = gb.find_submission_notebook(notebook.name, assignment.name, student)
                            except MissingEntry:
                                row["status"] = "not graded"
                            else:
                                row["score"] = float(graded.score)
                                row["status"] = "needs manual grading" if graded.needs_manual_grade else "graded"
                        rows.append(row)
        return rows

    def export(self, to=None):
        """Write ``scores()`` as CSV to ``to`` (default ``grading/grades.csv``); return the path."""
        to = Path(to) if to is not None else self.root / "grading" / "grades.csv"
        rows = self.scores()
        to.parent.mkdir(parents=True, exist_ok=True)
        with open(to, "w", newline="") as f:
            writer = csv.DictWriter(f, ["student_id", "assignment", "notebook", "score", "max_score", "status"])
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "score": f"{row['score']:g}", "max_score": f"{row['max_score']:g}"})
        totals = {}
        for row in rows:
            got, out_of = totals.get(row["student_id"], (0.0, 0.0))
            totals[row["student_id"]] = (got + row["score"], out_of + row["max_score"])
        for student, (got, out_of) in sorted(totals.items()):
            self.say(f"  {student}: {got:g}/{out_of:g}")
        self.say(f"wrote {len(rows)} rows ({len(totals)} students) to {to}")
        return to


def _safe_extract(archive, dest):
    """Extract a zip without letting a member escape ``dest`` (no absolute paths, no '..')."""
    for member in archive.infolist():
        target = (dest / member.filename).resolve()
        if dest.resolve() not in target.parents and target != dest.resolve():
            raise ValueError(f"source: zip member {member.filename!r} would be written outside the folder")
    archive.extractall(dest)


def _last_error(result):
    """The most useful line of a failed nbgrader call: its last [ERROR] log line, else the traceback's end."""
    errors = [line for line in result.get("log", "").splitlines() if line.startswith("[ERROR]")]
    if errors:
        return "  " + errors[-1]
    lines = result.get("error", "").strip().splitlines()
    return "  " + (lines[-1] if lines else "unknown error")


_NOTES = [("added by the learner", "added cells not run"),
          ("Timeout waiting for execute reply", "a cell timed out"),
          ("Missing grade cell", "deleted test cell restored"),
          ("No submitted file", "a notebook is missing")]


def _autograde(course, student, assignment):
    """Autograde one submission through nbgrader's API; return a GradeResult with notes from its log."""
    from sqlalchemy.exc import SAWarning  # noqa: PLC0415 - installed with nbgrader
    start = time.perf_counter()
    course.api.log.setLevel("WARNING")
    with warnings.catch_warnings():
        # nbgrader's own session handling warns while it creates a submission; harmless, not ours.
        warnings.simplefilter("ignore", SAWarning)
        result = course.api.autograde(assignment, student, force=True, create=True)
    log = result.get("log", "")
    notes = [note for pattern, note in _NOTES if pattern in log]
    if not result["success"]:
        notes.append(_last_error(result).strip())
    return GradeResult(student, assignment, result["success"], time.perf_counter() - start, "; ".join(notes))


_WORKER_COURSES = {}


def _autograde_in_worker(root, student, assignment):
    """Process-pool entry point: one Course per worker process, reused across submissions."""
    course = _WORKER_COURSES.get(root)
    if course is None:
        course = _WORKER_COURSES[root] = Course(root, say=lambda line: None)
    return _autograde(course, student, assignment)

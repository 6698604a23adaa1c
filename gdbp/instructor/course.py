"""The instructor's workflow: release, collect, grade, feedback, export, over nbgrader's gradebook.

Each step is one method of :class:`Course`; the rooms it uses each hold one part:

- ``lms.py`` and ``collect.py``: downloaded file names, student ids, placing files into ``grading/submitted``;
- ``assemble.py``: what is graded of a submission (the release's cells, the learner's answers);
- ``policy.py`` and ``sandbox.py``: what a submission may do, and the sandbox that enforces it;
- ``wire/``: the data-only channel between the grader and a submission's process;
- ``runner.py`` and ``grading.py``: the trusted side that runs the test cells and writes the gradebook;
- ``feedback.py``: the HTML pages for students.

nbgrader does the release (``generate_assignment``) and keeps the gradebook; autograding is gdbp's, because
nbgrader runs a student's code in the same process as the tests (see docs/instructors.md).

Layout (see ``nbgrader_config.py``): ``solutions/<assignment>/<notebook>.ipynb`` -> ``course/...``;
``grading/{submitted,autograded,feedback}/<student>/<assignment>/``; ``grading/gradebook.db``.
"""
from __future__ import annotations

import csv
import json
import logging
import os
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import nbformat

from . import collect as collecting
from . import grading
from .assemble import Unreadable, grade_id, read_notebook
from .collect import UNREADABLE_SUFFIX, CollectReport
from .policy import GraderPolicy
from .runner import Limits
from .sandbox import SandboxUnavailable, agent_files, sandbox_status

CONFIG_FILE = "nbgrader_config.py"
__all__ = ["Course", "CollectReport", "GradeResult", "SandboxUnavailable", "find_course_root", "is_readable_notebook"]


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
    """True if ``path`` holds a notebook the grader can read (see ``assemble.read_notebook``)."""
    try:
        read_notebook(Path(path).read_bytes())
    except (Unreadable, OSError):
        return False
    return True


def unmarked_code_cells(nb):
    """Indices of code cells without an nbgrader ``grade_id`` (in ``solutions/`` they would not be graded)."""
    return [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and not grade_id(cell)]


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
        """An ``NbGraderAPI`` configured for this course (created on first use; used to release)."""
        if self._api is None:
            from nbgrader.apps import NbGraderAPI  # noqa: PLC0415 - nbgrader is optional
            traitlets_log = logging.getLogger("traitlets")
            level = traitlets_log.level
            traitlets_log.setLevel(logging.CRITICAL + 1)  # the exchange folder's absence is irrelevant here
            try:
                self._api = NbGraderAPI(config=self.config)
            finally:
                traitlets_log.setLevel(level)
            self._api.log.setLevel("ERROR")
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

    def grading_settings(self):
        """(GraderPolicy, Limits) from the ``GdbpGrading`` section of ``nbgrader_config.py``."""
        section = self.config.get("GdbpGrading", {})
        packages = tuple(section.get("course_packages", ("gdbp",)))
        defaults = Limits()
        limits = Limits(**{name: section.get(name, getattr(defaults, name)) for name in vars(defaults)})
        return GraderPolicy(packages=packages), limits

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

    def _release_ids(self):
        ids = {}
        for notebook, assignment in self._notebook_index().items():
            path = self.folder("release") / assignment / f"{notebook}.ipynb"
            source = path if path.exists() else self.folder("source") / assignment / f"{notebook}.ipynb"
            ids[(assignment, notebook)] = {grade_id(c) for c in nbformat.read(str(source), as_version=4).cells} - {None}
        return ids

    def collect(self, source):
        """Copy a folder of downloaded notebooks, or an LMS zip, into ``grading/submitted/`` (see
        ``collect.py`` and ``lms.py`` for the names understood). Returns a ``CollectReport``."""
        index = self._notebook_index()
        if not index:
            raise ValueError(f"no notebooks in {self.folder('source')}: nothing to match submissions against")
        return collecting.collect(source, index, self._release_ids(), self.folder("submitted"), say=self.say)

    # -------------------------------------------------------------------- grade
    def submissions(self, student=None, assignment=None):
        """Sorted (student, assignment) pairs found in ``grading/submitted/``."""
        submitted = self.folder("submitted")
        known = set(self.assignments())
        pairs = []
        if not submitted.is_dir():
            return pairs
        for student_dir in sorted(submitted.iterdir()):
            if not student_dir.is_dir() or (student is not None and student_dir.name != student):
                continue
            for folder in sorted(student_dir.iterdir()):
                if folder.is_dir() and folder.name in known and (assignment is None or folder.name == assignment):
                    pairs.append((student_dir.name, folder.name))
        return pairs

    def grade(self, student=None, assignment=None, jobs=1, isolated=True):
        """Autograde every submission (or one student's, or one assignment's).

        Each notebook runs in its own sandbox (``sandbox.py``), its tests here (``runner.py``), in ``jobs``
        parallel worker processes. ``isolated=False`` runs submissions without bubblewrap (only when the
        instructor asks: ``--no-sandbox``). Returns a list of ``GradeResult``, one per (student, assignment).

        Raises
        ------
        SandboxUnavailable
            If ``isolated`` and bubblewrap cannot build the sandbox here.
        """
        if not isinstance(jobs, int) or jobs < 1:
            raise ValueError(f"jobs: expected an integer >= 1, got {jobs}")
        self._check_assignment(assignment)
        if isolated:
            ok, why = sandbox_status()
            if not ok:
                raise SandboxUnavailable(f"cannot grade in a sandbox: {why}. Install bubblewrap, or pass --no-sandbox "
                                         "to run submissions without isolation (they can then read this course's "
                                         "files, including solutions/)")
        pairs = self.submissions(student, assignment)
        if not pairs:
            self.say(f"no submissions to grade in {self.folder('submitted')}")
            return []
        policy, limits = self.grading_settings()
        agent_dir = str(agent_files(policy.local))  # once for the whole run, not once per worker
        # One gradebook session for the whole run, used by this process only; the submissions' rows are
        # written while the workers grade (opening the gradebook costs ~0.3 s, a row ~0.05 s).
        with self.gradebook() as gb, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbgrader's session handling warns while it creates rows
            released = {a.name: a for a in gb.assignments}
            missing = sorted({a for _, a in pairs} - set(released))
            if missing:
                raise ValueError(f"assignments {missing} are not in the gradebook: run `gdbp-course release` first")
            for name in sorted({s for s, _ in pairs}):
                gb.update_or_create_student(name, **self._student_names(name))
            jobs_list, skipped = self._jobs(gb, pairs, released, policy, limits, isolated, agent_dir)
            created, by_pair = set(), {}
            expected = {}
            for job in jobs_list:
                expected[(job.student, job.assignment)] = expected.get((job.student, job.assignment), 0) + 1
            progress = _progress_bar(len(jobs_list))

            def submission_row(pair):
                if pair not in created:
                    folder = self.folder("submitted") / pair[0] / pair[1]
                    gb.update_or_create_submission(pair[1], pair[0], **self._timestamp(folder))
                    created.add(pair)

            def record(result):
                pair = (result.student, result.assignment)
                submission_row(pair)
                by_pair.setdefault(pair, []).append(result)
                self._save(gb, result)
                progress.update(1)
                if len(by_pair[pair]) == expected[pair]:
                    self._report_pair(gb, pair, by_pair[pair], skipped, len(by_pair), len(pairs), progress)

            try:
                grading.run_jobs(jobs_list, workers=jobs, on_result=record)
            finally:
                progress.close()
            for pair, notes in skipped.items():  # missing or unreadable notebooks: 0 points each
                submission_row(pair)
                for notebook in notes:
                    grading.zero_scores(gb, pair[0], pair[1], notebook.split(":")[0])
        results = []
        for student_id, assignment_id in pairs:
            done = by_pair.get((student_id, assignment_id), [])
            if not done:  # nothing to run: every notebook missing or unreadable
                notes = skipped.get((student_id, assignment_id), [])
                self.say(f"[{len(results) + 1}/{len(pairs)}] NOT GRADED {student_id} {assignment_id} - "
                         + "; ".join(notes))
                results.append(GradeResult(student_id, assignment_id, False, 0.0,
                                           "no readable notebook submitted: 0 points"))
                continue
            errors = [r.error for r in done if r.error]
            notes = skipped.get((student_id, assignment_id), []) + sorted({n for r in done for n in r.notes})
            results.append(GradeResult(student_id, assignment_id, not errors, sum(r.seconds for r in done),
                                       "; ".join(errors + notes)))
        return results

    def _jobs(self, gb, pairs, released, policy, limits, isolated, agent_dir):
        """The grading jobs of ``pairs`` (one per readable notebook), and per pair the notebooks skipped."""
        jobs, skipped, sources_of, releases = [], {}, {}, {}
        for student_id, assignment_id in pairs:
            folder = self.folder("submitted") / student_id / assignment_id
            for notebook in sorted(n.name for n in released[assignment_id].notebooks):
                path = folder / f"{notebook}.ipynb"
                status = "missing" if not path.exists() else None
                if path.with_name(path.name + UNREADABLE_SUFFIX).exists() and not path.exists():
                    status = "unreadable"
                data = path.read_bytes() if path.exists() else None
                if data is not None:
                    try:
                        read_notebook(data)
                    except Unreadable:
                        path.replace(path.with_name(path.name + UNREADABLE_SUFFIX))
                        self.say(f"  unreadable: {path.relative_to(self.root)} is not a Jupyter notebook; graded 0")
                        status, data = "unreadable", None
                if status is not None:
                    skipped.setdefault((student_id, assignment_id), []).append(f"{notebook}: {status}, 0 points")
                    continue
                key = (assignment_id, notebook)
                if key not in sources_of:
                    sources_of[key] = {c.name: c.source for c in gb.find_notebook(notebook, assignment_id).source_cells}
                    releases[key] = (self.folder("release") / assignment_id / f"{notebook}.ipynb").read_text(
                        encoding="utf-8")
                jobs.append(grading.Job(student_id, assignment_id, notebook, releases[key], sources_of[key], data,
                                        policy={"packages": policy.packages}, limits=grading.limits_dict(limits),
                                        isolated=isolated, agent_dir=agent_dir))
        return jobs, skipped

    def _student_names(self, student):
        """First/last name for the gradebook from what collect recorded of the LMS's display name."""
        for info in sorted((self.folder("submitted") / student).glob("*/.*.collected.json")):
            try:
                name = json.loads(info.read_text()).get("display_name")
            except ValueError:
                continue
            if name and name != student:
                return {"last_name": str(name)[:128]}
        return {}

    @staticmethod
    def _timestamp(folder):
        path = folder / "timestamp.txt"
        if path.exists():
            try:
                return {"timestamp": datetime.fromisoformat(path.read_text().strip())}
            except ValueError:
                pass
        return {}

    def _save(self, gb, result):
        """Write one worker's executed notebook and its scores (this process only)."""
        if result.executed is None:
            return
        target = self.folder("autograded") / result.student / result.assignment / f"{result.notebook}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        node = nbformat.reads(result.executed, as_version=4)
        grading.save_scores(gb, result, node)
        nbformat.write(node, str(target))

    def _report_pair(self, gb, pair, done, skipped, i, n, progress):
        student, assignment = pair
        errors = [r.error for r in done if r.error]
        score = ""
        if not errors:
            submission = gb.find_submission(assignment, student)
            score = f" {float(submission.score):g}/{float(submission.max_score):g}"
        notes = skipped.get((student, assignment), []) + sorted({note for r in done for note in r.notes})
        status = "graded" if not errors else "NOT GRADED"
        line = (f"[{i}/{n}] {status} {student} {assignment}{score} ({sum(r.seconds for r in done):.1f} s)"
                + (" - " + "; ".join(errors + notes) if errors or notes else ""))
        progress.write(line, self.say)

    def assignment_score(self, student, assignment):
        """(score, max_score) of one graded submission, read from the gradebook."""
        with self.gradebook() as gb:
            submission = gb.find_submission(assignment, student)
            return float(submission.score), float(submission.max_score)

    # ----------------------------------------------------------------- feedback
    def feedback(self, student=None, assignment=None):
        """Write ``grading/feedback/<student>/<assignment>/<notebook>.html`` for every autograded notebook
        (or one student's / one assignment's). Returns the (student, assignment) pairs that failed."""
        from .feedback import write_feedback  # noqa: PLC0415 - nbconvert is heavy
        self._check_assignment(assignment)
        autograded = self.folder("autograded")
        failed, written = [], 0
        pairs = sorted({(p.parent.parent.name, p.parent.name) for p in autograded.glob("*/*/*.ipynb")}) \
            if autograded.is_dir() else []
        pairs = [(s, a) for s, a in pairs if (student is None or s == student) and (assignment is None or a == assignment)]
        for s, a in pairs:
            for path in sorted((autograded / s / a).glob("*.ipynb")):
                target = self.folder("feedback") / s / a / f"{path.stem}.html"
                try:
                    write_feedback(path, target, student=s, assignment=a, notebook=path.stem, db_url=self.db_url)
                    written += 1
                except Exception as err:  # noqa: BLE001 - one broken page must not stop the others
                    failed.append((s, a))
                    self.say(f"  feedback failed for {s}/{a}/{path.name}: {type(err).__name__}: {err}")
        if not pairs:
            self.say(f"nothing autograded in {autograded}: run `gdbp-course grade` first")
        else:
            self.say(f"feedback: {written} HTML page(s) in {self.folder('feedback')}")
        return failed

    # ------------------------------------------------------------------- export
    def scores(self, assignment=None):
        """One dict per (student, notebook): student_id, assignment, notebook, score, max_score, status, flag.

        Students are those in the gradebook or with a folder in ``grading/submitted/``. ``status`` is
        ``graded``, ``needs manual grading``, ``missing`` (nothing submitted), ``unreadable`` (the file was
        not a notebook) or ``not graded`` (autograding failed, or the gradebook lost the row). ``flag`` is
        empty, or says why the row needs the instructor's eyes (a score above the maximum).
        """
        from nbgrader.api import MissingEntry  # noqa: PLC0415
        rows = []
        submitted, autograded = self.folder("submitted"), self.folder("autograded")
        with self.gradebook() as gb:
            assignments = sorted(gb.assignments, key=lambda a: a.name)
            if assignment is not None:
                assignments = [a for a in assignments if a.name == assignment]
            students = {s.id for s in gb.students}
            students |= {p.name for p in submitted.iterdir() if p.is_dir()} if submitted.is_dir() else set()
            for student in sorted(students):
                for a in assignments:
                    for notebook in sorted(a.notebooks, key=lambda n: n.name):
                        row = {"student_id": student, "assignment": a.name, "notebook": notebook.name,
                               "score": 0.0, "max_score": float(notebook.max_score), "flag": ""}
                        filename = f"{notebook.name}.ipynb"
                        sent = submitted / student / a.name / filename
                        if sent.with_name(filename + UNREADABLE_SUFFIX).exists():
                            row["status"] = "unreadable"
                        elif not sent.exists():
                            row["status"] = "missing"
                        elif not (autograded / student / a.name / filename).exists():
                            row["status"] = "not graded"
                        else:
                            try:
                                graded = gb.find_submission_notebook(notebook.name, a.name, student)
                            except MissingEntry:
                                row["status"] = "not graded"
                            else:
                                row["score"] = float(graded.score)
                                row["status"] = "needs manual grading" if graded.needs_manual_grade else "graded"
                        if row["score"] > row["max_score"] + 1e-9:
                            row["flag"] = f"score {row['score']:g} is above the maximum {row['max_score']:g}"
                        rows.append(row)
        return rows

    def export(self, to=None, assignment=None):
        """Write ``scores()`` as CSV to ``to`` (default ``grading/grades.csv``); return ``(path, problems)``.

        ``problems`` lists what the instructor must look at: an empty gradebook, a student or notebook with
        no grade row, a score above its maximum. The CLI exits non-zero when there are any.
        """
        self._check_assignment(assignment)
        to = Path(to) if to is not None else self.root / "grading" / "grades.csv"
        rows = self.scores(assignment)
        problems = []
        with self.gradebook() as gb:
            if not gb.assignments:
                problems.append("the gradebook has no assignments (was it replaced or emptied? run "
                                "`gdbp-course release`, then grade again)")
            elif not rows:
                problems.append("the gradebook has no students and grading/submitted/ is empty")
        problems += [f"{r['student_id']} {r['notebook']}: {r['flag']}" for r in rows if r["flag"]]
        problems += [f"{r['student_id']} {r['notebook']}: not graded" for r in rows if r["status"] == "not graded"]
        to.parent.mkdir(parents=True, exist_ok=True)
        with open(to, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, ["student_id", "assignment", "notebook", "score", "max_score", "status", "flag"])
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
        for problem in problems:
            self.say(f"  PROBLEM: {problem}")
        return to, problems


def _last_error(result):
    """The most useful line of a failed nbgrader call: its last [ERROR] log line, else the traceback's end."""
    errors = [line for line in result.get("log", "").splitlines() if line.startswith("[ERROR]")]
    if errors:
        return "  " + errors[-1]
    lines = result.get("error", "").strip().splitlines()
    return "  " + (lines[-1] if lines else "unknown error")


class _Bar:
    """A tqdm progress bar on stderr when it is a terminal; lines go above it."""

    def __init__(self, total):
        self.bar = None
        if sys.stderr.isatty() and total:
            try:
                from tqdm import tqdm  # noqa: PLC0415
            except ImportError:
                return
            self.bar = tqdm(total=total, unit="notebook", desc="grading", file=sys.stderr, leave=False)

    def update(self, n):
        if self.bar is not None:
            self.bar.update(n)

    def write(self, line, say):
        if self.bar is not None:
            self.bar.clear()
        say(line)
        if self.bar is not None:
            self.bar.refresh()

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _progress_bar(total):
    return _Bar(total)

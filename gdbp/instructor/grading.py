"""The trusted side of autograding: grade submissions, then record their scores in the gradebook.

For each submitted notebook the grader builds the notebook to grade from the release and the gradebook
(``assemble.py``), runs it (``runner.py``: the submission's cells in its sandbox, the test cells here)
and returns the executed notebook *as data*. Each notebook is graded in a new worker process forked
from a server that has already imported the grader (``forkserver``, one task per process), so nothing a
submission does to the grader's objects can outlive it or reach another student's grading. Only this
parent process writes: the autograded notebook (``grading/autograded/...``) and the scores, with
nbgrader's own ``SaveAutoGrades`` (a test cell scores its points unless it holds an error).

Workers never open the gradebook; a submission's process never sees it.
"""
from __future__ import annotations

import copy
import multiprocessing
import multiprocessing.connection
import os
import time
from dataclasses import asdict, dataclass, field

import nbformat

from .assemble import assemble, read_notebook
from .policy import GRADER_MEMORY_BYTES, GraderPolicy
from .runner import Limits, Runner
from .sandbox import agent_files


@dataclass
class Job:
    """Everything a worker needs to grade one notebook, as plain data."""

    student: str
    assignment: str
    notebook: str
    release: str                  # the release notebook (JSON text)
    sources: dict                 # {grade_id: source} from the gradebook (tests with hidden parts)
    submission: bytes             # the file the student handed in
    policy: dict = field(default_factory=dict)
    limits: dict = field(default_factory=dict)
    isolated: bool = True
    agent_dir: str | None = None  # the sandbox's files, made once by the process that starts the workers


@dataclass
class Graded:
    """A worker's result: the executed notebook (JSON text), which tests passed, notes, time."""

    student: str
    assignment: str
    notebook: str
    executed: str | None
    passed: dict
    notes: list
    seconds: float
    error: str = ""


def grade_job(job: Job) -> Graded:
    """Grade one notebook (runs in a worker process)."""
    start = time.perf_counter()
    try:
        policy = GraderPolicy(**job.policy)
        if job.agent_dir is not None:
            agent_files(policy.local, job.agent_dir)
        release = nbformat.reads(job.release, as_version=4)
        submission = read_notebook(job.submission)
        cells = assemble(release, submission, job.sources)
        runner = Runner(release, cells, policy=policy, isolated=job.isolated,
                        limits_=Limits(**job.limits))
        outcome = runner.run()
        executed = copy.deepcopy(release)
        executed.cells = outcome.cells
        return Graded(job.student, job.assignment, job.notebook, nbformat.writes(executed), outcome.passed,
                      outcome.notes, time.perf_counter() - start)
    except Exception as err:  # noqa: BLE001 - reported as "not graded" for this notebook only
        return Graded(job.student, job.assignment, job.notebook, None, {}, [], time.perf_counter() - start,
                      f"{type(err).__name__}: {err}")


_PRELOAD = ["gdbp.instructor.grading", "gdbp.instructor.runner", "gdbp.checks", "gdbp.optim", "gdbp.model",
            "gdbp.train", "gdbp.engine", "gdbp.layers", "numpy", "nbformat", "IPython.core.inputtransformer2"]


def _worker(job, connection):
    """A worker process: grade one job, send the result back, exit."""
    import resource
    limit = GRADER_MEMORY_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result = grade_job(job)
    except BaseException as err:  # noqa: BLE001 - MemoryError and the like: this notebook only
        result = Graded(job.student, job.assignment, job.notebook, None, {}, [], 0.0,
                        f"the grader ran out of resources on this notebook ({type(err).__name__})")
    connection.send(result)
    connection.close()


# One BLAS thread per worker: with ``--jobs N`` the N workers (each serving its submission's calls into the
# course library: the reference, training, plots) already share the N cores; BLAS's own threads on top
# oversubscribe them (two plain nbclient runs of notebooks 04, 07, 10 side by side on 2 cores: 1.25x
# faster than one after the other with BLAS's default threads, 1.83x with one thread each).
_ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _start_server():
    """Start the forkserver, if it is not running yet, with one BLAS thread (read by numpy's BLAS when the
    server imports it); this process's own environment is left as it was."""
    from multiprocessing import forkserver
    saved = {name: os.environ.get(name) for name in _ONE_THREAD}
    os.environ.update({name: value for name, value in _ONE_THREAD.items() if saved[name] is None})
    try:
        forkserver.ensure_running()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)


def run_jobs(jobs, workers=1, on_result=None, preload=()):
    """Grade ``jobs`` in at most ``workers`` processes at a time, a new process per job, forked from a
    server that has imported the grader; return the results in order of completion (each also passed to
    ``on_result`` as it arrives, in this process).

    A worker that dies (a crash, the memory limit) costs its own notebook ("not graded", with its exit
    code) and nothing else: each job has its own process and its own pipe."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD + list(preload))
    _start_server()
    pending, running, results = list(jobs), {}, []
    while pending or running:
        while pending and len(running) < workers:
            job = pending.pop(0)
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_worker, args=(job, sender), daemon=True)
            process.start()
            sender.close()
            running[receiver] = (process, job)
        for receiver in multiprocessing.connection.wait(list(running)):
            process, job = running.pop(receiver)
            try:
                result = receiver.recv()
            except (EOFError, OSError):
                process.join(5)
                result = Graded(job.student, job.assignment, job.notebook, None, {}, [], 0.0,
                                f"the grading process ended unexpectedly (exit code {process.exitcode})")
            receiver.close()
            process.join(5)
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results


def save_scores(gb, graded: Graded, executed_node) -> None:
    """Record one executed notebook's scores in the open gradebook ``gb`` (trusted parent only).

    nbgrader's ``SaveAutoGrades``, on a gradebook that stays open for the whole run: a test cell scores
    its points unless it holds an error (``nbgrader.utils.determine_grade``), an answer cell left as
    released gets the comment "No response.", a cell graded by hand before stays flagged for review."""
    from nbgrader import utils
    ids = (graded.notebook, graded.assignment, graded.student)
    for cell in executed_node.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if utils.is_grade(cell):
            grade = gb.find_grade(gid, *ids)
            grade.auto_score, _ = utils.determine_grade(cell)
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        if utils.is_solution(cell) or utils.is_task(cell):
            comment = gb.find_comment(gid, *ids)
            unchanged = cell.metadata.nbgrader.get("checksum") == utils.compute_checksum(cell)
            comment.auto_comment = "No response." if unchanged and not utils.is_task(cell) else None
    gb.db.commit()


def zero_scores(gb, student, assignment, notebook) -> None:
    """A notebook that is missing or unreadable: every grade 0, no manual grading needed."""
    submission = gb.find_submission_notebook(notebook, assignment, student)
    for grade in submission.grades:
        grade.auto_score = 0
        grade.needs_manual_grade = False
    gb.db.commit()


def limits_dict(limits: Limits) -> dict:
    return asdict(limits)

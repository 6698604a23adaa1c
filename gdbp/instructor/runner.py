"""Run one graded notebook: the submission's cells in its sandbox, the test cells here, in the grader.

:class:`Runner` walks the cells :func:`gdbp.instructor.assemble.assemble` built:

- answer and demonstration cells run in the submission's process (``sandbox.Sandbox``), each with
  ``policy.CELL_SECONDS``;
- test cells run in the grader's own namespace, where no submission code can reach them. That namespace
  holds the import statements of the release's demonstration cells (run here: ``np``, ``gdbp``, the
  checkers) and, before each test, the exercise names the test uses (``adam``, ``Value``), looked up in
  the submission's process: a function or a class arrives as a proxy, a number or an array as data;
- a test passes if and only if it raised nothing. Its output keeps the checker's message, never a
  traceback (which would show hidden tests).

One failure costs one cell: when the submission's process dies, exits, exceeds a limit or does not answer
in time, that cell (or test) fails with a message saying so, a new process is started, the earlier cells
are run again quietly (without the one that ended the process) and grading goes on. The whole notebook
has ``policy.NOTEBOOK_SECONDS``; what is left after that fails with a note.
"""
from __future__ import annotations

import base64
import binascii
import builtins
import contextlib
import io
import time
from dataclasses import dataclass, field

import nbformat

from . import assemble
from . import policy as limits
from .sandbox import Sandbox, SandboxUnavailable
from .wire.rpc import SubmissionStopped

MAX_CELL_OUTPUT = 2 << 20        # characters of output kept per cell in the graded notebook
_B64 = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n")


@dataclass
class Limits:
    """The time limits of one notebook (see ``policy.py``); tests shorten them."""

    cell_seconds: float = limits.CELL_SECONDS
    test_seconds: float = limits.TEST_SECONDS
    notebook_seconds: float = limits.NOTEBOOK_SECONDS
    max_restarts: int = limits.MAX_RESTARTS
    call_seconds: float = limits.CALL_SECONDS


@dataclass
class Outcome:
    """What running one notebook gave: the executed cells and what happened on the way."""

    cells: list
    passed: dict = field(default_factory=dict)   # test grade_id -> bool
    notes: list = field(default_factory=list)     # short lines for the instructor's log
    restarts: int = 0


class _Budget(Exception):
    """The notebook's time or restart budget is used up."""


class Runner:
    """Runs one assembled notebook (see module docstring). ``isolated=False``: no bubblewrap."""

    def __init__(self, release, cells, *, policy, isolated=True, limits_=None, say=None):
        self.release, self.cells, self.policy, self.isolated = release, cells, policy, isolated
        self.limits = limits_ or Limits()
        self.say = say or (lambda line: None)
        self.sandbox = None
        self.replay = []           # sources of the cells run so far in the submission's process
        self.restarts = -1
        self.notes = []
        self.exercise_names = set(assemble.exercise_names(release))

    # --- the submission's process
    def _session(self):
        """A live endpoint to the submission's process, started (and the earlier cells replayed) if needed."""
        while self.sandbox is None or not self.sandbox.alive:
            if self.sandbox is not None:
                self.sandbox.kill()
            self.restarts += 1
            if self.restarts > self.limits.max_restarts:
                raise _Budget(f"the submission's process was restarted {self.limits.max_restarts} times")
            self._check_time()
            self.sandbox = Sandbox(self.policy, isolated=self.isolated)
            self.sandbox.start()
            self.sandbox.endpoint.call_seconds = self.limits.call_seconds
            for source in list(self.replay):
                try:
                    self._exec(source)
                except SubmissionStopped:
                    self.replay.remove(source)  # it ended the process this time: leave it out
                    self.notes.append("a cell ended the process when it was run again; left out")
                    break
        return self.sandbox.endpoint

    def _exec(self, source):
        endpoint = self.sandbox.endpoint
        endpoint.deadline = min(time.monotonic() + self.limits.cell_seconds, self.deadline)
        endpoint.call_seconds = None  # the cell's own limit applies
        try:
            return endpoint.request("exec", source=source)
        finally:
            endpoint.deadline = None
            endpoint.call_seconds = self.limits.call_seconds

    def _check_time(self):
        if time.monotonic() > self.deadline:
            raise _Budget(f"the notebook used up its time budget of {self.limits.notebook_seconds:g} s")

    # --- the grader's namespace
    def _namespace(self):
        ns = {"__name__": "__main__", "__builtins__": builtins}
        self.policy.namespaces.append(ns)  # what the test cells define may be handed to the learner's code
        needed = set().union(*(assemble.names_used(c.sources[0]) for c in self.cells if c.kind == "test"))
        for statement in assemble.import_statements(self.release, needed):
            try:
                exec(compile(statement, "<release imports>", "exec"), ns)
            except Exception as err:  # noqa: BLE001 - a test that needs the name will say so
                self.notes.append(f"the release's `{statement}` failed in the grader: {type(err).__name__}: {err}")
        return ns

    # --- running
    def run(self) -> Outcome:
        import gdbp.course
        gdbp.course.GRADING = True  # this process is the grader: show_source sends a note, not the source
        self.start = time.monotonic()
        self.deadline = self.start + self.limits.notebook_seconds
        ns = self._namespace()
        passed, done, count = {}, [], 0
        try:
            for cell in self.cells:
                node = cell.node
                if cell.kind in ("markdown", "added"):
                    done.append(node)
                    continue
                try:
                    self._check_time()
                    if cell.kind == "test":
                        outputs = self._test(cell, ns)
                        passed[cell.grade_id] = not any(o["output_type"] == "error" for o in outputs)
                    else:
                        outputs = self._sandbox_cell(cell)
                    node["outputs"] = [nbformat.from_dict(o) for o in outputs]
                    count += 1
                    node["execution_count"] = count
                except _Budget as stop:
                    node["outputs"] = [nbformat.from_dict(_error("TimeoutError" if "time" in str(stop) else
                                                                 "RuntimeError", f"not run: {stop}"))]
                    if cell.kind == "test":
                        passed[cell.grade_id] = False
                    self.notes.append(f"grading stopped early: {stop}")
                    self._stop_all(done, passed, cell)
                    break
                except Exception as err:  # noqa: BLE001 - whatever went wrong, it costs this cell only
                    node["outputs"] = [nbformat.from_dict(_error("SubmissionStopped", "the grader could not run this "
                                                                 f"cell ({type(err).__name__}); grading went on"))]
                    if cell.kind == "test":
                        passed[cell.grade_id] = False
                    self.notes.append(f"a cell could not be run ({type(err).__name__})")
                    if self.sandbox is not None:
                        self.sandbox.kill()
                done.append(node)
        finally:
            if self.sandbox is not None:
                self.sandbox.kill()
        executed = [c.node for c in self.cells]
        return Outcome(executed, passed, _unique(self.notes), max(self.restarts, 0))

    def _stop_all(self, done, passed, current):
        """After the budget is used up: every remaining code cell gets the same note."""
        after = False
        for cell in self.cells:
            if cell is current:
                after = True
                continue
            if after and cell.kind in ("answer", "demo", "test"):
                cell.node["outputs"] = [nbformat.from_dict(_error("RuntimeError",
                                                                  "not run: the notebook's grading budget is used up"))]
                if cell.kind == "test":
                    passed[cell.grade_id] = False

    def _sandbox_cell(self, cell):
        outputs = []
        for source in cell.sources:
            try:
                self._session()
            except SandboxUnavailable as err:
                outputs.append(_error("SubmissionStopped", f"the submission's process could not start: {err}"))
                continue
            try:
                reply = self._exec(source)
            except SubmissionStopped:
                outputs.append(self._stopped_output(cell.kind))
                self.notes.append("a cell timed out" if self.sandbox.endpoint.broken_kind == "timeout"
                                  else "the submission's process died")
                self.sandbox.kill()
                continue
            except Exception as err:  # noqa: BLE001 - the agent answered with an error: that cell only
                outputs.append(_error("SubmissionStopped", f"the process running this notebook failed to run this "
                                                           f"cell ({type(err).__name__}); grading went on"))
                self.notes.append("a cell could not be run")
                self.sandbox.kill()
                continue
            self.replay.append(source)
            outputs += sanitize_outputs(reply.get("outputs") if type(reply) is dict else None)
        return _cap(outputs)

    def _stopped_output(self, kind):
        endpoint = self.sandbox.endpoint
        if endpoint is not None and endpoint.broken_kind == "timeout":
            return _error("TimeoutError", f"this cell did not finish within {self.limits.cell_seconds:g} s and was "
                                          "stopped; grading went on with the next cell")
        tail = self.sandbox.output_tail()
        return _error("SubmissionStopped", f"the process running this notebook ended during this cell "
                                           f"({self.sandbox.exit_reason()}); grading went on with the next cell"
                                           + (f". Its last words: {tail[-300:]}" if tail else ""))

    def _test(self, cell, ns):
        source = cell.sources[0]
        try:
            endpoint = self._session()
        except SandboxUnavailable as err:
            return [_error("SubmissionStopped", f"the submission's process could not start: {err}")]
        for name in sorted(assemble.names_used(source) & self.exercise_names):
            try:
                ns[name] = endpoint.request("lookup", name=name)
            except SubmissionStopped:
                break
            except Exception:  # noqa: BLE001 - not defined (NameError), or the agent refused: the test says so
                ns.pop(name, None)
        text = _CappedText()
        error = None
        endpoint.deadline = min(time.monotonic() + self.limits.test_seconds, self.deadline)
        # While the test runs the submission may use only what the test hands it: the course's library
        # (every object it had before, any import) is out of bounds, whenever the submission's code runs
        # (inside a call, or later, when the test reads a lazy result).
        endpoint.fence, endpoint.violations = endpoint._next_id, []
        try:
            with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
                exec(compile(source, f"<test cell {cell.grade_id}>", "exec"), ns)
        except KeyboardInterrupt:
            raise
        except BaseException as err:  # noqa: BLE001 - every failure of a test is the test's failure
            error = err
        finally:
            endpoint.deadline, endpoint.fence = None, None
        outputs = [{"output_type": "stream", "name": "stdout", "text": text.getvalue()}] if text.getvalue() else []
        if endpoint.violations:
            used = ", ".join(endpoint.violations[:3])
            outputs.append(_error("AssertionError", f"your code used the course's library ({used}) while it was "
                                                    "being tested: the exercise must be your own code"))
        elif error is not None:
            outputs.append(_test_error(error, self.exercise_names))
        if endpoint.broken:
            self.notes.append("a test stopped the submission's process" if endpoint.broken_kind != "timeout"
                              else "a cell timed out")
            self.sandbox.kill()
        return outputs


def _test_error(error, exercise_names):
    """A test's error as an output: the exception's type and message only (never the test's lines)."""
    name = type(error).__name__
    message = str(error)
    if isinstance(error, NameError):
        missing = getattr(error, "name", None)
        if missing in exercise_names:
            message = (f"{missing} is not defined: its exercise cell did not run without errors or does not "
                       f"define it (see the output under that cell)")
    elif isinstance(error, SubmissionStopped):
        message = f"the process running your code stopped during this test: {message}"
    return _error(name, message)


def _error(ename, evalue):
    return {"output_type": "error", "ename": ename, "evalue": evalue,
            "traceback": [f"{ename}: {evalue}" if evalue else ename]}


class _CappedText(io.StringIO):
    def write(self, text):
        if self.tell() < MAX_CELL_OUTPUT:
            return super().write(text[:MAX_CELL_OUTPUT - self.tell()])
        return len(text)


def sanitize_outputs(outputs):
    """The outputs a submission's process reported, reduced to what the feedback may safely show.

    Only streams, errors, and displays of ``text/plain``, ``image/png`` and ``image/jpeg`` (checked to be
    base64) are kept; HTML, JavaScript, SVG, Markdown and LaTeX are dropped, so nothing a student prints can
    run in the feedback page.
    """
    clean = []
    for out in outputs if type(outputs) is list else []:
        if type(out) is not dict:
            continue
        kind = out.get("output_type")
        if kind == "stream" and type(out.get("text")) is str:
            clean.append({"output_type": "stream", "name": "stderr" if out.get("name") == "stderr" else "stdout",
                          "text": out["text"][:MAX_CELL_OUTPUT]})
        elif kind in ("display_data", "execute_result") and type(out.get("data")) is dict:
            data = {}
            for mime, value in out["data"].items():
                if mime == "text/plain" and type(value) is str:
                    data[mime] = value[:MAX_CELL_OUTPUT]
                elif mime in ("image/png", "image/jpeg") and type(value) is str and _is_base64(value):
                    data[mime] = value
            if data:
                item = {"output_type": kind, "data": data, "metadata": {}}
                if kind == "execute_result":
                    count = out.get("execution_count")
                    item["execution_count"] = count if type(count) is int else None
                clean.append(item)
        elif kind == "error":
            traceback = out.get("traceback")
            clean.append({"output_type": "error", "ename": _text(out.get("ename"), 200) or "Error",
                          "evalue": _text(out.get("evalue"), MAX_CELL_OUTPUT),
                          "traceback": [_text(line, MAX_CELL_OUTPUT) for line in traceback[:200]]
                          if type(traceback) is list else []})
    return clean


def _text(value, limit):
    """``value`` if it is a str (cut to ``limit``), else "": nothing from the sandbox is converted with
    ``str()``, which would run its code (a proxy's ``__str__``) here."""
    return value[:limit] if type(value) is str else ""


def _is_base64(value):
    if len(value) > 20 << 20 or not set(value.encode()) <= _B64:
        return False
    try:
        base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        return False
    return True


def _cap(outputs):
    total, kept = 0, []
    for out in outputs:
        size = len(str(out))
        if total + size > 4 * MAX_CELL_OUTPUT:
            kept.append({"output_type": "stream", "name": "stdout", "text": "[more output was dropped]\n"})
            break
        total += size
        kept.append(out)
    return kept


def _unique(items):
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out

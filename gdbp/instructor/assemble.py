"""What is graded of a submission: the release's cells, with the learner's answers put in.

The graded notebook is rebuilt from the instructor's side, never taken as the student sent it:

- its cells, their order, their nbgrader metadata (grade ids, points, flags) and every cell that is not
  an answer (text, demonstrations, tests with their hidden part) come from the release and the gradebook;
- from the submission only the *sources of answer cells* are taken, found by ``grade_id``. A copy of an
  answer cell (pasted in JupyterLab, metadata and all) is an answer too: all copies run, in the
  student's order, except copies left exactly as released when another copy holds code. An answer cell
  whose ``grade_id`` was renamed or whose nbgrader metadata was removed is found by what it defines (the
  release's ``def adam`` or ``class Value``). Edited flags (``grade``, ``solution``, ``locked``) change nothing.
- Everything else the student added or changed (new cells, edited copies of demonstrations, copies of test
  cells) is kept for the feedback as text, after the release cell it followed, and never run.

:func:`read_notebook` reads what students hand in: UTF-8 with or without a byte-order mark (or UTF-16),
CRLF line ends, nbformat 3 or 4.
"""
from __future__ import annotations

import ast
import copy
import json
from dataclasses import dataclass, field

import nbformat
from nbformat.v4 import new_markdown_cell

ADDED_CELL_NOTE = ("**Not graded: you added or changed this cell.** It is kept here for you to read but was "
                   "not run by the autograder; write your code in the answer cells.")


class Unreadable(ValueError):
    """A submitted file that is not a Jupyter notebook."""


def read_notebook(data: bytes):
    """Parse a submitted notebook (bytes) into an nbformat 4 notebook; :class:`Unreadable` if it is not one."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise Unreadable(f"not UTF-8 text ({err.reason})") from None
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise Unreadable(f"not valid JSON ({type(err).__name__}: {str(err)[:200]})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells", raw.get("worksheets")), list):
        raise Unreadable("not a Jupyter notebook (no list of cells)")
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
    except (Exception, RecursionError) as err:  # noqa: BLE001 - nbformat raises many kinds on broken notebooks
        raise Unreadable(f"not a Jupyter notebook nbformat can read ({type(err).__name__}: {err})") from None
    for cell in nb.cells:
        if not isinstance(cell.get("source", ""), str):
            cell["source"] = "".join(cell["source"]) if isinstance(cell["source"], list) else ""
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = {}
    return nb


def nbgrader_meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def grade_id(cell):
    value = nbgrader_meta(cell).get("grade_id")
    return value if isinstance(value, str) else None


def kind_of(cell) -> str:
    """The role of a release cell: "markdown", "answer", "test" or "demo"."""
    if cell.cell_type != "code":
        return "markdown"
    meta = nbgrader_meta(cell)
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    return "demo"


def defined_names(source: str) -> list[str]:
    """Names a cell defines at top level (``def``, ``class``, ``x = ...``); [] if it does not parse."""
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def _python(source: str) -> str:
    """``source`` with IPython syntax (``%magic``, ``!cmd``) turned into Python, for parsing."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - IPython missing or the cell is not even IPython
        return source


@dataclass
class Cell:
    """One cell of the graded notebook. ``sources``: what runs (several for copies of an answer)."""

    kind: str                       # markdown, answer, test, demo, added
    grade_id: str | None
    node: dict                      # the nbformat cell written to the autograded notebook
    sources: list = field(default_factory=list)
    points: float = 0.0


def assemble(release, submission, trusted_sources=None) -> list[Cell]:
    """The graded notebook of one submission: a list of :class:`Cell` (see the module docstring).

    ``release``: the learner release (nbformat 4). ``submission``: what the student handed in (nbformat 4),
    or None (then every answer is the release's stub). ``trusted_sources``: ``{grade_id: source}`` of the
    cells as recorded in the gradebook (test cells with their hidden tests); release sources otherwise.
    """
    trusted_sources = trusted_sources or {}
    release_ids = [grade_id(c) for c in release.cells]
    answers = {grade_id(c): c for c in release.cells if kind_of(c) == "answer"}
    student = list(submission.cells) if submission is not None else []
    by_id, unmatched = {}, []
    for index, cell in enumerate(student):
        gid = grade_id(cell)
        if gid in answers and cell.get("cell_type") == "code":
            by_id.setdefault(gid, []).append(index)
        else:
            unmatched.append(index)
    # answers that lost their grade_id: found by the names the release's stub defines
    for gid, release_cell in answers.items():
        if gid in by_id:
            continue
        wanted = set(defined_names(release_cell.source))
        found = [i for i in unmatched if student[i].get("cell_type") == "code" and wanted
                 and wanted <= set(defined_names(student[i].get("source", "")))]
        if found:
            by_id[gid] = found
            unmatched = [i for i in unmatched if i not in found]
    release_sources = {grade_id(c): c.source for c in release.cells}
    # where an unmatched student cell goes: after the release cell it followed in the student's notebook
    placed_after = {}
    last = None
    matched_index = {i: gid for gid, idx in by_id.items() for i in idx}
    for index, cell in enumerate(student):
        gid = matched_index.get(index) or (grade_id(cell) if grade_id(cell) in release_ids else None)
        if gid is not None and index not in unmatched:
            last = gid
        elif index in unmatched:
            if gid is not None:
                last = gid  # a changed copy of a release cell is shown right after that cell
                if _same_as_release(cell, release_sources.get(gid)):
                    continue  # an untouched copy of a release cell: nothing of the student's
            if not cell.get("source", "").strip():
                continue
            placed_after.setdefault(last, []).append(cell)
    cells = []
    for extra in placed_after.get(None, []):
        cells.append(_added(extra))
    for release_cell in release.cells:
        gid = grade_id(release_cell)
        kind = kind_of(release_cell)
        node = copy.deepcopy(release_cell)
        if node.get("cell_type") == "code":
            node["outputs"], node["execution_count"] = [], None
        source = trusted_sources.get(gid, release_cell.source)
        if kind == "answer":
            copies = [student[i].get("source", "") for i in by_id.get(gid, [])]
            edited = [s for s in copies if s.strip() != release_cell.source.strip()]
            copies = edited or copies[:1] or [release_cell.source]
            node["source"] = "\n\n".join(copies) if len(copies) > 1 else copies[0]
            cells.append(Cell("answer", gid, node, copies))
        elif kind == "test":
            node["source"] = source
            cells.append(Cell("test", gid, node, [source], float(nbgrader_meta(release_cell).get("points", 0) or 0)))
        elif kind == "demo":
            node["source"] = source
            cells.append(Cell("demo", gid, node, [source]))
        else:
            cells.append(Cell("markdown", gid, node))
        for extra in placed_after.get(gid, []):
            cells.append(_added(extra))
    return cells


def _same_as_release(cell, release_source) -> bool:
    return release_source is not None and cell.get("source", "").strip() == release_source.strip()


def _added(cell) -> Cell:
    """A student's own cell, shown as text: a Markdown code block whose fence no line of it can close."""
    source = cell.get("source", "")
    longest = run = 0
    for char in source:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    language = "python" if cell.get("cell_type") == "code" else "text"
    node = new_markdown_cell(f"{ADDED_CELL_NOTE}\n\n{fence}{language}\n{source}\n{fence}")
    return Cell("added", None, node)


def exercise_names(release) -> list[str]:
    """The names the release's answer cells define (the learner's functions and classes)."""
    names = []
    for cell in release.cells:
        if kind_of(cell) == "answer":
            names += [n for n in defined_names(cell.source) if n not in names]
    return names


def import_statements(release, needed=None) -> list[str]:
    """The top-level ``import`` statements of the release's demonstration cells (instructor code), which
    the grader runs on its own side so that test cells find ``np``, ``gdbp`` and the checkers.

    ``needed``: a set of names; only the statements that bind one of them are returned (the test cells
    do not need ``plt``, so the grader does not import matplotlib)."""
    statements = []
    for cell in release.cells:
        if kind_of(cell) != "demo":
            continue
        try:
            tree = ast.parse(_python(cell.source))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)) and getattr(node, "level", 0) == 0:
                bound = {(a.asname or a.name).split(".")[0] for a in node.names}
                statement = ast.unparse(node)
                if statement not in statements and (needed is None or bound & needed):
                    statements.append(statement)
    return statements


def names_used(source: str) -> set:
    """Every name a cell reads, anywhere in it (including inside the functions it defines)."""
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}

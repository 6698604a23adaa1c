"""The learner release teaches instead of dictating: what a learner sees, checked cell by cell.

- No exercise's solution lines appear verbatim in the visible text of the release: markdown and code
  cells, outside the collapsed hint blocks (``<details><summary>Hint ...``), of *every* notebook of the
  course (a later exercise's answer shown in an earlier notebook spoils it just as well). Lines are
  compared after normalising whitespace and dropping comments; lines that carry no solution (``pass``,
  ``break``, ``return out``, a bare name, ``x, w, b = cache``: names only) are ignored, and so are the few
  API calls an exercise's specification must name (``API_LINES``, each with its reason).
- Every exercise has progressive hints: three collapsed hint blocks or more (the idea, the equation or
  shapes, a skeleton) in a markdown cell of its own section (after the previous test cell, before its own).
- Test cells follow the test-cell rule (RULES.md): they use only names they define or import themselves,
  names imported in the notebook's non-exercise cells, and names the exercise cells define; never data
  computed by a demonstration cell (the new grader runs test cells apart from the learner's code).
- Figures fit a JupyterLab column of about 1,000 px: every ``figsize`` width is a number <= 10 inches.

Solution lines come from ``solutions/`` (between ``### BEGIN SOLUTION`` and ``### END SOLUTION``), the
visible text from ``course/`` (what nbgrader releases). ``tools/nbbuild.Notebook.hints`` writes the hint
cells in the format read here.
"""
from __future__ import annotations

import ast
import builtins
import io
import json
import pathlib
import re
import symtable
import textwrap
import tokenize

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))
RELEASE = sorted((ROOT / "course").glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))
MAX_FIGURE_WIDTH = 10  # inches: ~1,000 px at matplotlib's default 100 dpi, a JupyterLab notebook column
MIN_HINTS = 3  # the idea, the equation or shape argument, a skeleton

HINT_BLOCK = re.compile(r"<details(?P<attrs>[^>]*)>\s*<summary[^>]*>\s*(?:<b>|<strong>|\*\*)?\s*hint\b"
                        r"(?P<body>.*?)</details>", re.IGNORECASE | re.DOTALL)
SOLUTION_REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION", re.M | re.S)
# A line that carries no part of a solution: a keyword alone, names only (returned, yielded, unpacked), or
# a loop over range(one argument of the signature), e.g. `for _ in range(num_steps):`.
_NAMES = r"\(?[A-Za-z_][\w.]*(?:,[A-Za-z_][\w.]*)*,?\)?"
TRIVIAL = re.compile(rf"^(?:pass|break|continue|else:|try:|finally:|return|(?:(?:return|yield) )?{_NAMES}"
                     rf"|{_NAMES}={_NAMES}|for {_NAMES} in range\([\w.]+\):)$")


# Solution lines the exercise's specification has to name, so the text may show them: an API the exercise
# must call, as the signature must be given. Each entry says why; keep the list short.
API_LINES = {
    ("07_training_mlp", "train_step"): {
        # The exercise is to join the two halves of training through the course's API: the spec names the
        # call that updates the parameters (notebooks 06 and 10 show the compute/use loop around it).
        "optimizer.step(grads)",
    },
}


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def normalise(text: str) -> str:
    """Whitespace removed except between two word characters (``a + b`` and ``a+b`` are the same)."""
    text = re.sub(r"\s+", " ", text.strip())
    return re.sub(r"(?<=[^\w]) | (?=[^\w])", "", text)


def logical_lines(code: str) -> list[str]:
    """The statements of a block of Python, one string each: comments dropped, continuation lines joined.

    Falls back on physical lines (comments cut at '#') when the block does not tokenize."""
    code = textwrap.dedent(code)
    try:
        lines, current = [], []
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                if current:
                    lines.append(" ".join(current))
                current = []
            elif tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT):
                current.append(tok.string)
        return lines
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [line.split("#", 1)[0] for line in code.splitlines()]


def solution_lines(doc) -> dict[str, list[str]]:
    """grade_id -> the normalised, non-trivial lines between the solution markers of that exercise."""
    out = {}
    for cell in doc["cells"]:
        meta = nbgrader(cell)
        if not meta.get("solution") or cell["cell_type"] != "code":
            continue
        lines = []
        for region in SOLUTION_REGION.findall(source(cell)):
            for line in logical_lines(region):
                norm = normalise(line)
                if norm and not TRIVIAL.match(norm) and norm not in lines:
                    lines.append(norm)
        out[meta["grade_id"]] = lines
    return out


def visible_lines(doc) -> list[tuple[str, str]]:
    """(cell id, normalised line) for what a learner reads: every cell, minus the hint blocks."""
    out = []
    for index, cell in enumerate(doc["cells"]):
        cell_id = nbgrader(cell).get("grade_id") or f"cell {index}"
        text = source(cell)
        if cell["cell_type"] == "markdown":
            lines = HINT_BLOCK.sub("", text).splitlines()
        else:
            lines = logical_lines(text) + text.splitlines()  # statements joined, and each physical line
        out += [(cell_id, normalise(line)) for line in lines if line.strip()]
    return out


def contains(haystack: str, needle: str) -> bool:
    """``needle`` occurs in ``haystack`` and does not start or end inside a longer name."""
    pattern = re.escape(needle)
    if re.match(r"[\w.]", needle):
        pattern = r"(?<![\w.])" + pattern
    if re.search(r"\w$", needle):
        pattern += r"(?!\w)"
    return re.search(pattern, haystack) is not None


def release_of(solution_path):
    return ROOT / "course" / solution_path.relative_to(ROOT / "solutions")


ALL_SOLUTION_LINES = {(path.parent.name, grade_id): [line for line in lines
                                                     if line not in API_LINES.get((path.parent.name, grade_id), ())]
                      for path in SOLUTIONS for grade_id, lines in solution_lines(load(path)).items()}

needs_release = pytest.mark.skipif(not RELEASE, reason="no learner release yet")


# ---------------------------------------------------------------------------------------------------------
# Self-checks of the helpers, so that a bug in them cannot make the release tests pass vacuously.


def test_normalise_and_trivial_lines():
    assert normalise("dw = 2 * X.T @ r / N  ") == normalise("dw=2*X.T@r/N") == "dw=2*X.T@r/N"
    assert normalise("return  s * (1 - s)") == "return s*(1-s)"
    for line in ("return out", "pass", "dx", "return dx, dw, db", "x, w, b = cache", "yield batch", "break",
                 "for _ in range(num_steps):"):
        assert TRIVIAL.match(normalise(line)), line
    for line in ("return s * (1 - s)", "x = x - lr * grad", "N = len(X)", "node.grad = 0.0", "order = []",
                 "self.grad += out.grad", "return np.array(rows)", "def build(node):",
                 "for start in range(0, N, batch_size):", "for i in np.ndindex(x.shape):"):
        assert not TRIVIAL.match(normalise(line)), line


def test_logical_lines_drop_comments_and_join_continuations():
    code = "    r = X @ w + b - y  # residuals\n    dw = (2 / N) * (\n        X.T @ r)\n    return dw\n"
    assert [normalise(line) for line in logical_lines(code)] == ["r=X@w+b-y", "dw=(2/N)*(X.T@r)", "return dw"]


def test_contains_respects_name_boundaries():
    assert contains("then`dw=2*X.T@r/N`and", "dw=2*X.T@r/N")
    assert not contains("ds=sigmoid(x)", "s=sigmoid(x)")
    assert not contains("self.x=np.array(x0)", "x=np.array(x0)")
    assert not contains("x=x-lr*grads", "x=x-lr*grad")


def test_hint_blocks_are_cut_from_the_visible_text():
    doc = {"cells": [{"cell_type": "markdown", "metadata": {}, "source":
                      "Write it.\n\n<details><summary>Hint 3: a skeleton</summary>\n\n```python\n"
                      "dw = X.T @ dr\n```\n\n</details>\n\n<details><summary>Short answers</summary>\n\n"
                      "db = dr.sum()\n\n</details>"}]}
    lines = [line for _, line in visible_lines(doc)]
    assert "dw=X.T@dr" not in lines, "a hint block is not visible text"
    assert "db=dr.sum()" in lines, "other <details> blocks (answers to the questions) are visible text"


# ---------------------------------------------------------------------------------------------------------
# The release.


@needs_release
@pytest.mark.parametrize("path", RELEASE, ids=lambda p: p.parent.name)
def test_no_solution_line_is_visible_outside_hints(path):
    """Could a learner solve an exercise by copying lines from the text? Every exercise of the course,
    in the visible text of this notebook."""
    shown = visible_lines(load(path))
    leaks = []
    for (notebook, grade_id), lines in ALL_SOLUTION_LINES.items():
        for line in lines:
            where = sorted({cell for cell, text in shown if contains(text, line)})
            if where:
                leaks.append(f"{notebook}:{grade_id}'s line {line!r} is shown in cell(s) {', '.join(where)}")
    assert not leaks, (f"{path.parent.name} shows solution lines outside the hint blocks (state the facts, "
                       f"put code in a hint):\n  " + "\n  ".join(leaks))


def test_api_lines_are_solution_lines_of_their_exercise():
    """An allowance that no longer matches a solution line is stale: remove it."""
    for (notebook, grade_id), lines in API_LINES.items():
        paths = [p for p in SOLUTIONS if p.parent.name == notebook]
        assert paths, f"API_LINES names a missing notebook {notebook}"
        actual = solution_lines(load(paths[0])).get(grade_id)
        assert actual is not None, f"API_LINES names a missing exercise {notebook}:{grade_id}"
        stale = [line for line in lines if line not in actual]
        assert not stale, f"{notebook}:{grade_id}: API_LINES {stale} are not solution lines (any more)"


@needs_release
def test_every_exercise_has_solution_lines_to_protect():
    """The leak test above means something only if it finds the solutions it protects."""
    empty = [f"{nb}:{gid}" for (nb, gid), lines in ALL_SOLUTION_LINES.items() if not lines]
    assert ALL_SOLUTION_LINES and not empty, f"exercises without a non-trivial solution line: {empty}"


@needs_release
@pytest.mark.parametrize("path", RELEASE, ids=lambda p: p.parent.name)
def test_every_exercise_has_progressive_hints(path):
    cells = load(path)["cells"]
    problems = []
    tests = [i for i, c in enumerate(cells) if nbgrader(c).get("grade")]
    for i, cell in enumerate(cells):
        meta = nbgrader(cell)
        if not meta.get("solution"):
            continue
        start = max([t for t in tests if t < i], default=-1)
        end = min([t for t in tests if t > i], default=len(cells))
        blocks = [m for c in cells[start + 1:end] if c["cell_type"] == "markdown"
                  for m in HINT_BLOCK.finditer(source(c))]
        if len(blocks) < MIN_HINTS:
            problems.append(f"{meta['grade_id']}: {len(blocks)} hint block(s) between the previous test cell and "
                            f"its own, expected {MIN_HINTS} (the idea, the equation or shapes, a skeleton)")
        for block in blocks:
            if re.search(r"\bopen\b", block["attrs"]):
                problems.append(f"{meta['grade_id']}: a hint block is open; hints start collapsed")
            if not re.sub(r"<summary.*?</summary>", "", block["body"], flags=re.S).strip():
                problems.append(f"{meta['grade_id']}: an empty hint block")
    assert not problems, f"{path.parent.name}:\n  " + "\n  ".join(problems)


# ---------------------------------------------------------------------------------------------------------
# The test-cell rule (RULES.md).

BUILTINS = set(dir(builtins)) | {"get_ipython", "display", "__file__"}


def bound_names(code: str, *, imports_only: bool) -> set[str]:
    """Names a cell binds at its top level (all of them, or only those bound by import statements)."""
    try:
        tree = ast.parse(_without_magics(code))
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif not imports_only:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            else:
                names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def free_names(code: str) -> set[str]:
    """Global names a cell reads that it does not bind itself (at any level of its functions)."""
    table = symtable.symtable(_without_magics(code), "cell", "exec")
    own = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    free, stack = set(), [table]
    while stack:
        scope = stack.pop()
        stack += scope.get_children()
        for symbol in scope.get_symbols():
            top_level_read = scope is table and symbol.is_referenced() and not symbol.is_assigned() \
                and not symbol.is_imported()
            if top_level_read or (scope is not table and symbol.is_global() and symbol.is_referenced()):
                free.add(symbol.get_name())
    return free - own


def _without_magics(code: str) -> str:
    return "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines())


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_test_cells_use_only_imports_and_the_learners_names(path):
    cells = load(path)["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    exercise_names = set().union(*[bound_names(source(c), imports_only=False) for c in code
                                   if nbgrader(c).get("solution")])
    imported = set().union(*[bound_names(source(c), imports_only=True) for c in code
                             if not nbgrader(c).get("solution") and not nbgrader(c).get("grade")])
    allowed = BUILTINS | exercise_names | imported
    problems = []
    for cell in code:
        if nbgrader(cell).get("grade"):
            used = free_names(source(cell)) - allowed
            if used:
                problems.append(f"{nbgrader(cell)['grade_id']} uses {sorted(used)}, computed by a demonstration "
                                f"cell: define that data in the test cell itself")
    assert not problems, f"{path.parent.name}:\n  " + "\n  ".join(problems)


def test_free_names_sees_reads_of_demo_data():
    cell = "from gdbp.checks import check_x\nimport numpy as _np\ncheck_x(f)\n_X = _np.ones(3)\n" \
           "def _g():\n    return history[-1] + _X\n_g()\n"
    assert free_names(cell) == {"f", "history"}
    assert bound_names("import numpy as np\nfrom a.b import c\nX = 1", imports_only=True) == {"np", "c"}


# ---------------------------------------------------------------------------------------------------------
# Figures.


def _number(node):
    """The value of a constant arithmetic expression (3, 2 * 4.5, -1), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _number(node.operand)
        return None if value is None else (-value if isinstance(node.op, ast.USub) else value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        left, right = _number(node.left), _number(node.right)
        if left is not None and right is not None:
            return {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right,
                    ast.Div: left / right if right else None}[type(node.op)]
    return None


@needs_release
@pytest.mark.parametrize("path", RELEASE, ids=lambda p: p.parent.name)
def test_figures_fit_a_notebook_column(path):
    problems = []
    for index, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] != "code":
            continue
        try:
            tree = ast.parse(_without_magics(source(cell)))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            for keyword in getattr(node, "keywords", []) if isinstance(node, ast.Call) else []:
                if keyword.arg != "figsize":
                    continue
                width = _number(keyword.value.elts[0]) if isinstance(keyword.value, ast.Tuple) else None
                where = nbgrader(cell).get("grade_id", f"cell {index}")
                if width is None:
                    problems.append(f"{where}: figsize={ast.unparse(keyword.value)}: give the width as a number")
                elif width > MAX_FIGURE_WIDTH:
                    problems.append(f"{where}: figsize width {width:g} in > {MAX_FIGURE_WIDTH} in: about "
                                    f"{100 * width:.0f} px, shown shrunk in a ~1,000 px column")
    assert not problems, f"{path.parent.name}:\n  " + "\n  ".join(problems)

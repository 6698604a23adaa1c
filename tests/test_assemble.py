"""Unit tests of gdbp.instructor.assemble: what is graded of a submission, read from odd files."""
import copy
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from gdbp.instructor import assemble


def meta(gid, **flags):
    base = {"grade": False, "solution": False, "locked": False, "grade_id": gid, "schema_version": 3}
    base.update(flags)
    return {"nbgrader": base}


STUB = "def square(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
RELEASE = new_notebook(cells=[
    new_markdown_cell("# intro", metadata=meta("intro", locked=True)),
    new_code_cell("import numpy as np", metadata=meta("setup", locked=True)),
    new_code_cell(STUB, metadata=meta("square", solution=True)),
    new_code_cell("check(square)", metadata=meta("test_square", grade=True, locked=True, points=2)),
    new_code_cell("print(square(3))", metadata=meta("demo", locked=True)),
])
TRUSTED = {"test_square": "check(square)\n### BEGIN HIDDEN TESTS\nassert square(2) == 4\n### END HIDDEN TESTS"}
ANSWER = "def square(x):\n    return x * x"


def submission(edit):
    nb = copy.deepcopy(RELEASE)
    edit(nb.cells)
    return nb


def plan(nb):
    return [(c.kind, c.grade_id, c.sources) for c in assemble.assemble(RELEASE, nb, TRUSTED)]


def kinds(cells):
    return [c.kind for c in cells]


def answer_sources(nb):
    return [c.sources for c in assemble.assemble(RELEASE, nb, TRUSTED) if c.kind == "answer"][0]


def test_release_cells_and_trusted_test_source_are_used():
    nb = submission(lambda cells: (cells.__setitem__(3, new_code_cell("pass", metadata=cells[3].metadata)),
                                   setattr(cells[2], "source", ANSWER), setattr(cells[4], "source", "import os")))
    cells = assemble.assemble(RELEASE, nb, TRUSTED)
    # the student's edits of the test and the demonstration are shown (as text) after the restored cells
    assert kinds(cells) == ["markdown", "demo", "answer", "test", "added", "demo", "added"]
    assert cells[3].sources == [TRUSTED["test_square"]], "an edited test cell is restored, hidden part included"
    assert cells[5].sources == ["print(square(3))"], "an edited demonstration is restored"
    assert "import os" in cells[6].node.source and not cells[6].sources
    assert cells[2].sources == [ANSWER]
    assert cells[3].points == 2.0


def test_deleted_test_cell_is_put_back():
    nb = submission(lambda cells: cells.pop(3))
    assert [k for k, _, _ in plan(nb)].count("test") == 1


def test_duplicated_answer_cell_runs_every_edited_copy_in_order():
    def edit(cells):
        cells[2].source = ANSWER
        pasted = copy.deepcopy(cells[2])
        pasted.source = "def square(x):\n    return x ** 2"
        cells.insert(5, pasted)
        cells.insert(6, copy.deepcopy(RELEASE.cells[2]))  # an untouched pasted stub does not undo the answer
    assert answer_sources(submission(edit)) == [ANSWER, "def square(x):\n    return x ** 2"]


def test_duplicated_test_cell_runs_once():
    nb = submission(lambda cells: cells.append(copy.deepcopy(cells[3])))
    assert [k for k, _, _ in plan(nb)].count("test") == 1


def test_renamed_or_unmarked_answer_cell_is_found_by_what_it_defines():
    def renamed(cells):
        cells[2].source = ANSWER
        cells[2].metadata["nbgrader"]["grade_id"] = "cell-1b2c3d"
    assert answer_sources(submission(renamed)) == [ANSWER]

    def unmarked(cells):
        cells[2] = new_code_cell(ANSWER)
    assert answer_sources(submission(unmarked)) == [ANSWER]


def test_reflagged_cells_keep_the_release_roles():
    def edit(cells):
        cells[2].source = ANSWER
        cells[2].metadata["nbgrader"].update(grade=True, points=100)   # answer turned into a test
        cells[3].metadata["nbgrader"].update(solution=True, grade=False)  # test turned into an answer
        cells[3].source = "pass"
    planned = [(k, g, s) for k, g, s in plan(submission(edit)) if k != "added"]
    assert [(k, g) for k, g, _ in planned][2:4] == [("answer", "square"), ("test", "test_square")]
    assert planned[2][2] == [ANSWER] and planned[3][2] == [TRUSTED["test_square"]]


def test_added_cells_are_shown_as_text_where_they_were():
    def edit(cells):
        cells.insert(3, new_code_cell("import gdbp.checks\ngdbp.checks.check_x = lambda f: None  # ```` fence"))
        cells.append(new_markdown_cell("<script>alert('x')</script>"))
    cells = assemble.assemble(RELEASE, submission(edit), TRUSTED)
    added = [c for c in cells if c.kind == "added"]
    assert [kinds(cells).index("added")] == [3], "after the answer cell it followed"
    assert len(added) == 2 and all(c.node.cell_type == "markdown" and not c.sources for c in added)
    assert "`````python\nimport gdbp.checks" in added[0].node.source, "the fence is longer than any in the code"
    assert "```text\n<script>" in added[1].node.source


def test_untouched_release_is_graded_with_its_stubs():
    assert answer_sources(copy.deepcopy(RELEASE)) == [STUB]
    assert answer_sources(None) == [STUB]


def test_exercise_names_imports_and_names_used():
    release = copy.deepcopy(RELEASE)
    release.cells[1].source = "%matplotlib inline\nimport numpy as np\nfrom gdbp.checks import check_adam\nx = 1"
    assert assemble.exercise_names(release) == ["square"]
    assert assemble.import_statements(release) == ["import numpy as np", "from gdbp.checks import check_adam"]
    assert assemble.names_used("def helper():\n    return square(np.ones(2))\nhelper()") >= {"square", "np", "helper"}


@pytest.mark.parametrize("encode", [
    lambda text: text.encode(),
    lambda text: b"\xef\xbb\xbf" + text.encode(),                 # UTF-8 with a byte-order mark
    lambda text: text.replace("\n", "\r\n").encode(),              # CRLF line ends
    lambda text: text.encode("utf-16"),                            # UTF-16 (Windows editors)
], ids=["utf8", "bom", "crlf", "utf16"])
def test_read_notebook_accepts_what_editors_write(encode):
    nb = assemble.read_notebook(encode(nbformat.writes(RELEASE)))
    assert [assemble.grade_id(c) for c in nb.cells] == ["intro", "setup", "square", "test_square", "demo"]


def test_read_notebook_converts_nbformat_3():
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "code", "input": ANSWER, "language": "python", "outputs": [],
         "metadata": meta("square", solution=True)}]}]}
    nb = assemble.read_notebook(json.dumps(v3).encode())
    assert nb.nbformat == 4 and nb.cells[0].source == ANSWER
    assert answer_sources(nb) == [ANSWER]


@pytest.mark.parametrize("data", [b"", b"{ not json", b'{"hello": 1}', b"\xff\x00\x81", b"[1, 2]"])
def test_read_notebook_refuses_what_is_not_a_notebook(data):
    with pytest.raises(assemble.Unreadable):
        assemble.read_notebook(data)

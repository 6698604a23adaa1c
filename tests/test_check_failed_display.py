"""What a learner sees when a test cell fails: the checker's message, without a traceback.

``CheckFailed._render_traceback_`` (gdbp/checks/_core.py) is what IPython shows instead of a formatted
traceback. These tests run real kernels (nbclient) and read the error output a notebook stores, which is
what JupyterLab renders (tests/test_browser.py checks the page itself).
"""
import traceback

import nbformat
import pytest
from nbclient import NotebookClient

from gdbp.checks import check_sgd
from gdbp.checks._core import CheckFailed
from nbtools import _plain

WRONG_SGD = "def sgd(param, grad, state=None, lr=0.01):\n    return param + lr * grad, state  # ascends\n"
UNWRITTEN_SGD = "def sgd(param, grad, state=None, lr=0.01):\n    raise NotImplementedError()\n"


def error_output(answer):
    """Run an answer cell and the test cell ``check_sgd(sgd)`` in a fresh kernel; return the test cell's
    error output (ename, evalue, traceback as plain text lines)."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from gdbp.checks import check_sgd"),
        nbformat.v4.new_code_cell(answer),
        nbformat.v4.new_code_cell("check_sgd(sgd)"),
    ])
    NotebookClient(nb, timeout=60, allow_errors=True).execute()
    (error,) = [o for o in nb.cells[-1].outputs if o.output_type == "error"]
    return error.ename, error.evalue, [_plain(line) for line in "\n".join(error.traceback).splitlines()]


@pytest.mark.parametrize("answer, words", [(WRONG_SGD, ("sgd, case", "received", "expected")),
                                           (UNWRITTEN_SGD, ("NotImplementedError", "not written yet"))],
                         ids=["wrong", "unwritten"])
def test_failed_test_cell_shows_the_message_only(answer, words):
    ename, evalue, shown = error_output(answer)
    assert ename == "CheckFailed"
    assert shown == evalue.splitlines(), shown
    assert all(word in evalue for word in words), evalue
    text = "\n".join(shown)
    for internal in ("Traceback", "File ", "_core.py", "raise CheckFailed", "Cell In["):
        assert internal not in text, f"{internal!r} in what the learner sees:\n{text}"


def test_check_failed_outside_ipython_keeps_its_traceback():
    """Plain Python (and pytest) format the exception as usual: only IPython reads _render_traceback_."""
    def sgd(param, grad, state=None, lr=0.01):
        return param + lr * grad, state

    with pytest.raises(CheckFailed) as info:
        check_sgd(sgd)
    formatted = "".join(traceback.format_exception(info.value))
    assert formatted.startswith("Traceback") and "CheckFailed: sgd, case" in formatted
    assert info.value._render_traceback_() == str(info.value).splitlines()
    assert CheckFailed()._render_traceback_() == ["CheckFailed"]

"""The course as a learner meets it: JupyterLab in headless Chromium, Run All, read what happened.

For each course notebook (or the sample course fixture while there is none): open the learner version,
run all cells, and check that the only errors are the exercise cells' NotImplementedErrors (and the test
cells failing because of them) and that Run All reached the last cell; then open the solution version,
run all, and check there is no error and every test cell printed its checker's success line.

JupyterLab serves a temporary copy of course/ and solutions/ (running a notebook in the browser marks it
dirty, and nothing here should ever write into the repository), with its settings, workspaces and
runtime folders in the same temporary folder (news pop-up off, no state from earlier runs).
`--LabApp.expose_app_in_browser=True` gives the page `window.jupyterapp`: the test runs JupyterLab's own
`notebook:run-all-cells` command and reads the notebook model that the page holds. Screenshots go to a
folder `gdbp-screenshots-*` in the system's temporary folder, printed by each test (`pytest -s`).

Chromium is Debian's package (`apt-get install -y chromium`; `.ci/run` installs it), driven by
Playwright for Python through `executable_path`; never `playwright install`.
"""
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from conftest import require_chromium
from nbtools import (SUCCESS_LINE, cell_errors, cell_kind, course_root, missing_success_lines, notebook_pairs,
                     unexecuted_cells, unexpected_learner_errors)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RUN_ALL_TIMEOUT_MS = 240_000  # a course notebook runs in under 60 s: four times that before giving up
# In the browser: the notebook the Binder link opens (01), the one whose exercise is a class (05), and the
# largest (10, the optimizer race). Every notebook also runs headless (tests/test_notebooks.py with nbclient,
# tests/test_binder.py in the Binder environment); the browser adds what only JupyterLab can break.
BROWSER_NOTEBOOKS = ("01_", "05_", "10_")
PAIRS = [pair for pair in notebook_pairs() if pair[1].stem.startswith(BROWSER_NOTEBOOKS)] or notebook_pairs()


def free_port():
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the course: yields (base_url, token, root folder)."""
    require_chromium()  # skip before starting anything when there is no browser
    root = tmp_path_factory.mktemp("lab")
    source = course_root()
    for folder in ("course", "solutions"):
        shutil.copytree(source / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    state = tmp_path_factory.mktemp("lab_state")
    # No "get notified about Jupyter news?" pop-up over the notebook, no update check.
    notification = state / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = {**os.environ,
           "JUPYTERLAB_SETTINGS_DIR": str(state / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
           "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
           "JUPYTER_CONFIG_DIR": str(state / "config"),
           "IPYTHONDIR": str(state / "ipython")}
    port, token = free_port(), secrets.token_hex(16)
    log = open(state / "lab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False",
         f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
         "--ServerApp.allow_root=True"],  # CI runs as root
        env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}/api/status?token={token}", timeout=2) as reply:
                    json.load(reply)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    tail = "\n".join((state / "lab.log").read_text().splitlines()[-30:])
                    pytest.fail(f"JupyterLab did not start; the end of its log:\n{tail}")
                time.sleep(0.3)
        yield base_url, token, root
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(lab):
    """Headless Debian Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def screenshots():
    """A folder for the screenshots, outside pytest's temporary folders (which later runs delete)."""
    return Path(tempfile.mkdtemp(prefix="gdbp-screenshots-"))


def run_all_in_browser(browser, lab, path, screenshot):
    """Open `path` (relative to the lab root) in its own workspace, Run All, save a screenshot.

    Returns the notebook as the page holds it after the run (nbformat NotebookNode) and the text the
    page shows as the output of the first test cell ("" when there is none).
    """
    base_url, token, _ = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors_in_page = []
    page.on("pageerror", lambda exc: errors_in_page.append(str(exc)))
    try:
        workspace = path.stem.replace("_", "-")
        page.goto(f"{base_url}/lab/workspaces/{workspace}/tree/{path.as_posix()}?token={token}&reset",
                  timeout=60_000)
        page.wait_for_selector("#jp-MainMenu", timeout=60_000)
        # The notebook is the current widget and its kernel is idle: ready to run.
        page.wait_for_function(
            """(name) => {
                const app = window.jupyterapp, widget = app && app.shell.currentWidget;
                const kernel = widget && widget.sessionContext && widget.sessionContext.session
                    && widget.sessionContext.session.kernel;
                return widget && widget.context.path.endsWith(name) && kernel && kernel.status === 'idle';
            }""", arg=path.name, timeout=60_000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # Wait until the run has settled: some cell ran, no cell is queued or running ('*'), the kernel
        # is idle, and all that holds on three polls in a row (the kernel is idle between two cells).
        page.wait_for_function(
            """() => {
                const widget = window.jupyterapp.shell.currentWidget;
                const cells = widget.content.widgets.filter(cell => cell.model.type === 'code');
                const settled = cells.some(cell => cell.model.executionCount !== null)
                    && cells.every(cell => cell.model.executionState !== 'running')
                    && widget.sessionContext.session.kernel.status === 'idle';
                window.gdbpSettledPolls = settled ? (window.gdbpSettledPolls || 0) + 1 : 0;
                return window.gdbpSettledPolls >= 3;
            }""", timeout=RUN_ALL_TIMEOUT_MS, polling=500)
        model = page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.toJSON()")
        # JupyterLab renders only the cells near the viewport: bring the first test cell there, make it
        # the active cell, and read its output as the page shows it.
        index = page.evaluate("""async () => {
            const notebook = window.jupyterapp.shell.currentWidget.content;
            const index = notebook.widgets.findIndex(cell => (cell.model.getMetadata('nbgrader') || {}).grade);
            if (index >= 0) {
                notebook.activeCellIndex = index;
                await notebook.scrollToItem(index, 'start');
            }
            return index;
        }""")
        shown = ""
        if index >= 0:
            test_output = page.locator(".jp-Notebook .jp-Cell.jp-mod-active .jp-OutputArea")
            test_output.wait_for(timeout=10_000)
            shown = test_output.inner_text()
        page.screenshot(path=screenshot)
    finally:
        page.close()
    assert not errors_in_page, f"JavaScript errors in JupyterLab while running {path}: {errors_in_page}"
    return nbformat.from_dict(model), shown


@pytest.mark.parametrize("learner, solution", PAIRS, ids=[s.stem for _, s in PAIRS])
def test_course_notebook_runs_in_browser(browser, lab, screenshots, learner, solution):
    root = course_root()
    assert learner.exists(), f"{learner} is missing: regenerate course/ from solutions/ with nbgrader"

    nb, shown = run_all_in_browser(browser, lab, learner.relative_to(root), screenshots / f"{learner.stem}_learner.png")
    graded = any(cell_kind(cell) == "test" for cell in nb.cells)  # 11_pytorch_appendix has no graded exercise
    if graded:
        assert "NotImplementedError" in shown, f"learner {learner.name}: the first test cell shows {shown[:300]!r}"
    assert not unexpected_learner_errors(nb), (
        f"learner {learner.name}: errors other than the exercises' NotImplementedError: "
        f"{unexpected_learner_errors(nb)}")
    if graded:
        assert any("NotImplementedError" in e.traceback for e in cell_errors(nb)), (
            f"learner {learner.name}: no exercise raised NotImplementedError; is this the learner release?")
    assert not unexecuted_cells(nb), f"learner {learner.name}: Run All stopped before cells {unexecuted_cells(nb)}"

    nb, shown = run_all_in_browser(browser, lab, solution.relative_to(root), screenshots / f"{solution.stem}_solution.png")
    assert not cell_errors(nb), f"solution {solution.name}: errors {[str(e) for e in cell_errors(nb)]}"
    assert not unexecuted_cells(nb), f"solution {solution.name}: cells {unexecuted_cells(nb)} did not run"
    assert not missing_success_lines(nb), (
        f"solution {solution.name}: test cells without a success line: {missing_success_lines(nb)}")
    if graded:
        assert SUCCESS_LINE.search(shown), f"solution {solution.name}: the first test cell shows {shown[:300]!r}"
    print(f"\nscreenshots of {solution.stem}: {screenshots}")

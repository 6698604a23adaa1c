"""The course as a learner meets it: JupyterLab in headless Chromium, Run All, read what happened.

For each course notebook (or the sample course fixture while there is none): open the learner version,
run all cells, and check that the only errors are the exercise cells' NotImplementedErrors (and the test
cells failing because of them) and that Run All reached the last cell; then open the solution version,
run all, and check there is no error, every test cell printed its checker's success line, and every figure
is readable in a 1,280 px window (its smallest text at least MIN_TEXT_PX high on screen).

Around the exercises (on copies of learner notebook 01): a wrong answer's test cell shows the checker's
message and no traceback, and JupyterLab does not ask about Jupyter news; a demonstration cell takes typed
text and runs it, a test cell does not take it.

JupyterLab serves a temporary copy of course/ and solutions/ (running a notebook in the browser marks it
dirty, and nothing here should ever write into the repository), with its settings, workspaces and
runtime folders in the same temporary folder (no state from earlier runs), and the course's own setting
defaults (binder/overrides.json: the "Jupyter news" pop-up off) as its application settings.
`--LabApp.expose_app_in_browser=True` gives the page `window.jupyterapp`: the test runs JupyterLab's own
`notebook:run-all-cells` command and reads the notebook model that the page holds. Screenshots go to a
folder `gdbp-screenshots-*` in the system's temporary folder, printed by each test (`pytest -s`).

Chromium is Debian's package (`apt-get install -y chromium`; `.ci/run` installs it), driven by
Playwright for Python through `executable_path`; never `playwright install`.
"""
import base64
import os
import shutil
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from conftest import require_chromium
from labserver import jupyter_server
from nbtools import (REPO, SUCCESS_LINE, cell_errors, cell_kind, course_root, missing_success_lines, notebook_pairs,
                     unexecuted_cells, unexpected_learner_errors)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RUN_ALL_TIMEOUT_MS = 240_000  # a course notebook runs in under 60 s: four times that before giving up
# In the browser: the notebook the Binder link opens (01), the one whose exercise is a class (05), the
# largest (10, the optimizer race), and 04, whose figures were once drawn too wide to read. Every notebook
# also runs headless (tests/test_notebooks.py with nbclient, tests/test_binder.py in the Binder
# environment); the browser adds what only JupyterLab can break.
BROWSER_NOTEBOOKS = ("01_", "04_", "05_", "10_")
PAIRS = [pair for pair in notebook_pairs() if pair[1].stem.startswith(BROWSER_NOTEBOOKS)] or notebook_pairs()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the course: yields (base_url, token, root folder)."""
    require_chromium()  # skip before starting anything when there is no browser
    root = tmp_path_factory.mktemp("lab")
    source = course_root()
    for folder in ("course", "solutions"):
        shutil.copytree(source / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    state = tmp_path_factory.mktemp("lab_state")
    # The course's own setting defaults, as ./dev lab and Binder's postBuild install them (no "Jupyter news"
    # pop-up): binder/overrides.json in JupyterLab's application settings folder.
    (state / "app_settings").mkdir()
    shutil.copy(REPO / "binder" / "overrides.json", state / "app_settings" / "overrides.json")
    env = {**os.environ,
           "JUPYTERLAB_SETTINGS_DIR": str(state / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
           "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
           "JUPYTER_CONFIG_DIR": str(state / "config"),
           "IPYTHONDIR": str(state / "ipython")}
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}",
               "--LabApp.expose_app_in_browser=True", f"--LabApp.app_settings_dir={state / 'app_settings'}",
               "--ServerApp.allow_root=True"]  # CI runs as root
    with jupyter_server(command, cwd=root, env=env, log=state / "lab.log", seconds=60) as (base_url, token):
        yield base_url, token, root


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


def open_notebook(page, lab, path):
    """Open ``path`` (relative to the lab root) in a workspace of its own; return once its kernel is idle."""
    base_url, token, _ = lab
    workspace = path.stem.replace("_", "-")
    page.goto(f"{base_url}/lab/workspaces/{workspace}/tree/{path.as_posix()}?token={token}&reset",
              timeout=60_000)
    page.wait_for_selector("#jp-MainMenu", timeout=60_000)
    page.wait_for_function(
        """(name) => {
            const app = window.jupyterapp, widget = app && app.shell.currentWidget;
            const kernel = widget && widget.sessionContext && widget.sessionContext.session
                && widget.sessionContext.session.kernel;
            return widget && widget.context.path.endsWith(name) && kernel && kernel.status === 'idle';
        }""", arg=path.name, timeout=60_000)


def run_all(page):
    """JupyterLab's Run All on a notebook none of whose cells has run yet; return once the run is over."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    wait_until_settled(page)


# Seconds the kernel stays idle before a run is taken as stopped early (by an error in a cell without the
# raises-exception tag). Between two cells the kernel idles while the page renders the first one's output:
# up to 8 s measured after notebook 10's optimizer race on this machine.
STOPPED_AFTER_IDLE_S = 30


def wait_until_settled(page):
    """Wait until every non-empty code cell has run and the kernel is idle (three polls in a row), or the
    kernel has been idle for STOPPED_AFTER_IDLE_S seconds (the run stopped early; the caller sees which
    cells did not run). Cells' executionState cannot tell: JupyterLab leaves it 'idle' on queued cells."""
    page.evaluate("() => { window.gdbpSettledPolls = 0; window.gdbpIdleSince = null; }")
    page.wait_for_function(
        """(stoppedAfterMs) => {
            const widget = window.jupyterapp.shell.currentWidget;
            if (widget.sessionContext.session.kernel.status !== 'idle') {
                window.gdbpSettledPolls = 0;
                window.gdbpIdleSince = null;
                return false;
            }
            window.gdbpIdleSince = window.gdbpIdleSince || Date.now();
            const cells = widget.content.widgets.filter(
                cell => cell.model.type === 'code' && cell.model.sharedModel.getSource().trim());
            const allRan = cells.every(cell => cell.model.executionCount !== null);
            window.gdbpSettledPolls = allRan ? window.gdbpSettledPolls + 1 : 0;
            return window.gdbpSettledPolls >= 3 || Date.now() - window.gdbpIdleSince > stoppedAfterMs;
        }""", arg=STOPPED_AFTER_IDLE_S * 1000, timeout=RUN_ALL_TIMEOUT_MS, polling=500)


def show_cell(page, index):
    """Make cell ``index`` the active cell and scroll it into view (JupyterLab renders only the cells near
    the viewport); return the locator of that cell."""
    page.evaluate("""async (index) => {
        const notebook = window.jupyterapp.shell.currentWidget.content;
        notebook.activeCellIndex = index;
        await notebook.scrollToItem(index, 'start');
    }""", index)
    cell = page.locator(".jp-Notebook .jp-Cell.jp-mod-active")
    cell.wait_for(timeout=10_000)
    return cell


def notebook_model(page):
    """The notebook as the page holds it (nbformat NotebookNode)."""
    return nbformat.from_dict(page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.toJSON()"))


def first_test_cell_index(nb):
    return next((i for i, cell in enumerate(nb.cells) if cell_kind(cell) == "test"), -1)


# The window of a laptop (1,280 px wide, JupyterLab's file browser open beside the notebook). A figure is
# readable there when its smallest text, matplotlib's "small" size (0.833 x the default 10 pt: the legends
# of gdbp.plotting and of most notebook figures), is at least MIN_TEXT_PX CSS pixels high on screen.
# Figures drawn 2,000 px wide and shrunk to fit showed their titles and legends at 5-7 px; 9 px is about
# the smallest size at which digits and letters stay distinct.
WINDOW = {"width": 1280, "height": 800}
SMALL_FONT_PT = 0.833 * 10
MIN_TEXT_PX = 9


def png_size_and_dpi(data):
    """(width in pixels, dots per inch) of a base64 PNG (matplotlib writes its dpi in the pHYs chunk)."""
    raw = base64.b64decode(data)
    assert raw[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width = struct.unpack(">I", raw[16:20])[0]
    dpi, pos = 72.0, 8
    while pos < len(raw):
        length, kind = struct.unpack(">I4s", raw[pos:pos + 8])
        if kind == b"pHYs":
            per_unit, _, unit = struct.unpack(">IIB", raw[pos + 8:pos + 17])
            dpi = per_unit * 0.0254 if unit == 1 else dpi
            break
        pos += 12 + length
    return width, dpi


@dataclass
class Figure:
    cell: int
    image: int  # its position among the cell's images
    natural_width: int  # pixels of the PNG
    shown_width: float  # CSS pixels on the page
    dpi: float

    @property
    def text_px(self):
        """On-screen height (CSS pixels) of this figure's "small" text (legends)."""
        return SMALL_FONT_PT / 72 * self.dpi * self.shown_width / self.natural_width


def figures_as_shown(page, nb):
    """Every PNG figure of the notebook with the width the page shows it at (each cell scrolled into view)."""
    figures = []
    for index, cell in enumerate(nb.cells):
        pngs = [o["data"]["image/png"] for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        if not pngs:
            continue
        images = show_cell(page, index).locator(".jp-OutputArea img")
        widths = images.evaluate_all("""async (images) => {
            await Promise.all(images.map(image => image.decode().catch(() => null)));
            return images.map(image => [image.getBoundingClientRect().width, image.naturalWidth]);
        }""")
        assert len(widths) == len(pngs), f"cell {index}: {len(pngs)} figures in the model, {len(widths)} on the page"
        for position, (png, (shown, natural)) in enumerate(zip(pngs, widths)):
            width, dpi = png_size_and_dpi(png)
            assert natural == width
            figures.append(Figure(index, position, width, shown, dpi))
    return figures


def run_all_in_browser(browser, lab, path, screenshot):
    """Open `path` (relative to the lab root) in its own workspace, in a 1,280 px window, Run All, save a
    screenshot of the first test cell and one of the figure with the smallest text.

    Returns the notebook as the page holds it after the run (nbformat NotebookNode), the text the page
    shows as the output of the first test cell ("" when there is none), and its figures as shown.
    """
    page = browser.new_page(viewport=WINDOW)
    errors_in_page = []
    page.on("pageerror", lambda exc: errors_in_page.append(str(exc)))
    try:
        open_notebook(page, lab, path)
        run_all(page)
        nb = notebook_model(page)
        index = first_test_cell_index(nb)
        shown = ""
        if index >= 0:
            output = show_cell(page, index).locator(".jp-OutputArea")
            output.wait_for(timeout=10_000)
            shown = output.inner_text()
        page.screenshot(path=screenshot)
        figures = figures_as_shown(page, nb)
        if figures:  # a screenshot of the figure with the smallest text, as the page shows it
            smallest = min(figures, key=lambda figure: figure.text_px)
            image = show_cell(page, smallest.cell).locator(".jp-OutputArea img").nth(smallest.image)
            image.scroll_into_view_if_needed()
            image.screenshot(path=screenshot.with_name(f"{screenshot.stem}_figure_cell{smallest.cell}.png"))
    finally:
        page.close()
    assert not errors_in_page, f"JavaScript errors in JupyterLab while running {path}: {errors_in_page}"
    return nb, shown, figures


@pytest.mark.parametrize("learner, solution", PAIRS, ids=[s.stem for _, s in PAIRS])
def test_course_notebook_runs_in_browser(browser, lab, screenshots, learner, solution):
    root = course_root()
    assert learner.exists(), f"{learner} is missing: regenerate course/ from solutions/ with nbgrader"

    nb, shown, _ = run_all_in_browser(browser, lab, learner.relative_to(root), screenshots / f"{learner.stem}_learner.png")
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

    nb, shown, figures = run_all_in_browser(browser, lab, solution.relative_to(root),
                                            screenshots / f"{solution.stem}_solution.png")
    assert not cell_errors(nb), f"solution {solution.name}: errors {[str(e) for e in cell_errors(nb)]}"
    assert not unexecuted_cells(nb), f"solution {solution.name}: cells {unexecuted_cells(nb)} did not run"
    assert not missing_success_lines(nb), (
        f"solution {solution.name}: test cells without a success line: {missing_success_lines(nb)}")
    if graded:
        assert SUCCESS_LINE.search(shown), f"solution {solution.name}: the first test cell shows {shown[:300]!r}"
    print(f"\nscreenshots of {solution.stem}: {screenshots}")
    for figure in figures:
        print(f"  cell {figure.cell}: {figure.natural_width} px at {figure.dpi:.0f} dpi shown {figure.shown_width:.0f} px "
              f"wide: small text {figure.text_px:.1f} px")
    unreadable = [f"cell {f.cell} ({f.natural_width} px shown at {f.shown_width:.0f} px: small text {f.text_px:.1f} px)"
                  for f in figures if f.text_px < MIN_TEXT_PX]
    assert not unreadable, (f"{solution.name}: figures whose text is under {MIN_TEXT_PX} px in a {WINDOW['width']} px "
                            f"window (draw them narrower, e.g. figsize width <= 10 in): {unreadable}")


# -- what a learner meets around the exercises ------------------------------------------------------------

FIRST = "01_gradient_descent"
WRONG_GRADIENT_DESCENT = '''import numpy as np


def gradient_descent(grad_fn, x0, lr, num_steps, tol=None):
    """A wrong answer: it climbs (x + lr * g) instead of descending."""
    x = np.array(x0, dtype=np.float64)
    trajectory = [x]
    for _ in range(num_steps):
        x = x + lr * grad_fn(x)
        trajectory.append(x)
    return np.array(trajectory)
'''
TRACEBACK_MARKS = ("Traceback", "File ", "_core.py", "Cell In[", "raise CheckFailed", "----> ")


def learner_copy(lab, suffix):
    """A copy of the first learner notebook, next to it, for one test (a path relative to the lab root)."""
    _, _, root = lab
    source = root / "course" / FIRST / f"{FIRST}.ipynb"
    if not source.exists():
        pytest.skip(f"course/{FIRST} does not exist")
    copy = source.with_name(f"{FIRST}_{suffix}.ipynb")
    shutil.copy(source, copy)
    return copy.relative_to(root)


def new_page(browser, width=1400, height=1000):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.gdbp_errors = []
    page.on("pageerror", lambda exc: page.gdbp_errors.append(str(exc)))
    return page


def test_wrong_answer_shows_the_checkers_message_without_traceback(browser, lab, screenshots):
    path = learner_copy(lab, "wrong")
    page = new_page(browser)
    try:
        open_notebook(page, lab, path)
        nb = notebook_model(page)
        (exercise,) = [i for i, cell in enumerate(nb.cells) if cell_kind(cell) == "exercise"]
        # The learner's answer, put into the exercise cell as typing it would (the cell's shared model).
        page.evaluate("""([index, source]) => {
            window.jupyterapp.shell.currentWidget.content.widgets[index].model.sharedModel.setSource(source);
        }""", [exercise, WRONG_GRADIENT_DESCENT])
        run_all(page)
        output = show_cell(page, first_test_cell_index(notebook_model(page))).locator(".jp-OutputArea")
        shown = output.inner_text()
        output.screenshot(path=screenshots / "wrong_answer_test_cell.png")
        news = page.locator("text=Jupyter news").count()
    finally:
        page.close()
    assert "gradient_descent, case" in shown and "received" in shown and "expected" in shown, shown
    assert not [mark for mark in TRACEBACK_MARKS if mark in shown], f"a traceback is shown:\n{shown}"
    assert len(shown.strip().splitlines()) <= 12, f"more than the message is shown:\n{shown}"
    assert news == 0, "JupyterLab asks about Jupyter news: binder/overrides.json was not applied"
    assert not page.gdbp_errors, page.gdbp_errors


def type_at_start(page, cell, text):
    """Click into a cell's editor, go to its first character and type ``text`` and a new line."""
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+Home")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_demo_cell_editable_and_runs_test_cell_locked(browser, lab, screenshots):
    path = learner_copy(lab, "edited")
    marker = "edited by the learner"
    page = new_page(browser)
    try:
        open_notebook(page, lab, path)
        run_all(page)
        nb = notebook_model(page)
        test_index = first_test_cell_index(nb)
        demo_index = next(i for i, cell in enumerate(nb.cells)
                          if i > test_index and cell.cell_type == "code" and cell_kind(cell) == "other")
        demo = show_cell(page, demo_index)
        type_at_start(page, demo, f"print({marker!r})")
        page.keyboard.press("Shift+Enter")  # run the edited cell, as a learner does
        page.wait_for_function("""([index, before]) => {
            const widget = window.jupyterapp.shell.currentWidget;
            return widget.content.widgets[index].model.executionCount !== before
                && widget.sessionContext.session.kernel.status === 'idle';
        }""", arg=[demo_index, nb.cells[demo_index].execution_count], timeout=60_000, polling=200)
        demo = show_cell(page, demo_index)
        demo_output = demo.locator(".jp-OutputArea").inner_text()
        demo.screenshot(path=screenshots / "edited_demo_cell.png")
        test = show_cell(page, test_index)
        type_at_start(page, test, "# changed")
        edited = notebook_model(page)
    finally:
        page.close()
    assert edited.cells[demo_index].source.startswith(f"print({marker!r})\n"), edited.cells[demo_index].source
    assert marker in demo_output, demo_output
    assert edited.cells[demo_index].execution_count is not None
    assert "Error" not in demo_output, demo_output
    assert edited.cells[test_index].source == nb.cells[test_index].source, "the test cell could be edited"
    assert not page.gdbp_errors, page.gdbp_errors

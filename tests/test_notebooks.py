"""The course notebooks: structure, the learner release, and that the learner notebooks run.

The solution notebooks themselves are executed by nbval (`testpaths` includes `solutions/` and `addopts`
has `--nbval-lax`, see pyproject.toml): every solution notebook must run clean, top to bottom.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*/*.ipynb"))
RELEASE = sorted((ROOT / "course").glob("*/*.ipynb"))
OPTIMIZERS = ["sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "adamax", "nadam",
              "amsgrad"]
NAME = re.compile(r"^[0-9]{2}_[a-z0-9_-]+$")


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def nbgrader_cells(doc):
    for cell in doc["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta:
            yield cell, meta


def source(cell):
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


needs_notebooks = pytest.mark.skipif(not SOLUTIONS, reason="no solution notebooks yet")


@needs_notebooks
def test_notebooks_folder_names_are_numbered_and_plain():
    for nb in SOLUTIONS:
        assert NAME.match(nb.parent.name), f"{nb.parent.name}: folder names must be NN_[a-z0-9_-]"
        assert nb.stem == nb.parent.name, f"{nb}: the notebook is named after its folder"


@needs_notebooks
@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_solution_notebook_structure(path):
    doc = load(path)
    outputs = [c for c in doc["cells"] if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not outputs, f"{path.name}: commit notebooks without outputs ({len(outputs)} cells have some)"
    ids = []
    for cell in doc["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader")
        assert meta and meta.get("grade_id"), f"{path.name}: every cell carries nbgrader metadata with a grade_id: {source(cell)[:60]!r}"
        ids.append(meta["grade_id"])
    assert len(ids) == len(set(ids)), f"{path.name}: duplicate grade_ids"
    solutions = [m for _, m in nbgrader_cells(doc) if m.get("solution")]
    tests = [(c, m) for c, m in nbgrader_cells(doc) if m.get("grade")]
    for cell, meta in tests:
        assert meta.get("points", 0) > 0, f"{path.name}:{meta['grade_id']}: test cells carry points"
        assert "raises-exception" in cell["metadata"].get("tags", []), \
            f"{path.name}:{meta['grade_id']}: test cells are tagged raises-exception (Run All goes on)"
        assert "from gdbp.checks import" in source(cell), \
            f"{path.name}:{meta['grade_id']}: a test cell imports its checker fresh from gdbp.checks"
    for cell, meta in nbgrader_cells(doc):
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in source(cell), f"{path.name}:{meta['grade_id']}: no solution markers"
    if "appendix" not in path.stem and "pytorch" not in path.stem:
        assert solutions and tests, f"{path.name}: every main notebook has exercises and test cells"
    text = "\n".join(source(c) for c in doc["cells"] if c["cell_type"] == "markdown").lower()
    assert "learning goals" in text or "you will" in text, f"{path.name}: learning goals at the top"
    assert "recap" in text, f"{path.name}: a recap at the end"


@needs_notebooks
def test_every_optimizer_has_a_graded_exercise():
    graded = set()
    for path in SOLUTIONS:
        for cell, meta in nbgrader_cells(load(path)):
            if meta.get("grade"):
                graded |= set(re.findall(r"check_([a-z0-9_]+)\(", source(cell)))
    missing = [name for name in OPTIMIZERS if name not in graded]
    assert not missing, f"optimizers without a graded exercise: {missing}"


@needs_notebooks
def test_every_checker_call_in_the_course_exists():
    import gdbp.checks

    for path in SOLUTIONS:
        for cell, meta in nbgrader_cells(load(path)):
            if not meta.get("grade"):
                continue
            for name in re.findall(r"(?<![.\w])(check_[a-z0-9_]+)\(", source(cell)):
                assert hasattr(gdbp.checks, name), f"{path.name}:{meta['grade_id']} calls missing {name}"


@needs_notebooks
@pytest.mark.slow
def test_release_is_what_nbgrader_generates(tmp_path):
    """course/ must be exactly what `nbgrader generate_assignment` makes from solutions/."""
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(tmp_path)!r}\n"
        "c.CourseDirectory.source_directory = 'solutions'\n"
        "c.CourseDirectory.release_directory = 'course'\n"
        "c.LockCells.lock_readonly_cells = False\n"  # as nbgrader_config.py: demo cells editable
    )
    env = dict(os.environ, PATH=f"{pathlib.Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", "*", "--no-db", "--force"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    fresh = sorted(p.relative_to(tmp_path / "course") for p in (tmp_path / "course").glob("*/*.ipynb"))
    committed = sorted(p.relative_to(ROOT / "course") for p in RELEASE)
    assert fresh == committed, "course/ and solutions/ hold different notebooks: regenerate the release"
    for rel in fresh:
        new, old = load(tmp_path / "course" / rel), load(ROOT / "course" / rel)
        assert [source(c) for c in new["cells"]] == [source(c) for c in old["cells"]], \
            f"course/{rel} is stale: regenerate it from solutions/ (gdbp-course release)"
        assert [c["metadata"] for c in new["cells"]] == [c["metadata"] for c in old["cells"]], \
            f"course/{rel}: cell metadata differs from a fresh release"


def test_release_hides_solutions_and_hidden_tests():
    for path in RELEASE:
        text = path.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, path


ALLOWED = re.compile(r"NotImplementedError|not written yet")


def allowed_error(output):
    """An error a learner sees before doing the exercises: NotImplementedError, or a checker saying so."""
    return output.get("ename") == "NotImplementedError" or bool(ALLOWED.search(output.get("evalue", "")))


@pytest.mark.slow
@pytest.mark.parametrize("path", RELEASE, ids=lambda p: p.parent.name)
def test_learner_notebook_runs_with_only_not_implemented_errors(path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(str(path), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [(cell.metadata.get("nbgrader", {}).get("grade_id"), o)
              for cell in nb.cells if cell.cell_type == "code"
              for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    bad = [(gid, o["ename"], o["evalue"][:300]) for gid, o in errors if not allowed_error(o)]
    assert not bad, f"{path.name}: errors other than the unwritten exercises: {bad}"
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            stderr = [o for o in cell.get("outputs", []) if o.get("name") == "stderr"]
            assert not stderr, f"{path.name}:{meta['grade_id']}: test cells write nothing to stderr"


SCRIPTS = sorted((ROOT / "tools" / "notebooks").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_solution_notebook_is_what_its_script_builds(script, tmp_path):
    """solutions/NN/NN.ipynb is generated by tools/notebooks/NN.py: edit the script, not the notebook."""
    env = dict(os.environ, GDBP_NOTEBOOK_ROOT=str(tmp_path), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    built = tmp_path / "solutions" / script.stem / f"{script.stem}.ipynb"
    committed = ROOT / "solutions" / script.stem / f"{script.stem}.ipynb"
    assert built.exists(), f"{script.name} did not write {built.relative_to(tmp_path)}"
    assert committed.exists(), f"run {script.relative_to(ROOT)} and commit its notebook"
    assert load(built) == load(committed), \
        f"{committed.relative_to(ROOT)} differs from what {script.relative_to(ROOT)} builds: run the script"


def test_every_solution_notebook_has_a_script():
    scripts = {s.stem for s in SCRIPTS}
    for nb in SOLUTIONS:
        assert nb.stem in scripts, f"{nb.relative_to(ROOT)} has no tools/notebooks/{nb.stem}.py"

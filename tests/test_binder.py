"""binder/ builds the learner's environment, and the whole course runs in it.

mybinder.org builds the image with repo2docker. Because binder/ exists, repo2docker reads only that
folder (the root pyproject.toml is not installed) and runs, from the repository root,
``pip install --no-cache-dir -r binder/requirements.txt`` on top of its base conda environment; the
``.`` line installs gdbp. These tests repeat that here:

- fast, offline: the requirements are pinned and agree with pyproject.toml; runtime.txt is valid;
  binder/overrides.json holds real JupyterLab settings and binder/postBuild installs it where JupyterLab
  reads it (the "Jupyter news" pop-up off);
- ``pip install --dry-run --ignore-installed -r binder/requirements.txt`` resolves (catches a bad pin);
- a fresh virtual environment gets ``pip install -r binder/requirements.txt`` (+ ipykernel, already a
  dependency of JupyterLab), ``pip check`` passes, and every course notebook (the learner release, what
  Binder serves) runs there, failing only in its exercises (NotImplementedError); after postBuild, that
  environment's JupyterLab serves the course's setting defaults;
- ``repo2docker --no-build --debug`` validates the folder (when jupyter-repo2docker pip-installs), and
  the requirements install on top of the Jupyter packages of repo2docker's own base environment
  without a conflict (the base ships an older JupyterLab and Notebook).

All of it runs on a copy of the repository in a temporary folder, since ``pip install .`` writes
``build/`` and ``*.egg-info`` into the source tree. pip's cache is used (it changes nothing about what
gets installed, only how fast).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement

from labserver import get_json, jupyter_server
from nbtools import REPO, notebook_pairs, unexecuted_cells, unexpected_learner_errors

BINDER = REPO / "binder"
PROBE = "import sys, gdbp\nprint('GDBP_PROBE', sys.prefix, gdbp.__file__)"
COPY_IGNORE = shutil.ignore_patterns(".venv", ".git", "*.egg-info", "__pycache__", "build", "dist", "grading",
                                     ".pytest_cache", ".hypothesis", ".ipynb_checkpoints")


def requirement_lines():
    """The non-comment lines of binder/requirements.txt."""
    lines = (line.split("#")[0].strip() for line in (BINDER / "requirements.txt").read_text().splitlines())
    return [line for line in lines if line]


def run(command, cwd, env=None, timeout=900):
    """Run a command; fail the test with the end of its output if it fails."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} exited {done.returncode}:\n{done.stdout[-3000:]}\n"
                    f"{done.stderr[-3000:]}")
    return done


def clean_env(venv=None):
    """The environment for a subprocess: no outer virtualenv or user config leaking in."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PYTHONNOUSERSITE"] = "1"
    if venv is not None:
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    return env


def make_venv(path):
    """A fresh virtual environment (python -m venv), returned as its folder."""
    run([sys.executable, "-m", "venv", str(path)], cwd=path.parent)
    return path


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory):
    """A copy of the repository (sources, binder/, notebooks), as repo2docker would see it."""
    copy = tmp_path_factory.mktemp("binder") / "repo"
    shutil.copytree(REPO, copy, ignore=COPY_IGNORE)
    return copy


# -- fast checks, no network --------------------------------------------------------------------

def test_binder_requirements_pinned_and_install_gdbp():
    lines = requirement_lines()
    assert "." in lines, "binder/requirements.txt must install gdbp itself with a '.' line"
    pinned = [Requirement(line) for line in lines if line != "."]
    assert {r.name for r in pinned} >= {"numpy", "matplotlib", "jupyterlab"}
    for r in pinned:
        assert re.fullmatch(r"==\d+(\.\d+)*", str(r.specifier)), f"{r}: expected an exact pin name==version"


def test_binder_pins_satisfy_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["course"]]
    pins = {Requirement(line).name: Requirement(line) for line in requirement_lines() if line != "."}
    for wanted in declared:
        assert wanted.name in pins, f"{wanted.name} (a dependency in pyproject.toml) is not pinned in binder/"
        (version,) = [s.version for s in pins[wanted.name].specifier]
        assert wanted.specifier.contains(version), f"binder pins {wanted.name}=={version}, pyproject wants {wanted}"


def test_binder_runtime_is_python_311():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime == "python-3.11", f"binder/runtime.txt: expected 'python-3.11', got {runtime!r}"
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert Requirement(f"python{requires}").specifier.contains("3.11")


NOTIFICATION = "@jupyterlab/apputils-extension:notification"


def test_binder_overrides_are_valid_settings_of_jupyterlab():
    """Each setting in binder/overrides.json exists in the installed JupyterLab's schema, with a value it allows."""
    overrides = json.loads((BINDER / "overrides.json").read_text())
    assert overrides[NOTIFICATION]["fetchNews"] == "false", "the 'Jupyter news' pop-up must be off"
    from jupyterlab.commands import get_app_dir

    schemas = Path(get_app_dir()) / "schemas"
    for plugin, settings in overrides.items():
        package, _, name = plugin.rpartition(":")
        schema = json.loads((schemas / package / f"{name}.json").read_text())
        for key, value in settings.items():
            spec = schema["properties"].get(key)
            assert spec is not None, f"{plugin} has no setting {key!r}"
            allowed = [choice["const"] for choice in spec.get("oneOf", [])]
            assert value in allowed if allowed else isinstance(value, {"boolean": bool, "string": str}[spec["type"]])


def test_binder_post_build_installs_the_overrides_where_jupyterlab_reads_them(tmp_path):
    """binder/postBuild copies overrides.json into <application directory>/settings (JUPYTERLAB_DIR here)."""
    script = BINDER / "postBuild"
    assert os.access(script, os.X_OK) and script.read_text().startswith("#!/bin/bash\n")
    env = {**os.environ, "JUPYTERLAB_DIR": str(tmp_path / "app"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    run([str(script)], cwd=tmp_path, env=env)
    installed = tmp_path / "app" / "settings" / "overrides.json"
    assert installed.read_text() == (BINDER / "overrides.json").read_text()


# -- slow checks: pip, a fresh environment, repo2docker -----------------------------------------

@pytest.mark.slow
def test_binder_requirements_resolve_with_pip_dry_run(repo_copy, tmp_path):
    report = tmp_path / "report.json"
    run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
         "--report", str(report), "-r", "binder/requirements.txt"], cwd=repo_copy, env=clean_env())
    resolved = {item["metadata"]["name"].lower(): item["metadata"]["version"]
                for item in json.loads(report.read_text())["install"]}
    for line in requirement_lines():
        if line != ".":
            r = Requirement(line)
            assert resolved.get(r.name.lower()) == next(iter(r.specifier)).version, f"{r} resolved otherwise"
    assert "gdbp" in resolved, "the '.' line did not resolve to gdbp"
    # gdbp.progress() runs notebooks with nbclient and nbformat: JupyterLab must bring them.
    assert {"nbclient", "nbformat", "ipykernel"} <= set(resolved)
    assert "nbgrader" not in resolved, "nbgrader was left out of the learner image on purpose (docs/launch.md)"


@pytest.fixture(scope="module")
def binder_venv(repo_copy):
    """A fresh venv with `pip install -r binder/requirements.txt` run from the repository root."""
    venv = make_venv(repo_copy.parent / "venv")
    python = str(venv / "bin" / "python")
    run([python, "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt"], cwd=repo_copy,
        env=clean_env(venv))
    run([python, "-m", "pip", "install", "--quiet", "ipykernel"], cwd=repo_copy, env=clean_env(venv))
    return venv


@pytest.mark.slow
def test_binder_environment_has_no_broken_requirements(binder_venv, repo_copy):
    done = run([str(binder_venv / "bin" / "python"), "-m", "pip", "check"], cwd=repo_copy, env=clean_env(binder_venv))
    assert "No broken requirements" in done.stdout


@pytest.mark.slow
def test_binder_environment_runs_every_course_notebook(binder_venv, repo_copy, tmp_path):
    """Every course notebook runs in the binder environment: learners' only errors are the exercises'."""
    pairs = notebook_pairs(repo_copy)
    assert pairs, "no course notebooks found"
    env = clean_env(binder_venv)
    env.update(JUPYTER_DATA_DIR=str(tmp_path / "data"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), IPYTHONDIR=str(tmp_path / "ipython"))
    problems = []
    # Learners meet only course/ on Binder; the solutions run in nbval, the browser test and grading.
    for path, _ in pairs:
        if not path.exists():
            problems.append(f"{path.relative_to(repo_copy)} is missing")
            continue
        nb = nbformat.read(path, as_version=4)
        nb.cells.insert(0, nbformat.v4.new_code_cell(PROBE))  # which Python and which gdbp ran
        probed = path.with_name(f"probed_{path.name}")
        nbformat.write(nb, probed)
        out = tmp_path / "learner"
        run([str(binder_venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
             "--allow-errors", "--ExecutePreprocessor.timeout=300", "--output-dir", str(out), str(probed)],
            cwd=path.parent, env=env)
        ran = nbformat.read(out / probed.name, as_version=4)
        probe = "".join(o.get("text", "") for o in ran.cells[0].outputs)
        _, prefix, gdbp_file = probe.split()
        assert Path(prefix).resolve() == binder_venv.resolve(), f"{path.name} ran in {prefix}, not the binder venv"
        assert Path(gdbp_file).resolve().is_relative_to(binder_venv.resolve()), (
            f"gdbp came from {gdbp_file}, not from the binder install")
        problems += [f"{path.stem}: {e}" for e in unexpected_learner_errors(ran)]
        problems += [f"{path.stem}: cell {i} did not run" for i in unexecuted_cells(ran)]
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_binder_jupyterlab_serves_the_course_settings(binder_venv, repo_copy, tmp_path):
    """After postBuild (as repo2docker runs it), the binder environment's JupyterLab has the news pop-up off."""
    env = clean_env(binder_venv)
    run([str(repo_copy / "binder" / "postBuild")], cwd=repo_copy, env=env)
    env.update(JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "ws"))
    command = [str(binder_venv / "bin" / "jupyter"), "lab", "--ServerApp.allow_root=True"]  # CI runs as root
    with jupyter_server(command, cwd=repo_copy, env=env, log=tmp_path / "lab.log") as (base_url, token):
        setting = get_json(f"{base_url}/lab/api/settings/{NOTIFICATION}?token={token}")
    defaults = {name: spec.get("default") for name, spec in setting["schema"]["properties"].items()}
    assert (defaults["fetchNews"], defaults["checkForUpdates"]) == ("false", False)


@pytest.fixture(scope="module")
def repo2docker(tmp_path_factory):
    """The repo2docker executable, pip-installed into its own venv, or a skip with the reason."""
    venv = make_venv(tmp_path_factory.mktemp("repo2docker") / "venv")
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "jupyter-repo2docker"],
                          env=clean_env(venv), capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        pytest.skip(f"jupyter-repo2docker does not pip-install here: {done.stderr.strip()[-300:]}")
    return venv


@pytest.mark.slow
def test_binder_folder_validated_by_repo2docker(repo2docker, repo_copy):
    done = run([str(repo2docker / "bin" / "repo2docker"), "--no-build", "--debug", "."], cwd=repo_copy,
               env=clean_env(repo2docker))
    output = done.stdout + done.stderr
    assert "Building conda environment for python=3.11" in output
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in output
    assert "./binder/postBuild" in output, "repo2docker does not run binder/postBuild"


def base_environment_pins(repo2docker):
    """The Jupyter packages of repo2docker's base environment for Python 3.11, as pip pins."""
    (lock,) = repo2docker.glob("lib/python*/site-packages/repo2docker/buildpacks/conda/environment.py-3.11-linux-64.lock")
    names = ("jupyterlab", "notebook", "jupyter_server", "jupyterlab_server", "ipykernel", "nbclient")
    pins = []
    for name in names:
        match = re.search(rf"/{name}-(\d[^-]*)-[^/]*\.conda", lock.read_text())
        assert match, f"{name} not found in {lock.name}"
        pins.append(f"{name}=={match.group(1)}")
    return pins


@pytest.mark.slow
def test_binder_requirements_fit_repo2docker_base_environment(repo2docker, repo_copy):
    """Installed over the base image's Jupyter packages (what mybinder.org does), nothing conflicts."""
    venv = make_venv(repo_copy.parent / "base_venv")
    python = str(venv / "bin" / "python")
    env = clean_env(venv)
    run([python, "-m", "pip", "install", "--quiet", *base_environment_pins(repo2docker)], cwd=repo_copy, env=env)
    run([python, "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt"], cwd=repo_copy, env=env)
    done = run([python, "-m", "pip", "check"], cwd=repo_copy, env=env)
    assert "No broken requirements" in done.stdout

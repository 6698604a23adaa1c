"""`./dev lab` as a newcomer runs it: it starts JupyterLab on the course (as root too, as in a container or
a CI job), with the course's setting defaults from binder/overrides.json (no "Jupyter news" pop-up).

The test runs the real script with GDBP_VENV pointing at the environment running the tests (so `setup
course` finds it set up, or completes it), serves on a free port with a token of its own, and asks the
server's settings API what the notification plugin's defaults are. Every Jupyter folder but the
application directory is a temporary one, so no setting of this machine's user takes part.
"""
import json
import os
import sys
from pathlib import Path

import pytest

from labserver import get_json, jupyter_server
from nbtools import REPO

pytestmark = pytest.mark.slow
NOTIFICATION = "@jupyterlab/apputils-extension:notification"


def test_dev_lab_starts_jupyterlab_with_the_course_settings(tmp_path):
    if sys.prefix == sys.base_prefix:
        pytest.skip("the tests do not run in a virtual environment for ./dev to use")
    env = {**os.environ, "GDBP_VENV": sys.prefix,
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    log = tmp_path / "lab.log"
    with jupyter_server([str(REPO / "dev"), "lab"], cwd=tmp_path, env=env, log=log) as (base_url, token):
        # It serves the repository, whatever folder ./dev was started from.
        first = get_json(f"{base_url}/api/contents/course/01_gradient_descent?token={token}&content=0")
        assert first["type"] == "directory"
        setting = get_json(f"{base_url}/lab/api/settings/{NOTIFICATION}?token={token}")
    if os.geteuid() == 0:
        assert "Running as root is not recommended" not in log.read_text()
    defaults = {name: spec.get("default") for name, spec in setting["schema"]["properties"].items()}
    for name, value in json.loads((REPO / "binder" / "overrides.json").read_text())[NOTIFICATION].items():
        assert defaults[name] == value, f"{name}: default {defaults[name]!r}, binder/overrides.json says {value!r}"
    assert setting["raw"] in ("", "{}"), "a user setting took part; the test should start from none"
    assert defaults["fetchNews"] == "false"  # "Never": the "Jupyter news" question is not asked
    assert Path(sys.prefix, "share", "jupyter", "lab", "settings", "overrides.json").read_text() == (
        (REPO / "binder" / "overrides.json").read_text())

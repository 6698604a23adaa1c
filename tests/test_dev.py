"""`./dev lab` as a newcomer runs it: it starts JupyterLab on the course (as root too, as in a container or
a CI job), with the course's setting defaults from binder/overrides.json (no "Jupyter news" pop-up).

The test runs the real script with GDBP_VENV pointing at the environment running the tests (so `setup
course` finds it set up, or completes it), serves on a free port with a token of its own, and asks the
server's settings API what the notification plugin's defaults are. Every Jupyter folder but the
application directory is a temporary one, so no setting of this machine's user takes part.
"""
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from nbtools import REPO

pytestmark = pytest.mark.slow
NOTIFICATION = "@jupyterlab/apputils-extension:notification"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url, timeout=2):
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        return json.load(reply)


def shipped_overrides():
    return json.loads((REPO / "binder" / "overrides.json").read_text())


def wait_for_server(base_url, token, server, log, seconds=120):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return get_json(f"{base_url}/api/status?token={token}")
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start (exit code {server.poll()}); the end of its log:\n"
                            + "\n".join(log.read_text().splitlines()[-30:]))
            time.sleep(0.5)


def test_dev_lab_starts_jupyterlab_with_the_course_settings(tmp_path):
    if sys.prefix == sys.base_prefix:
        pytest.skip("the tests do not run in a virtual environment for ./dev to use")
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "GDBP_VENV": sys.prefix,
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [str(REPO / "dev"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(base_url, token, server, log)
        # It serves the repository, whatever folder ./dev was started from.
        first = get_json(f"{base_url}/api/contents/course/01_gradient_descent?token={token}&content=0")
        assert first["type"] == "directory"
        setting = get_json(f"{base_url}/lab/api/settings/{NOTIFICATION}?token={token}", timeout=10)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    if os.geteuid() == 0:
        assert "Running as root is not recommended" not in log.read_text()
    defaults = {name: spec.get("default") for name, spec in setting["schema"]["properties"].items()}
    for name, value in shipped_overrides()[NOTIFICATION].items():
        assert defaults[name] == value, f"{name}: default {defaults[name]!r}, binder/overrides.json says {value!r}"
    assert setting["raw"] in ("", "{}"), "a user setting took part; the test should start from none"
    assert defaults["fetchNews"] == "false"  # "Never": the "Jupyter news" question is not asked
    assert Path(sys.prefix, "share", "jupyter", "lab", "settings", "overrides.json").read_text() == (
        (REPO / "binder" / "overrides.json").read_text())

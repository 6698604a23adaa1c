"""A Jupyter server for one test: started on a free port of 127.0.0.1 with a token, stopped afterwards.

Shared by tests/test_browser.py (JupyterLab for Chromium), tests/test_dev.py (`./dev lab`) and
tests/test_binder.py (the Binder environment's JupyterLab).
"""
import contextlib
import json
import secrets
import socket
import subprocess
import time
import urllib.request

import pytest


def free_port():
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        return json.load(reply)


def server_options(port, token):
    """The options that make a Jupyter server listen where ``jupyter_server`` waits for it."""
    return ["--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}"]


@contextlib.contextmanager
def jupyter_server(command, *, cwd, env, log, seconds=120):
    """Run ``command`` (a Jupyter server command line, to which the listening options are added) until the
    ``with`` block ends. Yields ``(base_url, token)`` once ``/api/status`` answers; fails the test with the
    end of the server's log (written to ``log``) if it exits or does not answer within ``seconds``."""
    port, token = free_port(), secrets.token_hex(16)
    base_url = f"http://127.0.0.1:{port}"
    with open(log, "w") as out:
        server = subprocess.Popen([*command, *server_options(port, token)], cwd=cwd, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + seconds
            while True:
                try:
                    get_json(f"{base_url}/api/status?token={token}", timeout=2)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        tail = "\n".join(log.read_text().splitlines()[-30:])
                        pytest.fail(f"the Jupyter server did not start (exit code {server.poll()}); the end of "
                                    f"its log:\n{tail}")
                    time.sleep(0.3)
            yield base_url, token
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

"""Shared fixtures. Optional oracles (PyTorch, Chromium, bubblewrap) skip cleanly when absent,
unless GDBP_REQUIRE_ORACLES=1 (set by .ci/run), where their absence is a failure."""
import os
import shutil

import pytest

# Fixture notebooks are data for tests, not notebooks for nbval to run.
collect_ignore_glob = ["fixtures/*"]

REQUIRE_ORACLES = os.environ.get("GDBP_REQUIRE_ORACLES") == "1"


def require_torch():
    """Import and return torch with float64 as default, or skip (fail under CI)."""
    if REQUIRE_ORACLES:
        import torch  # noqa: PLC0415  - a missing torch must fail loudly in CI
    else:
        torch = pytest.importorskip("torch", reason="PyTorch oracle not installed (pip install torch)")
    torch.set_default_dtype(torch.float64)
    return torch


def require_chromium():
    """Return the path of Debian's chromium, or skip (fail under CI)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if REQUIRE_ORACLES:
            pytest.fail("chromium is not installed: apt-get install -y chromium")
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    return path


@pytest.fixture
def torch():
    return require_torch()


def require_sandbox():
    """Skip unless bubblewrap can build the grader's sandbox here (fail under CI, where it must)."""
    from gdbp.instructor.sandbox import sandbox_status  # noqa: PLC0415
    ok, why = sandbox_status()
    if not ok:
        if REQUIRE_ORACLES:
            pytest.fail(f"the grading sandbox is not available: {why}")
        pytest.skip(f"the grading sandbox is not available: {why}")


def started_sandbox():
    """A generator for fixtures: a started ``Sandbox`` with the default policy (skipped without
    bubblewrap), killed afterwards. ``yield from started_sandbox()``."""
    from gdbp.instructor.policy import GraderPolicy  # noqa: PLC0415
    from gdbp.instructor.sandbox import Sandbox  # noqa: PLC0415
    require_sandbox()
    sandbox = Sandbox(GraderPolicy())
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.kill()


@pytest.fixture(autouse=True)
def _reference_runs_freely_in_checker_tests(request):
    """The checkers refuse a learner's function that runs the course's reference code
    (gdbp.checks._watch). The tests of each checker's numbers pass it the reference itself and
    catalogue mutants built on gdbp's helpers (``ema``, ``bias_correction``), so in
    tests/test_checks_<topic>.py the watch is off; it is tested in tests/test_checks_watch.py (every
    disguise, through the visible checkers) and in the grading tests (through the grader)."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    keep_watch = os.environ.get("GDBP_WATCH_IN_CHECKER_TESTS") == "1"  # to see which tests it would change
    if name.startswith("test_checks_") and name != "test_checks_watch" and not keep_watch:
        from gdbp.checks._watch import reference_allowed  # noqa: PLC0415
        with reference_allowed():
            yield
    else:
        yield

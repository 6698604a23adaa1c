"""Each course notebook fits in a mybinder.org session: kernel peak memory under 1 GB, a run under a minute.

mybinder.org gives a session 1 CPU and 1-2 GB of memory, shared by the Jupyter server (about 100 MB)
and the kernel; a kernel over that is killed and the learner sees "kernel restarting". We run each
*solution* notebook (every exercise solved, so every cell does its full work: the upper bound of what a
learner's kernel does) with nbclient and read the kernel's peak resident memory from a cell appended at
the end: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (KiB on Linux), the kernel process's own high-water
mark, without psutil.

Time: the course promises each notebook runs in under 60 s on Binder's one CPU. Wall time depends on
the machine and its load, so a 60 s assertion would be a flaky test; we assert 120 s (twice the budget:
a notebook that slow is a real problem on any machine) and print the measured time of each notebook
(`pytest -s` or the report of a failure shows it) so the budget is watched without failing on noise.
"""
import re
import sys

import pytest

from nbtools import cell_errors, cell_text, execute, notebook_pairs

pytestmark = pytest.mark.slow

MEMORY_LIMIT_KIB = 1024 * 1024  # 1 GiB: mybinder.org's smallest memory limit
TIME_BUDGET_S = 60  # what the course promises a learner
TIME_LIMIT_S = 2 * TIME_BUDGET_S  # what fails the test (margin for slow, loaded machines)
PROBE = ("import resource\n"
         "print('GDBP_PEAK_RSS_KIB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
SOLUTIONS = [solution for _, solution in notebook_pairs()]


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux only")
@pytest.mark.parametrize("solution", SOLUTIONS, ids=[s.stem for s in SOLUTIONS])
def test_notebook_kernel_peak_memory_under_1gb_and_time_under_budget(solution):
    nb, seconds = execute(solution, timeout=TIME_LIMIT_S, append=PROBE)
    assert not cell_errors(nb), f"{solution.name} failed, so its memory means nothing: {cell_errors(nb)[0]}"
    match = re.search(r"GDBP_PEAK_RSS_KIB (\d+)", cell_text(nb.cells[-1]))
    assert match, f"the memory probe printed nothing: {nb.cells[-1].outputs}"
    peak_kib = int(match.group(1))
    print(f"\n{solution.stem}: kernel peak {peak_kib / 1024:.0f} MiB, ran in {seconds:.1f} s "
          f"(budget {TIME_BUDGET_S} s)")
    assert peak_kib < MEMORY_LIMIT_KIB, f"{solution.stem}: kernel peak {peak_kib / 1024:.0f} MiB >= 1 GiB"
    assert seconds < TIME_LIMIT_S, f"{solution.stem}: ran in {seconds:.0f} s, budget {TIME_BUDGET_S} s"

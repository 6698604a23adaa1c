"""Benchmark: autograding a simulated class with gdbp-course, against the nbclient floor.

    .venv/bin/python bench/bench_grading.py [--students 30] [--jobs 1 2] [--course mini|real]
                                            [--notebooks 04_linear_regression ...]

For each notebook, the floor is the time to execute the full-solution notebook once with nbclient
(kernel start included), which is what grading costs without any isolation and without any grading.
Then the class (every student hands in the full solutions) is autograded through ``Course.grade``, each
notebook in its own sandbox with its tests in the grader, with 1..N parallel jobs; we print seconds per
submitted notebook, the ratio to the floor (target: isolation costs at most 1.5x the floor), the
speed-up over one job (target: at least 1.8x with 2 jobs on 2 cores), and check that the gradebook is
intact: one submission per student and assignment, every notebook at full marks.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbclient

from gdbp.instructor import simulate as sim
from gdbp.instructor.course import Course

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "fixtures" / "mini_course"


def floor_seconds(root, assignment, repeats=3):
    """Median seconds to execute the full-solution notebook once with nbclient (fresh kernel each time)."""
    release, solution = sim.read_pair(root, assignment)
    nb = sim.solved(release, solution)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        nbclient.NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(root)}},
                              extra_arguments=["--IPKernelApp.log_level=ERROR"]).execute()  # no TCP warning
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def check_gradebook(course, students, assignments):
    """Raise AssertionError unless every (student, notebook) is graded at full marks."""
    rows = course.scores()
    assert len(rows) == len(students) * sum(len(course.notebooks(a)) for a in assignments), len(rows)
    bad = [r for r in rows if r["status"] != "graded" or r["score"] != r["max_score"]]
    assert not bad, f"gradebook not intact: {bad[:3]}"
    with course.gradebook() as gb:
        submissions = sum(len(a.submissions) for a in gb.assignments)
    assert submissions == len(students) * len(assignments), submissions


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, os.cpu_count() or 1])
    parser.add_argument("--course", choices=["mini", "real"], default="mini")
    parser.add_argument("--notebooks", nargs="*", help="only these assignments (default: all)")
    args = parser.parse_args(argv)
    source = MINI if args.course == "mini" else REPO
    if args.course == "mini":  # kernels must import the mini course's checkers
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(MINI), os.environ.get("PYTHONPATH")]))
        sys.path.insert(0, str(MINI))  # the grader's workers start from this process's sys.path
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "course"
        shutil.copytree(source / "solutions", root / "solutions")
        config = (REPO / "nbgrader_config.py").read_text()
        if args.course == "mini":
            config += '\nc.GdbpGrading.course_packages = ["gdbp", "minicourse"]\n'
        (root / "nbgrader_config.py").write_text(config)
        for folder in (root / "solutions").iterdir():
            if args.notebooks and folder.name not in args.notebooks:
                shutil.rmtree(folder)
        course = Course(root, say=lambda line: None)
        if course.release():
            sys.exit("release failed")
        assignments = course.assignments()
        if not assignments:
            sys.exit(f"no notebooks in {source / 'solutions'}")
        students = [f"s{i:03d}" for i in range(args.students)]
        for assignment in assignments:
            release, solution = sim.read_pair(root, assignment)
            full = sim.solved(release, solution)
            for student in students:
                sim.write(root, student, assignment, assignment, full)
        floors = {a: floor_seconds(root, a) for a in assignments}
        floor = statistics.mean(floors.values())
        n = len(students) * len(assignments)
        print(f"{args.course} course: {len(assignments)} notebooks x {len(students)} students = {n} submissions,"
              f" {os.cpu_count()} cores")
        for a, s in floors.items():
            print(f"  floor (nbclient, one execution) {a}: {s:.2f} s")
        # The grader starts its worker server once per `gdbp-course grade` (imports gdbp, the checkers):
        # time it apart, then time the class.
        start = time.perf_counter()
        course.grade(student=students[0], jobs=1)
        print(f"  start of the grader + the first student's {len(assignments)} submissions (not counted below):"
              f" {time.perf_counter() - start:.1f} s")
        first_wall = None
        for jobs in args.jobs:
            start = time.perf_counter()
            results = course.grade(jobs=jobs)
            wall = time.perf_counter() - start
            assert all(r.success for r in results), [r for r in results if not r.success][:3]
            check_gradebook(course, students, assignments)
            first_wall = first_wall or wall
            busy = statistics.mean(r.seconds for r in results)
            print(f"  jobs={jobs}: {wall:.1f} s wall = {wall / n:.2f} s per submission"
                  f" ({wall / n / floor:.2f}x the floor); inside a worker {busy:.2f} s per submission"
                  f" ({busy / floor:.2f}x); speed-up over jobs={args.jobs[0]}: {first_wall / wall:.2f}x;"
                  " gradebook intact")


if __name__ == "__main__":
    main()

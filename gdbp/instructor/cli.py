"""``gdbp-course``: release, collect, grade, give feedback and export grades from the command line.

    gdbp-course release [ASSIGNMENT]          solutions/ -> course/ (learner release) + gradebook
    gdbp-course collect SOURCE                downloads folder or LMS zip -> grading/submitted/
    gdbp-course grade [--student S] [--jobs N]  autograde, each notebook in a sandbox -> grading/autograded/
    gdbp-course feedback [--student S]        grading/feedback/<student>/<assignment>/*.html
    gdbp-course export [--to grades.csv]      one CSV row per student and notebook (exit 1 on problems)

Every command takes ``--course-root`` (default: the current directory when it holds
``nbgrader_config.py``, else this repository). See ``gdbp.instructor.course`` and docs/instructors.md.
Exit status: 0 when every step succeeded, 1 when some submission or row needs a look, 2 on a usage error
or when grading cannot run (no sandbox).
"""
import argparse
import sys

from gdbp.instructor.course import Course, SandboxUnavailable


def build_parser():
    """The argparse parser of ``gdbp-course``."""
    parser = argparse.ArgumentParser(prog="gdbp-course", description=__doc__.split("\n\n")[0])
    parser.add_argument("--course-root", help="folder holding nbgrader_config.py (default: see above)")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="generate the learner release in course/ from solutions/")
    release.add_argument("assignment", nargs="?", help="one assignment, e.g. 03_sgd (default: all)")

    collect = commands.add_parser("collect", help="place downloaded submissions into grading/submitted/")
    collect.add_argument("source", help="a folder of downloaded notebooks or an LMS .zip")

    grade = commands.add_parser("grade", help="autograde submissions with nbgrader")
    grade.add_argument("--student", help="grade only this student")
    grade.add_argument("--assignment", help="grade only this assignment")
    grade.add_argument("--jobs", type=int, default=1, help="parallel grading processes (default: 1)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="grade without bubblewrap: submissions can then read this course's files (unsafe)")

    feedback = commands.add_parser("feedback", help="write feedback HTML for autograded submissions")
    feedback.add_argument("--student", help="only this student")
    feedback.add_argument("--assignment", help="only this assignment")

    export = commands.add_parser("export", help="write grades as CSV")
    export.add_argument("--to", help="CSV path (default: grading/grades.csv)")
    export.add_argument("--assignment", help="only this assignment")
    return parser


def main(argv=None):
    """Run ``gdbp-course``; return the exit status (0 when every step succeeded, 1 otherwise)."""
    args = build_parser().parse_args(argv)
    try:
        course = Course(args.course_root, say=lambda line: print(line, flush=True))
        if args.command == "release":
            return 1 if course.release(args.assignment) else 0
        if args.command == "collect":
            report = course.collect(args.source)
            return 1 if report.skipped or report.unreadable else 0
        if args.command == "grade":
            results = course.grade(args.student, args.assignment, args.jobs, isolated=not args.no_sandbox)
            return 0 if all(r.success for r in results) else 1
        if args.command == "feedback":
            return 1 if course.feedback(args.student, args.assignment) else 0
        _, problems = course.export(args.to, args.assignment)
        return 1 if problems else 0
    except (FileNotFoundError, ValueError, SandboxUnavailable) as error:
        print(f"gdbp-course {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

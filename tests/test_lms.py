"""Unit tests of gdbp.instructor.lms: student ids, notebook names and attempt order from download names."""
from datetime import datetime

import pytest

from gdbp.instructor import lms

KNOWN = ["01_basics", "02_relu", "10_adam_family"]


@pytest.mark.parametrize(("path", "student", "name", "kind"), [
    # Canvas: <lastfirst>_<user id>_<submission id>_<file>, LATE, resubmission -N
    ("smithjohn_12345_678901_10_adam_family.ipynb", "12345", "10_adam_family.ipynb", "canvas"),
    ("smithjohn_LATE_12345_678901_10_adam_family.ipynb", "12345", "10_adam_family.ipynb", "canvas"),
    ("smithjohn_12345_678902_10_adam_family-2.ipynb", "12345", "10_adam_family-2.ipynb", "canvas"),
    # Moodle: flat with spaces, and the folder variant
    ("Jane van Doe_4242_assignsubmission_file_10_adam_family.ipynb", "4242", "10_adam_family.ipynb", "moodle"),
    ("José García_77_assignsubmission_file_/10 adam family.ipynb", "77", "10 adam family.ipynb", "moodle"),
    # Blackboard: <assignment>_<username>_attempt_<timestamp>_<file>
    ("Homework 3_jdoe_attempt_2026-10-01-13-45-10_10_adam_family.ipynb", "jdoe", "10_adam_family.ipynb",
     "blackboard"),
    # Brightspace: flat and folder
    ("84417-163706 - Doe, Jane - Oct 1, 2026 145 PM - 10_adam_family.ipynb", "163706", "10_adam_family.ipynb",
     "brightspace"),
    ("84418-163707 - Li Lei - Sep 12, 2026 1111 AM/10_adam_family.ipynb", "163707", "10_adam_family.ipynb",
     "brightspace"),
    # plain folders: ids with underscores, spaces, non-ASCII
    ("jane_doe/10_adam_family.ipynb", "jane_doe", "10_adam_family.ipynb", "folder"),
    ("Zoë Lee/10_adam_family/10_adam_family.ipynb", "Zoë Lee", "10_adam_family.ipynb", "folder"),
    ("export/李雷/02_relu.ipynb", "李雷", "02_relu.ipynb", "folder"),
    # flat <student>_<notebook>: the student id may contain underscores
    ("jane_doe_02_relu.ipynb", "jane_doe", "02_relu.ipynb", "flat"),
])
def test_parse_understands_lms_names(path, student, name, kind):
    download = lms.parse(path, known=KNOWN)
    assert (download.student, download.name, download.lms) == (student, name, kind)


def test_parse_canvas_late_flag_and_attempt():
    late = lms.parse("smithjohn_LATE_12345_678901_10_adam_family-3.ipynb", known=KNOWN)
    assert late.late and late.attempt == 3 and late.display_name == "smithjohn"


def test_parse_timestamps_of_blackboard_and_brightspace():
    bb = lms.parse("HW_jdoe_attempt_2026-10-01-13-45-10_10_adam_family.ipynb", known=KNOWN)
    assert bb.timestamp == datetime(2026, 10, 1, 13, 45, 10)
    d2l = lms.parse("1-2 - Doe, Jane - Oct 1, 2026 145 PM - 02_relu.ipynb", known=KNOWN)
    assert d2l.timestamp == datetime(2026, 10, 1, 13, 45) and d2l.display_name == "Doe, Jane"


def test_parse_blackboard_username_from_receipt():
    """A username with an underscore cannot be split off the file name; the receipt says it."""
    receipt = lms.blackboard_receipt("Homework 3_jane_doe_attempt_2026-10-01-13-45-10.txt",
                                     "Name: Jane Doe (jane_doe)\nAssignment: Homework 3\n")
    assert receipt == ("Homework 3_jane_doe_attempt_2026-10-01-13-45-10", "jane_doe")
    download = lms.parse("Homework 3_jane_doe_attempt_2026-10-01-13-45-10_02_relu.ipynb", known=KNOWN,
                         receipts=dict([receipt]))
    assert download.student == "jane_doe"
    assert lms.blackboard_receipt("notes.txt", "Name: x (y)") is None


def test_parse_without_a_student():
    assert lms.parse("02_relu.ipynb", known=KNOWN).student is None


@pytest.mark.parametrize(("file", "notebook", "copy"), [
    ("10_adam_family.ipynb", "10_adam_family", 0),
    ("10_adam_family (1).ipynb", "10_adam_family", 1),
    ("10_adam_family(2).ipynb", "10_adam_family", 2),
    ("10_adam_family-Copy1.ipynb", "10_adam_family", 1),
    ("10_adam_family - Copy.ipynb", "10_adam_family", 1),
    ("10_adam_family - Copy (3).ipynb", "10_adam_family", 3),
    ("10_adam_family copy 2.ipynb", "10_adam_family", 2),
    ("10_adam_family-4.ipynb", "10_adam_family", 4),
    ("10 Adam Family.ipynb", "10_adam_family", 0),
    ("10-adam-family.IPYNB", "10_adam_family", 0),
    ("homework.ipynb", None, 0),
])
def test_match_notebook_ignores_case_spaces_and_copy_marks(file, notebook, copy):
    assert lms.match_notebook(file, KNOWN) == (notebook, copy)


@pytest.mark.parametrize(("raw", "clean"), [
    ("jane_doe", "jane_doe"), ("  Zoë Lee ", "Zoë Lee"), ("Zoe\u0308", "Zoë"), ("a.b@uni.edu", "a.b@uni.edu"),
    ("../etc", None), ("a/b", None), (".hidden", None), ("..", None), ("", None), ("x\x00y", None), (None, None),
])
def test_clean_id_keeps_real_ids_and_refuses_paths(raw, clean):
    assert lms.clean_id(raw) == clean

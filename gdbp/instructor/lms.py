"""Who handed in which notebook: student ids and notebook names read from downloaded file names.

:func:`parse` reads one downloaded file's path (relative to the download folder or zip) and returns a
:class:`Download`: the student id (and display name), the notebook the file is meant to be, and an
ordering key, so that of several files for the same student and notebook the newest is graded.

Understood layouts (see docs/instructors.md, "Collecting submissions"):

======================  ===================================================================================
Canvas                  ``<lastfirst>_<user id>_<submission id>_<file>`` and ``<lastfirst>_LATE_<user id>_...``;
                        a resubmission's file gets ``-1``, ``-2``, ... before ``.ipynb`` (later = higher)
Moodle                  ``<Full Name>_<participant id>_assignsubmission_file_<file>``, or a folder of that
                        name (``..._assignsubmission_file/``) holding ``<file>``
Blackboard              ``<Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>``; the username is
                        taken from the attempt's ``.txt`` receipt (``Name: Jane Doe (jane_doe)``) when present
Brightspace (D2L)       ``<submission id>-<user id> - <Name> - <Mon D, YYYY HMM AM> - <file>``, or a folder of
                        that name holding ``<file>``
folders                 ``<student>/<file>`` or ``<student>/<assignment>/<file>``
flat                    ``<student>_<notebook>.ipynb``
======================  ===================================================================================

Ids keep what students and LMSs use: underscores, spaces, dots, ``@``, non-ASCII letters (normalised to
Unicode NFC). Only what cannot be a folder name is refused (``/``, ``\\``, control characters, ``.`` or
``..``). The notebook is found by its file name after the LMS's parts, ignoring case, spaces versus
underscores, and the marks of copies (``(1)``, ``-1``, ``-Copy1``, `` copy``, `` - Copy``); when the
name says nothing, ``collect`` recognises the notebook by the grade ids inside it.

Newest first: the LMS's own timestamp (Blackboard, Brightspace) or attempt number (Canvas ``-N``, copy
numbers), never the file's modification time, which unzipping does not keep; the time recorded inside
the zip is used only when nothing else tells.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

_CANVAS = re.compile(r"^(?P<name>[^_/]+?)(?P<late>_LATE)?_(?P<uid>\d+)_(?P<sid>\d+)_(?P<file>.+)$")
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<pid>\d+)_assignsubmission_(?:file|onlinetext)_?(?P<file>.*)$")
_BLACKBOARD = re.compile(r"^(?P<prefix>.+)_attempt_(?P<ts>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?:_(?P<file>.+))?$")
_BRIGHTSPACE = re.compile(r"^(?P<sub>\d+)-(?P<uid>\d+) - (?P<name>.+?) ?- (?P<date>[A-Z][a-z]{2} \d{1,2}, \d{4} "
                          r"\d{3,4} [AP]M)(?: - (?P<file>.+))?$")
_COPY_MARKS = [re.compile(p, re.IGNORECASE) for p in (
    r"\s*\((?P<n>\d+)\)$",            # browser downloads: name (1)
    r"-copy(?P<n>\d+)$",              # JupyterLab's Duplicate: name-Copy1
    r"\s+-\s+copy(?:\s*\((?P<n>\d+)\))?$",  # Windows: name - Copy, name - Copy (2)
    r"[\s_]copy(?:\s*(?P<n>\d+))?$",  # macOS: name copy, name copy 2
    r"-(?P<n>\d+)$",                  # Canvas resubmissions and LMS duplicates: name-1
)]
_BAD_ID = re.compile(r"[/\\\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Download:
    """What a downloaded file's path says. ``student`` is None when the path names no student."""

    path: str
    student: str | None
    name: str            # the file name without the LMS's parts (``10_adam_family (1).ipynb``)
    lms: str             # canvas, moodle, blackboard, brightspace, folder, flat
    display_name: str = ""
    timestamp: datetime | None = None
    attempt: int = 0     # Canvas -N, copy numbers: higher is later
    late: bool = False


def clean_id(raw) -> str | None:
    """A student id as a folder name: NFC, surrounding spaces removed; None if it cannot be one."""
    if not isinstance(raw, str):
        return None
    value = unicodedata.normalize("NFC", raw).strip()
    if not value or value in (".", "..") or _BAD_ID.search(value) or value.startswith(".") or len(value) > 200:
        return None
    return value


def normalise(stem: str) -> str:
    """A notebook name for comparison: NFC, lower case, runs of spaces, dashes and dots as one ``_``."""
    value = unicodedata.normalize("NFC", stem).strip().lower()
    return re.sub(r"[\s\-.]+", "_", value)


def strip_copy_marks(stem: str) -> tuple[str, int]:
    """``stem`` without the marks of copies, and the highest copy number found (0 if none)."""
    number, changed = 0, True
    while changed:
        changed = False
        for mark in _COPY_MARKS:
            match = mark.search(stem)
            if match and match.start() > 0:
                number = max(number, int(match.group("n") or 1))
                stem, changed = stem[:match.start()], True
                break
    return stem, number


def match_notebook(file_name: str, known) -> tuple[str | None, int]:
    """The known notebook a file name stands for, and its copy number: ``("10_adam_family", 1)`` for
    ``10_adam_family (1).ipynb``; ``(None, 0)`` if no known name fits."""
    stem = file_name[:-6] if file_name.lower().endswith(".ipynb") else file_name
    by_norm = {normalise(k): k for k in known}
    if normalise(stem) in by_norm:
        return by_norm[normalise(stem)], 0
    stripped, number = strip_copy_marks(stem)
    if normalise(stripped) in by_norm:
        return by_norm[normalise(stripped)], number
    return None, 0


def _brightspace_time(text: str):
    date, clock, half = text.rsplit(" ", 2)
    hour, minute = clock[:-2], clock[-2:]
    return datetime.strptime(f"{date} {hour}:{minute} {half}", "%b %d, %Y %I:%M %p")


def parse(path, known=(), receipts=None) -> Download:
    """Read one downloaded file's relative ``path`` (see the module docstring).

    ``known``: the notebook names of the course (to tell ``<student>_<notebook>.ipynb`` from other flat
    names). ``receipts``: ``{attempt prefix: username}`` read from Blackboard's ``.txt`` receipts.
    """
    path = PurePosixPath(str(path).replace("\\", "/"))
    file = path.name
    parents = [p for p in path.parts[:-1]]
    match = _CANVAS.match(file)
    if match:
        name = match.group("file")
        stem, attempt = strip_copy_marks(name[:-6] if name.lower().endswith(".ipynb") else name)
        return Download(str(path), clean_id(match.group("uid")), name, "canvas", match.group("name"),
                        attempt=attempt, late=bool(match.group("late")))
    match = _MOODLE.match(file)
    if match and match.group("file"):
        return Download(str(path), clean_id(match.group("pid")), match.group("file"), "moodle", match.group("name"))
    for parent in reversed(parents):
        folder = _MOODLE.match(parent)
        if folder and not folder.group("file"):
            return Download(str(path), clean_id(folder.group("pid")), file, "moodle", folder.group("name"))
    match = _BLACKBOARD.match(file)
    if match and match.group("file"):
        prefix = match.group("prefix")
        user = (receipts or {}).get(f"{prefix}_attempt_{match.group('ts')}") or prefix.rsplit("_", 1)[-1]
        stamp = datetime.strptime(match.group("ts"), "%Y-%m-%d-%H-%M-%S")
        return Download(str(path), clean_id(user), match.group("file"), "blackboard", user, timestamp=stamp)
    for candidate, name in [(file, None)] + [(p, file) for p in reversed(parents)]:
        match = _BRIGHTSPACE.match(candidate)
        if match and (name or match.group("file")):
            return Download(str(path), clean_id(match.group("uid")), name or match.group("file"), "brightspace",
                            match.group("name").strip(), timestamp=_brightspace_time(match.group("date")))
    if parents:
        # <student>/<file> or <student>/<assignment>/<file>: the student is the folder above the
        # assignment's, when the folder right above the file is named like an assignment
        student = parents[-1]
        if len(parents) >= 2 and (parents[-1] in known or any(parents[-1] == k.split("/")[0] for k in known)):
            student = parents[-2]
        return Download(str(path), clean_id(student), file, "folder", student)
    stem = file[:-6] if file.lower().endswith(".ipynb") else file
    for notebook in sorted(known, key=len, reverse=True):
        index = normalise(stem).rfind("_" + normalise(notebook))
        if index > 0:
            student = stem[:index]
            return Download(str(path), clean_id(student), stem[index + 1:] + ".ipynb", "flat", student)
    return Download(str(path), None, file, "flat")


BLACKBOARD_RECEIPT = re.compile(r"^Name:\s*(?P<name>.*?)\s*\((?P<user>[^()]+)\)\s*$", re.MULTILINE)


def blackboard_receipt(file_name: str, text: str):
    """``(attempt prefix, username)`` from a Blackboard receipt ``<...>_attempt_<ts>.txt``, or None."""
    stem = file_name[:-4] if file_name.endswith(".txt") else None
    if stem is None or not re.search(r"_attempt_\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}$", stem):
        return None
    match = BLACKBOARD_RECEIPT.search(text)
    return (stem, match.group("user").strip()) if match else None

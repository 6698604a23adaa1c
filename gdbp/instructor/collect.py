"""Place a class's downloaded notebooks into ``grading/submitted/<student>/<assignment>/<notebook>.ipynb``.

The rules for names are in ``lms.py``; this module walks a folder or a zip, applies them, keeps the
newest file of each student and notebook, and writes the chosen files unchanged. A file that is not a
readable notebook is kept as ``<notebook>.ipynb.unreadable`` (graded as missing, 0 points, and reported).
A notebook whose name says nothing (``homework.ipynb``) is recognised by the grade ids inside it.

Zip archives are read member by member (nothing is extracted to disk); a member whose path would leave
the archive's folder (``../x``, ``/etc/x``) makes the whole archive refused, and members larger than
``MAX_MEMBER_BYTES`` are skipped.
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from . import lms
from .assemble import Unreadable, grade_id, read_notebook

UNREADABLE_SUFFIX = ".unreadable"
MAX_MEMBER_BYTES = 64 << 20
_SKIP_DIRS = {"__MACOSX", ".ipynb_checkpoints"}


@dataclass
class CollectReport:
    """What ``collect`` did: ``placed`` (source, destination) pairs, files it did not place (``skipped``:
    (source, reason)), and destinations it placed but that cannot be graded (``unreadable``)."""
    placed: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    unreadable: list = field(default_factory=list)


@dataclass
class _Entry:
    path: PurePosixPath      # relative to the download folder or zip
    mtime: float
    read: object             # () -> bytes


def _entries(source: Path):
    """The files of a download folder or zip, as :class:`_Entry` (hidden files and Mac resource forks left out)."""
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise ValueError(f"source: expected a folder or a .zip file, got {source}")
        archive = zipfile.ZipFile(source)
        members = []
        for info in archive.infolist():
            name = info.filename.replace("\\", "/")
            path = PurePosixPath(name)
            if name.startswith("/") or ".." in path.parts or (len(name) > 1 and name[1] == ":"):
                raise ValueError(f"source: zip member {info.filename!r} would be written outside the folder")
            if info.is_dir():
                continue
            stamp = datetime(*info.date_time).timestamp()
            if info.file_size > MAX_MEMBER_BYTES:
                members.append(_Entry(path, stamp, None))
                continue
            members.append(_Entry(path, stamp, lambda info=info: archive.read(info)))
        return members
    entries = []
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = PurePosixPath(path.relative_to(source).as_posix())
        entries.append(_Entry(relative, path.stat().st_mtime, lambda path=path: path.read_bytes()))
    return entries


def _identify(data: bytes, releases: dict):
    """The (assignment, notebook) whose release shares most grade ids with this notebook, or None."""
    try:
        nb = read_notebook(data)
    except Unreadable:
        return None
    ids = {grade_id(c) for c in nb.cells} - {None}
    best, best_share = None, 0.5
    for key, release_ids in releases.items():
        share = len(ids & release_ids) / max(len(release_ids), 1)
        if share > best_share:
            best, best_share = key, share
    return best


def collect(source, index, releases, submitted: Path, say=print) -> CollectReport:
    """Place the notebooks of ``source`` (a folder or a zip) into ``submitted``.

    ``index``: ``{notebook: assignment}``; ``releases``: ``{(assignment, notebook): set of grade ids}``.
    """
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"source: expected a folder or a .zip file, {source} does not exist")
    entries = [e for e in _entries(source)
               if not (_SKIP_DIRS & set(e.path.parts)) and not any(p.startswith(".") for p in e.path.parts)]
    receipts = {}
    for entry in entries:
        if entry.path.suffix == ".txt" and entry.read is not None:
            found = lms.blackboard_receipt(entry.path.name, entry.read().decode("utf-8", "replace"))
            if found:
                receipts[found[0]] = found[1]
    known = sorted(index) + sorted({a for a in index.values()})
    report, chosen = CollectReport(), {}
    for entry in entries:
        try:
            if entry.path.suffix.lower() != ".ipynb":
                if not (entry.path.suffix == ".txt" and "_attempt_" in entry.path.name):
                    report.skipped.append((entry.path, "not a .ipynb file"))
                continue
            if entry.read is None:
                report.skipped.append((entry.path, f"larger than {MAX_MEMBER_BYTES >> 20} MB"))
                continue
            download = lms.parse(entry.path, known=known, receipts=receipts)
            notebook, copy_number = lms.match_notebook(download.name, index)
            if download.student is None:
                reason = ("a notebook name without a student (expected <student>/<notebook>.ipynb or an LMS "
                          "download name)" if notebook else
                          f"no known notebook name at the end of the file name (known: {sorted(index)})")
                report.skipped.append((entry.path, reason))
                continue
            data = entry.read()
            if notebook is None:
                identified = _identify(data, releases)
                if identified is None:
                    report.skipped.append((entry.path, f"no known notebook name at the end of the file name, and its "
                                                       f"cells are not those of a release (known: {sorted(index)})"))
                    continue
                notebook = identified[1]
            key = (download.student, index[notebook], notebook)
            order = (download.timestamp or datetime.min, max(download.attempt, copy_number), entry.mtime)
            previous, candidate = chosen.get(key), (order, entry, data, download)
            if previous is not None:
                newer, older = (previous, candidate) if previous[0] >= order else (candidate, previous)
                report.skipped.append((older[1].path, f"an older file for the same student and notebook than "
                                                      f"{newer[1].path}"))
                candidate = newer
            chosen[key] = candidate
        except Exception as err:  # noqa: BLE001 - one odd file is reported, the others are placed
            report.skipped.append((entry.path, f"could not be read ({type(err).__name__})"))
    for (student, assignment, notebook), (_, entry, data, download) in sorted(chosen.items()):
        folder = submitted / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        dest = folder / f"{notebook}.ipynb"
        for stale in (dest, dest.with_name(dest.name + UNREADABLE_SUFFIX)):
            stale.unlink(missing_ok=True)
        try:
            read_notebook(data)
        except Unreadable as err:
            target = dest.with_name(dest.name + UNREADABLE_SUFFIX)
            target.write_bytes(data)
            report.unreadable.append(target)
            say(f"  unreadable: {entry.path} is not a Jupyter notebook ({err}); kept as "
                f"{target.relative_to(submitted.parent.parent)}, graded 0")
        else:
            dest.write_bytes(data)
            report.placed.append((entry.path, dest))
            say(f"  {entry.path} -> {dest.relative_to(submitted.parent.parent)}")
        info = {"source": str(entry.path), "lms": download.lms, "display_name": download.display_name,
                "late": download.late, "timestamp": download.timestamp.isoformat() if download.timestamp else None}
        (folder / f".{notebook}.collected.json").write_text(json.dumps(info, indent=1))
        if download.timestamp is not None:
            (folder / "timestamp.txt").write_text(download.timestamp.strftime("%Y-%m-%d %H:%M:%S"))
    students = {k[0] for k in chosen}
    say(f"collected {len(report.placed) + len(report.unreadable)} notebooks of {len(students)} students into {submitted}")
    for path, reason in report.skipped:
        say(f"  not placed: {path}: {reason}")
    return report


__all__ = ["CollectReport", "UNREADABLE_SUFFIX", "collect"]

"""The one driver of the corpus of realistic learner answers (tests/corpus/<exercise>.py, format in
tests/corpus/README.md): every correct entry passes its checker, every wrong entry is rejected with a message
that names what the corpus says it must, and the message is the same from run to run."""
import importlib.util
import math
import pathlib

import numpy as np
import pytest

import gdbp.checks
from gdbp.checks._core import CheckFailed

CORPUS = pathlib.Path(__file__).parent / "corpus"
KEYS = {"id", "origin", "source", "expect", "correct", "name", "exercise"}


def _load(path):
    spec = importlib.util.spec_from_file_location(f"corpus_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _modules():
    return [(path.stem, _load(path)) for path in sorted(CORPUS.glob("*.py")) if not path.name.startswith("_")]


def _entries():
    out = []
    for path in sorted(CORPUS.glob("*.py")):
        if path.name.startswith("_"):
            continue
        module = _load(path)
        for entry in module.ENTRIES:
            exercise = entry.get("exercise", module.EXERCISE)
            out.append(pytest.param(path.stem, exercise, entry, id=f"{path.stem}-{entry['id']}"))
    return out


ENTRIES = _entries()


def _subject(entry, exercise):
    namespace = {"np": np, "math": math, "__name__": "__corpus__"}
    exec(compile(entry["source"], f"<corpus {exercise}:{entry['id']}>", "exec"), namespace)  # noqa: S102 - our own corpus
    return namespace[entry.get("name", exercise)]


def test_corpus_entries_are_well_formed():
    ids = set()
    for param in ENTRIES:
        stem, exercise, entry = param.values
        assert set(entry) <= KEYS, (stem, entry.get("id"), set(entry) - KEYS)
        assert {"id", "origin", "source"} <= set(entry), (stem, entry.get("id"))
        assert ("expect" in entry) != bool(entry.get("correct")), f"{stem}:{entry['id']}: expect xor correct=True"
        assert exercise in gdbp.checks.EXERCISES, (stem, exercise)
        assert (stem, entry["id"]) not in ids, f"{stem}:{entry['id']} twice"
        ids.add((stem, entry["id"]))


def _expects(entry):
    return entry["expect"] if isinstance(entry.get("expect"), tuple) else (entry.get("expect", ""),)


@pytest.mark.parametrize("stem, module", _modules(), ids=[stem for stem, _ in _modules()])
def test_corpus_file_covers_a_correct_form_an_ignored_argument_and_two_mistakes_at_once(stem, module):
    """Issue 13: for every exercise a correct variant that passes, an ignored keyword (or argument) named, and
    two mistakes at once named. A file without keywords says why in NO_KEYWORDS."""
    entries = module.ENTRIES
    assert any(e.get("correct") for e in entries), f"{stem}: no correct variant"
    texts = [t for e in entries for t in _expects(e)]
    if not getattr(module, "NO_KEYWORDS", ""):
        assert any("ignore" in t for t in texts), f"{stem}: no entry expects an ignored keyword to be named"
    assert any("at once" in t for t in texts), f"{stem}: no entry expects two mistakes at once to be named"


@pytest.mark.parametrize("stem, exercise, entry", ENTRIES)
def test_corpus_entry(stem, exercise, entry, capsys):
    check = gdbp.checks.EXERCISES[exercise]
    subject = _subject(entry, exercise)
    if entry.get("correct"):
        check(subject)
        out, err = capsys.readouterr()
        assert out.startswith(f"{exercise}: all ") and out.count("\n") == 1, out
        assert err == ""
        return
    with pytest.raises(CheckFailed) as first:
        check(_subject(entry, exercise))
    with pytest.raises(CheckFailed) as second:
        check(_subject(entry, exercise))
    message = str(first.value)
    expected = entry["expect"] if isinstance(entry["expect"], tuple) else (entry["expect"],)
    for text in expected:
        assert text in message, f"{text!r} not in:\n{message}"
    assert str(second.value) == message, "the message changed between two runs of the same answer"
    assert capsys.readouterr().err == ""

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

"""One table drives it: every exercise's catalogue of classic mistakes, across all checker modules.

For each of the 25 exercises: the catalogue holds at least three mistakes with distinct names and a hint
each, and every mistake is a mutant its checker rejects, naming the case, the mistake and its hint, without
printing anything. Topic-specific checks (which case catches which mistake, NaN diagnosis, ...) stay in
tests/test_checks_<topic>.py.
"""
import importlib

import pytest

import gdbp.checks

TOPICS = ("autograd", "data", "descent", "gradients", "layers", "numerical", "optim", "training")
CATALOGUE = {}
for _topic in TOPICS:
    for _exercise, _mistakes in importlib.import_module(f"gdbp.checks.{_topic}").MISTAKES.items():
        assert _exercise not in CATALOGUE, f"{_exercise} is catalogued twice"
        CATALOGUE[_exercise] = _mistakes

MUTANTS = [(exercise, mistake) for exercise, mistakes in sorted(CATALOGUE.items()) for mistake in mistakes]


def test_every_exercise_has_a_catalogue_and_every_catalogue_an_exercise():
    assert set(CATALOGUE) == set(gdbp.checks.EXERCISES)


@pytest.mark.parametrize("exercise", sorted(CATALOGUE))
def test_catalogue_has_three_distinct_mistakes_with_hints(exercise):
    mistakes = CATALOGUE[exercise]
    assert len(mistakes) >= 3
    assert len({m.name for m in mistakes}) == len(mistakes)
    assert all(m.hint.strip() for m in mistakes)


@pytest.mark.parametrize("exercise, mistake", MUTANTS,
                         ids=[f"{e}-{m.fn.__name__}" for e, m in MUTANTS])
def test_checker_rejects_and_names_every_mistake(exercise, mistake, capsys):
    with pytest.raises(AssertionError) as info:
        gdbp.checks.EXERCISES[exercise](mistake.fn)
    text = str(info.value)
    assert text.startswith(f"{exercise}, case '"), text
    assert mistake.line().strip() in text, text
    assert mistake.hint in text, text
    assert capsys.readouterr() == ("", "")

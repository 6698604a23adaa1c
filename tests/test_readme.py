"""README.md, the newcomer's page: its links lead somewhere and name one repository, its quick start is the
two commands of ./dev, and its table of contents lists every notebook of the course."""
import re
from urllib.parse import parse_qs, urlparse

from nbtools import REPO, notebook_pairs

README = (REPO / "README.md").read_text()
DOCS = {path.name: path.read_text() for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]}
# github.com/<owner>/gdbp (clone URLs, links) and mybinder.org/v2/gh/<owner>/gdbp/<ref> (the badge)
REPOSITORY = re.compile(r"(?:github\.com|mybinder\.org/v2/gh)/([\w.-]+)/(gdbp)\b")


def section(title):
    """The text of README section ``## title`` up to the next ``## ``."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README.md has no section '## {title}'"
    return match.group(1)


def test_readme_and_docs_name_one_repository():
    named = {(name, owner) for name, text in DOCS.items() for owner, _ in REPOSITORY.findall(text)}
    owners = {owner for _, owner in named}
    assert len(owners) == 1, f"the documents name several repositories: {sorted(named)}"
    assert "OWNER" not in owners
    (owner,) = owners
    assert f"**https://github.com/{owner}/gdbp**" in section("Run it on your machine")
    assert f"git clone https://github.com/{owner}/gdbp" in section("Run it on your machine")


def test_readme_binder_badge_opens_the_first_notebook():
    (badge,) = re.findall(r"\(https://mybinder\.org/v2/gh/[^)\s]+\)", section("Run it in your browser"))
    url = urlparse(badge.strip("()"))
    (urlpath,) = parse_qs(url.query)["urlpath"]
    assert urlpath.startswith("lab/tree/")
    first_learner_notebook = notebook_pairs()[0][0]
    assert REPO / urlpath.removeprefix("lab/tree/") == first_learner_notebook
    assert first_learner_notebook.exists()


def test_readme_quick_start_is_the_two_dev_commands():
    commands = re.findall(r"^(\./\S+ \S+)", section("Quick start"), re.M)
    assert commands == ["./dev lab", "./dev test"]
    dev = (REPO / "dev").read_text()
    assert "    lab)\n" in dev and "    test)\n" in dev


def test_readme_contents_lists_every_notebook_with_a_time():
    rows = [line for line in section("Contents").splitlines() if line.startswith("| [")]
    linked = [re.search(r"\]\(([^)]+)\)", row).group(1) for row in rows]
    assert [REPO / link for link in linked] == [learner for learner, _ in notebook_pairs()]
    for row in rows:
        time = row.split("|")[2].strip()
        assert re.fullmatch(r"\d+(\.\d+)? (min|h)", time), f"no time for {row[:60]}"


def test_readme_learner_sections_come_before_maintainer_sections():
    titles = re.findall(r"^## (.+)$", README, re.M)
    learner = ["Quick start", "What you will learn", "Before you start", "Run it in your browser",
               "Run it on your machine", "How a notebook works", "Contents"]
    maintainer = ["For instructors", "Layout", "Testing", "Performance"]
    assert titles[: len(learner)] == learner, titles
    assert set(maintainer) <= set(titles[len(learner):]), titles
    assert "(docs/instructors.md)" in section("For instructors")


def test_readme_relative_links_exist():
    for name in ("README.md", "launch.md"):
        text = DOCS[name]
        base = REPO if name == "README.md" else REPO / "docs"
        for link in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if not re.match(r"\w+:", link):
                assert (base / link).exists(), f"{name} links to {link}, which does not exist"


def test_readme_sample_message_is_what_the_checker_prints():
    """The message shown in "How the exercises work" is the one check_adam prints, word for word, for Adam
    without bias correction (the README wraps its long first line)."""
    import numpy as np
    import pytest

    from gdbp.checks import check_adam

    def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        m, v, t = state if state is not None else (np.zeros_like(param), np.zeros_like(param), 0)
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        return param - lr * m / (np.sqrt(v) + eps), (m, v, t + 1)

    with pytest.raises(AssertionError) as failed:
        check_adam(adam)
    blocks = re.findall(r"^ *```[a-z]*\n(.*?)^ *```", README, re.S | re.M)
    (sample,) = [block for block in blocks if "received" in block]
    assert " ".join(sample.split()) == " ".join(str(failed.value).split())

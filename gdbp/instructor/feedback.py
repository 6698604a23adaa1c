"""Feedback pages: one HTML file per autograded notebook, with scores, without hidden tests.

nbgrader's own feedback template and preprocessors (``GetGrades`` for the scores, ``ClearHiddenTests``),
plus ``HideTestTracebacks`` (a test's error shows its message only). Nothing a student wrote can run in
the page: the autograded notebook holds only the outputs ``runner.sanitize_outputs`` keeps (text and
checked images; no HTML, JavaScript, SVG or Markdown output), the student's code is shown as code, and
cells the student added are shown as fenced text (``assemble.py``).
"""
from __future__ import annotations

import os
from pathlib import Path

import nbformat


def _exporter():
    import nbgrader
    from nbconvert.exporters import HTMLExporter
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades
    from traitlets.config import Config

    from .preprocessors import HideTestTracebacks

    base = os.path.dirname(nbgrader.__file__)
    config = Config()
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [os.path.join(base, "server_extensions", "formgrader", "templates")]
    config.HTMLExporter.extra_template_paths = [os.path.join(base, "server_extensions", "formgrader", "static",
                                                             "node_modules", "bootstrap", "dist", "css")]
    exporter = HTMLExporter(config=config)
    for preprocessor in (GetGrades, ClearHiddenTests, HideTestTracebacks, CSSHTMLHeaderPreprocessor):
        exporter.register_preprocessor(preprocessor(config=config), enabled=True)
    return exporter


def write_feedback(autograded: Path, target: Path, *, student, assignment, notebook, db_url) -> Path:
    """Write the feedback page of one autograded notebook to ``target`` (an .html path); return it."""
    nb = nbformat.read(str(autograded), as_version=4)
    resources = {"nbgrader": {"student": student, "assignment": assignment, "notebook": notebook,
                              "db_url": db_url}}
    html, _ = _exporter().from_notebook_node(nb, resources=resources)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    return target

"""Instructor tools: the ``gdbp-course`` command (release, collect, grade, feedback, export) over
nbgrader, the preprocessors registered in ``nbgrader_config.py``, and helpers for hidden tests.

Needs the ``grading`` extra (nbgrader); the learner-facing package never imports this one.
"""

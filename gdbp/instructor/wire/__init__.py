"""The data-only channel between the grader and a submission's sandboxed process.

These modules use only the standard library and numpy, and only relative imports: the grader imports
them as ``gdbp.instructor.wire``, and the sandbox runs the same files under another package name, with no
``gdbp`` installed (the sandbox's ``gdbp`` is a stand-in whose functions run in the grader, see
``agent.py``).

- ``codec``: what may cross, and how: plain data (numbers, strings, bytes, numpy arrays of numbers,
  tuples, lists, dicts, sets) by value; everything else as a *handle*, a reference to an object that
  stays on its own side. Nothing is pickled, evaluated or imported from the other side.
- ``rpc``: one endpoint per side: requests on handles (call, attribute, operator), replies, errors, and
  the proxies that stand for the other side's objects.
- ``agent``: the program that runs inside the sandbox: it executes the submission's cells in an IPython
  shell and answers the grader's requests on the submission's objects.
"""

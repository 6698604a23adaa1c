"""Helpers the course notebooks share, so that no notebook carries its own copy.

- :func:`yours_or_reference`: the learner's function once it passes its exercise's checker, else gdbp's
  reference, with a one-line note either way, so that the demonstration cells after an exercise run (on
  correct code) before the exercise is written or while it is still wrong.
- :func:`values_along`: an objective's value at each point of an optimizer's path (a diverged run is cut
  short), for loss curves.

Both live here rather than in the modules they use (``gdbp.objectives``, ``gdbp.optim``): they serve the
notebooks' demonstrations, not the algorithms.
"""
import contextlib
import io
import sys
import warnings

import numpy as np

__all__ = ["yours_or_reference", "values_along", "show_source"]

# Set by the grader in its own process (gdbp/instructor/grading.py): a notebook being graded asks for the
# course's source through the grader, and the source must not reach the submission (it could run it).
GRADING = False


def show_source(*objects):
    """Print the source code of gdbp's ``objects`` (functions, methods, classes), one after the other.

    Notebooks show the library's own code this way. While a notebook is graded the source is not sent to
    the submission's sandbox: a one-line note is printed instead.
    """
    import inspect  # noqa: PLC0415
    for obj in objects:
        name = f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"
        if GRADING:
            print(f"(the source of {name} is shown when you run the notebook yourself, not while it is graded)")
            continue
        print(inspect.getsource(obj))


def _label(obj):
    """How a reader would import ``obj``: the shortest module path that holds it, e.g. ``gdbp.optim.adam``
    (not ``gdbp.optim.adam.adam``, where it is defined); just its name if a notebook defined it."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if module is None or qualname is None:
        return repr(obj)
    if module == "__main__":
        return qualname
    parts = module.split(".")
    for i in range(1, len(parts) + 1):
        prefix = ".".join(parts[:i])
        if getattr(sys.modules.get(prefix), qualname, None) is obj:
            return f"{prefix}.{qualname}"
    return f"{module}.{qualname}"


# Seconds one call of the learner's function may take while its checker runs in a demonstration cell (the
# checkers' own limit, 10 s, is meant for a test cell). A correct answer takes milliseconds per call; an
# endless loop costs one such wait, after which the demonstration goes on with the reference.
CALL_TIME_LIMIT = 5.0

# Exercises whose checkers take the learner's class rather than a function of the exercise's name.
_CLASS_EXERCISES = {"Value": ("value_ops", "backward")}


def _exercises_of(fn, exercise):
    """The names of the checkers (keys of ``gdbp.checks.EXERCISES``) that judge ``fn``; () if none."""
    from gdbp.checks import EXERCISES  # noqa: PLC0415 - the checkers are needed only here

    if exercise is None:
        name = getattr(fn, "__name__", None)
        names = _CLASS_EXERCISES.get(name, (name,))
        return tuple(n for n in names if n in EXERCISES)
    names = (exercise,) if isinstance(exercise, str) else tuple(exercise)
    unknown = [n for n in names if n not in EXERCISES]
    if not names or unknown or not all(isinstance(n, str) for n in names):
        raise ValueError(f"exercise: expected the name of an exercise (or a tuple of them), one of "
                         f"{sorted(EXERCISES)}; got {exercise!r}")
    return names


def _first_line(text, width=120):
    line = next((line.strip() for line in str(text).splitlines() if line.strip()), "")
    return line if len(line) <= width else line[: width - 3] + "..."


def _quietly(call):
    """Run ``call()`` with its prints and warnings swallowed (the demonstration shows only the note)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


def yours_or_reference(fn, reference, *probe_args, probe=None, name=None, exercise=None, **probe_kwargs):
    """Return ``fn`` if it passes its exercise's checker, else ``reference``; print a one-line note either way.

    The checker of ``gdbp.checks.EXERCISES`` named like ``fn`` (``adam`` -> ``check_adam``; a class named
    ``Value`` -> ``check_value_ops`` and ``check_backward``) runs quietly, each call of ``fn`` limited to
    ``CALL_TIME_LIMIT`` seconds, so a demonstration never runs on an answer that merely runs:

    - it passes: prints ``using your adam (it passes its checks)`` and returns ``fn``;
    - ``fn`` is the exercise's placeholder (``NotImplementedError``): prints ``your adam is not written yet:
      this demonstration uses the reference gdbp.optim.adam`` and returns ``reference``;
    - it fails: prints ``your adam does not pass its checks yet (<first line of the checker's message>):
      this demonstration uses the reference gdbp.optim.adam`` and returns ``reference`` (the test cell
      of the exercise shows the whole message).

    Args:
        fn: the learner's function (or class).
        reference: what the demonstration uses instead, e.g. ``gdbp.optim.adam``.
        *probe_args, **probe_kwargs, probe: a small call, ``fn(*probe_args, **probe_kwargs)`` or
            ``probe(fn)``, used only for a function that no checker judges (it is then used if the call
            works). Give one or the other, not both.
        name: the label of ``reference`` in the note; default: where it is imported from
            (``gdbp.optim.adam``). Give it for a reference a notebook built itself, such as a lambda.
        exercise: the checker(s) to run, a key of ``gdbp.checks.EXERCISES`` or a tuple of them, for a
            ``fn`` whose name is not its exercise's. Default: taken from ``fn``'s name.

    ``probe``, ``name`` and ``exercise`` are keywords of this function, so they cannot be probe keywords
    of ``fn``.

    Example::

        adam_rule = yours_or_reference(adam, gdbp.optim.adam, np.zeros(2), np.ones(2), None, lr=0.1)
    """
    if probe is not None and (probe_args or probe_kwargs):
        raise TypeError("give either probe (a callable taking fn) or probe arguments, not both")
    label = name if name is not None else _label(reference)
    yours = getattr(fn, "__name__", repr(fn))
    exercises = _exercises_of(fn, exercise)
    if exercises:
        from gdbp.checks import EXERCISES  # noqa: PLC0415

        try:
            for each in exercises:
                _quietly(lambda: EXERCISES[each](fn, time_limit=CALL_TIME_LIMIT))
        except Exception as failure:  # CheckFailed (an AssertionError), or the checker refused fn
            if "NotImplementedError" in str(failure):
                print(f"your {yours} is not written yet: this demonstration uses the reference {label}")
            else:
                print(f"your {yours} does not pass its checks yet ({_first_line(failure)}): "
                      f"this demonstration uses the reference {label}")
            return reference
        print(f"using your {yours} (it passes its checks)")
        return fn
    try:
        _quietly(lambda: probe(fn) if probe is not None else fn(*probe_args, **probe_kwargs))
    except NotImplementedError:
        print(f"your {yours} is not written yet: this demonstration uses the reference {label}")
        return reference
    except Exception as err:  # a bug: say so, and run the demonstrations with the reference
        print(f"your {yours} raised {type(err).__name__}: {_first_line(err)}: "
              f"this demonstration uses the reference {label}")
        return reference
    print(f"using your {yours} (it runs; no checker of gdbp.checks judges it)")
    return fn


def values_along(objective, trajectory):
    """``objective``'s value at each finite point of ``trajectory``, shape (k + 1,) or shorter.

    ``trajectory`` has shape (k + 1, 2): the start and the point after each step, as
    ``gdbp.descent.optimize`` returns it. A run that diverged ends in a non-finite row; such rows are left
    out (``Objective.value`` rejects them), so the curve of a diverged run is cut short. The caller's array
    is not changed.
    """
    trajectory = np.asarray(trajectory, dtype=np.float64)
    if trajectory.ndim != 2 or trajectory.shape[1] != 2:
        raise ValueError(f"trajectory must have shape (k + 1, 2), one (x, y) row per step; "
                         f"got shape {trajectory.shape}")
    return objective.value(trajectory[np.isfinite(trajectory).all(axis=1)])

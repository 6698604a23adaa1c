"""Helpers the course notebooks share, so that no notebook carries its own copy.

- :func:`yours_or_reference`: the learner's function if it runs, else gdbp's reference with a short note,
  so that the demonstration cells after an exercise run before the exercise is written.
- :func:`values_along`: an objective's value at each point of an optimizer's path (a diverged run is cut
  short), for loss curves.

Both live here rather than in the modules they use (``gdbp.objectives``, ``gdbp.optim``): they serve the
notebooks' demonstrations, not the algorithms.
"""
import sys

import numpy as np

__all__ = ["yours_or_reference", "values_along"]


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


def yours_or_reference(fn, reference, *probe_args, probe=None, name=None, **probe_kwargs):
    """Return ``fn`` if one small call of it works, else ``reference`` with a printed note.

    The probe is ``fn(*probe_args, **probe_kwargs)``, or ``probe(fn)`` when one call is not enough (a
    generator must be consumed before its body runs: ``probe=lambda f: list(f(X, y, 2, seed=0))``).

    - The probe returns: ``fn`` is returned (its result is not checked; the test cell does that).
    - It raises ``NotImplementedError`` (the exercise's placeholder): prints
      ``your <fn> is not written yet: showing the reference <reference>`` and returns ``reference``.
    - It raises anything else (a bug; the test cell above reports it in detail): prints
      ``your <fn> raised <ExcType>: <message>: showing the reference <reference>`` and returns
      ``reference``.

    ``<reference>`` is where ``reference`` is imported from (``gdbp.optim.adam``); pass ``name`` to label a
    reference a notebook built itself, such as a lambda. ``probe`` and ``name`` are keywords of this
    function, so they cannot be probe keywords of ``fn``.

    Example::

        adam_rule = yours_or_reference(adam, gdbp.optim.adam, np.zeros(2), np.ones(2), None, lr=0.1)
    """
    if probe is not None and (probe_args or probe_kwargs):
        raise TypeError("give either probe (a callable taking fn) or probe arguments, not both")
    label = name if name is not None else _label(reference)
    yours = getattr(fn, "__name__", repr(fn))
    try:
        if probe is not None:
            probe(fn)
        else:
            fn(*probe_args, **probe_kwargs)
    except NotImplementedError:
        print(f"your {yours} is not written yet: showing the reference {label}")
        return reference
    except Exception as err:  # a bug in the exercise: say so, and run the demonstrations with the reference
        print(f"your {yours} raised {type(err).__name__}: {err}: showing the reference {label}")
        return reference
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

"""Helpers for hidden tests: checks that a learner wrote the code instead of borrowing it.

A hidden test of an exercise whose reference solution ships in ``gdbp`` should call
``assert_not_reference(learner_fn, reference_fn, args=...)``. It raises ``AssertionError`` with a
message addressed to the learner when ``learner_fn``

1. *is* the reference (``from gdbp.optim import sgd``), or shares its code object;
2. *wraps* it: ``functools.wraps``/``inspect.unwrap`` chains, ``functools.partial``, or a closure
   holding it;
3. was *defined in* the reference's package (``__module__`` starts with ``gdbp``), i.e. some other
   gdbp function was imported under the exercise's name;
4. *runs* it, or any code of the reference's package, when run on ``args``: the call is watched by
   ``gdbp.checks._watch.Watch``, which sees the reference's code run however it was reached (a default
   argument, a dict, a class attribute, ``exec`` of its source, an equivalent function of the package).

When grading (``gdbp-course grade``) the learner's function runs in the submission's sandbox, where
the course's package does not exist: a reference can only run in the grader, on request, where the
watch sees it, so 4. holds whatever the learner's code does. In a learner's own kernel (``progress()``,
or running the hidden test by hand) it is a deterrent that a determined learner can switch off.
"""
import functools

from gdbp.checks._watch import Watch

_MESSAGE = ("{name} uses the course's reference solution {ref} ({how}); "
            "write the function yourself in the answer cell")


def _qualified(fn):
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def _unwrapped(fn):
    """Yield ``fn`` and everything it wraps: ``__wrapped__`` chains and ``partial.func``.

    Like ``inspect.unwrap``, which does not follow ``functools.partial``.
    """
    seen = set()
    while fn is not None and id(fn) not in seen:
        seen.add(id(fn))
        yield fn
        fn = fn.func if isinstance(fn, functools.partial) else getattr(fn, "__wrapped__", None)


def _static_reason(fn, reference):
    """Return why ``fn`` is or wraps ``reference`` without running it, or None."""
    ref_code = getattr(reference, "__code__", None)
    chain = list(_unwrapped(fn))
    for inner in chain:
        if inner is reference:
            return "it is that function" if inner is fn else "it wraps that function"
        if ref_code is not None and getattr(inner, "__code__", None) is ref_code:
            return "it runs the same code object"
        for cell in getattr(inner, "__closure__", None) or ():
            try:
                if cell.cell_contents is reference:
                    return "it holds that function in a closure"
            except ValueError:  # an empty closure cell
                continue
    ref_package = (getattr(reference, "__module__", None) or "").split(".")[0]
    for inner in chain:
        module = getattr(inner, "__module__", None) or ""
        if ref_package and module.split(".")[0] == ref_package:
            return f"it was defined in {module}, not in your notebook"
    return None


def _reference_package(reference):
    """The modules whose code counts as the reference: its module's package (``gdbp.optim`` for
    ``gdbp.optim.adam``), or the module itself when it is not inside a package."""
    module = getattr(reference, "__module__", None) or ""
    parts = module.split(".")
    return (".".join(parts[:2]) if len(parts) > 2 else module,) if module else ()


def calls_reference(fn, reference, args=(), kwargs=None):
    """Run ``fn(*args, **kwargs)`` and return True if code of ``reference``'s package ran meanwhile.

    An exception raised by ``fn`` is not this check's business and is swallowed (the visible tests
    report it); the return value is discarded.
    """
    watch = Watch(modules=_reference_package(reference))
    with watch:
        try:
            fn(*args, **(kwargs or {}))
        except Exception:  # noqa: BLE001 - see docstring
            pass
    return bool(watch.found)


def assert_not_reference(fn, reference, args=(), kwargs=None, name=None):
    """Raise AssertionError if ``fn`` is, wraps, comes from or calls the reference solution.

    Parameters
    ----------
    fn : callable
        The learner's function, e.g. ``sgd_step`` as defined in the notebook.
    reference : callable
        gdbp's reference for the same exercise, e.g. ``gdbp.optim.sgd_step``.
    args, kwargs : tuple, dict
        A valid call of the exercise (small arrays), used to watch whether ``fn`` calls
        ``reference``; with ``args=()`` and no ``kwargs`` only the static checks run.
    name : str, optional
        The name shown to the learner; defaults to ``fn.__name__``.

    Raises
    ------
    TypeError
        If ``fn`` or ``reference`` is not callable.
    AssertionError
        If ``fn`` uses the reference (see the module docstring for what is detected).
    """
    if not callable(reference):
        raise TypeError(f"reference must be callable, got {type(reference).__name__}")
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    name = name or getattr(fn, "__name__", "your function")
    reason = _static_reason(fn, reference)
    if reason is None and (args or kwargs) and calls_reference(fn, reference, args, kwargs):
        reason = "it runs that function's code"
    if reason is not None:
        raise AssertionError(_MESSAGE.format(name=name, ref=_qualified(reference), how=reason))


__all__ = ["assert_not_reference", "calls_reference", "fresh_rng"]


def fresh_rng():
    """``(rng, seed)``: a numpy Generator for a hidden test's inputs, seeded from the operating system.

    The course's visible and hidden tests draw their inputs from fixed seeds, which a student can know
    (the repository is public) and an answer could hard-code the expected outputs for. Inputs drawn when
    grading cannot be known in advance; a correct answer passes whatever they are. Put ``seed`` in the
    test's messages so that a failure can be reproduced with ``np.random.default_rng(seed)``.
    """
    import secrets

    import numpy as np
    seed = secrets.randbits(63)
    return np.random.default_rng(seed), seed

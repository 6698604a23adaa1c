"""Helpers for hidden tests: checks that a learner wrote the code instead of borrowing it.

A hidden test of an exercise whose reference solution ships in ``gdbp`` should call
``assert_not_reference(learner_fn, reference_fn, args=...)``. It raises ``AssertionError`` with a
message addressed to the learner when ``learner_fn``

1. *is* the reference (``from gdbp.optim import sgd``), or shares its code object;
2. *wraps* it: ``functools.wraps``/``inspect.unwrap`` chains, ``functools.partial``, or a closure
   holding it;
3. was *defined in* the reference's package (``__module__`` starts with ``gdbp``), i.e. some other
   gdbp function was imported under the exercise's name;
4. *calls* it when run on ``args``: every binding of the reference in loaded modules and in
   ``learner_fn``'s globals is temporarily replaced by a recording stand-in that forwards the call,
   so the learner's function behaves exactly as before while we watch.

It is a deterrent for the honest majority, not a sandbox: learner code runs in the same process and
a determined learner can hide a call (``getattr`` on a string built at run time, ``exec``...).
"""
import functools
import sys

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


def _bindings_of(reference, fn):
    """Return ``[(namespace_dict, name)]`` for every place ``reference`` is bound that ``fn`` could reach."""
    namespaces = [getattr(module, "__dict__", None) for module in list(sys.modules.values())]
    namespaces.append(getattr(fn, "__globals__", None))
    found, seen = [], set()
    for namespace in namespaces:
        if not isinstance(namespace, dict) or id(namespace) in seen:
            continue
        seen.add(id(namespace))
        for name, value in list(namespace.items()):
            if value is reference:
                found.append((namespace, name))
    return found


def calls_reference(fn, reference, args=(), kwargs=None):
    """Run ``fn(*args, **kwargs)`` while watching ``reference``; return True if it was called.

    Every binding of ``reference`` in loaded modules and in ``fn.__globals__`` is replaced by a
    stand-in that records the call and forwards it, then restored, even if ``fn`` raises. An
    exception raised by ``fn`` is not this check's business and is swallowed (the visible tests
    report it); the return value is discarded.
    """
    calls = []

    @functools.wraps(reference)
    def recording(*a, **k):
        calls.append(1)
        return reference(*a, **k)

    bindings = _bindings_of(reference, fn)
    for namespace, name in bindings:
        namespace[name] = recording
    try:
        fn(*args, **(kwargs or {}))
    except Exception:  # noqa: BLE001 - see docstring
        pass
    finally:
        for namespace, name in bindings:
            namespace[name] = reference
    return bool(calls)


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
        reason = "it calls that function"
    if reason is not None:
        raise AssertionError(_MESSAGE.format(name=name, ref=_qualified(reference), how=reason))


__all__ = ["assert_not_reference", "calls_reference"]

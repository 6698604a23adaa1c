"""See the course's reference code run while a learner's function runs: the reference in disguise.

A learner may hand in the reference instead of their own code, and hide it: a wrapper, a closure, a
default argument, a class attribute, a dict, ``exec(inspect.getsource(gdbp.optim.adam))``, or an
equivalent rule (``adamw(weight_decay=0)`` for Adam, ``gdbp.optim.Optimizer`` for any rule). Looking
for names cannot find all of these; watching what runs can. :class:`Watch` installs a profile hook
(``sys.setprofile``, every thread) for the duration of a call of the learner's code and records every
function that starts running whose code object

- belongs to one of the exercise's *reference modules* (:data:`REFERENCE_MODULES`: ``gdbp.optim`` for
  the optimizers, ``gdbp.layers`` and ``gdbp.model`` for the layers, ...), or
- is a copy of one (the same bytecode, names and constants) compiled outside a notebook cell, which is
  what re-executing the reference's source gives.

Objects the checker itself hands to the learner's function are not reference code of that exercise
(``train_step`` receives a real ``gdbp.model.MLP`` and ``gdbp.optim.Optimizer``; only ``gdbp.train`` is
its reference). In the grader a learner's code runs in another process, and the reference can only run
here, on request, where this hook sees it; in a learner's own kernel the hook is a deterrent that a
determined learner can switch off (``sys.setprofile(None)``), which is why grading does not rely on it.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
import threading
import types

# exercise -> the modules whose code a learner's answer must not run
_OPTIM = ("gdbp.optim",)
REFERENCE_MODULES = {
    "gradient_descent": ("gdbp.descent", "gdbp.optim"),
    "sigmoid_grad": ("gdbp.layers", "gdbp.model"),
    "linear_mse_grad": ("gdbp.linear", "gdbp.layers", "gdbp.model"),
    "linear_loss_and_grad": ("gdbp.linear", "gdbp.layers", "gdbp.model"),
    "softmax_ce_grad": ("gdbp.layers", "gdbp.model"),
    "numerical_gradient": ("gdbp.gradcheck",),
    "rel_error": ("gdbp.gradcheck",),
    "minibatches": ("gdbp.data.minibatches", "gdbp.train"),
    "value_ops": ("gdbp.engine", "gdbp.scalar_nn"),
    "backward": ("gdbp.engine", "gdbp.scalar_nn"),
    "affine_backward": ("gdbp.layers", "gdbp.model"),
    "relu_backward": ("gdbp.layers", "gdbp.model"),
    "tanh_backward": ("gdbp.layers", "gdbp.model"),
    "softmax_loss": ("gdbp.layers", "gdbp.model"),
    "train_step": ("gdbp.train",),
    **{name: _OPTIM for name in ("sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam",
                                 "adamax", "nadam", "amsgrad")},
}
# Code this short is too common to call a copy: a property, `return self + other`, and the `_backward`
# closures of notebook 05's given `+` and `*` (66-124 bytes), which are micrograd's and gdbp's too. Whole
# rules and layers are larger (sgd 190, adam 526 bytes); smaller reference functions call reference
# helpers, which are recognised by identity.
_MIN_BYTECODE = 150
_CACHE: dict = {}


def _submodules(name):
    module = importlib.import_module(name)
    yield module
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), prefix=name + "."):
        yield importlib.import_module(info.name)


def _codes_of(obj, module_name, out):
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, property):
        for part in (obj.fget, obj.fset, obj.fdel):
            if part is not None:
                _codes_of(part, module_name, out)
        return
    if isinstance(obj, types.FunctionType) and obj.__module__ == module_name:
        _nested(obj.__code__, out)
    elif isinstance(obj, type) and obj.__module__ == module_name:
        for value in vars(obj).values():
            _codes_of(value, module_name, out)


def _nested(code, out):
    out[id(code)] = code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _nested(const, out)


def fingerprint(code):
    """What a copy of ``code`` compiled elsewhere shares with it: bytecode, names, constants (not lines)."""
    consts = tuple(fingerprint(c) if isinstance(c, types.CodeType) else (type(c).__name__, repr(c))
                   for c in code.co_consts)
    return (code.co_code, code.co_names, code.co_varnames, code.co_argcount, code.co_kwonlyargcount, consts)


def reference_code(modules):
    """(code objects, fingerprints) of everything defined in ``modules`` and their submodules."""
    names = tuple(sorted(modules))
    cached = _CACHE.get(names)
    if cached is None or any(sys.modules.get(n) is not m for n, m in cached[2]):  # a module loaded anew
        codes, loaded = {}, []
        for name in names:
            for module in _submodules(name):
                loaded.append((module.__name__, module))
                for value in list(vars(module).values()):
                    _codes_of(value, module.__name__, codes)
        prints = {fingerprint(c) for c in codes.values() if len(c.co_code) >= _MIN_BYTECODE}
        # by identity: two code objects compiled from the same text compare equal, and a learner's own
        # three-line answer may well be the same text as the reference's
        cached = _CACHE[names] = (codes, frozenset(prints), loaded)
    return cached[0], cached[1]


def _catalogue_code():
    """Code objects of the checkers' catalogues (rewrites of the references: see _diagnosis.ALL_CATALOGUES)."""
    import gdbp.checks  # noqa: F401, PLC0415 - builds every topic's catalogues
    from gdbp.checks._diagnosis import ALL_CATALOGUES  # noqa: PLC0415
    codes = {}
    for catalogue in ALL_CATALOGUES:
        for fn in [catalogue.build] + [ch.wrap for ch in catalogue.changes if ch.wrap is not None]:
            for part in _functions_in(fn):
                _nested(part.__code__, codes)
    return codes


def _functions_in(fn, depth=0):
    """``fn`` and the functions it closes over (a lambda calling a family function), two levels deep."""
    if isinstance(fn, types.FunctionType):
        yield fn
        if depth < 2:
            for cell in fn.__closure__ or ():
                try:
                    yield from _functions_in(cell.cell_contents, depth + 1)
                except ValueError:
                    continue
            for name in fn.__code__.co_names:
                value = fn.__globals__.get(name)
                if isinstance(value, types.FunctionType) and value.__module__ == fn.__module__ and depth < 1 \
                        and "family" in value.__name__:
                    yield from _functions_in(value, depth + 1)


def _is_cell(filename):
    """True for the file name of a notebook cell (ipykernel's ``/tmp/ipykernel_*/N.py``, IPython's
    ``<ipython-input-...>``, a sandboxed submission's cells)."""
    return "ipykernel_" in filename or filename.startswith("<ipython-input-") or "/ipykernel" in filename


_ALLOWED = [0]


class reference_allowed:
    """``with reference_allowed():`` the reference may run inside a checked call: for the tests that show
    a checker accepts the reference itself (and for nothing a learner sees)."""

    def __enter__(self):
        _ALLOWED[0] += 1
        return self

    def __exit__(self, *exc):
        _ALLOWED[0] -= 1
        return False


class Watch:
    """Record reference code that runs inside ``with Watch(exercise):`` (see the module docstring).

    ``found``: the qualified names of the reference functions seen, in order of first appearance.
    """

    def __init__(self, exercise=None, modules=None):
        self.modules = tuple(modules) if modules is not None else REFERENCE_MODULES.get(exercise, ())
        self.found = []
        self._seen, self._keep = {}, []

    def _check(self, code):
        verdict = self._seen.get(id(code))
        if verdict is None:
            codes, prints = reference_code(self.modules)
            verdict = (codes.get(id(code)) is code or code.co_filename.startswith(_CHECKS_DIR)) and not _exempt(code)
            if not verdict and len(code.co_code) >= _MIN_BYTECODE and not _is_cell(code.co_filename) \
                    and not code.co_filename.startswith(_GDBP_DIR):
                verdict = fingerprint(code) in prints
            self._seen[id(code)] = verdict
            self._keep.append(code)  # so that its id is not reused while this watch lives
        return verdict

    def _hook(self, frame, event, arg):
        if event == "call" and self._check(frame.f_code):
            name = f"{frame.f_globals.get('__name__', '?')}.{frame.f_code.co_qualname}"
            if name not in self.found:
                self.found.append(name)
        if self._previous is not None:
            self._previous(frame, event, arg)

    def __enter__(self):
        if _ALLOWED[0]:
            self.modules = ()
        if not self.modules:
            return self
        reference_code(self.modules)  # import and index before the learner's code runs
        self._previous = sys.getprofile()
        self._previous_threads = threading.getprofile() if hasattr(threading, "getprofile") else None
        sys.setprofile(self._hook)
        threading.setprofile(self._hook)
        return self

    def __exit__(self, *exc):
        if not self.modules:
            return False
        sys.setprofile(self._previous)
        threading.setprofile(self._previous_threads)
        return False


_FAMILIES: dict = {}


def _exempt(code):
    """Code of the checkers' own helpers (the recording stand-ins a checker hands over, the functions it
    passes in) is not the learner's borrowing; the catalogues' rewrites of the references are."""
    if not code.co_filename.startswith(_CHECKS_DIR):
        return False
    if not _FAMILIES:
        _FAMILIES.update(_catalogue_code() or {None: None})
    return _FAMILIES.get(id(code)) is not code


_GDBP_DIR = inspect.getfile(importlib.import_module("gdbp")).rsplit("/", 1)[0] + "/"
_CHECKS_DIR = _GDBP_DIR + "checks/"


def describe(found):
    """The learner-facing sentence for what a :class:`Watch` found."""
    shown = ", ".join(found[:3]) + (" ..." if len(found) > 3 else "")
    return (f"your function runs the course's reference code ({shown}): write the computation yourself in the "
            "exercise cell (the reference may not be called, wrapped, stored or copied into it)")

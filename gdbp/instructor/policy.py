"""What a submission may do while it is graded: the one place that says it.

A submission's code runs in its own process, in a sandbox (``sandbox.py``), and reaches the grader only
through the data-only channel (``wire/``). This module holds every limit of that arrangement and the
rule by which the grader answers the submission's requests.

The sandbox (Debian's bubblewrap, with user, PID, network, mount, IPC and UTS namespaces):

- sees the operating system's ``/usr`` and the Python installation read-only, and nothing of the course:
  no ``solutions/``, no gradebook, no other student's folder, not the course root, not the installed
  ``gdbp`` (nor PyTorch and the other packages in ``HIDDEN_PACKAGES``, which would give a ready-made
  optimizer); its only writable places are small in-memory folders (``TMPFS_BYTES``) that vanish with it;
- has no network (a new network namespace with nothing in it);
- cannot start processes: a seccomp filter refuses ``fork``, ``vfork`` and ``clone`` without
  ``CLONE_THREAD`` (threads only), and ``unshare``, ``setns``, ``mount``, ``ptrace`` and friends;
- is one PID namespace: when grading of the submission ends, or its process is killed, nothing of it
  survives (``--die-with-parent`` as well);
- has the resource limits below; breaking one ends the process, which costs the cell or test that was
  running (then the grader starts a new process, runs the earlier cells again and goes on).

The grader's side (:class:`GraderPolicy`) serves only the course's own packages (``gdbp``, and for a
course of one's own the packages named in ``nbgrader_config.py``): a submission may import their public
modules, call their public functions and classes, read their public attributes and use the objects they
return. It is refused modules outside them (``numpy`` reached through ``gdbp.optim.np``), names that
start with ``_`` (``__globals__``, ``__code__``), the instructor tools and ``gdbp.progress``. Every use of a
reference solution while the grader is calling the learner's function is seen by the checkers (they
fail it as "uses the reference"), since the reference can only run in the grader.
"""
from __future__ import annotations

import inspect
import os
import types
from dataclasses import dataclass, field

# --- limits of one submission's process ---------------------------------------------------------------
MEMORY_BYTES = 4 << 30        # address space (numpy + matplotlib + IPython use ~1 GB of it)
CPU_SECONDS = 900             # CPU time of one process (the whole course notebook needs < 30 s)
FILE_BYTES = 64 << 20         # largest file it may write (in its in-memory folders)
OPEN_FILES = 256
TMPFS_BYTES = 256 << 20       # size of each in-memory folder (/tmp and the home folder)
START_SECONDS = 60            # to start Python, IPython, numpy and matplotlib inside the sandbox

# --- time limits of cells, in seconds -----------------------------------------------------------------
# Answer and demonstration cells decide no score (test cells use only what answer cells define, see
# docs/instructors.md), so a tight limit costs an honest student nothing and keeps a looping
# demonstration cheap. The longest demonstration of the course (a training run) takes ~3 s here.
CELL_SECONDS = 30
# A test cell runs in the grader; its checker limits each call of the learner's function
# (gdbp.checks._core.CALL_TIME_LIMIT) and this bounds the whole cell.
TEST_SECONDS = 120
# Any one call of the learner's code made by a test (the checkers stop a call after 10 s already; this
# also bounds a checker of one's own that has no limit).
CALL_SECONDS = 20
# The whole notebook, restarts included; what is left after it is not run (and scores 0).
NOTEBOOK_SECONDS = 900
MAX_RESTARTS = 10             # new processes per notebook after a death or a timeout

# Packages a sandboxed submission must not import even if the Python environment has them: a
# ready-made optimizer or autograd is a reference in disguise.
HIDDEN_PACKAGES = ("gdbp", "torch", "torchvision", "functorch", "jax", "jaxlib", "optax", "tensorflow", "keras",
                   "flax", "autograd", "micrograd", "tinygrad", "sklearn", "scipy", "sympy", "mpmath", "theano",
                   "cupy", "mxnet", "paddle", "chainer", "numdifftools", "findiff")

# Names of objects' attributes the grader answers although they start with "_".
PUBLIC_DUNDERS = ("__name__", "__qualname__", "__module__", "__doc__", "__all__")


# The grader's own process (a worker grading one notebook): its address space. A submission that makes
# the grader build huge objects through the channel ends that worker with a MemoryError: that notebook
# is "not graded", nothing else is.
GRADER_MEMORY_BYTES = 8 << 30


@dataclass
class GraderPolicy:
    """How the grader answers a submission's requests (see the module docstring).

    ``packages``: the course packages served (their public modules, functions, classes, objects).
    ``refused``: modules of those packages that are never served. ``local``: modules shipped into the
    sandbox as files instead (plotting must draw on the sandbox's own matplotlib figures).
    """

    packages: tuple = ("gdbp",)
    # gdbp.checks is served only through its check_* entry points (its tables and catalogues, which
    # hold rewrites of the references, are not): see may_use
    refused: tuple = ("gdbp.instructor", "gdbp.progress", "gdbp.checks.")
    local: tuple = ("gdbp.plotting", "gdbp.objectives")
    namespaces: list = field(default_factory=list, repr=False)  # the test cells' namespaces (their helpers)
    _dirs: list = field(default_factory=list, repr=False)

    # --- imports
    def may_import(self, name: str) -> bool:
        """Whether a submission may import module ``name`` (it is then imported here, in the grader)."""
        if not isinstance(name, str) or not all(part.isidentifier() for part in name.split(".")):
            return False
        if any(part.startswith("_") for part in name.split(".")[1:]):
            return False
        if not any(name == p or name.startswith(p + ".") for p in self.packages):
            return False
        return not any(name == r or name.startswith(r + ".") or (r.endswith(".") and name.startswith(r))
                       for r in self.refused + self.local)

    # --- what may be shared by handle
    def _ours(self, module_name) -> bool:
        return isinstance(module_name, str) and any(
            module_name == p or module_name.startswith(p + ".") for p in self.packages) and not any(
            module_name == r or module_name.startswith(r + ".") for r in self.refused if not r.endswith("."))

    def _our_file(self, filename) -> bool:
        if not self._dirs:
            import importlib
            for p in self.packages:
                module = importlib.import_module(p)
                self._dirs.append(os.path.dirname(os.path.abspath(module.__file__)) + os.sep)
        return isinstance(filename, str) and any(os.path.abspath(filename).startswith(d) for d in self._dirs)

    def _from_tests(self, obj) -> bool:
        """Whether ``obj`` (a function, method, generator, class or instance) was made by a test cell."""
        if isinstance(obj, types.MethodType):
            obj = obj.__func__
        if isinstance(obj, types.GeneratorType):
            scope = obj.gi_frame.f_globals if obj.gi_frame is not None else None
        elif isinstance(obj, types.FunctionType):
            scope = obj.__globals__
        else:
            cls = obj if isinstance(obj, type) else type(obj)
            methods = [v for v in vars(cls).values() if isinstance(v, types.FunctionType)]
            scope = methods[0].__globals__ if methods else None
        return scope is not None and any(scope is ns for ns in self.namespaces)

    def check_export(self, obj) -> None:
        """Raise PermissionError unless ``obj`` may be given to a submission as a handle."""
        if self.namespaces and self._from_tests(obj):
            return  # a helper of a test cell (instructor code), e.g. the f a checker hands to numerical_gradient
        if isinstance(obj, types.ModuleType):
            if self.may_import(obj.__name__):
                return
        elif isinstance(obj, (dict, list)) and type(obj) in (dict, list):
            return  # a live container of one of our objects (model.params): see Endpoint(live=...)
        elif isinstance(obj, types.BuiltinMethodType) and type(getattr(obj, "__self__", None)) in (dict, list):
            return  # model.params.items
        elif type(obj) in _CONTAINER_VIEWS:
            return  # iterating model.params, its keys, values, items
        elif isinstance(obj, type):
            if self._ours(obj.__module__):
                return
        elif isinstance(obj, types.FunctionType):
            if self._ours(obj.__module__) and self._our_file(obj.__code__.co_filename):
                return
        elif isinstance(obj, types.MethodType):
            if self._ours(getattr(obj.__func__, "__module__", None)):
                return
        elif isinstance(obj, types.GeneratorType):
            if self._our_file(obj.gi_code.co_filename):
                return
        elif type(obj).__module__ and self._ours(type(obj).__module__) and not inspect.isroutine(obj):
            return  # an instance of one of our classes (an Objective, an MLP, an AdamState)
        raise PermissionError(f"the grader does not share {describe(obj)} with a submission")

    def check_request(self, op: str, obj, name) -> None:
        """Raise PermissionError unless the submission may apply ``op`` (with attribute ``name``) to ``obj``."""
        if op in ("getattr", "callmethod", "setattr", "delattr"):
            if isinstance(obj, types.ModuleType) and obj.__name__ == "gdbp.checks" and \
                    not (isinstance(name, str) and name.startswith("check_")):
                raise AttributeError(f"{name!r}: of gdbp.checks a submission may use only the check_* functions")
            if not isinstance(name, str) or (name.startswith("_") and name not in PUBLIC_DUNDERS):
                raise AttributeError(f"{name!r}: a submission may not use the attributes of the course's objects "
                                     "that start with _")
            if op in ("setattr", "delattr") and (isinstance(obj, (types.ModuleType, type)) or inspect.isroutine(obj)):
                raise PermissionError(f"a submission may not change {describe(obj)}")
        elif op not in ("call", "op", "signature"):
            raise PermissionError(f"a submission may not ask the grader to {op!r}")


_CONTAINER_VIEWS = tuple(type(x) for x in (iter([]), iter({}), iter({}.values()), iter({}.items()), {}.keys(),
                                            {}.values(), {}.items(), reversed([])))


def describe(obj) -> str:
    if isinstance(obj, types.ModuleType):
        return f"the module {obj.__name__}"
    if isinstance(obj, type):
        return f"the class {obj.__module__}.{obj.__qualname__}"
    if inspect.isroutine(obj):
        return f"the function {getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"
    return f"an object of type {type(obj).__module__}.{type(obj).__qualname__}"

"""The program that runs a submission inside the sandbox, and answers the grader's requests.

Started by the grader (``gdbp/instructor/sandbox.py``) as::

    python -I -S -c "import sys; sys.path.insert(0, AGENT_DIR); from <pkg> import agent; agent.main()" \\
        --rfd 3 --wfd 4 --mpl-cache DIR --remote gdbp --local gdbp.plotting=PATH

(the boot line also puts the environment's ``site-packages`` on ``sys.path``).

It executes the cells it is sent in an IPython shell (so magics, ``display`` and inline matplotlib work as
in Jupyter) and serves the grader's requests on the submission's objects: ``lookup`` a name of the
notebook, ``call`` a function, read an attribute, apply an operator (see ``rpc``). It is the student's
process: nothing it says is trusted, it only ever returns data.

The packages named by ``--remote`` (the course's own, ``gdbp``) are not installed here. Importing them
gives stand-in modules whose functions, classes and objects live in the grader: calling
``gdbp.optim.adam`` from a notebook is a request to the grader, which runs it there. Modules named by
``--local`` (``gdbp.plotting``, which must draw on this side's matplotlib figures) are files shipped into
the sandbox. So no reference solution is ever inside the sandbox: a submission can use the course's
library in its demonstrations, and the grader sees every use.
"""
from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types

from .codec import write_frame
from .rpc import MAX_TEXT, BoundRemoteMethod, Endpoint, Proxy, ProxyMeta, objective_names

KEEP_MIMETYPES = ("text/plain", "image/png", "image/jpeg")


class RemoteModule(types.ModuleType):
    """A module of a remote package: its attributes are fetched from the grader once and kept."""

    def __getattr__(self, name):
        if name.startswith("__") and name != "__all__":
            raise AttributeError(name)
        state = self.__dict__.get("_gdbp_remote")
        if state is None:
            raise AttributeError(name)
        endpoint, proxy = state
        try:
            value = endpoint.request("getattr", h=proxy._gdbp_hid, name=name)
        except AttributeError:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}") from None
        setattr(self, name, value)
        return value


class RemoteFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import hook: ``--remote`` packages come from the grader, ``--local`` modules from shipped files."""

    def __init__(self, endpoint, remote, local, hidden=()):
        self.endpoint, self.remote, self.local, self.hidden = endpoint, tuple(remote), dict(local), tuple(hidden)

    def _ours(self, fullname):
        return any(fullname == p or fullname.startswith(p + ".") for p in self.remote)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.hidden and not self._ours(fullname):
            # their folders are empty here anyway; say so instead of importing an empty namespace package
            raise ModuleNotFoundError(f"No module named {fullname!r} (not available while a notebook is graded)",
                                      name=fullname)
        if fullname in self.local:
            return importlib.util.spec_from_file_location(fullname, self.local[fullname])
        if not self._ours(fullname):
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        handle = self.endpoint.request("import", name=spec.name)  # ImportError if the grader refuses
        module = RemoteModule(spec.name)
        module.__dict__["_gdbp_remote"] = (self.endpoint, handle)  # the proxy keeps the grader's module shared
        return module

    def exec_module(self, module):
        module.__path__ = []


class Outputs:
    """The outputs of one cell, in order, as nbformat dicts (streams merged, at most MAX_TEXT characters)."""

    def __init__(self):
        self.items, self.size = [], 0

    def stream(self, name, text):
        if self.size >= MAX_TEXT:
            return
        text = text[:MAX_TEXT - self.size]
        self.size += len(text)
        if self.size >= MAX_TEXT:
            text += "\n[output truncated: more than 1 MB was printed]\n"
        last = self.items[-1] if self.items else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})

    def display(self, data, kind="display_data", count=None):
        kept = {k: v for k, v in data.items() if k in KEEP_MIMETYPES and isinstance(v, str)}
        if kept:
            self.size += sum(len(v) for v in kept.values())
            out = {"output_type": kind, "data": kept, "metadata": {}}
            if kind == "execute_result":
                out["execution_count"] = count
            self.items.append(out)

    def error(self, ename, evalue, traceback):
        self.items.append({"output_type": "error", "ename": ename, "evalue": evalue[:MAX_TEXT],
                           "traceback": [line[:MAX_TEXT] for line in traceback[-200:]]})


class _Stream:
    """sys.stdout / sys.stderr while a cell runs."""

    def __init__(self, outputs, name):
        self.outputs, self.name = outputs, name
        self.encoding, self.errors = "utf-8", "strict"

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.outputs.stream(self.name, text)
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False

    def fileno(self):
        raise OSError("this stream has no file descriptor")


def make_shell():
    """An IPython shell whose displays, results and tracebacks go to the current cell's outputs."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import Type
    from traitlets.config import Config

    current = {"outputs": Outputs()}

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            current["outputs"].display(data)

        def clear_output(self, wait=False):
            pass

    class Hook(DisplayHook):
        def start_displayhook(self):
            pass

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            current["outputs"].display(format_dict, "execute_result", self.prompt_count)

        def finish_displayhook(self):
            pass

    class Shell(InteractiveShell):
        displayhook_class = Type(Hook)
        display_pub_class = Type(Publisher)

        def _showtraceback(self, etype, evalue, stb):
            try:
                text = str(evalue)
            except Exception:  # noqa: BLE001 - the learner's exception may not print
                text = "<unprintable exception>"
            current["outputs"].error(getattr(etype, "__name__", "Error"), text, list(stb))

        def enable_gui(self, gui=None):
            pass

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "NoColor"
    config.InteractiveShell.xmode = "Context"
    shell = Shell.instance(config=config)
    return shell, current


def _exec(shell, current):
    def run(endpoint, message, blobs, args, kwargs):
        source = message.get("source")
        if type(source) is not str:
            raise TypeError("exec: the source must be a str")
        outputs = current["outputs"] = Outputs()
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Stream(outputs, "stdout"), _Stream(outputs, "stderr")
        try:
            result = shell.run_cell(source, store_history=True, silent=False)
        finally:
            sys.stdout, sys.stderr = saved
        ok = bool(result.success) if result is not None else False
        return {"ok": ok, "outputs": outputs.items, "execution_count": shell.execution_count - 1}
    return run


def _lookup(shell):
    def lookup(endpoint, message, blobs, args, kwargs):
        name = message.get("name")
        if type(name) is not str or name not in shell.user_ns:
            raise NameError(f"name {name!r} is not defined")
        return shell.user_ns[name]
    return lookup


def _no_remote_source():
    """``inspect.getsource(gdbp.optim.adam)`` here: the course's code stays with the grader, say so clearly."""
    import inspect
    getfile = inspect.getfile

    def guarded(obj):
        if isinstance(obj, (Proxy, ProxyMeta, RemoteModule, BoundRemoteMethod)):
            raise OSError("the course's source code is not available while a notebook is graded: it stays "
                          "with the grader")
        return getfile(obj)

    inspect.getfile = guarded


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gdbp-sandbox-agent")
    parser.add_argument("--rfd", type=int, required=True)
    parser.add_argument("--wfd", type=int, required=True)
    parser.add_argument("--remote", action="append", default=[])
    parser.add_argument("--local", action="append", default=[], help="module=path")
    parser.add_argument("--mpl-cache", help="a folder holding matplotlib's font list, copied before use")
    parser.add_argument("--hidden", action="append", default=[], help="a package that is not importable")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    config_dir = os.environ.get("MPLCONFIGDIR")
    if args.mpl_cache and config_dir and os.path.isdir(args.mpl_cache):
        import shutil
        shutil.copytree(args.mpl_cache, config_dir, dirs_exist_ok=True)
    os.environ.setdefault("MPLBACKEND", "agg")
    local = dict(item.split("=", 1) for item in args.local)

    shell_state = {}
    endpoint = Endpoint(args.rfd, args.wfd, "s", handlers={
        "exec": lambda *a: shell_state["exec"](*a),
        "lookup": lambda *a: shell_state["lookup"](*a),
    })
    sys.meta_path.insert(0, RemoteFinder(endpoint, args.remote, local, args.hidden))
    if "gdbp.objectives" in local:  # the built-in objectives are the same on both sides: send them by name
        import importlib

        def namer(obj):  # only once the notebook has imported them (importing asks the grader for gdbp)
            module = sys.modules.get("gdbp.objectives")
            return objective_names(module)[0](obj) if module is not None else None

        def resolver(names):
            return objective_names(importlib.import_module("gdbp.objectives"))[1](names)

        endpoint.encoder.namer, endpoint.decoder.resolver = namer, resolver
    shell, current = make_shell()
    _no_remote_source()
    shell_state["exec"], shell_state["lookup"] = _exec(shell, current), _lookup(shell)
    write_frame(args.wfd, {"k": "ready", "pid": os.getpid()})
    endpoint.serve()


if __name__ == "__main__":
    main()

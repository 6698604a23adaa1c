"""Start a submission's process in a sandbox, talk to it over the data-only channel, kill it.

:class:`Sandbox` runs ``wire/agent.py`` with Debian's bubblewrap (``bwrap``), which needs no daemon and
works as root (as in CI). The limits and the rules of the arrangement are in ``policy.py``; this module
only applies them:

- ``bwrap --unshare-all --unshare-user --die-with-parent --new-session --disable-userns --cap-drop ALL``
  with read-only binds of ``/usr`` (and its ``/lib``, ``/bin`` links), a few files of ``/etc``, the
  Python installation and its ``site-packages`` (with ``policy.HIDDEN_PACKAGES`` covered by empty
  folders), the agent's files, and in-memory ``/tmp`` and ``/home/student``; an empty environment;
- a seccomp filter (``seccomp_filter()``) that refuses new processes, new namespaces and ``ptrace``;
- ``setrlimit`` limits of memory, CPU time, file size and open files, before ``bwrap`` starts.

Without bwrap, :func:`sandbox_status` says why, and grading refuses to run unless the instructor asks
for ``isolated=False`` (``gdbp-course grade --no-sandbox``): the submission then runs as a plain child
process with the same channel, limits and seccomp filter, but it can read the files this user can read.
"""
from __future__ import annotations

import atexit
import ctypes
import os
import platform
import resource
import shutil
import signal
import struct
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

from . import policy as limits
from .wire.codec import ProtocolError, read_frame
from .wire.rpc import Endpoint, objective_names

AGENT_PACKAGE = "gdbp_wire"
AGENT_DIR = "/opt/gdbp-agent"   # where the agent's files appear inside the sandbox
HOME = "/home/student"


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here."""


# ------------------------------------------------------------------------------------------ seccomp

# x86_64 and aarch64 system call numbers of what the filter refuses.
_SYSCALLS = {
    "x86_64": {"arch": 0xC000003E, "clone": 56, "clone3": 435,
               "denied": {"fork": 57, "vfork": 58, "unshare": 272, "setns": 308, "mount": 165, "umount2": 166,
                          "pivot_root": 155, "chroot": 161, "ptrace": 101, "bpf": 321, "perf_event_open": 298,
                          "userfaultfd": 323, "keyctl": 250, "add_key": 248, "request_key": 249,
                          "process_vm_readv": 310, "process_vm_writev": 311, "kexec_load": 246,
                          "init_module": 175, "finit_module": 313, "delete_module": 176,
                          "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427}},
    "aarch64": {"arch": 0xC00000B7, "clone": 220, "clone3": 435,
                "denied": {"unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41,
                           "chroot": 51, "ptrace": 117, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
                           "keyctl": 219, "add_key": 217, "request_key": 218, "process_vm_readv": 270,
                           "process_vm_writev": 271, "kexec_load": 104, "init_module": 105,
                           "finit_module": 273, "delete_module": 106, "io_uring_setup": 425,
                           "io_uring_enter": 426, "io_uring_register": 427}},
}
_CLONE_THREAD = 0x00010000


def seccomp_filter(machine=None) -> bytes:
    """A classic-BPF seccomp program: threads yes, processes and namespaces no.

    ``clone`` is allowed only with ``CLONE_THREAD`` (a thread of the same process); ``fork``, ``vfork`` and
    the calls listed in ``_SYSCALLS`` fail with EPERM; ``clone3`` fails with ENOSYS, so that the C library
    falls back to ``clone``; a system call of another architecture (x32) kills the process.
    """
    table = _SYSCALLS.get(machine or platform.machine())
    if table is None:
        raise SandboxUnavailable(f"no seccomp filter for the {platform.machine()} architecture")
    LD, JEQ, JSET, RET = 0x20, 0x15, 0x45, 0x06
    ALLOW, KILL, EPERM, ENOSYS = 0x7FFF0000, 0x80000000, 0x00050000 | 1, 0x00050000 | 38
    checks = [(table["clone"], "clone")] + [(nr, "eperm") for nr in table["denied"].values()] + \
             [(table["clone3"], "enosys")]
    n = len(checks)
    target = {"allow": n, "eperm": n + 1, "enosys": n + 2, "clone": n + 3}
    program = [(LD, 0, 0, 4), (JEQ, 1, 0, table["arch"]), (RET, 0, 0, KILL), (LD, 0, 0, 0)]
    if machine is None and platform.machine() == "x86_64" or machine == "x86_64":
        program += [(JSET, 0, 1, 0x40000000), (RET, 0, 0, KILL)]  # x32 system calls
    for i, (nr, where) in enumerate(checks):
        program.append((JEQ, target[where] - i - 1, 0, nr))
    program += [(RET, 0, 0, ALLOW), (RET, 0, 0, EPERM), (RET, 0, 0, ENOSYS),
                (LD, 0, 0, 16), (JSET, 1, 0, _CLONE_THREAD), (RET, 0, 0, EPERM), (RET, 0, 0, ALLOW)]
    return b"".join(struct.pack("<HBBI", code, jt, jf, k) for code, jt, jf, k in program)


def _install_seccomp_here(program: bytes) -> None:
    """Load ``program`` into the calling process (used after fork, without bwrap)."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program)
    prog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
            libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def _set_limits():
    for name, value in (("RLIMIT_AS", limits.MEMORY_BYTES), ("RLIMIT_CPU", limits.CPU_SECONDS),
                        ("RLIMIT_FSIZE", limits.FILE_BYTES), ("RLIMIT_NOFILE", limits.OPEN_FILES),
                        ("RLIMIT_CORE", 0)):
        resource.setrlimit(getattr(resource, name), (value, value))


# ------------------------------------------------------------------------------------- availability

def sandbox_status() -> tuple[bool, str]:
    """(True, "") if bubblewrap can build the sandbox here, else (False, why)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False, ("bubblewrap (bwrap) is not installed: `apt-get install bubblewrap` (Debian/Ubuntu), "
                       "`dnf install bubblewrap` (Fedora)")
    try:
        seccomp_filter()
    except SandboxUnavailable as err:
        return False, str(err)
    probe = subprocess.run([bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", "--disable-userns",
                            "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"],
                           capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return False, f"bubblewrap cannot create namespaces here: {probe.stderr.strip()[:300]}"
    return True, ""


# ---------------------------------------------------------------------------------------- the agent

_AGENT_FILES = {}


def agent_files(local_modules, folder=None) -> Path:
    """A folder holding the agent's code (``gdbp_wire/``), the local modules and a matplotlib font cache,
    made once per grading run (``folder``: one made already, by the process that starts the workers)."""
    key = tuple(sorted(local_modules))
    if folder is not None:
        _AGENT_FILES[key] = Path(folder)
    folder = _AGENT_FILES.get(key)
    if folder is not None and folder.exists():
        return folder
    folder = Path(tempfile.mkdtemp(prefix="gdbp-agent-"))
    atexit.register(shutil.rmtree, folder, True)
    wire = Path(__file__).with_name("wire")
    (folder / AGENT_PACKAGE).mkdir()
    for path in wire.glob("*.py"):
        shutil.copy(path, folder / AGENT_PACKAGE / path.name)
    for name in local_modules:
        module = __import__(name, fromlist=["_"])
        target = folder / "local" / (name.replace(".", "_") + ".py")
        target.parent.mkdir(exist_ok=True)
        shutil.copy(module.__file__, target)
    (folder / "empty").mkdir()
    (folder / "mpl").mkdir()
    # Build matplotlib's font list once, so that each sandbox does not spend a second on it.
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], capture_output=True, timeout=120,
                   env={**os.environ, "MPLCONFIGDIR": str(folder / "mpl")})
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    folder.chmod(0o755)
    _AGENT_FILES[key] = folder
    return folder


def site_dirs() -> list[str]:
    """The Python environment's package folders (``site-packages``), as this interpreter sees them."""
    dirs = []
    for key in ("purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path and os.path.isdir(path) and path not in dirs:
            dirs.append(path)
    return dirs


# ---------------------------------------------------------------------------------------- a sandbox

class Sandbox:
    """One process running a submission. ``start()`` returns the grader's :class:`Endpoint` to it.

    ``policy``: the :class:`gdbp.instructor.policy.GraderPolicy` the grader serves it with.
    ``isolated``: use bubblewrap (default); False runs it as a plain child process (see module docstring).
    """

    def __init__(self, policy, *, isolated=True):
        self.policy = policy
        self.isolated = isolated
        self.process = None
        self.endpoint = None
        self._tail = bytearray()
        self._home = None

    # --- the command
    def _command(self, folder, rfd, wfd, seccomp_fd):
        python = sys.executable
        agent_dir = AGENT_DIR if self.isolated else str(folder)  # where the agent's files are, as it sees them
        local = [f"{name}={agent_dir}/local/{name.replace('.', '_')}.py" for name in self.policy.local]
        mpl = f"{agent_dir}/mpl"
        # -I -S: no PYTHON* variables, no user site, no .pth files; the package folders are added by hand
        boot = (f"import sys; sys.path.insert(0, {agent_dir!r}); sys.path.extend({site_dirs()!r}); "
                f"from {AGENT_PACKAGE} import agent; agent.main()")
        args = ["--rfd", str(rfd), "--wfd", str(wfd), "--mpl-cache", mpl]
        for package in self.policy.packages:
            args += ["--remote", package]
        for item in local:
            args += ["--local", item]
        for name in limits.HIDDEN_PACKAGES:
            args += ["--hidden", name]
        inner = [python, "-I", "-S", "-c", boot, *args]
        if not self.isolated:
            return inner
        binds = ["--ro-bind", "/usr", "/usr"]
        for link in ("bin", "lib", "lib64", "sbin"):
            target = Path("/") / link
            if target.is_symlink():
                binds += ["--symlink", os.readlink(target), str(target)]
            elif target.is_dir():
                binds += ["--ro-bind", str(target), str(target)]
        for path in ("/etc/fonts", "/etc/ld.so.cache", "/etc/localtime", "/etc/ssl/certs"):
            if os.path.exists(path):
                binds += ["--ro-bind", path, path]
        prefixes = []
        for prefix in (sys.base_prefix, sys.prefix, os.path.dirname(os.path.dirname(os.path.realpath(python)))):
            if prefix and not any(prefix.startswith(p + os.sep) or prefix == p for p in prefixes):
                prefixes.append(prefix)
        for prefix in prefixes:
            binds += ["--ro-bind", prefix, prefix]
        for site in site_dirs():
            if not any(site.startswith(p + os.sep) for p in prefixes):
                binds += ["--ro-bind", site, site]
            for entry in sorted(os.listdir(site)):
                if not entry.split(".")[0].startswith(limits.HIDDEN_PACKAGES) or entry.endswith(
                        (".dist-info", ".egg-info", ".pth")):
                    continue
                path = os.path.join(site, entry)
                binds += ["--ro-bind", str(folder / "empty") if os.path.isdir(path) else "/dev/null", path]
        env = {"HOME": HOME, "MPLCONFIGDIR": "/tmp/matplotlib", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
               "PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        command = ["bwrap", "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session",
                   "--disable-userns", "--cap-drop", "ALL", "--hostname", "sandbox", "--uid", "1000", "--gid", "1000",
                   # the in-memory folders first, so that a Python installation (or the agent's files)
                   # under /tmp or /home is bound on top of them rather than hidden by them
                   "--size", str(limits.TMPFS_BYTES), "--tmpfs", "/tmp",
                   "--size", str(limits.TMPFS_BYTES), "--tmpfs", HOME,
                   *binds, "--ro-bind", str(folder), AGENT_DIR,
                   "--proc", "/proc", "--dev", "/dev",
                   "--chdir", HOME, "--clearenv"]
        for key, value in env.items():
            command += ["--setenv", key, value]
        command += ["--seccomp", str(seccomp_fd), "--", *inner]
        return command

    # --- life cycle
    def start(self, deadline_seconds=limits.START_SECONDS) -> Endpoint:
        """Start the process and wait until the agent is ready; return the grader's endpoint."""
        folder = agent_files(self.policy.local)
        to_agent_r, to_agent_w = os.pipe()
        from_agent_r, from_agent_w = os.pipe()
        output_r, output_w = os.pipe()
        keep = [to_agent_r, from_agent_w]
        seccomp_r = None
        program = seccomp_filter()
        if self.isolated:
            seccomp_r, seccomp_w = os.pipe()
            os.write(seccomp_w, program)
            os.close(seccomp_w)
            keep.append(seccomp_r)
        command = self._command(folder, to_agent_r, from_agent_w, seccomp_r)
        if not self.isolated:
            self._home = tempfile.mkdtemp(prefix="gdbp-submission-")

        def prepare():
            os.setsid()
            _set_limits()
            if not self.isolated:
                _install_seccomp_here(program)

        env = None if self.isolated else {"HOME": self._home, "MPLCONFIGDIR": os.path.join(self._home, ".mpl"),
                                          "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1",
                                          "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        try:
            self.process = subprocess.Popen(command, pass_fds=keep, stdin=subprocess.DEVNULL, stdout=output_w,
                                            stderr=output_w, preexec_fn=prepare, env=env,
                                            cwd=self._home if not self.isolated else None)
        finally:
            for fd in keep + [output_w]:
                os.close(fd)
        threading.Thread(target=self._drain, args=(output_r,), daemon=True).start()
        self._rfd, self._wfd = from_agent_r, to_agent_w
        try:
            ready, _ = read_frame(from_agent_r, time.monotonic() + deadline_seconds)
        except ProtocolError as err:
            self.kill()
            raise SandboxUnavailable(f"the submission's process did not start ({err}): {self.output_tail()}") from None
        if not isinstance(ready, dict) or ready.get("k") != "ready":
            self.kill()
            raise SandboxUnavailable("the submission's process did not start properly")
        names = None
        if "gdbp.objectives" in self.policy.local:  # built-in objectives travel by name (see wire.rpc)
            import gdbp.objectives
            names = objective_names(gdbp.objectives)
        self.endpoint = Endpoint(from_agent_r, to_agent_w, "t", policy=self.policy, live=True, names=names,
                                 handlers={"import": self._serve_import},
                                 on_broken=lambda kind, reason: self.kill(grace=0.3 if kind == "broken" else 0))
        return self.endpoint

    def _serve_import(self, endpoint, message, blobs, args, kwargs):
        import importlib
        name = message.get("name")
        if not self.policy.may_import(name):
            raise ImportError(f"No module named {name!r} (the grader serves only the course's own modules)")
        return importlib.import_module(name)

    def _drain(self, fd):
        with os.fdopen(fd, "rb", buffering=0) as stream:
            while True:
                chunk = stream.read(65536)
                if not chunk:
                    return
                self._tail += chunk
                del self._tail[:-16384]

    def exit_reason(self) -> str:
        """Why the process ended, as far as its exit status tells."""
        code = self.process.poll() if self.process is not None else None
        if code is None:
            return "it stopped answering"
        signals = {signal.SIGXCPU: "it used up its CPU time limit", signal.SIGXFSZ: "it wrote a file above the size limit",
                   signal.SIGSEGV: "it crashed (segmentation fault)", signal.SIGKILL: "it was killed",
                   signal.SIGSYS: "it made a forbidden system call"}
        for sig, text in signals.items():
            if code in (-sig, 128 + sig):
                return text
        return f"it exited with status {code}"

    def output_tail(self) -> str:
        """The last lines the process wrote to its own stdout/stderr (outside the channel)."""
        return self._tail.decode("utf-8", "replace").strip()[-2000:]

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and \
            (self.endpoint is None or not self.endpoint.broken)

    def kill(self, grace=0.0):
        """End the process and everything in its PID namespace; close the channel. ``grace``: seconds to
        wait first for a process that is ending by itself (its exit status says why)."""
        process = self.process
        if process is not None and process.poll() is None and grace:
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                process.kill()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for fd in (getattr(self, "_rfd", None), getattr(self, "_wfd", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._rfd = self._wfd = None
        if self._home:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        return False

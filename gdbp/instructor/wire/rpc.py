"""One endpoint of the channel: requests on the other side's objects, and proxies that stand for them.

Both sides run an :class:`Endpoint` on a pair of pipes. A call is synchronous: the caller sends a
request and, while it waits for the reply, serves the requests the other side makes meanwhile (the
grader calls the learner's ``adam``, which calls ``gdbp.optim.ema``, which runs in the grader). So the
two processes never run at the same time and never share memory.

A value the other side sends is data (see ``codec``) or a handle. A handle of an object we exported
resolves to that object; a handle of the other side's object becomes a :class:`Proxy`: calling it,
reading or writing its attributes, or applying an operator (``a * b``, ``len(a)``, ``iter(a)``) sends a
request. The same remote object is always the same proxy (``is``, sets and dicts work); a proxy of a
remote class is a real class, so ``isinstance(v, Value)`` and ``issubclass`` work.

Arrays travel by value, but in-place changes are not lost: after a call, every array (and random
generator) among the arguments that the callee changed is sent back and written into the caller's
original (copy-in, copy-out), so "the function changed its input" stays observable.

What a side serves is decided by its ``policy`` (the grader's refuses everything but the public parts
of its course packages, see ``gdbp/instructor/policy.py``); the sandbox serves everything, since all it
holds is the submission's own objects.
"""
from __future__ import annotations

import builtins
import copy
import inspect
import io
import operator
import signal
import sys
import threading
import time
import traceback
import types
import weakref

import numpy as np

from .codec import ByReference, DeadlineExceeded, Decoder, Encoder, FrameReader, PeerGone, ProtocolError, write_frame

# Operators a proxy forwards, by the name of the method on the proxy type.
BINARY = {name: getattr(operator, name) for name in (
    "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and_", "or_", "xor",
    "lshift", "rshift", "lt", "le", "gt", "ge", "eq", "ne")}
UNARY = {"neg": operator.neg, "pos": operator.pos, "abs": operator.abs, "invert": operator.invert,
         "len": len, "iter": iter, "next": next, "bool": bool, "float": float, "int": int,
         "index": operator.index, "complex": complex, "repr": repr, "str": str,
         "copy": copy.copy, "deepcopy": copy.deepcopy, "hash": hash}
OTHER = {"getitem": operator.getitem, "setitem": operator.setitem, "delitem": operator.delitem,
         "contains": operator.contains}
OPERATORS = {**BINARY, **UNARY, **OTHER}
# The methods a class must define (other than ``object``'s) for its proxy type to offer the operator.
_DUNDER_OF = {"add": "__add__", "sub": "__sub__", "mul": "__mul__", "truediv": "__truediv__",
              "floordiv": "__floordiv__", "mod": "__mod__", "pow": "__pow__", "matmul": "__matmul__",
              "and_": "__and__", "or_": "__or__", "xor": "__xor__", "lshift": "__lshift__",
              "rshift": "__rshift__", "lt": "__lt__", "le": "__le__", "gt": "__gt__", "ge": "__ge__",
              "eq": "__eq__", "ne": "__ne__", "neg": "__neg__", "pos": "__pos__", "abs": "__abs__",
              "invert": "__invert__", "len": "__len__", "iter": "__iter__", "next": "__next__",
              "bool": "__bool__", "float": "__float__", "int": "__int__", "index": "__index__",
              "complex": "__complex__", "getitem": "__getitem__", "setitem": "__setitem__",
              "delitem": "__delitem__", "contains": "__contains__", "call": "__call__"}
_REFLECTED = {"add": "__radd__", "sub": "__rsub__", "mul": "__rmul__", "truediv": "__rtruediv__",
              "floordiv": "__rfloordiv__", "mod": "__rmod__", "pow": "__rpow__", "matmul": "__rmatmul__",
              "and_": "__rand__", "or_": "__ror__", "xor": "__rxor__", "lshift": "__rlshift__",
              "rshift": "__rrshift__"}
# Attributes of a remote object that are fetched (all others starting with "__" are not remote).
REMOTE_DUNDERS = ("__name__", "__qualname__", "__module__", "__doc__")
MAX_TEXT = 1 << 20  # characters of output or of an error message accepted per reply
MAX_DESCRIPTIONS = 10_000  # class descriptions kept from the other side
MAX_EXPORTS = 200_000      # objects shared with the other side at once
_EXCEPTIONS = {name: obj for name, obj in vars(builtins).items()
               if isinstance(obj, type) and issubclass(obj, Exception)}


class RemoteError(Exception):
    """An exception of a type that is not a builtin, raised on the other side (``remote_type`` names it)."""

    def __init__(self, remote_type, message):
        super().__init__(f"{remote_type}: {message}" if message else remote_type)
        self.remote_type = remote_type


class _ServeTimeout(BaseException):
    """The grader's work for the other side ran past the deadline (BaseException: served code's
    ``except Exception`` cannot swallow it)."""


class Fenced(PermissionError):
    """The peer used an object it may not use now (the course's library while a test runs)."""


class SubmissionStopped(RuntimeError):
    """The other side is gone (it exited, crashed, was killed, or broke the protocol)."""


# ------------------------------------------------------------------------------------------ proxies

class Proxy:
    """Stands for an object on the other side. Every operation on it is a request (see module docstring)."""

    __slots__ = ("_gdbp_ep", "_gdbp_hid", "_gdbp_n", "__weakref__")

    def __getattribute__(self, name):
        # the proxy type holds the remote *class's* __module__ and __doc__; an instance has its own
        if name == "__module__" or name == "__doc__":
            return object.__getattribute__(self, "_gdbp_ep").request(
                "getattr", h=object.__getattribute__(self, "_gdbp_hid"), name=name)
        return object.__getattribute__(self, name)

    def __getattr__(self, name):
        if name.startswith("__") and name not in REMOTE_DUNDERS:
            raise AttributeError(name)
        ep = object.__getattribute__(self, "_gdbp_ep")
        hid = object.__getattribute__(self, "_gdbp_hid")
        if name in type(self)._gdbp_methods:
            return BoundRemoteMethod(self, name)
        return ep.request("getattr", h=hid, name=name)

    def __setattr__(self, name, value):
        if name in Proxy.__slots__:
            object.__setattr__(self, name, value)
        else:
            self._gdbp_ep.request("setattr", h=self._gdbp_hid, name=name, value=value)

    def __delattr__(self, name):
        self._gdbp_ep.request("delattr", h=self._gdbp_hid, name=name)

    @property
    def __signature__(self):
        return self._gdbp_ep.signature(self._gdbp_hid)

    def __reduce_ex__(self, protocol):
        raise TypeError("a remote object cannot be pickled")

    def __copy__(self):
        return self._gdbp_ep.request("op", name="copy", args=(self,))

    def __deepcopy__(self, memo):
        return self._gdbp_ep.request("op", name="deepcopy", args=(self,))

    def __hash__(self):
        return hash((id(self._gdbp_ep), self._gdbp_hid))

    def __repr__(self):
        return self._gdbp_ep.request("op", name="repr", args=(self,))

    def __str__(self):
        return self._gdbp_ep.request("op", name="str", args=(self,))

    def __dir__(self):
        return sorted(type(self)._gdbp_methods)

    def __del__(self):
        # "I have received this handle n times and hold it no more": the owner frees the object only when
        # it has sent it that many times, so a handle sent again meanwhile stays valid
        try:
            get = object.__getattribute__
            get(self, "_gdbp_ep")._released.append((get(self, "_gdbp_hid"), get(self, "_gdbp_n")))
        except Exception:  # noqa: BLE001 - interpreter shutdown, a half-built proxy
            pass


class BoundRemoteMethod:
    """``proxy.method`` for a method defined on the remote object's class: calling it is one request."""

    __slots__ = ("_proxy", "_name")

    def __init__(self, proxy, name):
        self._proxy, self._name = proxy, name

    def __call__(self, *args, **kwargs):
        p = self._proxy
        return p._gdbp_ep.request("callmethod", h=p._gdbp_hid, name=self._name, args=args, kwargs=kwargs)

    def _fetch(self):
        p = self._proxy
        return p._gdbp_ep.request("getattr", h=p._gdbp_hid, name=self._name)

    def __getattr__(self, name):
        return getattr(self._fetch(), name)

    @property
    def __signature__(self):
        return inspect.signature(self._fetch())

    @property
    def __self__(self):
        return self._proxy

    def __repr__(self):
        return f"<remote method {self._name} of {type(self._proxy).__name__}>"


class ProxyMeta(type):
    """The type of proxy classes. A proxy class may also stand for the remote class object itself
    (``_gdbp_hid`` set): calling it instantiates remotely; its attributes are the remote class's."""

    def __call__(cls, *args, **kwargs):
        if cls._gdbp_class_hid is None:
            raise TypeError(f"{cls.__name__} is a class of the other side that was not shared; it cannot be called")
        return cls._gdbp_cls_ep.request("call", h=cls._gdbp_class_hid, args=args, kwargs=kwargs)

    def __getattr__(cls, name):
        if name.startswith("__") and name not in REMOTE_DUNDERS or cls._gdbp_class_hid is None:
            raise AttributeError(name)
        return cls._gdbp_cls_ep.request("getattr", h=cls._gdbp_class_hid, name=name)

    def __setattr__(cls, name, value):
        if name.startswith("_gdbp_") or cls._gdbp_class_hid is None:
            type.__setattr__(cls, name, value)
        else:
            cls._gdbp_cls_ep.request("setattr", h=cls._gdbp_class_hid, name=name, value=value)

    @property
    def __signature__(cls):
        if cls._gdbp_class_hid is None:
            raise AttributeError("__signature__")
        return cls._gdbp_cls_ep.signature(cls._gdbp_class_hid)


class _Operator:
    """An operator method of a proxy type (``__add__``, ``__call__``, ``__len__``...).

    On an instance it is the forwarding method, so ``a + b`` and ``len(a)`` become requests. On the class
    itself (``Value.__add__``) it is the remote class's own attribute, as it would be without the proxy:
    the learner's function, not this forwarder."""

    __slots__ = ("dunder", "fn")

    def __init__(self, dunder, fn):
        self.dunder, self.fn = dunder, fn

    def __get__(self, instance, owner):
        if instance is None:
            if owner is None or owner._gdbp_class_hid is None:
                raise AttributeError(self.dunder)
            return owner._gdbp_cls_ep.request("getattr", h=owner._gdbp_class_hid, name=self.dunder)
        return types.MethodType(self.fn, instance)


def _binary(op):
    def forward(self, other):
        return self._gdbp_ep.request("op", name=op, args=(self, other))

    def reflected(self, other):
        return self._gdbp_ep.request("op", name=op, args=(other, self))

    return forward, reflected


def _unary(op):
    def forward(self, *args):
        return self._gdbp_ep.request("op", name=op, args=(self, *args))
    return forward


def _call(self, *args, **kwargs):
    return self._gdbp_ep.request("call", h=self._gdbp_hid, args=args, kwargs=kwargs)


def proxy_class(ep, key, description):
    """A new proxy type for the remote class described by ``description`` (from :func:`describe_class`)."""
    namespace = {"__slots__": (), "_gdbp_cls_ep": ep, "_gdbp_key": key, "_gdbp_class_hid": None,
                 "_gdbp_methods": frozenset(description.get("methods", ())),
                 "__module__": str(description.get("module", "?")), "__qualname__": str(description.get("qualname", "?")),
                 "__doc__": description.get("doc") if isinstance(description.get("doc"), str) else None}
    offered = set(description.get("dunders", ()))
    for op, dunder in _DUNDER_OF.items():
        if op not in offered:
            continue
        if op == "call":
            namespace["__call__"] = _Operator(dunder, _call)
        elif op in BINARY:
            forward, reflected = _binary(op)
            namespace[dunder] = _Operator(dunder, forward)
            if op in _REFLECTED:
                namespace[_REFLECTED[op]] = _Operator(_REFLECTED[op], reflected)
        elif op in ("float", "int", "index", "complex", "bool", "len", "iter", "next", "neg", "pos", "abs",
                    "invert", "getitem", "setitem", "delitem", "contains"):
            namespace[dunder] = _Operator(dunder, _unary(op))
    for op in _REFLECTED:  # reflected operators the remote class defines without the forward one
        if op not in offered and ("r" + op) in offered:
            namespace[_REFLECTED[op]] = _Operator(_REFLECTED[op], _binary(op)[1])
    if "eq" in offered:
        namespace["__hash__"] = Proxy.__hash__  # defining __eq__ would otherwise drop __hash__
    name = str(description.get("name", "RemoteObject"))
    return ProxyMeta(name if name.isidentifier() else "RemoteObject", (Proxy,), namespace)


def describe_class(cls):
    """What a peer needs to build a proxy type for instances of ``cls`` (names, operators, methods)."""
    offered = [op for op, dunder in _DUNDER_OF.items()
               if getattr(cls, dunder, None) is not None and getattr(cls, dunder, None) is not getattr(object, dunder, None)]
    offered += ["r" + op for op, dunder in _REFLECTED.items() if getattr(cls, dunder, None) is not None]
    methods = []
    for klass in getattr(cls, "__mro__", ())[:-1]:
        for name, value in vars(klass).items():
            if not name.startswith("__") and inspect.isfunction(value):
                methods.append(name)
    doc = cls.__doc__ if isinstance(cls.__doc__, str) else None
    return {"name": cls.__name__, "qualname": cls.__qualname__, "module": str(getattr(cls, "__module__", "?")),
            "dunders": offered, "methods": sorted(set(methods)), "doc": doc[:2000] if doc else None}


# ------------------------------------------------------------------------------------------ endpoint

class Endpoint:
    """One side of the channel. ``side`` is "s" (the sandbox) or "t" (the trusted grader).

    ``policy``: an object with ``check_request(op, obj, name)`` and ``check_export(obj)`` that raise
    ``PermissionError`` for what this side refuses to serve or share (None: serve everything).
    ``handlers``: extra operations this side serves, ``{op: fn(endpoint, message_fields) -> value}``.
    ``on_broken``: called once with (kind, reason) when the channel becomes unusable mid-request.
    ``live``: serve ``dict`` and ``list`` attributes by handle instead of by value (the grader's side,
    so that a notebook's ``model.params[name] = w`` changes the model, as it would in one process).
    ``names``: ``(namer, resolver)`` for objects both sides know by name (see ``codec.Encoder``).
    """

    def __init__(self, rfd, wfd, side, *, policy=None, handlers=None, on_broken=None, live=False, names=None):
        self.rfd, self.wfd, self.side = rfd, wfd, side
        self._reader = FrameReader(rfd)
        self.live = live
        self.peer = "t" if side == "s" else "s"
        self.policy = policy
        self.handlers = dict(handlers or {})
        self.on_broken = on_broken
        self.exported = {}        # handle id -> our object
        self._export_ids = {}     # id(our object) -> handle id
        self._class_keys = {}     # our class -> key
        self._described = set()   # keys of our classes already described to the peer
        self._proxies = weakref.WeakValueDictionary()  # peer handle id -> proxy
        self._proxy_classes = {}  # peer class key -> proxy type
        self._signatures = {}
        self._next_id = 1
        self._seq = 0
        self._refs = []
        self._released = []       # (id, times received) of the peer's objects whose proxies died: sent with
        self._sent = {}           # the next frame; and how often we sent each of ours
        self.fence = None         # (grader side, during a test) handle ids below it are out of bounds
        self.violations = []      # what the peer tried on out-of-bounds handles
        self._descriptions = {}   # peer class key (str) -> description
        self.broken = None
        self.broken_kind = None   # "timeout", "broken" or "interrupted"
        self.deadline = None      # time.monotonic() value: requests fail after it (grader side)
        self.call_seconds = None  # and each request after this many seconds
        namer, resolver = names if names is not None else (None, None)
        self.encoder = Encoder(self._to_handle, namer)
        self.decoder = Decoder(self._from_handle, resolver)

    # --- handles
    def _to_handle(self, obj):
        if isinstance(obj, Proxy) and obj._gdbp_ep is self:
            return {"#": "h", "o": self.peer, "i": obj._gdbp_hid}
        if isinstance(obj, ProxyMeta) and obj._gdbp_cls_ep is self and obj._gdbp_class_hid is not None:
            return {"#": "h", "o": self.peer, "i": obj._gdbp_class_hid}
        hid = self._export_ids.get(id(obj))
        if hid is not None and self.fence is not None and hid < self.fence:
            hid = None  # handed out again during a test: a new handle, the old one stays out of bounds
        if hid is None:
            if self.policy is not None:
                self.policy.check_export(obj)
            if len(self.exported) >= MAX_EXPORTS:
                raise PermissionError(f"more than {MAX_EXPORTS} objects are shared with the other side")
            hid = self._next_id
            self._next_id += 1
            self.exported[hid] = obj
            self._export_ids[id(obj)] = hid
        self._sent[hid] = self._sent.get(hid, 0) + 1
        ref = {"#": "h", "o": self.side, "i": hid, "k": self._key(type(obj))}
        if isinstance(obj, type):
            ref["cls"] = self._key(obj)
        self._refs.append(ref)  # their classes are described once, on the frame that first sends them
        return ref

    def _key(self, cls):
        key = self._class_keys.get(cls)
        if key is None:
            key = self._class_keys[cls] = len(self._class_keys) + 1
        return key

    def _describe_pending(self, ref, out):
        """Attach descriptions of our classes the peer has not seen yet (on the frame, in ``out``)."""
        for field in ("k", "cls"):
            key = ref.get(field)
            if key is not None and key not in self._described:
                cls = next(c for c, k in self._class_keys.items() if k == key)
                out[str(key)] = describe_class(cls)
                self._described.add(key)

    def _from_handle(self, ref):
        owner, hid = ref.get("o"), ref.get("i")
        if type(hid) is not int:
            raise ProtocolError("a handle without an id")
        if owner == self.side:
            try:
                obj = self.exported[hid]
            except KeyError:
                raise ProtocolError(f"a handle {hid} that this side never gave out") from None
            if self.fence is not None and hid < self.fence:
                self._out_of_bounds(obj)
            return obj
        if owner != self.peer:
            raise ProtocolError("a handle of an unknown owner")
        if "cls" in ref:  # the remote object is a class: its proxy is the proxy type itself
            cls = self._proxy_class(ref["cls"])
            if cls._gdbp_class_hid is None:
                type.__setattr__(cls, "_gdbp_class_hid", hid)
            return cls
        proxy = self._proxies.get(hid)
        if proxy is None:
            cls = self._proxy_class(ref.get("k"))
            proxy = object.__new__(cls)
            object.__setattr__(proxy, "_gdbp_ep", self)
            object.__setattr__(proxy, "_gdbp_hid", hid)
            object.__setattr__(proxy, "_gdbp_n", 1)
            self._proxies[hid] = proxy
        else:
            object.__setattr__(proxy, "_gdbp_n", object.__getattribute__(proxy, "_gdbp_n") + 1)
        return proxy

    def _proxy_class(self, key):
        cls = self._proxy_classes.get(key)
        if cls is None:
            description = self._descriptions.get(str(key))
            if description is None:
                description = self.request("describe", key=key)
            if type(description) is not dict:
                raise ProtocolError("a class description is not a dict")
            cls = self._proxy_classes[key] = proxy_class(self, key, description)
        return cls

    def _out_of_bounds(self, obj):
        """The peer used one of our objects it had before the current test: record it, refuse it."""
        what = self.policy.describe(obj) if self.policy is not None and hasattr(self.policy, "describe") else \
            type(obj).__name__
        if what not in self.violations:
            self.violations.append(what)
        raise Fenced(f"{what} is not available to your code while it is being tested")

    def signature(self, hid):
        sig = self._signatures.get(hid)
        if sig is None:
            params = self.request("signature", h=hid)
            if params is None:
                raise ValueError("no signature found for the remote callable")
            try:
                sig = inspect.Signature([
                    inspect.Parameter(name, inspect._ParameterKind(kind),
                                      default=inspect.Parameter.empty if not has_default else default)
                    for name, kind, has_default, default in params])
            except (TypeError, ValueError) as err:
                raise ProtocolError(f"a malformed signature ({err})") from None
            self._signatures[hid] = sig
        return sig

    # --- frames
    def _frame(self, message, value_fields):
        """Encode a message's values (this may raise TypeError, ValueError or PermissionError: nothing is sent)."""
        blobs, classes = [], {}
        self._refs = []
        if self._released:
            message["rel"], self._released = self._released[:10_000], self._released[10_000:]
        for field, value in value_fields.items():
            message[field] = self.encoder.encode_into(value, blobs)
        for ref in self._refs:
            self._describe_pending(ref, classes)
        if classes:
            message["classes"] = classes
        return message, blobs

    def _send(self, message, value_fields):
        write_frame(self.wfd, *self._frame(message, value_fields))

    def _receive(self, deadline=None):
        message, blobs = self._reader.read(deadline)
        if type(message) is not dict:
            raise ProtocolError("a message is not an object")
        classes = message.get("classes") or {}
        if type(classes) is not dict:
            raise ProtocolError("malformed class descriptions")
        for key, description in list(classes.items())[:1000]:
            if len(self._descriptions) < MAX_DESCRIPTIONS and key not in self._descriptions:
                self._descriptions[key] = _clean_description(description)
        released = message.get("rel")
        if type(released) is list:
            for item in released[:10_000]:
                if type(item) is not list or len(item) != 2 or type(item[0]) is not int or type(item[1]) is not int:
                    continue
                hid, count = item
                left = self._sent.get(hid, 0) - count
                if left > 0:
                    self._sent[hid] = left  # sent again since: still in use
                    continue
                self._sent.pop(hid, None)
                obj = self.exported.pop(hid, None)
                if obj is not None and self._export_ids.get(id(obj)) == hid:
                    del self._export_ids[id(obj)]
        return message, blobs

    def value(self, message, blobs, field):
        return self.decoder.decode(message.get(field), blobs) if field in message else None

    # --- requests
    def request(self, op, **fields):
        """Send one request and return its result (serving the peer's requests meanwhile).

        Raises the peer's exception (a builtin type, or :class:`RemoteError`) when the request failed
        there, and :class:`SubmissionStopped` when the channel is or becomes unusable. Any other
        exception raised while waiting (a time limit's alarm) breaks the channel and propagates."""
        if self.broken:
            raise SubmissionStopped(self.broken)
        self._seq += 1
        seq = self._seq
        values = {k: v for k, v in fields.items() if k in ("args", "kwargs", "value")}
        plain = {k: v for k, v in fields.items() if k not in values}
        frame = self._frame({"k": "q", "id": seq, "op": op, **plain}, values)
        deadline = self.deadline
        if self.call_seconds is not None:
            limit = time.monotonic() + self.call_seconds
            deadline = limit if deadline is None else min(deadline, limit)
        failure = None
        try:
            if deadline is not None and time.monotonic() > deadline:
                raise DeadlineExceeded("no time left")
            write_frame(self.wfd, *frame)
            while True:
                message, blobs = self._receive(deadline)
                kind = message.get("k")
                if kind == "q":
                    self._serve_until(message, blobs, deadline)
                    continue
                if message.get("id") != seq or kind not in ("r", "x"):
                    raise ProtocolError("a reply out of order")
                self._echo(message)
                if kind == "x":
                    failure = self._exception(message)
                    break
                result = self.value(message, blobs, "v")
                self._write_back(fields, message, blobs)
                return result
        except DeadlineExceeded:
            self._break("timeout", "the other process did not answer in time")
            raise SubmissionStopped(self.broken) from None
        except (ProtocolError, OSError) as err:
            self._break("broken", f"the channel to the other process failed: {err}")
            raise SubmissionStopped(self.broken) from None
        except SubmissionStopped:
            raise
        except BaseException as err:
            # interrupted while waiting (a time limit's alarm, Ctrl-C): the peer is mid-call, the channel is lost
            self._break("interrupted", f"stopped while waiting for the other process ({type(err).__name__})")
            raise
        raise failure

    def _break(self, kind, reason):
        if not self.broken:
            self.broken, self.broken_kind = reason, kind
            if self.on_broken is not None:
                self.on_broken(kind, reason)

    def _exception(self, message):
        error = message.get("e") or {}
        if type(error) is not dict:
            error = {}
        name, text = str(error.get("type", "Exception"))[:200], str(error.get("message", ""))[:MAX_TEXT]
        cls = _EXCEPTIONS.get(name)
        if cls is None or not issubclass(cls, Exception):
            exc = RemoteError(name, text)
        else:
            try:
                exc = cls(text)
            except Exception:  # noqa: BLE001 - a builtin exception type that needs other arguments
                exc = RemoteError(name, text)
        frames = error.get("frames")
        exc.remote_frames = [tuple(str(x)[:500] for x in f) for f in frames[:50] if type(f) is list] \
            if type(frames) is list else []
        return exc

    def _echo(self, message):
        """Write what the other side printed while serving our request to our own stdout/stderr."""
        out = message.get("out")
        if type(out) is list:
            for item in out[:1000]:
                if type(item) is list and len(item) == 2 and type(item[1]) is str:
                    stream = sys.stderr if item[0] == "stderr" else sys.stdout
                    stream.write(item[1][:MAX_TEXT])

    # --- serving
    def serve(self):
        """Serve requests until the peer closes the channel (the sandbox's main loop)."""
        while True:
            try:
                message, blobs = self._receive()
            except PeerGone:
                return
            if message.get("k") != "q":
                raise ProtocolError("a reply with no request")
            self._serve(message, blobs)

    def _serve_until(self, message, blobs, deadline):
        """Serve a request that arrived while we wait for ``deadline``; on the grader's side the work it
        asks for (``gdbp.descent.gradient_descent(..., num_steps=10**9)``) is stopped at that deadline
        too, with a nested alarm that leaves an outer one (a checker's time limit) in place."""
        if self.side != "t" or deadline is None or threading.current_thread() is not threading.main_thread():
            return self._serve(message, blobs)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DeadlineExceeded("no time left to serve the other side")
        outer_handler = signal.getsignal(signal.SIGALRM)
        outer_delay, _ = signal.getitimer(signal.ITIMER_REAL)
        ours = not outer_delay or remaining < outer_delay
        start = time.monotonic()
        if ours:
            def expire(signum, frame):
                raise _ServeTimeout()
            signal.signal(signal.SIGALRM, expire)
            signal.setitimer(signal.ITIMER_REAL, remaining)
        try:
            self._serve(message, blobs)
        except _ServeTimeout:
            raise DeadlineExceeded("the work the other side asked for ran out of time") from None
        finally:
            if ours:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, outer_handler)
                if outer_delay:
                    signal.setitimer(signal.ITIMER_REAL, max(outer_delay - (time.monotonic() - start), 1e-3))

    def _serve(self, message, blobs):
        """Perform one request of the peer and send the reply (or the error it raised).

        The grader side turns only ``Exception``s into error replies: an alarm or Ctrl-C raised while it
        serves the sandbox propagates and breaks the channel. The sandbox side reports every exception
        of the submission's code (``sys.exit()`` in a learner's function is an error of that call)."""
        seq, op = message.get("id"), message.get("op")
        capture = _Capture()
        catch = BaseException if self.side == "s" else Exception
        try:
            with capture:
                args = self.value(message, blobs, "args") or ()
                kwargs = self.value(message, blobs, "kwargs") or {}
                if type(args) is not tuple or type(kwargs) is not dict or not all(type(k) is str for k in kwargs):
                    raise ProtocolError("malformed arguments")
                snapshot = _snapshot((args, kwargs))
                result = self._perform(op, message, blobs, args, kwargs)
                written = _changed(snapshot, (args, kwargs))
        except (ProtocolError, SubmissionStopped):
            raise
        except catch as err:  # noqa: BLE001 - the served call's error goes back to the caller
            self._send({"k": "x", "id": seq, "out": capture.items, "e": _error(err, frames=self.side == "s")}, {})
            return
        values = {"v": result}
        if written:
            values["wb"] = written
        try:
            self._send({"k": "r", "id": seq, "out": capture.items}, values)
        except (TypeError, ValueError, PermissionError) as err:  # the result cannot be sent
            self._send({"k": "x", "id": seq, "out": capture.items, "e": _error(err, frames=self.side == "s")}, {})

    def _perform(self, op, message, blobs, args, kwargs):
        custom = self.handlers.get(op)
        if custom is not None:
            if self.fence is not None and op == "import":
                what = f"import {message.get('name')}"
                if what not in self.violations:
                    self.violations.append(what)
                raise Fenced(f"`{what}` is not available to your code while it is being tested")
            return custom(self, message, blobs, args, kwargs)
        if op == "describe":
            key = message.get("key")
            cls = next((c for c, k in self._class_keys.items() if k == key), None)
            if cls is None:
                raise ProtocolError("describe: an unknown class key")
            self._described.add(key)
            return describe_class(cls)
        obj = self._target(message)
        name = message.get("name")
        if self.policy is not None:
            self.policy.check_request(op, obj, name)
        if op == "getattr":
            value = getattr(obj, _name(name))
            # live=True: a dict or list attribute of an *instance* goes by handle, so that a notebook's
            # model.params[name] = w changes the model; a module's or class's tables go by value
            live = self.live and type(value) in (dict, list) and not isinstance(obj, (types.ModuleType, type))
            return ByReference(value) if live else value
        if op == "setattr":
            setattr(obj, _name(name), self.value(message, blobs, "value"))
            return None
        if op == "delattr":
            delattr(obj, _name(name))
            return None
        if op == "call":
            return obj(*args, **kwargs)
        if op == "callmethod":
            return getattr(obj, _name(name))(*args, **kwargs)
        if op == "op":
            fn = OPERATORS.get(name)
            if fn is None:
                raise ProtocolError(f"unknown operator {name!r}")
            return fn(*args)
        if op == "signature":
            try:
                sig = inspect.signature(obj)
            except (TypeError, ValueError):
                return None
            return [(p.name, int(p.kind), p.default is not p.empty, None if p.default is p.empty else p.default)
                    for p in sig.parameters.values()]
        raise ProtocolError(f"unknown request {op!r}")

    def _target(self, message):
        if message.get("op") == "op":
            return None
        hid = message.get("h")
        try:
            obj = self.exported[hid]
        except (KeyError, TypeError):
            raise ProtocolError(f"a request on an unknown handle {hid!r}") from None
        if self.fence is not None and hid < self.fence:
            self._out_of_bounds(obj)
        return obj

    def _write_back(self, fields, message, blobs):
        """Apply the callee's in-place changes to our original argument arrays (copy-out)."""
        if "wb" not in message:
            return
        changes = self.value(message, blobs, "wb")
        if type(changes) is not list:
            raise ProtocolError("malformed write-back")
        originals = (tuple(fields.get("args") or ()), dict(fields.get("kwargs") or {}))
        for change in changes[:10_000]:
            if type(change) is not tuple or len(change) != 2:
                raise ProtocolError("malformed write-back")
            path, new = change
            target = _follow(originals, path)
            if isinstance(target, np.ndarray) and isinstance(new, np.ndarray) and target.flags.writeable \
                    and target.shape == new.shape:
                target[...] = new
            elif isinstance(target, np.random.Generator) and isinstance(new, np.random.Generator):
                try:
                    target.bit_generator.state = new.bit_generator.state
                except (TypeError, ValueError):
                    pass


# --------------------------------------------------------------------------------------- helpers

def _name(name):
    if type(name) is not str or not name.isidentifier():
        raise ProtocolError("an attribute name that is not an identifier")
    return name


def _snapshot(value, path=(), depth=0):
    """[(path, copy)] of the arrays and generators inside the arguments (containers followed 4 levels)."""
    out = []
    if isinstance(value, np.ndarray):
        out.append((path, value.copy()))
    elif isinstance(value, np.random.Generator):
        out.append((path, copy.deepcopy(value.bit_generator.state)))
    elif depth < 4 and type(value) in (tuple, list):
        for i, item in enumerate(value[:1000]):
            out += _snapshot(item, path + (i,), depth + 1)
    elif depth < 4 and type(value) is dict:
        for key, item in list(value.items())[:1000]:
            if type(key) in (str, int):
                out += _snapshot(item, path + (key,), depth + 1)
    return out


def _changed(snapshot, value):
    written = []
    for path, before in snapshot:
        now = _follow(value, path)
        if isinstance(now, np.ndarray):
            if now.shape != before.shape or not np.array_equal(now, before, equal_nan=now.dtype.kind in "fc"):
                written.append((path, now))
        elif isinstance(now, np.random.Generator) and now.bit_generator.state != before:
            written.append((path, now))
    return written


def _follow(value, path):
    for step in path if type(path) in (tuple, list) else ():
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _error(err, frames=True):
    """An exception as data: its type name, message and (``frames``: the sandbox side only, which has
    nothing to hide) the frames of its traceback (file, line, name, text)."""
    try:
        message = str(err)
    except BaseException:  # noqa: BLE001 - a learner's __str__ may itself raise
        message = "<the exception's message could not be printed>"
    error = {"type": type(err).__name__, "message": message[:MAX_TEXT]}
    if frames:
        error["frames"] = [(f.filename, f.lineno, f.name, f.line or "")
                           for f in traceback.extract_tb(err.__traceback__)][-20:]
    return error


def _clean_description(description):
    """A class description from the other side, reduced to plain, short strings (never trusted further)."""
    if type(description) is not dict:
        return {}
    def text(value, limit=200):
        return value[:limit] if type(value) is str else "?"
    names = [n for n in description.get("methods", ())[:500] if type(n) is str and n.isidentifier()] \
        if type(description.get("methods")) is list else []
    dunders = [d for d in description.get("dunders", ())[:100] if type(d) is str] \
        if type(description.get("dunders")) is list else []
    doc = description.get("doc")
    return {"name": text(description.get("name")), "qualname": text(description.get("qualname")),
            "module": text(description.get("module")), "methods": names, "dunders": dunders,
            "doc": doc[:2000] if type(doc) is str else None}


class _Capture:
    """Collect what is printed while a request is served, to send it with the reply."""

    def __init__(self):
        self.items = []

    def __enter__(self):
        self._saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Stream(self, "stdout"), _Stream(self, "stderr")
        return self

    def __exit__(self, *exc):
        sys.stdout, sys.stderr = self._saved
        return False


class _Stream(io.TextIOBase):
    def __init__(self, capture, name):
        self._capture, self._name, self._size = capture, name, 0

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self._size < MAX_TEXT:
            piece = text[:MAX_TEXT - self._size]
            self._size += len(piece)
            items = self._capture.items
            if items and items[-1][0] == self._name:
                items[-1][1] += piece
            else:
                items.append([self._name, piece])
        return len(text)

    def flush(self):
        pass


def objective_names(objectives_module):
    """``(namer, resolver)`` for the built-in objectives of a ``gdbp.objectives`` module (the grader's
    or the sandbox's copy): an objective of ``OBJECTIVES`` and its ``value``/``grad`` methods travel as
    ``["objective", name, method]`` and arrive as the other side's own, with no request per call."""
    methods = ("value", "grad")

    def namer(obj):
        registry = objectives_module.OBJECTIVES
        target, method = obj, None
        if isinstance(obj, types.MethodType) and obj.__func__.__name__ in methods:
            target, method = obj.__self__, obj.__func__.__name__
        name = getattr(target, "name", None) if type(target).__name__ == "Objective" else None
        if type(name) is str and registry.get(name) is target and \
                (method is None or getattr(type(target), method) is obj.__func__):
            return ["objective", name] + ([method] if method else [])
        return None

    def resolver(names):
        if names[:1] != ["objective"] or len(names) not in (2, 3) or names[1] not in objectives_module.OBJECTIVES \
                or (len(names) == 3 and names[2] not in methods):
            raise ProtocolError(f"an unknown name {names!r}")
        obj = objectives_module.OBJECTIVES[names[1]]
        return getattr(obj, names[2]) if len(names) == 3 else obj

    return namer, resolver


__all__ = ["Endpoint", "Proxy", "ProxyMeta", "RemoteError", "SubmissionStopped", "describe_class", "objective_names"]

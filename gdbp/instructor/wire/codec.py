"""Frames and values on the wire: data by value, every other object by handle, nothing executable.

A frame is ``<u32 json length><u32 blob count><u64 blob length>*count``, then the JSON text, then the
blobs (raw bytes: the contents of numpy arrays and of ``bytes``). JSON holds plain numbers, strings,
``null``/``true``/``false``; every other value is an object tagged by ``"#"``:

=========  ===============================================  =========================================
tag        value                                            decoded as
=========  ===============================================  =========================================
``t l s``  tuple, list, set (exact types) of values         the same container, items decoded
``fs``     frozenset                                        frozenset
``d``      dict (exact type): ``[[key, value], ...]``       dict
``a``      numpy array of numbers: dtype, shape, blob       a new, writable array (never a view)
``n``      numpy scalar (``np.float64(1.5)``)               the same numpy scalar type
``c``      complex                                          complex
``b``      bytes                                            bytes
``g``      numpy ``Generator`` (its bit generator's state)  a new Generator in that state
``ty``     one of a few builtin and numpy types (``float``) that type
``r sl``   range, slice                                     range, slice
``el``     ``...``                                          Ellipsis
``h``      a handle: a reference to an object that stays    the owner's object, or a proxy for it
           on the side that owns it
``nm``     an object both sides know by name (a built-in     that side's own object of that name
           objective of ``gdbp.objectives``, its methods)
=========  ===============================================  =========================================

Only exact types travel by value (a ``NamedTuple`` or a subclass of ``dict`` is an object, and goes by
handle), so what arrives is what was sent. The decoder never calls ``pickle``, ``eval``, ``exec`` or
``import``; it accepts only the dtypes and bit generators listed below and fails with
:class:`ProtocolError` on anything else, on frames larger than ``MAX_FRAME_BYTES`` and on nesting deeper
than ``MAX_DEPTH``. A peer that sends a malformed frame is treated as broken, never trusted.
"""
from __future__ import annotations

import json
import os
import select
import struct
import time

import numpy as np

MAX_FRAME_BYTES = 256 << 20  # the largest array of the course is a few MB; arrays travel as blobs
MAX_JSON_BYTES = 32 << 20    # the JSON part (numbers, strings, a cell's images as base64 text)
MAX_CONTAINERS = 200_000     # "[" and "{" in one JSON part: json.loads spends ~25x the text on them
MAX_DEPTH = 64
MAX_ITEMS = 1_000_000

# Numeric dtypes only, in native (little-endian) or byte-order-free form: no object, string, void,
# datetime or structured arrays, which could carry anything.
_DTYPES = {np.dtype(t).str: np.dtype(t) for t in (
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
    np.float16, np.float32, np.float64, np.complex64, np.complex128)}
_SCALARS = {np.dtype(t).str: t for t in (
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
    np.float16, np.float32, np.float64, np.complex64, np.complex128)}
# Only PCG64 (what np.random.default_rng makes): its state is four integers that numpy masks to its
# own widths. MT19937's and Philox's states hold buffer positions numpy does not check, and a position
# out of range reads or writes memory far from the generator (a crafted state crashes the grader).
_BIT_GENERATORS = {name: getattr(np.random, name) for name in ("PCG64", "PCG64DXSM")}
# Types that may be sent as themselves (``dtype=float``, ``isinstance(x, np.ndarray)`` arguments).
_TYPES = {t.__name__: t for t in (bool, int, float, complex, str, bytes, tuple, list, dict, set, frozenset,
                                  type(None), np.ndarray, np.bool_, np.int8, np.int16, np.int32, np.int64,
                                  np.uint8, np.uint16, np.uint32, np.uint64, np.float16, np.float32,
                                  np.float64, np.complex64, np.complex128, np.integer, np.floating, np.number)}
_TYPE_NAMES = {t: name for name, t in _TYPES.items()}
_HEADER = struct.Struct("<II")
_LENGTH = struct.Struct("<Q")


class ByReference:
    """Wrap a value to send it by handle even if it is data (a live ``dict`` the peer may change)."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj


class ProtocolError(Exception):
    """The other side sent something that is not a valid frame or value (or nothing, in time)."""


class PeerGone(ProtocolError):
    """The other side closed the channel (its process ended)."""


class DeadlineExceeded(ProtocolError):
    """No complete frame arrived before the deadline."""


# ------------------------------------------------------------------------------------------- frames

def write_frame(fd: int, message, blobs=()) -> None:
    """Write one frame (a JSON-able ``message`` and its blobs) to the file descriptor ``fd``, in one
    system call when it is small (each write to a pipe wakes the reader: fewer writes, less latency)."""
    text = json.dumps(message, separators=(",", ":"), allow_nan=True).encode()
    views = [memoryview(b).cast("B") for b in blobs]
    head = _HEADER.pack(len(text), len(views)) + b"".join(_LENGTH.pack(v.nbytes) for v in views) + text
    total = len(head) + sum(v.nbytes for v in views)
    if total > MAX_FRAME_BYTES:
        raise ValueError(f"cannot send {total} bytes: the channel's limit is {MAX_FRAME_BYTES} bytes per message")
    chunks = [head + b"".join(views)] if total <= 1 << 20 else [memoryview(head)] + views
    for chunk in chunks:
        chunk = memoryview(chunk)
        while chunk.nbytes:
            written = os.write(fd, chunk)
            chunk = chunk[written:]


class FrameReader:
    """Reads frames from a file descriptor through a buffer (one system call per frame, usually)."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = bytearray()

    def _fill(self, n: int, deadline: float | None) -> None:
        while len(self.buffer) < n:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                    raise DeadlineExceeded("no reply in time")
            chunk = os.read(self.fd, max(n - len(self.buffer), 1 << 16))
            if not chunk:
                raise PeerGone("the other side closed the channel")
            self.buffer += chunk

    def _take(self, n: int, deadline: float | None) -> bytearray:
        self._fill(n, deadline)
        out = self.buffer[:n]
        del self.buffer[:n]
        return out

    def read(self, deadline: float | None = None):
        """Read one frame; return ``(message, blobs)``. ``deadline``: a ``time.monotonic()`` value."""
        json_len, count = _HEADER.unpack(self._take(_HEADER.size, deadline))
        if count > MAX_ITEMS:
            raise ProtocolError(f"a frame announced {count} blobs")
        lengths = [_LENGTH.unpack(self._take(_LENGTH.size, deadline))[0] for _ in range(count)]
        if json_len + sum(lengths) > MAX_FRAME_BYTES:
            raise ProtocolError(f"a frame announced {json_len + sum(lengths)} bytes (limit {MAX_FRAME_BYTES})")
        if json_len > MAX_JSON_BYTES:
            raise ProtocolError(f"a frame's JSON part has {json_len} bytes (limit {MAX_JSON_BYTES})")
        text = self._take(json_len, deadline)
        blobs = [self._take(n, deadline) for n in lengths]
        return _loads(text), blobs


def _loads(text: bytearray):
    """``json.loads`` of a frame's JSON part, refused before parsing when it holds too many containers."""
    if text.count(b"[") + text.count(b"{") > MAX_CONTAINERS:
        raise ProtocolError(f"a frame holds more than {MAX_CONTAINERS} lists and objects")
    try:
        return json.loads(text.decode())
    except (ValueError, RecursionError) as err:
        raise ProtocolError(f"a frame is not valid JSON: {type(err).__name__}") from None


def read_frame(fd: int, deadline: float | None = None):
    """Read one frame from ``fd`` without buffering beyond it (for a one-off message, e.g. "ready")."""
    reader = FrameReader(fd)
    reader._fill = lambda n, d: _fill_exact(reader, n, d)
    return reader.read(deadline)


def _fill_exact(reader, n, deadline):
    while len(reader.buffer) < n:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([reader.fd], [], [], remaining)[0]:
                raise DeadlineExceeded("no reply in time")
        chunk = os.read(reader.fd, n - len(reader.buffer))
        if not chunk:
            raise PeerGone("the other side closed the channel")
        reader.buffer += chunk


# ------------------------------------------------------------------------------------------- values

class Encoder:
    """Turn a value into (JSON-able, blobs). ``to_handle(obj)`` gives the handle of an object sent by reference.

    ``namer(obj)``: optional; a list of strings for an object both sides know by name (a built-in objective
    of ``gdbp.objectives``, which exists on both sides as the same pure code), sent as that name instead of
    a handle, so that a loop on one side does not ask the other side at every step."""

    def __init__(self, to_handle, namer=None):
        self.to_handle = to_handle
        self.namer = namer

    def encode(self, value):
        blobs = []
        return self._enc(value, blobs, 0), blobs

    def encode_into(self, value, blobs):
        """Encode ``value``, appending its blobs to ``blobs`` (one frame's list)."""
        return self._enc(value, blobs, 0)

    def _enc(self, v, blobs, depth):
        if depth > MAX_DEPTH:
            raise ValueError(f"cannot send a value nested more than {MAX_DEPTH} levels deep (a container that "
                             "holds itself?)")
        t = type(v)
        if v is None or t is bool or t is int or t is float or t is str:
            return v
        if t is ByReference:
            return self.to_handle(v.obj)
        if t is tuple or t is list or t is set or t is frozenset:
            tag = {tuple: "t", list: "l", set: "s", frozenset: "fs"}[t]
            return {"#": tag, "v": [self._enc(x, blobs, depth + 1) for x in v]}
        if t is dict:
            return {"#": "d", "v": [[self._enc(k, blobs, depth + 1), self._enc(x, blobs, depth + 1)]
                                    for k, x in v.items()]}
        if t is np.ndarray and v.dtype.str in _DTYPES:
            a = v if v.flags.c_contiguous else v.copy(order="C")  # (np.ascontiguousarray makes 0-d arrays 1-d)
            blobs.append(a.data if a.size else b"")
            return {"#": "a", "d": a.dtype.str, "s": list(a.shape), "i": len(blobs) - 1}
        if isinstance(v, np.generic) and type(v) in _SCALARS.values() and v.dtype.str in _SCALARS:
            blobs.append(np.asarray(v).tobytes())
            return {"#": "n", "d": v.dtype.str, "i": len(blobs) - 1}
        if t is complex:
            return {"#": "c", "v": [v.real, v.imag]}
        if t is bytes:
            blobs.append(v)
            return {"#": "b", "i": len(blobs) - 1}
        if t is np.random.Generator and type(v.bit_generator).__name__ in _BIT_GENERATORS:
            return {"#": "g", "v": self._enc(v.bit_generator.state, blobs, depth + 1)}
        if t is range:
            return {"#": "r", "v": [v.start, v.stop, v.step]}
        if t is slice:
            return {"#": "sl", "v": [self._enc(x, blobs, depth + 1) for x in (v.start, v.stop, v.step)]}
        if v is Ellipsis:
            return {"#": "el"}
        if isinstance(v, type) and v in _TYPE_NAMES:
            return {"#": "ty", "n": _TYPE_NAMES[v]}
        name = self.namer(v) if self.namer is not None else None
        if name is not None:
            return {"#": "nm", "v": list(name)}
        return self.to_handle(v)


class Decoder:
    """Turn (JSON-able, blobs) from the other side into a value. ``from_handle(ref)`` resolves a handle;
    ``resolver(names)`` (optional) resolves a name sent by the other side's ``namer`` (it must raise
    ProtocolError for a name it does not know)."""

    def __init__(self, from_handle, resolver=None):
        self.from_handle = from_handle
        self.resolver = resolver

    def decode(self, data, blobs):
        self._count = 0
        self._used = set()  # each blob backs one value: two arrays never share memory
        try:
            return self._dec(data, blobs, 0)
        except ProtocolError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, OverflowError, RecursionError, AttributeError) as err:
            raise ProtocolError(f"malformed value ({type(err).__name__}: {err})") from None

    def _dec(self, d, blobs, depth):
        self._count += 1
        if depth > MAX_DEPTH or self._count > MAX_ITEMS:
            raise ProtocolError("a value is nested too deeply or has too many items")
        t = type(d)
        if d is None or t is bool or t is int or t is float or t is str:
            return d
        if t is not dict:
            raise ProtocolError(f"unexpected JSON {t.__name__} in a value")
        tag = d["#"]
        if tag in ("t", "l", "s", "fs"):
            items = [self._dec(x, blobs, depth + 1) for x in _list(d["v"])]
            return {"t": tuple, "l": list, "s": set, "fs": frozenset}[tag](items)
        if tag == "d":
            out = {}
            for pair in _list(d["v"]):
                key, value = _list(pair)
                out[self._dec(key, blobs, depth + 1)] = self._dec(value, blobs, depth + 1)
            return out
        if tag == "a":
            dtype = _DTYPES.get(d["d"])
            shape = tuple(_list(d["s"]))
            if dtype is None or not all(type(n) is int and n >= 0 for n in shape) or len(shape) > 32:
                raise ProtocolError(f"an array with dtype {d['d']!r} and shape {shape!r} is not accepted")
            blob = self._blob(blobs, d["i"])
            if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != len(blob):
                raise ProtocolError("an array's data does not match its shape")
            return np.frombuffer(blob, dtype=dtype).reshape(shape) if len(blob) else np.zeros(shape, dtype)
        if tag == "n":
            scalar = _SCALARS.get(d["d"])
            blob = self._blob(blobs, d["i"])
            if scalar is None or len(blob) != np.dtype(scalar).itemsize:
                raise ProtocolError(f"a numpy scalar of dtype {d['d']!r} is not accepted")
            return np.frombuffer(bytes(blob), dtype=scalar)[0]
        if tag == "c":
            re, im = _list(d["v"])
            return complex(float(re), float(im))
        if tag == "b":
            return bytes(self._blob(blobs, d["i"]))
        if tag == "g":
            state = self._dec(d["v"], blobs, depth + 1)
            bit_generator = _BIT_GENERATORS.get(state.get("bit_generator") if type(state) is dict else None)
            inner = state.get("state") if bit_generator is not None else None
            if bit_generator is None or type(inner) is not dict or set(inner) != {"state", "inc"} or \
                    not all(type(v) is int and 0 <= v < 2**128 for v in inner.values()) or \
                    state.get("has_uint32") not in (0, 1) or type(state.get("uinteger")) is not int or \
                    not 0 <= state["uinteger"] < 2**32:
                raise ProtocolError("a random generator of an unknown kind or with a malformed state")
            generator = bit_generator()
            generator.state = state
            return np.random.Generator(generator)
        if tag == "r":
            return range(*[int(x) for x in _list(d["v"])])
        if tag == "sl":
            return slice(*[self._dec(x, blobs, depth + 1) for x in _list(d["v"])])
        if tag == "el":
            return Ellipsis
        if tag == "ty":
            return _TYPES[d["n"]]
        if tag == "h":
            return self.from_handle(d)
        if tag == "nm" and self.resolver is not None:
            names = _list(d["v"])
            if len(names) > 4 or not all(type(n) is str and len(n) < 100 for n in names):
                raise ProtocolError("a malformed name")
            return self.resolver(names)
        raise ProtocolError(f"unknown value tag {tag!r}")

    def _blob(self, blobs, i):
        if type(i) is not int or i in self._used or not 0 <= i < len(blobs):
            raise ProtocolError("a value refers to a missing or already used blob")
        self._used.add(i)
        return blobs[i]


def _list(x):
    if type(x) is not list:
        raise ProtocolError("malformed value (expected a JSON list)")
    return x

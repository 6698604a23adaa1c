"""Unit tests of the data-only channel (gdbp.instructor.wire): what crosses by value, what by handle,
what is refused, and how proxies behave. The two endpoints run in one process here (the peer in a
thread); tests/test_sandbox.py runs the real agent in a sandbox."""
import copy
import inspect
import json
import os
import pickle
import struct
import threading
from typing import NamedTuple

import numpy as np
import pytest

from gdbp.instructor.policy import GraderPolicy
from gdbp.instructor.wire import codec
from gdbp.instructor.wire.rpc import Endpoint, RemoteError, SubmissionStopped


def no_handles(obj):
    raise AssertionError(f"{obj!r} was sent by handle")


def round_trip(value):
    data, blobs = codec.Encoder(no_handles).encode(value)
    text = json.dumps(data, allow_nan=True)
    return codec.Decoder(no_handles).decode(json.loads(text), [bytearray(b) for b in blobs])


@pytest.mark.parametrize("value", [
    None, True, False, 0, -7, 2**200, 1.5, float("inf"), -0.0, "", "Zoë ∂L/∂w", b"\x00\xff",
    (1, (2.5, "x")), [1, [None]], {"a": 1, 2: (3,), (1, "k"): [4]}, {1, 2}, frozenset({"a"}), 3 - 4j,
    range(2, 10, 3), slice(1, None, 2), Ellipsis, float, np.float64, np.ndarray,
    np.float64(0.1), np.int32(-3), np.bool_(True), np.complex128(1 + 2j),
], ids=repr)
def test_codec_round_trips_data(value):
    back = round_trip(value)
    assert back == value and type(back) is type(value)


@pytest.mark.parametrize("array", [
    np.arange(6.0).reshape(2, 3), np.array(0.7), np.zeros((0, 3)), np.arange(10, dtype=np.int8)[::3],
    np.array([True, False]), np.array([1 + 2j], dtype=np.complex64), np.arange(4.0, dtype=np.float32),
    np.asfortranarray(np.arange(6.0).reshape(2, 3)),
], ids=lambda a: f"{a.dtype}{a.shape}")
def test_codec_arrays_keep_shape_dtype_values_and_are_writable(array):
    back = round_trip(array)
    assert back.shape == array.shape and back.dtype == array.dtype and np.array_equal(back, array)
    assert back.flags.writeable or back.size == 0


def test_codec_nan_and_generator_state():
    back = round_trip(np.array([np.nan, 1.0]))
    assert np.isnan(back[0]) and back[1] == 1.0
    rng = np.random.default_rng(3)
    rng.normal(size=5)
    copy_ = round_trip(rng)
    assert copy_.normal() == rng.normal()


class State(NamedTuple):
    t: int
    m: np.ndarray


@pytest.mark.parametrize("value", [State(1, np.zeros(2)), np.ma.array([1.0]), np.array([object()]), object(),
                                   lambda x: x, type("MyDict", (dict,), {})()],
                         ids=["namedtuple", "masked array", "object array", "object", "function", "dict subclass"])
def test_codec_sends_everything_else_by_handle(value):
    sent = []
    data, _ = codec.Encoder(lambda obj: sent.append(obj) or {"#": "h", "o": "s", "i": 1}).encode(value)
    assert sent == [value] and data["#"] == "h"


def frame(message, blobs=()):
    return message, [bytearray(b) for b in blobs]


@pytest.mark.parametrize(("data", "blobs"), [
    ({"#": "pickle", "v": "gASVBQAAAAAAAACMAW+ULg=="}, []),                   # no pickle, ever
    ({"#": "a", "d": "|O", "s": [1], "i": 0}, [b"\x00" * 8]),                # object arrays
    ({"#": "a", "d": "<f8", "s": [3], "i": 0}, [b"\x00" * 8]),               # data shorter than the shape
    ({"#": "t", "v": [{"#": "a", "d": "<f8", "s": [1], "i": 0}] * 2}, [b"\x00" * 8]),  # one blob, two arrays
    ({"#": "g", "v": {"#": "d", "v": [["bit_generator", "os.system"]]}}, []),  # unknown bit generator
    ({"#": "ty", "n": "eval"}, []),
    ({"#": "h", "o": "t", "i": 99}, []),                                     # a handle never given out
    ([1, 2], []),                                                            # bare JSON lists are not values
])
def test_codec_refuses_what_is_not_plain_data(data, blobs):
    def from_handle(ref):
        raise codec.ProtocolError("unknown handle")
    with pytest.raises(codec.ProtocolError):
        codec.Decoder(from_handle).decode(data, [bytearray(b) for b in blobs])


def test_codec_refuses_deep_nesting_and_huge_frames():
    deep = 1
    for _ in range(codec.MAX_DEPTH + 5):
        deep = {"#": "l", "v": [deep]}
    with pytest.raises(codec.ProtocolError):
        codec.Decoder(no_handles).decode(deep, [])
    r, w = os.pipe()
    os.write(w, struct.pack("<II", 2**31, 0))
    with pytest.raises(codec.ProtocolError, match="limit"):
        codec.read_frame(r)
    os.close(r), os.close(w)
    r, w = os.pipe()
    os.write(w, struct.pack("<II", 5, 0) + b"{nope")
    with pytest.raises(codec.ProtocolError, match="not valid JSON"):
        codec.read_frame(r)
    os.close(r), os.close(w)


# --------------------------------------------------------------------------------------- endpoints

@pytest.fixture
def pair():
    """(grader endpoint, the peer's namespace): the peer plays the sandbox, in a thread."""
    a_r, b_w = os.pipe()
    b_r, a_w = os.pipe()
    ns = {}
    peer = Endpoint(b_r, b_w, "s", handlers={"lookup": lambda ep, m, b, a, k: ns[m["name"]]})
    grader = Endpoint(a_r, a_w, "t", policy=GraderPolicy(), live=True,
                      handlers={"import": lambda ep, m, b, a, k: __import__(m["name"], fromlist=["_"])})
    thread = threading.Thread(target=peer.serve, daemon=True)
    thread.start()
    ns["peer"] = peer
    yield grader, ns
    for fd in (a_w, b_w):
        os.close(fd)
    thread.join(5)


VALUE = '''
class Value:
    def __init__(self, data, _children=()):
        self.data, self.grad, self._prev = float(data), 0.0, set(_children)
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other))
    def __radd__(self, other):
        return self + other
    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other))
    def __neg__(self):
        return self * -1
    def relu(self):
        return Value(max(self.data, 0.0), (self,))

def adam(param, grad, state, lr=0.001, beta1=0.9, *, eps=1e-8):
    """the learner's adam"""
    param -= lr * grad        # in place: the caller must see it
    return param, {"t": 1}

def gen(n):
    yield from range(n)

class Oops(Exception):
    pass

def raises(kind):
    if kind == "value":
        raise ValueError("bad value")
    raise Oops("custom")
'''


def define(pair, source):
    grader, ns = pair
    exec(source, ns)  # noqa: S102 - the peer's own code
    return lambda name: grader.request("lookup", name=name)


def test_proxy_of_a_class_instances_operators_identity(pair):
    get = define(pair, VALUE)
    Value = get("Value")
    assert isinstance(Value, type) and Value.__name__ == "Value" and not issubclass(Value, dict)
    a, b = Value(2.0), Value(-3.0)
    assert isinstance(a, Value)
    c = a * b + 1.5
    assert c.data == -4.5 and (2 + a).data == 4.0 and (-a).data == -2.0 and a.relu().data == 2.0
    a.grad = 0.25
    assert a.grad == 0.25
    prev = c._prev  # a set of proxies: the same remote objects are the same proxies
    assert len(prev) == 2 and all(isinstance(v, Value) for v in prev)
    assert {id(v) for v in (a * b)._prev} == {id(a), id(b)}
    assert Value.__module__ == "builtins" or isinstance(Value.__module__, str)


def test_class_attribute_of_a_proxy_class_is_the_remote_function(pair):
    get = define(pair, VALUE)
    Value = get("Value")
    add = Value.__add__  # the learner's function, not the proxy's forwarder
    assert add.__name__ == "__add__" and add.__qualname__ == "Value.__add__"
    assert type(add).__module__ != "gdbp.instructor.wire.rpc"


def test_call_signature_and_write_back_of_mutated_arrays(pair):
    get = define(pair, VALUE)
    adam = get("adam")
    assert str(inspect.signature(adam)) == "(param, grad, state, lr=0.001, beta1=0.9, *, eps=1e-08)"
    assert adam.__name__ == "adam" and adam.__doc__ == "the learner's adam"
    param = np.ones(3)
    new, state = adam(param, np.ones(3), None, lr=0.5)
    assert np.array_equal(param, [0.5, 0.5, 0.5]), "an in-place change of an argument is written back"
    assert np.array_equal(new, param) and new is not param and state == {"t": 1}


def test_generators_and_exceptions_cross(pair):
    get = define(pair, VALUE)
    assert list(get("gen")(4)) == [0, 1, 2, 3]
    raises = get("raises")
    with pytest.raises(ValueError, match="bad value") as info:
        raises("value")
    assert any(frame[2] == "raises" for frame in info.value.remote_frames)
    with pytest.raises(RemoteError, match="Oops: custom"):
        raises("custom")


def test_a_proxy_cannot_be_pickled_and_copies_are_made_remotely(pair):
    get = define(pair, VALUE)
    a = get("Value")(1.0)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(a)
    b = copy.deepcopy(a)
    assert b is not a and b.data == 1.0 and type(b) is type(a)


def test_grader_policy_refuses_private_attributes_other_modules_and_changes(pair):
    grader, ns = pair
    exec('''
def probe(optim):
    results = {}
    def attempt(name, action):
        try:
            results[name] = ("ok", repr(action()))
        except BaseException as err:
            results[name] = (type(err).__name__, str(err))
    attempt("public", lambda: optim.defaults("adam"))
    attempt("stdlib", lambda: optim.importlib)
    attempt("globals", lambda: optim.adam.__globals__)
    attempt("code", lambda: optim.adam.__code__)
    attempt("setattr", lambda: setattr(optim, "adam", None))
    attempt("instructor", lambda: peer.request("import", name="gdbp.instructor.course"))
    attempt("progress", lambda: peer.request("import", name="gdbp.progress"))
    return results
''', ns)  # noqa: S102
    import gdbp.optim
    results = grader.request("lookup", name="probe")(gdbp.optim)
    assert results["public"][0] == "ok"
    assert results["stdlib"] == ("PermissionError", "the grader does not share the module importlib with a submission")
    assert results["globals"][0] == results["code"][0] == "AttributeError"
    assert results["setattr"][0] == "PermissionError"
    assert results["instructor"][0] == results["progress"][0] == "ImportError" or \
        results["instructor"][0] == "PermissionError"


def test_a_malformed_frame_breaks_the_channel_not_the_grader():
    a_r, b_w = os.pipe()
    b_r, a_w = os.pipe()
    grader = Endpoint(a_r, a_w, "t", policy=GraderPolicy())
    os.write(b_w, struct.pack("<II", 7, 0) + b'{"k":1}')  # a reply that is not one
    with pytest.raises(SubmissionStopped, match="channel"):
        grader.request("lookup", name="x")
    with pytest.raises(SubmissionStopped):
        grader.request("lookup", name="y")  # and it stays broken
    for fd in (a_r, a_w, b_r, b_w):
        os.close(fd)


def test_a_deadline_breaks_the_channel_with_kind_timeout():
    a_r, b_w = os.pipe()
    b_r, a_w = os.pipe()
    grader = Endpoint(a_r, a_w, "t", policy=GraderPolicy())
    grader.call_seconds = 0.2
    with pytest.raises(SubmissionStopped):
        grader.request("lookup", name="x")  # nobody answers
    assert grader.broken_kind == "timeout"
    for fd in (a_r, a_w, b_r, b_w):
        os.close(fd)


def test_built_in_objectives_travel_by_name_and_arrive_as_the_other_sides_own():
    import gdbp.objectives
    from gdbp.instructor.wire.rpc import objective_names
    namer, resolver = objective_names(gdbp.objectives)
    rosenbrock = gdbp.objectives.get_objective("rosenbrock")
    enc = codec.Encoder(no_handles, namer)
    data, blobs = enc.encode((rosenbrock, rosenbrock.grad))
    assert data["v"][0] == {"#": "nm", "v": ["objective", "rosenbrock"]}
    back = codec.Decoder(no_handles, resolver).decode(json.loads(json.dumps(data)), blobs)
    assert back[0] is rosenbrock and back[1](np.array([1.0, 1.0])).tolist() == [0.0, 0.0]
    custom = gdbp.objectives.Objective("mine", "x", lambda x, y: x, lambda x, y: (x, y), (), np.zeros(2),
                                       ((0, 1), (0, 1)), True)
    sent = []
    codec.Encoder(lambda obj: sent.append(obj) or {"#": "h", "o": "s", "i": 1}, namer).encode(custom)
    assert sent == [custom], "an objective of one's own goes by handle"
    with pytest.raises(codec.ProtocolError):
        codec.Decoder(no_handles, resolver).decode({"#": "nm", "v": ["objective", "os.system"]}, [])

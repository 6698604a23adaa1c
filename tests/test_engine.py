"""Tests of gdbp.engine: each op against a central difference, reused nodes, backward(), PyTorch as oracle."""
import math
import sys

import numpy as np
import pytest
from conftest import require_torch
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import away_from_zero_floats, positive_floats_from_tenth, small_floats

from gdbp.engine import Value, draw_graph

H = 1e-6
# Gradient-check tolerance. The central difference (f(x+h) - f(x-h)) / 2h has a truncation error
# h**2 |f'''| / 6 <= 1e-12 * |f'''| and a rounding error ~ eps |f| / h ~ 2e-10 |f|. On the domains below
# (|f| <= exp(10) ~ 2e4 where |f'| is as large, |f'''| <= ~6e3) both stay below ~3e-8 relative to max(1, |f'|),
# so 1e-7 passes for a correct derivative, while any real mistake (a wrong sign, factor or term) gives O(1).
GRAD_RTOL = 1e-7


def central_difference(f, xs, i, h=H):
    """d f / d xs[i] by a centred difference; ``f`` maps floats to a float, ``xs`` is not changed."""
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


def relative_error(analytic, numeric):
    """|analytic - numeric| relative to max(1, |analytic|, |numeric|): relative for large derivatives,
    absolute for small ones (where the rounding error of the difference does not shrink with f')."""
    return abs(analytic - numeric) / max(1.0, abs(analytic), abs(numeric))


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


# (name, the op on Values, the same op on floats as forward reference, one strategy per argument)
OPS = [
    ("add", lambda a, b: a + b, lambda a, b: a + b, [small_floats, small_floats]),
    ("sub", lambda a, b: a - b, lambda a, b: a - b, [small_floats, small_floats]),
    ("mul", lambda a, b: a * b, lambda a, b: a * b, [small_floats, small_floats]),
    ("truediv", lambda a, b: a / b, lambda a, b: a / b, [small_floats, away_from_zero_floats]),
    ("neg", lambda a: -a, lambda a: -a, [small_floats]),
    ("add_number", lambda a: a + 2.5, lambda a: a + 2.5, [small_floats]),
    ("sub_number", lambda a: a - 2.5, lambda a: a - 2.5, [small_floats]),
    ("mul_number", lambda a: a * 2.5, lambda a: a * 2.5, [small_floats]),
    ("truediv_number", lambda a: a / 2.5, lambda a: a / 2.5, [small_floats]),
    ("radd", lambda a: 2.5 + a, lambda a: 2.5 + a, [small_floats]),
    ("rsub", lambda a: 2.5 - a, lambda a: 2.5 - a, [small_floats]),
    ("rmul", lambda a: 2.5 * a, lambda a: 2.5 * a, [small_floats]),
    ("rtruediv", lambda a: 2.5 / a, lambda a: 2.5 / a, [away_from_zero_floats]),
    ("pow_0", lambda a: a**0, lambda a: a**0, [small_floats]),
    ("pow_2", lambda a: a**2, lambda a: a**2, [small_floats]),
    ("pow_3", lambda a: a**3, lambda a: a**3, [small_floats]),
    ("pow_minus_1", lambda a: a**-1, lambda a: a**-1, [away_from_zero_floats]),
    ("pow_minus_2", lambda a: a**-2, lambda a: a**-2, [away_from_zero_floats]),
    ("pow_half", lambda a: a**0.5, lambda a: a**0.5, [positive_floats_from_tenth]),
    ("pow_1.5", lambda a: a**1.5, lambda a: a**1.5, [positive_floats_from_tenth]),
    ("pow_minus_half", lambda a: a**-0.5, lambda a: a**-0.5, [positive_floats_from_tenth]),
    ("exp", lambda a: a.exp(), math.exp, [small_floats]),
    ("log", lambda a: a.log(), math.log, [positive_floats_from_tenth]),
    ("tanh", lambda a: a.tanh(), math.tanh, [small_floats]),
    ("sigmoid", lambda a: a.sigmoid(), sigmoid, [small_floats]),
    ("relu", lambda a: a.relu(), lambda a: max(a, 0.0), [away_from_zero_floats]),
]


@pytest.mark.parametrize("name, op, reference, domains", OPS, ids=[row[0] for row in OPS])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_value_op_gradient_matches_central_difference(name, op, reference, domains, data):
    xs = [data.draw(domain, label=f"x{i}") for i, domain in enumerate(domains)]
    leaves = [Value(x) for x in xs]
    out = op(*leaves)
    out.backward()

    def f(*floats):  # the engine's own forward pass, as a function of floats
        return op(*[Value(x) for x in floats]).data

    for i, leaf in enumerate(leaves):
        numeric = central_difference(f, xs, i)
        assert relative_error(leaf.grad, numeric) < GRAD_RTOL, (
            f"{name}: received derivative {leaf.grad!r} for argument {i} at {xs}, "
            f"but was expecting {numeric!r} from central difference")


@pytest.mark.parametrize("name, op, reference, domains", OPS, ids=[row[0] for row in OPS])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_value_op_forward_matches_float_reference(name, op, reference, domains, data):
    xs = [data.draw(domain, label=f"x{i}") for i, domain in enumerate(domains)]
    out = op(*[Value(x) for x in xs])
    # a few ulps: a / b is computed as a * b**-1, sigmoid by a formula that cannot overflow
    assert math.isclose(out.data, reference(*xs), rel_tol=1e-14, abs_tol=1e-300), (name, xs)
    assert isinstance(out.data, float)


def test_value_relu_derivative_at_zero_is_zero():
    for zero in (0.0, -0.0, 0):
        x = Value(zero)
        y = x.relu()
        y.backward()
        assert y.data == 0.0 and x.grad == 0.0, "relu'(0) is 0 by convention (as in PyTorch)"


@pytest.mark.torch
def test_value_relu_derivative_at_zero_matches_torch():
    torch = require_torch()
    x_t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch.relu(x_t).backward()
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == x_t.grad.item()


def test_value_pow_zero_at_zero_has_derivative_zero():
    x = Value(0.0)
    y = x**0
    y.backward()
    assert (y.data, x.grad) == (1.0, 0.0)


def test_value_sigmoid_extreme_inputs_do_not_overflow():
    assert Value(-800.0).sigmoid().data == 0.0
    assert Value(800.0).sigmoid().data == 1.0
    assert math.isclose(Value(-40.0).sigmoid().data, math.exp(-40.0) / (1 + math.exp(-40.0)), rel_tol=1e-15)


# ----------------------------------------------------------------------------------------------- reused nodes
def test_value_reuse_a_plus_a_gives_grad_two():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0


def test_value_reuse_a_times_a_gives_grad_two_a():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_value_reuse_node_used_three_times():
    a = Value(-1.5)
    (a * a * a).backward()
    assert a.grad == pytest.approx(3 * (-1.5) ** 2, rel=1e-15)
    b = Value(0.5)
    (b + b + b).backward()
    assert b.grad == 3.0


def test_value_reuse_diamond_sums_both_paths():
    # a feeds b = 2a and c = a + 3, both feed d = b * c:  d d / d a = 2 c + b
    a = Value(1.5)
    b = a * 2.0
    c = a + 3.0
    d = b * c
    d.backward()
    assert a.grad == 2 * c.data + b.data
    assert (b.grad, c.grad) == (c.data, b.data)


def test_value_reuse_shared_intermediate_node():
    # e = tanh(a * b) used twice:  f = e * e + e,  df/de = 2e + 1
    a, b = Value(0.3), Value(-0.7)
    e = (a * b).tanh()
    f = e * e + e
    f.backward()
    df_de = 2 * e.data + 1
    assert e.grad == pytest.approx(df_de, rel=1e-15)
    assert a.grad == pytest.approx(df_de * (1 - e.data**2) * b.data, rel=1e-14)


# ----------------------------------------------------------------------------------------------- backward()
def test_value_backward_twice_gives_same_grads():
    a, b = Value(2.0), Value(-3.0)
    loss = (a * b + b**2).tanh()
    loss.backward()
    first = (a.grad, b.grad, loss.grad)
    loss.backward()
    assert (a.grad, b.grad, loss.grad) == first


def test_value_backward_new_loss_sharing_nodes_gives_clean_grads():
    a, b = Value(2.0), Value(-3.0)
    (a * b).backward()
    assert (a.grad, b.grad) == (-3.0, 2.0)
    (a + b).backward()  # resets, does not accumulate onto the previous grads
    assert (a.grad, b.grad) == (1.0, 1.0)


def test_value_backward_seeds_output_grad_one_and_leaves_data_alone():
    a = Value(0.25)
    out = a.exp()
    out.backward()
    assert out.grad == 1.0
    assert a.data == 0.25 and out.data == math.exp(0.25)


def test_value_backward_deep_chain_of_10000_nodes():
    x = Value(0.5)
    y = x
    for _ in range(10_000):
        y = y + x  # y = x * (k + 1) after k steps
    assert len(y.topological_order()) == 10_001  # x and the 10,000 sums
    assert 10_001 > sys.getrecursionlimit()  # a recursive topological sort would fail here
    y.backward()
    assert x.grad == 10_001.0
    assert y.data == pytest.approx(0.5 * 10_001, rel=1e-12)


# ----------------------------------------------------------------------------------------------- topological order
def _recursive_topological_order(root):
    """micrograd's build_topo, the reference a learner's version is compared with."""
    order, visited = [], set()

    def build(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build(child)
            order.append(v)

    build(root)
    return order


def _random_graph(seed, n_leaves=4, n_ops=25):
    """A random DAG of +, * and tanh whose operands are picked among all earlier nodes (so nodes are reused)."""
    rng = np.random.default_rng(seed)
    nodes = [Value(x) for x in rng.uniform(-1.0, 1.0, size=n_leaves)]
    for _ in range(n_ops):
        i, j = rng.integers(len(nodes), size=2)
        kind = rng.integers(3)
        nodes.append(nodes[i] + nodes[j] if kind == 0 else nodes[i] * nodes[j] if kind == 1 else nodes[i].tanh())
    return nodes


@pytest.mark.parametrize("seed", range(10))
def test_value_topological_order_lists_each_node_after_its_children(seed):
    nodes = _random_graph(seed)
    root = nodes[-1]
    order = root.topological_order()
    position = {node: k for k, node in enumerate(order)}
    assert len(position) == len(order), "a node appears twice"
    assert order[-1] is root
    for node in order:
        for child in node._prev:
            assert position[child] < position[node]
    assert set(order) == set(_recursive_topological_order(root)), "not exactly the nodes reachable from root"


@pytest.mark.parametrize("seed", range(10))
def test_value_topological_order_equals_micrograd_recursive_order(seed):
    root = _random_graph(seed)[-1]
    assert root.topological_order() == _recursive_topological_order(root)


# ----------------------------------------------------------------------------------------------- PyTorch oracle
def _step(name, fn, ok=lambda x: True):
    return name, fn, ok


UNARY_STEPS = [
    _step("tanh", lambda a: a.tanh()),
    _step("sigmoid", lambda a: a.sigmoid()),
    _step("relu", lambda a: a.relu()),
    _step("exp", lambda a: a.exp(), lambda x: x < 2.0),
    _step("log", lambda a: a.log(), lambda x: x > 0.1),
    _step("neg", lambda a: -a),
    _step("pow_2", lambda a: a**2),
    _step("pow_3", lambda a: a**3),
    _step("pow_minus_1", lambda a: a**-1, lambda x: abs(x) > 0.5),
    _step("pow_half", lambda a: a**0.5, lambda x: x > 0.1),
    _step("radd", lambda a: 0.5 + a),
    _step("rsub", lambda a: 1.5 - a),
    _step("rmul", lambda a: -2.0 * a),
    _step("rtruediv", lambda a: 2.0 / a, lambda x: abs(x) > 0.5),
]
BINARY_STEPS = [
    _step("add", lambda a, b: a + b),
    _step("sub", lambda a, b: a - b),
    _step("mul", lambda a, b: a * b),
    _step("truediv", lambda a, b: a / b, lambda y: abs(y) > 0.5),  # ok() looks at the divisor
]


def _random_program(seed, n_leaves=3, n_steps=30):
    """Leaves (floats) and steps (fn, operand indices) of a random expression with shared nodes.

    Operands are drawn among all earlier nodes. A step is kept only if its operand is in the op's domain and
    the result stays in [-10, 10], so that values and gradients stay of order 1-100 and 1e-12 is a fair
    float64 tolerance."""
    rng = np.random.default_rng(seed)
    leaves = list(rng.uniform(-2.0, 2.0, size=n_leaves))
    nodes = [Value(x) for x in leaves]
    steps = []
    while len(steps) < n_steps:
        if rng.random() < 0.5:
            _, fn, ok = UNARY_STEPS[rng.integers(len(UNARY_STEPS))]
            args = [int(rng.integers(len(nodes)))]
        else:
            _, fn, ok = BINARY_STEPS[rng.integers(len(BINARY_STEPS))]
            args = [int(k) for k in rng.integers(len(nodes), size=2)]
        if not ok(nodes[args[-1]].data):
            continue
        out = fn(*[nodes[k] for k in args])
        if abs(out.data) <= 10.0:
            nodes.append(out)
            steps.append((fn, args))
    return leaves, steps


def _run_program(leaves, steps, make_leaf):
    """Evaluate the program; returns all nodes and loss = sum of the non-leaf nodes (so every node counts)."""
    nodes = [make_leaf(x) for x in leaves]
    for fn, args in steps:
        nodes.append(fn(*[nodes[k] for k in args]))
    return nodes, sum(nodes[len(leaves):])


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(25))
def test_value_random_expression_matches_torch(seed):
    torch = require_torch()
    leaves, steps = _random_program(seed)

    nodes, loss = _run_program(leaves, steps, Value)
    loss.backward()

    nodes_t, loss_t = _run_program(leaves, steps, lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True))
    for node_t in nodes_t[len(leaves):]:
        node_t.retain_grad()
    loss_t.backward()

    assert abs(loss.data - loss_t.item()) <= 1e-12
    values = np.array([node.data for node in nodes])
    values_t = np.array([node_t.item() for node_t in nodes_t])
    grads = np.array([node.grad for node in nodes])
    grads_t = np.array([0.0 if t.grad is None else t.grad.item() for t in nodes_t])  # None: leaf unused
    # 1e-12: float64 eps ~ 2.2e-16 times values/grads of order <= 100 and a few dozen roundings
    assert np.max(np.abs(values - values_t)) <= 1e-12
    assert np.max(np.abs(grads - grads_t)) <= 1e-12, f"worst node {np.argmax(np.abs(grads - grads_t))}"


# ----------------------------------------------------------------------------------------------- bad input
def test_value_pow_value_exponent_raises_type_error():
    a, b = Value(2.0), Value(3.0)
    with pytest.raises(TypeError, match="exponent must be a constant int or float"):
        a**b
    with pytest.raises(TypeError, match="exponent must be a constant int or float"):
        2.0**a
    with pytest.raises(TypeError, match="exponent"):
        a ** "2"


def test_value_log_of_non_positive_raises_value_error_naming_value():
    with pytest.raises(ValueError, match=r"log\(\) needs data > 0, got Value\(data=-2.0\)"):
        Value(-2.0).log()
    with pytest.raises(ValueError, match=r"data=0.0"):
        Value(0.0).log()


def test_value_non_numeric_operand_raises_type_error():
    a = Value(1.0)
    for bad in ("a", None, [1.0]):
        with pytest.raises(TypeError, match="must be a Value or a real number"):
            a + bad
        with pytest.raises(TypeError, match="must be a Value or a real number"):
            bad * a
    with pytest.raises(TypeError, match=r"other operand of - .*got 'a' of type str"):
        a - "a"
    with pytest.raises(TypeError, match="other operand of /"):
        "a" / a
    with pytest.raises(TypeError, match="data must be a real number"):
        Value("1.0")


def test_value_negative_base_fractional_power_raises_value_error():
    with pytest.raises(ValueError, match="complex"):
        Value(-2.0) ** 0.5
    assert (Value(-2.0) ** 3).data == -8.0  # integer exponents of negatives are fine


def test_value_zero_to_negative_power_raises_zero_division():
    with pytest.raises(ZeroDivisionError, match="negative power"):
        Value(0.0) ** -1
    with pytest.raises(ZeroDivisionError):
        1.0 / Value(0.0)


# ----------------------------------------------------------------------------------------------- small things
def test_value_numpy_scalars_combine_like_floats():
    a = Value(2.0)
    for out, expected in [(np.float64(3.0) + a, 5.0), (np.float64(3.0) * a, 6.0), (np.float64(3.0) - a, 1.0),
                          (np.int64(4) / a, 2.0), (a * np.float32(0.5), 1.0)]:
        assert isinstance(out, Value) and out.data == expected


def test_value_repr_shows_data_and_grad():
    a = Value(2.0)
    (a * 3).backward()
    assert repr(a) == "Value(data=2.0, grad=3.0)"


def test_value_data_is_float64():
    assert type(Value(3).data) is float and type(Value(np.float32(0.1)).data) is float


def test_draw_graph_lists_each_node_once_with_ops():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    d = (c + a).tanh()
    d.backward()
    lines = draw_graph(d).splitlines()
    assert len(lines) == 5  # a, b, a*b, +a, tanh: a is used twice but listed once
    assert lines[0].startswith("a ") and lines[1].startswith("b ")
    assert lines[2].startswith("v2 = a * b") and lines[3].startswith("v3 = v2 + a")
    assert lines[4].startswith("v4 = tanh(v3)")
    assert "grad=1.0000" in lines[4]
    assert "**2" in draw_graph(a**2)



# ----------------------------------------------------------------------------------------------- graph shape
def test_value_number_operands_of_sub_and_div_stay_numbers_as_in_micrograd():
    """a - 2.5 is a + (-2.5) and a / 2 is a * 0.5 (one leaf for the constant), as micrograd builds them;
    a Value operand goes through a neg (a * -1) or a ** -1 node."""
    a, b = Value(3.0), Value(-2.0)
    cases = [(a - 2.5, 3, 0.5, 1.0), (a / 2, 3, 1.5, 0.5), (2.5 - a, 5, -0.5, -1.0), (a - b, 5, 5.0, 1.0),
             (a / b, 4, -1.5, -0.5)]
    for out, nodes, data, a_grad in cases:
        out.backward()
        assert len(out.topological_order()) == nodes and out.data == data and a.grad == a_grad


def test_value_division_by_numpy_int_and_by_zero():
    a = Value(3.0)
    assert (a / np.int64(4)).data == 0.75  # the number becomes a float first: no integer power error
    with pytest.raises(ZeroDivisionError):
        a / 0
    with pytest.raises(TypeError, match="other operand of / must be a Value or a real number"):
        a / "2"
    with pytest.raises(TypeError, match="other operand of - must be a Value or a real number"):
        "2" - a


def test_value_label_leaf_backward_and_children():
    a, b = Value(1.0), Value(2.0, label="b")
    assert a.label == "" and b.label == "b"
    b.grad = 3.0
    b._backward()  # a leaf passes nothing on
    assert b.grad == 3.0
    assert Value(0.5, [a, b], "+")._prev == (a, b)  # children in a tuple, whatever sequence came
    assert Value(True).data == 1.0 and type(Value(np.int64(2)).data) is float


def test_value_topological_order_with_three_or_more_children_equals_recursive_order():
    """Nodes built by hand with 3 and 4 children (shared among them): the same order as build_topo."""
    a, b, c, d = (Value(float(i)) for i in range(4))
    wide = Value(1.0, (a, b, c, d), "f")
    root = Value(2.0, (wide * a, Value(3.0, (c, wide, b), "g"), d), "h")
    assert root.topological_order() == _recursive_topological_order(root)
    assert len(root.topological_order()) == 8

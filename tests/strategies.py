"""Hypothesis strategies shared by the tests (one home, as MiniTorch keeps them)."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

small_floats = st.floats(min_value=-10.0, max_value=10.0, allow_nan=False, allow_infinity=False, width=64)
positive_floats = st.floats(min_value=1e-3, max_value=10.0, allow_nan=False, allow_infinity=False, width=64)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)


def arrays(shape=shapes, elements=small_floats):
    """float64 arrays of the given shape (strategy or tuple) with bounded finite entries."""
    return hnp.arrays(np.float64, shape, elements=elements)


seeds = st.integers(min_value=0, max_value=2**32 - 1)


def points_2d(bounds=((-5.0, 5.0), (-5.0, 5.0))):
    """Points (x, y) as float64 arrays of shape (2,) inside ((xmin, xmax), (ymin, ymax)) (gdbp.objectives)."""
    (x_min, x_max), (y_min, y_max) = bounds
    xs = st.floats(min_value=x_min, max_value=x_max, allow_nan=False, width=64)
    ys = st.floats(min_value=y_min, max_value=y_max, allow_nan=False, width=64)
    return st.tuples(xs, ys).map(lambda xy: np.array(xy, dtype=np.float64))


# Scalar engine (tests/test_engine.py): inputs kept away from 0, where 1/x, x**-2 and relu are not smooth.
away_from_zero_floats = st.one_of(
    st.floats(min_value=0.5, max_value=10.0, width=64),
    st.floats(min_value=-10.0, max_value=-0.5, width=64),
)
# log and fractional powers: x in [0.1, 10], where their third derivative (the central difference's
# truncation error) stays small enough for a 1e-7 gradient check.
positive_floats_from_tenth = st.floats(min_value=0.1, max_value=10.0, width=64)


# Layers (tests/test_layers.py): logits of shape (N, C) as large as 1e3, with integer labels in [0, C).
@st.composite
def logits_with_labels(draw, max_abs=1e3):
    """(scores, y): float64 scores of shape (N, C), N in [1, 5], C in [1, 6], |entries| <= max_abs,
    and int64 labels y of shape (N,) in [0, C)."""
    n = draw(st.integers(min_value=1, max_value=5))
    c = draw(st.integers(min_value=1, max_value=6))
    elements = st.floats(min_value=-max_abs, max_value=max_abs, allow_nan=False, width=64)
    scores = draw(hnp.arrays(np.float64, (n, c), elements=elements))
    y = draw(hnp.arrays(np.int64, (n,), elements=st.integers(min_value=0, max_value=c - 1)))
    return scores, y

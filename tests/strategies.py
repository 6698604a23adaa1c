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

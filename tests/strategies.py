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

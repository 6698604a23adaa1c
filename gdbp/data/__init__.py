"""Data for the course: mini-batches, small synthetic sets, the 8x8 digits, splitting and scaling.

- ``batches``                      one epoch of shuffled mini-batches (``gdbp/data/minibatches.py``)
- ``make_linear_regression``, ``make_moons``, ``make_spirals``, ``make_xor``
                                   synthetic sets from a seed (``gdbp/data/synthetic.py``)
- ``load_digits``                  1797 8x8 digits shipped with the package (``gdbp/data/digits.py``,
                                   source and license in ``gdbp/data/DIGITS.md``)
- ``train_test_split``, ``standardize``   (``gdbp/data/preprocessing.py``)
"""
from .digits import load_digits
from .minibatches import batches
from .preprocessing import standardize, train_test_split
from .synthetic import make_linear_regression, make_moons, make_spirals, make_xor

__all__ = [
    "batches",
    "load_digits",
    "make_linear_regression",
    "make_moons",
    "make_spirals",
    "make_xor",
    "standardize",
    "train_test_split",
]

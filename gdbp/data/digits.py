"""The 8x8 handwritten digits, read from a file shipped inside the package (see DIGITS.md)."""
import gzip
from importlib import resources

import numpy as np


def load_digits(scale=True):
    """Load the 1797 8x8 images of handwritten digits and their labels.

    The images are the test set of the UCI "Optical Recognition of Handwritten Digits" data
    (E. Alpaydin and C. Kaynak, 1998, CC BY 4.0; see ``gdbp/data/DIGITS.md``). Each pixel counts
    the "on" pixels in a 4x4 block of a 32x32 bitmap, so it is an integer 0..16. The file ships
    with gdbp: nothing is downloaded.

    Args:
        scale: if True (default), return X / 16, so that every pixel lies in [0, 1]; if False,
            return the raw counts 0..16 (still as float64).

    Returns:
        X: shape (1797, 64), float64; row i is image i flattened row by row
            (``X[i].reshape(8, 8)`` shows it).
        y: shape (1797,), int64 labels 0..9 (about 180 of each digit).
    """
    with resources.files(__package__).joinpath("digits.csv.gz").open("rb") as raw:
        with gzip.open(raw, "rt") as text:
            data = np.loadtxt(text, delimiter=",", dtype=np.int64)
    X = data[:, :64].astype(np.float64)
    y = data[:, 64]
    if scale:
        X = X / 16.0
    return X, y

"""gdbp: gradient descent & backpropagation, the reference package of the course.

Where things live (one obvious home each):

- ``gdbp.objectives``  2-D objectives for optimizer experiments (value, gradient, minima, bounds)
- ``gdbp.gradcheck``   numerical gradients and ``rel_error``
- ``gdbp.engine``      the scalar autograd engine (``Value``); ``gdbp.scalar_nn`` builds an MLP on it
- ``gdbp.layers``      vectorised forward/backward pairs and losses; ``gdbp.model`` composes them
- ``gdbp.optim``       one pure update function per optimizer, ``Optimizer`` and schedules
- ``gdbp.data``        mini-batches, synthetic sets, the 8x8 digits
- ``gdbp.train``       the training loop
- ``gdbp.plotting``    contours with trajectories, loss curves
- ``gdbp.checks``      one checker per course exercise, with a catalogue of classic mistakes
"""

__version__ = "0.1.0"

# The learner's progress view: `gdbp.progress()`. gdbp/progress.py imports only the standard library
# when loaded (nbclient is imported on the first call), so this costs nothing. It is imported here,
# not on first use, because importing the submodule later would rebind `gdbp.progress` to the module.
from gdbp.progress import progress  # noqa: E402

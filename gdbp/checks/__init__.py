"""One checker per course exercise: ``gdbp.checks.check_<exercise>(learner_fn)`` (see docs/exercises.md).

Each topic module holds its checkers and its catalogue of classic mistakes; ``EXERCISES`` maps every
exercise name to its checker.
"""

from .optim import check_adadelta, check_adagrad, check_adam, check_adamax, check_amsgrad
from .optim import check_momentum, check_nadam, check_nesterov, check_rmsprop, check_sgd

EXERCISES = {name[len("check_"):]: fn for name, fn in dict(globals()).items() if name.startswith("check_")}

"""One checker per course exercise: ``gdbp.checks.check_<exercise>(learner_fn)`` (see docs/exercises.md).

Each topic module holds its checkers and its catalogue of classic mistakes; ``EXERCISES`` maps every
exercise name to its checker.
"""

from .optim import check_adadelta, check_adagrad, check_adam, check_adamax, check_amsgrad
from .optim import check_momentum, check_nadam, check_nesterov, check_rmsprop, check_sgd
from .autograd import check_backward, check_value_ops
from .data import check_minibatches
from .descent import check_gradient_descent
from .gradients import check_linear_loss_and_grad, check_linear_mse_grad, check_sigmoid_grad, check_softmax_ce_grad
from .layers import check_affine_backward, check_relu_backward, check_softmax_loss, check_tanh_backward
from .numerical import check_numerical_gradient, check_rel_error
from .training import check_train_step

EXERCISES = {name[len("check_"):]: fn for name, fn in dict(globals()).items() if name.startswith("check_")}

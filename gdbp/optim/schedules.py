"""Learning-rate schedules: small callables ``schedule(step) -> lr``.

``step`` counts the updates already made, starting at 0: ``schedule(0)`` is the learning rate of the
first update, as in torch.optim.lr_scheduler. ``Optimizer`` calls ``schedule(optimizer.t)`` before each
update. Each schedule returns a float > 0 for every ``step >= 0`` (``cosine`` with ``lr_min=0`` only up
to ``total_steps - 1``, since its value at ``total_steps`` is 0).

- ``constant(lr)``                    lr
- ``step_decay(lr, step_size, gamma)`` lr * gamma^floor(step / step_size)
- ``exponential(lr, gamma)``          lr * gamma^step
- ``cosine(lr, total_steps, lr_min)`` lr_min + (lr - lr_min) * (1 + cos(pi * step / total_steps)) / 2
- ``warmup(schedule_or_lr, warmup_steps)`` linear ramp to the schedule's first value, then the schedule

Reference: I. Loshchilov, F. Hutter, "SGDR: stochastic gradient descent with warm restarts", ICLR 2017
(cosine); P. Goyal et al., "Accurate, large minibatch SGD", 2017 (linear warm-up).
"""
import math
import numbers


def _check_positive(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, received {type(value).__name__} {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, received {value}")


def _check_count(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, received {value!r}")


def _check_step(step):
    if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
        raise ValueError(f"step must be an int >= 0 (updates made so far), received {step!r}")


def constant(lr):
    """Return ``schedule(step) = lr`` for every step (lr > 0)."""
    _check_positive("lr", lr)

    def schedule(step):
        _check_step(step)
        return float(lr)

    return schedule


def step_decay(lr, step_size, gamma):
    """Return ``schedule(step) = lr * gamma ** (step // step_size)``: multiply by gamma every step_size steps.

    lr > 0, step_size an int >= 1, gamma > 0 (usually < 1). torch.optim.lr_scheduler.StepLR.
    """
    _check_positive("lr", lr)
    _check_count("step_size", step_size)
    _check_positive("gamma", gamma)

    def schedule(step):
        _check_step(step)
        return lr * gamma ** (step // step_size)

    return schedule


def exponential(lr, gamma):
    """Return ``schedule(step) = lr * gamma ** step`` (lr > 0, gamma > 0). torch's ExponentialLR."""
    _check_positive("lr", lr)
    _check_positive("gamma", gamma)

    def schedule(step):
        _check_step(step)
        return lr * gamma**step

    return schedule


def cosine(lr, total_steps, lr_min=0.0):
    """Return the cosine annealing schedule from ``lr`` at step 0 to ``lr_min`` at step ``total_steps``.

    ``schedule(step) = lr_min + (lr - lr_min) * (1 + cos(pi * min(step, total_steps) / total_steps)) / 2``;
    it stays at ``lr_min`` after ``total_steps``. With ``lr_min=0`` that is 0, which no rule accepts: run
    at most ``total_steps`` updates (steps 0 .. total_steps - 1) or give ``lr_min > 0``.
    0 <= lr_min < lr, total_steps an int >= 1. torch's CosineAnnealingLR (one half period).
    """
    _check_positive("lr", lr)
    _check_count("total_steps", total_steps)
    if isinstance(lr_min, bool) or not isinstance(lr_min, numbers.Real) or not 0 <= lr_min < lr:
        raise ValueError(f"lr_min must be a number in [0, lr) = [0, {lr}), received {lr_min!r}")

    def schedule(step):
        _check_step(step)
        progress = min(step, total_steps) / total_steps
        return lr_min + (lr - lr_min) * (1 + math.cos(math.pi * progress)) / 2

    return schedule


def warmup(schedule_or_lr, warmup_steps):
    """Return a linear warm-up over ``warmup_steps`` steps, followed by ``schedule_or_lr``.

    ``schedule_or_lr`` is a schedule or a number (meaning ``constant(lr)``); let lr0 = its value at step 0.
    Then ``schedule(step) = lr0 * (step + 1) / warmup_steps`` for ``step < warmup_steps`` (the first update
    uses lr0 / warmup_steps > 0, step ``warmup_steps - 1`` reaches lr0), and afterwards the wrapped schedule
    restarted at 0: ``schedule(step) = base(step - warmup_steps)``.
    """
    base = schedule_or_lr if callable(schedule_or_lr) else constant(schedule_or_lr)
    _check_count("warmup_steps", warmup_steps)

    def schedule(step):
        _check_step(step)
        if step < warmup_steps:
            return base(0) * (step + 1) / warmup_steps
        return base(step - warmup_steps)

    return schedule

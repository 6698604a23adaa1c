"""Tests of gdbp.optim.schedules: learning rate as a function of the step count (0 for the first update)."""
import math

import numpy as np
import pytest

from gdbp.optim import schedules


def values(schedule, n):
    return [schedule(step) for step in range(n)]


def test_constant_is_lr_at_every_step():
    assert values(schedules.constant(0.1), 5) == [0.1] * 5


def test_step_decay_multiplies_by_gamma_every_step_size_steps_from_step_zero():
    assert values(schedules.step_decay(1.0, step_size=2, gamma=0.5), 7) == [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125]


def test_exponential_is_lr_times_gamma_to_the_step():
    np.testing.assert_allclose(values(schedules.exponential(0.2, 0.9), 4), [0.2, 0.18, 0.162, 0.1458],
                               rtol=1e-15)


def test_cosine_goes_from_lr_to_lr_min_and_stays():
    schedule = schedules.cosine(1.0, total_steps=10, lr_min=0.1)
    assert schedule(0) == 1.0
    assert schedule(5) == pytest.approx(0.55, abs=1e-15)  # halfway: (lr + lr_min) / 2
    assert schedule(10) == pytest.approx(0.1, abs=1e-15)
    assert schedule(25) == schedule(10)
    lrs = values(schedule, 11)
    assert all(a > b for a, b in zip(lrs, lrs[1:]))
    assert schedule(3) == pytest.approx(0.1 + 0.9 * (1 + math.cos(math.pi * 0.3)) / 2, abs=1e-15)


def test_cosine_with_zero_lr_min_is_positive_before_total_steps():
    schedule = schedules.cosine(0.5, total_steps=100)
    assert min(values(schedule, 100)) > 0 and schedule(100) == 0.0


def test_warmup_ramps_linearly_then_restarts_the_schedule():
    base = schedules.step_decay(0.4, step_size=2, gamma=0.5)
    schedule = schedules.warmup(base, warmup_steps=4)
    np.testing.assert_allclose(values(schedule, 4), [0.1, 0.2, 0.3, 0.4], rtol=1e-15)
    assert [schedule(4 + k) for k in range(4)] == values(base, 4)


def test_warmup_accepts_a_number():
    np.testing.assert_allclose(values(schedules.warmup(0.2, 2), 4), [0.1, 0.2, 0.2, 0.2], rtol=1e-15)


@pytest.mark.parametrize("make, message", [
    (lambda: schedules.constant(-0.1), "lr must be a finite number > 0, received -0.1"),
    (lambda: schedules.constant(float("nan")), "lr must be a finite number > 0, received nan"),
    (lambda: schedules.step_decay(0.1, 0, 0.5), "step_size must be an int >= 1, received 0"),
    (lambda: schedules.step_decay(0.1, 2.5, 0.5), "step_size must be an int >= 1, received 2.5"),
    (lambda: schedules.step_decay(0.1, 2, 0.0), "gamma must be a finite number > 0, received 0.0"),
    (lambda: schedules.exponential(0.1, -1.0), "gamma must be a finite number > 0, received -1.0"),
    (lambda: schedules.cosine(0.1, 0), "total_steps must be an int >= 1, received 0"),
    (lambda: schedules.cosine(0.1, 10, lr_min=0.2), r"lr_min must be a number in \[0, lr\)"),
    (lambda: schedules.warmup(0.1, 0), "warmup_steps must be an int >= 1, received 0"),
])
def test_schedules_reject_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_schedule_rejects_lr_of_wrong_type():
    with pytest.raises(TypeError, match="lr must be a real number, received str"):
        schedules.constant("0.1")


@pytest.mark.parametrize("step", [-1, 1.5, True])
def test_schedule_rejects_bad_step(step):
    with pytest.raises(ValueError, match=r"step must be an int >= 0 \(updates made so far\)"):
        schedules.exponential(0.1, 0.9)(step)


def test_schedule_accepts_numpy_int_step():
    assert schedules.exponential(0.1, 0.5)(np.int64(2)) == pytest.approx(0.025, abs=1e-17)

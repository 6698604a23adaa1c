"""Tests of gdbp.plotting: what each plot draws (artists, legends, colors), headless on Agg."""
import matplotlib

matplotlib.use("Agg")  # headless: tests never open windows

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402

from gdbp.descent import gradient_descent  # noqa: E402
from gdbp.objectives import get_objective  # noqa: E402
from gdbp.plotting import (OPTIMIZER_COLORS, animate_trajectories, color_for, plot_contours,  # noqa: E402
                           plot_losses)

ROSENBROCK = get_objective("rosenbrock")


@pytest.fixture(autouse=True)
def close_figures(monkeypatch):
    """Fail on plt.show (plots must not block); close every figure a test opened."""
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: pytest.fail("plt.show() was called"))
    yield
    plt.close("all")
    assert plt.get_fignums() == []


def legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def lines_labelled(ax, label):
    return [line for line in ax.get_lines() if line.get_label() == label]


def two_runs():
    start = ROSENBROCK.start
    return {"sgd": gradient_descent(ROSENBROCK.grad, start, lr=1e-3, num_steps=8),
            "adam": np.array([start, [0.0, 0.5], [0.9, 0.8]])}


# --- colors -----------------------------------------------------------------------------------------

def test_color_for_known_optimizers_is_fixed_and_distinct():
    names = ["sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "adamax", "nadam",
             "amsgrad"]
    assert sorted(OPTIMIZER_COLORS) == sorted(names)
    assert len(set(OPTIMIZER_COLORS.values())) == 10
    assert color_for("adam") == OPTIMIZER_COLORS["adam"] == color_for("Adam")


def test_color_for_other_names_is_stable_and_not_an_optimizer_color():
    assert color_for("my rule") == color_for("my rule")
    assert color_for("my rule") not in OPTIMIZER_COLORS.values()


# --- plot_contours ----------------------------------------------------------------------------------

def test_plot_contours_draws_contours_minima_and_trajectories():
    runs = two_runs()
    ax = plot_contours(ROSENBROCK, runs)
    assert len([c for c in ax.collections if isinstance(c, ContourSet)]) == 1
    for name, trajectory in runs.items():
        (line,) = lines_labelled(ax, name)
        np.testing.assert_array_equal(line.get_xydata(), trajectory)
        assert to_hex(line.get_color()) == OPTIMIZER_COLORS[name]
        assert line.get_marker() == "o"
    stars = [line for line in ax.get_lines() if line.get_marker() == "*"]
    assert len(stars) == 1
    np.testing.assert_array_equal(stars[0].get_xydata(), [ROSENBROCK.minima[0]])
    assert set(legend_texts(ax)) == {"minimum", "sgd", "adam"}
    assert ax.get_xlim() == ROSENBROCK.bounds[0] and ax.get_ylim() == ROSENBROCK.bounds[1]


def test_plot_contours_marks_every_minimum_once_in_legend():
    himmelblau = get_objective("himmelblau")
    ax = plot_contours(himmelblau)
    stars = [line for line in ax.get_lines() if line.get_marker() == "*"]
    assert len(stars) == 4
    assert legend_texts(ax) == ["minimum"]


def test_plot_contours_saddle_point_and_linear_levels():
    saddle = get_objective("saddle")
    ax = plot_contours(saddle, levels=12)
    assert legend_texts(ax) == ["saddle point"]
    (contours,) = [c for c in ax.collections if isinstance(c, ContourSet)]
    steps = np.diff(contours.levels)
    np.testing.assert_allclose(steps, steps[0], rtol=1e-9)  # no minimum: linear levels


def test_plot_contours_log_levels_are_geometric_above_the_minimum():
    ax = plot_contours(ROSENBROCK, levels=20, log_levels=True)
    (contours,) = [c for c in ax.collections if isinstance(c, ContourSet)]
    # levels = z_min + span * geomspace(1e-4, 1, 20): successive differences grow by the constant factor
    # 10^(4/19) (rtol 1e-6: only rounding of the level values).
    differences = np.diff(contours.levels)
    np.testing.assert_allclose(differences[1:] / differences[:-1], 10 ** (4 / 19), rtol=1e-6)


def test_plot_contours_accepts_explicit_levels_and_one_array():
    levels = [1.0, 10.0, 100.0]
    ax = plot_contours(ROSENBROCK, two_runs()["adam"], levels=levels)
    (contours,) = [c for c in ax.collections if isinstance(c, ContourSet)]
    np.testing.assert_array_equal(contours.levels, levels)
    assert "trajectory" in legend_texts(ax)


def test_plot_contours_leaves_out_non_finite_rows_of_a_diverged_run():
    bowl = get_objective("bowl")
    trajectory = gradient_descent(bowl.grad, bowl.start, lr=1e10, num_steps=100)
    ax = plot_contours(bowl, {"sgd": trajectory})
    (line,) = lines_labelled(ax, "sgd")
    np.testing.assert_array_equal(line.get_xydata(), trajectory[:-1])


def test_plot_contours_draws_on_given_axes_without_new_figure():
    fig, ax = plt.subplots()
    assert plot_contours(ROSENBROCK, ax=ax) is ax
    assert plt.get_fignums() == [fig.number]


def test_plot_contours_rejects_bad_trajectory_shape():
    with pytest.raises(ValueError, match=r"trajectory 'sgd' must have shape \(k \+ 1, 2\); got shape \(3, 3\)"):
        plot_contours(ROSENBROCK, {"sgd": np.zeros((3, 3))})


def test_plot_contours_does_not_change_the_backend():
    backend = matplotlib.get_backend()
    plot_contours(ROSENBROCK, two_runs())
    assert matplotlib.get_backend() == backend


# --- plot_losses ------------------------------------------------------------------------------------

def test_plot_losses_one_line_per_run_in_its_color_on_log_axis():
    histories = {name: ROSENBROCK.value(run) for name, run in two_runs().items()}
    ax = plot_losses(histories)
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "step"
    assert legend_texts(ax) == ["sgd", "adam"]
    for name, losses in histories.items():
        (line,) = lines_labelled(ax, name)
        np.testing.assert_array_equal(line.get_xdata(), np.arange(len(losses)))
        np.testing.assert_array_equal(line.get_ydata(), losses)
        assert to_hex(line.get_color()) == OPTIMIZER_COLORS[name]


def test_plot_losses_log_leaves_out_zeros_and_non_finite():
    ax = plot_losses({"sgd": [4.0, 1.0, 0.0, np.inf]})
    (line,) = lines_labelled(ax, "sgd")
    ydata = line.get_ydata()
    np.testing.assert_array_equal(ydata[:2], [4.0, 1.0])
    assert np.all(np.isnan(ydata[2:]))


def test_plot_losses_negative_values_need_linear_axis():
    with pytest.raises(ValueError, match=r"histories\['saddle run'\] has negative losses.*log=False"):
        plot_losses({"saddle run": [1.0, -3.0]})
    ax = plot_losses({"saddle run": [1.0, -3.0]}, log=False, xlabel="epoch")
    assert ax.get_yscale() == "linear"
    assert ax.get_xlabel() == "epoch"
    np.testing.assert_array_equal(lines_labelled(ax, "saddle run")[0].get_ydata(), [1.0, -3.0])


def test_plot_losses_does_not_mutate_histories():
    losses = np.array([3.0, 0.0, np.nan])
    plot_losses({"sgd": losses})
    np.testing.assert_array_equal(losses, [3.0, 0.0, np.nan])


def test_plot_losses_rejects_non_mapping_and_2d_history():
    with pytest.raises(TypeError, match="histories must be a dict"):
        plot_losses([1.0, 2.0])
    with pytest.raises(ValueError, match=r"histories\['sgd'\] must be a 1-D sequence"):
        plot_losses({"sgd": np.ones((2, 2))})


# --- animate_trajectories ---------------------------------------------------------------------------

def test_animate_trajectories_frames_and_final_lines():
    runs = two_runs()  # 9 and 3 rows
    fig, ax = plt.subplots()
    anim = animate_trajectories(ROSENBROCK, runs, interval=20, ax=ax)
    assert isinstance(anim, FuncAnimation)
    assert len(list(anim.new_frame_seq())) == 9
    html = anim.to_jshtml()  # renders every frame (Agg, no external tools)
    assert "<script" in html
    assert plt.get_fignums() == [fig.number]
    for name, trajectory in runs.items():
        (line,) = lines_labelled(ax, name)
        np.testing.assert_array_equal(line.get_xydata(), trajectory)  # last frame: whole trajectory
        assert to_hex(line.get_color()) == OPTIMIZER_COLORS[name]
    assert set(legend_texts(ax)) == {"minimum", "sgd", "adam"}


def test_animate_trajectories_rejects_empty():
    with pytest.raises(ValueError, match="at least one trajectory"):
        animate_trajectories(ROSENBROCK, {})

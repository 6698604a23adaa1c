"""Plots for optimizer experiments: contours with trajectories, loss curves, an animation.

Each function draws on the Axes you pass (``ax=``) or on a new figure, and returns the Axes (or the
animation). Nothing here calls ``plt.show()`` or chooses a matplotlib backend, so the module works in
notebooks, in scripts and headless in tests (use the Agg backend there).

Colors: every optimizer name has one fixed color (``OPTIMIZER_COLORS``), so ``"adam"`` is the same pink in
the contour plot, the loss plot and the animation. Other labels get a fixed color picked from their name.

Typical use (running is kept apart from plotting, as in d2l.ai)::

    obj = get_objective("rosenbrock")
    runs = {"sgd": optimize(obj.grad, obj.start, optim.sgd, 300, lr=1e-3),
            "adam": optimize(obj.grad, obj.start, optim.adam, 300, lr=0.1)}
    plot_contours(obj, runs)
    plot_losses({name: obj.value(run) for name, run in runs.items()})
"""
import zlib
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation

__all__ = ["OPTIMIZER_COLORS", "color_for", "plot_contours", "plot_losses", "animate_trajectories"]

#: One color per optimizer of the course (matplotlib's tab10 palette, in the course's order).
OPTIMIZER_COLORS: dict[str, str] = {
    "sgd": "#1f77b4",       # blue
    "momentum": "#ff7f0e",  # orange
    "nesterov": "#2ca02c",  # green
    "adagrad": "#d62728",   # red
    "adadelta": "#9467bd",  # purple
    "rmsprop": "#8c564b",   # brown
    "adam": "#e377c2",      # pink
    "adamax": "#7f7f7f",    # grey
    "nadam": "#bcbd22",     # olive
    "amsgrad": "#17becf",   # cyan
}

# Dark shades (tab20b) for other labels; the choice depends only on the label, so it is stable across plots.
_OTHER_COLORS = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#31a354")


def color_for(name: str) -> str:
    """The fixed color of an optimizer name (case-insensitive); other names get a stable color from a hash."""
    key = str(name).lower()
    if key in OPTIMIZER_COLORS:
        return OPTIMIZER_COLORS[key]
    return _OTHER_COLORS[zlib.crc32(key.encode()) % len(_OTHER_COLORS)]  # crc32: same in every process


def _new_axes(ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _as_trajectories(trajectories):
    """dict name -> finite rows of a float64 array of shape (k + 1, 2); accepts one array or a mapping."""
    if trajectories is None:
        return {}
    if not isinstance(trajectories, Mapping):
        trajectories = {"trajectory": trajectories}
    result = {}
    for name, trajectory in trajectories.items():
        trajectory = np.asarray(trajectory, dtype=np.float64)
        if trajectory.ndim != 2 or trajectory.shape[1] != 2:
            raise ValueError(f"trajectory {name!r} must have shape (k + 1, 2); got shape {trajectory.shape}")
        # A diverged run ends on a non-finite row (see gdbp.descent): draw the finite part.
        result[str(name)] = trajectory[np.all(np.isfinite(trajectory), axis=1)]
    return result


def _contour_levels(objective, z, levels, log_levels):
    """Contour levels for grid values z: as given, linear, or geometric above the grid minimum."""
    if not isinstance(levels, (int, np.integer)):
        return np.asarray(levels, dtype=np.float64)
    if not log_levels or not objective.minima:  # no minimum (saddle): values unbounded below, use linear
        return int(levels)
    z_min, z_max = float(np.min(z)), float(np.max(z))
    span = max(z_max - z_min, 1e-12)
    # Geometric spacing packs many levels near the minimum, where narrow valleys (Rosenbrock) live.
    return z_min + np.geomspace(span * 1e-4, span, int(levels))


def plot_contours(objective, trajectories=None, ax=None, levels=30, log_levels=True, resolution=200):
    """Contour lines of a 2-D objective over ``objective.bounds`` with minima and optimizer trajectories.

    Args:
        objective: an ``gdbp.objectives.Objective``.
        trajectories: ``{name: array (k + 1, 2)}`` (e.g. from ``gdbp.descent.optimize``) or one such array;
            each is drawn as a line with markers in ``color_for(name)``, non-finite rows left out.
        ax: Axes to draw on; a new figure when None.
        levels: number of contour levels, or a sequence of level values.
        log_levels: with an int ``levels``, space them geometrically above the minimum (linear for an
            objective without minima, such as the saddle).
        resolution: grid points per axis.
    Returns:
        the Axes. Minima are gold stars, saddle points black crosses; a legend names every trajectory.
    """
    ax = _new_axes(ax)
    (x_min, x_max), (y_min, y_max) = objective.bounds
    X, Y = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    Z = objective.value(np.stack([X, Y], axis=-1))  # shape (resolution, resolution)
    ax.contour(X, Y, Z, levels=_contour_levels(objective, Z, levels, log_levels),
               cmap="viridis", linewidths=0.8, alpha=0.6)
    for i, minimum in enumerate(objective.minima):
        ax.plot(minimum[0], minimum[1], linestyle="none", marker="*", markersize=15, color="gold",
                markeredgecolor="black", label="minimum" if i == 0 else None, zorder=3)
    for i, point in enumerate(objective.saddle_points):
        ax.plot(point[0], point[1], linestyle="none", marker="X", markersize=10, color="black",
                label="saddle point" if i == 0 else None, zorder=3)
    for name, trajectory in _as_trajectories(trajectories).items():
        ax.plot(trajectory[:, 0], trajectory[:, 1], marker="o", markersize=3, linewidth=1.2,
                color=color_for(name), label=name, zorder=2)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"{objective.name}\nf = {objective.formula}", fontsize="medium")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_losses(histories, ax=None, log=True, xlabel="step"):
    """Loss curves, one line per run, against the step number.

    Args:
        histories: ``{name: sequence of losses}``, e.g. ``{"adam": obj.value(trajectory)}``.
        ax: Axes to draw on; a new figure when None.
        log: logarithmic y axis. Zeros cannot be drawn there and are left out (a gap); negative losses
            raise ValueError (pass ``log=False``, e.g. for the saddle). Non-finite values (a diverged run)
            are left out on either scale.
        xlabel: label of the x axis.
    Returns:
        the Axes, with a legend naming every run.
    """
    if not isinstance(histories, Mapping):
        raise TypeError(f"histories must be a dict {{name: sequence of losses}}; got {type(histories).__name__}")
    curves = {}
    for name, losses in histories.items():
        losses = np.array(losses, dtype=np.float64)
        if losses.ndim != 1:
            raise ValueError(f"histories[{name!r}] must be a 1-D sequence of losses; got shape {losses.shape}")
        finite = np.isfinite(losses)
        if log and np.any(losses[finite] < 0):
            raise ValueError(f"histories[{name!r}] has negative losses (min {losses[finite].min():.3g}), "
                             "which a log axis cannot show; pass log=False")
        losses[~finite] = np.nan  # matplotlib leaves a gap at nan
        if log:
            losses[losses == 0] = np.nan
        curves[str(name)] = losses
    ax = _new_axes(ax)
    for name, losses in curves.items():
        ax.plot(np.arange(len(losses)), losses, color=color_for(name), label=name)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.legend(loc="best", fontsize="small")
    return ax


def animate_trajectories(objective, trajectories, interval=50, ax=None):
    """Animate trajectories moving over the contour plot of ``objective``, one step per frame.

    Args:
        objective: an ``gdbp.objectives.Objective``.
        trajectories: ``{name: array (k + 1, 2)}`` or one array; runs of different lengths stop at their end.
        interval: milliseconds between frames.
        ax: Axes to draw on; a new figure when None.
    Returns:
        a ``matplotlib.animation.FuncAnimation`` with ``max(k + 1)`` frames. In a notebook show it with
        ``IPython.display.HTML(anim.to_jshtml())``; keep a reference to it until it has been rendered.
    """
    runs = _as_trajectories(trajectories)
    if not runs:
        raise ValueError("trajectories must hold at least one trajectory; got none")
    ax = plot_contours(objective, None, ax=ax)
    lines = {name: ax.plot([], [], marker="o", markersize=3, linewidth=1.2, color=color_for(name),
                           label=name)[0] for name in runs}
    ax.legend(loc="best", fontsize="small")
    num_frames = max(len(trajectory) for trajectory in runs.values())

    def draw_frame(frame):
        for name, trajectory in runs.items():
            lines[name].set_data(trajectory[: frame + 1, 0], trajectory[: frame + 1, 1])
        return list(lines.values())

    return FuncAnimation(ax.figure, draw_frame, frames=num_frames, interval=interval, blit=False)

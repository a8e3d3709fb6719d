"""Plots for teaching and training, with matplotlib (the ``plot`` extra: ``pip install 'autograd-mini[plot]'``).

Every function returns a ``matplotlib.figure.Figure`` built without pyplot: no backend is chosen, no global figure
stays open, and the figure is freed like any object.  Save it with ``fig.savefig("out.png")``; a notebook shows it
when it is the cell's value.  Models are evaluated under ``no_grad`` and in eval mode (their mode is restored).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

try:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "visualize.plots needs matplotlib: pip install 'autograd-mini[plot]' (or pip install matplotlib)"
    ) from error

from ._landscape import landscape

ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "sigmoid": am.sigmoid,
    "tanh": am.tanh,
    "relu": am.relu,
    "leaky_relu": lambda x: am.leaky_relu(x, 0.1),
    "elu": am.elu,
    "gelu": am.gelu,
    "silu": am.silu,
    "softplus": am.softplus,
    "mish": am.mish,
    "softsign": am.softsign,
    "hardtanh": am.hardtanh,
}
DEFAULT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", "softplus")


def _grid(count: int, ncols: int, size: tuple[float, float] = (3.2, 2.6)) -> tuple[Figure, list[Axes]]:
    ncols = max(1, min(ncols, count))
    nrows = max(1, math.ceil(count / ncols))
    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    axes = list(fig.subplots(nrows, ncols, squeeze=False).reshape(-1))
    for ax in axes[count:]:
        ax.set_visible(False)
    return fig, axes[:count]


def plot_activations(
    activations: Sequence[str] | Mapping[str, Callable[[Tensor], Tensor]] | None = None,
    x_range: tuple[float, float] = (-4.0, 4.0),
    num: int = 401,
    ncols: int = 4,
) -> Figure:
    """Each activation function and its derivative, the derivative computed by autograd (``am.grad``).

    ``activations``: names from :data:`ACTIVATIONS` or a mapping of names to functions of a Tensor.
    """
    chosen = dict(activations) if isinstance(activations, Mapping) else None
    if chosen is None:
        names = list(activations) if activations is not None else list(DEFAULT_ACTIVATIONS)
        unknown = [n for n in names if n not in ACTIVATIONS]
        if unknown:
            raise ValueError(f"unknown activation(s) {unknown}; known: {sorted(ACTIVATIONS)}")
        chosen = {n: ACTIVATIONS[n] for n in names}
    fig, axes = _grid(len(chosen), ncols)
    xs = np.linspace(x_range[0], x_range[1], num)
    for ax, (name, fn) in zip(axes, chosen.items()):
        x = am.tensor(xs, requires_grad=True)
        y = fn(x)
        (dy,) = am.grad(y.sum(), [x])  # elementwise, so the gradient of the sum is f'(x)
        assert dy is not None
        ax.plot(xs, y.detach().numpy(), label="f(x)", color="C0")
        ax.plot(xs, dy.numpy(), label="f'(x) by autograd", color="C3", linestyle="--")
        ax.axhline(0.0, color="#999999", linewidth=0.6)
        ax.axvline(0.0, color="#999999", linewidth=0.6)
        ax.set_title(name)
        ax.grid(alpha=0.3)
    if axes:
        axes[0].legend(fontsize=8, loc="upper left")
    return fig


def _series(history: Mapping[str, Sequence[float]] | Sequence[Mapping[str, float]]) -> dict[str, list[float]]:
    if isinstance(history, Mapping):
        return {k: [float(v) for v in values] for k, values in history.items()}
    result: dict[str, list[float]] = {}
    for record in history:
        for key, value in record.items():
            result.setdefault(key, []).append(float(value))
    return result


def plot_training(
    history: Mapping[str, Sequence[float]] | Sequence[Mapping[str, float]], xlabel: str = "epoch"
) -> Figure:
    """Loss curves (log scale when positive) and, when present, accuracy curves.

    ``history``: ``{"loss": [...], "val_loss": [...], "acc": [...]}`` or a list of per-epoch dicts.  Keys with
    ``loss`` go left, keys with ``acc`` right, anything else (learning rate...) in a third panel; a ``val_``
    series is dashed in its training series' colour.
    """
    series = _series(history)
    if not series:
        raise ValueError("plot_training needs at least one series in the history")
    groups = {"loss": [k for k in series if "loss" in k]}
    groups["accuracy"] = [k for k in series if "acc" in k and k not in groups["loss"]]
    groups["other"] = [k for k in series if k not in groups["loss"] and k not in groups["accuracy"]]
    panels = [(title, keys) for title, keys in groups.items() if keys]
    fig, axes = _grid(len(panels), len(panels), size=(4.5, 3.2))
    for ax, (title, keys) in zip(axes, panels):
        colours: dict[str, str] = {}
        for key in keys:
            base = key.removeprefix("val_").removeprefix("test_")
            colour = colours.setdefault(base, f"C{len(colours)}")
            values = series[key]
            dashed = key != base
            ax.plot(range(1, len(values) + 1), values, label=key, color=colour, linestyle="--" if dashed else "-")
        if title == "loss" and all(v > 0 for k in keys for v in series[k]):
            ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return fig


@contextlib.contextmanager
def _evaluating(model: Any) -> Iterator[None]:
    """Eval mode and no_grad for the block; the model's previous mode is restored."""
    was_training = getattr(model, "training", None)
    if was_training is not None and hasattr(model, "eval"):
        model.eval()
    try:
        with am.no_grad():
            yield
    finally:
        if was_training is not None and hasattr(model, "train"):
            model.train(was_training)


def _array(values: Any) -> np.ndarray:
    return values.detach().numpy() if isinstance(values, Tensor) else np.asarray(values)


def _predict(model: Callable[[Tensor], Any], inputs: np.ndarray, batch: int = 8192) -> np.ndarray:
    outputs = [_array(model(am.tensor(inputs[i : i + batch]))) for i in range(0, len(inputs), batch)]
    return np.concatenate(outputs, axis=0)


def plot_decision_regions(
    model: Callable[[Tensor], Any], X: Any, y: Any, resolution: int = 200, padding: float = 0.5
) -> Figure:
    """Class regions of a classifier over 2-D inputs, with the data points on top.

    Outputs with several columns are read as class scores (argmax); one column (or a vector) as a binary score,
    thresholded at 0.5 when every value is in [0, 1] (probabilities) and at 0 otherwise (logits).
    """
    points, labels = _array(X), _array(y).reshape(-1)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"plot_decision_regions needs inputs of shape (N, 2), got {points.shape}")
    dtype = points.dtype if points.dtype.kind == "f" else np.float32
    lo, hi = points.min(axis=0) - padding, points.max(axis=0) + padding
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(dtype)
    with _evaluating(model):
        scores = _predict(model, grid)
    if scores.ndim == 2 and scores.shape[1] > 1:
        classes = scores.argmax(axis=1)
    else:
        flat = scores.reshape(-1)
        classes = (flat > (0.5 if flat.min() >= 0 and flat.max() <= 1 else 0.0)).astype(np.int64)
    count = int(max(classes.max(initial=0), labels.max(initial=0))) + 1
    fig = Figure(figsize=(5.0, 4.2), layout="constrained")
    ax = fig.subplots()
    colours = [f"C{k % 10}" for k in range(count)]
    ax.contourf(gx, gy, classes.reshape(gx.shape), levels=np.arange(count + 1) - 0.5, colors=colours, alpha=0.25)
    for k in range(count):
        chosen = labels == k
        ax.scatter(
            points[chosen, 0],
            points[chosen, 1],
            s=18,
            color=colours[k],
            edgecolors="black",
            linewidths=0.4,
            label=f"class {k}",
        )
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_title("decision regions")
    ax.legend(fontsize=8, loc="best")
    return fig


def plot_fit(model: Callable[[Tensor], Any], x: Any, y: Any, num: int = 300) -> Figure:
    """1-D regression: the data points and the model's curve over their range (inputs fed as shape (M, 1))."""
    xs, ys = _array(x).reshape(-1), _array(y).reshape(-1)
    dtype = xs.dtype if xs.dtype.kind == "f" else np.float32
    margin = 0.05 * float(xs.max() - xs.min() or 1.0)
    grid = np.linspace(xs.min() - margin, xs.max() + margin, num).astype(dtype)
    with _evaluating(model):
        curve = _predict(model, grid.reshape(-1, 1)).reshape(-1)
    fig = Figure(figsize=(5.0, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.scatter(xs, ys, s=12, color="C0", alpha=0.7, label="data")
    ax.plot(grid, curve, color="C3", linewidth=2, label="model")
    ax.set_title("fit")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def plot_grad_flow(model: Any) -> Figure:
    """Gradient norm of every parameter (log scale) with its largest entry, after ``backward``.

    ``model``: a module (``named_parameters()``) or a mapping of names to tensors.  A parameter whose ``.grad`` is
    None is marked ``None`` and one whose gradient is all zeros ``0``, at the bottom of the axis.
    """
    pairs = list(model.named_parameters() if hasattr(model, "named_parameters") else model.items())
    if not pairs:
        raise ValueError("plot_grad_flow found no parameters")
    names = [name for name, _ in pairs]
    grads = [None if p.grad is None else p.grad.data.astype(np.float64) for _, p in pairs]
    norms = [np.nan if g is None else float(np.linalg.norm(g.reshape(-1))) for g in grads]
    peaks = [np.nan if g is None or g.size == 0 else float(np.abs(g).max()) for g in grads]
    fig = Figure(figsize=(max(5.0, 0.45 * len(names) + 2), 4.0), layout="constrained")
    ax = fig.subplots()
    positive = [v for v in norms + peaks if np.isfinite(v) and v > 0]
    floor = min(positive) / 10 if positive else 1e-8
    heights = [v if np.isfinite(v) and v > 0 else floor for v in norms]
    ax.bar(
        range(len(names)),
        heights,
        color=["C0" if np.isfinite(v) and v > 0 else "#cccccc" for v in norms],
        label="‖grad‖",
    )
    ax.scatter(
        range(len(names)),
        [v if np.isfinite(v) and v > 0 else np.nan for v in peaks],
        color="C3",
        zorder=3,
        s=14,
        label="max |grad|",
    )
    for k, (g, v) in enumerate(zip(grads, norms)):
        if g is None or not v > 0:
            ax.annotate("None" if g is None else "0", (k, floor), ha="center", va="bottom", fontsize=8, color="#555555")
    ax.set_yscale("log")
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("gradient magnitude")
    ax.set_title("gradient flow per parameter")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    return fig


def plot_loss_landscape(
    model: Any,
    loss_fn: Callable[[Any, Any], Tensor],
    data: tuple[Any, Any],
    steps: int = 21,
    span: float = 1.0,
    seed: int = 0,
) -> Figure:
    """The loss around the current parameters along two random filter-normalised directions (Li et al., 2018):
    a 2-D contour and the 1-D slice along the first direction.

    ``loss_fn(model(X), y)`` must return a one-element tensor for ``data = (X, y)``.  Biases and other
    one-dimensional parameters are not moved, as in the paper.  Parameters are restored exactly afterwards.
    """
    result = landscape(model, loss_fn, data, steps=steps, span=span, seed=seed)
    fig = Figure(figsize=(10.0, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    ga, gb = np.meshgrid(result.alphas, result.alphas)
    filled = left.contourf(ga, gb, result.surface, levels=20, cmap="viridis")
    left.contour(ga, gb, result.surface, levels=10, colors="white", linewidths=0.5, alpha=0.6)
    left.plot([0.0], [0.0], marker="*", color="red", markersize=12, label="current parameters")
    fig.colorbar(filled, ax=left, label="loss")
    left.set_xlabel("direction 1")
    left.set_ylabel("direction 2")
    left.set_title("loss landscape (filter-normalised directions)")
    left.legend(fontsize=8, loc="upper right")
    right.plot(result.alphas, result.slice, color="C0")
    right.axvline(0.0, color="red", linewidth=0.8)
    right.set_xlabel("step along direction 1")
    right.set_ylabel("loss")
    right.set_title("1-D slice")
    right.grid(alpha=0.3)
    return fig

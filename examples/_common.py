"""Helpers shared by the example scripts: command line, training loop, accuracy, figures and graphs.

Every example is run as ``python examples/NAME.py [--quick] [--out DIR] [--seed N]`` and exposes
``main(argv) -> dict`` with its measured findings.  Figures use matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import autograd_mini as am
import nn
import visualize
from autograd_mini import Tensor

F = nn.functional
History = dict[str, list[float]]
LossFn = Callable[[Tensor, Tensor], Tensor]


def single_thread_blas(main: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Run an example's ``main`` with BLAS limited to one thread: the matrices here are small, and a threaded BLAS
    spends more time synchronising than multiplying (three times slower on two busy cores).  Needs threadpoolctl,
    which comes with scikit-learn; without it, nothing changes."""

    @functools.wraps(main)
    def wrapper(argv: Sequence[str] | None = None) -> dict[str, Any]:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - depends on the environment
            limits: Any = contextlib.nullcontext()
        else:
            limits = threadpool_limits(limits=1, user_api="blas")
        with limits:
            return main(argv)

    return wrapper


def parse_args(
    argv: Sequence[str] | None, doc: str | None, add: Callable[[argparse.ArgumentParser], None] | None = None
) -> argparse.Namespace:
    """``--quick`` (small sizes, used by the tests), ``--out DIR`` (default ``out/``, created) and ``--seed``;
    ``add`` may add the example's own options."""
    parser = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0] if doc else None)
    parser.add_argument("--quick", action="store_true", help="small sizes and few epochs (used by the tests)")
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for figures (default: out/)")
    parser.add_argument("--seed", type=int, default=0, help="seed for data, initialisation and shuffling")
    if add is not None:
        add(parser)
    args = parser.parse_args(list(argv) if argv is not None else None)
    args.out.mkdir(parents=True, exist_ok=True)
    am.manual_seed(args.seed)
    return args


def grad_of(tensor: Tensor) -> np.ndarray:
    """The ``.grad`` of a leaf as an array (an error if backward has not reached it)."""
    if tensor.grad is None:
        raise RuntimeError("no gradient: backward has not reached this tensor")
    return tensor.grad.numpy()


def mlp(sizes: Sequence[int], activation: Callable[[], nn.Module] = nn.ReLU) -> nn.Sequential:
    """Linear layers of the given sizes with ``activation()`` between them (none after the last)."""
    layers: list[nn.Module] = []
    for k, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(fan_in, fan_out))
        if k < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def as_tensor(values: Any) -> Tensor:
    return values if isinstance(values, Tensor) else am.tensor(np.asarray(values))


def predict(model: Callable[[Tensor], Tensor], X: Any) -> np.ndarray:
    """The model's outputs on ``X`` as an array, under ``no_grad`` (and eval mode for modules)."""
    training = getattr(model, "training", None)
    if isinstance(model, nn.Module):
        model.eval()
    try:
        with am.no_grad():
            return model(as_tensor(X)).numpy()
    finally:
        if isinstance(model, nn.Module) and training is not None:
            model.train(training)


def labels_of(outputs: np.ndarray) -> np.ndarray:
    """Class predictions: argmax of class scores, or a logit above 0 for a single output column."""
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        return outputs.argmax(axis=1)
    return (outputs.reshape(-1) > 0).astype(np.int64)


def accuracy(model: Callable[[Tensor], Tensor], X: Any, y: Any) -> float:
    """Fraction of ``X`` whose predicted class equals ``y``."""
    return float(np.mean(labels_of(predict(model, X)) == np.asarray(y).reshape(-1)))


def bce_logits(output: Tensor, target: Tensor) -> Tensor:
    """Binary cross-entropy on logits of shape (N, 1) against 0/1 labels of shape (N,)."""
    return F.binary_cross_entropy_with_logits(output.reshape(-1), target.to(output.dtype))


def make_optimizer(params: Any, name: str, lr: float, weight_decay: float = 0.0, momentum: float = 0.0) -> Any:
    if name == "adam":
        return nn.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "sgd":
        return nn.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}")


def fit(
    model: nn.Module,
    X: Any,
    y: Any,
    *,
    epochs: int,
    lr: float,
    batch_size: int | None = None,
    optimizer: str = "adam",
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    loss_fn: LossFn = F.cross_entropy,
    classify: bool = True,
    test: tuple[Any, Any] | None = None,
    seed: int = 0,
    progress: str | None = None,
    on_epoch: Callable[[int, History], bool | None] | None = None,
) -> History:
    """Train ``model`` and return its history: ``loss`` (mean over the epoch's batches), ``acc`` (training
    accuracy at the end of the epoch, when ``classify``) and ``test_loss``/``test_acc`` when ``test`` is given.

    ``batch_size=None`` trains full-batch.  ``progress``: a tqdm bar with this description, showing loss and
    accuracy.  ``on_epoch(epoch, history)`` runs after each epoch; returning True stops training.
    """
    X_t, y_t = as_tensor(X), as_tensor(y)
    opt = make_optimizer(model.parameters(), optimizer, lr, weight_decay, momentum)
    if batch_size is None:
        batches: Any = [(X_t, y_t)]
    else:
        batches = nn.data.DataLoader(nn.data.TensorDataset(X_t, y_t), batch_size, shuffle=True, seed=seed)
    epoch_range: Any = range(epochs)
    if progress is not None:
        from tqdm import tqdm

        epoch_range = tqdm(epoch_range, desc=progress, unit="epoch", leave=True)
    history: History = {}
    for epoch in epoch_range:
        model.train()
        total = 0.0
        for xb, yb in batches:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item()
        record = {"loss": total / len(batches)}
        if classify:
            record["acc"] = accuracy(model, X_t, y_t)
        if test is not None:
            outputs = predict(model, test[0])
            record["test_loss"] = float(loss_fn(am.tensor(outputs), as_tensor(test[1])).item())
            if classify:
                record["test_acc"] = float(np.mean(labels_of(outputs) == np.asarray(test[1]).reshape(-1)))
        for key, value in record.items():
            history.setdefault(key, []).append(value)
        if progress is not None:
            epoch_range.set_postfix({k: f"{v:.4f}" for k, v in record.items() if k != "test_loss"})
        if on_epoch is not None and on_epoch(epoch, history):
            break
    return history


def save_figure(fig: Figure, out: Path, name: str, dpi: int = 110) -> Path:
    """Write ``fig`` to ``out/name`` and free it."""
    path = Path(out) / name
    fig.savefig(path, dpi=dpi)
    fig.clear()
    return path


def new_figure(ncols: int = 1, nrows: int = 1, size: tuple[float, float] = (4.8, 3.6)) -> tuple[Figure, np.ndarray]:
    """A constrained-layout figure with a grid of axes (always a 2-D array), built without pyplot."""
    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False)


def tile_figures(figures: Sequence[Figure], titles: Sequence[str], ncols: int, title: str | None = None) -> Figure:
    """Render several figures (each a plot from ``visualize.plots``) and tile the images in one grid figure."""
    images = []
    for fig in figures:
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        images.append(np.asarray(canvas.buffer_rgba()).copy())
        fig.clear()
    nrows = -(-len(images) // ncols)
    height, width = images[0].shape[:2]
    grid, axes = new_figure(ncols, nrows, size=(width / 100, height / 100 + 0.3))
    for ax, image, name in zip(axes.reshape(-1), images, titles):
        ax.imshow(image)
        ax.set_title(name)
    for ax in axes.reshape(-1):
        ax.set_axis_off()
    if title:
        grid.suptitle(title)
    return grid


def save_graph(root: Tensor, out: Path, stem: str, **kwargs: Any) -> Path:
    """The computation graph behind ``root`` as ``out/stem.svg`` (``.dot`` source when Graphviz's ``dot`` is
    missing); ``kwargs`` go to ``visualize.draw_graph``."""
    suffix = ".svg" if visualize.dot_available() else ".dot"
    return visualize.save_graph(root, Path(out) / f"{stem}{suffix}", **kwargs)


def report(title: str, findings: dict[str, Any]) -> dict[str, Any]:
    """Print the findings under a title and return them."""
    print(title)
    for key, value in findings.items():
        shown = json.dumps(value, default=str) if isinstance(value, (list, dict)) else value
        print(f"  {key}: {shown}")
    return findings


def rounded(values: Any, digits: int = 4) -> Any:
    """Floats (or nested lists/dicts of them) rounded for printing."""
    if isinstance(values, dict):
        return {k: rounded(v, digits) for k, v in values.items()}
    if isinstance(values, (list, tuple, np.ndarray)):
        return [rounded(v, digits) for v in values]
    if isinstance(values, (float, np.floating)):
        return float(round(float(values), digits))
    return values

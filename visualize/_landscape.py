"""Loss-landscape sampling along filter-normalised random directions (Li, Xu, Taylor, Studer, Goldstein, 2018)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor


@dataclass
class Landscape:
    """Losses on a ``steps x steps`` grid (``surface[j, i]`` at ``alphas[i]`` along direction 1 and ``alphas[j]``
    along direction 2) and along direction 1 alone (``slice``)."""

    alphas: np.ndarray
    surface: np.ndarray
    slice: np.ndarray


def filter_normalised_direction(param: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A Gaussian direction whose every filter (slice along the first axis) has the norm of the parameter's filter;
    zero for one-dimensional parameters (biases, normalisation scales)."""
    if param.ndim <= 1:
        return np.zeros_like(param)
    direction = rng.standard_normal(param.shape).astype(param.dtype)
    axes = tuple(range(1, param.ndim))
    scale = np.sqrt((param.astype(np.float64) ** 2).sum(axis=axes, keepdims=True))
    norm = np.sqrt((direction.astype(np.float64) ** 2).sum(axis=axes, keepdims=True))
    return (direction * (scale / (norm + 1e-10))).astype(param.dtype)


def landscape(
    model: Any, loss_fn: Callable[[Any, Any], Tensor], data: tuple[Any, Any], steps: int, span: float, seed: int
) -> Landscape:
    """Evaluate the loss with parameters moved to ``theta + a d1 + b d2`` for ``a, b`` in ``[-span, span]``."""
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}")
    params = [p for _, p in model.named_parameters() if p.requires_grad]
    if not params:
        raise ValueError("plot_loss_landscape found no trainable parameters")
    rng = np.random.default_rng(seed)
    first = [filter_normalised_direction(p.data, rng) for p in params]
    second = [filter_normalised_direction(p.data, rng) for p in params]
    originals = [p.data.copy() for p in params]
    inputs, targets = (t if isinstance(t, Tensor) else am.tensor(np.asarray(t)) for t in data)
    alphas = np.linspace(-span, span, steps)
    was_training = getattr(model, "training", None)
    if was_training is not None:
        model.eval()

    def loss_at(a: float, b: float) -> float:
        for p, base, d1, d2 in zip(params, originals, first, second):
            p.data[...] = base + a * d1 + b * d2
        return float(loss_fn(model(inputs), targets).item())

    try:
        with am.no_grad():
            surface = np.array([[loss_at(a, b) for a in alphas] for b in alphas])
            line = np.array([loss_at(a, 0.0) for a in alphas])
    finally:
        for p, base in zip(params, originals):
            p.data[...] = base
        if was_training is not None:
            model.train(was_training)
    return Landscape(alphas=alphas, surface=surface, slice=line)

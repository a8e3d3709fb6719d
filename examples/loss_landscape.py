"""A 2-D slice of a trained network's loss surface, and a saddle point.

After training a 2-32-32-2 network on the moons, the loss is evaluated at theta + a d1 + b d2 on a grid of (a, b),
where d1 and d2 are random directions rescaled filter by filter (row by row of each weight matrix) to the norms of
the trained weights (Li et al., 2018, "Visualizing the loss landscape of neural nets"); without that rescaling, the
picture would depend on the scale of each layer.  The trained parameters sit in the basin at the centre.
``visualize.plots.plot_loss_landscape`` draws the same kind of slice in one call (out/loss_landscape.png); the grid is
also computed here step by step, for the numbers (out/loss_landscape_grid.png, with the saddle).

The saddle: f(x, y) = x^2 - y^2 has a zero gradient at the origin, but its Hessian (from ``autograd_mini.func``) has
one positive and one negative eigenvalue, so the origin is neither a minimum nor a maximum.

Run ``python examples/loss_landscape.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
from _common import F, as_tensor, fit, mlp, new_figure, parse_args, report, save_figure, single_thread_blas

import autograd_mini as am
import nn
from autograd_mini import func
from visualize.plots import plot_loss_landscape


def direction(params: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """A Gaussian direction with each row of each weight matrix scaled to that row's norm (biases: zero)."""
    result = []
    for p in params:
        if p.ndim < 2:
            result.append(np.zeros_like(p))
            continue
        d = rng.standard_normal(p.shape)
        rows = (p.shape[0], -1)
        scale = np.linalg.norm(p.reshape(rows), axis=1) / np.linalg.norm(d.reshape(rows), axis=1)
        result.append((d * scale.reshape((-1,) + (1,) * (p.ndim - 1))).astype(p.dtype))
    return result


def loss_grid(model: nn.Module, X: Any, y: Any, alphas: np.ndarray, seed: int) -> np.ndarray:
    """surface[j, i]: the loss at theta + alphas[i] d1 + alphas[j] d2 (the parameters are restored afterwards)."""
    params = list(model.parameters())
    theta = [p.detach().numpy().copy() for p in params]
    rng = np.random.default_rng(seed)
    d1, d2 = direction(theta, rng), direction(theta, rng)
    X, y = as_tensor(X), as_tensor(y)
    surface = np.empty((len(alphas), len(alphas)))
    with am.no_grad():
        for j, b in enumerate(alphas):
            for i, a in enumerate(alphas):
                for p, t, u, v in zip(params, theta, d1, d2):
                    p.copy_(am.tensor(t + a * u + b * v))
                surface[j, i] = F.cross_entropy(model(X), y).item()
        for p, t in zip(params, theta):
            p.copy_(am.tensor(t))
    return surface


def saddle(v: Any) -> Any:
    return v[0] ** 2 - v[1] ** 2


@single_thread_blas
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv, __doc__)
    epochs, steps = (100, 11) if args.quick else (400, 31)
    X, y = nn.datasets.moons(200, noise=0.2, seed=args.seed)
    model = mlp([2, 32, 32, 2])
    history = fit(model, X, y, epochs=epochs, lr=0.01)
    save_figure(
        plot_loss_landscape(model, F.cross_entropy, (X, y), steps=steps, seed=args.seed), args.out, "loss_landscape.png"
    )
    alphas = np.linspace(-1.0, 1.0, steps)
    surface = loss_grid(model, X, y, alphas, args.seed)
    centre = surface[steps // 2, steps // 2]

    origin = np.zeros(2)
    gradient = func.grad(saddle)(origin)
    eigenvalues = np.linalg.eigvalsh(func.hessian(saddle)(origin).numpy())

    fig, axes = new_figure(2, size=(5.0, 4.2))
    net_ax, saddle_ax = axes[0]
    filled = net_ax.contourf(alphas, alphas, np.log10(surface), levels=20, cmap="viridis")
    fig.colorbar(filled, ax=net_ax, label="log10 loss")
    net_ax.plot([0], [0], marker="*", color="red", markersize=12)
    net_ax.set_xlabel("direction 1")
    net_ax.set_ylabel("direction 2")
    net_ax.set_title("trained 2-32-32-2 net on the moons")
    grid = np.linspace(-1.5, 1.5, 101)
    gx, gy = np.meshgrid(grid, grid)
    lines = saddle_ax.contourf(gx, gy, gx**2 - gy**2, levels=20, cmap="coolwarm")
    fig.colorbar(lines, ax=saddle_ax, label="f(x, y)")
    saddle_ax.plot([0], [0], marker="x", color="black", markersize=10)
    saddle_ax.set_title(f"saddle x^2 - y^2: Hessian eigenvalues {eigenvalues.round(3).tolist()}")
    figure = save_figure(fig, args.out, "loss_landscape_grid.png")
    return report(
        "Loss landscape and a saddle point",
        {
            "final_training_loss": history["loss"][-1],
            "grid_shape": list(surface.shape),
            "grid_finite": bool(np.isfinite(surface).all()),
            "loss_at_centre": centre,
            "grid_min": float(surface.min()),
            "grid_max": float(surface.max()),
            "saddle_gradient": gradient.numpy().tolist(),
            "saddle_hessian_eigenvalues": eigenvalues.tolist(),
            "figures": [str(args.out / "loss_landscape.png"), str(figure)],
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])

"""Sums of shifted ReLUs build curves: the idea behind universal approximation.

1. By hand: f_k(x) = sin(t_0) + sum_i c_i relu(x - t_i) with k ReLUs bent at k equally spaced knots t_i is the
   piecewise-linear interpolant of sin on [-3, 3]; its largest error shrinks as k goes from 1 to 10.
2. Learned: a network with one hidden layer of width 3, 10 and 100 (ReLU), trained with Adam on the same curve;
   the mean squared error falls as the width grows.

Run ``python examples/relu_sums.py [--quick] [--out DIR]``; the figure is out/relu_sums.png.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
from _common import fit, mlp, new_figure, parse_args, predict, report, save_figure, single_thread_blas

import autograd_mini as am
import nn

LOW, HIGH = -3.0, 3.0
WIDTHS = (3, 10, 100)


def relu_sum(k: int, x: np.ndarray) -> np.ndarray:
    """The sum of k shifted ReLUs that interpolates sin at k + 1 equally spaced knots of [LOW, HIGH]."""
    knots = np.linspace(LOW, HIGH, k + 1)
    slopes = np.diff(np.sin(knots)) / np.diff(knots)
    bends = np.diff(slopes, prepend=0.0)  # each ReLU changes the slope by this much at its knot
    ramps = am.relu(am.tensor(x)[:, None] - am.tensor(knots[:-1])[None, :])  # (len(x), k)
    return (np.sin(knots[0]) + ramps @ am.tensor(bends)).numpy()


@single_thread_blas
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv, __doc__)
    epochs = 300 if args.quick else 1000
    grid = np.linspace(LOW, HIGH, 601)
    sum_errors = {k: float(np.abs(relu_sum(k, grid) - np.sin(grid)).max()) for k in range(1, 11)}

    x, y = nn.datasets.sine(200, low=LOW, high=HIGH, seed=args.seed)
    nets = {}
    width_errors = {}
    for width in WIDTHS:
        am.manual_seed(args.seed)
        nets[width] = net = mlp([1, width, 1], nn.ReLU)
        fit(net, x, y, epochs=epochs, lr=0.01, loss_fn=nn.functional.mse_loss, classify=False)
        width_errors[width] = float(np.mean((predict(net, x) - y) ** 2))

    fig, axes = new_figure(3, size=(4.4, 3.4))
    sums_ax, nets_ax, error_ax = axes[0]
    sums_ax.plot(grid, np.sin(grid), color="black", linewidth=2.5, alpha=0.3, label="sin x")
    for k in (1, 2, 3, 5, 10):
        sums_ax.plot(grid, relu_sum(k, grid), label=f"{k} ReLU{'s' if k > 1 else ''}")
    sums_ax.set_title("sums of shifted ReLUs")
    nets_ax.plot(grid, np.sin(grid), color="black", linewidth=2.5, alpha=0.3, label="sin x")
    for width, net in nets.items():
        nets_ax.plot(grid, predict(net, grid.reshape(-1, 1).astype(np.float32)), label=f"width {width}")
    nets_ax.set_title("one hidden layer, trained")
    error_ax.loglog(list(sum_errors), list(sum_errors.values()), marker="o", label="ReLU sum: max error")
    error_ax.loglog(WIDTHS, list(width_errors.values()), marker="s", label="trained net: MSE")
    error_ax.set_xlabel("number of ReLUs (width)")
    error_ax.set_title("error versus width")
    for ax in axes[0]:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    figure = save_figure(fig, args.out, "relu_sums.png")
    return report(
        "Sums of ReLUs approximate sin on [-3, 3]",
        {
            "relu_sum_max_error_by_k": {k: float(f"{e:.4g}") for k, e in sum_errors.items()},
            "trained_mse_by_width": {w: float(f"{e:.4g}") for w, e in width_errors.items()},
            "figure": str(figure),
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])

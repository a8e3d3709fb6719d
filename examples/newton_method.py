"""Newton's method in one dimension, with the second derivative from ``create_graph``.

f(x) = exp(x) + exp(-2x) is convex with its minimum at x* = ln(2) / 3.  ``autograd_mini.grad(f(x), [x],
create_graph=True)`` returns f'(x) as a tensor that is itself differentiable, so a second ``grad`` gives f''(x)
and Newton's step x <- x - f'(x) / f''(x) needs no hand-written derivative.  The error shrinks quadratically (the
number of correct digits doubles each step), where gradient descent with a fixed rate gains a constant factor
per step.  The iterates, the quadratic model Newton minimises at each step and the errors are drawn in
out/newton_method.png.

Run ``python examples/newton_method.py [--quick] [--out DIR] [--x0 X]``.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from _common import new_figure, parse_args, report, save_figure, single_thread_blas

import autograd_mini as am
from autograd_mini import Tensor

X_STAR = math.log(2.0) / 3.0


def f(x: Tensor) -> Tensor:
    return x.exp() + (-2.0 * x).exp()


def derivatives(x0: float) -> tuple[float, float, float]:
    """f(x0), f'(x0) and f''(x0) by autograd: the first ``grad`` keeps its graph for the second."""
    x = am.tensor(x0, dtype=am.float64, requires_grad=True)
    y = f(x)
    (slope,) = am.grad(y, [x], create_graph=True)
    assert slope is not None
    (curvature,) = am.grad(slope, [x])
    assert curvature is not None
    return y.item(), slope.item(), curvature.item()


def iterate(x0: float, step: Callable[[float, float], float], tol: float, max_steps: int) -> list[float]:
    """Iterates x <- x - step(f'(x), f''(x)) from x0 until |f'(x)| < tol (or max_steps)."""
    xs = [x0]
    for _ in range(max_steps):
        _, slope, curvature = derivatives(xs[-1])
        if abs(slope) < tol:
            break
        xs.append(xs[-1] - step(slope, curvature))
    return xs


@single_thread_blas
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--x0", type=float, default=2.0, help="starting point (default 2)")

    args = parse_args(argv, __doc__, options)
    tol = 1e-10
    newton_xs = iterate(args.x0, lambda slope, curvature: slope / curvature, tol, max_steps=50)
    gd_xs = iterate(args.x0, lambda slope, _: 0.1 * slope, tol, max_steps=300 if args.quick else 1000)
    newton_errors = [abs(x - X_STAR) for x in newton_xs]

    fig, axes = new_figure(2)
    curve_ax, error_ax = axes[0]
    grid = np.linspace(min(-0.6, X_STAR - 0.8), max(args.x0, X_STAR) + 0.4, 300)
    curve_ax.plot(grid, np.exp(grid) + np.exp(-2 * grid), color="black", label="f(x) = exp(x) + exp(-2x)")
    for k, x in enumerate(newton_xs[:4]):
        value, slope, curvature = derivatives(x)
        local = grid[np.abs(grid - x) < 1.0]
        model = value + slope * (local - x) + 0.5 * curvature * (local - x) ** 2
        curve_ax.plot(local, model, linestyle="--", color=f"C{k}", label=f"quadratic model at x{k}")
        curve_ax.plot([x], [value], marker="o", color=f"C{k}")
    curve_ax.set_ylim(0, 1.5 * (np.exp(args.x0) + np.exp(-2 * args.x0)))
    curve_ax.set_title("Newton's steps minimise the local quadratic model")
    curve_ax.legend(fontsize=7)
    error_ax.semilogy([max(e, 1e-17) for e in newton_errors], marker="o", label="Newton")
    error_ax.semilogy([max(abs(x - X_STAR), 1e-17) for x in gd_xs], label="gradient descent, rate 0.1")
    error_ax.set_xlabel("step")
    error_ax.set_ylabel("|x - x*|")
    error_ax.set_title("error")
    error_ax.legend(fontsize=8)
    for ax in axes[0]:
        ax.grid(alpha=0.3)
    figure = save_figure(fig, args.out, "newton_method.png")
    final_slope = derivatives(newton_xs[-1])[1]
    return report(
        "Newton's method on f(x) = exp(x) + exp(-2x)",
        {
            "x0": args.x0,
            "x_star_exact": X_STAR,
            "newton_x": newton_xs[-1],
            "newton_steps": len(newton_xs) - 1,
            "newton_errors": [float(f"{e:.3g}") for e in newton_errors],
            "final_abs_derivative": abs(final_slope),
            "gd_steps": len(gd_xs) - 1,
            "gd_error": float(f"{abs(gd_xs[-1] - X_STAR):.3g}"),
            "figure": str(figure),
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])

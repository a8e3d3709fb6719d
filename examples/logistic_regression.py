"""Logistic regression with labels in {-1, +1}: loss(b) = sum_i log(1 + exp(-y_i b.x_i)).

Its gradient is -sum_i y_i x_i / (1 + exp(y_i b.x_i)) (the notes write the ascent direction sum y x / (1 + exp(y b.x)));
autograd gives the same vector.  Three minimisers are compared by the loss gap f(b) - f(b*):
gradient descent with a backtracking (Armijo) line search (``nn.optim.GradientDescentLineSearch``), gradient
descent with the fixed safe rate 1/L (L = lambda_max(X^T X) / 4 bounds the curvature) and minibatch SGD with a fixed
rate.  The line search takes far bigger steps than 1/L and needs fewer iterations.

Run ``python examples/logistic_regression.py [--quick] [--out DIR]``; the figure is out/logistic_regression.png.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
from _common import new_figure, parse_args, report, rounded, save_figure, single_thread_blas

import autograd_mini as am
import nn
from autograd_mini import Tensor

TOLERANCE = 1e-4  # loss gap that counts as converged


def make_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two overlapping Gaussian clouds in 2-D, a constant feature 1 for the bias, labels -1/+1 (float64)."""
    rng = np.random.default_rng(seed)
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    points = rng.standard_normal((n, 2)) + y[:, None] * np.array([1.0, 0.5])
    return np.column_stack([points, np.ones(n)]), y


def loss_of(b: Tensor, X: Tensor, y: Tensor) -> Tensor:
    """sum log(1 + exp(-y b.x)), written with the stable softplus."""
    return am.softplus(-y * (X @ b)).sum()


def analytic_gradient(b: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -(X * (y / (1.0 + np.exp(y * (X @ b))))[:, None]).sum(axis=0)


def newton_optimum(X: np.ndarray, y: np.ndarray, iterations: int = 30) -> np.ndarray:
    """The minimiser b* by Newton's method in NumPy (the reference the gaps are measured from)."""
    b = np.zeros(X.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-X @ b))  # P(y = +1)
        hessian = X.T @ (X * (p * (1 - p))[:, None])
        b -= np.linalg.solve(hessian, analytic_gradient(b, X, y))
    return b


def run(optimizer_for: Any, X: Tensor, y: Tensor, steps: int, batch: int | None, seed: int) -> list[float]:
    """Loss after each iteration (each epoch for minibatches) of the optimizer built by ``optimizer_for([b])``."""
    b = am.zeros(X.shape[1], dtype=am.float64, requires_grad=True)
    opt = optimizer_for([b])
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    losses = []
    for _ in range(steps):
        if batch is None:

            def closure() -> Tensor:
                opt.zero_grad()
                loss = loss_of(b, X, y)
                loss.backward()
                return loss

            opt.step(closure)
        else:
            for idx in rng.permutation(n).reshape(-1, batch):
                opt.zero_grad()
                (loss_of(b, X[idx], y[idx]) * (n / batch)).backward()  # unbiased estimate of the full sum
                opt.step()
        with am.no_grad():
            losses.append(loss_of(b, X, y).item())
    return losses


def steps_to(gaps: Sequence[float], tolerance: float) -> int | None:
    """The first iteration (1-based) whose gap is within ``tolerance``, or None."""
    return next((k + 1 for k, gap in enumerate(gaps) if gap <= tolerance), None)


@single_thread_blas
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv, __doc__)
    n, steps, epochs = (100, 120, 10) if args.quick else (400, 200, 30)
    Xn, yn = make_data(n, args.seed)
    X, y = am.tensor(Xn), am.tensor(yn)

    b_test = np.random.default_rng(args.seed + 1).normal(size=3)
    b = am.tensor(b_test, requires_grad=True)
    (autograd_grad,) = am.grad(loss_of(b, X, y), [b])
    assert autograd_grad is not None
    gradient_error = float(np.abs(autograd_grad.numpy() - analytic_gradient(b_test, Xn, yn)).max())

    b_star = newton_optimum(Xn, yn)
    with am.no_grad():
        f_star = loss_of(am.tensor(b_star), X, y).item()
    safe_rate = 4.0 / float(np.linalg.eigvalsh(Xn.T @ Xn).max())
    curves = {
        "GD + backtracking line search": run(
            lambda p: nn.optim.GradientDescentLineSearch(p, lr=1.0), X, y, steps, None, args.seed
        ),
        "GD, fixed rate 1/L": run(lambda p: nn.optim.SGD(p, lr=safe_rate), X, y, steps, None, args.seed),
        "SGD (batch 10), fixed rate": run(lambda p: nn.optim.SGD(p, lr=safe_rate), X, y, epochs, 10, args.seed),
    }
    gaps = {name: [max(loss - f_star, 1e-16) for loss in losses] for name, losses in curves.items()}
    line_search, fixed, sgd = (steps_to(g, TOLERANCE) for g in gaps.values())

    fig, axes = new_figure(2)
    data_ax, gap_ax = axes[0]
    for label, colour in ((1.0, "C0"), (-1.0, "C3")):
        chosen = yn == label
        data_ax.scatter(Xn[chosen, 0], Xn[chosen, 1], s=10, color=colour, label=f"y = {label:+.0f}")
    xs = np.linspace(Xn[:, 0].min(), Xn[:, 0].max(), 2)
    data_ax.plot(xs, -(b_star[0] * xs + b_star[2]) / b_star[1], color="black", label="b* . x = 0")
    data_ax.set_ylim(Xn[:, 1].min() - 0.5, Xn[:, 1].max() + 0.5)
    data_ax.set_title("data and the optimal boundary")
    data_ax.legend(fontsize=8)
    for name, values in gaps.items():
        gap_ax.semilogy(range(1, len(values) + 1), values, label=name)
    gap_ax.axhline(TOLERANCE, color="#999999", linestyle=":", label=f"tolerance {TOLERANCE:g}")
    gap_ax.set_xlabel("iteration (epoch for SGD)")
    gap_ax.set_ylabel("f(b) - f(b*)")
    gap_ax.set_title("convergence")
    gap_ax.legend(fontsize=8)
    figure = save_figure(fig, args.out, "logistic_regression.png")

    return report(
        "Logistic regression, labels in {-1, +1}",
        {
            "max |analytic - autograd| gradient": gradient_error,
            "gradient_matches": gradient_error < 1e-9,
            "b_star": rounded(b_star.tolist()),
            "fixed_rate_1_over_L": rounded(safe_rate, 6),
            "line_search_steps": line_search,
            "fixed_rate_steps": fixed,
            "sgd_epochs": sgd,
            "final_gaps": {name: float(f"{values[-1]:.3g}") for name, values in gaps.items()},
            "figure": str(figure),
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])

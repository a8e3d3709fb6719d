"""Least squares on the features [x^3, x^2, x, 1] recovers y = x^3 - 3x^2 + 5x - 7 by gradient descent.

The raw features differ in scale by a factor 27 on [-1, 3]; standardising each feature (zero mean, unit variance)
makes the problem better conditioned, and the coefficients of the raw features follow back from the standardised
ones.  Gradient descent with momentum on the mean squared error recovers [1, -3, 5, -7]; on the raw features it
needs several times as many steps to the same tolerance.  A small MLP (1-32-32-1, tanh) fits the same curve without being told its form.  Both fits are
drawn in out/cubic_least_squares.png.

Run ``python examples/cubic_least_squares.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
from _common import (
    fit,
    grad_of,
    mlp,
    parse_args,
    predict,
    report,
    rounded,
    save_figure,
    single_thread_blas,
    tile_figures,
)

import autograd_mini as am
import nn
from autograd_mini import Tensor
from visualize.plots import plot_fit

TRUE_COEFFICIENTS = [1.0, -3.0, 5.0, -7.0]


def features(x: np.ndarray) -> np.ndarray:
    """[x^3, x^2, x] for a column of inputs (the constant 1 is added after standardising)."""
    x = x.reshape(-1, 1).astype(np.float64)
    return np.hstack([x**3, x**2, x])


def gradient_descent(
    x: np.ndarray, y: np.ndarray, max_steps: int, standardise: bool = True, tol: float = 1e-10
) -> tuple[np.ndarray, int]:
    """Coefficients of [x^3, x^2, x, 1] by gradient descent with momentum on the mean squared error, and the steps
    taken.  The rate is 1 / (largest curvature), the same rule with or without standardised features."""
    raw = features(x)
    mean, std = (raw.mean(axis=0), raw.std(axis=0)) if standardise else (np.zeros(3), np.ones(3))
    design = np.hstack([(raw - mean) / std, np.ones((len(raw), 1))])
    curvature = float(np.linalg.eigvalsh(2 * design.T @ design / len(design)).max())
    Z, target = am.tensor(design), am.tensor(y.reshape(-1).astype(np.float64))
    w = am.zeros(4, dtype=am.float64, requires_grad=True)
    opt = nn.optim.SGD([w], lr=1.0 / curvature, momentum=0.9)
    steps = 0
    for steps in range(1, max_steps + 1):  # noqa: B007 - the count is returned
        opt.zero_grad()
        loss = ((Z @ w - target) ** 2).mean()
        loss.backward()
        if float(np.abs(grad_of(w)).max()) < tol:
            break
        opt.step()
    scaled = w.detach().numpy()
    slopes = scaled[:3] / std  # y = sum_j scaled_j (f_j - mean_j) / std_j + scaled_3
    return np.append(slopes, scaled[3] - float(slopes @ mean)), steps


def polynomial(coefficients: np.ndarray) -> Any:
    """The cubic with these coefficients as a model: a function of a (M, 1) tensor."""

    def model(x: Tensor) -> Tensor:
        return am.tensor(np.hstack([features(x.numpy()), np.ones((x.shape[0], 1))]) @ coefficients)

    return model


@single_thread_blas
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv, __doc__)
    n, max_steps, epochs = (60, 3000, 400) if args.quick else (200, 5000, 1500)
    x, y = nn.datasets.cubic(n, seed=args.seed)
    coefficients, steps = gradient_descent(x, y, max_steps)
    error = float(np.abs(coefficients - TRUE_COEFFICIENTS).max())
    _, raw_steps = gradient_descent(x, y, 20 * steps, standardise=False)

    net = mlp([1, 32, 32, 1], nn.Tanh)
    history = fit(net, x, y, epochs=epochs, lr=0.01, loss_fn=nn.functional.mse_loss, classify=False)
    net_mse = float(np.mean((predict(net, x) - y) ** 2))

    panels = [plot_fit(polynomial(coefficients), x, y), plot_fit(net, x, y)]
    titles = [f"least squares on [x^3, x^2, x, 1] ({steps} GD steps)", f"MLP 1-32-32-1, MSE {net_mse:.3g}"]
    figure = save_figure(tile_figures(panels, titles, ncols=2), args.out, "cubic_least_squares.png")
    return report(
        "Cubic least squares by gradient descent",
        {
            "coefficients": rounded(coefficients.tolist(), 5),
            "true_coefficients": TRUE_COEFFICIENTS,
            "max_coefficient_error": error,
            "gd_steps": steps,
            "gd_steps_on_raw_features": raw_steps,
            "mlp_mse": net_mse,
            "mlp_final_training_loss": history["loss"][-1],
            "figure": str(figure),
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])

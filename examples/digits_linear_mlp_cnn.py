"""Linear model versus MLP versus CNN on the real handwritten digits (8 x 8 images, 80/20 split).

The notes: a linear classifier (softmax regression) on raw pixels hits a ceiling on handwritten digits, because each
class gets a single template; a hidden layer learns features, and a small convolutional network, which shares its
weights across positions, does better still.  All three are trained with Adam for the same number of epochs on the same split; their test accuracy
is printed and their curves are plotted in out/digits_linear_mlp_cnn.png.

Run ``python examples/digits_linear_mlp_cnn.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from _common import fit, mlp, parse_args, report, save_figure, single_thread_blas

import autograd_mini as am
import nn
from visualize.plots import plot_training


def cnn() -> nn.Sequential:
    """Two blocks of conv 3x3 (padded) -> batch norm -> ReLU -> max-pool 2 (8x8 -> 4x4 -> 2x2), then linear 128 -> 10."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 2 * 2, 10),
    )  # fmt: skip


@single_thread_blas
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv, __doc__)
    epochs = 3 if args.quick else 12
    flat = nn.datasets.digits_split(0.2, seed=0)
    images = nn.datasets.digits_split(0.2, seed=0, images=True)
    builders = {
        "linear": (lambda: nn.Linear(64, 10), flat),
        "mlp": (lambda: mlp([64, 128, 10]), flat),
        "cnn": (cnn, images),
    }
    accuracy: dict[str, float] = {}
    parameters: dict[str, int] = {}
    curves: dict[str, list[float]] = {}
    for name, (build, (X_train, y_train, X_test, y_test)) in builders.items():
        am.manual_seed(args.seed)
        model = build()
        parameters[name] = nn.count_parameters(model)
        history = fit(
            model, X_train, y_train, epochs=epochs, lr=0.01, batch_size=64, test=(X_test, y_test), seed=args.seed
        )
        accuracy[name] = history["test_acc"][-1]
        curves[f"{name}_loss"], curves[f"{name}_test_acc"] = history["loss"], history["test_acc"]
    figure = save_figure(plot_training(curves), args.out, "digits_linear_mlp_cnn.png")
    return report(
        "Test accuracy on the digits",
        {
            "test_accuracy": {k: round(v, 4) for k, v in accuracy.items()},
            "parameters": parameters,
            "epochs": epochs,
            "figure": str(figure),
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])

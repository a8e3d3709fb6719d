"""Dead ReLUs: a too-large learning rate leaves hidden units that output zero for every input, and stay so.

A 64-100-10 network is trained on the digits with SGD.  After each epoch we count the hidden units whose
pre-activation is negative on every training image: behind a ReLU such a unit outputs 0 and receives no gradient
for any input, so nothing can revive it.  With a sensible rate few units die; with a too-large rate most die and
the network stops learning.  Behind a LeakyReLU (slope 0.1 for negative inputs) the same units still get a
gradient and recover.  The fraction is printed per epoch and plotted in out/dead_relu.png.

Run ``python examples/dead_relu.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from _common import History, as_tensor, fit, mlp, new_figure, parse_args, report, save_figure, single_thread_blas

import autograd_mini as am
import nn
from autograd_mini import Tensor

SMALL_RATE, LARGE_RATE = 0.1, 2.0


def dead_fraction(model: nn.Sequential, X: Tensor) -> float:
    """Fraction of the first layer's units whose pre-activation is <= 0 on every row of ``X``."""
    with am.no_grad():
        pre_activation = model[0](X).numpy()
    return float(np.mean((pre_activation <= 0).all(axis=0)))


@single_thread_blas
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv, __doc__)
    epochs = 4 if args.quick else 12
    X_train, y_train, _, _ = nn.datasets.digits_split(0.2, seed=0)
    X = as_tensor(X_train)
    runs: dict[str, tuple[Callable[[], nn.Module], float]] = {
        f"ReLU, lr {SMALL_RATE:g}": (nn.ReLU, SMALL_RATE),
        f"ReLU, lr {LARGE_RATE:g}": (nn.ReLU, LARGE_RATE),
        f"LeakyReLU(0.1), lr {LARGE_RATE:g}": (lambda: nn.LeakyReLU(0.1), LARGE_RATE),
    }
    fractions: dict[str, list[float]] = {}
    accuracies: dict[str, float] = {}
    for name, (activation, lr) in runs.items():
        am.manual_seed(args.seed)
        model = mlp([64, 100, 10], activation)
        fractions[name] = series = [dead_fraction(model, X)]
        print(f"{name}: dead fraction at init {series[0]:.0%}")

        def track(epoch: int, history: History, model: nn.Sequential = model, series: list[float] = series) -> None:
            series.append(dead_fraction(model, X))
            print(f"  epoch {epoch + 1:2d}: dead fraction {series[-1]:.0%}, train accuracy {history['acc'][-1]:.1%}")

        history = fit(
            model,
            X_train,
            y_train,
            epochs=epochs,
            lr=lr,
            batch_size=32,
            optimizer="sgd",
            seed=args.seed,
            on_epoch=track,
        )
        accuracies[name] = history["acc"][-1]

    fig, axes = new_figure(size=(6.0, 4.0))
    ax = axes[0, 0]
    for name, series in fractions.items():
        ax.plot(range(len(series)), series, marker="o", label=f"{name} (final accuracy {accuracies[name]:.0%})")
    ax.set_xlabel("epoch (0 = initialisation)")
    ax.set_ylabel("fraction of hidden units dead on all inputs")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    figure = save_figure(fig, args.out, "dead_relu.png")
    return report(
        "Dead ReLUs after a too-large learning rate",
        {
            "dead_fraction_per_epoch": {k: [round(v, 3) for v in s] for k, s in fractions.items()},
            "final_dead_fraction": {k: s[-1] for k, s in fractions.items()},
            "final_train_accuracy": accuracies,
            "figure": str(figure),
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])

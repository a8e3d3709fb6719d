"""XOR: logistic regression cannot separate it, a network with one hidden layer can.

Four noisy blobs at (+-1, +-1), label 1 where the signs differ.  A straight line gets at most three blobs of four
right (75%); a 2-8-1 tanh network classifies every point.  Both are trained with Adam on the binary cross-entropy;
their decision regions are drawn side by side in out/xor.png.

Run ``python examples/xor.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from _common import accuracy, bce_logits, fit, mlp, parse_args, report, save_figure, single_thread_blas, tile_figures

import nn
from visualize.plots import plot_decision_regions


@single_thread_blas
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv, __doc__)
    n, epochs = (100, 150) if args.quick else (400, 400)
    X, y = nn.datasets.xor(n, noise=0.15, seed=args.seed)
    models = {"logistic regression": nn.Linear(2, 1), "2-layer network (8 tanh units)": mlp([2, 8, 1], nn.Tanh)}
    accuracies = {}
    for name, model in models.items():
        fit(model, X, y, epochs=epochs, lr=0.05, loss_fn=bce_logits, classify=False)
        accuracies[name] = accuracy(model, X, y)
    titles = [f"{name}: accuracy {acc:.0%}" for name, acc in accuracies.items()]
    panels = [plot_decision_regions(model, X, y) for model in models.values()]
    figure = save_figure(tile_figures(panels, titles, ncols=2, title="XOR"), args.out, "xor.png")
    logistic, network = accuracies.values()
    return report(
        "XOR: a line versus a hidden layer",
        {"logistic_regression_accuracy": logistic, "two_layer_accuracy": network, "figure": str(figure)},
    )


if __name__ == "__main__":
    main(sys.argv[1:])

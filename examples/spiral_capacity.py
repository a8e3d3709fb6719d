"""Capacity and regularisation on the 3-arm spiral (the ConvNetJS pictures of the notes).

One hidden layer of ReLUs with 3, 6 and 20 neurons: more neurons bend the decision boundary into the arms and the
training accuracy climbs.  Then 20 neurons with an L2 penalty 0.5 * lambda * sum(W^2) of strength 0.001, 0.01 and
0.1: the stronger the penalty, the smoother the regions and the lower the training accuracy.  The six decision
region plots form one grid, out/spiral_capacity.png.

Run ``python examples/spiral_capacity.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from _common import F, fit, mlp, parse_args, report, save_figure, single_thread_blas, tile_figures

import autograd_mini as am
import nn
from autograd_mini import Tensor
from visualize.plots import plot_decision_regions

CONFIGS = ((3, 0.0), (6, 0.0), (20, 0.0), (20, 0.001), (20, 0.01), (20, 0.1))


def l2_loss(model: nn.Module, strength: float) -> Any:
    """Cross-entropy plus 0.5 * strength * (sum of squared weights; biases are not penalised)."""

    def loss(output: Tensor, target: Tensor) -> Tensor:
        value = F.cross_entropy(output, target)
        if strength:
            weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
            value = value + 0.5 * strength * sum((w * w).sum() for w in weights)
        return value

    return loss


@single_thread_blas
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv, __doc__)
    per_class, epochs = (50, 150) if args.quick else (100, 400)
    X, y = nn.datasets.spiral(per_class, 3, seed=args.seed)
    accuracies: dict[str, float] = {}
    panels = []
    for hidden, strength in CONFIGS:
        am.manual_seed(args.seed)
        model = mlp([2, hidden, 3], nn.ReLU)
        history = fit(model, X, y, epochs=epochs, lr=0.02, loss_fn=l2_loss(model, strength))
        name = f"{hidden} neurons" + (f", L2 {strength:g}" if strength else "")
        accuracies[name] = history["acc"][-1]
        panels.append(plot_decision_regions(model, X, y, resolution=100 if args.quick else 200))
    titles = [f"{name}: train accuracy {acc:.0%}" for name, acc in accuracies.items()]
    figure = save_figure(tile_figures(panels, titles, ncols=3), args.out, "spiral_capacity.png")
    return report("Spiral: capacity and L2 regularisation", {"train_accuracy": accuracies, "figure": str(figure)})


if __name__ == "__main__":
    main(sys.argv[1:])

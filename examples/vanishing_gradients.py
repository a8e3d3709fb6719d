"""Vanishing gradients: 20-layer sigmoid, tanh, ReLU and residual ReLU networks at initialisation.

Each network has 20 linear layers (PyTorch's default initialisation) with the activation between them; the residual
one computes z + Linear(relu(z)) in each of its 18 hidden blocks.  One backward pass of the cross-entropy on a batch
of digits gives every layer's weight gradient.  Going back from the output, sigmoid multiplies the gradient by at
most 1/4 per layer and it all but vanishes in the first layers; tanh and plain ReLU lose orders of magnitude too;
the identity path of the residual network carries the gradient to the first layer intact.

Figures: out/vanishing_gradients.png (gradient norm per layer, log scale) and out/vanishing_gradients_sigmoid.svg
(the sigmoid network's graph, modules collapsed, coloured by gradient norm).

Run ``python examples/vanishing_gradients.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from _common import F, grad_of, new_figure, parse_args, report, save_figure, save_graph, single_thread_blas

import autograd_mini as am
import nn
import visualize

DEPTH = 20
ACTIVATIONS: dict[str, tuple[Callable[[], nn.Module], bool]] = {
    "sigmoid": (nn.Sigmoid, False),
    "tanh": (nn.Tanh, False),
    "relu": (nn.ReLU, False),
    "residual relu": (nn.ReLU, True),
}


def deep_network(fan_in: int, width: int, classes: int, activation: Callable[[], nn.Module], residual: bool) -> Any:
    """DEPTH linear layers: fan_in -> width, DEPTH - 2 hidden blocks width -> width, then width -> classes."""
    blocks: list[nn.Module] = [nn.Linear(fan_in, width)]
    for _ in range(DEPTH - 2):
        body = (activation(), nn.Linear(width, width))
        blocks.append(nn.Residual(*body) if residual else nn.Sequential(*body))
    blocks += [activation(), nn.Linear(width, classes)]
    return nn.Sequential(*blocks)


def layer_norms(model: nn.Module) -> list[float]:
    """The gradient norm of each linear layer's weight, from input to output."""
    return [float(np.linalg.norm(grad_of(p))) for name, p in model.named_parameters() if name.endswith("weight")]


@single_thread_blas
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv, __doc__)
    width, batch = (32, 64) if args.quick else (64, 256)
    X_all, y_all = nn.datasets.digits()
    X, y = am.tensor(X_all[:batch]), am.tensor(y_all[:batch])
    norms: dict[str, list[float]] = {}
    graph = None
    for name, (activation, residual) in ACTIVATIONS.items():
        am.manual_seed(args.seed)
        model = deep_network(X.shape[1], width, 10, activation, residual)
        loss = F.cross_entropy(model(X), y)
        with visualize.record_grads(loss) as record:
            loss.backward()
        norms[name] = layer_norms(model)
        if name == "sigmoid":
            graph = save_graph(
                loss,
                args.out,
                "vanishing_gradients_sigmoid",
                params=model,
                grads=record,
                color_by="grad_norm",
                group_by=model,
                depth=1,
                title="20-layer sigmoid network: gradient norm per module",
            )

    fig, axes = new_figure(size=(6.4, 4.2))
    ax = axes[0, 0]
    for name, values in norms.items():
        ax.semilogy(range(1, DEPTH + 1), values, marker="o", markersize=3, label=name)
    ax.set_xticks(range(1, DEPTH + 1, 2))
    ax.set_xlabel("layer (1 = first, next to the input)")
    ax.set_ylabel("||dL/dW||")
    ax.set_title(f"gradient norm per layer at initialisation ({DEPTH} layers)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    figure = save_figure(fig, args.out, "vanishing_gradients.png")
    first = {name: values[0] for name, values in norms.items()}
    return report(
        "Vanishing gradients in 20-layer networks",
        {
            "first_layer_grad_norm": {k: float(f"{v:.3g}") for k, v in first.items()},
            "last_layer_grad_norm": {k: float(f"{v[-1]:.3g}") for k, v in norms.items()},
            "sigmoid_over_residual_first_layer": float(f"{first['sigmoid'] / first['residual relu']:.3g}"),
            "figure": str(figure),
            "graph": str(graph),
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])

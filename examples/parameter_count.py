"""Counting learnable parameters: the notes' 3-4-2 network has 26, the 3-4-4-1 network 41.

A fully connected layer from n to m units has n * m weights and m biases: 3*4 + 4 + 4*2 + 2 = 26 and
3*4 + 4 + 4*4 + 4 + 4*1 + 1 = 41.  ``nn.count_parameters`` agrees.  The two networks are drawn as neuron diagrams in
out/parameter_count.png and their computation graphs, grouped by layer with the parameters named, as
out/parameter_count_3-4-2.svg and out/parameter_count_3-4-4-1.svg.

Run ``python examples/parameter_count.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
from _common import mlp, new_figure, parse_args, report, save_figure, save_graph, single_thread_blas

import autograd_mini as am
import nn

NETWORKS = ((3, 4, 2), (3, 4, 4, 1))


def by_formula(sizes: Sequence[int]) -> int:
    return sum(n * m + m for n, m in itertools.pairwise(sizes))


def draw_neurons(ax: Any, sizes: Sequence[int], title: str) -> None:
    """Units as circles in columns, every unit joined to every unit of the next layer."""
    columns = [np.linspace(-(n - 1) / 2, (n - 1) / 2, n) for n in sizes]
    for k, (left, right) in enumerate(itertools.pairwise(columns)):
        for a, b in itertools.product(left, right):
            ax.plot([k, k + 1], [a, b], color="#888888", linewidth=0.8, zorder=1)
    for k, column in enumerate(columns):
        colour = "C2" if k == 0 else ("C3" if k == len(columns) - 1 else "C0")
        ax.scatter(np.full(len(column), k), column, s=380, color=colour, edgecolors="black", zorder=2)
    ax.set_title(title)
    ax.set_xticks(range(len(sizes)), ["input"] + [f"hidden {k}" for k in range(1, len(sizes) - 1)] + ["output"])
    ax.set_yticks([])
    ax.set_xlim(-0.4, len(sizes) - 0.6)
    ax.set_ylim(-2.6, 2.6)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


@single_thread_blas
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv, __doc__)
    counts: dict[str, dict[str, int]] = {}
    graphs = []
    fig, axes = new_figure(len(NETWORKS), size=(4.2, 3.4))
    for ax, sizes in zip(axes[0], NETWORKS):
        name = "-".join(map(str, sizes))
        model = mlp(sizes, nn.Tanh)
        counts[name] = {"count_parameters": nn.count_parameters(model), "formula": by_formula(sizes)}
        draw_neurons(ax, sizes, f"{name}: {counts[name]['count_parameters']} parameters")
        output = model(am.zeros(1, sizes[0]))
        graphs.append(str(save_graph(output, args.out, f"parameter_count_{name}", params=model, group_by=model)))
    figure = save_figure(fig, args.out, "parameter_count.png")
    return report("Learnable parameters", {"counts": counts, "figure": str(figure), "graphs": graphs})


if __name__ == "__main__":
    main(sys.argv[1:])

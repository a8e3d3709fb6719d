"""A linear layer z = W x + b by hand and by autograd: the forward values and every gradient agree.

With W = [[0.1, 0.4, 0.5], [0.2, 0.3, 0.6]], x = [2, 5, 1] and b = [0.5, -0.1] the layer gives z = [3.2, 2.4].
For an upstream gradient g = dL/dz, the chain rule gives dL/dW = g x^T (an outer product), dL/db = g and
dL/dx = W^T g; ``backward`` computes the same numbers.  The graph, with values and gradients, is saved as out/linear_layer.svg.

Run ``python examples/linear_layer.py [--quick] [--out DIR]``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
from _common import grad_of, parse_args, report, rounded, save_graph, single_thread_blas

import autograd_mini as am

W0 = [[0.1, 0.4, 0.5], [0.2, 0.3, 0.6]]
X0 = [2.0, 5.0, 1.0]
B0 = [0.5, -0.1]
UPSTREAM = [1.0, -2.0]  # dL/dz: a non-uniform seed, so a vjp that ignored it would show


@single_thread_blas
def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv, __doc__)
    W = am.tensor(W0, dtype=am.float64, requires_grad=True)
    x = am.tensor(X0, dtype=am.float64, requires_grad=True)
    b = am.tensor(B0, dtype=am.float64, requires_grad=True)
    z = W @ x + b
    loss = (z * am.tensor(UPSTREAM, dtype=am.float64)).sum()  # L = g . z, so dL/dz = g
    loss.backward()
    graph = save_graph(loss, args.out, "linear_layer", names={"W": W, "x": x, "b": b, "z": z}, show_values=True)

    g, Wn, xn = np.array(UPSTREAM), np.array(W0), np.array(X0)
    by_hand = {"W": np.outer(g, xn), "b": g, "x": Wn.T @ g}
    by_backward = {"W": grad_of(W), "b": grad_of(b), "x": grad_of(x)}
    agree = all(np.allclose(by_hand[k], by_backward[k], rtol=0, atol=1e-12) for k in by_hand)
    return report(
        "Linear layer z = W x + b",
        {
            "z": rounded(z.detach().numpy().tolist()),
            "upstream_dL_dz": UPSTREAM,
            "grads_by_hand": rounded({k: v.tolist() for k, v in by_hand.items()}),
            "grads_by_backward": rounded({k: v.tolist() for k, v in by_backward.items()}),
            "hand_equals_backward": agree,
            "graph": str(graph),
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])

"""Regenerate the README's pictures: ``python docs/make_images.py`` (needs Graphviz's ``dot``).

- ``docs/images/neuron.svg``: micrograd's neuron, o = tanh(x1 w1 + x2 w2 + b), every value and gradient shown.
- ``docs/images/mlp_grad_norm.svg``: one training step of a small sigmoid MLP, grouped by module and coloured by
  gradient norm (the gradients shrink layer by layer on the way back to the input: sigmoid's derivative is <= 1/4).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

import autograd_mini as am  # noqa: E402
import nn  # noqa: E402
import visualize  # noqa: E402

IMAGES = ROOT / "docs" / "images"


def neuron() -> visualize.GraphView:
    """micrograd's neuron, gradients recorded during an ordinary backward()."""
    x1, x2 = am.tensor(2.0, requires_grad=True), am.tensor(0.0, requires_grad=True)
    w1, w2 = am.tensor(-3.0, requires_grad=True), am.tensor(1.0, requires_grad=True)
    b = am.tensor(6.8813735870195432, requires_grad=True)
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    with visualize.record_grads(o) as grads:
        o.backward()
    names = {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "x1*w1": x1w1, "x2*w2": x2w2,
             "x1*w1 + x2*w2": x1w1x2w2, "n": n, "o": o}  # fmt: skip
    return visualize.draw_graph(
        o, grads=grads, names=names, show_values=True, show_intermediates=True, rankdir="LR", legend=False
    )


def mlp_step() -> visualize.GraphView:
    """One SGD step of a 2-8-8-8-1 sigmoid network on XOR-like data."""
    am.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(2, 8), nn.Sigmoid(), nn.Linear(8, 8), nn.Sigmoid(), nn.Linear(8, 8), nn.Sigmoid(), nn.Linear(8, 1)
    )
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(32, 2)).astype(np.float32)
    y = (x[:, :1] * x[:, 1:] > 0).astype(np.float32)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.5)
    with visualize.trace_modules(model):  # which module made which node (hooks from outside; no model change)
        loss = nn.functional.binary_cross_entropy_with_logits(model(am.tensor(x)), am.tensor(y))
    with visualize.record_grads(loss) as grads:  # the gradient reaching every node during this backward
        loss.backward()
    view = visualize.draw_graph(
        loss, grads=grads, group_by=model, color_by="grad_norm", names={"loss": loss}, title="one SGD step"
    )
    optimizer.step()
    return view


def main() -> int:
    IMAGES.mkdir(parents=True, exist_ok=True)
    for name, view in (("neuron.svg", neuron()), ("mlp_grad_norm.svg", mlp_step())):
        path = view.save(IMAGES / name)
        print(f"wrote {path.relative_to(ROOT)} ({view.info['drawn']} nodes, {view.info['edges']} edges)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

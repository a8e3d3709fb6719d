"""graph_order: Kahn's algorithm over recorded graphs (the order backward runs nodes in)."""

from __future__ import annotations

import numpy as np

import autograd_mini as am
from autograd_mini.engine import Node
from autograd_mini.graph_order import count_consumers, toposort


def _random_graph(seed: int, leaves: list[am.Tensor] | None = None) -> tuple[list[am.Tensor], list[am.Tensor]]:
    """A random DAG of 40 ops over three leaves, each op reading two earlier values (so values are
    shared by several consumers); its last five values are the outputs."""
    rng = np.random.default_rng(seed)
    if leaves is None:
        leaves = [am.tensor(rng.uniform(-1, 1, 3), requires_grad=True) for _ in range(3)]
    values = list(leaves)
    picks = rng.integers(0, np.arange(3, 43)[:, None], (40, 2))
    for (i, j), kind in zip(picks, rng.random(40)):
        a, b = values[int(i)], values[int(j)]
        values.append((a * b).tanh() if kind < 0.5 else (a + b).tanh())
    return leaves, values[-5:]


def test_every_node_comes_after_all_its_consumers() -> None:
    for seed in range(5):
        _, outputs = _random_graph(seed)
        order = toposort([o.grad_fn for o in outputs if o.grad_fn is not None])
        position = {node: index for index, node in enumerate(order)}
        assert len(position) == len(order)  # each node once
        for node in order:
            for edge in node.next:
                if isinstance(edge, Node):
                    assert position[edge] > position[node]


def test_consumer_counts_are_the_edges_into_each_node() -> None:
    _, outputs = _random_graph(7)
    roots = [o.grad_fn for o in outputs if o.grad_fn is not None]
    consumers = count_consumers(roots)
    expected = dict.fromkeys(consumers, 0)
    for node in consumers:
        for edge in node.next:
            if isinstance(edge, Node):
                expected[edge] += 1
    assert consumers == expected


def test_backward_through_shared_subgraphs_passes_gradcheck() -> None:
    leaves, _ = _random_graph(3)
    assert am.gradcheck(lambda *xs: _random_graph(3, list(xs))[1], tuple(leaves))

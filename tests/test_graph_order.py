"""graph_order: Kahn's algorithm over recorded graphs (the order backward runs nodes in)."""

from __future__ import annotations

import numpy as np

import autograd_mini as am
from autograd_mini.engine import Node
from autograd_mini.graph_order import count_consumers, toposort


def _random_graph(
    seed: int, leaves: list[am.Tensor] | None = None, size: int = 3
) -> tuple[list[am.Tensor], list[am.Tensor]]:
    """A random DAG of 40 ops over three leaves, each op reading two earlier values (so values are
    shared by several consumers); its last five values are the outputs."""
    rng = np.random.default_rng(seed)
    if leaves is None:
        leaves = [am.tensor(rng.uniform(-1, 1, size), requires_grad=True) for _ in range(3)]
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


def test_backward_runs_each_node_once_after_all_its_consumers() -> None:
    # Backward pops nodes in decreasing creation order (Node.seq); hooks on every value record when
    # its node ran.  Values are built here with their parents known, outputs summed into one loss.
    for seed in range(5):
        rng = np.random.default_rng(seed)
        values = [am.tensor(rng.uniform(-1, 1, 3), requires_grad=True) for _ in range(3)]
        parents: list[tuple[int, int]] = []
        for _ in range(40):
            i, j = (int(k) for k in rng.integers(0, len(values), 2))
            parents.append((i, j))
            values.append((values[i] * values[j]).tanh())
        ran: list[int] = []
        for index in range(3, len(values)):
            values[index].register_hook(lambda g, index=index: ran.append(index))
        sum(v.sum() for v in values[-5:]).backward()
        assert len(ran) == len(set(ran))  # each node once
        position = {index: order for order, index in enumerate(ran)}
        for consumer, (i, j) in enumerate(parents, start=3):
            for parent in (i, j):
                if parent >= 3 and consumer in position:  # the consumer ran: its inputs' nodes ran later
                    assert position[parent] > position[consumer]
        reachable = set(range(len(values) - 5, len(values)))
        for consumer in range(len(values) - 1, 2, -1):
            if consumer in reachable:
                reachable.update(p for p in parents[consumer - 3] if p >= 3)
        assert set(ran) == reachable  # every node a gradient reaches, and no other


def test_chains_with_a_value_read_twice_or_by_two_consumers() -> None:
    # A node whose only waiting successor is next skips the heap; a second successor (the same node read
    # twice by ``h * h``, or two consumers joining again) sends both through it.  Gradients in float64.
    x = am.tensor([0.3, -0.7, 1.1], dtype=am.float64, requires_grad=True)
    h = x.tanh()
    square = h * h  # both edges lead to h's node
    joined = (square.exp() + square.sin()).tanh()  # a diamond over square
    joined.sum().backward()
    t = np.tanh(x.data)
    s = t * t
    ds = (1 - np.tanh(np.exp(s) + np.sin(s)) ** 2) * (np.exp(s) + np.cos(s))
    np.testing.assert_allclose(x.grad.data, ds * 2 * t * (1 - t * t), rtol=1e-12)
    for retain in (False, True):  # a chain alone, and retained for a second backward
        chain = x
        for _ in range(50):
            chain = chain.tanh() * 1.5 + 0.1
        grads = am.autograd.grad(chain.sum(), [x], retain_graph=retain)
        expected = np.ones(3)
        value = x.data
        values = []
        for _ in range(50):
            values.append(np.tanh(value))
            value = values[-1] * 1.5 + 0.1
        for t_i in reversed(values):
            expected = expected * 1.5 * (1 - t_i * t_i)
        np.testing.assert_allclose(grads[0].data, expected, rtol=1e-12)


def test_several_roots_with_inputs_give_the_gradients_of_their_sum() -> None:
    # Roots at different depths seed the heap together; with ``inputs`` it is filtered to the roots that
    # reach an input, and must still pop the latest-made node first.
    for seed in range(5):
        leaves, _ = _random_graph(seed)

        def roots() -> list[am.Tensor]:
            outputs = _random_graph(seed, leaves)[1]  # the same graph, built again on the same leaves
            return [*outputs[::-1], outputs[0] * 2.0]

        seeds = [am.tensor(np.full(3, 1.0 + k)) for k in range(6)]
        expected = am.grad(sum((r * s).sum() for r, s in zip(roots(), seeds)), leaves, allow_unused=True)
        got = am.grad(roots(), leaves, grad_outputs=seeds, allow_unused=True)
        for e, g in zip(expected, got):
            assert (e is None) == (g is None)
            if e is not None and g is not None:
                np.testing.assert_allclose(g.data, e.data, rtol=1e-12)
        am.backward(roots(), seeds, inputs=leaves[:1])
        assert leaves[0].grad is not None and expected[0] is not None
        np.testing.assert_allclose(leaves[0].grad.data, expected[0].data, rtol=1e-12)
        assert leaves[1].grad is None


def test_roots_pruned_from_the_middle_of_the_heap_keep_its_order() -> None:
    # Pushed in this order the roots' heap is [a, b, c]; asking only for x0 drops a, and [b, c] is no heap:
    # b would run before c, which consumes it.
    x0, x1 = am.tensor(1.5, requires_grad=True), am.tensor(2.0, requires_grad=True)
    b = x0 * 2.0
    c = b * 3.0
    a = x1 * 4.0
    (grad,) = am.grad([b, c, a], [x0], grad_outputs=[am.tensor(1.0), am.tensor(1.0), am.tensor(1.0)])
    assert grad.item() == 2.0 + 6.0


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


def test_edges_are_those_of_when_the_node_was_made() -> None:
    """Nodes take their edges when made; history changes after that do not reach them."""
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    z = h + 1  # add reads nothing, so writing into h later is allowed
    old_node = h.grad_fn
    h.mul_(5.0)  # rewires h: z must still reach x through h's old node
    assert h.grad_fn is not old_node and z.grad_fn.next[0] is old_node
    z.sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 2.0])

    a = am.tensor([1.0, 2.0], requires_grad=True)
    c = am.tensor([3.0, 4.0])
    y = a * c  # c needs no gradient: no edge
    c.requires_grad_(True)
    y.sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(a.grad.data, [3.0, 4.0])

    p = am.tensor([1.0, 2.0], requires_grad=True)
    q = p * 3
    p.requires_grad_(False)  # as PyTorch: a leaf that stopped requiring grad accumulates nothing
    q.sum().backward()
    assert p.grad is None

    w = am.tensor([1.0, 2.0], requires_grad=True)
    u = w * 3
    v = u * 2
    u.detach_()  # v's node still leads through u's old node to w
    v.sum().backward()
    np.testing.assert_allclose(w.grad.data, [6.0, 6.0])
    assert [type(e).__name__ for e in v.grad_fn.next] == ["Node", "NoneType"]


def test_contributions_summed_in_place_match_a_backward_that_copies() -> None:
    """Large gradients are summed in place when backward alone holds them; shared ones must not be."""
    leaves, outputs = _random_graph(11, size=2048)
    seeds = [am.tensor(np.full(o.shape, 0.5)) for o in outputs]
    on_arrays = am.autograd.grad(outputs, leaves, seeds, retain_graph=True, allow_unused=True)
    on_tensors = am.autograd.grad(outputs, leaves, seeds, create_graph=True, allow_unused=True)
    for a, t in zip(on_arrays, on_tensors):
        assert (a is None) == (t is None)
        if a is not None and t is not None:
            np.testing.assert_allclose(a.data, t.data, rtol=1e-12, atol=1e-12)


def test_toggling_requires_grad_between_steps() -> None:
    """Freezing and unfreezing parameters every step (GAN training): each step's nodes see the flag of their time."""
    w = am.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(100):
        w.requires_grad_(False)
        frozen = w * 2
        w.requires_grad_(True)
        assert frozen.grad_fn is None
        (w * 2).sum().backward()
    np.testing.assert_allclose(w.grad.data, [200.0, 200.0])

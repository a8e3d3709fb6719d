"""The order of a recorded graph: every node after all the nodes that consume its output.

Kahn's algorithm on explicit stacks (never recursion, so a 100,000-op chain is fine): count each
node's consumers, then emit a node once all of them have been emitted.  :func:`toposort` builds the list for callers that
want it (gradcheck, visualize, pruning for ``backward(inputs=...)``).  ``backward.py`` itself needs
no count: it runs nodes in decreasing creation order (``Node.seq``), also an order of this kind.
"""

from __future__ import annotations

from collections.abc import Sequence

from .engine import Node


def count_consumers(roots: Sequence[Node]) -> dict[Node, int]:
    """Every node reachable from ``roots`` (an explicit stack, never recursion), with the number of
    edges that reach it from nodes of the graph: Kahn's algorithm emits a node when that falls to 0."""
    consumers: dict[Node, int] = {}
    stack: list[Node] = []
    for root in roots:
        if root not in consumers:
            consumers[root] = 0
            stack.append(root)
    while stack:
        node = stack.pop()
        for edge in node.next:
            if type(edge) is Node:
                if edge in consumers:
                    consumers[edge] += 1
                else:
                    consumers[edge] = 1
                    stack.append(edge)
    return consumers


def release_edges(node: Node, consumers: dict[Node, int], ready: list[Node]) -> None:
    """``node`` has been emitted: each producer it consumes has one consumer fewer to wait for."""
    for edge in node.next:
        if type(edge) is Node:
            left = consumers[edge] - 1
            consumers[edge] = left
            if left == 0:
                ready.append(edge)


def toposort(roots: Sequence[Node]) -> list[Node]:
    """Nodes reachable from ``roots``, each after every node that consumes its output."""
    consumers = count_consumers(roots)
    ready = [node for node, count in consumers.items() if count == 0]
    order: list[Node] = []
    while ready:
        node = ready.pop()
        order.append(node)
        release_edges(node, consumers, ready)
    return order


def reachable_to(order: list[Node], targets: set[int]) -> set[int]:
    """Ids of the nodes from which some target (a leaf tensor or a node) can be reached."""
    needed: set[int] = set()
    for node in reversed(order):
        if id(node) in targets:
            needed.add(id(node))
            continue
        for edge in node.next:
            if edge is not None and (id(edge) in targets or id(edge) in needed):
                needed.add(id(node))
                break
    return needed

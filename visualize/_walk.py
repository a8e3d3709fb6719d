"""Collect a recorded graph into plain lists: its nodes in backward's order, its leaves, and what is known of each
node's output tensor.  Every walk is iterative (explicit stacks and queues), so graphs of any depth work.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_mini import Node, Tensor
from autograd_mini.graph_order import toposort


@dataclass(eq=False)
class OutputInfo:
    """What is known about the tensor a node produced: the Tensor itself when someone still holds it, else an array."""

    tensor: Tensor | None = None
    array: np.ndarray | None = None
    shape: tuple[int, ...] | None = None
    dtype: Any = None


@dataclass(eq=False)
class GraphModel:
    """The nodes reachable from some roots, numbered in the order backward runs them, and their leaves."""

    roots: list[Tensor]
    nodes: list[Node] = field(default_factory=list)
    node_index: dict[int, int] = field(default_factory=dict)
    leaves: list[Tensor] = field(default_factory=list)
    leaf_index: dict[int, int] = field(default_factory=dict)
    outputs: list[OutputInfo] = field(default_factory=list)
    # consumers[i]: (consumer node index, input slot) for every edge out of node i; leaf_consumers likewise.
    consumers: list[list[tuple[int, int]]] = field(default_factory=list)
    leaf_consumers: list[list[tuple[int, int]]] = field(default_factory=list)

    @property
    def released(self) -> bool:
        """True when backward has freed some node's saved tensors (gradients can then no longer be computed)."""
        return any(node.released for node in self.nodes)

    def edges(self) -> list[tuple[str, int, int, int]]:
        """Every edge as (producer kind 'op' or 'leaf', producer index, consumer index, slot)."""
        result: list[tuple[str, int, int, int]] = []
        for index, consumers in enumerate(self.consumers):
            result.extend(("op", index, consumer, slot) for consumer, slot in consumers)
        for index, consumers in enumerate(self.leaf_consumers):
            result.extend(("leaf", index, consumer, slot) for consumer, slot in consumers)
        return result

    def distances(self) -> tuple[list[int], list[int]]:
        """Breadth-first distance of each node from the roots' nodes, and of each leaf (its nearest consumer's)."""
        unreached = len(self.nodes) + 1
        node_dist = [unreached] * len(self.nodes)
        queue: deque[int] = deque()
        for root in self.roots:
            if root.grad_fn is not None:
                index = self.node_index[id(root.grad_fn)]
                if node_dist[index] != 0:
                    node_dist[index] = 0
                    queue.append(index)
        while queue:
            index = queue.popleft()
            for edge in self.nodes[index].next:
                if isinstance(edge, Node):
                    producer = self.node_index[id(edge)]
                    if node_dist[producer] == unreached:
                        node_dist[producer] = node_dist[index] + 1
                        queue.append(producer)
        leaf_dist = [min((node_dist[c] for c, _ in consumers), default=0) for consumers in self.leaf_consumers]
        return node_dist, leaf_dist


def collect(roots: list[Tensor], known: Sequence[Tensor] = ()) -> GraphModel:
    """Walk the graph behind ``roots`` once; gather nodes, leaves, edges and output-tensor information.

    ``known`` tensors (such as the ones the caller named) are used as the outputs of their nodes.
    """
    model = GraphModel(roots=roots)
    root_nodes = [r.grad_fn for r in roots if r.grad_fn is not None]
    model.nodes = toposort(root_nodes)
    model.node_index = {id(node): i for i, node in enumerate(model.nodes)}
    model.outputs = [OutputInfo() for _ in model.nodes]
    model.consumers = [[] for _ in model.nodes]
    for root in roots:
        if root.grad_fn is None and root.requires_grad and id(root) not in model.leaf_index:
            _add_leaf(model, root)
    for consumer, node in enumerate(model.nodes):
        inputs = node.inputs
        for slot, edge in enumerate(node.next):
            if edge is None:
                continue
            if isinstance(edge, Node):
                producer = model.node_index[id(edge)]
                model.consumers[producer].append((consumer, slot))
                if inputs is not None:
                    _learn_output(model.outputs[producer], inputs[slot])
            else:
                leaf = model.leaf_index.get(id(edge))
                if leaf is None:
                    leaf = _add_leaf(model, edge)
                model.leaf_consumers[leaf].append((consumer, slot))
    # The user's own tensors, where known, replace the consumers' rebuilt ones (so that their ``.grad`` is seen).
    for node, info in zip(model.nodes, model.outputs):
        retained = _retained_tensor(node)
        if retained is not None:
            info.tensor, info.shape, info.dtype = retained, retained.shape, retained.dtype
        elif info.tensor is None and node.out_data is not None and node.op.uses_out:  # else a kept array (OpDef.keeps)
            info.array, info.shape, info.dtype = node.out_data, node.out_data.shape, node.out_data.dtype
    for tensor in [*known, *roots]:
        index = model.node_index.get(id(tensor.grad_fn)) if tensor.grad_fn is not None else None
        if index is not None:
            info = model.outputs[index]
            info.tensor, info.shape, info.dtype = tensor, tensor.shape, tensor.dtype
    return model


def _add_leaf(model: GraphModel, tensor: Tensor) -> int:
    index = len(model.leaves)
    model.leaves.append(tensor)
    model.leaf_index[id(tensor)] = index
    model.leaf_consumers.append([])
    return index


def _learn_output(info: OutputInfo, tensor: Tensor) -> None:
    """A consumer's saved input (rebuilt by ``Node.inputs`` on the array it saved, with the producer as its
    ``grad_fn``) is the producer's output as it was then."""
    if info.tensor is None:
        info.tensor, info.shape, info.dtype = tensor, tensor.shape, tensor.dtype


def _retained_tensor(node: Node) -> Tensor | None:
    """The tensor a node produced if its owner called ``retain_grad()`` on it (held weakly by the node)."""
    reference = getattr(node, "retain", None)
    tensor = reference() if callable(reference) else None
    return tensor if isinstance(tensor, Tensor) else None

"""Gradients for drawings: record what flows through every node during the user's own backward, or compute it.

``.grad`` alone shows only leaves (and tensors that called ``retain_grad()``).  To colour every node of a graph by
the gradient that reached it, either record a backward pass::

    with visualize.record_grads(loss) as record:
        loss.backward()
    visualize.draw_graph(loss, grads=record, color_by="grad_norm")

or let :func:`visualize.draw_graph` compute the gradients itself while the graph is not yet freed (it runs
``autograd_mini.grad`` with ``retain_graph=True``; ``.grad`` attributes are left as they were).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Node, Tensor

from ._walk import GraphModel, collect


class GradRecord:
    """Gradients of some roots with respect to every node's output and every leaf, and the order backward ran.

    Keys are node and tensor identities; the record keeps the nodes and tensors alive, so identities stay valid.
    It also holds each node's output tensor (``outputs``), so values can be drawn after backward frees the graph:
    like the graph before backward, a record keeps the activations in memory until it is dropped.
    """

    def __init__(self) -> None:
        self.node_grads: dict[int, Tensor] = {}
        self.leaf_grads: dict[int, Tensor] = {}
        self.order: list[int] = []
        # The output tensor of every node, so a drawing after backward (which frees the graph) still has values.
        self.outputs: dict[int, Tensor] = {}
        self._alive: dict[int, Any] = {}

    def grad_of(self, item: Tensor | Node) -> Tensor | None:
        """The gradient that reached ``item`` (a leaf tensor, a non-leaf tensor or a node), or None."""
        if isinstance(item, Node):
            return self.node_grads.get(id(item))
        if item.grad_fn is not None:
            return self.node_grads.get(id(item.grad_fn))
        return self.leaf_grads.get(id(item))

    def __len__(self) -> int:
        return len(self.node_grads) + len(self.leaf_grads)

    def _node_hook(self, node: Node) -> Any:
        def hook(grad: Tensor) -> None:
            if id(node) not in self.node_grads:
                self.order.append(id(node))
            self.node_grads[id(node)] = grad
            self._alive[id(node)] = node

        return hook

    def _leaf_hook(self, leaf: Tensor) -> Any:
        def hook(grad: Tensor) -> None:
            self.leaf_grads[id(leaf)] = grad
            self._alive[id(leaf)] = leaf

        return hook


@contextlib.contextmanager
def record_grads(*roots: Tensor) -> Iterator[GradRecord]:
    """Record, during the backward passes run inside the block, the gradient reaching each node and leaf of the graph
    behind ``roots``, and the order in which backward ran the nodes.

    Hooks are registered through ``Tensor.register_hook`` on each node's output tensor (found through the
    consumers' saved inputs), so this must be entered before backward frees the graph.  They are removed on exit.
    A hook sees the gradient after any hooks registered earlier, which is the gradient that flows on.
    """
    model = collect(list(roots))
    handles = _register(model, record := GradRecord())
    try:
        yield record
    finally:
        for handle in handles:
            handle.remove()


def _register(model: GraphModel, record: GradRecord) -> list[Any]:
    missing = [node.name() for node, info in zip(model.nodes, model.outputs) if info.tensor is None]
    if missing:
        raise RuntimeError(
            f"record_grads needs every node's output tensor, but {len(missing)} cannot be reached (first: "
            f"{missing[0]}); the graph was probably freed by backward() (or a tensor was modified in place). Enter "
            "record_grads before calling backward, or pass retain_graph=True."
        )
    handles = []
    for node, info in zip(model.nodes, model.outputs):
        assert info.tensor is not None
        handles.append(info.tensor.register_hook(record._node_hook(node)))
        record.outputs[id(node)] = info.tensor
    for leaf in model.leaves:
        handles.append(leaf.register_hook(record._leaf_hook(leaf)))
    return handles


def compute_grads(model: GraphModel) -> GradRecord:
    """Run one backward pass over an unfreed graph (``retain_graph=True``) and return what reached every node.

    Roots that are not scalars are seeded with ones, as for ``root.sum()``.  ``.grad`` attributes (including those of
    tensors that called ``retain_grad()``) are restored afterwards; tensor hooks registered by the user do run.
    """
    roots = [r for r in model.roots if r.requires_grad]
    record = GradRecord()
    if not roots or not model.leaves:
        return record
    known = {id(t): t for t in roots}
    known.update((id(info.tensor), info.tensor) for info in model.outputs if info.tensor is not None)
    saved = [(t, t.grad, None if t.grad is None else t.grad.data.copy()) for t in known.values()]
    handles = _register(model, record)
    try:
        seeds = [am.ones_like(r.detach()) for r in roots]
        am.grad(roots, model.leaves, grad_outputs=seeds, retain_graph=True, allow_unused=True)
    finally:
        for handle in handles:
            handle.remove()
        for tensor, grad, data in saved:
            tensor.grad = grad
            if grad is not None and data is not None:
                grad.data[...] = data
    return record


def grad_norm(grad: Tensor | np.ndarray | None) -> float | None:
    """The Euclidean norm of a gradient in float64 (nan or inf when the gradient is not finite), or None."""
    if grad is None:
        return None
    array = grad.data if isinstance(grad, Tensor) else np.asarray(grad)
    if array.size == 0:
        return 0.0
    values = array.astype(np.float64, copy=False).reshape(-1)
    if not np.isfinite(values).all():
        return math.nan if np.isnan(values).any() else math.inf
    peak = float(np.max(np.abs(values)))
    if peak == 0:
        return 0.0
    return peak * float(np.sqrt(np.sum(np.square(values / peak))))


def combined_norm(norms: Sequence[float | None]) -> float | None:
    """The norm of several gradients taken together (None when none is known)."""
    known = [n for n in norms if n is not None]
    if not known:
        return None
    return math.sqrt(sum(n * n for n in known))

"""Reverse-mode backward: walk the recorded graph in reverse topological order and call each node's vjps.

Gradients pending for a node are summed in a per-backward map and freed as soon as the node has
run; leaves receive theirs (after their hooks) at the end.  ``autograd.py`` holds the public
``backward``/``grad`` entry points that check their arguments and call :func:`run_backward`.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from heapq import heapify, heappop, heappush
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _saved, engine
from ._anomaly import run_vjps_anomaly, vjps
from ._fp_errors import ignore_fp_errors, restore_fp_errors
from ._saved import FREED_MESSAGE, check_saved
from .engine import Edge, Node
from .graph_order import reachable_to, toposort

if TYPE_CHECKING:
    from .tensor import Tensor


def _before_vjps(node: Node, grad: Any, raw: bool) -> Any:
    """What may happen before a node's vjps run, in PyTorch's order: refuse a released node, run its hooks
    (which may replace ``grad``, returned), fill a retained ``.grad``, refuse saved values modified in place."""
    if node._in0 is None:  # released (Node.released, without the property call)
        raise RuntimeError(FREED_MESSAGE)
    extra = node.extra
    if extra is not None:
        if extra.pre_hooks:
            grad = _run_hooks(extra.pre_hooks, grad, raw)
        retained = extra.retain() if extra.retain is not None else None
        if retained is not None:
            _accumulate(retained, grad, raw)
    if node.needs_version_check():
        check_saved(node)
    return grad


# CPython's reference counts say when an array is held by nobody but backward itself, so that it can
# be written in place (a sum of gradient contributions) or adopted as a leaf's .grad without a copy.
# From 3.14 the interpreter skips some increments and the counts can read low: never trust them there,
# nor in a free-threaded build.
_REFCOUNTS_EXACT = sys.version_info < (3, 14) and getattr(sys, "_is_gil_enabled", lambda: True)()


def _plus(pending: Any, extra: Any) -> Any:
    """Two gradient contributions (same shape and dtype) added: arrays, or a recorded op when building a graph.

    ``pending`` is written in place when backward alone holds it: its own writeable memory, referenced only
    by the map of pending gradients, the caller's variable, this parameter and getrefcount's argument.
    Only from 1024 elements: below, a new array costs no more (and on 0-d arrays ``out=`` costs double).
    """
    if (
        _REFCOUNTS_EXACT
        and type(pending) is np.ndarray
        and pending.size >= 1024
        and pending.base is None
        and pending.flags.writeable
        and sys.getrefcount(pending) == 4
    ):
        return np.add(pending, extra, out=pending)
    return pending + extra  # 0-d contributions may be NumPy scalars, and so is their sum


def _run_hooks(hooks: dict[int, Any], grad: Any, raw: bool) -> Any:
    """Hooks see (and may replace) the gradient as a Tensor, whatever form backward carries it in."""
    value = engine._Tensor._make(np.asarray(grad), None) if raw else grad
    for hook in list(hooks.values()):
        replaced = hook(value)
        if replaced is not None:
            value = replaced
    return value.data if raw else value


def _accumulate(tensor: Tensor, grad: Any, raw: bool, owned: bool = False) -> None:
    """Add ``grad`` into ``tensor.grad`` as PyTorch does (in place unless building a graph).

    ``owned`` says nobody else holds the array ``grad``, so ``.grad`` may adopt it without a copy
    (later accumulations write into it in place).
    """
    if not raw:
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad
    elif tensor.grad is None:
        if not (owned and grad.dtype == tensor.data.dtype):  # shared with other inputs or the caller: copy
            grad = np.array(grad, dtype=tensor.data.dtype, copy=True)
        tensor.grad = engine._Tensor._make(grad, None)
    else:
        np.add(tensor.grad.data, grad, out=tensor.grad.data, casting="unsafe")


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    *,
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
    accumulate: bool = True,
) -> list[Tensor | None]:
    """Propagate ``root_grads`` from ``roots`` back through the recorded graph.

    With ``accumulate`` the gradients are added into the ``.grad`` of leaves (or only of
    ``inputs`` when given); otherwise the gradients with respect to ``inputs`` are returned.
    Without ``create_graph`` gradients travel as plain ndarrays, or NumPy scalars when 0-d (one NumPy
    call per vjp step, see ``ops/registry.py``); with it they are Tensors whose operations are recorded.
    """
    raw = not create_graph
    node_grads: dict[Node, Any] = {}
    # Keyed by the leaf itself: a Tensor hashes by identity (its == is elementwise, but distinct live
    # objects never share a hash, so a lookup never calls it).
    leaf_grads: dict[Tensor, Any] = {}
    # Nodes that hold a gradient and have yet to run, as (-seq, node): the heap pops the latest-made
    # first, which runs a node after every node that consumes its output (all were made after it), so
    # no pass over the graph to count consumers is needed, and nodes no gradient reaches never run.
    heap: list[tuple[int, Node]] = []
    for root, root_grad in zip(roots, root_grads):
        value = root_grad.data if raw else root_grad
        if root.grad_fn is None:
            leaf_grads[root] = value if root not in leaf_grads else _plus(leaf_grads[root], value)
        elif root.grad_fn in node_grads:
            node_grads[root.grad_fn] = _plus(node_grads[root.grad_fn], value)
        else:
            node_grads[root.grad_fn] = value
            heappush(heap, (-root.grad_fn.seq, root.grad_fn))
    # The graph holds no reference cycles, so the cyclic collector has nothing to find here; left
    # on, its full passes over the ever-growing set of live objects make long backwards quadratic.
    collector_was_enabled = gc.isenabled()
    gc.disable()
    targets: set[int] = set()
    needed: set[int] | None = None
    captured: dict[int, Any] = {}
    previous_mode = engine._grad_enabled  # engine._set_grad_enabled, without the calls (here and below)
    engine._grad_enabled = bool(create_graph)
    # Derivatives at singular points (sqrt at 0, std of constant data) are inf or NaN by IEEE rules,
    # as in PyTorch, without NumPy's warnings; anomaly mode reports NaN gradients when asked.
    error_state = ignore_fp_errors()
    try:
        if inputs is not None:
            targets = {id(t.grad_fn) if t.grad_fn is not None else id(t) for t in inputs}
            needed = reachable_to(toposort([node for _, node in heap]), targets)
            heap = [entry for entry in heap if id(entry[1]) in needed]
            heapify(heap)  # what is left of a heap need not be one
        plain = raw and needed is None  # the common case: every edge wanted, gradients on arrays
        fast = plain and not engine._anomaly_enabled
        # A node that will run next (made after every node waiting in the heap: in a chain, each node's
        # output feeds one other) is held here rather than in the map and the heap: most nodes of a training
        # step's graph are.
        next_node: Node | None = None
        next_grad: Any = None
        while True:
            if next_node is not None:
                node, grad, next_node = next_node, next_grad, None
            elif heap:
                node = heappop(heap)[1]
                grad = node_grads.pop(node)
            else:
                break
            # Released, hooked, retaining its gradient, or made before some in-place write: rare, one test.
            if node._in0 is None or node.extra is not None or node.seq < _saved.last_write:
                grad = _before_vjps(node, grad, raw)
            if fast:  # vjps(), inlined: this loop runs once per node
                # Node.next without the property call: a node of one input has ``...`` as its second edge,
                # which the zip below never reaches (it stops at the vjps' one gradient).
                edges: Sequence[Edge] = node._edges or (node._e0, node._e1)  # type: ignore[assignment]
                input_grads = node.op.array_backward(node, grad, edges)
            else:
                edges = node.next
                if needed is not None:
                    if id(node) in targets:
                        captured[id(node)] = grad
                    # Only edges that lead to one of the inputs asked for need a gradient.
                    edges = [e if e is not None and (id(e) in needed or id(e) in targets) else None for e in edges]
                if engine._anomaly_enabled:
                    input_grads = run_vjps_anomaly(node, grad, edges, raw)
                else:
                    input_grads = vjps(node, grad, edges, raw)
            for edge, input_grad in zip(edges, input_grads):  # zip stops at an op declaring fewer vjps
                if input_grad is None or edge is None:
                    continue
                if type(edge) is Node:
                    # Made after every node in the heap (so not among them, and next to run): held here.
                    if next_node is None and (not heap or edge.seq > -heap[0][0]):
                        next_node, next_grad = edge, input_grad
                        continue
                    if next_node is not None:  # a second node waits: both go by the heap
                        node_grads[next_node] = next_grad
                        heappush(heap, (-next_node.seq, next_node))
                        next_node = next_grad = None
                    pending = node_grads.get(edge)
                    if pending is None:
                        node_grads[edge] = input_grad
                        heappush(heap, (-edge.seq, edge))
                    else:
                        node_grads[edge] = _plus(pending, input_grad)
                else:
                    pending = leaf_grads.get(edge)  # type: ignore[arg-type]  # a leaf: not a Node, not None
                    leaf_grads[edge] = input_grad if pending is None else _plus(pending, input_grad)  # type: ignore[index]
            if not retain_graph:  # node.release(), inlined
                node._in0 = node._in1 = node._watch = node.out_data = None
                if node.op.release_hook is not None:
                    node.op.release_hook(node)
        # Drop the last iteration's references, so that only leaf_grads holds the leaves' arrays.
        grad = input_grad = pending = next_grad = None
        input_grads = ()
        adopt = raw and _REFCOUNTS_EXACT
        make_tensor = engine._make_tensor
        for leaf in list(leaf_grads):
            grad = leaf_grads.pop(leaf)
            hooks = leaf._hooks
            if hooks:
                grad = _run_hooks(hooks, grad, raw)
                owned = False
            else:
                # ``.grad`` may adopt the array (no copy; later backwards add into it in place) when no one
                # else can see it: it owns writeable memory and CPython counts no reference to it but ``grad``
                # and getrefcount's argument (not the caller's seed, a saved value or another leaf).
                owned = adopt and grad.base is None and grad.flags.writeable and sys.getrefcount(grad) == 2
            if inputs is not None:
                captured[id(leaf)] = grad
                if id(leaf) not in targets:
                    continue
            # A leaf that stopped requiring grad since the graph was built gets nothing (as PyTorch's AccumulateGrad).
            if accumulate and leaf._requires_grad:
                if owned and leaf.grad is None and grad.dtype is leaf.data.dtype:  # every training step's case:
                    leaf.grad = make_tensor(grad, None)  # _accumulate's adoption, without its call
                else:
                    _accumulate(leaf, grad, raw, owned)
    finally:
        restore_fp_errors(error_state)
        engine._grad_enabled = previous_mode
        if collector_was_enabled:
            gc.enable()
    if inputs is None:
        return []
    results: list[Tensor | None] = []
    for tensor in inputs:
        key = id(tensor.grad_fn) if tensor.grad_fn is not None else id(tensor)
        found = captured.get(key)
        if found is not None and accumulate and tensor.grad_fn is not None:
            _accumulate(tensor, found, raw)
        results.append(engine._Tensor._make(np.asarray(found), None) if raw and found is not None else found)
    return results

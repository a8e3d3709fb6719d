"""Reverse-mode backward: walk the recorded graph in reverse topological order and call each node's vjps.

Gradients pending for a node are summed in a per-backward map and freed as soon as the node has
run; leaves receive theirs (after their hooks) at the end.  ``autograd.py`` holds the public
``backward``/``grad`` entry points that check their arguments and call :func:`run_backward`.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import engine
from .engine import Edge, Node, toposort

if TYPE_CHECKING:
    from .tensor import Tensor


def _prune(order: list[Node], targets: set[int]) -> set[int]:
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


def _forward_stack_text(node: Node) -> str:
    stack = "".join(node.stack or ["  (not recorded: the node was created outside anomaly mode)\n"])
    return f"Traceback of forward call that caused the error ({node.name()}):\n{stack}"


def _run_vjp(node: Node, grad: Tensor, mask: Sequence[Edge]) -> list[Tensor | None]:
    """Call the node's vjps after checking its saved tensors; in anomaly mode, report the forward stack."""
    if node.saved_versions or node.out_version is not None:
        node.check_saved()
    if not engine._anomaly_enabled:
        return node.op.backward(node, grad, mask)
    try:
        grads = node.op.backward(node, grad, mask)
    except Exception as error:
        note = f"Error detected in {node.name()}. " + _forward_stack_text(node)
        if hasattr(error, "add_note"):
            error.add_note(note)
        else:  # Python 3.10 has no exception notes
            warnings.warn(note, RuntimeWarning, stacklevel=2)
        raise
    for index, input_grad in enumerate(grads):
        if input_grad is not None and input_grad.data.dtype.kind == "f" and np.isnan(input_grad.data).any():
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {index}th output.\n" + _forward_stack_text(node)
            )
    return grads


def _sum(a: Tensor, b: Tensor, create_graph: bool) -> Tensor:
    """Two gradient contributions (same shape and dtype) added: a recorded op only when building a graph."""
    if create_graph:
        return a + b
    total: Tensor = engine._Tensor._make(a.data + b.data, None)
    return total


def _accumulate_into_grad(tensor: Tensor, grad: Tensor, create_graph: bool, owned: bool = False) -> None:
    """Add ``grad`` into ``tensor.grad`` as PyTorch does (in place unless building a graph).

    ``owned`` says nobody else holds ``grad``'s array, so ``.grad`` may adopt it without a copy
    (later accumulations write into it in place).
    """
    if create_graph:
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad
    elif tensor.grad is None:
        if owned and grad.data.dtype == tensor.data.dtype:
            tensor.grad = engine._Tensor._make(grad.data, None)
        else:  # the incoming gradient may be shared with other inputs or the caller: copy
            tensor.grad = engine._Tensor._make(np.array(grad.data, dtype=tensor.data.dtype, copy=True), None)
    else:
        np.add(tensor.grad.data, grad.data, out=tensor.grad.data, casting="unsafe")


def _handed(grad: Tensor, handouts: dict[int, int]) -> Tensor:
    """Count a freshly made gradient (a sum of contributions) as handed to one place."""
    handouts[id(grad.data)] = 1
    return grad


def _owns(array: np.ndarray, handouts: dict[int, int]) -> bool:
    """True when ``array`` owns its memory, is writeable, and was handed to exactly one place."""
    return array.base is None and array.flags.writeable and handouts.get(id(array)) == 1


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
    """
    node_grads: dict[int, Tensor] = {}
    leaf_grads: dict[int, Tensor] = {}
    leaves: dict[int, Tensor] = {}
    root_nodes: list[Node] = []
    # How many edges each gradient array was handed to: a leaf adopts its gradient's array (no
    # copy) only when that array went nowhere else.  Seeds may belong to the caller: never adopted.
    handouts: dict[int, int] = {id(grad.data): 2 for grad in root_grads}
    for root, grad in zip(roots, root_grads):
        if root.grad_fn is None:
            key = id(root)
            leaves[key] = root
            leaf_grads[key] = grad if key not in leaf_grads else leaf_grads[key] + grad
        else:
            key = id(root.grad_fn)
            node_grads[key] = grad if key not in node_grads else node_grads[key] + grad
            root_nodes.append(root.grad_fn)
    order = toposort(root_nodes)
    targets: set[int] = set()
    needed: set[int] | None = None
    if inputs is not None:
        targets = {id(t.grad_fn) if t.grad_fn is not None else id(t) for t in inputs}
        needed = _prune(order, targets)
    captured: dict[int, Tensor] = {}
    previous_mode = engine._set_grad_enabled(create_graph)
    # The graph holds no reference cycles, so the cyclic collector has nothing to find here; left
    # on, its full passes over the ever-growing set of live objects make long backwards quadratic.
    collector_was_enabled = gc.isenabled()
    gc.disable()
    # Derivatives at singular points (sqrt at 0, std of constant data) are inf or NaN by IEEE rules,
    # as in PyTorch, without NumPy's warnings; anomaly mode reports NaN gradients when asked.
    error_state = np.errstate(divide="ignore", invalid="ignore", over="ignore")
    error_state.__enter__()
    try:
        for node in order:
            node_key = id(node)
            pending_grad = node_grads.pop(node_key, None)
            if pending_grad is None or (needed is not None and node_key not in needed):
                continue
            if node.inputs is None:
                raise RuntimeError(engine._FREED_MESSAGE)
            grad = pending_grad
            if node.pre_hooks:
                for hook in list(node.pre_hooks.values()):
                    replaced = hook(grad)
                    if replaced is not None:
                        grad = replaced
                handouts[id(grad.data)] = 2  # a hook may keep what it saw (or returned): never adopt it
            if node.retain is not None:
                retained = node.retain()
                if retained is not None:
                    _accumulate_into_grad(retained, grad, create_graph)
            if node_key in targets:
                captured[node_key] = grad
            # Which inputs need a gradient: the edges themselves (None for constants), or, when
            # differentiating with respect to given inputs, only edges that lead to one of them.
            if needed is None:
                mask: Sequence[Edge] = node.next
            else:
                mask = [e if e is not None and (id(e) in needed or id(e) in targets) else None for e in node.next]
            if engine._anomaly_enabled:
                input_grads = _run_vjp(node, grad, mask)
            else:  # the same, inlined: this loop runs once per node
                if node.saved_versions or node.out_version is not None:
                    node.check_saved()
                input_grads = node.op.backward(node, grad, mask)
            trusted = node.op.fresh_grads
            for edge, input_grad in zip(node.next, input_grads):
                if input_grad is None or edge is None:
                    continue
                # Built-in vjps return fresh arrays or pass ``grad`` through (counted here); a custom
                # Function's backward may return arrays it keeps, so those are never adopted.
                handouts[id(input_grad.data)] = handouts.get(id(input_grad.data), 0) + (1 if trusted else 2)
                key = id(edge)
                if type(edge) is Node:
                    pending = node_grads.get(key)
                    node_grads[key] = (
                        input_grad if pending is None else _handed(_sum(pending, input_grad, create_graph), handouts)
                    )
                else:
                    leaves[key] = edge  # type: ignore[assignment]
                    pending = leaf_grads.get(key)
                    leaf_grads[key] = (
                        input_grad if pending is None else _handed(_sum(pending, input_grad, create_graph), handouts)
                    )
            if not retain_graph:
                node.release()
        for key, leaf in leaves.items():
            grad = leaf_grads[key]
            if leaf._hooks:
                for hook in list(leaf._hooks.values()):
                    replaced = hook(grad)
                    if replaced is not None:
                        grad = replaced
            captured[key] = grad
            if accumulate and (inputs is None or key in targets):
                owned = not leaf._hooks and _owns(grad.data, handouts)
                _accumulate_into_grad(leaf, grad, create_graph, owned)
    finally:
        error_state.__exit__(None, None, None)
        engine._set_grad_enabled(previous_mode)
        if collector_was_enabled:
            gc.enable()
    if inputs is None:
        return []
    results: list[Tensor | None] = []
    for tensor in inputs:
        key = id(tensor.grad_fn) if tensor.grad_fn is not None else id(tensor)
        found = captured.get(key)
        if accumulate and tensor.grad_fn is not None and found is not None:
            _accumulate_into_grad(tensor, found, create_graph)
        results.append(found)
    return results

"""What a node saved for backward, and how it notices in-place writes to it (PyTorch's version counters).

Every tensor that is written in place counts the writes (``Tensor._version``; views share the count).
A node packs the versions of the tensors its vjp reads into one int when it is made, and backward
compares them before running it, with PyTorch's error when they moved.  The node keeps the inputs'
arrays, not the Tensors, so it finds each counter again (:func:`saved_version_box`): through the
edge (a leaf that requires grad; an intermediate's node, which links the counter its result makes),
or, for the few inputs no edge leads to, in the node's watch list.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .engine import Node
    from .tensor import Tensor

# The shared version "counter" of tensors made in inference mode: never bumped, never saved.
INFERENCE_VERSION: list[int] = [0]
# The shared counter of the cached read-only constants (``x * 0.5``'s 0.5): never bumped, since their
# storage refuses writes, so a node that saves one need not watch it.
CONSTANT_VERSION: list[int] = [0]

# One clock orders the making of nodes and in-place writes: ``Node.seq`` is its reading when the node was
# made, ``last_write`` its reading at the latest in-place write.  A node made after every write
# (``seq > last_write``) cannot have had a saved tensor modified since, so backward skips the version check.
CLOCK = itertools.count()
last_write = -1

_VERSION_BITS = 32
_VERSION_MASK = (1 << _VERSION_BITS) - 1


def bump_version(tensor: Tensor) -> None:
    """Count an in-place write to ``tensor`` (its version, and ``last_write``, read against ``Node.seq``);
    tensors made in inference mode are not versioned."""
    bump_versions((tensor,))


def bump_versions(tensors: Iterable[Tensor]) -> None:
    """:func:`bump_version` for each of ``tensors``, written by one multi-tensor op: one tick of the clock."""
    global last_write
    written = False
    for tensor in tensors:
        box = tensor._version_box or tensor._shared_version_box()  # a counter is a non-empty list
        if box is not INFERENCE_VERSION:
            box[0] += 1
            written = True
    if written:
        last_write = next(CLOCK)


def pack_versions(tensors: Sequence[Tensor]) -> int:
    """The tensors' versions as one int, 32 bits each (Node.saved_versions)."""
    return sum(t._version << (_VERSION_BITS * index) for index, t in enumerate(tensors))


def refuse_inference_tensors(saved: Sequence[Tensor]) -> None:
    """PyTorch's error for a tensor made in inference mode that an op would save for backward."""
    for t in saved:
        if t._version_box is INFERENCE_VERSION:
            raise RuntimeError(
                "Inference tensors cannot be saved for backward. To work around you can make a clone "
                "to get a normal tensor and use it in autograd."
            )


def watch_list(saved: Sequence[Tensor]) -> tuple[list[int] | Tensor | None, ...] | None:
    """What a node keeps to find the versions of the ``saved`` tensors that no edge leads to, aligned with them
    (None when there is nothing to keep): a constant's Tensor (its counter may come later), the counter an
    intermediate already had (a view's or a written tensor's, which its node did not make)."""
    entries: list[list[int] | Tensor | None] | None = None
    for position, tensor in enumerate(saved):
        box = tensor._version_box
        if box is CONSTANT_VERSION or (tensor._requires_grad and (box is None or tensor.grad_fn is None)):
            continue
        if entries is None:
            entries = [None] * len(saved)
        entries[position] = box if box is not None else tensor
    return None if entries is None else tuple(entries)


def watched_constant(node: Node, index: int) -> Tensor | None:
    """The constant Tensor that was input ``index`` of ``node``, when the node watches it."""
    saves = node.op.saves
    if (saves is not None and index not in saves) or node._watch is None:  # unset when nothing is saved
        return None
    watched = node._watch[index if saves is None else saves.index(index)]
    return None if watched is None or type(watched) is list else watched  # type: ignore[return-value]


def saved_version_box(node: Node, position: int) -> list[int] | None:
    """The version counter, as it is now, of the ``position``-th tensor ``node``'s vjp reads (its ``op.saves``
    entry); None: never written, version 0."""
    from .node import Node  # a write happened since the node was made: rare, and node.py imports this module

    watched = node._watch[position] if node._watch is not None else None
    if watched is not None:
        return watched if type(watched) is list else watched._version_box  # type: ignore[union-attr]
    index = position if node.op.saves is None else node.op.saves[position]
    edge = node.next[index]
    if type(edge) is Node:
        arrays = node.saved_arrays()
        return None if arrays is None else edge.result_box_for(arrays[index])
    return None if edge is None else edge._version_box  # type: ignore[union-attr]  # a leaf Tensor


def check_saved(node: Node) -> None:
    """Raise PyTorch's error when a tensor ``node`` saved (or its output, when its vjp reads that) was
    modified in place after the node was made."""
    indices = range(len(node.next)) if node.op.saves is None else node.op.saves
    for position, index in enumerate(indices):
        expected = (node.saved_versions >> (_VERSION_BITS * position)) & _VERSION_MASK
        box = saved_version_box(node, position)
        version = box[0] if box is not None else 0
        if version != expected:
            inputs = node.inputs
            assert inputs is not None
            _raise_modified(node, inputs[index], version, expected)
    if node.op.uses_out and node.out_data is not None:
        box = node.result_box_for(node.out_data)
        if box is not None and box[0] != 0:
            _raise_modified(node, None, box[0], 0)


def _raise_modified(node: Node, tensor: Tensor | None, version: int, expected: int) -> None:
    if tensor is None:
        dtype = node.out_data.dtype if node.out_data is not None else ""
        what = f"[{dtype} tensor], which is output 0 of {node.name()},"
    elif tensor.grad_fn is not None:
        what = f"[{tensor.dtype} tensor of shape {list(tensor.shape)}], which is output 0 of {tensor.grad_fn.name()},"
    else:
        what = f"[{tensor.dtype} tensor of shape {list(tensor.shape)}], which is an input of {node.name()},"
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"{what} is at version {version}; expected version {expected} instead. Hint: enable anomaly detection "
        "to find the operation that failed to compute its gradient, with "
        "autograd_mini.set_detect_anomaly(True)."
    )


FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


def share_version(view: Tensor, base: Tensor) -> None:
    """A view shares its base's version counter, so writing through either is seen by both."""
    if np.may_share_memory(view.data, base.data):
        view._version_box = base._shared_version_box()

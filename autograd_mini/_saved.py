"""What a node saved for backward, and how it notices in-place writes to it (PyTorch's version counters).

Every tensor that is written in place counts the writes (``Tensor._version``; views share the count).
A node packs the versions of the tensors its vjp reads into one int when it is made, and backward
compares them before running it, with PyTorch's error when they moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .engine import Node
    from .tensor import Tensor

# The shared version "counter" of tensors made in inference mode: never bumped, never saved.
INFERENCE_VERSION: list[int] = [0]

_VERSION_BITS = 32
_VERSION_MASK = (1 << _VERSION_BITS) - 1


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


def check_saved(node: Node) -> None:
    """Raise PyTorch's error when a tensor ``node`` saved (or its output, when its vjp reads that) was
    modified in place after the node was made."""
    inputs = node.inputs
    assert inputs is not None
    saved = inputs if node.op.saves is None else [inputs[i] for i in node.op.saves]
    if pack_versions(saved) != node.saved_versions:  # versions only grow: any write changes the sum
        for index, tensor in enumerate(saved):
            expected = (node.saved_versions >> (_VERSION_BITS * index)) & _VERSION_MASK
            if tensor._version != expected:
                _raise_modified(node, tensor, tensor._version, expected)
    if node.out_version is not None and node.out_version[0] != 0:
        _raise_modified(node, None, node.out_version[0], 0)


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

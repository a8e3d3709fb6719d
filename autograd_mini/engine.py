"""The autograd engine: the op dispatcher and the mode flags (graph nodes are in ``node.py``).

A forward op call goes through :func:`apply`: it runs the primitive's NumPy forward and, when
gradients are being recorded, attaches a :class:`Node` to the result.  ``backward.py`` runs the
nodes latest-made first (a heap on ``Node.seq``, never recursion) and calls each primitive's
vector-Jacobian products, which are themselves written with Tensor operations so that
``create_graph=True`` yields differentiable gradients.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from . import node as nodes
from ._saved import INFERENCE_VERSION, bump_version, bump_versions, share_version
from .node import Edge, Hook, Node, NodeExtras, _new_object

__all__ = [
    "NO_ATTRS",
    "Edge",
    "Hook",
    "Node",
    "NodeExtras",
    "apply",
    "bump_version",
    "bump_versions",
    "is_grad_enabled",
]

if TYPE_CHECKING:
    from .ops.registry import OpDef
    from .tensor import Tensor

# The Tensor class, bound by tensor.py once defined (tensor.py imports this module, so importing
# it back here would be circular; the hot path must not pay for a function-level import).
_Tensor: Any = None
_make_tensor: Callable[[np.ndarray, Node | None], Any] = lambda data, grad_fn: None  # noqa: E731


def bind_tensor_class(cls: Any) -> None:
    """Called once by tensor.py."""
    global _Tensor, _make_tensor
    _Tensor = nodes._Tensor = cls
    _make_tensor = cls._make  # the bound classmethod, looked up once rather than per op


# Ops without attributes share this empty dict (never mutated), so their nodes hold no dict of their own.
NO_ATTRS: dict[str, Any] = {}

# Anomaly mode records forward stacks and checks vjps for NaN; inference mode skips versioning.
_anomaly_enabled = False
_inference_mode = False

# Grad mode is a module global rather than a thread-local: the engine is single-threaded and a
# global read is the cheapest check on the per-op hot path.
_grad_enabled = True


def is_grad_enabled() -> bool:
    """Return True when operations are being recorded for autograd."""
    return _grad_enabled


def _set_grad_enabled(mode: bool) -> bool:
    """Set grad mode and return the previous mode (internal; see ``grad_mode.set_grad_enabled``)."""
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = bool(mode)
    return previous


_make_node = Node.make


def apply(op: OpDef, inputs: tuple[Tensor, ...], attrs: dict[str, Any]) -> Tensor:
    """Run primitive ``op`` on Tensor ``inputs`` and record it when any input requires grad."""
    try:
        # The common arities skip building an argument list, and ``**attrs`` is passed only when there
        # are some: unpacking even an empty dict costs about as much as a call.
        arity = len(inputs)
        if attrs:
            out = op.forward(*[t.data for t in inputs], **attrs)
        elif arity == 2:
            out = op.forward(inputs[0].data, inputs[1].data)
        elif arity == 1:
            out = op.forward(inputs[0].data)
        elif arity == 3:
            out = op.forward(inputs[0].data, inputs[1].data, inputs[2].data)
        else:
            out = op.forward(*[t.data for t in inputs])
    except (ValueError, IndexError, TypeError) as error:
        raise op.shape_error(inputs, attrs, error) from None
    kept = None
    if type(out) is not np.ndarray:
        if op.keeps:  # (result, an array of the forward's that its vjps reuse): see OpDef.keeps
            out, kept = out
        out = np.asarray(out)
    if _grad_enabled and op.differentiable:
        for t in inputs:
            if t._requires_grad:
                node = _make_node(op, inputs, attrs, out if op.uses_out else kept)
                # Tensor._make's body, written out: one Python call fewer per recorded op (tests check they agree).
                result = _new_object(_Tensor)
                result.data = out
                result.grad = None
                result.grad_fn = node
                result._requires_grad = True
                result._version_box = None
                result._hooks = None
                if _anomaly_enabled:
                    record_forward_stack(node)
                if op.is_view:
                    share_version(result, inputs[0])
                return result
    result = _make_tensor(out, None)
    if _inference_mode:
        result._version_box = INFERENCE_VERSION
    elif op.is_view:
        share_version(result, inputs[0])
    return result


def record_forward_stack(node: Node) -> None:
    """Anomaly mode: remember where in the user's code this node was created."""
    node.extras().stack = [line for line in traceback.format_stack() if "autograd_mini" not in line.split("\n")[0]]

"""Graph nodes: :class:`Node`, one recorded primitive application (the ``grad_fn`` of its result), and the
clock that orders their making and in-place writes (:func:`bump_version`)."""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from ._saved import _VERSION_BITS, INFERENCE_VERSION, pack_versions, refuse_inference_tensors

if TYPE_CHECKING:
    from .ops.registry import OpDef
    from .tensor import Tensor

Edge = Union["Node", "Tensor", None]
Hook = Callable[["Tensor"], Union["Tensor", None]]

# Whether inference mode was ever entered: until then no tensor can carry INFERENCE_VERSION, and
# recording a node skips looking for one.
_inference_used = False
# One clock orders the making of nodes and in-place writes: ``Node.seq`` is its reading when the node was
# made, ``_last_write`` its reading at the latest in-place write.  A node made after every write
# (``seq > _last_write``) cannot have had a saved tensor modified since, so backward skips the version check.
_clock = itertools.count()
_last_write = -1
_new_object = object.__new__  # looked up once (on ``object`` it is a type attribute lookup)


class NodeExtras:
    """What few nodes carry: hooks, a retained gradient, anomaly mode's stack, the output's version counter."""

    __slots__ = ("out_version", "pre_hooks", "retain", "stack")

    def __init__(self) -> None:
        self.pre_hooks: dict[int, Hook] | None = None
        self.retain: weakref.ref[Tensor] | None = None
        self.stack: list[str] | None = None
        # The version counter of the output, when the vjp reads it (``uses_out``): linked by the output tensor
        # when it first makes a counter (see Tensor._shared_version_box), since nothing can write to it before.
        self.out_version: list[int] | None = None


class Node:
    """One recorded primitive application: the ``grad_fn`` of the tensor it produced.

    It holds the input tensors (the values its vjp needs), the edges to the nodes or leaves that
    produced them (captured at creation, so later in-place ops cannot rewire the graph), and the
    forward result's array when the vjp is written in terms of the output.  It never refers to
    its output Tensor, so graphs contain no reference cycles.
    """

    __slots__ = (
        "__weakref__",
        "_in0",
        "_in1",
        "_next",
        "_rest",
        "attrs",
        "extra",
        "op",
        "out_data",
        "saved_versions",
        "seq",
    )
    op: OpDef
    seq: int
    attrs: dict[str, Any]
    out_data: np.ndarray | None
    extra: NodeExtras | None
    _in0: Tensor | None
    _in1: Tensor | None
    _rest: tuple[Tensor, ...] | None
    _next: tuple[Edge, ...]
    saved_versions: int

    @classmethod
    def make(
        cls,
        op: OpDef,
        inputs: tuple[Tensor, ...],
        attrs: dict[str, Any],
        out_data: np.ndarray | None,
    ) -> Node:
        """The node recording ``op`` applied to ``inputs``: a classmethod rather than ``__init__``, since calling
        a class costs the hot path more than calling a function (``apply`` calls it through ``_make_node``)."""
        self = _new_object(cls)
        self.op = op
        # Creation order: a node's inputs were all made before it, so backward may run nodes in
        # decreasing ``seq`` (each after every node that consumes its output) without counting consumers.
        self.seq = next(_clock)
        self.attrs = attrs
        self.out_data = out_data
        self.extra = None
        # The inputs in slots, not the tuple they came in: one object fewer per op for the cyclic
        # collector while the graph is built (``inputs`` rebuilds the tuple on request).  The edges are
        # taken now, as the inputs are: an input that requires grad leads to its ``grad_fn`` (or to itself,
        # a leaf), one that does not to None; later in-place ops and requires_grad changes cannot rewire them.
        arity = len(inputs)
        if arity == 2:
            first, second = inputs
            self._in0, self._in1, self._rest = first, second, None
            self._next = (
                (first.grad_fn or first) if first._requires_grad else None,
                (second.grad_fn or second) if second._requires_grad else None,
            )
        elif arity == 1:
            first = inputs[0]
            self._in0, self._in1, self._rest = first, None, None
            self._next = ((first.grad_fn or first) if first._requires_grad else None,)
        elif arity == 3:  # linear, addcmul...: unrolled, like the arities above
            first, second, third = inputs
            self._in0, self._in1, self._rest = first, None, inputs
            self._next = (
                (first.grad_fn or first) if first._requires_grad else None,
                (second.grad_fn or second) if second._requires_grad else None,
                (third.grad_fn or third) if third._requires_grad else None,
            )
        else:
            self._in0, self._in1, self._rest = inputs[0], None, inputs
            self._next = tuple([(t.grad_fn or t) if t._requires_grad else None for t in inputs])
        # Versions of the tensors whose values the vjp reads, to refuse them if modified in place,
        # packed into one int (an int is not an object the cyclic collector tracks; a tuple is).
        saves = op.saves
        if saves is None:
            saved = inputs
        elif saves:
            saved = tuple(map(inputs.__getitem__, saves))
        else:
            self.saved_versions = 0
            return self
        if _inference_used:
            refuse_inference_tensors(saved)
        if len(saved) == 2:  # a missing counter (None) means version 0
            box, other = saved[0]._version_box, saved[1]._version_box
            self.saved_versions = (box[0] if box else 0) + ((other[0] if other else 0) << _VERSION_BITS)
        else:
            self.saved_versions = pack_versions(saved)
        return self

    def extras(self) -> NodeExtras:
        """The node's :class:`NodeExtras`, made on first use: a new node stores one None for all of them,
        and backward tests one slot for hooks and retained gradients."""
        if self.extra is None:
            self.extra = NodeExtras()
        return self.extra

    @property
    def pre_hooks(self) -> dict[int, Hook] | None:
        return None if self.extra is None else self.extra.pre_hooks

    @property
    def retain(self) -> weakref.ref[Tensor] | None:
        return None if self.extra is None else self.extra.retain

    @property
    def stack(self) -> list[str] | None:
        return None if self.extra is None else self.extra.stack

    @property
    def out_version(self) -> list[int] | None:
        return None if self.extra is None else self.extra.out_version

    def needs_version_check(self) -> bool:
        """True when an in-place write happened since this node was made and it saved something."""
        return self.seq < _last_write and (self.op.saves != () or self.out_version is not None)

    def name(self) -> str:
        """PyTorch-style name such as ``MulBackward0``."""
        return self.op.grad_fn_name

    @property
    def inputs(self) -> tuple[Tensor, ...] | None:
        """The input tensors (their values are what the vjps read); None once released."""
        first = self._in0
        if first is None:
            return None
        if self._rest is not None:
            return self._rest
        second = self._in1
        return (first,) if second is None else (first, second)

    @property
    def next(self) -> tuple[Edge, ...]:
        """Edges to the producers of this node's inputs, as they were when the node was made: the
        input's ``grad_fn``, the input itself for a leaf that requires grad, None for a constant."""
        return self._next

    @property
    def next_functions(self) -> tuple[tuple[Node | Tensor | None, int], ...]:
        """Edges to the producers of this node's inputs, shaped like PyTorch's ``next_functions``."""
        return tuple((edge, 0) for edge in self.next)

    @property
    def released(self) -> bool:
        """True once backward has freed the saved values (without ``retain_graph``)."""
        return self._in0 is None

    def release(self) -> None:
        """Free the saved tensors; the edges stay so the graph can still be drawn."""
        self._in0 = self._in1 = self._rest = None
        self.out_data = None
        if self.op.release_hook is not None:
            self.op.release_hook(self)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


def bump_version(tensor: Tensor) -> None:
    """Count an in-place write to ``tensor`` (its version, and ``_last_write``, read against ``Node.seq``);
    tensors made in inference mode are not versioned."""
    global _last_write
    box = tensor._version_box or tensor._shared_version_box()  # a counter is a non-empty list
    if box is not INFERENCE_VERSION:
        box[0] += 1
        _last_write = next(_clock)

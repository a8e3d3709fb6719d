"""Graph nodes: :class:`Node`, one recorded primitive application (the ``grad_fn`` of its result), and the
clock that orders their making and in-place writes (:func:`bump_version`)."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from types import EllipsisType
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from . import _saved
from ._saved import (
    _VERSION_BITS,
    CLOCK,
    CONSTANT_VERSION,
    pack_versions,
    refuse_inference_tensors,
    watch_list,
    watched_constant,
)

if TYPE_CHECKING:
    from .ops.registry import OpDef
    from .tensor import Tensor

Edge = Union["Node", "Tensor", None]
Hook = Callable[["Tensor"], Union["Tensor", None]]

# Whether inference mode was ever entered: until then no tensor can carry INFERENCE_VERSION, and
# recording a node skips looking for one.
_inference_used = False
_new_object = object.__new__  # looked up once (on ``object`` it is a type attribute lookup)
# The Tensor class, bound by engine.bind_tensor_class (tensor.py imports this module).
_Tensor: Any = None


class NodeExtras:
    """What few nodes carry: hooks, a retained gradient, anomaly mode's stack, the result's version counter."""

    __slots__ = ("pre_hooks", "result_boxes", "retain", "stack")

    def __init__(self) -> None:
        self.pre_hooks: dict[int, Hook] | None = None
        self.retain: weakref.ref[Tensor] | None = None
        self.stack: list[str] | None = None
        # The version counters of the tensors this node produced, by the ``id`` of their array, made when such
        # a tensor first needs one (nothing can write to it before; see ``Node.version_box_for``).  The nodes
        # that saved one hold its array, not the Tensor, and read its version here.
        self.result_boxes: dict[int, list[int]] | None = None


class Node:
    """One recorded primitive application: the ``grad_fn`` of the tensor it produced.

    It holds the arrays of its inputs (the values its vjp reads; PyTorch's saved variables), the edges to
    the nodes or leaves that produced them (captured at creation, so later in-place ops cannot rewire the
    graph), and the forward result's array when the vjp is written in terms of the output.  It holds no
    intermediate Tensor, so an intermediate that the user drops is freed at once, and it never refers to
    its output Tensor, so graphs contain no reference cycles.  ``inputs`` rebuilds the input Tensors.
    """

    __slots__ = (
        "__weakref__",
        "_e0",
        "_e1",
        "_edges",
        "_in0",
        "_in1",
        "_watch",
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
    # The inputs' arrays: the first in ``_in0``; the second in ``_in1``, or there the tuple of all of them for
    # three or more (None for one).  ``_in0`` is None once released.
    _in0: np.ndarray | None
    _in1: np.ndarray | tuple[np.ndarray, ...] | None
    # The edges in slots for one or two inputs (``_e1`` is ``...`` for one), a tuple in ``_edges`` for more:
    # each graph object is one more for the cyclic collector to scan while a long graph is built.
    _e0: Edge
    _e1: Edge | EllipsisType
    _edges: tuple[Edge, ...] | None
    # Saved tensors whose version no edge leads to (constants, tensors that already had a counter when
    # saved): their counter or Tensor, aligned with ``op.saves``; None when there are none (the usual case).
    # Neither this nor ``saved_versions`` is set on a node of an op that saves nothing (``saves=()``).
    _watch: tuple[list[int] | Tensor | None, ...] | None
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
        self.seq = next(CLOCK)
        self.attrs = attrs
        self.out_data = out_data
        self.extra = None
        # The edges are taken now, as the inputs' arrays are: an input that requires grad leads to its
        # ``grad_fn`` (or to itself, a leaf), one that does not to None; later in-place ops and
        # requires_grad changes cannot rewire them.
        arity = len(inputs)
        if arity == 2:
            first, second = inputs
            self._in0 = first.data
            self._in1 = second.data
            self._edges = None
            self._e0 = (first.grad_fn or first) if first._requires_grad else None
            self._e1 = (second.grad_fn or second) if second._requires_grad else None
        elif arity == 1:
            first = inputs[0]
            self._in0 = first.data
            self._in1 = self._edges = None
            self._e0 = (first.grad_fn or first) if first._requires_grad else None
            self._e1 = ...
        elif arity == 3:  # linear, addcmul...: unrolled, like the arities above
            first, second, third = inputs
            self._in0 = first.data
            self._in1 = (self._in0, second.data, third.data)
            self._e0 = self._e1 = None
            self._edges = (
                (first.grad_fn or first) if first._requires_grad else None,
                (second.grad_fn or second) if second._requires_grad else None,
                (third.grad_fn or third) if third._requires_grad else None,
            )
        else:
            self._in0 = inputs[0].data
            self._in1 = tuple([t.data for t in inputs])
            self._e0 = self._e1 = None
            self._edges = tuple([(t.grad_fn or t) if t._requires_grad else None for t in inputs])
        # Versions of the tensors whose values the vjp reads, to refuse them if modified in place,
        # packed into one int (an int is not an object the cyclic collector tracks; a tuple is).
        saves = op.saves
        if saves is None:
            saved = inputs
        elif saves:
            saved = tuple(map(inputs.__getitem__, saves))
        else:  # nothing read, nothing to check: ``saved_versions`` and ``_watch`` stay unset (backward reads neither)
            return self
        self._watch = None
        if _inference_used:
            refuse_inference_tensors(saved)
        if len(saved) == 2:  # a missing counter (None) means version 0
            first, second = saved
            box, other = first._version_box, second._version_box
            self.saved_versions = (box[0] if box else 0) + ((other[0] if other else 0) << _VERSION_BITS)
            # Each version is found again through the edge (an intermediate without a counter yet, whose node
            # links the one it makes; a leaf that requires grad) or needs none (a cached constant); others are
            # watched (see _saved.watch_list, for any number of saved tensors).
            traced = (first._requires_grad and (box is None or first.grad_fn is None)) or box is CONSTANT_VERSION
            if (second._requires_grad and (other is None or second.grad_fn is None)) or other is CONSTANT_VERSION:
                if traced:
                    return self
                self._watch = (box or first, None)
            else:
                self._watch = (None if traced else box or first, other or second)
            return self
        if len(saved) == 1:  # the same for one saved tensor (a unary op that reads its input: exp, a loss)
            (first,) = saved
            box = first._version_box
            self.saved_versions = box[0] if box else 0
            if not ((first._requires_grad and (box is None or first.grad_fn is None)) or box is CONSTANT_VERSION):
                self._watch = (box or first,)
            return self
        self.saved_versions = pack_versions(saved)
        self._watch = watch_list(saved)
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

    def needs_version_check(self) -> bool:
        """True when an in-place write happened since this node was made and it saved something."""
        return self.seq < _saved.last_write and (self.op.saves != () or self.op.uses_out)

    def name(self) -> str:
        """PyTorch-style name such as ``MulBackward0``."""
        return self.op.grad_fn_name

    def saved_arrays(self) -> tuple[np.ndarray, ...] | None:
        """The inputs' arrays (what the vjps read); None once released."""
        first = self._in0
        if first is None:
            return None
        second = self._in1
        if type(second) is tuple:
            return second
        return (first,) if second is None else (first, second)  # type: ignore[return-value]

    @property
    def inputs(self) -> tuple[Tensor, ...] | None:
        """The input tensors, rebuilt from the saved arrays (PyTorch's unpacked saved variables); None once
        released.  A leaf that requires grad comes back itself, a constant as saved when the node kept it,
        an intermediate as a new Tensor on the same array with the same ``grad_fn`` (and version counter)."""
        arrays = self.saved_arrays()
        if arrays is None:
            return None
        rebuilt: list[Any] = []
        for index, (array, edge) in enumerate(zip(arrays, self.next)):
            if type(edge) is Node:
                rebuilt.append(edge.result_tensor(array))
            elif edge is not None:
                rebuilt.append(edge)  # a leaf that requires grad
            else:
                watched = watched_constant(self, index)
                rebuilt.append(watched if watched is not None else _Tensor._make(array, None))
        return tuple(rebuilt)

    def result_box_for(self, array: np.ndarray) -> list[int] | None:
        """The version counter of this node's result held in ``array``, if one was made (see NodeExtras)."""
        boxes = None if self.extra is None else self.extra.result_boxes
        return None if boxes is None else boxes.get(id(array))

    def result_tensor(self, array: np.ndarray) -> Tensor:
        """A Tensor of this node's result held in ``array``, sharing its version counter if it has one."""
        tensor: Tensor = _Tensor._make(array, self)
        tensor._version_box = self.result_box_for(array)
        return tensor

    def version_box_for(self, array: np.ndarray) -> list[int]:
        """That counter, made now if there is none: every Tensor of this node on ``array`` (the result itself,
        one rebuilt by ``inputs``) shares it, while a snapshot of the result (other storage) has its own."""
        extras = self.extras()
        if extras.result_boxes is None:
            extras.result_boxes = {}
        # The key is an array that is alive (the caller holds it), so no other live array has its id;
        # a node is linked to its result's counter only when that tensor is written, viewed or detached.
        return extras.result_boxes.setdefault(id(array), [0])

    @property
    def next(self) -> tuple[Edge, ...]:
        """Edges to the producers of this node's inputs, as they were when the node was made: the
        input's ``grad_fn``, the input itself for a leaf that requires grad, None for a constant."""
        if self._edges is not None:
            return self._edges
        second = self._e1
        return (self._e0,) if second is ... else (self._e0, second)

    @property
    def next_functions(self) -> tuple[tuple[Node | Tensor | None, int], ...]:
        """Edges to the producers of this node's inputs, shaped like PyTorch's ``next_functions``."""
        return tuple((edge, 0) for edge in self.next)

    @property
    def released(self) -> bool:
        """True once backward has freed the saved values (without ``retain_graph``)."""
        return self._in0 is None

    def release(self) -> None:
        """Free the saved values; the edges stay so the graph can still be drawn."""
        self._in0 = self._in1 = self._watch = None
        self.out_data = None
        if self.op.release_hook is not None:
            self.op.release_hook(self)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"

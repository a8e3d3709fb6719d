"""Custom differentiable operations in PyTorch's style: subclass ``Function``.

>>> class Cube(Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x ** 3
...     @staticmethod
...     def backward(ctx, grad):
...         (x,) = ctx.saved_tensors
...         return grad * 3 * x ** 2
>>> y = Cube.apply(x)

``forward`` runs without recording; the result gets one graph node (``CubeBackward``) whose vjp
calls ``backward``.  Written with Tensor ops, ``backward`` is itself differentiable, so custom ops
work with ``create_graph``, gradcheck (which can name them when wrong) and graph drawings.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import engine
from ._saved import FREED_MESSAGE
from .grad_mode import no_grad
from .ops.registry import OpDef
from .tensor import Tensor


class FunctionCtx:
    """The ``ctx`` passed to ``forward`` and ``backward``: saved tensors and flags."""

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple[Any, ...] = ()
        self._saved_versions: tuple[int, ...] = ()
        self._non_differentiable: set[int] = set()
        # Weak: the node holds this ctx, and a strong reference back would form a cycle.
        self._node: weakref.ref[engine.Node] | None = None
        self._outputs: tuple[Tensor, ...] = ()
        self._packed: np.ndarray | None = None
        self._layout: list[Any] = []
        self._freed = False

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for ``backward``; modifying them in place afterwards is refused there."""
        self._saved = tensors
        self._saved_versions = tuple(t._version if isinstance(t, Tensor) else 0 for t in tensors)

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Outputs (such as indices) that receive no gradient."""
        self._non_differentiable.update(id(t) for t in outputs)

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        for tensor, expected in zip(self._saved, self._saved_versions):
            if isinstance(tensor, Tensor) and tensor._version != expected:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{tensor.dtype} tensor of shape {list(tensor.shape)}] is at version "
                    f"{tensor._version}; expected version {expected} instead."
                )
        return tuple(self._as_graph_output(t) for t in self._saved)

    def _as_graph_output(self, tensor: Any) -> Any:
        """A saved output comes back attached to this node, so its own gradient flows (create_graph)."""
        node = self._node() if self._node is not None else None
        if node is None or not isinstance(tensor, Tensor) or self._packed is None:
            return tensor
        for index, output in enumerate(self._outputs):
            if tensor is output:
                joined = Tensor._make(self._packed, node)
                if len(self._outputs) == 1:
                    return joined
                start, shape = [entry for entry in self._layout if entry is not None][index]
                return joined[start : start + int(np.prod(shape))].reshape(shape)
        return tensor

    def _release(self) -> None:
        self._saved = ()
        self._packed = None
        self._freed = True


class _FunctionOp(OpDef):
    """The graph node type of one Function subclass."""

    __slots__ = ("function",)

    def __init__(self, function: type[Function]) -> None:
        super().__init__(
            function.__name__,
            _no_forward,
            (),
            _no_forward,
            False,
            f"{function.__name__}Backward",
            None,
            saves=(),  # the ctx checks the versions of what it saved
            array_vjps=False,  # the user's backward is written for Tensors
        )
        self.function = function
        self.release_hook = _release_ctx

    def backward(self, node: engine.Node, grad: Tensor, mask: Sequence[Any]) -> list[Tensor | None]:
        ctx: FunctionCtx = node.attrs["ctx"]
        layout: list[tuple[int, tuple[int, ...]] | None] = node.attrs["layout"]
        grads = _unpack(grad, layout)
        result = self.function.backward(ctx, *grads)
        result = result if isinstance(result, tuple) else (result,)
        positions: list[int] = node.attrs["tensor_positions"]
        n_args: int = node.attrs["n_args"]
        if len(result) != n_args:
            raise RuntimeError(
                f"function {self.grad_fn_name} returned an incorrect number of gradients (expected {n_args}, "
                f"got {len(result)})"
            )
        assert node.inputs is not None
        conformed: list[Tensor | None] = []
        for index, (position, tensor, wanted) in enumerate(zip(positions, node.inputs, mask)):
            value = result[position]
            if value is None or wanted is None:
                conformed.append(None)
            else:
                conformed.append(self._conform(index, tensor, value))
        return conformed

    def replay(self, inputs: tuple[Tensor, ...], attrs: dict[str, Any]) -> Tensor:
        """Apply the Function again to new tensors (gradcheck's op-by-op localisation)."""
        args = list(attrs["args"])
        for position, tensor in zip(attrs["tensor_positions"], inputs):
            args[position] = tensor
        outputs = self.function.apply(*args)
        if isinstance(outputs, tuple):
            return _pack_for_replay(outputs)
        result: Tensor = outputs
        return result


def _release_ctx(node: engine.Node) -> None:
    node.attrs["ctx"]._release()


def _no_forward(*_: Any, **__: Any) -> Any:
    raise RuntimeError("a custom Function runs through Function.apply, not the op table")


def _unpack(grad: Tensor, layout: list[tuple[int, tuple[int, ...]] | None]) -> list[Tensor | None]:
    """Split the packed gradient back into one gradient per output (None for non-differentiable ones)."""
    if sum(entry is not None for entry in layout) == 1:
        return [grad if entry is not None else None for entry in layout]
    grads: list[Tensor | None] = []
    for entry in layout:
        if entry is None:
            grads.append(None)
        else:
            start, shape = entry
            size = int(np.prod(shape))
            grads.append(grad[start : start + size].reshape(shape))
    return grads


def _pack_for_replay(outputs: tuple[Any, ...]) -> Tensor:
    from .ops.shape import cat

    return cat([o.reshape(-1) for o in outputs if isinstance(o, Tensor) and o.is_floating_point()])


class Function:
    """Base class for custom ops: define static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``."""

    _op: _FunctionOp | None = None

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @classmethod
    def _op_for_class(cls) -> _FunctionOp:
        if cls.__dict__.get("_op") is None:
            cls._op = _FunctionOp(cls)
        op = cls.__dict__["_op"]
        assert isinstance(op, _FunctionOp)
        return op

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run ``forward`` and, when any tensor argument requires grad, record one node for ``backward``."""
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = tuple(args[i] for i in positions)
        ctx = FunctionCtx(tuple(isinstance(a, Tensor) and a.requires_grad for a in args))
        with no_grad():
            raw = cls.forward(ctx, *args)
        outputs = raw if isinstance(raw, tuple) else (raw,)
        differentiable = [
            isinstance(o, Tensor) and o.is_floating_point() and id(o) not in ctx._non_differentiable for o in outputs
        ]
        recording = engine._grad_enabled and any(t.requires_grad for t in tensors) and any(differentiable)
        if not recording:
            return raw
        chosen = [o for o, d in zip(outputs, differentiable) if d]
        packed, layout = _pack(outputs, differentiable)
        template = [None if isinstance(a, Tensor) else a for a in args]
        attrs = {"ctx": ctx, "layout": layout, "tensor_positions": positions, "n_args": len(args), "args": template}
        node = engine.Node.make(cls._op_for_class(), tensors, attrs, None)
        if engine._anomaly_enabled:
            engine.record_forward_stack(node)
        ctx._node = weakref.ref(node)
        ctx._outputs = tuple(chosen)
        ctx._packed, ctx._layout = packed, layout
        joined = Tensor._make(packed, node)
        results = list(outputs)
        if len(chosen) == 1:
            results[differentiable.index(True)] = joined
        else:
            for index, entry in enumerate(layout):
                if entry is not None:
                    start, shape = entry
                    results[index] = joined[start : start + int(np.prod(shape))].reshape(shape)
        return tuple(results) if isinstance(raw, tuple) else results[0]


def _pack(outputs: tuple[Any, ...], differentiable: list[bool]) -> tuple[np.ndarray, list[Any]]:
    """One array holding every differentiable output (the node's single output), and where each lies."""
    chosen = [o for o, d in zip(outputs, differentiable) if d]
    if len(chosen) == 1:
        return chosen[0].data, [(0, chosen[0].shape) if d else None for d in differentiable]
    dtype = np.result_type(*[o.data for o in chosen])
    layout: list[Any] = []
    start = 0
    for output, is_differentiable in zip(outputs, differentiable):
        if is_differentiable:
            layout.append((start, output.shape))
            start += output.data.size
        else:
            layout.append(None)
    packed = np.concatenate([o.data.reshape(-1).astype(dtype, copy=False) for o in chosen])
    return packed, layout

"""The Tensor: an ndarray with autograd bookkeeping, PyTorch's spellings and operator overloading."""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from . import dtypes, engine
from ._tensor_methods import TensorMethods
from ._tensor_operators import TensorOperators
from ._tensor_repr import tensor_repr
from .node import _new_object

_hook_ids = itertools.count()


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    __slots__ = ("_hooks_ref", "id")

    def __init__(self, hooks: dict[int, Any]) -> None:
        self._hooks_ref = weakref.ref(_HookDict.wrap(hooks))
        self.id = next(_hook_ids)

    def remove(self) -> None:
        hooks = self._hooks_ref()
        if hooks is not None:
            hooks.pop(self.id, None)


class _HookDict(dict):
    """A dict that can be weakly referenced (plain dicts cannot)."""

    @staticmethod
    def wrap(hooks: dict[int, Any]) -> _HookDict:
        assert isinstance(hooks, _HookDict)
        return hooks


class Tensor(TensorOperators, TensorMethods):
    """A multi-dimensional array that records operations for automatic differentiation.

    ``Tensor(data, requires_grad=False, dtype=None)``: ``data`` may be a number, a (nested)
    list, a NumPy array or a Tensor.  Python floats default to float32, as in PyTorch; a NumPy
    array keeps its dtype.  Only floating tensors may require grad.
    """

    __slots__ = ("__weakref__", "_hooks", "_requires_grad", "_version_box", "data", "grad", "grad_fn")
    __array_priority__ = 1000  # so ``ndarray + Tensor`` defers to Tensor.__radd__

    data: np.ndarray
    grad: Tensor | None
    grad_fn: engine.Node | None
    _requires_grad: bool
    # The in-place write counter, shared by views: None until first needed (version 0), so that
    # most tensors never allocate one.
    _version_box: list[int] | None
    _hooks: dict[int, Callable[[Tensor], Tensor | None]] | None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        self.data = dtypes.to_array(data, dtypes.resolve_dtype(dtype))
        self.grad = None
        self.grad_fn = None
        self._requires_grad = False
        self._version_box = None
        self._hooks = None
        if requires_grad:
            self._check_can_require_grad()
            self._requires_grad = True  # a new tensor: no node can have seen it yet, nothing to record

    @classmethod
    def _make(cls, data: np.ndarray, grad_fn: engine.Node | None) -> Tensor:
        """Wrap an op result without copying or converting (the hot path)."""
        tensor = _new_object(cls)
        tensor.data = data
        tensor.grad = None
        tensor.grad_fn = grad_fn
        tensor._requires_grad = grad_fn is not None
        tensor._version_box = None
        tensor._hooks = None
        return tensor

    def _shared_version_box(self) -> list[int]:
        """This tensor's version counter, made now if it has none (to be bumped, or shared with a view
        or a detached alias).  An intermediate's comes from the node that made it: the nodes that saved the
        tensor hold its array, not the Tensor, and read its version there (``Node.version_box_for``)."""
        if self._version_box is None:
            node = self.grad_fn
            self._version_box = [0] if node is None else node.version_box_for(self.data)
        return self._version_box

    # ----------------------------------------------------------------------------- properties
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            if value:
                return
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if value:
            self._check_can_require_grad()
        self._requires_grad = bool(value)

    def _check_can_require_grad(self) -> None:
        if not dtypes.is_floating(self.data.dtype):
            raise RuntimeError(
                f"Only Tensors of floating point and complex dtype can require gradients (got dtype {self.data.dtype})"
            )

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return self.grad_fn is None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype

    @property
    def _version(self) -> int:
        """How many in-place operations have modified this tensor."""
        box = self._version_box
        return 0 if box is None else box[0]

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn.retain is not None

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the length of dimension ``dim``."""
        if dim is None:
            return self.data.shape
        return self.data.shape[self._dim(dim)]

    def dim(self) -> int:
        return self.data.ndim

    def numel(self) -> int:
        return int(self.data.size)

    def element_size(self) -> int:
        return int(self.data.itemsize)

    def is_floating_point(self) -> bool:
        return dtypes.is_floating(self.data.dtype)

    def _dim(self, dim: int) -> int:
        """Normalise a possibly negative dimension, with PyTorch's IndexError when out of range."""
        ndim = max(self.data.ndim, 1)
        if not -ndim <= dim < ndim:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})"
            )
        return dim % ndim

    # ----------------------------------------------------------------------------- conversion
    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied); refused when the tensor requires grad."""
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self.data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        array = self.data if dtype is None else self.data.astype(dtype)
        return array.copy() if copy else array

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise RuntimeError(f"a Tensor with {self.data.size} elements cannot be converted to Scalar")
        return self.data.reshape(()).item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.data.size} values is ambiguous")
        return bool(self.data.reshape(()).item())

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return int(self.data.shape[0])

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __repr__(self) -> str:
        return tensor_repr(self)

    __hash__ = object.__hash__

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, cut from the graph."""
        out = Tensor._make(self.data, None)
        out._version_box = self._shared_version_box()
        return out

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place (it becomes a leaf that does not require grad)."""
        self._shared_version_box()  # linked to its node first: nodes that saved it still see later writes
        self.grad_fn = None  # nodes made from this tensor keep their edge to its old grad_fn
        self._requires_grad = False
        return self

    def clone(self) -> Tensor:
        """A differentiable copy with its own storage."""
        from .ops.elementwise import clone

        return clone(self)

    # ----------------------------------------------------------------------------- autograd
    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Sequence[Tensor] | Tensor | None = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad."""
        _autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn.extras().retain = weakref.ref(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a replacement."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            extras = self.grad_fn.extras()
            if extras.pre_hooks is None:
                extras.pre_hooks = _HookDict()
            hooks = extras.pre_hooks
        else:
            if self._hooks is None:
                self._hooks = _HookDict()
            hooks = self._hooks
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle


engine.bind_tensor_class(Tensor)

# Imported once Tensor exists (autograd.py imports it): a function-level import would cost ~1 us per backward.
from . import autograd as _autograd  # noqa: E402

"""In-place operations: ``add_``, ``mul_``, ``x[i] = v``, ...

An in-place op computes its out-of-place result and writes it into the tensor's storage,
bumping the version counter.  When grad mode is on, the result is computed from a snapshot
of the old values, so the recorded node never reads memory that the write then changes;
the tensor's ``grad_fn`` becomes the new node (PyTorch's "rebase history").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import engine
from .._convert import as_tensor
from ..engine import bump_version
from ..tensor import Tensor
from .broadcast import broadcast_to
from .elementwise import where
from .indexing import index_scatter, resolve_index
from .registry import shape_text


def inplace_check(tensor: Tensor, name: str) -> None:
    """Refuse in-place writes that would make gradients wrong, with PyTorch's messages."""
    if engine._grad_enabled and tensor._requires_grad:
        if tensor.grad_fn is None:
            raise RuntimeError(f"a leaf Variable that requires grad is being used in an in-place operation. ({name})")
        box = tensor._version_box
        if tensor.grad_fn.op.is_view and box is not None and _shares_base(tensor):
            # PyTorch rewrites the base's history here (CopySlices); this engine refuses rather
            # than let the base's gradient silently ignore the write.
            raise RuntimeError(
                f"{name}: in-place modification of a view of a tensor that requires grad is not supported; "
                "write into the base tensor itself (e.g. base[index] = value) or clone() the view first."
            )
    if not tensor.data.flags.writeable:
        raise RuntimeError(
            f"{name}: unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )


def _shares_base(tensor: Tensor) -> bool:
    """Whether a view still shares the storage of the tensor it was taken from (as its version counter
    does, see ``share_version``), while the view's node holds that tensor's array."""
    node = tensor.grad_fn
    arrays = None if node is None else node.saved_arrays()
    return arrays is not None and bool(np.may_share_memory(tensor.data, arrays[0]))


def inplace(tensor: Tensor, name: str, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """Replace ``tensor``'s values by ``compute(tensor)`` in place; returns ``tensor``."""
    inplace_check(tensor, name)
    result = compute(_snapshot(tensor) if engine._grad_enabled else tensor)
    _write(tensor, result, name)
    return tensor


def _snapshot(tensor: Tensor) -> Tensor:
    """The tensor's current values and history, in storage the coming write will not touch."""
    snapshot = Tensor._make(tensor.data.copy(), tensor.grad_fn)
    snapshot._requires_grad = tensor._requires_grad
    return snapshot


def _mismatch(name: str, shape: tuple[int, ...], other: tuple[int, ...]) -> RuntimeError:
    try:
        broadcast = np.broadcast_shapes(shape, other)
    except ValueError:
        broadcast = other
    return RuntimeError(
        f"{name}: output with shape {shape_text(shape)} doesn't match the broadcast shape {shape_text(broadcast)}"
    )


def inplace_ufunc(
    tensor: Tensor, name: str, ufunc: Callable[..., Any], other: Any, record: Callable[[Tensor, Any], Tensor]
) -> Tensor:
    """``tensor = ufunc(tensor, other)`` in place, recorded as ``record(tensor, other)`` when an operand
    requires grad.  With nothing to record (no_grad: every optimizer update) NumPy writes straight into
    the storage with one call and no temporary array; the checks run only to word an error."""
    if isinstance(other, Tensor):
        if engine._grad_enabled and (tensor._requires_grad or other._requires_grad):
            return inplace(tensor, name, lambda t: record(t, other))
        operand = other.data
    elif engine._grad_enabled and tensor._requires_grad:
        return inplace(tensor, name, lambda t: record(t, other))
    else:
        operand = other
    data = tensor.data
    try:
        # ``out`` positionally (parsed faster than the keyword) with the default "same_kind" casting:
        # NumPy checks the shapes, the cast and that ``data`` is writeable before it writes anything.
        ufunc(data, operand, data)
    except ValueError:
        inplace_check(tensor, name)  # a read-only or self-overlapping storage has its own message
        raise _mismatch(name, tensor.shape, np.shape(operand)) from None
    except TypeError as error:
        raise _cast_error(name, ufunc, data, operand, error) from None
    bump_version(tensor)
    return tensor


def _cast_error(name: str, ufunc: Callable[..., Any], data: np.ndarray, operand: Any, error: TypeError) -> RuntimeError:
    """PyTorch's words for a result ``data`` cannot hold, naming the dtype ``ufunc(data, operand)`` produces
    (true division of integers gives floats, which ``np.result_type`` of the operands does not say): the
    ufunc run on empty arrays of their dtypes, a Python number passed as it is, since NumPy types those by
    value.  An op with no loop for these dtypes at all (bool subtract) is reported in NumPy's words."""
    if not isinstance(operand, (bool, int, float, complex)):
        operand = np.asarray(operand).ravel()[:0]
    try:
        produced = ufunc(data.ravel()[:0], operand).dtype
    except TypeError:
        return RuntimeError(f"{name}: {error}")
    return RuntimeError(f"{name}: result type {produced} can't be cast to the desired output type {data.dtype}")


def _write(tensor: Tensor, result: Tensor, name: str) -> None:
    tensor._shared_version_box()  # before the history is rewired, so the node that made it sees the write
    if result.shape != tensor.shape:
        raise _mismatch(name, tensor.shape, result.shape)
    if not np.can_cast(result.data.dtype, tensor.data.dtype, casting="same_kind"):
        raise RuntimeError(
            f"{name}: result type {result.data.dtype} can't be cast to the desired output type {tensor.data.dtype}"
        )
    np.copyto(tensor.data, result.data, casting="same_kind")
    if result.grad_fn is not None:  # nodes made before keep their edge to the old grad_fn
        tensor.grad_fn = result.grad_fn
        tensor._requires_grad = True
    bump_version(tensor)


def setitem_(tensor: Tensor, index: Any, value: Any) -> None:
    """``tensor[index] = value``: differentiable with respect to both when grad mode is on."""
    inplace_check(tensor, "setitem")
    key = resolve_index(index, tensor.shape)
    source = as_tensor(value, tensor)
    try:
        selected_shape = tensor.data[key].shape
        np.broadcast_shapes(source.shape, selected_shape)
    except (IndexError, ValueError) as error:
        kind = IndexError if isinstance(error, IndexError) else RuntimeError
        raise kind(
            f"setitem: cannot assign a value of shape {shape_text(source.shape)} to index {index!r} of a tensor "
            f"of shape {shape_text(tensor.shape)}: {error}"
        ) from None
    if not engine._grad_enabled or not (tensor._requires_grad or source._requires_grad):
        tensor.data[key] = source.data
        bump_version(tensor)
        return
    snapshot = _snapshot(tensor)
    mask = np.zeros(tensor.shape, dtype=bool)
    mask[key] = True
    placed = index_scatter(broadcast_to(source.to(tensor.dtype), selected_shape), tensor.shape, key)
    _write(tensor, where(mask, placed, snapshot), "setitem")

"""Shape primitives (reshape, permute, flip, concat, pad) and the view-like functions built on them.

Each primitive's vjp is its inverse rearrangement: reshape back, permute by the inverse
permutation, flip again, slice the pieces out of a concatenation or the padding off.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._convert import as_tensor
from ..tensor import Tensor
from .broadcast import broadcast_to
from .registry import OpDef, call, defop, shape_text


def _reshape_error(inputs: Sequence[Tensor], attrs: dict[str, Any], error: Exception) -> Exception:
    return RuntimeError(f"shape '{shape_text(attrs['shape'])}' is invalid for input of size {inputs[0].data.size}")


def _concat_vjp(g: Tensor, out: Tensor, *inputs: Tensor, axis: int) -> list[Tensor]:
    grads = []
    start = 0
    for tensor in inputs:
        stop = start + tensor.shape[axis]
        index = (slice(None),) * axis + (slice(start, stop),)
        grads.append(g[index])
        start = stop
    return grads


def _concat_error(inputs: Sequence[Tensor], attrs: dict[str, Any], error: Exception) -> Exception:
    shapes = ", ".join(shape_text(t.shape) for t in inputs)
    return RuntimeError(f"cat(): Sizes of tensors must match except in dimension {attrs['axis']} (got shapes {shapes})")


def _unpad_index(x: Tensor, widths: tuple[tuple[int, int], ...]) -> tuple[slice, ...]:
    return tuple(slice(before, before + n) for (before, _), n in zip(widths, x.shape))


# ------------------------------------------------------------------- the derivative table
RESHAPE = defop(
    "reshape",
    lambda x, *, shape: np.reshape(x, shape),
    lambda g, out, x, *, shape: g.reshape(x.shape),
    grad_fn_name="ViewBackward0",
    error_builder=_reshape_error,
    saves=(),
    is_view=True,
)
PERMUTE: OpDef = defop(
    "permute",
    lambda x, *, axes: np.transpose(x, axes),
    lambda g, out, x, *, axes: call(PERMUTE, g, axes=tuple(int(a) for a in np.argsort(axes))),
    saves=(),
    is_view=True,
)
FLIP: OpDef = defop(
    "flip",
    lambda x, *, axes: np.flip(x, axes),
    lambda g, out, x, *, axes: call(FLIP, g, axes=axes),
    saves=(),
    is_view=True,
)
CONCAT = defop(
    "concat",
    lambda *xs, axis: np.concatenate(xs, axis=axis),
    vjp_all=_concat_vjp,
    grad_fn_name="CatBackward0",
    error_builder=_concat_error,
    saves=(),
)
PAD = defop(
    "pad",
    lambda x, *, widths, value: np.pad(x, widths, constant_values=value),
    lambda g, out, x, *, widths, value: g[_unpad_index(x, widths)],
    grad_fn_name="ConstantPadNdBackward0",
    saves=(),
)


# ------------------------------------------------------------------- public functions
def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` as PyTorch does."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(n) for n in shape)


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape; one dimension may be -1."""
    target = _shape_arg(shape)
    if target == input.shape:
        return input
    if target.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    return call(RESHAPE, input, shape=target)


view = reshape


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one."""
    if input.ndim == 0:
        return input.reshape(1)
    start, end = input._dim(start_dim), input._dim(end_dim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input.shape[:start] + (math.prod(input.shape[start : end + 1]),) + input.shape[end + 1 :]
    return input.reshape(shape)


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dimension ``dim`` into ``sizes``."""
    d = input._dim(dim)
    return input.reshape(input.shape[:d] + tuple(sizes) + input.shape[d + 1 :])


def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """Remove dimensions of size 1 (all of them, or those in ``dim``)."""
    if dim is None:
        return input.reshape(tuple(n for n in input.shape if n != 1))
    dims = {input._dim(d) for d in ((dim,) if isinstance(dim, int) else dim)}
    return input.reshape(tuple(n for i, n in enumerate(input.shape) if not (i in dims and n == 1)))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim``."""
    ndim = input.ndim + 1
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")
    d = dim % ndim
    return input.reshape(input.shape[:d] + (1,) + input.shape[d:])


def permute(input: Tensor, *dims: Any) -> Tensor:
    """Reorder dimensions."""
    order = _shape_arg(dims)
    if len(order) != input.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {input.ndim} is not equal to len(dims) = {len(order)}"
        )
    axes = tuple(input._dim(d) for d in order)
    if len(set(axes)) != len(axes):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    if axes == tuple(range(input.ndim)):
        return input
    return call(PERMUTE, input, axes=axes)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    if input.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return input
    axes = list(range(input.ndim))
    a, b = input._dim(dim0), input._dim(dim1)
    axes[a], axes[b] = axes[b], axes[a]
    return permute(input, tuple(axes))


swapaxes = transpose


def movedim(input: Tensor, source: int, destination: int) -> Tensor:
    """Move dimension ``source`` to position ``destination``."""
    order = list(range(input.ndim))
    order.insert(input._dim(destination), order.pop(input._dim(source)))
    return permute(input, tuple(order))


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """Broadcast to ``sizes`` without copying; -1 keeps a dimension."""
    target = list(_shape_arg(sizes))
    offset = len(target) - input.ndim
    if offset < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(target)}) must be greater or equal to the number "
            f"of dimensions in the tensor ({input.ndim})"
        )
    for i, n in enumerate(input.shape):
        if target[i + offset] == -1:
            target[i + offset] = n
        elif n != 1 and n != target[i + offset]:
            raise RuntimeError(
                f"The expanded size of the tensor ({target[i + offset]}) must match the existing size ({n}) at "
                f"non-singleton dimension {i + offset}.  Target sizes: {shape_text(target)}.  "
                f"Tensor sizes: {shape_text(input.shape)}"
            )
    return broadcast_to(input, tuple(target))


def repeat(input: Tensor, *repeats: Any) -> Tensor:
    """Tile the tensor ``repeats[i]`` times along each dimension (as ``torch.Tensor.repeat``)."""
    counts = _shape_arg(repeats)
    if len(counts) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    shape = (1,) * (len(counts) - input.ndim) + input.shape
    interleaved: list[int] = []
    for n in shape:
        interleaved += [1, n]
    tiled: list[int] = []
    for count, n in zip(counts, shape):
        tiled += [count, n]
    grown = broadcast_to(input.reshape(tuple(interleaved)), tuple(tiled))
    return grown.reshape(tuple(c * n for c, n in zip(counts, shape)))


def flip(input: Tensor, dims: Any) -> Tensor:
    """Reverse the order of elements along ``dims``."""
    axes = tuple(input._dim(d) for d in ((dims,) if isinstance(dims, int) else dims))
    return call(FLIP, input, axes=axes)


def cat(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """Concatenate along an existing dimension."""
    if len(tensors) == 0:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    items = [as_tensor(t) for t in tensors]
    ndim = items[0].ndim
    if ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    for position, item in enumerate(items):
        if item.ndim != ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {ndim} and {item.ndim} (at position {position})"
            )
    if len(items) == 1:
        return items[0]
    return call(CONCAT, *items, axis=items[0]._dim(dim))


concat = concatenate = cat


def stack(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """Join along a new dimension; all tensors must have the same shape."""
    if len(tensors) == 0:
        raise RuntimeError("stack expects a non-empty TensorList")
    items = [as_tensor(t) for t in tensors]
    for position, item in enumerate(items):
        if item.shape != items[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {shape_text(items[0].shape)} at entry 0 "
                f"and {shape_text(item.shape)} at entry {position}"
            )
    return cat([t.unsqueeze(dim) for t in items], dim)


def split(input: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of equal size (the last may be smaller) or of the listed sizes."""
    d = input._dim(dim)
    length = input.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        sizes = [min(size, length - start) for start in range(0, length, size)] or [0]
    else:
        sizes = [int(n) for n in split_size_or_sections]
        if sum(sizes) != length:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's size at "
                f"dimension {d}), but got split_sizes={sizes}"
            )
    starts = itertools.accumulate(sizes, initial=0)
    return tuple(input[(slice(None),) * d + (slice(start, start + size),)] for start, size in zip(starts, sizes))


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` pieces of size ceil(n / chunks) (fewer when n is small)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    length = input.shape[input._dim(dim)]
    return split(input, max(1, -(-length // chunks)), dim)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Constant padding; ``pad`` lists (before, after) pairs starting from the LAST dimension."""
    if mode != "constant":
        raise NotImplementedError(f"pad(): only mode='constant' is supported, got {mode!r}")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise RuntimeError(
            f"Padding length must be divisible by 2 and at most twice the number of dimensions "
            f"(got {len(pad)} for a {input.ndim}-d input)"
        )
    if any(int(p) < 0 for p in pad):
        raise NotImplementedError("pad(): negative padding (cropping) is not supported")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return call(PAD, input, widths=tuple(widths), value=value)

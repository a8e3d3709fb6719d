"""Indexing: ``x[index]`` and its adjoint, which scatters (adds) the gradient back into place.

Repeated integer indices must accumulate, so advanced indices scatter with ``np.add.at``;
basic indices (ints, slices, None, Ellipsis) select disjoint elements and assign directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from .registry import call, defop, shape_text

Index = Any


def _component(item: Any) -> Any:
    if isinstance(item, Tensor):
        return item.data
    if isinstance(item, (list, tuple)):
        array = np.asarray([i.item() if isinstance(i, Tensor) else i for i in item])
        if array.size == 0:
            array = array.astype(np.int64)
        return array
    return item


def normalize_index(index: Index) -> tuple[Any, ...]:
    """Tensors become arrays and lists become integer or boolean arrays, as NumPy and PyTorch read them."""
    if not isinstance(index, tuple):
        index = (index,)
    normalized = tuple(_component(item) for item in index)
    for item in normalized:
        if isinstance(item, np.ndarray) and item.dtype.kind not in "iub":
            raise IndexError(
                f"tensors used as indices must be long, int, byte or bool tensors (got an index of dtype {item.dtype})"
            )
        if isinstance(item, float):
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {type(item).__name__})"
            )
    return normalized


def _is_advanced(index: tuple[Any, ...]) -> bool:
    return any(isinstance(item, np.ndarray) and item.ndim > 0 for item in index)


def _scatter_forward(g: np.ndarray, *, shape: tuple[int, ...], index: tuple[Any, ...]) -> np.ndarray:
    result = np.zeros(shape, dtype=g.dtype)
    if _is_advanced(index):
        np.add.at(result, index, g)
    else:
        result[index] = g
    return result


def _index_error(inputs: Sequence[Tensor], attrs: dict[str, Any], error: Exception) -> Exception:
    message = str(error).replace(" axis ", " dimension ")
    return IndexError(f"{message} (indexing a tensor of shape {shape_text(inputs[0].shape)})")


# ------------------------------------------------------------------- the derivative table
INDEX_SCATTER = defop(
    "index_scatter",
    _scatter_forward,
    lambda g, out, x, *, shape, index: g[index],
    grad_fn_name="IndexPutBackward0",
    saves=(),
)
GETITEM = defop(
    "getitem",
    lambda x, *, index: x[index],
    lambda g, out, x, *, index: call(INDEX_SCATTER, g, shape=tuple(x.shape), index=index),  # index: normalized
    grad_fn_name="IndexBackward0",
    error_builder=_index_error,
    saves=(),
    is_view=True,
)


# ------------------------------------------------------------------- public functions
def _split_integers(index: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
    """PyTorch applies integer indices before advanced ones; NumPy counts them as advanced indices.

    The two differ when that moves the advanced dimensions: for x of shape (2, 3, 4), ``x[0, :, [0, 1]]``
    is (3, 2) in PyTorch but (2, 3) in NumPy.  Such an index is split into its integers (a basic index,
    applied first) and the rest, so the result follows PyTorch.  None when there is nothing to split.
    """
    if not _is_advanced(index) or not any(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in index):
        return None
    first: list[Any] = []
    rest: list[Any] = []
    for item in index:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            first.append(item)
        elif item is None:
            first.append(None)
            rest.append(slice(None))
        elif item is Ellipsis:
            first.append(Ellipsis)
            rest.append(Ellipsis)
        else:
            consumed = item.ndim if isinstance(item, np.ndarray) and item.dtype == np.bool_ else 1
            first.extend([slice(None)] * consumed)
            rest.append(item)
    return tuple(first), tuple(rest)


# A basic index (ints, slices, None, ...) means the same in NumPy and PyTorch and needs no normalizing.
_BASIC_INDEX_TYPES = (int, slice, type(None), type(Ellipsis))


def getitem(input: Tensor, index: Index) -> Tensor:
    """``input[index]`` with PyTorch semantics: ints, slices, None, ..., masks, int arrays."""
    basic = index if type(index) is tuple else (index,)
    if all(type(item) in _BASIC_INDEX_TYPES for item in basic):  # ``type``: bool is an int but a mask
        return call(GETITEM, input, index=basic)
    normalized = normalize_index(index)
    split = _split_integers(normalized)
    if split is not None:
        return call(GETITEM, call(GETITEM, input, index=split[0]), index=split[1])
    return call(GETITEM, input, index=normalized)


def resolve_index(index: Index, shape: Sequence[int]) -> tuple[Any, ...]:
    """``index`` as a NumPy index with PyTorch's meaning for ``shape`` (for writes: ``x[index] = v``).

    Only an index that mixes integers with advanced indices needs translating (see
    :func:`_split_integers`); it becomes integer arrays naming every selected position.
    """
    normalized = normalize_index(index)
    split = _split_integers(normalized)
    if split is None:
        return normalized
    positions = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(tuple(shape))[split[0]][split[1]]
    return tuple(np.unravel_index(positions, tuple(shape)))


def index_scatter(grad: Tensor, shape: Sequence[int], index: Index) -> Tensor:
    """A zero tensor of ``shape`` with ``grad`` added at ``index`` (repeats accumulate)."""
    return call(INDEX_SCATTER, grad, shape=tuple(shape), index=normalize_index(index))


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` for dim 0 (and likewise for any dim), as torch.gather."""
    d = input._dim(dim)
    positions = index.data if isinstance(index, Tensor) else np.asarray(index)
    if positions.dtype.kind not in "iu":
        raise RuntimeError(f"gather(): Expected dtype int64 for index (got {positions.dtype})")
    if positions.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for axis, (n_index, n_input) in enumerate(zip(positions.shape, input.shape)):
        if axis != d and n_index > n_input:
            raise RuntimeError(
                f"Size does not match at dimension {axis} expected index {shape_text(positions.shape)} to be "
                f"smaller than self {shape_text(input.shape)} apart from dimension {d}"
            )
    if positions.size and (positions.min() < -input.shape[d] or positions.max() >= input.shape[d]):
        raise RuntimeError(
            f"index {int(positions.max())} is out of bounds for dimension {d} with size {input.shape[d]}"
        )
    grids = list(np.ogrid[tuple(slice(0, n) for n in positions.shape)])
    grids[d] = positions
    return getitem(input, tuple(grids))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices of shape (*) to a (*, num_classes) int64 tensor of zeros and ones."""
    labels = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if labels.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if labels.size and labels.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    elif labels.size and labels.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor._make((labels[..., None] == np.arange(num_classes)).astype(np.int64), None)

"""Shared helpers of the loss functions: reductions, legacy arguments, shape checks and constants."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

REDUCTIONS = ("none", "mean", "sum")


def shape_text(shape: Sequence[int]) -> str:
    """Shapes as PyTorch prints sizes: ``[2, 3]``."""
    return "[" + ", ".join(str(int(n)) for n in shape) + "]"


def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """Map the deprecated ``size_average``/``reduce`` pair onto ``reduction``, warning as PyTorch does."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{result}' instead.", stacklevel=3
    )
    return result


def check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def reduce(loss: Tensor, reduction: str, total_weight: float | None = None) -> Tensor:
    """Apply ``reduction`` ('none' | 'mean' | 'sum') to an elementwise loss.

    'mean' divides by the number of elements, or by ``total_weight`` when it is given (NaN, as
    PyTorch, when that is 0 because every target is ignored, without a 0/0 warning).
    """
    check_reduction(reduction)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if total_weight is None:
        return loss.mean()
    return loss.sum() * (1.0 / total_weight if total_weight != 0 else math.nan)


def tensor_arg(value: Any, like: Tensor | None = None) -> Tensor:
    """``value`` as a Tensor; floating values take ``like``'s floating dtype (no silent float64 promotion)."""
    tensor = value if isinstance(value, Tensor) else am.as_tensor(np.asarray(value))
    if like is not None and tensor.dtype != like.dtype and tensor.dtype.kind == "f" and like.dtype.kind == "f":
        tensor = tensor.to(like.dtype)
    return tensor


def const(array: Any, like: Tensor) -> Tensor:
    """A constant (non-differentiable) Tensor of ``array`` in ``like``'s floating dtype."""
    dtype = like.dtype if like.dtype.kind == "f" else np.dtype(np.float32)
    return am.as_tensor(np.asarray(array, dtype=dtype))


def warn_if_sizes_differ(input: Tensor, target: Tensor, name: str) -> None:
    """PyTorch's broadcasting warning for elementwise losses, plus an error naming the loss for bad shapes."""
    if target.shape == input.shape:
        return
    try:
        np.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        raise RuntimeError(
            f"{name}(): input of shape {shape_text(input.shape)} and target of shape "
            f"{shape_text(target.shape)} cannot be broadcast together"
        ) from None
    warnings.warn(
        f"Using a target size ({shape_text(target.shape)}) that is different to the input size "
        f"({shape_text(input.shape)}). This will likely lead to incorrect results due to broadcasting. "
        "Please ensure they have the same size.",
        stacklevel=3,
    )


def check_same_size(input: Tensor, target: Tensor, name: str) -> None:
    """Losses that refuse broadcasting (binary cross entropy, the margin losses)."""
    if target.shape != input.shape:
        raise ValueError(
            f"{name}(): Using a target size ({shape_text(target.shape)}) that is different to the input size "
            f"({shape_text(input.shape)}) is deprecated. Please ensure they have the same size."
        )


def class_weight(weight: Tensor | None, n_classes: int, name: str) -> np.ndarray | None:
    """The per-class weight vector as an array, checked against the number of classes."""
    if weight is None:
        return None
    array = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
    if array.ndim != 1 or array.shape[0] != n_classes:
        raise RuntimeError(
            f"{name}: weight tensor should be defined either for all {n_classes} classes or no classes but got "
            f"weight tensor of shape: {shape_text(array.shape)}"
        )
    return array

"""Turning the numbers and arrays that meet a Tensor in an expression into Tensors."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes
from .tensor import Tensor


def as_tensor(value: Any, like: Tensor | None = None) -> Tensor:
    """A Tensor for ``value``; Python numbers take ``like``'s dtype (PyTorch's "weak" scalars)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return Tensor._make(value, None)
    if isinstance(value, (bool, int, float)) and like is not None:
        dtype = like.data.dtype
        if isinstance(value, float) and not dtypes.is_floating(dtype):
            dtype = dtypes.DEFAULT_FLOAT
        elif isinstance(value, int) and not isinstance(value, bool) and dtype == np.bool_:
            dtype = dtypes.int64
        return Tensor._make(np.asarray(value, dtype=dtype), None)
    return Tensor._make(dtypes.to_array(value, copy=False), None)


def pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as Tensors, numbers adopting the other side's dtype."""
    if isinstance(a, Tensor):
        b = as_tensor(b, a)
        if isinstance(b, Tensor) and not dtypes.is_floating(a.data.dtype) and dtypes.is_floating(b.data.dtype):
            if b.data.ndim == 0 and b.grad_fn is None and not b._requires_grad:
                a = Tensor._make(a.data.astype(b.data.dtype), None)
        return a, b
    b = as_tensor(b)
    a = as_tensor(a, b)
    if not dtypes.is_floating(b.data.dtype) and dtypes.is_floating(a.data.dtype) and a.data.ndim == 0:
        b = Tensor._make(b.data.astype(a.data.dtype), None)
    return a, b

"""Dimension arguments shared by reductions: PyTorch's ``dim``/``keepdim`` or NumPy's ``axis``/``keepdims``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .broadcast import expand_to

Dims = tuple[int, ...] | None


def normalize_dims(x: Tensor, dim: Any, axis: Any = None, op: str = "reduce") -> Dims:
    """Accept ``dim`` or NumPy's ``axis`` (int, tuple or None) and return sorted positive dims."""
    if dim is not None and axis is not None:
        raise TypeError(f"{op}() received both 'dim' and 'axis'; pass only one")
    if dim is None:
        dim = axis
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:
        return None  # an empty dim list reduces over every dim, as in PyTorch
    resolved = sorted({x._dim(int(d)) for d in dims})
    if x.ndim == 0:
        return None
    return tuple(resolved)


def resolve_keepdim(keepdim: bool, keepdims: bool | None) -> bool:
    return bool(keepdims) if keepdims is not None else bool(keepdim)


def expand_back(g: Tensor, x: Tensor, axis: Dims, keepdims: bool) -> Tensor:
    """Broadcast a reduction's gradient back to the input's shape."""
    if not keepdims and axis is not None and x.ndim > 0:
        kept = list(x.shape)
        for d in axis:
            kept[d] = 1
        g = g.reshape(tuple(kept))
    return expand_to(g, x.shape)

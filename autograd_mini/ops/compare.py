"""Comparisons and other piecewise-constant functions: results carry no gradient (as in PyTorch)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._convert import pair
from ..tensor import Tensor
from .registry import shape_text


def _compare(ufunc: Callable[..., np.ndarray], name: str) -> Callable[[Any, Any], Tensor]:
    def compare(input: Any, other: Any) -> Tensor:
        a, b = pair(input, other)
        try:
            result = ufunc(a.data, b.data)
        except ValueError:
            raise RuntimeError(
                f"{name}(): shapes {shape_text(a.shape)} and {shape_text(b.shape)} are not broadcastable"
            ) from None
        return Tensor._make(np.asarray(result), None)

    compare.__name__ = name
    compare.__doc__ = f"Elementwise ``{name}`` comparison; a bool tensor, not differentiable."
    return compare


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
logical_and = _compare(np.logical_and, "logical_and")
logical_or = _compare(np.logical_or, "logical_or")


def floor_divide(input: Any, other: Any) -> Tensor:
    """``input // other`` rounded toward minus infinity; not differentiable (as in PyTorch)."""
    a, b = pair(input, other)
    if not a.is_floating_point() and not b.is_floating_point() and np.any(b.data == 0):
        raise ZeroDivisionError("floor_divide(): integer division by zero")
    return Tensor._make(np.asarray(np.floor_divide(a.data, b.data)), None)


def remainder(input: Any, other: Any) -> Tensor:
    """Python-style modulus; not differentiable here."""
    a, b = pair(input, other)
    return Tensor._make(np.asarray(np.remainder(a.data, b.data)), None)


def logical_not(input: Tensor) -> Tensor:
    return Tensor._make(np.logical_not(input.data), None)


def isnan(input: Tensor) -> Tensor:
    return Tensor._make(np.isnan(input.data), None)


def isfinite(input: Tensor) -> Tensor:
    return Tensor._make(np.isfinite(input.data), None)


def allclose(input: Tensor, other: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> bool:
    a, b = pair(input, other)
    return bool(np.allclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and elements."""
    return input.shape == other.shape and bool(np.array_equal(input.data, other.data))

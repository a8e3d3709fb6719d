"""Matrix products.  The primitive multiplies stacks of matrices (ndim >= 2, batch dims broadcast);
1-d operands are promoted and demoted around it exactly as ``torch.matmul`` does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._convert import pair
from ..tensor import Tensor
from .registry import call, defop


def _matmul_error(inputs: Sequence[Tensor], attrs: dict[str, Any], error: Exception) -> Exception:
    a, b = (t.shape for t in inputs)
    if a[-1] != b[-2]:
        return RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({'x'.join(map(str, a))} and {'x'.join(map(str, b))})"
        )
    return RuntimeError(f"matmul(): batch dimensions do not broadcast: {list(a)} and {list(b)}")


def _swap_last(x: Tensor) -> Tensor:
    return x.transpose(-1, -2)


# ------------------------------------------------------------------- the derivative table
MATMUL = defop(
    "matmul",
    np.matmul,
    lambda g, out, a, b: g @ _swap_last(b),
    lambda g, out, a, b: _swap_last(a) @ g,
    grad_fn_name="MmBackward0",
    error_builder=_matmul_error,
)


# ------------------------------------------------------------------- public functions
def matmul(input: Any, other: Any) -> Tensor:
    """Matrix product with torch.matmul's rules for 1-d, 2-d and batched (broadcast) operands."""
    a, b = pair(input, other)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    if a.ndim == 1 and b.ndim == 1:
        if a.shape != b.shape:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have the "
                "same number of elements, but got "
                f"{a.shape[0]} and {b.shape[0]} elements respectively"
            )
        return call(MATMUL, a.reshape(1, -1), b.reshape(-1, 1)).reshape(())
    if a.ndim == 1:
        return call(MATMUL, a.reshape(1, -1), b).squeeze(-2)
    if b.ndim == 1:
        return call(MATMUL, a, b.reshape(-1, 1)).squeeze(-1)
    return call(MATMUL, a, b)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two 2-d matrices."""
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm(): expected 2D tensors, got {input.ndim}D and {mat2.ndim}D")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product of (b, n, m) and (b, m, p) tensors."""
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm(): expected 3D tensors, got {input.ndim}D and {mat2.ndim}D")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm(): batch sizes differ ({input.shape[0]} and {mat2.shape[0]})")
    return matmul(input, mat2)


def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-d tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    return matmul(input, other)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two 1-d tensors: shape (n, m)."""
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer(): expected 1D tensors, got {input.ndim}D and {vec2.ndim}D")
    return input.reshape(-1, 1) * vec2.reshape(1, -1)

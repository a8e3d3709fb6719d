"""Matrix products.  The primitive multiplies stacks of matrices (ndim >= 2, batch dims broadcast);
1-d operands are promoted and demoted around it exactly as ``torch.matmul`` does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._convert import pair
from ..engine import NO_ATTRS, apply
from ..tensor import Tensor
from .reduce import SUM, _sum_forward
from .registry import call, defop

if TYPE_CHECKING:
    from ..node import Node


def _matmul_error(inputs: Sequence[Tensor], attrs: dict[str, Any], error: Exception) -> Exception:
    a, b = (t.shape for t in inputs[:2])
    if attrs.get("ta"):
        a = (*a[:-2], a[-1], a[-2])
    if attrs.get("tb") or len(inputs) == 3:  # linear multiplies by the weight transposed
        b = (*b[:-2], b[-1], b[-2])
    if a[-1] != b[-2]:
        return RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({'x'.join(map(str, a))} and {'x'.join(map(str, b))})"
        )
    return RuntimeError(f"matmul(): batch dimensions do not broadcast: {list(a)} and {list(b)}")


def _t(x: np.ndarray) -> np.ndarray:
    return x.swapaxes(-1, -2)  # the method: np.swapaxes adds ~0.3 us of Python per call


def _matmul_forward(a: np.ndarray, b: np.ndarray, *, ta: bool = False, tb: bool = False) -> np.ndarray:
    """op(a) @ op(b), op transposing the last two axes when its flag is set (BLAS's gemm flags)."""
    return np.matmul(_t(a) if ta else a, _t(b) if tb else b)


def _product(a: Any, b: Any, ta: bool, tb: bool) -> Any:
    """op(a) @ op(b) inside a vjp: NumPy's product itself in a backward on arrays (the matmul and
    linear vjps run several per layer and step, and ``call``'s dispatch costs as much as a small
    product), else the recorded primitive, differentiable for higher orders."""
    if type(a) is np.ndarray and type(b) is np.ndarray:
        return _matmul_forward(a, b, ta=ta, tb=tb)
    return call(MATMUL, a, b, ta=ta, tb=tb)


def _row_sum(g: Any) -> Any:
    """Linear's bias gradient, the sum of ``g`` over rows: as :func:`_product`, directly in a backward on arrays."""
    return (
        _sum_forward(g, axis=(0,), keepdims=False) if type(g) is np.ndarray else call(SUM, g, axis=(0,), keepdims=False)
    )


def _matmul_vjp_a(g: Tensor, out: Tensor, a: Tensor, b: Tensor, *, ta: bool, tb: bool) -> Tensor:
    # C = op(A) op(B): dA = g op(B)^T, or its transpose op(B) g^T when A enters transposed.
    if ta:
        return _product(b, g, tb, True)
    return _product(g, b, False, not tb)


def _matmul_vjp_b(g: Tensor, out: Tensor, a: Tensor, b: Tensor, *, ta: bool, tb: bool) -> Tensor:
    # dB = op(A)^T g, or its transpose g^T op(A) when B enters transposed.
    if tb:
        return _product(g, a, True, ta)
    return _product(a, g, not ta, False)


def _linear_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = x @ w.T
    out += b  # in place on the fresh product: one allocation, not two
    return out


_matmul, _add_reduce = np.matmul, np.add.reduce  # looked up once, not per layer and step


def _linear_backward_on_arrays(node: Node, grad: Any, mask: Sequence[Any]) -> Sequence[Any]:
    """Linear's backward on arrays, written out for its usual case (what every ``nn.Linear`` call records): x
    (N, in), W (out, in), b (out,) and g (N, out), all of one dtype.  Each product then has its input's shape
    and dtype, so it needs no fitting, and the three vjps' dispatch (a dozen Python calls per layer and step,
    as much time as the products on small layers) is skipped.  Any other case takes the vjps of the table."""
    arrays = node._in1  # the tuple of the three arrays (None once released)
    if type(arrays) is tuple and type(grad) is np.ndarray:
        x, w, b = arrays
        dtype = grad.dtype
        if x.dtype is dtype and w.dtype is dtype and b.dtype is dtype and x.ndim == 2 and b.ndim == 1:
            return (
                None if mask[0] is None else _matmul(grad, w),
                None if mask[1] is None else _matmul(grad.T, x),
                None if mask[2] is None else _add_reduce(grad, axis=0),
            )
    return LINEAR.backward_arrays(node, grad, mask)


# ------------------------------------------------------------------- the derivative table
# The transpose flags let every matmul vjp be a single matmul (no separate transpose op).
MATMUL = defop(
    "matmul",
    _matmul_forward,
    _matmul_vjp_a,
    _matmul_vjp_b,
    grad_fn_name="MmBackward0",
    error_builder=_matmul_error,
)
# x @ W^T + b as one primitive (PyTorch's addmm) for measured speed: a linear layer records one
# node instead of three, and its backward runs three NumPy calls.
LINEAR = defop(
    "linear",
    _linear_forward,
    lambda g, out, x, w, b: _product(g, w, False, False),
    lambda g, out, x, w, b: _product(g, x, True, False),
    lambda g, out, x, w, b: _row_sum(g) if b.ndim == 1 else g,
    grad_fn_name="AddmmBackward0",
    error_builder=_matmul_error,
    saves=(0, 1),
    array_backward=_linear_backward_on_arrays,
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
        return call(MATMUL, a.reshape(1, -1), b.reshape(-1, 1), ta=False, tb=False).reshape(())
    if a.ndim == 1:
        return call(MATMUL, a.reshape(1, -1), b, ta=False, tb=False).squeeze(-2)
    if b.ndim == 1:
        return call(MATMUL, a, b.reshape(-1, 1), ta=False, tb=False).squeeze(-1)
    return call(MATMUL, a, b, ta=False, tb=False)


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


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x W^T + b: input (*, in_features), weight (out_features, in_features), bias (out_features,)."""
    ndim = input.data.ndim  # read once: Tensor.ndim is a property, and this runs for every layer call
    if ndim == 2 and weight.data.ndim == 2:  # the common case, checked by the primitive itself
        if bias is None:
            return call(MATMUL, input, weight, ta=False, tb=True)
        return apply(LINEAR, (input, weight, bias), NO_ATTRS)  # call()'s dispatch, skipped: these are Tensors
    if ndim == 0:
        raise RuntimeError("linear(): input must have at least 1 dimension, got a 0-d tensor")
    if weight.ndim != 2:
        raise RuntimeError(f"linear(): weight must be 2-D (out_features, in_features), got shape {list(weight.shape)}")
    flat = input.reshape(-1, input.shape[-1])
    out = call(MATMUL, flat, weight, ta=False, tb=True) if bias is None else call(LINEAR, flat, weight, bias)
    return out.reshape((*input.shape[:-1], weight.shape[0]))

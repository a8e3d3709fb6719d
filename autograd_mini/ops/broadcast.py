"""Broadcasting and its adjoint as primitives: ``broadcast_to`` (PyTorch's ``expand``), ``sum_to``
(summing a gradient back down to an input's shape: the registry applies it to every vjp result
that comes back broadcast, see :func:`fit` and :func:`conform`) and ``cast`` between dtypes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..tensor import Tensor
from .registry import call, defop, shape_text

if TYPE_CHECKING:
    from .registry import OpDef


def sum_to_forward(x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``x`` down to ``shape``: over leading extra axes, then over axes where shape has 1."""
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and x.shape[i + lead] != 1)
    result = x.sum(axis=axes, keepdims=True) if axes else x
    return result.reshape(shape)


def _broadcast_to_forward(x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
    """A read-only view of ``x`` broadcast to ``shape``.

    A 0-d ``x`` (every full reduction's gradient, on its way back) is viewed with the ndarray
    constructor: ``np.broadcast_to`` costs ~3 us of Python on small arrays, this ~0.5 us.
    """
    if x.ndim == 0:
        view = np.ndarray(shape, x.dtype, x, 0, (0,) * len(shape))
        view.flags.writeable = False
        return view
    return np.broadcast_to(x, shape)


def _cast_forward(x: np.ndarray, *, dtype: np.dtype[Any]) -> np.ndarray:
    return x.astype(dtype)


# broadcast_to and sum_to are each other's adjoint.
SUM_TO = defop("sum_to", sum_to_forward, lambda g, out, x, *, shape: expand_to(g, x.shape), saves=())
BROADCAST_TO = defop(
    "broadcast_to",
    _broadcast_to_forward,
    lambda g, out, x, *, shape: sum_to(g, x.shape),
    grad_fn_name="ExpandBackward0",
    saves=(),
    is_view=True,
)
CAST = defop(
    "cast", _cast_forward, lambda g, out, x, *, dtype: cast(g, x.dtype), grad_fn_name="ToCopyBackward0", saves=()
)


def sum_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    """Sum ``x`` down to ``shape`` (the adjoint of broadcasting)."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return call(SUM_TO, x, shape=shape)


def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    """Broadcast ``x`` to ``shape`` without copying (PyTorch's ``expand``)."""
    return expand_to(x, tuple(int(n) for n in shape))


def expand_to(x: Any, shape: tuple[int, ...]) -> Any:
    """:func:`broadcast_to` for a ``shape`` that is already a tuple of ints (another array's): how every
    reduction's vjp sends its gradient back.  In a backward on arrays, the view is made directly
    (``call``'s dispatch would cost as much as making it)."""
    if x.shape == shape:
        return x
    if type(x) is np.ndarray:
        return _broadcast_to_forward(x, shape=shape)
    if isinstance(x, np.generic):  # a 0-d gradient as the NumPy scalar a ufunc on 0-d arrays returns
        return _broadcast_to_forward(np.asarray(x), shape=shape)
    return call(BROADCAST_TO, x, shape=shape)


def cast(x: Tensor, dtype: Any) -> Tensor:
    """Convert ``x`` to ``dtype``; differentiable between floating dtypes."""
    dtype = np.dtype(dtype)
    if x.dtype == dtype:
        return x
    return call(CAST, x, dtype=dtype)


# ------------------------------------------------------------------- fitting vjp results to their inputs
def fit(op: OpDef, index: int, array: np.ndarray, grad: Any) -> np.ndarray | np.generic | None:
    """A vjp's result for input ``index`` as an array of that input's shape and dtype (for a 0-d
    input, possibly the NumPy scalar a ufunc on 0-d arrays returns: backward takes both)."""
    # ``is``: NumPy's built-in dtypes are singletons; an equal but distinct dtype just takes the slow path.
    if type(grad) is np.ndarray and grad.dtype is array.dtype and grad.shape == array.shape:
        return grad  # the common case: nothing to reduce or cast
    if array.ndim == 0 and isinstance(grad, np.generic) and grad.dtype is array.dtype:
        return grad  # kept as the scalar: wrapping it back into a 0-d array costs as much as the ufunc
    if grad is None:
        return None
    grad = grad.data if isinstance(grad, Tensor) else np.asarray(grad, dtype=array.dtype)
    if grad.shape != array.shape:
        _check_broadcasts(op.grad_fn_name, index, grad.shape, array.shape)
        grad = sum_to_forward(grad, shape=array.shape)
    return grad if grad.dtype == array.dtype else grad.astype(array.dtype)


def conform(grad_fn_name: str, index: int, tensor: Tensor, grad: Tensor | Any) -> Tensor:
    """:func:`fit` when building a graph: the result as a Tensor, reduced and cast by recorded ops."""
    if not isinstance(grad, Tensor):
        grad = Tensor._make(np.asarray(grad, dtype=tensor.data.dtype), None)
    if grad.shape != tensor.shape:
        _check_broadcasts(grad_fn_name, index, grad.shape, tensor.shape)
        grad = sum_to(grad, tensor.shape)
    if grad.data.dtype != tensor.data.dtype:
        grad = cast(grad, tensor.data.dtype)
    return grad


def _check_broadcasts(grad_fn_name: str, index: int, grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> None:
    if len(shape) > len(grad_shape) or any(s != g and s != 1 for s, g in zip(shape[::-1], grad_shape[::-1])):
        raise RuntimeError(
            f"Function {grad_fn_name} returned an invalid gradient at index {index} - got "
            f"{shape_text(grad_shape)} but expected shape compatible with {shape_text(shape)}"
        )

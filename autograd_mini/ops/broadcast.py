"""Broadcasting and its adjoint as primitives: ``broadcast_to`` (PyTorch's ``expand``), ``sum_to``
(summing a gradient back down to an input's shape: the registry applies it to every vjp result
that comes back broadcast) and ``cast`` between dtypes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from .registry import call, defop


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
SUM_TO = defop("sum_to", sum_to_forward, lambda g, out, x, *, shape: broadcast_to(g, x.shape), saves=())
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
    shape = tuple(int(n) for n in shape)
    if x.shape == shape:
        return x
    return call(BROADCAST_TO, x, shape=shape)


def cast(x: Tensor, dtype: Any) -> Tensor:
    """Convert ``x`` to ``dtype``; differentiable between floating dtypes."""
    dtype = np.dtype(dtype)
    if x.dtype == dtype:
        return x
    return call(CAST, x, dtype=dtype)

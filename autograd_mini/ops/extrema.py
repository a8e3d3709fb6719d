"""Maxima and minima: ``amax``/``amin`` (ties share the gradient evenly, as PyTorch's full max),
``max``/``min`` with a ``dim`` (values and indices; the gradient goes to the returned index) and
``argmax``/``argmin``.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._dims import Dims, expand_back, normalize_dims, resolve_keepdim
from .registry import array_of, call, constant, defop


def _amax_weights(x: Tensor, out: Tensor, axis: Dims) -> Tensor:
    """Where the maximum is attained, each tied position taking an equal share."""
    out_array = array_of(out)
    kept = out_array if axis is None or out.ndim == x.ndim else np.expand_dims(out_array, axis)
    hits = array_of(x) == kept
    return constant(hits / hits.sum(axis=axis, keepdims=True), x)


# ------------------------------------------------------------------- the derivative table
AMAX = defop(
    "amax",
    lambda x, *, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims),
    lambda g, out, x, *, axis, keepdims: expand_back(g, x, axis, keepdims) * _amax_weights(x, out, axis),
    uses_out=True,
)

MaxResult = namedtuple("MaxResult", ["values", "indices"])


# ------------------------------------------------------------------- public functions
def amax(
    input: Tensor, dim: Any = (), keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None
) -> Tensor:
    """Maximum over ``dim`` (all dims when empty); ties share the gradient evenly."""
    _check_nonempty(input, "amax")
    axis_ = normalize_dims(input, None if dim == () else dim, axis, "amax")
    return call(AMAX, input, axis=axis_, keepdims=resolve_keepdim(keepdim, keepdims))


def amin(
    input: Tensor, dim: Any = (), keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None
) -> Tensor:
    """Minimum over ``dim`` (all dims when empty); ties share the gradient evenly."""
    return -amax(-input, dim, keepdim, axis=axis, keepdims=keepdims)


def _check_nonempty(x: Tensor, op: str) -> None:
    if x.data.size == 0:
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0.")


def _max_along(input: Tensor, dim: int, keepdim: bool, largest: bool) -> MaxResult:
    from .indexing import gather

    _check_nonempty(input, "max" if largest else "min")
    d = input._dim(dim)
    data = input.data if input.ndim else input.data.reshape(1)
    indices = np.argmax(data, axis=d) if largest else np.argmin(data, axis=d)
    index_tensor = Tensor._make(np.expand_dims(indices, d).astype(np.int64), None)
    source = input if input.ndim else input.reshape(1)
    values = gather(source, d, index_tensor)
    if not keepdim or input.ndim == 0:
        values = values.squeeze(d) if input.ndim else values.reshape(())
        index_tensor = Tensor._make(indices.astype(np.int64), None)
    return MaxResult(values, index_tensor)


def max(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Any:
    """Without ``dim``: the maximum (ties share the gradient).  With ``dim``: ``(values, indices)``.

    With a Tensor as second argument it is :func:`maximum`.
    """
    if isinstance(dim, Tensor):
        from .elementwise import maximum

        return maximum(input, dim)
    dim = axis if dim is None else dim
    if dim is None:
        return amax(input)
    return _max_along(input, int(dim), keepdim, largest=True)


def min(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Any:
    """Without ``dim``: the minimum.  With ``dim``: ``(values, indices)``."""
    if isinstance(dim, Tensor):
        from .elementwise import minimum

        return minimum(input, dim)
    dim = axis if dim is None else dim
    if dim is None:
        return amin(input)
    return _max_along(input, int(dim), keepdim, largest=False)


def _arg_extreme(input: Tensor, dim: Any, keepdim: bool, largest: bool) -> Tensor:
    finder = np.argmax if largest else np.argmin
    if dim is None:
        result = np.asarray(finder(input.data))
        if keepdim:
            result = result.reshape((1,) * input.ndim)
        return Tensor._make(result.astype(np.int64), None)
    d = input._dim(int(dim))
    data = input.data if input.ndim else input.data.reshape(1)
    found = finder(data, axis=d)
    if keepdim and input.ndim:
        found = np.expand_dims(found, d)
    return Tensor._make(np.asarray(found, dtype=np.int64), None)


def argmax(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Index of the maximum (flattened when ``dim`` is None); not differentiable."""
    return _arg_extreme(input, dim, keepdim, largest=True)


def argmin(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Index of the minimum (flattened when ``dim`` is None); not differentiable."""
    return _arg_extreme(input, dim, keepdim, largest=False)

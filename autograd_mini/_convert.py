"""Turning the numbers and arrays that meet a Tensor in an expression into Tensors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import dtypes
from ._saved import CONSTANT_VERSION
from .tensor import Tensor

# Python numbers become 0-d constant tensors; the same few (0, 1, 0.5, a learning rate...) recur
# in every step and every vjp, so their conversion is cached, per dtype (within one dtype, equal
# numbers give equal arrays; zeros are keyed by sign, since -0.0 == 0.0).  Cleared when full.
_SCALARS: dict[np.dtype[Any], dict[Any, Tensor]] = {}
_SCALAR_CACHE_SIZE = 4096
# The floating dtypes, for a membership test (cheaper than reading ``dtype.kind``).
_FLOATING = frozenset(np.dtype(name) for name in ("float16", "float32", "float64", "longdouble"))


def _scalar(value: bool | int | float, dtype: np.dtype[Any]) -> Tensor:
    key = value if value else (value, math.copysign(1.0, value))
    try:  # the hot path: two lookups (a miss is an exception, which costs nothing until raised)
        return _SCALARS[dtype][key]
    except KeyError:
        return _new_scalar(value, dtype, key)


def _new_scalar(value: bool | int | float, dtype: np.dtype[Any], key: Any) -> Tensor:
    cache = _SCALARS.setdefault(dtype, {})
    if len(cache) >= _SCALAR_CACHE_SIZE:
        cache.clear()
    array = np.asarray(value, dtype=dtype)
    array.flags.writeable = False  # shared: nobody may write into a cached constant
    cached = cache[key] = Tensor._make(array, None)
    cached._version_box = CONSTANT_VERSION  # never written, so nodes that save it need not watch it
    return cached


def scalar_array(value: bool | int | float, dtype: np.dtype[Any]) -> np.ndarray:
    """The Python number ``value`` as a read-only 0-d array of the NumPy ``dtype`` (an array's ``.dtype``),
    cached, so shared: never write to it.

    For loops that mix a number into NumPy operations on small arrays (optimizer updates, vjps): NumPy
    takes a 0-d array of the other operand's dtype about 0.4 us faster than a Python number, with the
    same result (NEP 50 casts the number to the array's dtype first).
    """
    return _scalar(value, dtype).data


class ConstantByDtype(dict[np.dtype[Any], np.ndarray]):
    """One number as a read-only 0-d array of each dtype asked for: ``ONE[y.dtype]`` is :func:`scalar_array`'s
    array for 1, by a dict lookup rather than two Python calls (the activations' vjps take it every step)."""

    def __init__(self, value: bool | int | float) -> None:
        super().__init__()
        self.value = value

    def __missing__(self, dtype: np.dtype[Any]) -> np.ndarray:
        array = self[dtype] = scalar_array(self.value, dtype)
        return array


ZERO = ConstantByDtype(0)
ONE = ConstantByDtype(1)


def as_tensor(value: Any, like: Tensor | None = None) -> Tensor:
    """A Tensor for ``value``; Python numbers take ``like``'s dtype (PyTorch's "weak" scalars)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return Tensor._make(value, None)
    if isinstance(value, (bool, int, float)) and like is not None:
        dtype = like.data.dtype
        if isinstance(value, float) and dtype.kind != "f":
            dtype = dtypes.DEFAULT_FLOAT
        elif isinstance(value, int) and not isinstance(value, bool) and dtype == np.bool_:
            dtype = dtypes.int64
        return _scalar(value, dtype)
    return Tensor._make(dtypes.to_array(value, copy=False), None)


def pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as Tensors, numbers adopting the other side's dtype."""
    if isinstance(a, Tensor):
        return tensor_and(a, b)
    if (
        (type(a) is float or type(a) is int) and isinstance(b, Tensor) and (dtype := b.data.dtype) in _FLOATING
    ):  # ``1 - x``
        return _scalar(a, dtype), b
    b = as_tensor(b)
    a = as_tensor(a, b)
    if b.data.dtype.kind != "f" and a.data.dtype.kind == "f" and a.data.ndim == 0:
        b = Tensor._make(b.data.astype(a.data.dtype), None)
    return a, b


def tensor_and(a: Tensor, b: Any) -> tuple[Tensor, Tensor]:
    """:func:`pair` when ``a`` is known to be a Tensor (the operators' ``self``): one test fewer per ``x * y``."""
    if isinstance(b, Tensor):
        return a, b
    if (type(b) is float or type(b) is int) and (dtype := a.data.dtype) in _FLOATING:  # ``x * 0.5``: the common mix
        if b:  # _scalar's hot path, inlined (a nonzero number is its own key): one call fewer per ``x * 0.5``
            try:
                return a, _SCALARS[dtype][b]
            except KeyError:
                pass
        return a, _scalar(b, dtype)
    b = as_tensor(b, a)
    if a.data.dtype.kind != "f" and b.data.dtype.kind == "f" and b.data.ndim == 0 and b.grad_fn is None:
        a = Tensor._make(a.data.astype(b.data.dtype), None)  # int tensor * 0.5 is float, as in PyTorch
    return a, b

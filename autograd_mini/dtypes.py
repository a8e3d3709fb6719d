"""dtype names and the conversion rules for data entering the engine (PyTorch's defaults)."""

from __future__ import annotations

from typing import Any

import numpy as np

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

DEFAULT_FLOAT = float32


def resolve_dtype(dtype: Any) -> np.dtype[Any] | None:
    """Accept NumPy dtypes, their names, the Python types float/int/bool and this module's names."""
    if dtype is None:
        return None
    if dtype is float:
        return DEFAULT_FLOAT
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"invalid dtype: {dtype!r}") from None


def is_floating(dtype: np.dtype[Any]) -> bool:
    """True for floating dtypes, the only ones that may require grad."""
    return dtype.kind == "f"


def to_array(data: Any, dtype: np.dtype[Any] | None = None, copy: bool = True) -> np.ndarray:
    """Convert user data to an array: Python floats become float32, ints int64; arrays keep dtype."""
    if isinstance(data, np.ndarray):
        if dtype is not None and data.dtype != dtype:
            return data.astype(dtype)
        return data.copy() if copy else data
    if isinstance(data, np.generic):
        return np.array(data, dtype=dtype)
    try:
        array = np.array(data)
    except ValueError as error:
        raise ValueError(f"could not build a tensor from {type(data).__name__}: {error}") from None
    if array.dtype == object:
        raise TypeError(f"could not convert data of type {type(data).__name__} to a tensor")
    if dtype is not None:
        return array.astype(dtype, copy=False)
    if array.dtype == np.float64:
        return array.astype(DEFAULT_FLOAT)
    if array.dtype.kind in "iu":
        return array.astype(int64, copy=False)
    return array

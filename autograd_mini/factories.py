"""Tensor factories and the random generator (``manual_seed`` makes results reproducible)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes
from .tensor import Tensor

_generator = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the global generator used by rand, randn, dropout and initialisers; returns it."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def default_generator() -> np.random.Generator:
    """The generator that random factories use when none is passed."""
    return _generator


def _size(size: tuple[Any, ...]) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = tuple(int(n) for n in size)
    if any(n < 0 for n in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
    return shape


def _finish(array: np.ndarray, dtype: Any, requires_grad: bool, default: np.dtype[Any]) -> Tensor:
    resolved = dtypes.resolve_dtype(dtype) or default
    tensor = Tensor._make(array.astype(resolved, copy=False), None)
    if requires_grad:
        tensor.requires_grad = True
    return tensor


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (as ``torch.tensor``)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """A tensor sharing memory with ``data`` when it is already a NumPy array of that dtype."""
    if isinstance(data, Tensor) and dtype is None:
        return data
    return Tensor._make(dtypes.to_array(data, dtypes.resolve_dtype(dtype), copy=False), None)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor._make(array, None)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(_size(size)), dtype, requires_grad, dtypes.DEFAULT_FLOAT)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(_size(size)), dtype, requires_grad, dtypes.DEFAULT_FLOAT)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size: Sequence[int], fill_value: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    default = dtypes.to_array(fill_value).dtype
    return _finish(np.full(_size((size,)), fill_value), dtype, requires_grad, default)


def zeros_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(input.shape), dtype, requires_grad, input.dtype)


def ones_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(input.shape), dtype, requires_grad, input.dtype)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.full(input.shape, fill_value), dtype, requires_grad, input.dtype)


def arange(
    start: float, end: float | None = None, step: float = 1, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Values from ``start`` (inclusive) to ``end`` (exclusive); ints give int64, floats float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    default = dtypes.int64 if integral else dtypes.DEFAULT_FLOAT
    return _finish(np.arange(start, end, step), dtype, requires_grad, default)


def linspace(start: float, end: float, steps: int, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.linspace(start, end, int(steps)), dtype, requires_grad, dtypes.DEFAULT_FLOAT)


def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.eye(n, m), dtype, requires_grad, dtypes.DEFAULT_FLOAT)


def rand(
    *size: Any, dtype: Any = None, requires_grad: bool = False, generator: np.random.Generator | None = None
) -> Tensor:
    """Uniform samples on [0, 1)."""
    rng = generator or _generator
    return _finish(rng.random(_size(size)), dtype, requires_grad, dtypes.DEFAULT_FLOAT)


def randn(
    *size: Any, dtype: Any = None, requires_grad: bool = False, generator: np.random.Generator | None = None
) -> Tensor:
    """Standard normal samples."""
    rng = generator or _generator
    return _finish(rng.standard_normal(_size(size)), dtype, requires_grad, dtypes.DEFAULT_FLOAT)


def randint(
    low: int,
    high: int | None = None,
    size: Sequence[int] = (),
    *,
    dtype: Any = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Integers uniformly from [low, high)."""
    if high is None:
        low, high = 0, low
    rng = generator or _generator
    return _finish(rng.integers(low, high, size=tuple(size)), dtype, False, dtypes.int64)


def randperm(n: int, *, generator: np.random.Generator | None = None) -> Tensor:
    rng = generator or _generator
    return Tensor._make(rng.permutation(n).astype(np.int64), None)

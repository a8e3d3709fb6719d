"""Sliding windows (im2col) over the trailing spatial dims, the primitive conv and pooling are built on.

``sliding_windows(x, kernel, stride, dilation)`` maps (..., *spatial) to (..., *out_spatial, *kernel)
as a strided view (no copy).  Its adjoint, col2im, adds every window back into place by looping
over the kernel offsets (k_h * k_w strided additions) rather than ``np.add.at`` over elements.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..tensor import Tensor
from .registry import array_of, call, constant, defop, shape_text

Triple = tuple[int, ...]


def _out_size(n: int, k: int, stride: int, dilation: int) -> int:
    return (n - dilation * (k - 1) - 1) // stride + 1


def _windows_forward(x: np.ndarray, *, kernel: Triple, stride: Triple, dilation: Triple) -> np.ndarray:
    k = len(kernel)
    axes = tuple(range(x.ndim - k, x.ndim))
    spans = tuple(d * (n - 1) + 1 for n, d in zip(kernel, dilation))
    view = sliding_window_view(x, spans, axis=axes)
    picks = (Ellipsis,) + tuple(slice(None, None, s) for s in stride) + tuple(slice(None, None, d) for d in dilation)
    return view[picks]


def _col2im_forward(g: np.ndarray, *, shape: Triple, kernel: Triple, stride: Triple, dilation: Triple) -> np.ndarray:
    k = len(kernel)
    result = np.zeros(shape, dtype=g.dtype)
    out_spatial = g.shape[-2 * k : -k]
    for offsets in itertools.product(*(range(n) for n in kernel)):
        target = tuple(
            slice(o * d, o * d + s * (m - 1) + 1, s) for o, d, s, m in zip(offsets, dilation, stride, out_spatial)
        )
        result[(Ellipsis,) + target] += g[(Ellipsis,) + tuple(slice(None) for _ in out_spatial) + offsets]
    return result


def _offsets(windows: np.ndarray, k: int) -> Iterator[tuple[Any, ...]]:
    """Index tuples selecting each kernel offset of the last ``k`` axes, in row-major order."""
    return ((Ellipsis, *offset) for offset in itertools.product(*(range(n) for n in windows.shape[-k:])))


def _window_max_forward(windows: np.ndarray, *, k: int) -> np.ndarray:
    # An elementwise maximum per kernel offset: NumPy's reductions over short strided trailing axes
    # are many times slower than these whole-array passes.
    offsets = _offsets(windows, k)
    out = windows[next(offsets)].copy()
    for offset in offsets:
        np.maximum(out, windows[offset], out=out)
    return out


def _first_max_mask(windows: Tensor, out: Tensor, k: int) -> Tensor:
    """1 at the first (row-major) position of each window's maximum, 0 elsewhere: PyTorch's max-pool rule."""
    windows_array, out_array = array_of(windows), array_of(out)
    mask = np.zeros(windows.shape, dtype=windows.dtype)
    taken = np.zeros(out.shape, dtype=bool)
    for offset in _offsets(windows_array, k):
        hit = (windows_array[offset] == out_array) & ~taken
        mask[offset] = hit
        taken |= hit
    return constant(mask, windows)


# ------------------------------------------------------------------- the derivative table
SLIDING_WINDOWS = defop(
    "sliding_windows",
    _windows_forward,
    lambda g, out, x, *, kernel, stride, dilation: col2im(g, x.shape, kernel, stride, dilation),
    grad_fn_name="UnfoldBackward0",
    saves=(),
    is_view=True,
)
COL2IM = defop(
    "col2im",
    _col2im_forward,
    lambda g, out, x, *, shape, kernel, stride, dilation: sliding_windows(g, kernel, stride, dilation),
    grad_fn_name="Col2ImBackward0",
    saves=(),
)


WINDOW_MAX = defop(
    "window_max",
    _window_max_forward,
    lambda g, out, w, *, k: g.reshape(g.shape + (1,) * k) * _first_max_mask(w, out, k),
    uses_out=True,
    grad_fn_name="MaxPool2DWithIndicesBackward0",
)


# ------------------------------------------------------------------- public functions
def window_max(windows: Tensor, k: int = 2) -> Tensor:
    """Maximum over the last ``k`` axes (the kernel axes of :func:`sliding_windows`), max pooling's core.

    The gradient goes to the first maximum of each window in row-major order, as PyTorch's max pooling.
    """
    if not 1 <= k <= windows.ndim:
        raise RuntimeError(f"window_max(): k must be in [1, {windows.ndim}], got {k}")
    if windows.data.size == 0:
        raise RuntimeError(f"window_max(): empty windows of shape {shape_text(windows.shape)}")
    return call(WINDOW_MAX, windows, k=int(k))


def _tuple(value: int | Sequence[int], k: int, name: str) -> Triple:
    values = (int(value),) * k if isinstance(value, (int, np.integer)) else tuple(int(v) for v in value)
    if len(values) != k or any(v <= 0 for v in values):
        raise ValueError(f"sliding_windows(): {name} must be {k} positive ints, got {value!r}")
    return values


def sliding_windows(
    input: Tensor, kernel_size: int | Sequence[int], stride: int | Sequence[int] = 1, dilation: int | Sequence[int] = 1
) -> Tensor:
    """Windows over the last ``len(kernel_size)`` dims: (..., *spatial) -> (..., *out_spatial, *kernel).

    ``out = (n - dilation * (k - 1) - 1) // stride + 1`` per spatial dim.  Pad first for padding.
    """
    k = 2 if isinstance(kernel_size, (int, np.integer)) else len(kernel_size)
    kernel = _tuple(kernel_size, k, "kernel_size")
    strides = _tuple(stride, k, "stride")
    dilations = _tuple(dilation, k, "dilation")
    if input.ndim < k:
        raise RuntimeError(
            f"sliding_windows(): expected at least {k} dims, got input of shape {shape_text(input.shape)}"
        )
    spatial = input.shape[-k:]
    for n, kk, s, d in zip(spatial, kernel, strides, dilations):
        if _out_size(n, kk, s, d) <= 0:
            raise RuntimeError(
                f"sliding_windows(): kernel {list(kernel)} with dilation {list(dilations)} is larger than the "
                f"(padded) input of spatial size {list(spatial)}"
            )
    return call(SLIDING_WINDOWS, input, kernel=kernel, stride=strides, dilation=dilations)


def col2im(windows: Tensor, shape: Sequence[int], kernel: Triple, stride: Triple, dilation: Triple) -> Tensor:
    """The adjoint of :func:`sliding_windows`: sum every window element back into an array of ``shape``."""
    return call(
        COL2IM, windows, shape=tuple(shape), kernel=tuple(kernel), stride=tuple(stride), dilation=tuple(dilation)
    )

"""Pooling for ``nn.functional``: max, average and adaptive pooling on the ``sliding_windows`` primitive.

Max pooling is the engine's ``window_max`` over each window (the gradient goes to the first
maximum of a window, as in PyTorch), average pooling a window ``sum`` divided
by PyTorch's divisor; adaptive average pooling multiplies by constant bin-averaging matrices.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import autograd_mini as am
from autograd_mini import Tensor

from ._functional_conv import _ntuple

__all__ = [
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
]  # fmt: skip

IntOrSeq = int | Sequence[int]


def _pool_geometry(
    spatial: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...], padding: tuple[int, ...],
    dilation: tuple[int, ...], ceil_mode: bool,
) -> tuple[tuple[int, ...], list[int]]:  # fmt: skip
    """Output sizes (PyTorch's pooling_output_shape) and the F.pad widths that make every window fit."""
    out: list[int] = []
    widths: list[int] = []
    for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} and "
                f"dilation={d}"
            )
        span = n + 2 * p - d * (k - 1) - 1
        size = (span + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (size - 1) * s >= n + p:
            size -= 1
        if size <= 0:
            raise RuntimeError(f"Given input size too small: output size would be {size}")
        out.append(size)
        extra = max(0, (size - 1) * s + d * (k - 1) + 1 - (n + 2 * p))
        widths = [p, p + extra] + widths
    return tuple(out), widths


def _pool_args(input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, k: int, name: str) -> Any:
    if input.ndim not in (k + 1, k + 2):
        raise RuntimeError(f"{name}: Expected {k + 1}D or {k + 2}D input, but got input of size: {list(input.shape)}")
    kernel = _ntuple(kernel_size, k, "kernel_size")
    strides = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _ntuple(stride, k)
    return kernel, strides, _ntuple(padding, k, "padding"), _ntuple(dilation, k, "dilation")


def _max_poolnd(
    input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool, return_indices: bool,
    k: int,
) -> Tensor:  # fmt: skip
    if return_indices:
        raise NotImplementedError(f"max_pool{k}d(): return_indices=True is not supported")
    kernel, strides, pads, dilations = _pool_args(input, kernel_size, stride, padding, dilation, k, f"max_pool{k}d")
    _, widths = _pool_geometry(input.shape[-k:], kernel, strides, pads, dilations, ceil_mode)
    x = am.pad(input, widths, value=-math.inf) if any(widths) else input
    windows = am.sliding_windows(x, kernel, strides, dilations)
    return am.window_max(windows, k)


def max_pool2d(
    input: Tensor,
    kernel_size: IntOrSeq,
    stride: IntOrSeq | None = None,
    padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor:
    """Maximum over each window: (N, C, H, W) -> (N, C, OH, OW); ``stride`` defaults to ``kernel_size``."""
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool1d(
    input: Tensor,
    kernel_size: IntOrSeq,
    stride: IntOrSeq | None = None,
    padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor:
    """Maximum over each window: (N, C, L) -> (N, C, L_out)."""
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def _avg_poolnd(
    input: Tensor, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool, count_include_pad: bool,
    divisor_override: int | None, k: int,
) -> Tensor:  # fmt: skip
    kernel, strides, pads, ones = _pool_args(input, kernel_size, stride, padding, 1, k, f"avg_pool{k}d")
    spatial = input.shape[-k:]
    out_size, widths = _pool_geometry(spatial, kernel, strides, pads, ones, ceil_mode)
    x = am.pad(input, widths) if any(widths) else input
    sums = am.sliding_windows(x, kernel, strides).sum(tuple(range(-k, 0)))
    if divisor_override:
        return sums / divisor_override
    ceil_extra = any(b != a for a, b in zip(widths[0::2], widths[1::2]))
    if not ceil_extra and (count_include_pad or not any(pads)):
        return sums / math.prod(kernel)
    # Window sizes that vary with position: count the cells each window covers (padding counted
    # only with count_include_pad, never the extra cells added for ceil_mode), as PyTorch does.
    inside = np.ones(spatial)
    counted = np.pad(inside, [(p, p) for p in pads], constant_values=float(count_include_pad))
    counted = np.pad(counted, [(0, b - a) for a, b in zip(widths[0::2][::-1], widths[1::2][::-1])])
    view = sliding_window_view(counted, kernel)[tuple(slice(None, None, s) for s in strides)]
    divisor = view.sum(axis=tuple(range(-k, 0)))[tuple(slice(0, n) for n in out_size)]
    return sums / am.as_tensor(divisor.astype(input.dtype))


def avg_pool2d(
    input: Tensor,
    kernel_size: IntOrSeq,
    stride: IntOrSeq | None = None,
    padding: IntOrSeq = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over each window: (N, C, H, W) -> (N, C, OH, OW); ``stride`` defaults to ``kernel_size``."""
    return _avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2)


def avg_pool1d(
    input: Tensor,
    kernel_size: IntOrSeq,
    stride: IntOrSeq | None = None,
    padding: IntOrSeq = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over each window: (N, C, L) -> (N, C, L_out)."""
    return _avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


def _adaptive_sizes(input: Tensor, output_size: Any, k: int, name: str) -> tuple[int, ...]:
    if input.ndim not in (k + 1, k + 2):
        raise RuntimeError(f"{name}(): Expected {k + 1}D or {k + 2}D tensor, but got {list(input.shape)}")
    sizes = (output_size,) * k if isinstance(output_size, int) or output_size is None else tuple(output_size)
    return tuple(n if s is None else int(s) for s, n in zip(sizes, input.shape[-k:]))


def _averaging_matrix(n: int, m: int, dtype: Any) -> Tensor:
    """(m, n) matrix whose row i averages input cells floor(i n / m) .. ceil((i + 1) n / m) - 1."""
    rows = np.arange(m)
    starts, ends = (rows * n) // m, -((-(rows + 1) * n) // m)
    cells = np.arange(n)
    mask = (cells >= starts[:, None]) & (cells < ends[:, None])
    return am.as_tensor((mask / mask.sum(axis=1, keepdims=True)).astype(dtype))


def _adaptive_avg(input: Tensor, output_size: Any, k: int) -> Tensor:
    sizes = _adaptive_sizes(input, output_size, k, f"adaptive_avg_pool{k}d")
    spatial = input.shape[-k:]
    if all(s == 1 for s in sizes):
        return input.mean(tuple(range(-k, 0)), keepdim=True)
    result = input
    for axis, (n, m) in enumerate(zip(spatial, sizes)):
        if n == m:
            continue
        # Pooling along one axis is a product with a constant (m, n) averaging matrix.
        moved = result.movedim(input.ndim - k + axis, -1)
        result = (moved @ _averaging_matrix(n, m, input.dtype).T).movedim(-1, input.ndim - k + axis)
    return result


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average over adaptive bins: (N, C, H, W) -> (N, C, *output_size); bins as PyTorch's."""
    return _adaptive_avg(input, output_size, 2)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average over adaptive bins: (N, C, L) -> (N, C, output_size)."""
    return _adaptive_avg(input, output_size, 1)


def _adaptive_max(input: Tensor, output_size: Any, return_indices: bool, k: int) -> Tensor:
    name = f"adaptive_max_pool{k}d"
    sizes = _adaptive_sizes(input, output_size, k, name)
    if return_indices:
        raise NotImplementedError(f"{name}(): return_indices=True is not supported")
    spatial = input.shape[-k:]
    if any(n % m for n, m in zip(spatial, sizes)):
        raise NotImplementedError(
            f"{name}(): input size {list(spatial)} must be divisible by output size {list(sizes)}"
        )
    kernel = tuple(n // m for n, m in zip(spatial, sizes))
    return am.window_max(am.sliding_windows(input, kernel, kernel), k)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Tensor:
    """Maximum over adaptive bins (input sizes divisible by the output size): (N, C, H, W) -> (N, C, *output_size)."""
    return _adaptive_max(input, output_size, return_indices, 2)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Tensor:
    """Maximum over adaptive bins (L divisible by the output size)."""
    return _adaptive_max(input, output_size, return_indices, 1)

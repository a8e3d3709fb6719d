"""Convolution and pooling for ``nn.functional``, built on the ``sliding_windows`` (im2col) primitive.

Convolution is one strided window view plus one BLAS matmul: the windows (N, C, *out, *kernel)
are arranged as a (N * prod(out), C * prod(kernel)) matrix and multiplied by the flattened weight;
groups become a batch dimension of that matmul.  Max pooling is ``amax`` over each window (ties
share the gradient evenly), average pooling a window ``sum`` divided by PyTorch's divisor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import autograd_mini as am
from autograd_mini import Tensor

__all__ = [
    "conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
]  # fmt: skip

IntOrSeq = int | Sequence[int]


def _ntuple(value: Any, k: int, name: str = "argument") -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)):
        return (int(value),) * k
    values = tuple(int(v) for v in value)
    if len(values) == 1:
        return values * k
    if len(values) != k:
        raise ValueError(f"{name} must be an int or a tuple of {k} ints, got {value!r}")
    return values


def _check_dims(input: Tensor, k: int, name: str) -> bool:
    """Return True when ``input`` is unbatched (no N dimension)."""
    if input.ndim not in (k + 1, k + 2):
        raise RuntimeError(
            f"Expected {k + 1}D (unbatched) or {k + 2}D (batched) input to {name}, but got input of size: "
            f"{list(input.shape)}"
        )
    return input.ndim == k + 1


def _same_padding(kernel: tuple[int, ...], dilation: tuple[int, ...]) -> list[int]:
    """F.pad widths for padding='same' (the extra unit goes after, as in PyTorch)."""
    widths: list[int] = []
    for k, d in reversed(list(zip(kernel, dilation))):
        total = d * (k - 1)
        widths += [total // 2, total - total // 2]
    return widths


def _convnd(
    input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any, dilation: Any, groups: int, k: int
) -> Tensor:
    name = f"conv{k}d"
    unbatched = _check_dims(input, k, name)
    x = input.unsqueeze(0) if unbatched else input
    if weight.ndim != k + 2:
        raise RuntimeError(f"{name}: expected a {k + 2}D weight, got weight of size {list(weight.shape)}")
    out_channels, group_channels = weight.shape[:2]
    kernel = weight.shape[2:]
    strides, dilations = _ntuple(stride, k, "stride"), _ntuple(dilation, k, "dilation")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if x.shape[1] != group_channels * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{list(x.shape)} to have "
            f"{group_channels * groups} channels, but got {x.shape[1]} channels instead"
        )
    if out_channels % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0")
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"Invalid padding string '{padding}', should be one of ['valid', 'same']")
        if padding == "same" and any(s != 1 for s in strides):
            raise ValueError("padding='same' is not supported for strided convolutions")
        widths = _same_padding(kernel, dilations) if padding == "same" else [0] * (2 * k)
    else:
        widths = [p for p in reversed(_ntuple(padding, k, "padding")) for _ in range(2)]
    if any(widths):
        x = am.pad(x, widths)
    padded = x.shape[2:]
    if any(d * (kk - 1) + 1 > n for n, kk, d in zip(padded, kernel, dilations)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, kernel))}). Kernel size can't be greater than actual input size"
        )
    windows = am.sliding_windows(x, kernel, strides, dilations)  # (N, C, *out, *kernel), a view
    n, out_spatial = x.shape[0], windows.shape[2 : 2 + k]
    rows = n * math.prod(out_spatial)
    spatial_axes = tuple(range(2, 2 + k))
    kernel_axes = tuple(range(2 + k, 2 + 2 * k))
    if groups == 1:
        cols = windows.permute((0, *spatial_axes, 1, *kernel_axes)).reshape(rows, -1)
        out = cols @ weight.reshape(out_channels, -1).T  # (rows, O)
        if bias is not None:
            out = out + bias
        out = out.reshape((n, *out_spatial, out_channels))
        result = out.permute((0, 1 + k, *range(1, 1 + k)))
    else:
        grouped = windows.reshape((n, groups, group_channels, *windows.shape[2:]))
        order = (1, 0, *(a + 1 for a in spatial_axes), 2, *(a + 1 for a in kernel_axes))
        cols = grouped.permute(order).reshape(groups, rows, -1)
        w = weight.reshape(groups, out_channels // groups, -1).transpose(1, 2)
        out = (cols @ w).reshape((groups, n, *out_spatial, out_channels // groups))
        out = out.permute((1, 0, 2 + k, *range(2, 2 + k))).reshape((n, out_channels, *out_spatial))
        result = out if bias is None else out + bias.reshape((out_channels,) + (1,) * k)
    return result.squeeze(0) if unbatched else result


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    dilation: IntOrSeq = 1,
    groups: int = 1,
) -> Tensor:
    """2-d cross-correlation: (N, C, H, W) with weight (O, C / groups, KH, KW) -> (N, O, OH, OW).

    OH = (H + 2 padding - dilation (KH - 1) - 1) // stride + 1, and likewise OW.
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    dilation: IntOrSeq = 1,
    groups: int = 1,
) -> Tensor:
    """1-d cross-correlation: (N, C, L) with weight (O, C / groups, K) -> (N, O, L_out)."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1)


# ------------------------------------------------------------------------------------------------ pooling
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
    input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool, k: int
) -> Tensor:
    kernel, strides, pads, dilations = _pool_args(input, kernel_size, stride, padding, dilation, k, f"max_pool{k}d")
    _, widths = _pool_geometry(input.shape[-k:], kernel, strides, pads, dilations, ceil_mode)
    x = am.pad(input, widths, value=-math.inf) if any(widths) else input
    windows = am.sliding_windows(x, kernel, strides, dilations)
    return windows.amax(tuple(range(-k, 0)))


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
    if return_indices:
        raise NotImplementedError("max_pool2d(): return_indices=True is not supported")
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, 2)


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
    if return_indices:
        raise NotImplementedError("max_pool1d(): return_indices=True is not supported")
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, 1)


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
    return am.sliding_windows(input, kernel, kernel).amax(tuple(range(-k, 0)))


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Tensor:
    """Maximum over adaptive bins (input sizes divisible by the output size): (N, C, H, W) -> (N, C, *output_size)."""
    return _adaptive_max(input, output_size, return_indices, 2)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Tensor:
    """Maximum over adaptive bins (L divisible by the output size)."""
    return _adaptive_max(input, output_size, return_indices, 1)

"""Convolution for ``nn.functional``, built on the ``sliding_windows`` (im2col) primitive.

Convolution is one strided window view plus one BLAS matmul: the windows (N, C, *out, *kernel)
are arranged as a (C * prod(kernel), N * prod(out)) column matrix and multiplied by the flattened
weight (O, C * prod(kernel)); groups become a batch dimension of that matmul.  No Python loop runs over samples or pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

__all__ = ["conv1d", "conv2d"]

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
    # Columns as (groups, C/groups * prod(kernel), N * prod(out)): this order copies the strided window
    # view in long contiguous runs (the output rows), several times faster than (rows, C * prod(kernel)),
    # and the gradient of the columns comes back contiguous for col2im.
    grouped = windows.reshape((n, groups, group_channels, *windows.shape[2:]))
    cols = grouped.permute((1, 2, *(a + 1 for a in kernel_axes), 0, *(a + 1 for a in spatial_axes)))
    w = weight.reshape(groups, out_channels // groups, -1)
    if groups == 1:
        out = w[0] @ cols.reshape(-1, rows)  # (O, rows): one BLAS call
    else:
        out = (w @ cols.reshape(groups, -1, rows)).reshape(out_channels, rows)
    if bias is not None:
        out = out + bias.reshape(out_channels, 1)
    out = out.reshape((out_channels, n, *out_spatial))
    result = out.permute((1, 0, *range(2, 2 + k)))
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

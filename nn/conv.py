"""Convolution layers ``Conv1d`` and ``Conv2d`` (cross-correlation, as in PyTorch), on ``F.conv1d/conv2d``."""

from __future__ import annotations

import math
from typing import Any

import autograd_mini as am
from autograd_mini import Tensor

from . import functional as F
from . import init
from ._functional_conv import _ntuple
from .module import Module
from .parameter import Parameter, _register_weight_and_bias

__all__ = ["Conv1d", "Conv2d"]

_PADDING_MODES = ["zeros", "reflect", "replicate", "circular"]


class _ConvNd(Module):
    """Shared construction, initialisation and repr of Conv1d / Conv2d (``k`` spatial dims)."""

    k = 2
    weight: Parameter
    bias: Parameter | None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        k = self.k
        self.stride = _ntuple(stride, k, "stride")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of ['valid', 'same']")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding: tuple[int, ...] | str = padding
        else:
            self.padding = _ntuple(padding, k, "padding")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got padding_mode='{padding_mode}'")
        if padding_mode != "zeros":
            raise NotImplementedError(f"padding_mode='{padding_mode}' is not supported (only 'zeros')")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, k, "kernel_size")
        self.dilation = _ntuple(dilation, k, "dilation")
        self.transposed = False
        self.output_padding = (0,) * k
        self.groups = groups
        self.padding_mode = padding_mode
        weight = am.empty(out_channels, in_channels // groups, *self.kernel_size, dtype=dtype)
        _register_weight_and_bias(self, weight, am.empty(out_channels, dtype=dtype) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)) weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) bias."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        conv = F.conv2d if self.k == 2 else F.conv1d
        try:
            return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        except RuntimeError as error:
            raise self._named_error(error) from None

    def extra_repr(self) -> str:
        k = self.k
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * k:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * k:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv2d(_ConvNd):
    """2-d convolution: (N, C_in, H, W) -> (N, C_out, H_out, W_out), weight (C_out, C_in / groups, KH, KW).

    H_out = (H + 2 padding - dilation (KH - 1) - 1) // stride + 1; ``padding`` may be 'valid' or 'same'.
    """

    k = 2


class Conv1d(_ConvNd):
    """1-d convolution: (N, C_in, L) -> (N, C_out, L_out), weight (C_out, C_in / groups, K)."""

    k = 1

"""Normalisation layers: ``BatchNorm1d``, ``BatchNorm2d`` (running statistics), ``LayerNorm``, ``GroupNorm``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import autograd_mini as am
from autograd_mini import Tensor

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter, _register_weight_and_bias

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm"]


def _register_affine(module: Module, affine: bool, bias: bool, shape: int | tuple[int, ...], dtype: Any) -> None:
    """Register ``weight`` (ones) and ``bias`` (zeros) of ``shape`` on ``module``, or None placeholders."""
    weight = am.ones(shape, dtype=dtype) if affine else None
    _register_weight_and_bias(module, weight, am.zeros(shape, dtype=dtype) if affine and bias else None)


class _BatchNorm(Module):
    """Shared BatchNorm: affine ``weight``/``bias`` and the buffers running_mean, running_var, num_batches_tracked."""

    weight: Parameter | None
    bias: Parameter | None
    running_mean: Tensor | None
    running_var: Tensor | None
    num_batches_tracked: Tensor | None

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _register_affine(self, affine, bias, num_features, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", am.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", am.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", am.tensor(0, dtype=am.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.running_mean is not None and self.running_var is not None and self.num_batches_tracked is not None:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            with am.no_grad():
                self.num_batches_tracked[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with am.no_grad():
                self.num_batches_tracked[...] = self.num_batches_tracked + 1
            factor = 1.0 / float(self.num_batches_tracked.item()) if self.momentum is None else self.momentum
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        use_running = not self.training or self.track_running_stats
        try:
            return F.batch_norm(
                input,
                self.running_mean if use_running else None,
                self.running_var if use_running else None,
                self.weight,
                self.bias,
                bn_training,
                factor,
                self.eps,
            )
        except RuntimeError as error:
            raise self._named_error(error) from None

    def _load_from_state_dict(
        self, state_dict: dict[str, Any], prefix: str, missing: list[str], unexpected: list[str], errors: list[str]
    ) -> None:
        # Checkpoints from before num_batches_tracked existed load with it reset to 0, as in PyTorch.
        key = prefix + "num_batches_tracked"
        if self.track_running_stats and key not in state_dict:
            state_dict[key] = (
                self.num_batches_tracked if self.num_batches_tracked is not None else am.tensor(0, dtype=am.int64)
            )
        super()._load_from_state_dict(state_dict, prefix, missing, unexpected, errors)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) over N (and L) per channel C."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) over N, H, W per channel C."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class LayerNorm(Module):
    """Normalise over the trailing ``normalized_shape`` dims of (*, *normalized_shape), then scale and shift."""

    weight: Parameter | None
    bias: Parameter | None

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _register_affine(self, elementwise_affine, bias, shape, dtype)

    def forward(self, input: Tensor) -> Tensor:
        try:
            return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)
        except RuntimeError as error:
            raise self._named_error(error) from None

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Normalise groups of ``num_channels / num_groups`` channels of (N, C, *), then scale and shift per channel."""

    weight: Parameter | None
    bias: Parameter | None

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _register_affine(self, affine, bias, num_channels, dtype)

    def forward(self, input: Tensor) -> Tensor:
        try:
            return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)
        except RuntimeError as error:
            raise self._named_error(error) from None

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )

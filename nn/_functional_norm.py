"""Normalisation layers' functions for ``nn.functional``: batch_norm, layer_norm, group_norm.

The normalisation itself is written with Tensor operations (so it is differentiable to any
order); running statistics are updated in place with NumPy outside the graph, as PyTorch does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import autograd_mini as am
from autograd_mini import Tensor

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm"]


def _channel_shape(input: Tensor) -> tuple[int, ...]:
    """Shape that broadcasts a per-channel (dim 1) vector against ``input``."""
    return (1, input.shape[1]) + (1,) * (input.ndim - 2)


def _normalize(input: Tensor, dims: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """(x - mean) / sqrt(var + eps) over ``dims`` with the biased variance; also returns mean and var."""
    mean = input.mean(dims, keepdim=True)
    centred = input - mean
    var = (centred * centred).mean(dims, keepdim=True)
    return centred * (var + eps).rsqrt(), mean, var


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) of (N, C, *) with batch statistics (training) or running ones (eval).

    In training the running statistics, when given, are updated in place:
    ``running = (1 - momentum) running + momentum batch`` with the unbiased batch variance.
    """
    if input.ndim < 2:
        raise ValueError(f"expected at least 2D input (got {input.ndim}D input)")
    channels = input.shape[1]
    for name, tensor in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if tensor is not None and tensor.numel() != channels:
            raise RuntimeError(
                f"batch_norm: {name} should contain {channels} elements not {tensor.numel()} "
                f"(input of size {list(input.shape)})"
            )
    dims = (0, *range(2, input.ndim))
    shape = _channel_shape(input)
    if training:
        count = input.numel() // channels
        if count == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {list(input.shape)}"
            )
        out, mean, var = _normalize(input, dims, eps)
        with am.no_grad():
            if running_mean is not None:
                running_mean[...] = running_mean * (1 - momentum) + mean.detach().reshape(channels) * momentum
            if running_var is not None:
                unbiased = var.detach().reshape(channels) * (count / (count - 1))
                running_var[...] = running_var * (1 - momentum) + unbiased * momentum
        if weight is not None:
            out = out * weight.reshape(shape)
        if bias is not None:
            out = out + bias.reshape(shape)
        return out
    if running_mean is None or running_var is None:
        raise RuntimeError("batch_norm: running_mean and running_var must be given when training=False")
    # Eval mode folds the statistics into one scale and one shift per channel.
    scale = (running_var.detach() + eps).rsqrt()
    if weight is not None:
        scale = scale * weight
    shift = -running_mean.detach() * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(shape).to(input.dtype) + shift.reshape(shape).to(input.dtype)


def instance_norm(input: Tensor, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each (sample, channel) of (N, C, *) over its spatial positions (no running statistics)."""
    out, _, _ = _normalize(input, tuple(range(2, input.ndim)), eps)
    shape = _channel_shape(input)
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def layer_norm(
    input: Tensor,
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims of (*, *normalized_shape), then scale and shift."""
    shape = tuple(normalized_shape)
    k = len(shape)
    if input.shape[input.ndim - k :] != shape or input.ndim < k:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, {', '.join(map(str, shape))}], "
            f"but got input of size{list(input.shape)}"
        )
    out, _, _ = _normalize(input, tuple(range(-k, 0)), eps)
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


def group_norm(
    input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
) -> Tensor:
    """Normalise each group of ``C / num_groups`` channels of (N, C, *) together, then scale and shift per channel."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    n, channels = input.shape[:2]
    if channels % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(input.shape)} and num_groups={num_groups}"
        )
    grouped = input.reshape(n, num_groups, channels // num_groups * math.prod(input.shape[2:]))
    out, _, _ = _normalize(grouped, (2,), eps)
    out = out.reshape(input.shape)
    shape = _channel_shape(input)
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)

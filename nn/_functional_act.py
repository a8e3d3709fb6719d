"""Activation functions of ``nn.functional``, built from autograd_mini's Tensor operations.

Subgradients at the kinks follow PyTorch: relu'(0) = 0, and hardtanh / relu6 / hardsigmoid have
zero gradient at their clipping bounds.  ``inplace=True`` writes the result into ``input``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import autograd_mini as am
from autograd_mini import Tensor

__all__ = [
    "relu", "relu6", "leaky_relu", "prelu", "elu", "selu", "celu", "gelu", "silu", "mish", "softplus",
    "sigmoid", "tanh", "hardtanh", "hardsigmoid", "hardswish", "logsigmoid", "softsign", "tanhshrink",
    "softmax", "log_softmax", "softmin", "glu", "normalize", "threshold",
]  # fmt: skip

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _maybe_inplace(input: Tensor, inplace: bool, name: str, compute: Callable[[Tensor], Tensor]) -> Tensor:
    return am.inplace(input, name, compute) if inplace else compute(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); gradient 0 at x = 0.  Any shape."""
    return _maybe_inplace(input, inplace, "relu_", am.relu)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else ``value``."""
    return _maybe_inplace(input, inplace, "threshold_", lambda x: am.where(x.data > threshold, x, value))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """Clip to [min_val, max_val]; the gradient is 1 strictly inside and 0 outside or at the bounds."""

    def compute(x: Tensor) -> Tensor:
        inside = (x.data > min_val) & (x.data < max_val)
        return am.where(inside, x, x.detach().clamp(min_val, max_val))

    return _maybe_inplace(input, inplace, "hardtanh_", compute)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return _maybe_inplace(input, inplace, "leaky_relu_", lambda x: am.leaky_relu(x, negative_slope))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """Leaky ReLU with a learned slope: one shared (weight of size 1) or one per channel (dim 1)."""
    if weight.numel() != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1  # no channel dim below 2-d, as in PyTorch
        if weight.numel() != channels:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {weight.numel()} "
                f"and channel size = {channels}."
            )
        if input.ndim >= 2:
            weight = weight.reshape((channels,) + (1,) * (input.ndim - 2))
    return am.where(input.data > 0, input, input * weight)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha (exp(x) - 1) otherwise."""
    return _maybe_inplace(input, inplace, "elu_", lambda x: am.elu(x, alpha))


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _maybe_inplace(input, inplace, "selu_", lambda x: am.elu(x, _SELU_ALPHA) * _SELU_SCALE)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha (exp(x / alpha) - 1) otherwise."""

    def compute(x: Tensor) -> Tensor:
        return am.where(x.data > 0, x, am.expm1(am.minimum(x, 0.0) / alpha) * alpha)

    return _maybe_inplace(input, inplace, "celu_", compute)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x) (exact) or its tanh approximation (``approximate='tanh'``)."""
    return am.gelu(input, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x sigmoid(x) (Swish)."""
    return _maybe_inplace(input, inplace, "silu_", am.silu)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x))."""
    return _maybe_inplace(input, inplace, "mish_", am.mish)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold."""
    return am.softplus(input, beta, threshold)


def sigmoid(input: Tensor) -> Tensor:
    return am.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return am.tanh(input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6."""
    return _maybe_inplace(input, inplace, "hardsigmoid_", lambda x: hardtanh(x, -3.0, 3.0) / 6 + 0.5)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x relu6(x + 3) / 6."""
    return _maybe_inplace(input, inplace, "hardswish_", lambda x: x * (hardtanh(x, -3.0, 3.0) / 6 + 0.5))


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), stable for large |x|."""
    return am.logsigmoid(input)


def softsign(input: Tensor) -> Tensor:
    return am.softsign(input)


def tanhshrink(input: Tensor) -> Tensor:
    return input - am.tanh(input)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _prepare(input: Tensor, dim: int | None, dtype: Any, name: str) -> tuple[Tensor, int]:
    if dtype is not None:
        input = input.to(dtype)
    return input, _softmax_dim(name, input.ndim, 4) if dim is None else dim


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``."""
    x, d = _prepare(input, dim, dtype, "softmax")
    return am.softmax(x, d)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """x - logsumexp(x) along ``dim`` (stable)."""
    x, d = _prepare(input, dim, dtype, "log_softmax")
    return am.log_softmax(x, d)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """softmax(-x) along ``dim``."""
    x, d = _prepare(input, dim, dtype, "softmin")
    return am.softmax(-x, d)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b) where a, b are the two halves of ``input`` along ``dim``."""
    d = input._dim(dim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    a, b = am.chunk(input, 2, d)
    return a * am.sigmoid(b)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(||x||_p, eps) along ``dim``."""
    norm = am.norm(input, p, dim, keepdim=True)
    return input / norm.clamp(min=eps)

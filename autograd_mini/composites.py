"""Composites: functions built from primitives, so their gradients (of any order) come for free.

The activation functions of the lecture notes live here.  ``where`` picks branches with the
mask computed from the data, which gives PyTorch's subgradients at the kinks: relu'(0) = 0.
"""

from __future__ import annotations

import math
from typing import Any

from .ops.activation import erf, sigmoid, softplus, tanh
from .ops.elementwise import exp, expm1, where
from .tensor import Tensor

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return where(input.data > 0, input, input * negative_slope)


def elu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (exp(x) - 1) otherwise."""
    # The negative branch sees min(x, 0), so it stays finite and its zero gradient cannot become NaN; the
    # min is a where on the data (not ``minimum``, which would halve the gradient at 0: elu'(0) = alpha).
    return where(input.data > 0, input, expm1(where(input.data > 0, 0.0, input)) * alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x) with the exact normal CDF, or its tanh approximation (``approximate='tanh'``)."""
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * _SQRT_2_OVER_PI
        return input * (tanh(inner) + 1) * 0.5
    if approximate != "none":
        raise ValueError(f"approximate argument must be either none or tanh, got {approximate!r}")
    return input * (erf(input * (1 / math.sqrt(2.0))) + 1) * 0.5


def silu(input: Tensor) -> Tensor:
    """Swish: x sigmoid(x)."""
    return input * sigmoid(input)


swish = silu


def mish(input: Tensor) -> Tensor:
    """x tanh(softplus(x))."""
    return input * tanh(softplus(input))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """Clamp to [min_val, max_val]; unlike clamp, the gradient is 0 at the bounds (as in PyTorch)."""
    inside = (input.data > min_val) & (input.data < max_val)
    return where(inside, input, input.detach().clamp(min_val, max_val))


def square(input: Tensor) -> Tensor:
    return input**2


def sqrt(input: Tensor) -> Tensor:
    return input**0.5


def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(x)."""
    return input**-0.5


def reciprocal(input: Tensor) -> Tensor:
    return input**-1


def masked_fill(input: Tensor, mask: Any, value: float) -> Tensor:
    """``value`` where ``mask`` is true, else ``input``."""
    mask_array = mask.data if isinstance(mask, Tensor) else mask
    return where(mask_array, value, input)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -softplus(-input)


def xlogy(input: Tensor, other: Tensor) -> Tensor:
    """x log(y), defined as 0 where x == 0."""
    from .ops.elementwise import log

    safe = where(input.data == 0, 1.0, other)
    return where(input.data == 0, 0.0, input * log(safe))


def exp2(input: Tensor) -> Tensor:
    return exp(input * math.log(2.0))

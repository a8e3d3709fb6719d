"""Activation primitives: tanh, sigmoid, ReLU, softplus and erf, with the "backward" primitives
their vjps call (as PyTorch's tanh_backward), so a first-order vjp is one node and its own
derivative, for second order, is written with Tensor ops as usual.
"""

from __future__ import annotations

import math

import numpy as np

from .._convert import ONE, ZERO
from ..tensor import Tensor
from ._erf import erf_array
from .elementwise import _broadcast_error, exp, where
from .registry import array_of, call, constant, defop


def _sigmoid_forward(x: np.ndarray) -> np.ndarray:
    # exp(-|x|) never overflows; the two branches are the same function, each stable on its side.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _softplus_forward(x: np.ndarray, *, beta: float, threshold: float) -> np.ndarray:
    scaled = x * beta
    soft = (np.maximum(scaled, 0) + np.log1p(np.exp(-np.abs(scaled)))) / beta
    return np.where(scaled > threshold, x, soft).astype(x.dtype, copy=False)


def _erf_forward(x: np.ndarray) -> np.ndarray:
    return erf_array(x)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# ------------------------------------------------------------------- the derivative table
# tanh and sigmoid differentiate through their own "backward" primitives (as PyTorch's
# tanh_backward): one node per vjp instead of three, measured on deep chains; the derivatives of
# those primitives, for second order, are written with Tensor ops as usual.
# Their vjps are declared as those primitives (``output_vjp``): a backward on arrays runs them without dispatch.
TANH_BACKWARD = defop(
    "tanh_backward",
    lambda g, y: g * (ONE[y.dtype] - y * y),
    lambda gg, out, g, y: tanh_backward(gg, y),
    lambda gg, out, g, y: gg * g * y * -2,
    error_builder=_broadcast_error,
)
TANH = defop("tanh", np.tanh, output_vjp=TANH_BACKWARD, saves=())
SIGMOID_BACKWARD = defop(
    "sigmoid_backward",
    lambda g, y: g * y * (ONE[y.dtype] - y),
    lambda gg, out, g, y: sigmoid_backward(gg, y),
    lambda gg, out, g, y: gg * g * (1 - y * 2),
    error_builder=_broadcast_error,
)
SIGMOID = defop("sigmoid", _sigmoid_forward, output_vjp=SIGMOID_BACKWARD, saves=())
ERF = defop("erf", _erf_forward, lambda g, out, x: g * _TWO_OVER_SQRT_PI * exp(-(x * x)))
SOFTPLUS = defop(
    "softplus",
    _softplus_forward,
    lambda g, out, x, *, beta, threshold: where(array_of(x) * beta > threshold, g, g * sigmoid(x * beta)),
)


# Measured crossover between the two ways of masking: np.where wins on small arrays (no isfinite pass).
_WHERE_IS_FASTER = 1024


def _relu_backward_forward(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    # np.where keeps exact zeros where the upstream gradient holds inf/NaN (as PyTorch); on large
    # arrays it is ~7x slower than multiplying by the mask, which is then used unless such values occur.
    zero = ZERO[g.dtype]
    if g.size <= _WHERE_IS_FASTER:
        return np.where(y > zero, g, zero)
    result = g * (y > zero)
    if not np.isfinite(g).all():
        result = np.where(y > zero, g, zero)
    return result


RELU_BACKWARD = defop(
    "relu_backward",
    _relu_backward_forward,
    lambda gg, out, g, y: relu_backward(gg, y),
    lambda gg, out, g, y: constant(np.zeros(y.shape), y),  # the mask is piecewise constant in y
    grad_fn_name="ThresholdBackwardBackward0",
    error_builder=_broadcast_error,
)
# ReLU is a primitive (not where(x > 0, x, 0)) for measured speed: np.maximum and a mask product
# run ~10x faster than np.where on activation-sized arrays.  relu'(0) = 0, and relu(NaN) = NaN.
RELU = defop(
    "relu",
    lambda x: np.maximum(x, ZERO[x.dtype]),
    output_vjp=RELU_BACKWARD,
    saves=(),
)


# ------------------------------------------------------------------- public functions
def tanh(input: Tensor) -> Tensor:
    return call(TANH, input)


def sigmoid(input: Tensor) -> Tensor:
    """Logistic function 1 / (1 + exp(-x)), stable for any x (a primitive for that reason)."""
    return call(SIGMOID, input)


def tanh_backward(grad_output: Tensor, output: Tensor) -> Tensor:
    """The vjp of tanh given its output y: grad_output * (1 - y^2)."""
    return call(TANH_BACKWARD, grad_output, output)


def relu(input: Tensor) -> Tensor:
    """max(x, 0), with gradient 0 at x = 0."""
    return call(RELU, input)


def relu_backward(grad_output: Tensor, output: Tensor) -> Tensor:
    """The vjp of relu given its output y: grad_output where y > 0, else 0."""
    return call(RELU_BACKWARD, grad_output, output)


def sigmoid_backward(grad_output: Tensor, output: Tensor) -> Tensor:
    """The vjp of sigmoid given its output y: grad_output * y * (1 - y)."""
    return call(SIGMOID_BACKWARD, grad_output, output)


def erf(input: Tensor) -> Tensor:
    """The error function, accurate to double precision."""
    return call(ERF, input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold (PyTorch's definition)."""
    return call(SOFTPLUS, input, beta=float(beta), threshold=float(threshold))

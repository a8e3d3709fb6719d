"""Elementwise primitives: forward on arrays, and their derivatives as a table of vjps.

Every vjp reads ``vjp(g, out, *inputs, **attrs)``; ``out`` is given only to ops declared
``uses_out``.  Masks that pick a branch (abs, maximum, clamp, ...) are computed from the data
and enter as constants: they are piecewise constant, so their derivative is zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._convert import as_tensor, pair
from ..tensor import Tensor
from .registry import array_of, call, constant, defop, shape_text


def _broadcast_error(inputs: Sequence[Tensor], attrs: dict[str, Any], error: Exception) -> Exception:
    """PyTorch's wording for operands that do not broadcast, naming the first clashing dimension."""
    a, b = inputs[0].shape, inputs[-1].shape
    ndim = max(len(a), len(b))
    padded_a, padded_b = (1,) * (ndim - len(a)) + a, (1,) * (ndim - len(b)) + b
    for dim in reversed(range(ndim)):
        if padded_a[dim] != padded_b[dim] and 1 not in (padded_a[dim], padded_b[dim]):
            return RuntimeError(
                f"The size of tensor a ({padded_a[dim]}) must match the size of tensor b "
                f"({padded_b[dim]}) at non-singleton dimension {dim} "
                f"(shapes {shape_text(a)} and {shape_text(b)})"
            )
    return RuntimeError(f"elementwise op failed on shapes {shape_text(a)} and {shape_text(b)}: {error}")


def _pow_forward(x: np.ndarray, *, exponent: float) -> np.ndarray:
    # Fast paths: np.power is several times slower than these for the common exponents.
    if exponent == 2:
        return x * x
    if exponent == 0.5:
        return np.sqrt(x)
    if exponent == -1:
        return 1 / x
    return np.power(x, np.asarray(exponent, dtype=x.dtype) if x.dtype.kind == "f" else exponent)


def _pow_tensor_vjp_exponent(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> Tensor:
    """d(x**y)/dy = x**y log x; 0 where x == 0 (as PyTorch), NaN for negative bases."""
    x_array = array_of(x)
    positive = x_array > 0
    safe_log = log(x if positive.all() else where(positive, x, 1.0))
    rate = where(positive, out * safe_log, constant(np.where(x_array == 0, 0.0, np.nan), x))
    return g * rate


def _maximum_weights(x: Tensor, y: Tensor, greater: bool) -> tuple[Tensor, Tensor]:
    """Gradient shares of maximum (or minimum): 1 to the winner, 0.5 to each side of a tie."""
    x_array, y_array = array_of(x), array_of(y)
    wins = x_array > y_array if greater else x_array < y_array
    ties = x_array == y_array
    weight_x = wins + 0.5 * ties
    dtype = np.result_type(x_array, y_array)
    return constant(weight_x.astype(dtype), x), constant((1 - weight_x).astype(dtype), x)


def _in_range(x: Tensor, low: float | None, high: float | None) -> np.ndarray:
    """Where clamp passes its input through: gradient 1 at the bounds, as PyTorch."""
    mask = np.ones(x.shape, dtype=bool)
    if low is not None:
        mask &= array_of(x) >= low
    if high is not None:
        mask &= array_of(x) <= high
    return mask


def _clamp_forward(x: np.ndarray, *, low: float | None, high: float | None) -> np.ndarray:
    if low is not None:
        x = np.maximum(x, np.asarray(low, dtype=x.dtype))
    if high is not None:
        x = np.minimum(x, np.asarray(high, dtype=x.dtype))
    return x


# ------------------------------------------------------------------- the derivative table
ADD = defop("add", np.add, lambda g, out, x, y: g, lambda g, out, x, y: g, error_builder=_broadcast_error, saves=())
SUB = defop(
    "sub", np.subtract, lambda g, out, x, y: g, lambda g, out, x, y: -g, error_builder=_broadcast_error, saves=()
)
MUL = defop("mul", np.multiply, lambda g, out, x, y: g * y, lambda g, out, x, y: g * x, error_builder=_broadcast_error)
DIV = defop(
    "div",
    np.true_divide,
    lambda g, out, x, y: g / y,
    lambda g, out, x, y: -g * out / y,
    uses_out=True,
    error_builder=_broadcast_error,
    saves=(1,),
)
NEG = defop("neg", np.negative, lambda g, out, x: -g, saves=())
POW = defop(
    "pow",
    np.power,
    lambda g, out, x, y: g * y * x ** (y - 1),
    _pow_tensor_vjp_exponent,
    uses_out=True,
    grad_fn_name="PowBackward1",
    error_builder=_broadcast_error,
)
POW_SCALAR = defop(
    "pow_scalar",
    _pow_forward,
    lambda g, out, x, *, exponent: g * 0 if exponent == 0 else g * (exponent * x ** (exponent - 1)),
    grad_fn_name="PowBackward0",
)
EXP = defop("exp", np.exp, lambda g, out, x: g * out, uses_out=True, saves=())
EXPM1 = defop("expm1", np.expm1, lambda g, out, x: g * (out + 1), uses_out=True, saves=())
LOG = defop("log", np.log, lambda g, out, x: g / x)
LOG1P = defop("log1p", np.log1p, lambda g, out, x: g / (x + 1))
SIN = defop("sin", np.sin, lambda g, out, x: g * cos(x))
COS = defop("cos", np.cos, lambda g, out, x: -g * sin(x))
ABS = defop("abs", np.abs, lambda g, out, x: g * constant(np.sign(array_of(x)), x))
SIGN = defop("sign", np.sign, lambda g, out, x: g * 0, saves=())
MAXIMUM = defop(
    "maximum",
    np.maximum,
    lambda g, out, x, y: g * _maximum_weights(x, y, True)[0],
    lambda g, out, x, y: g * _maximum_weights(x, y, True)[1],
    error_builder=_broadcast_error,
)
MINIMUM = defop(
    "minimum",
    np.minimum,
    lambda g, out, x, y: g * _maximum_weights(x, y, False)[0],
    lambda g, out, x, y: g * _maximum_weights(x, y, False)[1],
    error_builder=_broadcast_error,
)
WHERE = defop(
    "where",
    lambda x, y, *, condition: np.where(condition, x, y),
    lambda g, out, x, y, *, condition: where(condition, g, 0.0),
    lambda g, out, x, y, *, condition: where(condition, 0.0, g),
    grad_fn_name="WhereBackward0",
    error_builder=_broadcast_error,
    saves=(),
)
CLAMP = defop(
    "clamp",
    _clamp_forward,
    lambda g, out, x, *, low, high: where(_in_range(x, low, high), g, 0.0),
)


CLONE = defop("clone", np.copy, lambda g, out, x: g, saves=())


# ------------------------------------------------------------------- public functions
def add(input: Any, other: Any, *, alpha: float = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting."""
    a, b = pair(input, other)
    if alpha != 1:
        b = b * alpha
    return call(ADD, a, b)


def sub(input: Any, other: Any, *, alpha: float = 1) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    a, b = pair(input, other)
    if alpha != 1:
        b = b * alpha
    return call(SUB, a, b)


def mul(input: Any, other: Any) -> Tensor:
    return call(MUL, *pair(input, other))


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """True division; ``rounding_mode='floor'`` or ``'trunc'`` gives a non-differentiable result."""
    a, b = pair(input, other)
    if rounding_mode is not None:
        from .compare import floor_divide

        if rounding_mode == "floor":
            return floor_divide(a, b)
        if rounding_mode == "trunc":
            return Tensor._make(np.trunc(a.data / b.data).astype(np.result_type(a.data, b.data)), None)
        raise ValueError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    if not (a.is_floating_point() or b.is_floating_point()):
        # Integer true division gives the default float dtype, as in PyTorch.
        a = Tensor._make(a.data.astype(np.float32), None)
        b = Tensor._make(b.data.astype(np.float32), None)
    return call(DIV, a, b)


def neg(input: Tensor) -> Tensor:
    return call(NEG, input)


def pow(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent``; a Python-number exponent records the cheaper scalar-power op."""
    if isinstance(input, Tensor) and isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        if exponent == 1:
            return call(CLONE, input)
        return call(POW_SCALAR, input, exponent=exponent)
    return call(POW, *pair(input, exponent))


def exp(input: Tensor) -> Tensor:
    return call(EXP, input)


def expm1(input: Tensor) -> Tensor:
    return call(EXPM1, input)


def log(input: Tensor) -> Tensor:
    return call(LOG, input)


def log1p(input: Tensor) -> Tensor:
    return call(LOG1P, input)


def sin(input: Tensor) -> Tensor:
    return call(SIN, input)


def cos(input: Tensor) -> Tensor:
    return call(COS, input)


def abs(input: Tensor) -> Tensor:
    return call(ABS, input)


def sign(input: Tensor) -> Tensor:
    return call(SIGN, input)


def maximum(input: Any, other: Any) -> Tensor:
    """Elementwise maximum; a tie sends half the gradient to each side."""
    return call(MAXIMUM, *pair(input, other))


def minimum(input: Any, other: Any) -> Tensor:
    """Elementwise minimum; a tie sends half the gradient to each side."""
    return call(MINIMUM, *pair(input, other))


def where(condition: Any, input: Any, other: Any) -> Tensor:
    """``input`` where ``condition`` holds, else ``other`` (the condition is not differentiated)."""
    condition_array = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if condition_array.dtype != np.bool_:
        condition_array = condition_array.astype(bool)
    a, b = pair(input, other)
    return call(WHERE, a, b, condition=condition_array)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit values to [min, max]; the gradient is 1 at the bounds, as in PyTorch."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        result = input
        if min is not None:
            result = where(input.data < as_tensor(min, input).data, min, result)
        if max is not None:
            result = where(input.data > as_tensor(max, input).data, max, result)
        return result
    return call(CLAMP, input, low=min, high=max)


clip = clamp


def clone(input: Tensor) -> Tensor:
    """A copy with its own storage, differentiable."""
    return call(CLONE, input)

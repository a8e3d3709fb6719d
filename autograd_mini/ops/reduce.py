"""Reductions and scans: sum, mean, var, prod, cumsum, logsumexp, log_softmax and the 2-norm.

Gradients of a reduction broadcast the upstream gradient back over the reduced axes; the
helper :func:`expand_back` restores the kept dimensions first.  logsumexp and log_softmax
are primitives (rather than composites) for numerical stability: both subtract the maximum.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..engine import NO_ATTRS, apply
from ..tensor import Tensor
from ._dims import Dims, expand_back, normalize_dims, resolve_keepdim
from .broadcast import broadcast_to, expand_to
from .elementwise import exp
from .extrema import amax, amin
from .registry import array_of, call, defop


def _prod_except_forward(x: np.ndarray) -> np.ndarray:
    """For each position along the last axis, the product of all the others (safe with zeros)."""
    ones = np.ones(x.shape[:-1] + (1,), dtype=x.dtype)
    left = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, x[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return left * right


def _prod_except_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    """d prod_except(x)_i / d x_k is the product over j not in {i, k} (zero when k == i)."""
    from .elementwise import where

    n = x.shape[-1]
    eye = np.eye(n, dtype=bool)
    rows = broadcast_to(x.unsqueeze(-2), x.shape[:-1] + (n, n))
    pair_products = where(eye, 0.0, prod_except(where(eye, 1.0, rows)))
    return (g.unsqueeze(-1) * pair_products).sum(-2)


def _cumsum_vjp(g: Tensor, out: Tensor, x: Tensor, *, axis: int) -> Tensor:
    return g.flip(axis).cumsum(axis).flip(axis)


# The forwards call the ufuncs' reduce methods (np.add.reduce, np.maximum.reduce): the same
# computation as np.sum / np.max, without their Python-level dispatch, which costs microseconds on
# the small arrays of a training step.
def _sum_forward(x: np.ndarray, *, axis: Dims, keepdims: bool) -> np.ndarray:
    return np.add.reduce(x, axis=axis, keepdims=keepdims)  # type: ignore[call-overload]


def _mean_forward(x: np.ndarray, *, axis: Dims, keepdims: bool, count: int) -> np.ndarray:
    return _sum_forward(x, axis=axis, keepdims=keepdims) / count


def _logsumexp_forward(x: np.ndarray, *, axis: Dims, keepdims: bool) -> np.ndarray:
    peak = np.maximum.reduce(x, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0)
    with np.errstate(divide="ignore"):  # all -inf: log(0) = -inf, as in PyTorch
        total = np.log(np.add.reduce(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return total if keepdims else np.squeeze(total, axis=axis)


def _log_softmax_forward(x: np.ndarray, *, axis: int) -> np.ndarray:
    shifted = x - np.maximum.reduce(x, axis=axis, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


def _norm2_forward(x: np.ndarray, *, axis: Dims, keepdims: bool) -> np.ndarray:
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))


def _norm2_vjp(g: Tensor, out: Tensor, x: Tensor, *, axis: Dims, keepdims: bool) -> Tensor:
    """x / ||x||, taken as 0 at the origin (PyTorch's subgradient there)."""
    from .elementwise import where

    norm = expand_back(out, x, axis, keepdims)
    safe = where(array_of(norm) == 0, 1.0, norm)
    return expand_back(g, x, axis, keepdims) * x / safe


# ------------------------------------------------------------------- the derivative table
# Reductions over every element are primitives of their own, as in PyTorch (SumBackward0 and MeanBackward0;
# over dims, SumBackward1 and MeanBackward1): no attributes, so the dispatch takes its fast paths.  mean is a
# primitive (not sum / count) for measured speed: one node instead of two.
SUM_ALL = defop(
    "sum_all",
    lambda x: _sum_forward(x, axis=None, keepdims=False),
    lambda g, out, x: expand_to(g, x.shape),
    saves=(),
    grad_fn_name="SumBackward0",
)
MEAN_ALL = defop(
    "mean_all",
    lambda x: _mean_forward(x, axis=None, keepdims=False, count=x.size),
    lambda g, out, x: expand_to(g, x.shape) / array_of(x).size,
    saves=(),
    grad_fn_name="MeanBackward0",
)
SUM = defop(
    "sum",
    _sum_forward,
    lambda g, out, x, *, axis, keepdims: expand_back(g, x, axis, keepdims),
    saves=(),
    grad_fn_name="SumBackward1",
)
MEAN = defop(
    "mean",
    _mean_forward,
    lambda g, out, x, *, axis, keepdims, count: expand_back(g, x, axis, keepdims) / count,
    saves=(),
    grad_fn_name="MeanBackward1",
)
PROD = defop(
    "prod",
    lambda x: np.prod(x, axis=-1),
    lambda g, out, x: g.unsqueeze(-1) * prod_except(x),
    array_vjps=False,
)
PROD_EXCEPT = defop("prod_except", _prod_except_forward, _prod_except_vjp, array_vjps=False)
CUMSUM = defop("cumsum", lambda x, *, axis: np.cumsum(x, axis=axis), _cumsum_vjp, saves=(), array_vjps=False)
LOGSUMEXP = defop(
    "logsumexp",
    _logsumexp_forward,
    lambda g, out, x, *, axis, keepdims: (
        expand_back(g, x, axis, keepdims) * exp(x - expand_back(out, x, axis, keepdims))
    ),
    uses_out=True,
)
LOG_SOFTMAX = defop(
    "log_softmax",
    _log_softmax_forward,
    lambda g, out, x, *, axis: g - exp(out) * call(SUM, g, axis=(axis,), keepdims=True),
    uses_out=True,
    saves=(),
)
NORM2 = defop("norm2", _norm2_forward, _norm2_vjp, uses_out=True, grad_fn_name="LinalgVectorNormBackward0")


# ------------------------------------------------------------------- public functions
def sum(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Sum over ``dim`` (int, tuple or None for all)."""
    x = input if dtype is None else input.to(dtype)
    if x.data.dtype.kind == "b":
        x = x.to(np.int64)
    if dim is None and axis is None and not keepdim and not keepdims:
        return apply(SUM_ALL, (x,), NO_ATTRS)
    axis_ = normalize_dims(x, dim, axis, "sum")
    return call(SUM, x, axis=axis_, keepdims=resolve_keepdim(keepdim, keepdims))


def _count(x: Tensor, axis: Dims) -> int:
    if axis is None:
        return int(x.data.size)
    return int(np.prod([x.shape[d] for d in axis]))


def mean(
    input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None
) -> Tensor:
    """Arithmetic mean over ``dim``; floating tensors only, as in PyTorch."""
    if not input.is_floating_point():
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {input.dtype}"
        )
    if dim is None and axis is None and not keepdim and not keepdims:
        return apply(MEAN_ALL, (input,), NO_ATTRS)
    axis_ = normalize_dims(input, dim, axis, "mean")
    return call(MEAN, input, axis=axis_, keepdims=resolve_keepdim(keepdim, keepdims), count=_count(input, axis_))


def var(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Variance with Bessel's ``correction`` (default 1; ``unbiased=False`` means 0)."""
    if unbiased is not None and correction is not None:
        raise TypeError("var() received both 'unbiased' and 'correction'; pass only one")
    if correction is None:
        correction = 0 if unbiased is False else 1
    axis_ = normalize_dims(input, dim, axis, "var")
    centred = input - mean(input, axis_, keepdim=True)
    squares = call(SUM, centred * centred, axis=axis_, keepdims=resolve_keepdim(keepdim, keepdims))
    return squares / builtins.max(_count(input, axis_) - correction, 0)


def std(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Standard deviation: the square root of :func:`var`."""
    return var(input, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims) ** 0.5


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Product over one ``dim`` or all elements; gradients are exact even with zeros."""
    if dim is None:
        result = call(PROD, input.reshape(-1))
        return result.reshape((1,) * input.ndim) if keepdim else result
    d = input._dim(dim)
    if input.ndim == 0:
        return input.clone()
    result = call(PROD, input.movedim(d, -1))
    return result.unsqueeze(d) if keepdim else result


def prod_except(input: Tensor) -> Tensor:
    """For each element along the last axis, the product of all the other elements."""
    return call(PROD_EXCEPT, input)


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Cumulative sum along ``dim``."""
    x = input if dtype is None else input.to(dtype)
    if x.ndim == 0:
        return x.clone()
    return call(CUMSUM, x, axis=x._dim(dim))


def logsumexp(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``dim``, computed without overflow."""
    axis_ = normalize_dims(input, dim, None, "logsumexp")
    return call(LOGSUMEXP, input, axis=axis_, keepdims=keepdim)


def log_softmax(input: Tensor, dim: int = -1) -> Tensor:
    """log(softmax(x)) along ``dim``, stable for logits of any magnitude."""
    if input.ndim == 0:
        return input - input
    return call(LOG_SOFTMAX, input, axis=input._dim(dim))


def softmax(input: Tensor, dim: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``, built as exp(log_softmax(x)) for stability."""
    return log_softmax(input, dim).exp()


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
    """Vector p-norm over ``dim`` (all elements when None): p = 2/'fro', 1, inf, -inf or any number."""
    axis_ = normalize_dims(input, dim, None, "norm")
    if p in ("fro", 2, 2.0):
        return call(NORM2, input, axis=axis_, keepdims=keepdim)
    if p in (float("inf"), "inf"):
        return amax(input.abs(), axis_ if axis_ is not None else (), keepdim)
    if p in (float("-inf"), "-inf"):
        return amin(input.abs(), axis_ if axis_ is not None else (), keepdim)
    if p == 0:
        return sum((input != 0).to(input.dtype), axis_, keepdim)
    if isinstance(p, str):
        raise ValueError(f"norm(): unsupported norm type {p!r}")
    return sum(input.abs() ** p, axis_, keepdim) ** (1.0 / p)

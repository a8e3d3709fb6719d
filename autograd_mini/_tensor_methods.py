"""Tensor's method spellings (exp, sum, reshape, to, ...), each a one-line call into the op modules.

The op modules import ``Tensor``, so this mixin cannot import them at load time; ``F`` (the
``functional`` namespace) is bound by ``autograd_mini/__init__.py`` once every module is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import _tensor_operators, dtypes
from .engine import NO_ATTRS, apply

if TYPE_CHECKING:
    from .tensor import Tensor

# The ``functional`` module; typed Any because the methods below pass ``self`` (a Tensor at run
# time, but only this mixin to a type checker) straight through to it.
F: Any = None

# The activations of every training step apply their primitive directly, as the arithmetic operators
# do (see ``_tensor_operators``): the public function and ``call`` would add two Python calls.
_EXP: Any = None
_LOG: Any = None
_TANH: Any = None
_SIGMOID: Any = None
_RELU: Any = None


def bind(functional_module: Any) -> None:
    """Called once by the package ``__init__`` (for this module and ``_tensor_operators``)."""
    global F, _EXP, _LOG, _TANH, _SIGMOID, _RELU
    F = functional_module
    from ._convert import pair, tensor_and
    from .ops.registry import OPS

    _EXP, _LOG, _TANH, _SIGMOID, _RELU = (OPS[name] for name in ("exp", "log", "tanh", "sigmoid", "relu"))
    _tensor_operators.bind(functional_module, pair, tensor_and, OPS)


class TensorMethods:
    """Named methods shared by every Tensor (kept apart so tensor.py stays small)."""

    __slots__ = ()
    data: np.ndarray

    # -------------------------------------------------------------------------- elementwise
    def exp(self) -> Tensor:
        return apply(_EXP, (self,), NO_ATTRS)  # type: ignore[arg-type]

    def expm1(self) -> Tensor:
        return F.expm1(self)

    def log(self) -> Tensor:
        return apply(_LOG, (self,), NO_ATTRS)  # type: ignore[arg-type]

    def log1p(self) -> Tensor:
        return F.log1p(self)

    def sqrt(self) -> Tensor:
        return F.sqrt(self)

    def rsqrt(self) -> Tensor:
        return F.rsqrt(self)

    def sin(self) -> Tensor:
        return F.sin(self)

    def cos(self) -> Tensor:
        return F.cos(self)

    def tanh(self) -> Tensor:
        return apply(_TANH, (self,), NO_ATTRS)  # type: ignore[arg-type]

    def sigmoid(self) -> Tensor:
        return apply(_SIGMOID, (self,), NO_ATTRS)  # type: ignore[arg-type]

    def relu(self) -> Tensor:
        return apply(_RELU, (self,), NO_ATTRS)  # type: ignore[arg-type]

    def erf(self) -> Tensor:
        return F.erf(self)

    def abs(self) -> Tensor:
        return F.abs(self)

    def sign(self) -> Tensor:
        return F.sign(self)

    def neg(self) -> Tensor:
        return F.neg(self)

    def reciprocal(self) -> Tensor:
        return F.reciprocal(self)

    def square(self) -> Tensor:
        return F.square(self)

    def pow(self, exponent: Any) -> Tensor:
        return F.pow(self, exponent)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        return F.clamp(self, min, max)

    clip = clamp

    def add(self, other: Any, *, alpha: float = 1) -> Tensor:
        return F.add(self, other, alpha=alpha)

    def sub(self, other: Any, *, alpha: float = 1) -> Tensor:
        return F.sub(self, other, alpha=alpha)

    def mul(self, other: Any) -> Tensor:
        return F.mul(self, other)

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return F.div(self, other, rounding_mode=rounding_mode)

    def maximum(self, other: Any) -> Tensor:
        return F.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return F.minimum(self, other)

    def masked_fill(self, mask: Any, value: float) -> Tensor:
        return F.masked_fill(self, mask, value)

    def eq(self, other: Any) -> Tensor:
        return F.eq(self, other)

    # -------------------------------------------------------------------------- reductions
    def sum(self, dim: Any = None, keepdim: bool = False, **kwargs: Any) -> Tensor:
        return F.sum(self, dim, keepdim, **kwargs)

    def mean(self, dim: Any = None, keepdim: bool = False, **kwargs: Any) -> Tensor:
        return F.mean(self, dim, keepdim, **kwargs)

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, **kwargs: Any) -> Tensor:
        return F.var(self, dim, unbiased, keepdim, **kwargs)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, **kwargs: Any) -> Tensor:
        return F.std(self, dim, unbiased, keepdim, **kwargs)

    def prod(self, *args: Any, **kwargs: Any) -> Tensor:
        return F.prod(self, *args, **kwargs)

    def max(self, *args: Any, **kwargs: Any) -> Any:
        return F.max(self, *args, **kwargs)

    def min(self, *args: Any, **kwargs: Any) -> Any:
        return F.min(self, *args, **kwargs)

    def amax(self, *args: Any, **kwargs: Any) -> Tensor:
        return F.amax(self, *args, **kwargs)

    def amin(self, *args: Any, **kwargs: Any) -> Tensor:
        return F.amin(self, *args, **kwargs)

    def argmax(self, *args: Any, **kwargs: Any) -> Tensor:
        return F.argmax(self, *args, **kwargs)

    def argmin(self, *args: Any, **kwargs: Any) -> Tensor:
        return F.argmin(self, *args, **kwargs)

    def logsumexp(self, *args: Any, **kwargs: Any) -> Tensor:
        return F.logsumexp(self, *args, **kwargs)

    def cumsum(self, *args: Any, **kwargs: Any) -> Tensor:
        return F.cumsum(self, *args, **kwargs)

    def norm(self, *args: Any, **kwargs: Any) -> Tensor:
        return F.norm(self, *args, **kwargs)

    def softmax(self, *args: Any, **kwargs: Any) -> Tensor:
        return F.softmax(self, *args, **kwargs)

    def log_softmax(self, *args: Any, **kwargs: Any) -> Tensor:
        return F.log_softmax(self, *args, **kwargs)

    # -------------------------------------------------------------------------- shape
    def reshape(self, *shape: Any) -> Tensor:
        return F.reshape(self, *shape)

    def view(self, *shape: Any) -> Tensor:
        return F.reshape(self, *shape)

    def view_as(self, other: Tensor) -> Tensor:
        return F.reshape(self, other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return F.flatten(self, start_dim, end_dim)

    def unflatten(self, dim: int, sizes: Any) -> Tensor:
        return F.unflatten(self, dim, sizes)

    def squeeze(self, dim: Any = None) -> Tensor:
        return F.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        return F.unsqueeze(self, dim)

    def permute(self, *dims: Any) -> Tensor:
        return F.permute(self, *dims)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return F.transpose(self, dim0, dim1)

    def t(self) -> Tensor:
        """The matrix transpose (a view) of a tensor of at most 2 dimensions; a 0-d or 1-d one is returned itself."""
        ndim = self.data.ndim
        if ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {ndim}D")
        return F.transpose(self, 0, 1) if ndim == 2 else self  # type: ignore[return-value]

    def movedim(self, source: int, destination: int) -> Tensor:
        return F.movedim(self, source, destination)

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (the matrix transpose for 2-d tensors)."""
        return F.permute(self, tuple(reversed(range(self.data.ndim))))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped."""
        return F.transpose(self, -2, -1)

    def expand(self, *sizes: Any) -> Tensor:
        return F.expand(self, *sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        return F.expand(self, other.shape)

    def broadcast_to(self, shape: Any) -> Tensor:
        return F.expand(self, shape)

    def repeat(self, *repeats: Any) -> Tensor:
        return F.repeat(self, *repeats)

    def flip(self, dims: Any) -> Tensor:
        return F.flip(self, dims)

    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return F.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return F.chunk(self, chunks, dim)

    def gather(self, dim: int, index: Tensor) -> Tensor:
        return F.gather(self, dim, index)

    # -------------------------------------------------------------------------- linear algebra
    def matmul(self, other: Any) -> Tensor:
        return F.matmul(self, other)

    def mm(self, other: Tensor) -> Tensor:
        return F.mm(self, other)

    def dot(self, other: Tensor) -> Tensor:
        return F.dot(self, other)

    def outer(self, other: Tensor) -> Tensor:
        return F.outer(self, other)

    # -------------------------------------------------------------------------- dtype
    def to(self, dtype: Any) -> Tensor:
        """Convert to ``dtype`` (differentiable between floating dtypes)."""
        target = dtypes.resolve_dtype(dtype)
        if target is None or target == self.data.dtype:
            return F.as_tensor(self)
        if dtypes.is_floating(target) and dtypes.is_floating(self.data.dtype):
            return F.cast(self, target)
        return F.as_tensor(self.data.astype(target))

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def half(self) -> Tensor:
        return self.to(dtypes.float16)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool_)

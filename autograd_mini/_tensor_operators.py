"""Tensor's operators (``+ - * / // ** @``, comparisons, indexing) and in-place methods.

Like ``_tensor_methods``, each is a one-line call into the ``functional`` namespace ``F``, bound
by the package ``__init__`` once every op module is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .engine import NO_ATTRS, apply

if TYPE_CHECKING:
    from .tensor import Tensor

# The ``functional`` module (see ``_tensor_methods.bind``).
F: Any = None

# The hot arithmetic operators apply their primitive directly, skipping the public function and
# ``call`` (two Python calls of each ``a * b``): bound by :func:`bind` with the op table.
_pair: Any = None
_tensor_and: Any = None
_ADD: Any = None
_SUB: Any = None
_MUL: Any = None


def bind(functional_module: Any, pair: Any, tensor_and: Any, ops: dict[str, Any]) -> None:
    """Called once by ``_tensor_methods.bind`` when every op module is loaded."""
    global F, _pair, _tensor_and, _ADD, _SUB, _MUL
    F = functional_module
    _pair, _tensor_and = pair, tensor_and
    _ADD, _SUB, _MUL = ops["add"], ops["sub"], ops["mul"]


class TensorOperators:
    """Python operators and in-place methods shared by every Tensor."""

    __slots__ = ()
    data: np.ndarray

    # -------------------------------------------------------------------------- operators
    def __add__(self, other: Any) -> Tensor:
        return apply(_ADD, _tensor_and(self, other), NO_ATTRS)

    def __radd__(self, other: Any) -> Tensor:
        return apply(_ADD, _pair(other, self), NO_ATTRS)

    def __sub__(self, other: Any) -> Tensor:
        return apply(_SUB, _tensor_and(self, other), NO_ATTRS)

    def __rsub__(self, other: Any) -> Tensor:
        return apply(_SUB, _pair(other, self), NO_ATTRS)

    def __mul__(self, other: Any) -> Tensor:
        return apply(_MUL, _tensor_and(self, other), NO_ATTRS)

    def __rmul__(self, other: Any) -> Tensor:
        return apply(_MUL, _pair(other, self), NO_ATTRS)

    def __truediv__(self, other: Any) -> Tensor:
        return F.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return F.div(other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        return F.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return F.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return F.remainder(self, other)

    def __pow__(self, exponent: Any) -> Tensor:
        return F.pow(self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        return F.pow(base, self)

    def __matmul__(self, other: Any) -> Tensor:
        return F.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return F.matmul(other, self)

    def __neg__(self) -> Tensor:
        return F.neg(self)

    def __pos__(self) -> Tensor:
        return F.as_tensor(self)

    def __abs__(self) -> Tensor:
        return F.abs(self)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return F.eq(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return F.ne(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return F.lt(self, other)

    def __le__(self, other: Any) -> Tensor:
        return F.le(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return F.gt(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return F.ge(self, other)

    def __and__(self, other: Any) -> Tensor:
        return F.logical_and(self, other)

    def __or__(self, other: Any) -> Tensor:
        return F.logical_or(self, other)

    def __invert__(self) -> Tensor:
        return F.logical_not(self)

    def __getitem__(self, index: Any) -> Tensor:
        return F.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        F.setitem_(self, index, value)

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    # -------------------------------------------------------------------------- in place
    # ``F.inplace_ufunc`` writes straight into the storage when nothing is recorded (every optimizer
    # update), and records the method as the named function otherwise.
    def add_(self, other: Any, *, alpha: float = 1) -> Tensor:
        if alpha != 1:
            other = other * alpha
        return F.inplace_ufunc(self, "add_", np.add, other, F.add)

    def sub_(self, other: Any, *, alpha: float = 1) -> Tensor:
        if alpha != 1:
            other = other * alpha
        return F.inplace_ufunc(self, "sub_", np.subtract, other, F.sub)

    def mul_(self, other: Any) -> Tensor:
        return F.inplace_ufunc(self, "mul_", np.multiply, other, F.mul)

    def div_(self, other: Any) -> Tensor:
        return F.inplace_ufunc(self, "div_", np.true_divide, other, F.div)

    def pow_(self, exponent: Any) -> Tensor:
        return F.inplace(self, "pow_", lambda t: F.pow(t, exponent))

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        return F.inplace(self, "clamp_", lambda t: F.clamp(t, min, max))

    def exp_(self) -> Tensor:
        return F.inplace(self, "exp_", F.exp)

    def relu_(self) -> Tensor:
        return F.inplace(self, "relu_", F.relu)

    def neg_(self) -> Tensor:
        return F.inplace(self, "neg_", F.neg)

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        return self.copy_(value)

    def copy_(self, src: Any) -> Tensor:
        """Overwrite with ``src`` (broadcast); differentiable with respect to ``src``, not the old values."""
        return F.inplace_ufunc(self, "copy_", _assign, src, _copied)


def _copied(current: Any, src: Any) -> Tensor:
    """copy_ recorded: where() selects rather than computes, so infs or NaNs in the old values cannot
    leak through (unrecorded, NumPy copies straight into the storage)."""
    return F.where(np.ones(current.shape, dtype=bool), F.as_tensor(src).to(current.dtype), current)


def _assign(current: np.ndarray, value: Any, out: np.ndarray, *, casting: str = "same_kind") -> None:
    """The "ufunc" of copy_: the new values, converted to the tensor's dtype as PyTorch's copy_ does."""
    np.copyto(out, value, casting="unsafe")

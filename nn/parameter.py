"""``Parameter``: a Tensor that a Module registers as trainable (requires grad by default)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

if TYPE_CHECKING:
    from .module import Module


class Parameter(Tensor):
    """A leaf Tensor that requires grad and is registered when assigned to a Module attribute.

    ``Parameter(data=None, requires_grad=True)``: ``data`` (a Tensor, array, number or list) is
    shared, not copied, when it is already a Tensor or an ndarray.  Operations on a Parameter
    return plain Tensors, as in PyTorch.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty((0,), dtype=am.float32)
        elif isinstance(data, Tensor):
            array = data.data
        elif isinstance(data, np.ndarray):
            array = data
        else:
            array = am.as_tensor(data).data
        super().__init__(np.empty((0,), dtype=array.dtype))
        self.data = array
        self.requires_grad = requires_grad

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) in memo:
            result: Parameter = memo[id(self)]
            return result
        result = type(self)(self.data.copy(), self.requires_grad)
        if self.grad is not None:
            result.grad = am.as_tensor(self.grad.data.copy())
        memo[id(self)] = result
        return result


def _register_weight_and_bias(module: Module, weight: Tensor | None, bias: Tensor | None) -> None:
    """Register ``weight`` and ``bias`` on ``module`` as Parameters, in that order; None registers a placeholder."""
    module.register_parameter("weight", None if weight is None else Parameter(weight))
    module.register_parameter("bias", None if bias is None else Parameter(bias))

"""Affine layers: ``Linear`` (y = x W^T + b), ``Bilinear`` and ``Maxout`` (max over k linear pieces)."""

from __future__ import annotations

import math
from typing import Any

import autograd_mini as am
from autograd_mini import Tensor

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter, _register_weight_and_bias

__all__ = ["Linear", "Bilinear", "Maxout"]

_linear = am.linear


class Linear(Module):
    """y = x W^T + b: (*, in_features) -> (*, out_features).

    ``weight`` is (out_features, in_features), ``bias`` (out_features,), both initialised from
    U(-1/sqrt(in_features), 1/sqrt(in_features)) as in PyTorch (kaiming_uniform_ with a = sqrt(5)).
    """

    weight: Parameter
    bias: Parameter | None

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        weight = am.empty(out_features, in_features, dtype=dtype)
        _register_weight_and_bias(self, weight, am.empty(out_features, dtype=dtype) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        # Read the parameters from their table: ``self.weight`` reaches them only after a failed
        # attribute lookup and Module.__getattr__ (about 0.6 us each, twice per layer per step).
        params = self._parameters
        weight: Any = params["weight"] if "weight" in params else self.weight
        bias: Any = params["bias"] if "bias" in params else self.bias
        try:
            return _linear(input, weight, bias)  # F.linear's engine call, without F.linear's own call
        except RuntimeError as error:
            raise self._named_error(F.linear_error(input, weight, error)) from None

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """y_k = x1^T A_k x2 + b_k: (*, in1_features), (*, in2_features) -> (*, out_features).

    ``weight`` is (out_features, in1_features, in2_features), initialised from U(-1/sqrt(in1), 1/sqrt(in1)).
    """

    weight: Parameter
    bias: Parameter | None

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        weight = am.empty(out_features, in1_features, in2_features, dtype=dtype)
        _register_weight_and_bias(self, weight, am.empty(out_features, dtype=dtype) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        try:
            return F.bilinear(input1, input2, self.weight, self.bias)
        except RuntimeError as error:
            raise self._named_error(error) from None

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


class Maxout(Module):
    """max_j (x W_j^T + b_j) over ``pieces`` linear maps: (*, in_features) -> (*, out_features).

    The generalised ReLU of the lecture notes (ReLU is the max of x and the zero map).  The pieces
    are stored as one Linear of ``out_features * pieces`` outputs, piece-major within each unit:
    output unit i uses rows ``i * pieces .. (i + 1) * pieces - 1`` of ``linear.weight``.
    """

    def __init__(
        self, in_features: int, out_features: int, pieces: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        if pieces < 1:
            raise ValueError(f"Maxout needs at least one piece, got pieces={pieces}")
        self.in_features = in_features
        self.out_features = out_features
        self.pieces = pieces
        self.linear = Linear(in_features, out_features * pieces, bias, dtype=dtype)

    def forward(self, input: Tensor) -> Tensor:
        try:
            z = F.linear(input, self.linear.weight, self.linear.bias)
        except RuntimeError as error:
            raise self._named_error(error) from None
        return z.reshape((*z.shape[:-1], self.out_features, self.pieces)).amax(-1)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, pieces={self.pieces}"

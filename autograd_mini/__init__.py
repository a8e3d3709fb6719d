"""autograd_mini: a from-scratch reverse-mode automatic differentiation engine on NumPy.

>>> import autograd_mini as am
>>> x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4., 6.])
"""

from __future__ import annotations

from . import _tensor_methods, func, functional
from ._convert import scalar_array
from .autograd import backward, grad
from .dtypes import bool_, float16, float32, float64, int8, int16, int32, int64, uint8
from .engine import Node, is_grad_enabled
from .factories import (
    arange,
    as_tensor,
    default_generator,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .function import Function, FunctionCtx
from .functional import *  # noqa: F403 - the functional namespace is the top-level API, as in torch
from .grad_mode import (
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_anomaly_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops.registry import OPS, defop, end_builtin_registrations
from .tensor import Tensor

_tensor_methods.bind(functional)
end_builtin_registrations()

__version__ = "0.1.0"

__all__ = [
    "Tensor", "Node", "tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like",
    "ones_like", "full_like", "arange", "linspace", "eye", "rand", "randn", "randint", "randperm", "manual_seed",
    "default_generator", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "gradcheck", "gradgradcheck", "GradcheckError", "defop", "OPS", "functional", "func", "Function",
    "FunctionCtx", "inference_mode", "is_inference_mode_enabled", "detect_anomaly", "set_detect_anomaly",
    "is_anomaly_enabled", "scalar_array",
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool_",
    *functional.__all__,
]  # fmt: skip

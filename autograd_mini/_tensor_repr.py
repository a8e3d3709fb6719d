"""``repr(tensor)`` in PyTorch's style: ``tensor([0.5000, 2.], requires_grad=True)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor

_DEFAULT_DTYPES = (np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_))


def _float_formatter(values: np.ndarray) -> Callable[[float], str]:
    """PyTorch's choice: "1." for whole numbers, 4 decimals normally, scientific for wide ranges."""
    finite = np.abs(values[np.isfinite(values)])
    if finite.size == 0:
        return lambda v: f"{v}"
    if np.all(finite == np.round(finite)) and finite.max() < 1e8:
        return lambda v: f"{v:.0f}." if np.isfinite(v) else f"{v}"
    nonzero = finite[finite > 0]
    wide = nonzero.size and (nonzero.max() / nonzero.min() > 1000 or nonzero.max() >= 1e8 or nonzero.min() < 1e-4)
    if wide:
        return lambda v: f"{v:.4e}" if np.isfinite(v) else f"{v}"
    return lambda v: f"{v:.4f}" if np.isfinite(v) else f"{v}"


def tensor_repr(tensor: Tensor) -> str:
    data = tensor.data
    prefix = "tensor("
    if data.dtype.kind == "f":
        plain = _float_formatter(data.astype(np.float64))
        # Right-align every element to the widest one, as PyTorch does ("tensor([ 0., 60.])").
        width = max((len(plain(float(v))) for v in data.reshape(-1)[:1000]), default=0)
        formatters: Any = {"float_kind": lambda v: plain(v).rjust(width)}
        body = np.array2string(data, separator=", ", prefix=prefix, formatter=formatters, threshold=1000, edgeitems=3)
    else:
        body = np.array2string(data, separator=", ", prefix=prefix, threshold=1000, edgeitems=3)
    if data.size == 0:
        body = "[]" if data.ndim == 1 else f"[], size={tuple(data.shape)}"
    extras = []
    if data.dtype not in _DEFAULT_DTYPES:
        extras.append(f"dtype={data.dtype}")
    if tensor.grad_fn is not None:
        extras.append(f"grad_fn=<{tensor.grad_fn.name()}>")
    elif tensor.requires_grad:
        extras.append("requires_grad=True")
    return prefix + ", ".join([body] + extras) + ")"

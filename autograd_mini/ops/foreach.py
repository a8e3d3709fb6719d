"""Multi-tensor in-place ops (PyTorch's ``torch._foreach_*``): one call updates a list of tensors, as optimizers
do on every step.  Outside grad mode a pair costs one NumPy call (two with ``alpha``) and no Python call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import engine
from .._convert import scalar_array
from ..engine import bump_versions
from ..tensor import Tensor
from .elementwise import add, mul
from .inplace import inplace_ufunc

_add = np.add


def foreach_add_(tensors: Sequence[Tensor], others: Sequence[Tensor | np.ndarray], *, alpha: float = 1) -> None:
    """``tensor += alpha * other`` in place for each pair of two equal-length lists (``torch._foreach_add_``);
    ``others`` may hold arrays (an optimizer's updates).

    ``alpha * other`` is computed in ``other``'s dtype (a Python float ``alpha`` as a 0-d array of it) and added
    with NumPy's same-kind casting, as ``Tensor.add_`` does; each tensor's version moves.  In grad mode each pair
    is ``tensor.add_(alpha * other)``: recorded when it requires grad, and refused where that is refused.
    """
    if len(tensors) != len(others):
        raise RuntimeError(
            f"foreach_add_: Tensor lists must have the same number of tensors, got {len(tensors)} and {len(others)}"
        )
    if engine._grad_enabled:
        for tensor, other in zip(tensors, others):
            inplace_ufunc(tensor, "add_", _add, other if alpha == 1 else mul(other, alpha), add)
        return
    # Outside grad mode nothing is recorded: NumPy writes each sum straight into the storage.
    scaled = alpha != 1
    dtype: np.dtype[Any] | None = None
    scale: Any = alpha
    for tensor, other in zip(tensors, others):
        operand: Any = other if type(other) is np.ndarray else other.data
        if scaled:
            if operand.dtype is not dtype:  # the 0-d alpha of this dtype, once per run of equal dtypes
                dtype = operand.dtype
                scale = scalar_array(alpha, dtype) if type(alpha) is float and dtype.kind == "f" else alpha
            operand = scale * operand
        data = tensor.data
        try:
            _add(data, operand, data)  # ``out`` positionally: NumPy checks shapes, casting and writeability first
        except (ValueError, TypeError):
            done = next(index for index, written in enumerate(tensors) if written is tensor)
            bump_versions(tensors[:done])  # the tensors before it were written
            inplace_ufunc(tensor, "add_", _add, operand, add)  # raises the error ``Tensor.add_`` would
            raise  # (not reached: the same write fails there)
    bump_versions(tensors)

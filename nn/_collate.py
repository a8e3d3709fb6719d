"""Collation for :mod:`nn.data`: merging samples into a batch (``default_collate``) and converting NumPy arrays to
Tensors (``default_convert``), as ``torch.utils.data``'s functions of the same names.  Re-exported by ``nn.data``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

__all__ = ["as_tensor", "default_collate", "default_convert"]


def as_tensor(value: Tensor | np.ndarray | Sequence[Any]) -> Tensor:
    """``value`` itself if it is a Tensor, else ``am.as_tensor(np.asarray(value))``."""
    return value if isinstance(value, Tensor) else am.as_tensor(np.asarray(value))


_COLLATE_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of B samples into a batch, as ``torch.utils.data.default_collate``.

    Tensors and NumPy arrays of shape S are stacked into a Tensor of shape (B, *S); Python floats give a float64
    Tensor, ints an int64 one and bools a bool one (shape (B,)); strings stay a list; dicts, tuples and lists are
    collated field by field (tuples give lists, as PyTorch; namedtuples keep their type).
    """
    elem = batch[0]
    if isinstance(elem, (Tensor, np.ndarray, np.number, np.bool_)):
        arrays = [x.data if isinstance(x, Tensor) else np.asarray(x) for x in batch]
        if isinstance(elem, np.ndarray) and elem.dtype.kind in "USO":
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        if any(a.shape != arrays[0].shape for a in arrays):
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {[a.shape for a in arrays]}")
        if any(isinstance(x, Tensor) and x.requires_grad for x in batch):
            return am.stack([as_tensor(x) for x in batch])  # keeps the graph, as torch.stack
        return am.from_numpy(np.stack(arrays))
    if isinstance(elem, bool):
        return am.tensor(list(batch), dtype=am.bool_)
    if isinstance(elem, int):
        return am.tensor(list(batch), dtype=am.int64)
    if isinstance(elem, float):
        return am.tensor(list(batch), dtype=am.float64)
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """NumPy arrays (and those inside dicts, lists and tuples) become Tensors; everything else is kept."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "USO":
        return am.from_numpy(data)
    if isinstance(data, Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(default_convert(d) for d in data)
    return data

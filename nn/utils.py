"""Gradient clipping and flat parameter vectors (``torch.nn.utils``)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]

TensorOrTensors = Tensor | Iterable[Tensor]


def _as_list(parameters: TensorOrTensors) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _writable_grad(param: Tensor) -> np.ndarray:
    grad = param.grad
    assert grad is not None
    if not grad.data.flags.writeable:
        grad.data = grad.data.copy()
    return grad.data


def clip_grad_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale the gradients in place so that their joint ``norm_type``-norm is at most ``max_norm``.

    The norm is taken over all gradients together, as if concatenated into one vector; the
    scale is ``min(1, max_norm / (total_norm + 1e-6))``.  Returns the total norm (a 0-d Tensor)
    before clipping.  Parameters without a gradient are skipped.
    """
    params = [p for p in _as_list(parameters) if p.grad is not None]
    norm_type = float(norm_type)
    if not params:
        return am.tensor(0.0)
    grads = [p.grad.data for p in params if p.grad is not None]
    dtype = np.result_type(*grads)
    if norm_type == np.inf:
        total = max(float(np.abs(g).max()) if g.size else 0.0 for g in grads)
    else:
        norms = np.array([np.linalg.norm(g.ravel().astype(np.float64), norm_type) for g in grads])
        total = float(np.linalg.norm(norms, norm_type))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    coefficient = min(float(max_norm) / (total + 1e-6), 1.0)
    for param in params:
        grad = _writable_grad(param)
        grad *= np.asarray(coefficient, dtype=grad.dtype)
    return am.as_tensor(np.asarray(total, dtype=dtype))


def clip_grad_value_(parameters: TensorOrTensors, clip_value: float) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    for param in _as_list(parameters):
        if param.grad is not None:
            grad = _writable_grad(param)
            np.clip(grad, -clip_value, clip_value, out=grad)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one vector (differentiable), shape (total numel,)."""
    return am.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` (shape (total numel,)) into the parameters' data, in order."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise RuntimeError(
            f"vector_to_parameters: the vector has shape {list(vec.shape)} but the parameters hold {total} elements"
        )
    offset = 0
    for param in params:
        n = param.numel()
        param.data = vec.data[offset : offset + n].reshape(param.shape).astype(param.dtype, copy=True)
        offset += n

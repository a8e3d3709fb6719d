"""``nn.functional`` (imported as ``F``): the stateless layer functions, as ``torch.nn.functional``.

Linear maps, dropout and embeddings are defined here; activations, convolution/pooling and
normalisation live in ``_functional_act``, ``_functional_conv``, ``_functional_pool`` and
``_functional_norm`` and are re-exported.  Every function is built from autograd_mini's public Tensor operations only.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from ._functional_act import *  # noqa: F403
from ._functional_act import __all__ as _act_all
from ._functional_conv import *  # noqa: F403
from ._functional_conv import __all__ as _conv_all
from ._functional_norm import *  # noqa: F403
from ._functional_norm import __all__ as _norm_all
from ._functional_pool import *  # noqa: F403
from ._functional_pool import __all__ as _pool_all
from .losses import *  # noqa: F403  (nn-2: the loss functions)
from .losses import __all__ as _loss_all

one_hot = am.one_hot

__all__ = [
    "linear", "bilinear", "dropout", "dropout1d", "dropout2d", "dropout3d", "embedding", "pad", "one_hot",
    "flatten", *_act_all, *_conv_all, *_pool_all, *_norm_all, *_loss_all,
]  # fmt: skip

Generator = np.random.Generator | None


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """Constant padding; ``pad`` lists (before, after) pairs starting from the last dimension."""
    return am.pad(input, pad, mode, 0.0 if value is None else value)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return am.flatten(input, start_dim, end_dim)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b: (*, in_features) with weight (out_features, in_features) -> (*, out_features)."""
    try:
        return am.linear(input, weight, bias)  # the engine's fused x W^T + b (one node, as PyTorch's addmm)
    except RuntimeError as error:
        raise linear_error(input, weight, error) from None


def linear_error(input: Tensor, weight: Tensor, error: RuntimeError) -> RuntimeError:
    """What :func:`linear` raises when the engine refused ``input`` and ``weight`` with ``error``: PyTorch's
    message for shapes that do not multiply, else ``error`` itself.  Shapes are checked only once the engine
    has refused them (the check would cost on every call otherwise)."""
    if input.ndim == 0 or weight.ndim != 2 or input.shape[-1] != weight.shape[1]:
        rows = math.prod(input.shape[:-1])
        features = input.shape[-1] if input.ndim else 1
        w = weight.shape if weight.ndim == 2 else (1, *weight.shape)
        return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{features} and {w[-1]}x{w[0]})")
    return error


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1^T A_k x2 + b_k: (*, in1) and (*, in2) with weight (out, in1, in2) -> (*, out)."""
    out_features, in1, in2 = weight.shape
    if input1.shape[-1] != in1 or input2.shape[-1] != in2 or input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input1 {list(input1.shape)} and input2 {list(input2.shape)} do not match weight "
            f"{list(weight.shape)} (expected [*, {in1}] and [*, {in2}] with equal leading dims)"
        )
    lead = input1.shape[:-1]
    x1, x2 = input1.reshape(-1, in1), input2.reshape(-1, in2)
    mixed = (x1 @ weight.permute(1, 0, 2).reshape(in1, out_features * in2)).reshape(-1, out_features, in2)
    out = (mixed * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        out = out + bias
    return out.reshape((*lead, out_features))


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _apply_mask(input: Tensor, mask_shape: tuple[int, ...], p: float, inplace: bool, generator: Generator) -> Tensor:
    rng = generator if generator is not None else am.default_generator()
    keep = rng.random(mask_shape) >= p
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    mask = am.as_tensor((keep * scale).astype(input.dtype))
    if inplace:
        return am.inplace(input, "dropout_", lambda x: x * mask)
    return input * mask


def dropout(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *, generator: Generator = None
) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p) (identity unless training).

    Draws come from ``generator`` or ``autograd_mini.default_generator()`` (seed with ``manual_seed``).
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _apply_mask(input, input.shape, p, inplace, generator)


def _feature_dropout(
    input: Tensor, p: float, training: bool, inplace: bool, generator: Generator, k: int, name: str
) -> Tensor:
    _check_p(p)
    if input.ndim not in (k + 1, k + 2):
        raise RuntimeError(
            f"{name}: Expected {k + 1}D or {k + 2}D input, but received a {input.ndim}D input. "
            f"Received input of size {list(input.shape)}"
        )
    if not training or p == 0.0:
        return input
    mask_shape = input.shape[: input.ndim - k] + (1,) * k
    return _apply_mask(input, mask_shape, p, inplace, generator)


def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *, generator: Generator = None
) -> Tensor:
    """Zero whole channels of (N, C, L) with probability ``p``."""
    return _feature_dropout(input, p, training, inplace, generator, 1, "dropout1d")


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *, generator: Generator = None
) -> Tensor:
    """Zero whole channels of (N, C, H, W) with probability ``p``."""
    return _feature_dropout(input, p, training, inplace, generator, 2, "dropout2d")


def dropout3d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *, generator: Generator = None
) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) with probability ``p``."""
    return _feature_dropout(input, p, training, inplace, generator, 3, "dropout3d")


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) at integer ``input`` (*) -> (*, dim).

    The row at ``padding_idx`` gets no gradient; with ``max_norm`` the looked-up rows are first
    renormalised in place to norm at most ``max_norm``.
    """
    indices = input.data if isinstance(input, Tensor) else np.asarray(input)
    if indices.dtype.kind not in "iu":
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {indices.dtype} instead (while checking arguments for embedding)"
        )
    rows = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        raise IndexError("index out of range in self")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding(): scale_grad_by_freq and sparse gradients are not supported")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += rows
    if max_norm is not None:
        with am.no_grad():
            used = np.unique(indices)
            norms = np.linalg.norm(weight.data[used], ord=norm_type, axis=1)
            big = norms > max_norm
            weight.data[used[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(weight.dtype)
    out = weight[indices]
    if padding_idx is not None:
        out = am.where((indices == padding_idx)[..., None], out.detach(), out)
    return out

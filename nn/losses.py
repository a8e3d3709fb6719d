"""Loss functions (``torch.nn.functional`` spellings), built only on autograd_mini's Tensor operations.

Every loss takes ``reduction='mean' | 'sum' | 'none'``; with ``'none'`` the result has the
elementwise (or per-sample) shape.  Logistic losses go through ``softplus``/``log_softmax`` so
that logits of any magnitude (even +-1000) give finite values and gradients.  The losses over
classes (cross_entropy, nll_loss, multi_margin_loss) live in ``_class_losses`` and are
re-exported here.
"""

from __future__ import annotations

import math

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from ._class_losses import cross_entropy, multi_margin_loss, nll_loss
from ._loss_utils import (
    check_reduction,
    check_same_size,
    legacy_reduction,
    tensor_arg,
    warn_if_sizes_differ,
)
from ._loss_utils import reduce as reduce_loss  # the name ``reduce`` is the legacy argument below

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_embedding_loss",
    "hinge_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "margin_ranking_loss",
    "mse_loss",
    "multi_margin_loss",
    "nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
]


def _weighted(loss: Tensor, weight: Tensor | None, reduction: str, mean_by_weight: bool) -> Tensor:
    """Elementwise ``weight`` (same size as the input), as torch's weighted mse/l1/huber losses."""
    if weight is None:
        return reduce_loss(loss, reduction)
    if weight.shape != loss.shape:
        raise ValueError("Weights and input must have the same size.")
    check_reduction(reduction)
    weighted = loss * tensor_arg(weight, loss)
    if reduction == "mean" and mean_by_weight:
        return weighted.sum() / tensor_arg(weight, loss).sum()
    return reduce_loss(weighted, reduction)


def _scaled(loss: Tensor, weight: Tensor | None, like: Tensor, reduction: str) -> Tensor:
    """``loss`` times ``weight`` (broadcast, in ``like``'s dtype) when it is given, then reduced."""
    if weight is not None:
        loss = loss * tensor_arg(weight, like)
    return reduce_loss(loss, reduction)


def _same_size_target(input: Tensor, target: Tensor, name: str) -> Tensor:
    """``target`` as a Tensor in ``input``'s dtype; losses that refuse broadcasting check the sizes match."""
    target = tensor_arg(target, input)
    check_same_size(input, target, name)
    return target


def _difference(input: Tensor, target: Tensor, name: str) -> Tensor:
    target = tensor_arg(target, input)
    warn_if_sizes_differ(input, target, name)
    return input - target


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Squared error (x - y)^2; ``input``, ``target``: (*), same shape.  Output: scalar, or (*) for 'none'."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    diff = _difference(input, target, "mse_loss")
    return _weighted(diff * diff, weight, reduction, mean_by_weight=True)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Absolute error |x - y| (gradient 0 where x == y); shapes as :func:`mse_loss`."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    return _weighted(_difference(input, target, "l1_loss").abs(), weight, reduction, mean_by_weight=True)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - y); shapes as :func:`mse_loss`."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    diff = _difference(input, target, "smooth_l1_loss")
    magnitude = diff.abs()
    if beta == 0.0:
        return reduce_loss(magnitude, reduction)
    loss = am.where(magnitude.data < beta, diff * diff * (0.5 / beta), magnitude - 0.5 * beta)
    return reduce_loss(loss, reduction)


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0, weight: Tensor | None = None
) -> Tensor:
    """0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta); shapes as :func:`mse_loss`."""
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, got {delta}")
    diff = _difference(input, target, "huber_loss")
    magnitude = diff.abs()
    loss = am.where(magnitude.data <= delta, diff * diff * 0.5, (magnitude - 0.5 * delta) * delta)
    return _weighted(loss, weight, reduction, mean_by_weight=False)


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """-w [y log x + (1 - y) log(1 - x)] for probabilities x in [0, 1]; each log is clamped to >= -100.

    ``input``, ``target``: (*), same shape; ``weight`` broadcasts to (*).
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    target = _same_size_target(input, target, "binary_cross_entropy")
    if input.data.size and (np.any(input.data < 0) or np.any(input.data > 1) or np.any(np.isnan(input.data))):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = -(target * _clamped_log(input) + (1 - target) * _clamped_log(1 - input))
    return _scaled(loss, weight, input, reduction)


def _clamped_log(x: Tensor) -> Tensor:
    """max(log x, -100) without evaluating log(0) (PyTorch's clamp that keeps BCE finite)."""
    positive = x.data > 0
    return am.where(positive, am.log(am.where(positive, x, 1.0)), -100.0).clamp(min=-100.0)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """BCE of sigmoid(x), computed stably: (1 - y) x + (1 + (p - 1) y) softplus(-x).

    ``input`` (logits), ``target``: (*), same shape; ``weight`` broadcasts to (*); ``pos_weight``
    (the weight p of positive examples) broadcasts along the last (class) dimension.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    target = tensor_arg(target, input)
    if target.shape != input.shape:
        raise ValueError(
            f"binary_cross_entropy_with_logits: Target size ({list(target.shape)}) must be the same as input size "
            f"({list(input.shape)})"
        )
    log_one_plus_exp = am.softplus(-input, 1.0, math.inf)  # -log(sigmoid(x)), never overflows
    if pos_weight is not None:
        log_one_plus_exp = log_one_plus_exp * ((tensor_arg(pos_weight, input) - 1) * target + 1)
    return _scaled((1 - target) * input + log_one_plus_exp, weight, input, reduction)


def soft_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """The logistic loss log(1 + exp(-y f)) for labels y in {-1, +1}; ``input``, ``target``: (*), same shape.

    Computed as softplus(-y f), so it stays finite for any margin (PyTorch's log1p(exp(.)) overflows).
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    target = _same_size_target(input, target, "soft_margin_loss")
    return reduce_loss(am.softplus(-(input * target), 1.0, math.inf), reduction)


def hinge_loss(input: Tensor, target: Tensor, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """The binary SVM hinge loss max(0, margin - y f) for labels y in {-1, +1} (not in torch).

    ``input`` (scores f), ``target``: (*), same shape.  For C classes use :func:`multi_margin_loss`.
    """
    target = _same_size_target(input, target, "hinge_loss")
    return reduce_loss(am.relu(margin - input * target), reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """x where y == 1, max(0, margin - x) where y == -1 (torch's HingeEmbeddingLoss); shapes (*)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    labels = target.data if isinstance(target, Tensor) else np.asarray(target)
    margin_part = am.where(labels != 1, (margin - input).clamp(min=0.0), 0.0)
    self_part = am.where(labels != -1, input, 0.0)
    return reduce_loss(margin_part + self_part, reduction)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, -y (x1 - x2) + margin) for y in {-1, +1}; all three inputs (*), same shape."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    target = tensor_arg(target, input1)
    if not input1.shape == input2.shape == target.shape:
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: "
            f"{list(input1.shape)}, input2: {list(input2.shape)}, target: {list(target.shape)} "
        )
    return reduce_loss((-target * (input1 - input2) + margin).clamp(min=0.0), reduction)


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Pointwise KL divergence y (log y - x) with ``input`` x = log-probabilities; shapes (*).

    ``log_target=True`` takes y as log-probabilities.  ``reduction='batchmean'`` divides the sum by
    the batch size (the mathematical KL); 'mean' divides by every element and warns, as PyTorch.
    """
    import warnings

    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    target = tensor_arg(target, input)
    warn_if_sizes_differ(input, target, "kl_div")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = am.xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim != 0 else total
    return reduce_loss(loss, reduction)

"""Losses over C classes: nll_loss, cross_entropy and multi_margin_loss (the multiclass SVM loss).

Shapes follow PyTorch: ``input`` is (C,), (N, C) or (N, C, d1, ...); class-index targets are
(), (N,) or (N, d1, ...) integers.  Class weights are constants (not differentiated), as in torch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from ._loss_utils import check_reduction, class_weight, const, legacy_reduction, shape_text, tensor_arg
from ._loss_utils import reduce as reduce_loss  # the name ``reduce`` is the legacy argument below

__all__ = ["cross_entropy", "multi_margin_loss", "nll_loss"]


def _labels(target: Any, name: str) -> np.ndarray:
    labels = target.data if isinstance(target, Tensor) else np.asarray(target)
    if labels.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: expected scalar type Long but found {labels.dtype}")
    return labels


def _check_index_target(input: Tensor, labels: np.ndarray, name: str) -> None:
    if input.ndim < 1:
        raise ValueError(f"{name}: Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and labels.ndim >= 1 and labels.shape[0] != input.shape[0]:
        raise ValueError(
            f"{name}: Expected input batch_size ({input.shape[0]}) to match target batch_size ({labels.shape[0]})."
        )
    expected = input.shape[:1] + input.shape[2:] if input.ndim >= 2 else ()
    if labels.shape != expected:
        raise RuntimeError(
            f"{name}: Expected target size {shape_text(expected)}, got {shape_text(labels.shape)} "
            f"(input size {shape_text(input.shape)})"
        )


def _nll(
    log_probs: Tensor, labels: np.ndarray, weight: np.ndarray | None, ignore_index: int, name: str
) -> tuple[Tensor, np.ndarray]:
    """Per-target -w[y] log p[y] (0 where ignored) and the weights w[y] used by the mean."""
    class_dim = 0 if log_probs.ndim == 1 else 1
    n_classes = log_probs.shape[class_dim]
    valid = labels != ignore_index
    bad = valid & ((labels < 0) | (labels >= n_classes))
    if np.any(bad):
        raise IndexError(f"{name}: Target {int(labels[bad].flat[0])} is out of bounds.")
    safe = np.where(valid, labels, 0).astype(np.int64)
    if log_probs.ndim == 2 and weight is None and valid.all():
        # The common case (N, C) with every target counted: one indexing op, no weighting op.
        picked = log_probs[np.arange(log_probs.shape[0]), safe]
        return -picked, np.ones(safe.shape, dtype=log_probs.dtype)
    picked = am.gather(log_probs, class_dim, am.as_tensor(np.expand_dims(safe, class_dim))).squeeze(class_dim)
    weights = valid.astype(log_probs.dtype) if weight is None else weight[safe].astype(log_probs.dtype) * valid
    return -picked * const(weights, log_probs), weights


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood -w[y] input[y] of class indices, from log-probabilities.

    ``input``: (C,), (N, C) or (N, C, d1, ...); ``target``: (), (N,) or (N, d1, ...) in [0, C) or
    ``ignore_index``; ``weight``: (C,).  'mean' divides by the summed weights of the targets.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    labels = _labels(target, "nll_loss")
    _check_index_target(input, labels, "nll_loss")
    weights = class_weight(weight, input.shape[0 if input.ndim == 1 else 1], "nll_loss")
    losses, used = _nll(input, labels, weights, ignore_index, "nll_loss")
    return reduce_loss(losses, reduction, float(used.sum()))


def _broadcast_weight(weight: np.ndarray, like: Tensor, class_dim: int) -> Tensor:
    shape = [1] * like.ndim
    shape[class_dim] = weight.shape[0]
    return const(weight.reshape(shape), like)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy of logits: log_softmax over the class dimension, then the negative log-likelihood.

    ``input``: logits (C,), (N, C) or (N, C, d1, ...).  ``target``: class indices (), (N,) or
    (N, d1, ...), or class probabilities of the input's shape.  ``weight``: (C,).
    ``label_smoothing`` in [0, 1] mixes the target with the uniform distribution.
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    # The common case first: there the checks of reduction and label_smoothing below would pass.
    if weight is None and label_smoothing == 0.0 and (reduction == "mean" or reduction == "sum"):
        fused = _fused_cross_entropy(input, target, ignore_index, reduction)
        if fused is not None:
            return fused
    check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.ndim < 1:
        raise ValueError(f"cross_entropy: Expected 1 or more dimensions (got {input.ndim})")
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    weights = class_weight(weight, n_classes, "cross_entropy")
    log_probs = am.log_softmax(input, class_dim)
    target_shape = target.shape if isinstance(target, Tensor) else np.shape(target)
    if tuple(target_shape) == input.shape:
        return _cross_entropy_probs(log_probs, tensor_arg(target), weights, ignore_index, reduction, label_smoothing)
    labels = _labels(target, "cross_entropy")
    _check_index_target(input, labels, "cross_entropy")
    losses, used = _nll(log_probs, labels, weights, ignore_index, "cross_entropy")
    nll = reduce_loss(losses, reduction, float(used.sum()))
    if label_smoothing == 0.0:
        return nll
    weighted = log_probs if weights is None else log_probs * _broadcast_weight(weights, log_probs, class_dim)
    smooth = reduce_loss(am.where(labels == ignore_index, 0.0, -weighted.sum(class_dim)), reduction, float(used.sum()))
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


def _fused_cross_entropy(input: Tensor, target: Any, ignore_index: int, reduction: str) -> Tensor | None:
    """The common case as one node (``am.softmax_cross_entropy``): (N, C) floating logits, N > 0, and
    (N,) class indices none of which is ignored.  None when that does not hold, and for any bad target,
    so that the general path reports it with its usual message."""
    data = input.data
    shape = data.shape
    if len(shape) != 2 or shape[0] == 0 or data.dtype.kind != "f":
        return None
    labels = target.data if isinstance(target, Tensor) else np.asarray(target)
    if 0 <= ignore_index < shape[1] and bool((labels == ignore_index).any()):
        return None
    try:
        return am.softmax_cross_entropy(input, labels, reduction)
    except (IndexError, RuntimeError, ValueError):  # a label out of [0, C) (maybe ignore_index), a bad target
        return None


def _cross_entropy_probs(
    log_probs: Tensor,
    target: Tensor,
    weights: np.ndarray | None,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
) -> Tensor:
    """-sum_c w_c y_c log p_c for class-probability targets; 'mean' divides by the number of samples."""
    if target.dtype.kind != "f":
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got {target.dtype}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    target = tensor_arg(target, log_probs)
    class_dim = 0 if log_probs.ndim == 1 else 1
    n_classes = log_probs.shape[class_dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    product = log_probs * target
    if weights is not None:
        product = product * _broadcast_weight(weights, log_probs, class_dim)
    return reduce_loss(-product.sum(class_dim), reduction, log_probs.data.size / n_classes)


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """The multiclass SVM loss: sum_{i != y} w[y] max(0, margin - x[y] + x[i])^p / C.

    ``input``: scores (C,) or (N, C); ``target``: class indices () or (N,); ``weight``: (C,); p in {1, 2}.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if input.ndim not in (1, 2) or input.data.size == 0:
        raise RuntimeError(
            "multi_margin_loss: Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{shape_text(input.shape)}"
        )
    scores = input if input.ndim == 2 else input.unsqueeze(0)
    n, n_classes = scores.shape
    labels = _labels(target, "multi_margin_loss")
    if labels.size != n:
        raise RuntimeError(
            f"multi_margin_loss: inconsistent target size, expected {n} but got {shape_text(labels.shape)}"
        )
    flat = labels.reshape(n).astype(np.int64)
    if np.any((flat < 0) | (flat >= n_classes)):
        raise RuntimeError("multi_margin_loss: target out of range")
    mask = 1.0 - (flat[:, None] == np.arange(n_classes))
    if weight is not None:
        weight_array = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
        if weight_array.shape != (n_classes,):
            raise RuntimeError(
                f"multi_margin_loss: inconsistent weight size, expected {n_classes} but got "
                f"{shape_text(weight_array.shape)}"
            )
        mask = mask * weight_array[flat][:, None]
    correct = am.gather(scores, 1, am.as_tensor(flat[:, None]))
    hinge = am.relu(margin - correct + scores)  # gradient 0 at the kink, as torch's `z > 0`
    if p == 2:
        hinge = hinge * hinge
    losses = (hinge * const(mask, scores)).sum(1) / n_classes
    if reduction == "none":
        return losses if labels.ndim > 0 else losses.reshape(())
    return losses.sum() if reduction == "sum" else losses.mean()

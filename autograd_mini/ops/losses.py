"""Fused losses: softmax cross-entropy of (N, C) logits against integer class labels, as one node.

The composite spelling (log_softmax, pick the target column, negate, mean) records four nodes and
runs four vjps; a small training step spends most of its time in that per-node overhead, not in
NumPy.  This primitive is promoted for measured speed (DESIGN.md, "Promote a composite to a
primitive only for numerical stability or measured speed"): the forward subtracts the row maximum
as log_softmax does, and the vjp ``g * scale * (softmax(x) - onehot(labels))`` is written with
primitives (exp of log_softmax), so ``create_graph`` gives differentiable gradients.

``nn.functional.cross_entropy`` uses it for the common case (2-D logits, class-index targets, no
class weights, no ignored targets, no label smoothing, reduction 'mean' or 'sum').
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .elementwise import exp
from .reduce import LOG_SOFTMAX
from .registry import array_of, call, constant, defop, shape_text

_REDUCTIONS = ("mean", "sum")


def _softmax_cross_entropy_forward(
    x: np.ndarray, *, labels: np.ndarray, reduction: str
) -> tuple[np.ndarray, np.ndarray]:
    """Per row ``logsumexp(x) - x[label]``, summed or averaged (0-d, in x's dtype); and softmax(x),
    kept for the vjp (one division here saves the vjp four NumPy calls)."""
    n = x.shape[0]
    if n == 0:  # PyTorch: the mean of no targets is nan, their sum 0 (and no NumPy warning)
        return np.full((), np.nan if reduction == "mean" else 0.0, dtype=x.dtype), np.empty_like(x)
    # The ufuncs' reduce methods: np.max / np.sum's Python-level dispatch adds microseconds on small arrays.
    shifted = x - np.maximum.reduce(x, axis=1, keepdims=True)
    softmax = np.exp(shifted)
    total = np.add.reduce(softmax, axis=1, keepdims=True)
    losses = np.log(total[:, 0]) - shifted[np.arange(n), labels]
    loss = np.add.reduce(losses)  # ndarray.mean() would go through Python-level NumPy code
    softmax /= total
    return (loss / n if reduction == "mean" else loss), softmax


def _softmax_cross_entropy_vjp(g: Any, out: Any, x: Any, *, labels: np.ndarray, reduction: str) -> Any:
    """``g * scale * (softmax(x) - onehot(labels))`` with scale 1/N for 'mean'; differentiable in x and g."""
    n = labels.shape[0]
    scale = g / n if reduction == "mean" else g
    if type(x) is np.ndarray:
        # A backward on arrays: ``out`` is the softmax the forward kept (OpDef.keeps), left intact for
        # a second backward (retain_graph); the Tensor branch's function, equal up to rounding.
        delta = out * scale
        delta[np.arange(n), labels] -= scale
        return delta
    onehot = np.zeros(x.shape, dtype=bool)
    onehot[np.arange(n), labels] = True
    return (exp(call(LOG_SOFTMAX, x, axis=1)) - constant(onehot, x)) * scale


SOFTMAX_CROSS_ENTROPY = defop(
    "softmax_cross_entropy",
    _softmax_cross_entropy_forward,
    _softmax_cross_entropy_vjp,
    grad_fn_name="NllLossBackward0",  # what torch's cross_entropy output shows
    keeps=True,
)


def _check(input: Tensor, labels: np.ndarray, reduction: str) -> None:
    if input.ndim != 2:
        raise ValueError(f"softmax_cross_entropy: expected 2-D logits (N, C), got {shape_text(input.shape)}")
    if labels.dtype.kind not in "iu":
        raise RuntimeError(f"softmax_cross_entropy: expected scalar type Long but found {labels.dtype}")
    if labels.shape != input.shape[:1]:
        raise RuntimeError(
            f"softmax_cross_entropy: Expected target size {shape_text(input.shape[:1])}, "
            f"got {shape_text(labels.shape)} (input size {shape_text(input.shape)})"
        )
    if reduction not in _REDUCTIONS:
        raise ValueError(f"softmax_cross_entropy: reduction must be 'mean' or 'sum', got {reduction!r}")
    # Viewed as unsigned, a negative label is huge, so one maximum finds both kinds of bad label.
    unsigned = labels.astype(np.uint64, copy=False) if labels.dtype.kind == "i" else labels
    if unsigned.size and np.maximum.reduce(unsigned) >= input.shape[1]:
        raise IndexError(f"Target {int(labels[unsigned >= input.shape[1]][0])} is out of bounds.")


def softmax_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy of logits ``input`` (N, C) against class indices ``target`` (N,) in [0, C).

    Equal to ``-log_softmax(input, 1)[arange(N), target]`` reduced by ``reduction`` ('mean' or
    'sum'), recorded as one node.  This is the fast path behind ``nn.functional.cross_entropy``.
    """
    labels = array_of(target) if isinstance(target, Tensor) else np.asarray(target)
    _check(input, labels, reduction)
    # A private copy: the node must not see later in-place changes to the caller's target.
    return call(SOFTMAX_CROSS_ENTROPY, input, labels=labels.astype(np.int64), reduction=reduction)

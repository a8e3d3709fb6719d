"""Fused losses: softmax cross-entropy of (N, C) logits against integer class labels, as one node.

The composite spelling (log_softmax, pick the target column, negate, mean) records four nodes and
runs four vjps; a small training step spends most of its time in that per-node overhead, not in
NumPy.  This primitive is promoted for measured speed (DESIGN.md, "Promote a composite to a
primitive only for numerical stability or measured speed"): the forward subtracts the row maximum
as log_softmax does, and the vjp ``g * scale * (softmax(x) - onehot(labels))`` is written with
primitives (exp of log_softmax), so ``create_graph`` gives differentiable gradients.

The node holds each target's position in the flattened logits, ``row * C + label``
(:func:`_flat_targets`): one NumPy call checks the labels, copies them (later in-place changes to
the caller's target must not reach the node) and gives the index that the forward and the vjp use
on a flat view, which costs a third of indexing with (rows, labels).

``nn.functional.cross_entropy`` uses it for the common case (2-D logits, class-index targets, no
class weights, no ignored targets, no label smoothing, reduction 'mean' or 'sum').
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ..engine import apply
from ..tensor import Tensor
from .elementwise import exp
from .reduce import LOG_SOFTMAX
from .registry import call, constant, defop, shape_text

_REDUCTIONS = ("mean", "sum")


def _softmax_cross_entropy_forward(
    x: np.ndarray, *, targets: np.ndarray, reduction: str
) -> tuple[np.ndarray, np.ndarray]:
    """Per row ``logsumexp(x) - x[label]``, summed or averaged (0-d, in x's dtype); and softmax(x),
    kept for the vjp (one division here saves the vjp four NumPy calls)."""
    n = x.shape[0]
    if n == 0:  # PyTorch: the mean of no targets is nan, their sum 0 (and no NumPy warning)
        return np.full((), np.nan if reduction == "mean" else 0.0, dtype=x.dtype), np.empty_like(x)
    # The ufuncs' reduce methods: np.max / np.sum's Python-level dispatch adds microseconds on small arrays.
    # Row-major whatever x's layout, so that ravel() is a view here and on the kept softmax in the vjp.
    shifted = np.subtract(x, np.maximum.reduce(x, axis=1, keepdims=True), order="C")
    picked = shifted.ravel()[targets]
    softmax = np.exp(shifted)
    total = np.add.reduce(softmax, axis=1, keepdims=True)
    loss = np.add.reduce(np.log(total.ravel()) - picked)  # ndarray.mean() would go through Python-level code
    softmax /= total
    return (loss / n if reduction == "mean" else loss), softmax


def _softmax_cross_entropy_vjp(g: Any, out: Any, x: Any, *, targets: np.ndarray, reduction: str) -> Any:
    """``g * scale * (softmax(x) - onehot(labels))`` with scale 1/N for 'mean'; differentiable in x and g."""
    if type(x) is np.ndarray:
        # A backward on arrays: ``out`` is the (row-major) softmax the forward kept (OpDef.keeps), left
        # intact for a second backward (retain_graph); the Tensor branch's function, equal up to rounding.
        # g is 0-d (an array or a NumPy scalar); as a NumPy scalar, g / N costs a fifth of a 0-d array's.
        scale = g[()] / x.shape[0] if reduction == "mean" else g
        delta = out * scale
        delta.ravel()[targets] -= scale  # a view: out, hence delta, is row-major
        return delta
    onehot = np.zeros(x.shape, dtype=bool)
    onehot.ravel()[targets] = True
    scale = g / x.shape[0] if reduction == "mean" else g
    return (exp(call(LOG_SOFTMAX, x, axis=1)) - constant(onehot, x)) * scale


SOFTMAX_CROSS_ENTROPY = defop(
    "softmax_cross_entropy",
    _softmax_cross_entropy_forward,
    _softmax_cross_entropy_vjp,
    grad_fn_name="NllLossBackward0",  # what torch's cross_entropy output shows
    keeps=True,
)


@lru_cache(maxsize=64)
def _rows(n: int) -> np.ndarray:
    """0, ..., n - 1, read-only: shared by the calls with batches of n rows (np.arange costs a NumPy call)."""
    rows = np.arange(n)
    rows.flags.writeable = False
    return rows


def _flat_targets(labels: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``row * C + label`` for each row of (N, C) ``shape``: a new array; an IndexError for a label outside [0, C)."""
    try:
        return np.ravel_multi_index((_rows(shape[0]), labels), shape)  # raises for any index out of range
    except ValueError:  # some label outside [0, C) (every label when C == 0)
        # Viewed as unsigned, a negative label is huge, so one comparison finds both kinds of bad label.
        bad = labels[labels.astype(np.uint64) >= shape[1]]
        raise IndexError(f"Target {int(bad[0])} is out of bounds.") from None


def _check(shape: tuple[int, ...], labels: np.ndarray, reduction: str) -> None:
    if len(shape) != 2:
        raise ValueError(f"softmax_cross_entropy: expected 2-D logits (N, C), got {shape_text(shape)}")
    if labels.dtype.kind not in "iu":
        raise RuntimeError(f"softmax_cross_entropy: expected scalar type Long but found {labels.dtype}")
    if labels.shape != shape[:1]:
        raise RuntimeError(
            f"softmax_cross_entropy: Expected target size {shape_text(shape[:1])}, "
            f"got {shape_text(labels.shape)} (input size {shape_text(shape)})"
        )
    if reduction not in _REDUCTIONS:
        raise ValueError(f"softmax_cross_entropy: reduction must be 'mean' or 'sum', got {reduction!r}")


def softmax_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy of logits ``input`` (N, C) against class indices ``target`` (N,) in [0, C).

    Equal to ``-log_softmax(input, 1)[arange(N), target]`` reduced by ``reduction`` ('mean' or
    'sum'), recorded as one node.  This is the fast path behind ``nn.functional.cross_entropy``.
    """
    labels = target if type(target) is np.ndarray else target.data if isinstance(target, Tensor) else np.asarray(target)
    is_tensor = isinstance(input, Tensor)
    shape = input.data.shape if is_tensor else input.shape  # (Tensor.shape is a property call)
    _check(shape, labels, reduction)
    attrs = {"targets": _flat_targets(labels, shape), "reduction": reduction}
    if is_tensor:  # call()'s dispatch, skipped
        return apply(SOFTMAX_CROSS_ENTROPY, (input,), attrs)
    return call(SOFTMAX_CROSS_ENTROPY, input, **attrs)

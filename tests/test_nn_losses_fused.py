"""cross_entropy's fused fast path (``am.softmax_cross_entropy``, one node) against the general path.

The fast path is taken for (N, C) floating logits with (N,) class indices, no class weights, no
ignored targets, no label smoothing and reduction 'mean' or 'sum'; everything else (and every bad
target) goes the general way, with the same results and the same errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn.functional as F


def general(x: am.Tensor, labels: np.ndarray, reduction: str) -> am.Tensor:
    """The composite: log_softmax, pick the target column, negate, reduce."""
    picked = -F.log_softmax(x, 1)[np.arange(len(labels)), labels]
    return picked.mean() if reduction == "mean" else picked.sum()


def problem(dtype: Any, seed: int = 0, n: int = 6, c: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((n, c)) * 3).astype(dtype)
    labels = rng.integers(0, c, n)
    upstream = np.asarray(rng.standard_normal(), dtype=dtype)
    return x, labels, upstream


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_fused_matches_the_general_path(dtype: Any, reduction: str) -> None:
    x, labels, upstream = problem(dtype)
    fast_x, slow_x = am.tensor(x, requires_grad=True), am.tensor(x, requires_grad=True)
    fast = F.cross_entropy(fast_x, am.tensor(labels), reduction=reduction)
    slow = general(slow_x, labels, reduction)
    assert fast.grad_fn is not None and fast.grad_fn.name() == "NllLossBackward0"  # one node: the fused op
    assert fast.dtype == slow.dtype == dtype
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-14}
    np.testing.assert_allclose(fast.data, slow.data, **tol)
    fast.backward(am.tensor(upstream))
    slow.backward(am.tensor(upstream))
    assert fast_x.grad is not None and slow_x.grad is not None and fast_x.grad.dtype == dtype
    np.testing.assert_allclose(fast_x.grad.data, slow_x.grad.data, **tol)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_fused_second_derivatives_match_the_general_path(reduction: str) -> None:
    x, labels, _ = problem(np.float64, seed=1)
    v = np.random.default_rng(2).standard_normal(x.shape)
    hvps = []
    for loss_of in (
        lambda t: F.cross_entropy(t, am.tensor(labels), reduction=reduction),
        lambda t: general(t, labels, reduction),
    ):
        xt = am.tensor(x, requires_grad=True)
        (g,) = am.grad(loss_of(xt), [xt], create_graph=True)
        (hv,) = am.grad((g * am.tensor(v)).sum(), [xt])
        hvps.append(hv.data)
    np.testing.assert_allclose(hvps[0], hvps[1], rtol=1e-10, atol=1e-12)


def test_cases_outside_the_fast_path_keep_the_general_path() -> None:
    x, labels, _ = problem(np.float64)
    labels[2] = 1
    logits = am.tensor(x, requires_grad=True)
    ignored = F.cross_entropy(logits, am.tensor(labels), ignore_index=1)  # an ignored target present
    log_probs = x - np.log(np.exp(x).sum(1, keepdims=True))
    np.testing.assert_allclose(ignored.data, -log_probs[np.arange(6), labels][labels != 1].mean(), rtol=1e-12)
    assert ignored.grad_fn is not None and ignored.grad_fn.name() != "NllLossBackward0"
    default_ignored = labels.copy()
    default_ignored[0] = -100
    out = F.cross_entropy(am.tensor(x), am.tensor(default_ignored))
    np.testing.assert_allclose(out.data, -log_probs[np.arange(1, 6), labels[1:]].mean(), rtol=1e-12)
    none = F.cross_entropy(logits, am.tensor(labels), reduction="none")
    assert none.shape == (6,)
    empty = F.cross_entropy(am.zeros(0, 5, requires_grad=True), am.tensor(np.zeros(0, dtype=np.int64)))
    assert np.isnan(empty.item())
    assert F.cross_entropy(logits, am.tensor(labels), ignore_index=7).grad_fn.name() == "NllLossBackward0"  # type: ignore[union-attr]


@pytest.mark.parametrize("bad", [12, -1, -100])
def test_bad_targets_raise_the_general_paths_errors(bad: int) -> None:
    x = am.randn(3, 5, requires_grad=True)
    labels = np.array([0, bad, 1])
    if bad == -100:  # the default ignore_index: ignored, not an error
        assert np.isfinite(F.cross_entropy(x, am.tensor(labels)).item())
        return
    with pytest.raises(IndexError, match=rf"^cross_entropy: Target {bad} is out of bounds\.$"):
        F.cross_entropy(x, am.tensor(labels))
    with pytest.raises(IndexError, match=rf"^Target {bad} is out of bounds\.$"):
        am.softmax_cross_entropy(x, am.tensor(labels))
    with pytest.raises(RuntimeError, match="expected scalar type Long but found float64"):
        F.cross_entropy(x, am.tensor(np.array([0.0, 1.0, 2.0])))
    with pytest.raises(RuntimeError, match=r"Expected target size \[3\], got \[4\]"):
        am.softmax_cross_entropy(x, am.tensor(np.zeros(4, dtype=np.int64)))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(4\)\."):
        F.cross_entropy(x, am.tensor(np.zeros(4, dtype=np.int64)))


def test_the_node_keeps_its_own_copy_of_the_labels() -> None:
    x, labels, _ = problem(np.float64)
    xt = am.tensor(x, requires_grad=True)
    target = am.tensor(labels.copy())
    loss = F.cross_entropy(xt, target)
    target.data[:] = (labels + 1) % 5  # changing the target afterwards does not change the gradient
    loss.backward()
    slow_x = am.tensor(x, requires_grad=True)
    general(slow_x, labels, "mean").backward()
    np.testing.assert_allclose(xt.grad.data, slow_x.grad.data, rtol=1e-12)  # type: ignore[union-attr]


def test_the_kept_softmax_survives_a_second_backward_and_is_not_the_output() -> None:
    # The forward keeps softmax(x) on the node for the vjp (OpDef.keeps): a retained graph's second
    # backward must find it intact, and the node's output is still the loss.
    x, labels, _ = problem(np.float64)
    xt = am.tensor(x, requires_grad=True)
    loss = am.softmax_cross_entropy(xt, am.tensor(labels))
    assert loss.shape == () and loss.grad_fn is not None
    loss.backward(retain_graph=True)
    first = xt.grad.data.copy()  # type: ignore[union-attr]
    loss.backward()
    np.testing.assert_allclose(xt.grad.data, 2 * first, rtol=1e-12)  # type: ignore[union-attr]
    shifted = x - x.max(axis=1, keepdims=True)
    softmax = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    onehot = np.eye(x.shape[1])[labels]
    np.testing.assert_allclose(first, (softmax - onehot) / len(labels), rtol=1e-12)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_an_op_cannot_both_keep_an_array_and_use_its_output() -> None:
    with pytest.raises(ValueError, match="not both"):
        am.defop("keeps_and_uses_out", lambda x: (x, x), lambda g, out, x: g, uses_out=True, keeps=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_fused_matches_torch(dtype: Any, reduction: str) -> None:
    torch = pytest.importorskip("torch")
    x, labels, upstream = problem(dtype, seed=3, n=8, c=10)
    ours = am.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    loss = F.cross_entropy(ours, am.tensor(labels), reduction=reduction)
    their_loss = torch.nn.functional.cross_entropy(theirs, torch.from_numpy(labels), reduction=reduction)
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-14}
    np.testing.assert_allclose(loss.data, their_loss.detach().numpy(), **tol)
    assert loss.grad_fn is not None and loss.grad_fn.name() == type(their_loss.grad_fn).__name__
    loss.backward(am.tensor(upstream))
    their_loss.backward(torch.tensor(upstream))
    assert ours.grad is not None
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), **tol)

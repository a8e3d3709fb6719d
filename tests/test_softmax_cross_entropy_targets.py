"""``am.softmax_cross_entropy``'s targets: checked and copied in one call (their flat indices
``row * C + label``), and used on flat views of the logits and of the kept softmax.

These pin what that path must keep: the errors for bad labels, the node's own copy of the labels,
any integer dtype, logits of any memory layout, batches of different sizes, the upstream gradient
arriving as a 0-d array or a NumPy scalar, and the empty batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn.functional as F


def reference(x: np.ndarray, labels: np.ndarray, reduction: str = "mean") -> tuple[float, np.ndarray]:
    """The loss and its gradient for an upstream gradient of 1, in float64."""
    x = x.astype(np.float64)
    shifted = x - x.max(axis=1, keepdims=True)
    softmax = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    rows = np.arange(len(labels))
    losses = np.log(np.exp(shifted).sum(axis=1)) - shifted[rows, labels]
    grad = softmax.copy()
    grad[rows, labels] -= 1.0
    if reduction == "mean":
        return float(losses.mean()), grad / len(labels)
    return float(losses.sum()), grad


def loss_and_grad(x: np.ndarray, target: Any, reduction: str = "mean") -> tuple[float, np.ndarray]:
    xt = am.tensor(x, requires_grad=True)
    loss = am.softmax_cross_entropy(xt, target, reduction)
    loss.backward()
    assert xt.grad is not None
    return float(loss.item()), xt.grad.data


def assert_matches_reference(x: np.ndarray, target: Any, labels: np.ndarray) -> None:
    """The loss and gradient for ``target`` (labels in some form) equal the float64 reference's for ``labels``."""
    loss, grad = loss_and_grad(x, target)
    expected_loss, expected_grad = reference(x, labels)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("bad", [5, 6, -1, -5, -6, 2**40])
def test_labels_outside_the_classes_raise_index_error(bad: int) -> None:
    x = am.randn(4, 5, requires_grad=True)
    labels = np.array([0, 4, bad, 1])
    with pytest.raises(IndexError, match=rf"^Target {bad} is out of bounds\.$"):
        am.softmax_cross_entropy(x, labels)
    with pytest.raises(IndexError, match=rf"^cross_entropy: Target {bad} is out of bounds\.$"):
        F.cross_entropy(x, am.tensor(labels))


def test_the_first_bad_label_is_named_and_unsigned_labels_are_checked() -> None:
    x = am.randn(3, 5)
    with pytest.raises(IndexError, match=r"^Target -2 is out of bounds\.$"):
        am.softmax_cross_entropy(x, np.array([1, -2, 9]))
    with pytest.raises(IndexError, match=rf"^Target {2**64 - 1} is out of bounds\.$"):
        am.softmax_cross_entropy(x, np.array([1, 2**64 - 1, 0], dtype=np.uint64))
    with pytest.raises(IndexError, match=r"^Target 0 is out of bounds\.$"):  # no classes: every label is bad
        am.softmax_cross_entropy(am.zeros(3, 0), np.zeros(3, dtype=np.int64))
    empty = am.softmax_cross_entropy(am.zeros(0, 0), np.zeros(0, dtype=np.int64), "sum")
    assert empty.shape == () and empty.item() == 0.0


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.uint64, np.int64])
def test_any_integer_dtype(dtype: Any) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 4))
    labels = rng.integers(0, 4, 6)
    assert_matches_reference(x, labels.astype(dtype), labels)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_in_place_changes_to_the_callers_labels_do_not_reach_the_node(reduction: str) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 3))
    labels = rng.integers(0, 3, 5)
    for target in (labels.copy(), am.tensor(labels.copy())):  # an array is used as given, a Tensor's data too
        xt = am.tensor(x, requires_grad=True)
        loss = am.softmax_cross_entropy(xt, target, reduction)
        (target if isinstance(target, np.ndarray) else target.data)[:] = (labels + 1) % 3
        loss.backward()
        assert xt.grad is not None
        np.testing.assert_allclose(xt.grad.data, reference(x, labels, reduction)[1], rtol=1e-12, atol=1e-15)


def test_logits_of_any_layout() -> None:
    # Transposed (column-major) and strided logits: the flat indices assume a row-major layout, which
    # the forward's arrays (and the kept softmax the vjp writes through a flat view) must have.
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 5, 4)
    for base, view in (
        (rng.standard_normal((5, 4)), lambda t: t.T),
        (rng.standard_normal((4, 10)), lambda t: t[:, ::2]),
    ):
        leaf = am.tensor(base, requires_grad=True)
        logits = view(leaf)
        assert not logits.data.flags.c_contiguous  # a view of the leaf's data
        loss = am.softmax_cross_entropy(logits, labels)
        loss.backward()
        expected_loss, expected_grad = reference(logits.data, labels)
        expected = np.zeros_like(base)
        view_of_expected = expected.T if base.shape == (5, 4) else expected[:, ::2]
        view_of_expected[...] = expected_grad
        np.testing.assert_allclose(loss.item(), expected_loss, rtol=1e-12)
        assert leaf.grad is not None
        np.testing.assert_allclose(leaf.grad.data, expected, rtol=1e-12, atol=1e-15)


def test_batches_of_different_sizes_in_turn() -> None:
    rng = np.random.default_rng(3)
    for n in (3, 7, 3, 1, 7, 200):
        x = rng.standard_normal((n, 6))
        labels = rng.integers(0, 6, n)
        assert_matches_reference(x, labels, labels)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_upstream_gradients_as_arrays_and_numpy_scalars(reduction: str) -> None:
    # 3 * loss sends the vjp a NumPy scalar or a 0-d array depending on the engine; an explicit
    # gradient= sends a 0-d array.  Both scale the gradient, keeping the logits' dtype.
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    labels = rng.integers(0, 3, 4)
    expected = reference(x, labels, reduction)[1]
    for upstream in ("scaled", "explicit"):
        xt = am.tensor(x, requires_grad=True)
        loss = am.softmax_cross_entropy(xt, labels, reduction)
        if upstream == "scaled":
            (loss * 3.0).backward()
        else:
            loss.backward(am.tensor(np.float32(3.0)))
        assert xt.grad is not None and xt.grad.dtype == np.float32
        np.testing.assert_allclose(xt.grad.data, 3 * expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_an_empty_batch_backward_gives_an_empty_gradient_without_warnings(reduction: str) -> None:
    xt = am.zeros(0, 4, requires_grad=True)
    loss = am.softmax_cross_entropy(xt, np.zeros(0, dtype=np.int64), reduction)
    assert np.isnan(loss.item()) if reduction == "mean" else loss.item() == 0.0
    loss.backward()
    assert xt.grad is not None and xt.grad.shape == (0, 4)


def test_the_common_case_checks_nothing_twice_but_keeps_every_error() -> None:
    # cross_entropy tries the fused node before checking reduction and label_smoothing: those checks
    # still run, in the same order, for every call the fused node does not take.
    x = am.randn(3, 5, requires_grad=True)
    labels = am.tensor(np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"^bogus is not a valid value for reduction$"):
        F.cross_entropy(x, labels, reduction="bogus", label_smoothing=2.0)
    with pytest.raises(RuntimeError, match=r"^label_smoothing must be between 0\.0 and 1\.0\. Got: -0\.5$"):
        F.cross_entropy(x, labels, label_smoothing=-0.5)
    with pytest.raises(RuntimeError, match=r"^label_smoothing must be between 0\.0 and 1\.0\. Got: nan$"):
        F.cross_entropy(x, labels, label_smoothing=float("nan"))
    with pytest.warns(UserWarning, match="please use reduction='sum' instead"):
        summed = F.cross_entropy(x, labels, size_average=False)
    assert summed.grad_fn is not None and summed.grad_fn.name() == "NllLossBackward0"  # the fused node
    np.testing.assert_allclose(summed.item(), reference(x.data, labels.data, "sum")[0], rtol=1e-5)

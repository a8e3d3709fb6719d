"""Anomaly mode and inference mode."""

from __future__ import annotations

import sys
import tracemalloc

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Function, FunctionCtx


class NanBackward(Function):
    @staticmethod
    def forward(ctx: FunctionCtx, x: am.Tensor) -> am.Tensor:
        return x * 1.0

    @staticmethod
    def backward(ctx: FunctionCtx, grad: am.Tensor) -> am.Tensor:
        return grad * float("nan")


class FailingBackward(Function):
    @staticmethod
    def forward(ctx: FunctionCtx, x: am.Tensor) -> am.Tensor:
        return x * 1.0

    @staticmethod
    def backward(ctx: FunctionCtx, grad: am.Tensor) -> am.Tensor:
        raise ValueError("broken backward")


def make_nan_output(x: am.Tensor) -> am.Tensor:
    return NanBackward.apply(x)


def test_anomaly_mode_reports_nan_with_forward_stack() -> None:
    x = am.tensor([1.0], requires_grad=True)
    with am.detect_anomaly():
        assert am.is_anomaly_enabled()
        y = make_nan_output(x).sum()
        with pytest.raises(
            RuntimeError, match=r"Function 'NanBackwardBackward' returned nan values in its 0th output"
        ) as info:
            y.backward()
    assert "make_nan_output" in str(info.value)  # the forward call that created the node
    assert not am.is_anomaly_enabled()


def test_anomaly_mode_off_lets_nan_through() -> None:
    x = am.tensor([1.0], requires_grad=True)
    make_nan_output(x).sum().backward()
    assert np.isnan(x.grad.numpy()).all()


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes need Python 3.11")
def test_anomaly_mode_adds_the_forward_stack_to_a_failing_vjp() -> None:
    x = am.tensor([1.0], requires_grad=True)
    am.set_detect_anomaly(True)
    try:
        y = FailingBackward.apply(x).sum()
        with pytest.raises(ValueError, match="broken backward") as info:
            y.backward()
    finally:
        am.set_detect_anomaly(False)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "Error detected in FailingBackwardBackward" in notes and "test_anomaly_mode_adds" in notes


def test_inference_mode_records_nothing_and_skips_versions() -> None:
    w = am.tensor([1.0, 2.0], requires_grad=True)
    with am.inference_mode():
        assert am.is_inference_mode_enabled() and not am.is_grad_enabled()
        y = w * 2
        y.add_(1.0)
    assert not y.requires_grad and y.grad_fn is None and y._version == 0
    assert not am.is_inference_mode_enabled() and am.is_grad_enabled()


def test_inference_tensors_cannot_be_saved_for_backward() -> None:
    w = am.tensor([1.0, 2.0], requires_grad=True)
    with am.inference_mode():
        y = w * 2
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        w * y
    (w * y.clone()).sum().backward()  # a clone made outside is a normal tensor
    assert w.grad is not None


def test_inference_mode_as_decorator() -> None:
    @am.inference_mode()
    def predict(t: am.Tensor) -> am.Tensor:
        return t * 3

    w = am.tensor([1.0], requires_grad=True)
    assert not predict(w).requires_grad


def test_training_loop_with_hooks_and_create_graph_does_not_grow_memory() -> None:
    rng = np.random.default_rng(0)
    w = am.tensor(rng.standard_normal((8, 8)), requires_grad=True)
    data = am.tensor(rng.standard_normal((16, 8)))
    w.register_hook(lambda g: g * 1.0)

    def step() -> None:
        loss = am.tanh(data @ w).square().mean()
        (gradient,) = am.grad(loss, w, create_graph=True)
        penalty = loss + gradient.square().sum()  # a gradient penalty: second order
        penalty.backward()
        with am.no_grad():
            w.sub_(w.grad * 0.01)
        w.grad = None

    for _ in range(50):
        step()
    tracemalloc.start()
    baseline, _ = tracemalloc.get_traced_memory()
    for _ in range(1000):
        step()
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert current - baseline < 256 * 1024, f"memory grew by {current - baseline} bytes over 1000 steps"

"""Custom differentiable operations: autograd_mini.Function in PyTorch's style."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Function, FunctionCtx


class Cube(Function):
    @staticmethod
    def forward(ctx: FunctionCtx, x: am.Tensor) -> am.Tensor:
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx: FunctionCtx, grad: am.Tensor) -> am.Tensor:
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


class WrongCube(Function):
    @staticmethod
    def forward(ctx: FunctionCtx, x: am.Tensor) -> am.Tensor:
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx: FunctionCtx, grad: am.Tensor) -> am.Tensor:
        (x,) = ctx.saved_tensors
        return grad * 2 * x * x  # deliberately wrong


class ScaledExp(Function):
    """Two tensor inputs, a non-tensor argument, and the output saved for backward."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: am.Tensor, w: am.Tensor, scale: float) -> am.Tensor:
        out = (x * w).exp() * scale
        ctx.save_for_backward(x, w, out)
        ctx.scale = scale
        return out

    @staticmethod
    def backward(ctx: FunctionCtx, grad: am.Tensor) -> tuple[Any, ...]:
        x, w, out = ctx.saved_tensors
        return grad * out * w, grad * out * x, None


class SortWithIndices(Function):
    """Multiple outputs, one of them non-differentiable."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: am.Tensor) -> tuple[am.Tensor, am.Tensor]:
        order = np.argsort(x.data)
        ctx.order = order
        indices = am.tensor(order)
        ctx.mark_non_differentiable(indices)
        return x[order], indices

    @staticmethod
    def backward(ctx: FunctionCtx, grad: am.Tensor, _: Any) -> am.Tensor:
        return am.index_scatter(grad, (len(ctx.order),), ctx.order)


class SplitTwo(Function):
    """Two differentiable outputs of different shapes."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: am.Tensor) -> tuple[am.Tensor, am.Tensor]:
        return x * 2, (x * x).sum()

    @staticmethod
    def backward(ctx: FunctionCtx, g_double: am.Tensor, g_sum: am.Tensor) -> am.Tensor:
        raise AssertionError("replaced below")


def _x(*values: float) -> am.Tensor:
    return am.tensor(list(values), dtype=am.float64, requires_grad=True)


def test_custom_op_backward_and_name() -> None:
    x = _x(1.0, 2.0)
    y = Cube.apply(x)
    assert y.grad_fn is not None and y.grad_fn.name() == "CubeBackward"
    y.backward(am.tensor([1.0, -1.0], dtype=am.float64))
    np.testing.assert_allclose(x.grad.numpy(), [3.0, -12.0])


def test_custom_op_passes_gradcheck_and_gradgradcheck() -> None:
    x, w = _x(0.3, -0.2), _x(0.5, 1.5)
    assert am.gradcheck(lambda a, b: ScaledExp.apply(a, b, 2.0), (x, w))
    assert am.gradgradcheck(lambda a, b: ScaledExp.apply(a, b, 2.0), (x, w))
    assert am.gradgradcheck(lambda a: Cube.apply(a), (x,))


def test_create_graph_through_custom_op() -> None:
    x = _x(2.0)
    (first,) = am.grad(Cube.apply(x).sum(), x, create_graph=True)
    (second,) = am.grad(first.sum(), x)
    assert first.item() == pytest.approx(12.0) and second.item() == pytest.approx(12.0)


def test_gradcheck_names_a_wrong_custom_op() -> None:
    x = _x(0.5, 1.5)
    with pytest.raises(
        am.GradcheckError, match="first op whose vjp disagrees with finite differences is WrongCubeBackward"
    ):
        am.gradcheck(lambda a: WrongCube.apply(a.sin()).exp().sum(), (x,))


def test_needs_input_grad_and_non_tensor_args() -> None:
    seen: list[tuple[bool, ...]] = []

    class Probe(Function):
        @staticmethod
        def forward(ctx: FunctionCtx, a: am.Tensor, b: am.Tensor, k: int) -> am.Tensor:
            seen.append(ctx.needs_input_grad)
            return a * b * k

        @staticmethod
        def backward(ctx: FunctionCtx, grad: am.Tensor) -> tuple[Any, ...]:
            return grad, None, None

    Probe.apply(_x(1.0), am.tensor([2.0], dtype=am.float64), 3).sum().backward()
    assert seen == [(True, False, False)]


def test_non_differentiable_output() -> None:
    x = _x(3.0, 1.0, 2.0)
    values, indices = SortWithIndices.apply(x)
    assert values.tolist() == [1.0, 2.0, 3.0] and indices.tolist() == [1, 2, 0]
    assert values.requires_grad and not indices.requires_grad
    (values * am.tensor([1.0, 10.0, 100.0], dtype=am.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [100.0, 1.0, 10.0])


def test_two_differentiable_outputs() -> None:
    def backward(ctx: FunctionCtx, g_double: am.Tensor, g_sum: am.Tensor) -> am.Tensor:
        (x,) = ctx.saved_tensors
        return g_double * 2 + g_sum * 2 * x

    def forward(ctx: FunctionCtx, x: am.Tensor) -> tuple[am.Tensor, am.Tensor]:
        ctx.save_for_backward(x)
        return x * 2, (x * x).sum()

    SplitTwo.forward = staticmethod(forward)  # type: ignore[method-assign]
    SplitTwo.backward = staticmethod(backward)  # type: ignore[method-assign]
    x = _x(1.0, 3.0)
    doubled, total = SplitTwo.apply(x)
    assert doubled.shape == (2,) and total.shape == ()
    (doubled.sum() + total * 10).backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 + 20 * 1.0, 2 + 20 * 3.0])


def test_wrong_number_of_gradients_is_reported() -> None:
    class TooFew(Function):
        @staticmethod
        def forward(ctx: FunctionCtx, a: am.Tensor, b: am.Tensor) -> am.Tensor:
            return a + b

        @staticmethod
        def backward(ctx: FunctionCtx, grad: am.Tensor) -> am.Tensor:
            return grad

    with pytest.raises(
        RuntimeError, match=r"function TooFewBackward returned an incorrect number of gradients \(expected 2, got 1\)"
    ):
        TooFew.apply(_x(1.0), _x(2.0)).sum().backward()


def test_saved_tensor_modified_in_place_is_refused() -> None:
    x = _x(1.0, 2.0)
    h = x * 1.0
    y = Cube.apply(h)
    h.add_(1.0)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*is at version 1; expected version 0"):
        y.sum().backward()


def test_no_graph_when_nothing_requires_grad() -> None:
    y = Cube.apply(am.tensor([2.0]))
    assert y.grad_fn is None and y.tolist() == [8.0]


def test_custom_op_graph_is_freed_after_backward() -> None:
    x = _x(1.0)
    y = Cube.apply(x)
    node = y.grad_fn
    y.sum().backward()
    assert node is not None and node.released
    with pytest.raises(RuntimeError, match="second time"):
        node.attrs["ctx"].saved_tensors

"""Linear's hand-written backward on arrays agrees with the vjps of the derivative table, and is the one taken
exactly in its usual case (2-d input, 1-d bias, one dtype)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.ops.registry import OpDef


def _tensors(
    dtypes: tuple[str, str, str], wanted: tuple[bool, bool, bool], bias_shape: tuple[int, ...] = (3,)
) -> list[am.Tensor]:
    rng = np.random.default_rng(1)
    shapes = ((5, 4), (3, 4), bias_shape)
    return [
        am.tensor(rng.uniform(-1, 1, shape).astype(dtype), requires_grad=flag)
        for shape, dtype, flag in zip(shapes, dtypes, wanted)
    ]


def _grads(tensors: list[am.Tensor], create_graph: bool) -> list[np.ndarray | None]:
    for t in tensors:
        t.grad = None
    out = am.linear(*tensors)
    seed = np.linspace(-1, 1, out.data.size).reshape(out.shape).astype(out.data.dtype)
    out.backward(am.tensor(seed), create_graph=create_graph)
    return [None if t.grad is None else t.grad.detach().numpy() for t in tensors]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "wanted", [(True, True, True), (False, True, True), (True, False, False), (False, False, True)]
)
def test_the_written_out_backward_agrees_with_the_table(dtype: str, wanted: tuple[bool, bool, bool]) -> None:
    tensors = _tensors((dtype, dtype, dtype), wanted)
    on_arrays = _grads(tensors, create_graph=False)  # the written-out backward
    recorded = _grads(tensors, create_graph=True)  # the table's vjps, on Tensors
    for flag, tensor, fast, table in zip(wanted, tensors, on_arrays, recorded):
        if not flag:
            assert fast is None and table is None
            continue
        assert fast is not None and table is not None
        assert fast.shape == tensor.shape and fast.dtype == tensor.dtype
        np.testing.assert_allclose(fast, table, rtol=1e-6)


def test_the_usual_case_takes_the_written_out_backward(monkeypatch: pytest.MonkeyPatch) -> None:
    tensors = _tensors(("float32",) * 3, (True, True, True))
    expected = _grads(tensors, create_graph=False)

    def refuse(*args: object) -> None:
        raise AssertionError("the general backward ran")

    monkeypatch.setattr(OpDef, "backward_arrays", refuse)
    np.testing.assert_array_equal(_grads(tensors, create_graph=False)[1], expected[1])


@pytest.mark.parametrize(
    ("dtypes", "bias_shape"),
    [
        (("float64", "float32", "float32"), (3,)),  # mixed dtypes: the gradients are cast back to each input's
        (("float32", "float32", "float64"), (3,)),
        (("float64",) * 3, (1, 3)),  # a 2-d bias (broadcast): its gradient is summed back to its shape
        (("float64",) * 3, ()),
    ],
)
def test_other_cases_take_the_table(
    monkeypatch: pytest.MonkeyPatch, dtypes: tuple[str, str, str], bias_shape: tuple[int, ...]
) -> None:
    tensors = _tensors(dtypes, (True, True, True), bias_shape)
    recorded = _grads(tensors, create_graph=True)
    general = OpDef.backward_arrays
    calls = []

    def counted(op: OpDef, *args: Any) -> Any:
        calls.append(op.name)
        return general(op, *args)

    monkeypatch.setattr(OpDef, "backward_arrays", counted)
    on_arrays = _grads(tensors, create_graph=False)
    assert calls == ["linear"]
    for tensor, fast, table in zip(tensors, on_arrays, recorded):
        assert fast is not None and fast.shape == tensor.shape and fast.dtype == tensor.dtype
        np.testing.assert_allclose(fast, table, rtol=1e-5)


def test_a_layer_with_leading_dims_and_double_backward() -> None:
    x = am.tensor(np.random.default_rng(2).uniform(-1, 1, (2, 3, 4)), requires_grad=True)
    w = am.tensor(np.random.default_rng(3).uniform(-1, 1, (5, 4)), requires_grad=True)
    b = am.tensor(np.zeros(5), requires_grad=True)
    assert am.gradcheck(lambda *t: am.linear(*t).tanh(), (x, w, b))
    assert am.gradgradcheck(lambda *t: am.linear(*t).tanh(), (x, w, b))

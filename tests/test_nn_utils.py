"""nn.utils: gradient clipping by norm and by value, and flat parameter vectors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
import nn
from nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters


def params_with_grads(*grads: np.ndarray) -> list[am.Tensor]:
    params = []
    for g in grads:
        p = am.tensor(np.zeros_like(g), requires_grad=True)
        p.grad = am.tensor(g.copy())
        params.append(p)
    return params


def test_clip_grad_norm_scales_jointly_and_returns_the_norm() -> None:
    params = params_with_grads(np.array([3.0, 0.0]), np.array([[0.0], [4.0]]))
    grads = [p.grad for p in params]
    total = clip_grad_norm_(params, max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    assert [p.grad for p in params] == grads  # the same gradient objects, scaled in place
    np.testing.assert_allclose(params[0].grad.data, [0.6, 0.0], rtol=1e-6)  # type: ignore[union-attr]
    np.testing.assert_allclose(params[1].grad.data, [[0.0], [0.8]], rtol=1e-6)  # type: ignore[union-attr]
    assert clip_grad_norm_(params, max_norm=10.0).item() == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(params[0].grad.data, [0.6, 0.0], rtol=1e-5)  # type: ignore[union-attr]


def test_clip_grad_norm_inf_none_grads_and_errors() -> None:
    params = params_with_grads(np.array([-3.0, 1.0]))
    params.append(am.tensor(np.ones(2), requires_grad=True))  # no gradient: skipped
    assert clip_grad_norm_(params, 1.5, norm_type="inf").item() == pytest.approx(3.0)  # type: ignore[arg-type]
    np.testing.assert_allclose(params[0].grad.data, [-1.5, 0.5], rtol=1e-5)  # type: ignore[union-attr]
    assert clip_grad_norm_([am.tensor(np.ones(2), requires_grad=True)], 1.0).item() == 0.0
    bad = params_with_grads(np.array([np.inf, 1.0]))
    with pytest.raises(
        RuntimeError, match=r"The total norm of order 2\.0 for gradients from `parameters` is non-finite"
    ):
        clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_keeps_float32() -> None:
    model = nn.Linear(4, 3)
    model(am.randn(2, 4)).sum().backward()
    total = clip_grad_norm_(model.parameters(), 0.1)
    assert total.dtype == np.float32
    assert all(p.grad is not None and p.grad.dtype == np.float32 for p in model.parameters())


def test_clip_grad_value() -> None:
    params = params_with_grads(np.array([-3.0, 0.2, 5.0]))
    clip_grad_value_(params[0], 1.0)
    np.testing.assert_array_equal(params[0].grad.data, [-1.0, 0.2, 1.0])  # type: ignore[union-attr]


def test_parameters_to_vector_and_back() -> None:
    model = nn.Linear(3, 2)
    vector = parameters_to_vector(model.parameters())
    assert vector.shape == (8,)
    np.testing.assert_array_equal(vector.data[:6], model.weight.data.ravel())
    vector.sum().backward()  # differentiable, like torch's
    np.testing.assert_array_equal(model.weight.grad.data, np.ones((2, 3)))  # type: ignore[union-attr]
    weight = model.weight
    vector_to_parameters(am.arange(8).to(am.float32), model.parameters())
    assert model.weight is weight
    np.testing.assert_array_equal(model.weight.data, [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(model.bias.data, [6, 7])
    with pytest.raises(TypeError, match="expected Tensor, but got: list"):
        vector_to_parameters([1.0], model.parameters())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="the parameters hold 8 elements"):
        vector_to_parameters(am.zeros(7), model.parameters())

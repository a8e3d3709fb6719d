"""Function transforms (autograd_mini.func): grad, value_and_grad, jacobian, hessian, vjp, jvp, hvp."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import func

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 3))
SYMMETRIC = A + A.T


def _quadratic(x: am.Tensor) -> am.Tensor:
    return 0.5 * (x @ am.tensor(SYMMETRIC) @ x)


def test_hessian_of_quadratic_form_is_the_matrix() -> None:
    hessian = func.hessian(_quadratic)(RNG.standard_normal(3))
    np.testing.assert_allclose(hessian.numpy(), SYMMETRIC, atol=1e-12)


def test_jacobian_of_linear_map_is_the_matrix() -> None:
    matrix = RNG.standard_normal((2, 3))
    jac = func.jacobian(lambda x: am.tensor(matrix) @ x)(RNG.standard_normal(3))
    assert jac.shape == (2, 3)
    np.testing.assert_allclose(jac.numpy(), matrix, atol=1e-12)


def test_jacobian_has_output_then_input_shape() -> None:
    x = RNG.standard_normal((2, 2))
    jac = func.jacobian(lambda t: t.exp())(x)
    assert jac.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(jac.numpy().reshape(4, 4), np.diag(np.exp(x).reshape(-1)), atol=1e-12)


def test_grad_of_grad_of_sin_is_minus_sin() -> None:
    second = func.grad(func.grad(lambda t: am.sin(t)))
    for value in (0.3, 1.2, -2.0):
        result = second(am.tensor(value, dtype=am.float64))
        assert result.item() == pytest.approx(-math.sin(value), abs=1e-12)


def test_newton_converges_with_grad_of_f() -> None:
    def f(t: am.Tensor) -> am.Tensor:
        return t**3 - 2 * t - 5

    derivative = func.grad(f)
    t = am.tensor(2.0, dtype=am.float64)
    for _ in range(6):
        t = t - f(t) / derivative(t)
    assert abs(f(t).item()) < 1e-12 and t.item() == pytest.approx(2.0945514815423265)


def test_newton_minimisation_uses_grad_of_grad() -> None:
    def f(t: am.Tensor) -> am.Tensor:
        return (t - 1.5) ** 4 + t**2

    first, second = func.grad(f), func.grad(func.grad(f))
    t = am.tensor(0.0, dtype=am.float64)
    for _ in range(20):
        t = t - first(t) / second(t)
    assert abs(first(t).item()) < 1e-10


def test_grad_matches_finite_differences() -> None:
    def f(x: am.Tensor, y: am.Tensor) -> am.Tensor:
        return (am.tanh(x) * y.exp()).sum()

    x, y = RNG.standard_normal(4), RNG.standard_normal(4)
    gx, gy = func.grad(f, argnums=(0, 1))(x, y)
    eps = 1e-6
    for k in range(4):
        step = np.zeros(4)
        step[k] = eps
        numeric = (f(am.tensor(x + step), am.tensor(y)).item() - f(am.tensor(x - step), am.tensor(y)).item()) / (
            2 * eps
        )
        assert gx.numpy()[k] == pytest.approx(numeric, rel=1e-4, abs=1e-6)
    np.testing.assert_allclose(gy.numpy(), np.tanh(x) * np.exp(y), rtol=1e-10)


def test_pytrees_in_and_out() -> None:
    params = {"w": np.array([1.0, 2.0]), "b": (np.array(0.5), [np.array([3.0])])}

    def loss(p: dict) -> am.Tensor:
        return (p["w"] * p["w"]).sum() + p["b"][0] * 2 + p["b"][1][0].sum()

    grads = func.grad(loss)(params)
    assert set(grads) == {"w", "b"} and isinstance(grads["b"], tuple) and isinstance(grads["b"][1], list)
    np.testing.assert_allclose(grads["w"].numpy(), [2.0, 4.0])
    assert grads["b"][0].item() == 2.0 and grads["b"][1][0].tolist() == [1.0]


def test_value_and_grad_with_aux() -> None:
    (value, aux), gradient = func.value_and_grad(lambda x: ((x * x).sum(), "note"), has_aux=True)(np.array([3.0]))
    assert value.item() == 9.0 and aux == "note" and gradient.tolist() == [6.0]
    gradient, aux = func.grad(lambda x: ((x * 2).sum(), 7), has_aux=True)(np.array([1.0]))
    assert gradient.tolist() == [2.0] and aux == 7


def test_vjp_jvp_hvp() -> None:
    x = RNG.standard_normal(3)
    matrix = RNG.standard_normal((2, 3))
    _, vjp_fn = func.vjp(lambda t: am.tensor(matrix) @ t, x)
    cotangent = RNG.standard_normal(2)
    (pulled,) = vjp_fn(am.tensor(cotangent))
    np.testing.assert_allclose(pulled.numpy(), matrix.T @ cotangent, atol=1e-12)
    tangent = RNG.standard_normal(3)
    value, pushed = func.jvp(lambda t: am.tensor(matrix) @ t, (x,), (tangent,))
    np.testing.assert_allclose(pushed.numpy(), matrix @ tangent, atol=1e-12)
    np.testing.assert_allclose(value.numpy(), matrix @ x, atol=1e-12)
    _, (product,) = func.hvp(_quadratic, (x,), (tangent,))
    np.testing.assert_allclose(product.numpy(), SYMMETRIC @ tangent, atol=1e-12)


def test_jax_errors_for_bad_use() -> None:
    with pytest.raises(TypeError, match=r"Gradient only defined for scalar-output functions. Output had shape: \(2,\)"):
        func.grad(lambda x: x * 2)(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="argnums 3 is out of bounds for a function called with 1 positional"):
        func.grad(lambda x: x.sum(), argnums=3)(np.array([1.0]))
    with pytest.raises(TypeError, match="requires real-valued"):
        func.grad(lambda x: x.sum())(np.array([1, 2]))
    with pytest.raises(TypeError, match=r"has_aux=True requires the function to return a \(value, aux\) tuple"):
        func.grad(lambda x: x.sum(), has_aux=True)(np.array([1.0]))


def test_top_level_results_carry_no_graph() -> None:
    gradient = func.grad(lambda x: (x * x).sum())(np.array([1.0, 2.0]))
    assert gradient.grad_fn is None and not gradient.requires_grad

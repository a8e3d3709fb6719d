"""Exact gradients at the kinks (PyTorch's subgradient conventions, DESIGN.md) and at extreme inputs.

Every backward here is seeded with a random (non-uniform) upstream gradient ``v``, and the expected
gradient is written out as ``weights * v``, so a vjp that ignored its upstream gradient would fail.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

import autograd_mini as am

F64 = am.float64


def vjp(f: Callable[..., am.Tensor], *values: list[float] | np.ndarray, seed: int = 0) -> tuple[np.ndarray, ...]:
    """(f(x...), v, grads of <f(x...), v> w.r.t. each x) for a random upstream gradient v."""
    inputs = [am.tensor(np.asarray(x, dtype=np.float64), requires_grad=True) for x in values]
    out = f(*inputs)
    v = np.random.default_rng(seed).uniform(0.5, 2.0, out.shape) * np.random.default_rng(seed + 1).choice(
        [-1, 1], out.shape
    )
    grads = am.grad(out, inputs, am.tensor(v), allow_unused=True)
    return (out.data, v, *(np.zeros(t.shape) if g is None else g.data for t, g in zip(inputs, grads)))


# ------------------------------------------------------------------- kinks of activations
def test_relu_gradient_is_zero_at_zero() -> None:
    _, v, g = vjp(am.relu, [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(g, [0.0, 0.0, v[2]])


def test_leaky_relu_takes_the_negative_slope_at_zero() -> None:
    _, v, g = vjp(lambda x: am.leaky_relu(x, 0.2), [-1.0, 0.0, 2.0])
    np.testing.assert_allclose(g, [0.2 * v[0], 0.2 * v[1], v[2]])


def test_elu_gradient_at_zero_is_alpha() -> None:
    _, v, g = vjp(lambda x: am.elu(x, 1.5), [0.0, 1.0])
    np.testing.assert_allclose(g, [1.5 * v[0], v[1]])


def test_abs_gradient_is_zero_at_zero_and_sign_elsewhere() -> None:
    _, v, g = vjp(am.abs, [-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(g, [-v[0], 0.0, v[2]])


def test_sign_has_zero_gradient() -> None:
    out, _, g = vjp(am.sign, [-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(out, [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])


def test_clamp_gradient_is_one_at_the_bounds() -> None:
    _, v, g = vjp(lambda x: am.clamp(x, -0.5, 0.5), [-1.0, -0.5, 0.0, 0.5, 1.0])
    np.testing.assert_array_equal(g, [0.0, v[1], v[2], v[3], 0.0])


def test_clamp_with_tensor_bounds_gives_the_input_the_gradient_at_the_bounds() -> None:
    _, v, gx, glow, ghigh = vjp(
        lambda x, low, high: am.clamp(x, low, high), [-1.0, -0.5, 0.0, 0.5, 1.0], [-0.5] * 5, [0.5] * 5
    )
    np.testing.assert_array_equal(gx, [0.0, v[1], v[2], v[3], 0.0])
    np.testing.assert_array_equal(glow, [v[0], 0.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(ghigh, [0.0, 0.0, 0.0, 0.0, v[4]])


def test_hardtanh_gradient_is_zero_at_the_bounds() -> None:
    """PyTorch's hardtanh (unlike clamp) passes the gradient only strictly inside (min_val, max_val)."""
    _, v, g = vjp(am.hardtanh, [-2.0, -1.0, 0.0, 1.0, 2.0])
    np.testing.assert_array_equal(g, [0.0, 0.0, v[2], 0.0, 0.0])


# ------------------------------------------------------------------- ties in max/min
@pytest.mark.parametrize("reduce", [am.max, am.amax, lambda x: x.max()], ids=["max", "amax", "method"])
def test_full_max_splits_the_gradient_evenly_among_ties(reduce: Callable[[am.Tensor], am.Tensor]) -> None:
    out, v, g = vjp(reduce, [1.0, 3.0, 3.0])
    assert out == 3.0
    np.testing.assert_allclose(g, [0.0, 0.5 * v, 0.5 * v])


@pytest.mark.parametrize("reduce", [am.min, am.amin], ids=["min", "amin"])
def test_full_min_splits_the_gradient_evenly_among_ties(reduce: Callable[[am.Tensor], am.Tensor]) -> None:
    out, v, g = vjp(reduce, [[2.0, -1.0], [-1.0, -1.0]])
    assert out == -1.0
    np.testing.assert_allclose(g, [[0.0, v / 3], [v / 3, v / 3]])


def test_amax_along_a_dim_splits_ties_per_slice() -> None:
    _, v, g = vjp(lambda x: am.amax(x, 1), [[1.0, 3.0, 3.0], [5.0, 0.0, 5.0], [2.0, 1.0, 0.0]])
    expected = [[0.0, v[0] / 2, v[0] / 2], [v[1] / 2, 0.0, v[1] / 2], [v[2], 0.0, 0.0]]
    np.testing.assert_allclose(g, expected)


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_with_dim_sends_the_gradient_to_the_returned_index(largest: bool, keepdim: bool) -> None:
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0], [0.0, 0.0, 0.0]])
    tensor = am.tensor(x, requires_grad=True)
    values, indices = (am.max if largest else am.min)(tensor, 1, keepdim=keepdim)
    v = np.random.default_rng(3).standard_normal(values.shape)
    (g,) = am.grad(values, [tensor], am.tensor(v))
    flat_indices = indices.data.reshape(-1)
    extreme = x.max(1) if largest else x.min(1)
    np.testing.assert_array_equal(x[np.arange(3), flat_indices], extreme)  # the index is one of the extremes
    expected = np.zeros_like(x)
    expected[np.arange(3), flat_indices] = v.reshape(-1)
    np.testing.assert_array_equal(g.data, expected)


@pytest.mark.parametrize("op", [am.maximum, am.minimum])
def test_maximum_and_minimum_give_half_to_each_side_on_a_tie(op: Callable[..., am.Tensor]) -> None:
    x, y = [1.0, 2.0, 3.0], [1.0, 0.0, 4.0]
    _, v, gx, gy = vjp(op, x, y)
    x_wins = [0.5, 1.0, 0.0] if op is am.maximum else [0.5, 0.0, 1.0]
    np.testing.assert_allclose(gx, np.array(x_wins) * v)
    np.testing.assert_allclose(gy, (1 - np.array(x_wins)) * v)


def test_maximum_tie_under_broadcasting_sums_the_halves() -> None:
    _, v, gx, gy = vjp(am.maximum, [1.0, 1.0, 0.0], [1.0])
    np.testing.assert_allclose(gx, [0.5 * v[0], 0.5 * v[1], 0.0])
    np.testing.assert_allclose(gy, [0.5 * v[0] + 0.5 * v[1] + v[2]])


def test_inf_norm_splits_among_tied_magnitudes() -> None:
    _, v, g = vjp(lambda x: am.norm(x, math.inf), [3.0, -3.0, 1.0])
    np.testing.assert_allclose(g, [0.5 * v, -0.5 * v, 0.0])


def test_two_norm_gradient_is_zero_at_the_origin() -> None:
    _, _, g = vjp(lambda x: am.norm(x, dim=1), [[0.0, 0.0], [3.0, 4.0]])
    assert np.isfinite(g).all()
    np.testing.assert_array_equal(g[0], [0.0, 0.0])


def test_prod_gradient_with_zeros_is_exact() -> None:
    _, v, g = vjp(am.prod, [0.0, 3.0, 2.0])
    np.testing.assert_allclose(g, [6.0 * v, 0.0, 0.0])
    _, _, g = vjp(am.prod, [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])


def test_pow_gradients_at_a_zero_base() -> None:
    _, _, g = vjp(lambda x: x**2.5, [0.0, 1.0])
    assert g[0] == 0.0
    _, _, g = vjp(lambda y: am.pow(am.tensor([0.0, 2.0], dtype=F64), y), [2.0, 3.0])
    assert g[0] == 0.0 and np.isfinite(g).all()


def test_xlogy_is_zero_with_zero_gradient_where_x_is_zero() -> None:
    out, v, gx = vjp(lambda x: am.xlogy(x, am.tensor([0.0, 2.0], dtype=F64)), [0.0, 1.0])
    np.testing.assert_allclose(out, [0.0, math.log(2.0)])
    np.testing.assert_allclose(gx, [0.0, math.log(2.0) * v[1]])


# ------------------------------------------------------------------- stability at extreme inputs
EXTREME = [1000.0, -1000.0, 0.0, 999.0]


@pytest.mark.parametrize(
    "name, f, expected",
    [
        ("softmax", lambda x: am.softmax(x, -1), [1 / (1 + math.exp(-1)), 0.0, 0.0, 1 / (1 + math.e)]),
        ("log_softmax", lambda x: am.log_softmax(x, -1), None),
        ("logsumexp", lambda x: am.logsumexp(x, -1), 1000.0 + math.log1p(math.exp(-1))),
        ("sigmoid", am.sigmoid, [1.0, 0.0, 0.5, 1.0]),
        ("softplus", am.softplus, [1000.0, 0.0, math.log(2.0), 999.0]),
        ("logsigmoid", am.logsigmoid, [0.0, -1000.0, -math.log(2.0), 0.0]),
        ("tanh", am.tanh, [1.0, -1.0, 0.0, 1.0]),
        ("silu", am.silu, [1000.0, 0.0, 0.0, 999.0]),
        ("gelu", am.gelu, [1000.0, 0.0, 0.0, 999.0]),
        ("elu", am.elu, [1000.0, -1.0, 0.0, 999.0]),
        ("mish", am.mish, [1000.0, 0.0, 0.0, 999.0]),
        ("erf", am.erf, [1.0, -1.0, 0.0, 1.0]),
    ],
)
@pytest.mark.parametrize("dtype", [am.float32, am.float64])
def test_extreme_logits_give_finite_values_and_gradients(
    name: str, f: Callable[[am.Tensor], am.Tensor], expected: object, dtype: np.dtype
) -> None:
    x = am.tensor(np.array(EXTREME), dtype=dtype, requires_grad=True)
    out = f(x)
    v = am.tensor(np.random.default_rng(1).standard_normal(out.shape), dtype=dtype)
    (g,) = am.grad(out, [x], v)
    assert out.dtype == dtype and g.dtype == dtype
    assert np.isfinite(out.data).all(), f"{name}: {out}"
    assert np.isfinite(g.data).all(), f"{name}: gradient {g}"
    if expected is not None:
        np.testing.assert_allclose(out.data, expected, rtol=1e-6, atol=1e-6)


def test_log_softmax_of_extreme_logits_is_exact() -> None:
    out, v, g = vjp(lambda x: am.log_softmax(x, -1), [1000.0, -1000.0, 0.0])
    np.testing.assert_allclose(out, [0.0, -2000.0, -1000.0])
    softmax = np.array([1.0, 0.0, 0.0])
    np.testing.assert_allclose(g, v - softmax * v.sum())


def test_logsumexp_gradient_is_the_softmax() -> None:
    out, v, g = vjp(lambda x: am.logsumexp(x, 1), [[1000.0, 1000.0, -1000.0], [-1000.0, -1000.0, -1000.0]])
    np.testing.assert_allclose(out, [1000.0 + math.log(2.0), -1000.0 + math.log(3.0)])
    np.testing.assert_allclose(g, [[v[0] / 2, v[0] / 2, 0.0], [v[1] / 3, v[1] / 3, v[1] / 3]])


def test_softmax_with_masked_logits() -> None:
    out, v, g = vjp(lambda x: am.softmax(x, -1), [0.0, -math.inf, 0.0])
    np.testing.assert_allclose(out, [0.5, 0.0, 0.5])
    np.testing.assert_allclose(g, [0.25 * (v[0] - v[2]), 0.0, 0.25 * (v[2] - v[0])])


def test_softplus_beyond_threshold_is_the_identity() -> None:
    out, v, g = vjp(lambda x: am.softplus(x, beta=2.0, threshold=5.0), [3.0, -1000.0, 1000.0])
    np.testing.assert_allclose(out, [3.0, 0.0, 1000.0])
    np.testing.assert_allclose(g, [v[0], 0.0, v[2]])


def test_window_max_sends_the_gradient_to_the_first_maximum_as_pytorch_max_pool() -> None:
    x = am.ones(1, 1, 2, 4, requires_grad=True)
    pooled = am.window_max(am.sliding_windows(x, (2, 2), (2, 2)), 2)
    upstream = am.tensor([[[[3.0, 5.0]]]])
    (pooled * upstream).sum().backward()
    assert x.grad.tolist() == [[[[3.0, 0.0, 5.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]]


def test_relu_propagates_nan_and_zeroes_non_finite_upstream_where_inactive() -> None:
    x = am.tensor([np.nan, -1.0, 2.0], requires_grad=True)
    y = am.relu(x)
    assert np.isnan(y.data[0]) and y.data[1:].tolist() == [0.0, 2.0]  # relu(NaN) = NaN, as PyTorch
    y.backward(am.tensor([1.0, np.inf, 3.0]))
    assert x.grad.data[1] == 0.0 and x.grad.data[2] == 3.0  # an inactive unit blocks even inf


@pytest.mark.parametrize("size", [6, 3000])  # both sides of relu_backward's where / mask-product switch
def test_relu_blocks_non_finite_upstream_at_every_size(size: int) -> None:
    values = np.tile([-1.0, 2.0, -3.0], size // 3)
    upstream = np.tile([np.inf, 5.0, np.nan], size // 3)
    x = am.tensor(values, requires_grad=True)
    am.relu(x).backward(am.tensor(upstream))
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, np.tile([0.0, 5.0, 0.0], size // 3))

"""nn.init: gains, fans, the distributions' ranges and spreads, in-place semantics, seeding."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
import nn
from nn import init


def test_calculate_gain() -> None:
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("conv2d") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity softmax"):
        init.calculate_gain("softmax")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "big")  # type: ignore[arg-type]


def test_fan_in_and_fan_out() -> None:
    assert init._calculate_fan_in_and_fan_out(am.empty(4, 3)) == (3, 4)
    assert init._calculate_fan_in_and_fan_out(am.empty(8, 2, 3, 3)) == (18, 72)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(am.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(am.empty(3, 3), mode="fan_avg")


def test_uniform_families_respect_their_bounds() -> None:
    w = am.empty(200, 300)
    init.xavier_uniform_(w)
    bound = math.sqrt(6 / 500)
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.95 * bound
    init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / 200)
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.95 * bound
    init.uniform_(w, -2.0, -1.0)
    assert w.data.min() >= -2.0 and w.data.max() < -1.0


def test_normal_families_have_the_right_spread() -> None:
    w = am.empty(300, 400)
    init.xavier_normal_(w, gain=2.0)
    assert w.data.std() == pytest.approx(2 * math.sqrt(2 / 700), rel=0.02)
    init.kaiming_normal_(w, nonlinearity="relu")
    assert w.data.std() == pytest.approx(math.sqrt(2 / 400), rel=0.02)
    init.normal_(w, 3.0, 0.5)
    assert w.data.mean() == pytest.approx(3.0, abs=0.01) and w.data.std() == pytest.approx(0.5, rel=0.02)
    init.trunc_normal_(w, std=1.0, a=-1.0, b=1.5)
    assert w.data.min() >= -1.0 and w.data.max() <= 1.5


def test_constant_family_and_orthogonal() -> None:
    w = am.empty(3, 5, dtype=am.float64)
    assert init.constant_(w, 0.5) is w and np.all(w.data == 0.5)
    init.ones_(w)
    assert np.all(w.data == 1.0)
    init.zeros_(w)
    assert not w.data.any()
    init.eye_(w)
    np.testing.assert_array_equal(w.data, np.eye(3, 5))
    init.orthogonal_(w)
    np.testing.assert_allclose(w.data @ w.data.T, np.eye(3), atol=1e-10)
    tall = am.empty(6, 2, 2)
    init.orthogonal_(tall, gain=2.0)
    flat = tall.data.reshape(6, 4)
    np.testing.assert_allclose(flat.T @ flat, 4 * np.eye(4), atol=1e-5)


def test_init_is_in_place_on_parameters_and_records_no_graph() -> None:
    layer = nn.Linear(3, 4)
    weight = layer.weight
    version = weight._version
    assert init.normal_(weight) is weight
    assert weight.requires_grad and weight.grad_fn is None and weight._version > version
    assert layer.weight is weight and weight.dtype == np.float32


def test_generators_and_manual_seed_reproduce_draws() -> None:
    a, b = am.empty(4, 4), am.empty(4, 4)
    init.normal_(a, generator=np.random.default_rng(5))
    init.normal_(b, generator=np.random.default_rng(5))
    np.testing.assert_array_equal(a.data, b.data)
    am.manual_seed(11)
    init.kaiming_uniform_(a)
    am.manual_seed(11)
    init.kaiming_uniform_(b)
    np.testing.assert_array_equal(a.data, b.data)


def test_layer_default_initialisations() -> None:
    conv = nn.Conv2d(4, 6, 3)
    bound = 1 / math.sqrt(4 * 9)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.bias.data).max() <= bound
    bn = nn.BatchNorm2d(3)
    assert bn.weight.data.tolist() == [1.0] * 3 and bn.bias.data.tolist() == [0.0] * 3
    emb = nn.Embedding(1000, 8)
    assert emb.weight.data.std() == pytest.approx(1.0, rel=0.05)
    assert nn.PReLU(2).weight.data.tolist() == [0.25, 0.25]
    bilinear = nn.Bilinear(4, 3, 2)
    assert np.abs(bilinear.weight.data).max() <= 0.5

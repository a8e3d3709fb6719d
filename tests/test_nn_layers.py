"""Every layer: forward values against NumPy, gradcheck in float64 (inputs and parameters), shape errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import nn.functional as F
from autograd_mini import Tensor

RNG = np.random.default_rng(1234)


def randn(*shape: int, requires_grad: bool = True) -> Tensor:
    return am.tensor(RNG.standard_normal(shape), dtype=am.float64, requires_grad=requires_grad)


def check_module(module: nn.Module, *inputs: Tensor) -> None:
    """gradcheck a float64 copy of ``module`` with respect to its inputs and all its parameters."""
    module.double()
    params = [p for p in module.parameters() if p.requires_grad]
    n = len(inputs)
    assert am.gradcheck(lambda *args: module(*args[:n]), (*inputs, *params))


# ----------------------------------------------------------------------------------------- linear family
def test_linear_forward_and_gradcheck() -> None:
    layer = nn.Linear(3, 2)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    x = am.randn(4, 3)
    np.testing.assert_allclose(layer(x).data, x.data @ layer.weight.data.T + layer.bias.data, rtol=1e-6)
    assert layer(am.randn(2, 5, 3)).shape == (2, 5, 2)
    assert layer(am.randn(3)).shape == (2,)
    check_module(layer, randn(4, 3))
    check_module(nn.Linear(3, 2, bias=False), randn(2, 2, 3))


def test_linear_default_init_bounds() -> None:
    layer = nn.Linear(64, 10)
    bound = 1 / np.sqrt(64)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    assert layer.weight.data.std() > bound / 3  # spread over the range, not constant
    am.manual_seed(3)
    first = nn.Linear(4, 4).weight.data.copy()
    am.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(4, 4).weight.data, first)


def test_linear_shape_error_names_layer_and_shapes() -> None:
    with pytest.raises(RuntimeError) as info:
        nn.Linear(64, 10)(am.randn(8, 63))
    message = str(info.value)
    assert "Linear(in_features=64, out_features=10, bias=True)" in message
    assert "mat1 and mat2 shapes cannot be multiplied (8x63 and 64x10)" in message


def test_bilinear_and_maxout() -> None:
    layer = nn.Bilinear(3, 2, 4)
    x1, x2 = am.randn(5, 3), am.randn(5, 2)
    expected = np.einsum("ni,kij,nj->nk", x1.data, layer.weight.data, x2.data) + layer.bias.data
    np.testing.assert_allclose(layer(x1, x2).data, expected, rtol=1e-5, atol=1e-6)
    check_module(layer, randn(2, 3), randn(2, 2))
    maxout = nn.Maxout(3, 2, pieces=4)
    x = am.randn(6, 3)
    z = x.data @ maxout.linear.weight.data.T + maxout.linear.bias.data
    np.testing.assert_allclose(maxout(x).data, z.reshape(6, 2, 4).max(-1), rtol=1e-6)
    check_module(maxout, randn(3, 3))
    assert nn.count_parameters(maxout) == 3 * 8 + 8


# ----------------------------------------------------------------------------------------- convolution
def conv2d_reference(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, stride: int, padding: int) -> np.ndarray:
    """Direct loops over output pixels: the definition of cross-correlation."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[:, :, i, j] = np.einsum("nchw,ochw->no", patch, w)
    return out if b is None else out + b[None, :, None, None]


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (1, 2)])
def test_conv2d_matches_definition(stride: int, padding: int) -> None:
    layer = nn.Conv2d(3, 4, 3, stride=stride, padding=padding).double()
    x = randn(2, 3, 7, 6, requires_grad=False)
    expected = conv2d_reference(x.data, layer.weight.data, layer.bias.data, stride, padding)
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"stride": 2, "padding": 1},
        {"dilation": 2, "padding": 1},
        {"groups": 2, "bias": False},
        {"padding": "same", "kernel_size": (2, 3)},
    ],
)
def test_conv2d_gradcheck(kwargs: dict[str, Any]) -> None:
    kernel = kwargs.pop("kernel_size", 3)
    check_module(nn.Conv2d(2, 4, kernel, **kwargs), randn(2, 2, 5, 5))


def test_conv2d_output_shape_and_unbatched() -> None:
    layer = nn.Conv2d(1, 8, 3, padding=1)
    assert layer.weight.shape == (8, 1, 3, 3)
    assert layer(am.randn(4, 1, 8, 8)).shape == (4, 8, 8, 8)
    assert layer(am.randn(1, 8, 8)).shape == (8, 8, 8)
    assert nn.Conv2d(3, 6, (3, 5), stride=(2, 1), dilation=(1, 2))(am.randn(1, 3, 9, 12)).shape == (1, 6, 4, 4)


def test_conv1d() -> None:
    layer = nn.Conv1d(2, 3, 3, padding=1)
    x = am.randn(2, 2, 7)
    as_2d = F.conv2d(x.unsqueeze(2), layer.weight.unsqueeze(2), layer.bias, padding=(0, 1))
    np.testing.assert_allclose(layer(x).data, as_2d.squeeze(2).data, rtol=1e-6)
    check_module(nn.Conv1d(2, 2, 2, stride=2, groups=2), randn(1, 2, 6))


def test_conv2d_errors() -> None:
    with pytest.raises(RuntimeError) as info:
        nn.Conv2d(1, 8, 3)(am.randn(4, 3, 28, 28))
    message = str(info.value)
    assert message.startswith("Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1)): ")
    assert "weight of size [8, 1, 3, 3], expected input[4, 3, 28, 28] to have 1 channels, but got 3" in message
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to conv2d"):
        nn.Conv2d(1, 1, 3)(am.randn(3, 3))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        nn.Conv2d(1, 1, 5)(am.randn(1, 1, 3, 3))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")


# ----------------------------------------------------------------------------------------- pooling
def test_max_pool2d_values_and_gradcheck() -> None:
    x = am.arange(16.0).reshape(1, 1, 4, 4)
    assert nn.MaxPool2d(2)(x).data.reshape(-1).tolist() == [5.0, 7.0, 13.0, 15.0]
    assert nn.MaxPool2d(3, stride=2, padding=1)(am.randn(2, 3, 7, 7)).shape == (2, 3, 4, 4)
    assert nn.MaxPool2d(3, stride=2, ceil_mode=True)(am.randn(1, 1, 6, 6)).shape == (1, 1, 3, 3)
    check_module(nn.MaxPool2d(2), randn(1, 2, 4, 4))
    check_module(nn.MaxPool2d(3, stride=2, padding=1), randn(1, 1, 5, 5))
    check_module(nn.MaxPool1d(2), randn(1, 2, 6))


def test_max_pool_gradient_routes_to_the_maximum() -> None:
    x = am.tensor([[[[1.0, 9.0], [3.0, 4.0]]]], requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad is not None and x.grad.data.reshape(-1).tolist() == [0.0, 1.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 2, "padding": 1},
        {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
        {"kernel_size": 3, "stride": 2, "ceil_mode": True},
    ],
)
def test_avg_pool2d_gradcheck(kwargs: dict[str, Any]) -> None:
    check_module(nn.AvgPool2d(**kwargs), randn(1, 2, 6, 6))


def test_avg_pool_values() -> None:
    x = am.arange(16.0).reshape(1, 1, 4, 4)
    assert nn.AvgPool2d(2)(x).data.reshape(-1).tolist() == [2.5, 4.5, 10.5, 12.5]
    ones = am.ones(1, 1, 3, 3)
    assert nn.AvgPool2d(3, stride=1, padding=1)(ones).data[0, 0, 0, 0] == pytest.approx(4 / 9)
    assert nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)(ones).data[0, 0, 0, 0] == 1.0
    np.testing.assert_allclose(nn.AvgPool1d(2)(am.arange(4.0).reshape(1, 1, 4)).data, [[[0.5, 2.5]]])


def test_adaptive_pools() -> None:
    x = randn(2, 3, 5, 7, requires_grad=False)
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(1)(x).data, x.data.mean((2, 3), keepdims=True))
    assert nn.AdaptiveAvgPool2d((2, None))(x).shape == (2, 3, 2, 7)
    out = nn.AdaptiveAvgPool2d((2, 3))(x)
    # PyTorch's bins: rows [0, 3) and [2, 5); columns [0, 3), [2, 5), [4, 7).
    np.testing.assert_allclose(out.data[:, :, 1, 2], x.data[:, :, 2:5, 4:7].mean((2, 3)))
    check_module(nn.AdaptiveAvgPool2d((2, 3)), randn(1, 1, 5, 4))
    check_module(nn.AdaptiveMaxPool2d(2), randn(1, 1, 4, 4))
    assert nn.AdaptiveAvgPool1d(2)(am.randn(1, 2, 5)).shape == (1, 2, 2)


# ----------------------------------------------------------------------------------------- normalisation
def test_batchnorm1d_training_statistics_and_gradcheck() -> None:
    bn = nn.BatchNorm1d(3)
    x = am.randn(8, 3) * 2 + 1
    out = bn(x)
    np.testing.assert_allclose(out.data.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(out.data.std(0), 1, atol=1e-3)
    np.testing.assert_allclose(bn.running_mean.data, 0.1 * x.data.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.data, 0.9 + 0.1 * x.data.var(0, ddof=1), rtol=1e-5)
    assert bn.num_batches_tracked.item() == 1
    check_module(nn.BatchNorm1d(2), randn(4, 2))
    check_module(nn.BatchNorm1d(2), randn(3, 2, 2))


def test_batchnorm_eval_uses_running_statistics() -> None:
    bn = nn.BatchNorm2d(2)
    for _ in range(3):
        bn(am.randn(4, 2, 3, 3) + 5)
    bn.eval()
    x = am.randn(2, 2, 3, 3)
    mean, var = bn.running_mean.data.reshape(1, 2, 1, 1), bn.running_var.data.reshape(1, 2, 1, 1)
    np.testing.assert_allclose(bn(x).data, (x.data - mean) / np.sqrt(var + 1e-5), rtol=1e-5, atol=1e-6)
    assert bn.num_batches_tracked.item() == 3
    before = bn.running_mean.data.copy()
    bn(x)
    np.testing.assert_array_equal(bn.running_mean.data, before)
    check_module(bn, randn(2, 2, 2, 2))


def test_batchnorm_options() -> None:
    cumulative = nn.BatchNorm1d(2, momentum=None)
    batches = [am.randn(5, 2) for _ in range(3)]
    for batch in batches:
        cumulative(batch)
    np.testing.assert_allclose(
        cumulative.running_mean.data, np.mean([b.data.mean(0) for b in batches], axis=0), rtol=1e-5
    )
    stateless = nn.BatchNorm1d(2, affine=False, track_running_stats=False)
    assert list(stateless.state_dict()) == [] and stateless.running_mean is None
    stateless.eval()
    np.testing.assert_allclose(stateless(am.randn(6, 2) * 3).data.std(0), 1, atol=1e-3)
    with pytest.raises(ValueError, match="expected 4D input \\(got 2D input\\)"):
        nn.BatchNorm2d(2)(am.randn(3, 2))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(2)(am.randn(1, 2))
    with pytest.raises(RuntimeError, match=r"BatchNorm1d\(3, .*running_mean should contain 2 elements not 3"):
        nn.BatchNorm1d(3).eval()(am.randn(4, 2))


def test_layer_norm_and_group_norm() -> None:
    ln = nn.LayerNorm(4)
    x = am.randn(3, 4) * 3 + 2
    expected = (x.data - x.data.mean(-1, keepdims=True)) / np.sqrt(x.data.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(ln(x).data, expected, rtol=1e-4, atol=1e-5)
    check_module(nn.LayerNorm((2, 3)), randn(2, 2, 3))
    with pytest.raises(RuntimeError, match=r"LayerNorm.*expected input with shape \[\*, 4\], but got input of size"):
        ln(am.randn(3, 5))
    gn = nn.GroupNorm(2, 4)
    check_module(gn, randn(2, 4, 3))
    x = am.randn(2, 4, 3)
    grouped = x.data.reshape(2, 2, 6)
    expected = ((grouped - grouped.mean(-1, keepdims=True)) / np.sqrt(grouped.var(-1, keepdims=True) + 1e-5)).reshape(
        2, 4, 3
    )
    np.testing.assert_allclose(gn(x).data, expected, rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------------------- dropout, embedding, residual
def test_dropout_train_eval_and_seeding() -> None:
    drop = nn.Dropout(0.25)
    x = am.ones(400, 50)
    am.manual_seed(7)
    out = drop(x)
    kept = out.data != 0
    assert 0.7 < kept.mean() < 0.8
    np.testing.assert_allclose(out.data[kept], 1 / 0.75)
    am.manual_seed(7)
    np.testing.assert_array_equal(drop(x).data, out.data)
    drop.eval()
    assert drop(x) is x
    seeded = nn.Dropout(0.5, generator=np.random.default_rng(0))
    again = nn.Dropout(0.5, generator=np.random.default_rng(0))
    np.testing.assert_array_equal(seeded(x).data, again(x).data)
    assert not nn.Dropout(1.0)(x).data.any()
    with pytest.raises(ValueError, match=r"dropout probability has to be between 0 and 1, but got 1\.5"):
        nn.Dropout(1.5)
    channel = nn.Dropout2d(0.5)(am.ones(4, 6, 3, 3)).data
    assert np.all(channel.std((2, 3)) == 0)  # whole channels are kept or dropped


def test_dropout_gradient_uses_the_same_mask() -> None:
    x = randn(5, 4)
    assert am.gradcheck(lambda t: F.dropout(t, 0.4, generator=np.random.default_rng(3)), (x,))


def test_embedding() -> None:
    emb = nn.Embedding(5, 3, padding_idx=0)
    assert emb.weight.shape == (5, 3) and not emb.weight.data[0].any()
    idx = am.tensor([[0, 2], [4, 2]])
    out = emb(idx)
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out.data[1, 0], emb.weight.data[4])
    out.sum().backward()
    grad = emb.weight.grad
    assert grad is not None
    assert grad.data[0].tolist() == [0.0, 0.0, 0.0] and grad.data[2].tolist() == [2.0, 2.0, 2.0]
    plain = nn.Embedding(5, 3).double()  # (the padding row's zero gradient is deliberately not the derivative)
    assert am.gradcheck(lambda w: plain(idx), (plain.weight,))
    with pytest.raises(IndexError, match="index out of range in self"):
        emb(am.tensor([5]))
    with pytest.raises(RuntimeError, match="indices"):
        emb(am.tensor([1.0]))
    frozen = nn.Embedding.from_pretrained(am.eye(3))
    assert not frozen.weight.requires_grad and frozen(am.tensor([1])).data.tolist() == [[0.0, 1.0, 0.0]]
    capped = nn.Embedding(4, 3, max_norm=1.0)
    assert np.linalg.norm(capped(am.tensor([0, 1, 2, 3])).data, axis=1).max() <= 1.0 + 1e-6


def test_residual_adds_the_skip_connection() -> None:
    inner = nn.Linear(3, 3)
    block = nn.Residual(inner)
    x = am.randn(4, 3)
    np.testing.assert_allclose(block(x).data, x.data + inner(x).data, rtol=1e-6)
    check_module(nn.Residual(nn.Linear(2, 2), nn.Tanh()), randn(3, 2))
    with pytest.raises(RuntimeError, match="Residual: fn must keep the input's shape"):
        nn.Residual(nn.Linear(3, 2))(x)
    assert [n for n, _ in block.named_parameters()] == ["fn.weight", "fn.bias"]


# ----------------------------------------------------------------------------------------- activations
def _np_gelu(x: np.ndarray) -> np.ndarray:
    from math import erf

    return x * 0.5 * (1 + np.vectorize(erf)(x / np.sqrt(2)))


ACTIVATIONS: list[tuple[nn.Module, Callable[[np.ndarray], np.ndarray]]] = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.ReLU6(), lambda x: np.clip(x, 0, 6)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.PReLU(), lambda x: np.where(x > 0, x, 0.25 * x)),
    (nn.ELU(), lambda x: np.where(x > 0, x, np.expm1(x))),
    (nn.SELU(), lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x))),
    (nn.CELU(0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x / 0.5))),
    (nn.GELU(), _np_gelu),
    (
        nn.GELU("tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
    ),
    (nn.SiLU(), lambda x: x / (1 + np.exp(-x))),
    (nn.Mish(), lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    (nn.Softplus(), lambda x: np.log1p(np.exp(x))),
    (nn.Softplus(beta=2.0), lambda x: np.log1p(np.exp(2 * x)) / 2),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.Hardtanh(-0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5)),
    (nn.Hardsigmoid(), lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    (nn.Hardswish(), lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    (nn.LogSigmoid(), lambda x: -np.log1p(np.exp(-x))),
    (nn.Softsign(), lambda x: x / (1 + np.abs(x))),
    (nn.Tanhshrink(), lambda x: x - np.tanh(x)),
    (nn.Threshold(0.1, -1.0), lambda x: np.where(x > 0.1, x, -1.0)),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(1, keepdims=True))),
    (nn.Softmin(dim=1), lambda x: np.exp(-x) / np.exp(-x).sum(1, keepdims=True)),
    (nn.GLU(), lambda x: x[:, :2] / (1 + np.exp(-x[:, 2:]))),
]


@pytest.mark.parametrize("module,reference", ACTIVATIONS, ids=lambda v: repr(v) if isinstance(v, nn.Module) else "")
def test_activation_forward_and_gradcheck(module: nn.Module, reference: Callable[[np.ndarray], np.ndarray]) -> None:
    # Points away from every kink (0, +-0.5, 0.1, +-3, 6) so finite differences are valid.
    values = np.array([[-3.7, -1.3, -0.7, -0.2], [0.3, 0.8, 1.9, 6.5], [-6.2, 2.6, 0.05, -0.05]])
    x = am.tensor(values, dtype=am.float64, requires_grad=True)
    module.double()
    np.testing.assert_allclose(module(x).data, reference(values), rtol=1e-7, atol=1e-10)
    check_module(module, x)


def test_activation_subgradients_at_kinks_follow_pytorch() -> None:
    x = am.tensor([0.0, 6.0, -1.0, 1.0], requires_grad=True)
    F.relu6(x).sum().backward()
    assert x.grad is not None and x.grad.data.tolist() == [0.0, 0.0, 0.0, 1.0]
    y = am.tensor([0.0], requires_grad=True)
    F.relu(y).sum().backward()
    assert y.grad is not None and y.grad.data.tolist() == [0.0]


def test_prelu_per_channel_and_inplace_relu() -> None:
    prelu = nn.PReLU(3)
    x = am.randn(2, 3, 4)
    slopes = prelu.weight.data.reshape(1, 3, 1)
    np.testing.assert_allclose(prelu(x).data, np.where(x.data > 0, x.data, slopes * x.data))
    check_module(nn.PReLU(2, init=0.1), randn(3, 2))
    with pytest.raises(RuntimeError, match=r"PReLU\(num_parameters=3\).*Mismatch of parameter numbers"):
        prelu(am.randn(2, 4))
    y = am.tensor([-1.0, 2.0])
    assert nn.ReLU(inplace=True)(y) is y and y.data.tolist() == [0.0, 2.0]


def test_softmax_implicit_dim_warns() -> None:
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
        out = nn.Softmax()(am.randn(2, 3))
    np.testing.assert_allclose(out.data.sum(1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(F.softmax(am.randn(2, 3), dim=0, dtype=am.float64).data.sum(0), 1.0)


def test_functional_helpers() -> None:
    x = am.randn(3, 4)
    np.testing.assert_allclose(np.linalg.norm(F.normalize(x).data, axis=1), 1.0, rtol=1e-6)
    assert F.pad(x, (1, 1)).shape == (3, 6)
    assert F.one_hot(am.tensor([0, 2]), 3).data.tolist() == [[1, 0, 0], [0, 0, 1]]
    assert F.flatten(am.randn(2, 3, 4), 1).shape == (2, 12)

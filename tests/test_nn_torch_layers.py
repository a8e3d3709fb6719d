"""Differential tests against PyTorch: every layer's twin, with copied weights, gives the same outputs,
input gradients, parameter gradients and buffers (train and eval mode), the same state_dict keys and
shapes (both directions load with strict=True), and the same repr."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn

torch = pytest.importorskip("torch")
tnn = torch.nn
# PyTorch warns that an even 'same' kernel costs it a padded copy (we pad the same way).
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")

Factory = Callable[[Any], Any]  # given the nn namespace (ours or torch's), build the layer


class Case:
    def __init__(
        self, name: str, build: Factory, *shapes: tuple[int, ...], ints: int = 0, train_matches: bool = True
    ) -> None:
        self.name = name
        self.build = build
        self.shapes = shapes
        self.ints = ints  # > 0: integer inputs in [0, ints) (Embedding)
        self.train_matches = train_matches  # False for random layers (Dropout)

    def __repr__(self) -> str:
        return self.name


ACTIVATION_SPECS = [
    "ReLU()", "ReLU6()", "LeakyReLU(0.2)", "ELU(alpha=0.7)", "SELU()", "CELU(0.5)", "GELU()",
    "GELU(approximate='tanh')", "SiLU()", "Mish()", "Softplus()", "Softplus(beta=2.0, threshold=1.0)",
    "Sigmoid()", "Tanh()", "Hardtanh(-0.5, 0.5)", "Hardsigmoid()", "Hardswish()", "LogSigmoid()",
    "Softsign()", "Tanhshrink()", "Threshold(0.1, -2.0)", "Softmax(dim=1)", "LogSoftmax(dim=0)",
    "Softmin(dim=-1)", "GLU()",
]  # fmt: skip


def small_cnn(m: Any) -> Any:
    return m.Sequential(
        m.Conv2d(1, 4, 3, padding=1), m.BatchNorm2d(4), m.ReLU(), m.MaxPool2d(2),
        m.Conv2d(4, 8, 3, padding=1), m.ReLU(), m.AdaptiveAvgPool2d(1), m.Flatten(), m.Linear(8, 3),
    )  # fmt: skip


CASES = [
    Case("linear", lambda m: m.Linear(5, 3), (4, 5)),
    Case("linear_3d_nobias", lambda m: m.Linear(5, 3, bias=False), (2, 4, 5)),
    Case("bilinear", lambda m: m.Bilinear(3, 2, 4), (4, 3), (4, 2)),
    Case("conv2d", lambda m: m.Conv2d(3, 4, 3), (2, 3, 7, 8)),
    Case("conv2d_stride_pad", lambda m: m.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 7, 8)),
    Case("conv2d_groups_dil", lambda m: m.Conv2d(4, 6, (3, 2), dilation=2, groups=2, bias=False), (2, 4, 7, 8)),
    Case("conv2d_same_even", lambda m: m.Conv2d(2, 3, 4, padding="same", dilation=(1, 2)), (1, 2, 6, 7)),
    Case("conv2d_depthwise", lambda m: m.Conv2d(3, 6, 3, padding=1, groups=3), (2, 3, 5, 5)),
    Case("conv2d_unbatched", lambda m: m.Conv2d(2, 3, 3, padding=(0, 1)), (2, 5, 5)),
    Case("conv1d", lambda m: m.Conv1d(2, 4, 3, stride=2, padding=1), (2, 2, 9)),
    Case("maxpool2d", lambda m: m.MaxPool2d(2), (2, 3, 6, 8)),
    Case("maxpool2d_pad", lambda m: m.MaxPool2d(3, stride=2, padding=1), (2, 2, 7, 7)),
    Case("maxpool2d_ceil", lambda m: m.MaxPool2d(3, stride=2, ceil_mode=True), (1, 2, 8, 8)),
    Case("maxpool2d_dilated", lambda m: m.MaxPool2d((2, 3), stride=1, padding=1, dilation=2), (1, 2, 6, 7)),
    Case("maxpool1d", lambda m: m.MaxPool1d(3, stride=2), (2, 3, 9)),
    Case("avgpool2d", lambda m: m.AvgPool2d(2), (2, 3, 6, 8)),
    Case("avgpool2d_exclude_pad", lambda m: m.AvgPool2d(3, 2, 1, count_include_pad=False), (1, 2, 7, 6)),
    Case("avgpool2d_ceil", lambda m: m.AvgPool2d(3, 2, 1, ceil_mode=True), (1, 2, 8, 8)),
    Case("avgpool2d_divisor", lambda m: m.AvgPool2d(2, divisor_override=3), (1, 2, 4, 4)),
    Case("avgpool1d", lambda m: m.AvgPool1d(3, stride=2, padding=1), (2, 2, 8)),
    Case("adaptive_avg_1", lambda m: m.AdaptiveAvgPool2d(1), (2, 3, 5, 7)),
    Case("adaptive_avg_uneven", lambda m: m.AdaptiveAvgPool2d((3, 2)), (2, 3, 5, 7)),
    Case("adaptive_avg_none", lambda m: m.AdaptiveAvgPool2d((4, None)), (1, 2, 6, 5)),
    Case("adaptive_max", lambda m: m.AdaptiveMaxPool2d((3, 4)), (2, 3, 6, 8)),
    Case("adaptive_avg1d", lambda m: m.AdaptiveAvgPool1d(3), (2, 2, 7)),
    Case("batchnorm1d", lambda m: m.BatchNorm1d(3), (6, 3)),
    Case("batchnorm1d_3d", lambda m: m.BatchNorm1d(3), (4, 3, 5)),
    Case("batchnorm1d_cumulative", lambda m: m.BatchNorm1d(3, momentum=None), (5, 3)),
    Case("batchnorm1d_noaffine", lambda m: m.BatchNorm1d(3, affine=False, momentum=0.3), (5, 3)),
    Case("batchnorm2d", lambda m: m.BatchNorm2d(3), (4, 3, 5, 5)),
    Case("batchnorm2d_nobias", lambda m: m.BatchNorm2d(3, bias=False, eps=1e-3), (2, 3, 4, 4)),
    Case("batchnorm2d_nostats", lambda m: m.BatchNorm2d(3, track_running_stats=False), (3, 3, 4, 4)),
    Case("layernorm", lambda m: m.LayerNorm(5), (4, 5)),
    Case("layernorm_2d_nobias", lambda m: m.LayerNorm((3, 5), bias=False), (2, 3, 5)),
    Case("layernorm_noaffine", lambda m: m.LayerNorm(5, elementwise_affine=False), (2, 4, 5)),
    Case("groupnorm", lambda m: m.GroupNorm(2, 4), (3, 4, 5)),
    Case("embedding", lambda m: m.Embedding(10, 3), (2, 5), ints=10),
    Case("embedding_padding", lambda m: m.Embedding(6, 4, padding_idx=1), (3, 4), ints=6),
    Case("embedding_max_norm", lambda m: m.Embedding(6, 4, max_norm=1.0), (3, 4), ints=6),
    Case("dropout", lambda m: m.Dropout(0.3), (4, 5), train_matches=False),
    Case("dropout2d", lambda m: m.Dropout2d(0.3), (2, 3, 4, 4), train_matches=False),
    Case("flatten", lambda m: m.Flatten(), (2, 3, 4)),
    Case("unflatten", lambda m: m.Unflatten(1, (2, 3)), (4, 6)),
    Case("identity", lambda m: m.Identity(), (3, 2)),
    Case("prelu_channels", lambda m: m.PReLU(3), (4, 3, 5)),
    Case("prelu_shared", lambda m: m.PReLU(), (4, 5)),
    *[Case(spec, (lambda m, spec=spec: eval(f"m.{spec}")), (4, 6)) for spec in ACTIVATION_SPECS],
    Case("sequential_cnn", small_cnn, (3, 1, 8, 8)),
]


def to_torch(tensor: am.Tensor) -> Any:
    return torch.from_numpy(np.array(tensor.data, copy=True))


def make_pair(case: Case, dtype: Any = am.float64) -> tuple[nn.Module, Any]:
    am.manual_seed(0)
    ours = case.build(nn).to(dtype)
    theirs = case.build(tnn).to(torch.float64 if dtype == am.float64 else torch.float32)
    theirs.load_state_dict({k: to_torch(v) for k, v in ours.state_dict().items()}, strict=True)
    return ours, theirs


def make_inputs(case: Case, rng: np.random.Generator, dtype: Any) -> tuple[list[am.Tensor], list[Any]]:
    ours, theirs = [], []
    for shape in case.shapes:
        if case.ints:
            data = rng.integers(0, case.ints, shape)
            data.flat[0] = 1  # exercise padding_idx
            ours.append(am.tensor(data))
            theirs.append(torch.from_numpy(data))
        else:
            data = rng.standard_normal(shape).astype(dtype)
            ours.append(am.tensor(data, requires_grad=True))
            theirs.append(torch.from_numpy(data.copy()).requires_grad_(True))
    return ours, theirs


def assert_close(ours: Any, theirs: Any, what: str, rtol: float, atol: float) -> None:
    expected = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    actual = ours.data if isinstance(ours, am.Tensor) else np.asarray(ours)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def compare_step(ours: nn.Module, theirs: Any, case: Case, rng: np.random.Generator, tol: tuple[float, float]) -> None:
    """One float64 forward and backward with the same inputs and upstream gradient; compare everything."""
    xs, txs = make_inputs(case, rng, np.float64)
    out, tout = ours(*xs), theirs(*txs)
    assert_close(out, tout, f"{case.name}: output", *tol)
    upstream = rng.standard_normal(out.shape).astype(out.dtype)
    (out * am.tensor(upstream)).sum().backward()
    if tout.requires_grad:
        tout.backward(torch.from_numpy(upstream))
    for i, (x, tx) in enumerate(zip(xs, txs)):
        if tx.requires_grad:
            assert x.grad is not None
            assert_close(x.grad, tx.grad, f"{case.name}: grad of input {i}", *tol)
    theirs_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        their_grad = theirs_params[name].grad
        if their_grad is None:
            assert param.grad is None or not param.grad.data.any(), f"{case.name}: {name} grad"
        else:
            assert param.grad is not None, f"{case.name}: {name} has no grad"
            assert_close(param.grad, their_grad, f"{case.name}: grad of {name}", *tol)
    their_state = theirs.state_dict()
    for name, value in ours.state_dict().items():
        assert_close(value, their_state[name], f"{case.name}: state {name}", *tol)
    ours.zero_grad()
    theirs.zero_grad()


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_layer_matches_pytorch(case: Case, mode: str) -> None:
    ours, theirs = make_pair(case)
    if mode == "eval":
        ours.eval()
        theirs.eval()
    elif not case.train_matches:
        pytest.skip("random masks differ between libraries (statistics are tested in test_nn_layers.py)")
    rng = np.random.default_rng(42)
    for _ in range(2):  # twice, so running statistics and num_batches_tracked evolve
        compare_step(ours, theirs, case, rng, (1e-7, 1e-9))


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_state_dict_layout_and_repr_match_pytorch(case: Case) -> None:
    am.manual_seed(0)
    ours = case.build(nn)
    torch.manual_seed(0)
    theirs = case.build(tnn)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape), str(v.dtype)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape), str(v.dtype).replace("torch.", "")) for k, v in theirs.state_dict().items()
    ]
    # PyTorch -> ours (strict) gives the same forward in eval mode.
    ours.load_state_dict({k: am.tensor(v.numpy()) for k, v in theirs.state_dict().items()}, strict=True)
    ours.eval()
    theirs.eval()
    xs, txs = make_inputs(case, np.random.default_rng(1), np.float32)
    with torch.no_grad():
        expected = theirs(*txs)
    assert_close(ours(*xs), expected, f"{case.name}: float32 forward after loading torch weights", 1e-4, 1e-5)


def test_default_initialisation_matches_pytorch_distribution() -> None:
    am.manual_seed(0)
    ours = nn.Conv2d(16, 32, 3)
    theirs = tnn.Conv2d(16, 32, 3)
    bound = 1 / np.sqrt(16 * 9)  # both are U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    for name in ("weight", "bias"):
        mine, ref = getattr(ours, name).data, getattr(theirs, name).detach().numpy()
        assert np.abs(mine).max() <= bound and np.abs(ref).max() <= bound
    assert abs(ours.weight.data.std() - theirs.weight.detach().numpy().std()) < 0.05 * bound


def test_float32_cnn_training_steps_track_pytorch() -> None:
    """Five SGD steps on a small CNN in float32: parameters stay within float32 round-off of PyTorch's."""
    ours, theirs = make_pair(CASES[-1], am.float32)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.standard_normal((4, 1, 8, 8)).astype(np.float32)
        labels = rng.integers(0, 3, 4)
        out = ours(am.tensor(x))
        loss = -(nn.functional.log_softmax(out, 1)[np.arange(4), labels]).mean()
        tloss = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(labels))
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-5)
        loss.backward()
        tloss.backward()
        with am.no_grad(), torch.no_grad():
            for p, tp in zip(ours.parameters(), theirs.parameters()):
                p -= 0.1 * p.grad
                tp -= 0.1 * tp.grad
        ours.zero_grad()
        theirs.zero_grad()
    for (name, value), tvalue in zip(ours.state_dict().items(), theirs.state_dict().values()):
        assert_close(value, tvalue, name, 1e-4, 1e-5)


def test_maxout_and_residual_match_their_pytorch_compositions() -> None:
    am.manual_seed(0)
    maxout = nn.Maxout(4, 3, pieces=2).double()
    linear = tnn.Linear(4, 6).double()
    linear.load_state_dict({k.removeprefix("linear."): to_torch(v) for k, v in maxout.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 4))
    xa, xt = am.tensor(x, requires_grad=True), torch.from_numpy(x).requires_grad_(True)
    out, tout = maxout(xa), linear(xt).view(5, 3, 2).amax(-1)
    assert_close(out, tout, "maxout output", 1e-10, 1e-12)
    out.sum().backward()
    tout.sum().backward()
    assert_close(xa.grad, xt.grad, "maxout input grad", 1e-10, 1e-12)
    assert_close(maxout.linear.weight.grad, linear.weight.grad, "maxout weight grad", 1e-10, 1e-12)
    block = nn.Residual(nn.Linear(4, 4), nn.Tanh()).double()
    inner = tnn.Linear(4, 4).double()
    inner.load_state_dict({k.removeprefix("fn.0."): to_torch(v) for k, v in block.state_dict().items()})
    assert list(block.state_dict()) == ["fn.0.weight", "fn.0.bias"]
    assert_close(block(am.tensor(x)), xt + torch.tanh(inner(xt)), "residual output", 1e-10, 1e-12)

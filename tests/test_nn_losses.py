"""Loss functions and modules: forward against NumPy references, gradcheck in float64, extreme logits, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import nn.functional as F

RNG_SEED = 0


def log_softmax_np(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def reduce_np(loss: np.ndarray, reduction: str) -> np.ndarray:
    return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


def data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(RNG_SEED)
    return {
        "x": rng.standard_normal((4, 5)),
        "y": rng.standard_normal((4, 5)),
        "p": rng.uniform(0.05, 0.95, (4, 5)),
        "t01": rng.uniform(0, 1, (4, 5)),
        "pm": np.where(rng.standard_normal((4, 5)) > 0, 1.0, -1.0),
        "labels": rng.integers(0, 5, 4),
        "probs": rng.dirichlet(np.ones(5), 4),
        "w": rng.uniform(0.5, 2.0, 5),
    }


D = data()


def _bce_np(p: np.ndarray, t: np.ndarray) -> np.ndarray:
    return -(t * np.maximum(np.log(p), -100) + (1 - t) * np.maximum(np.log(1 - p), -100))


def _smooth_l1_np(d: np.ndarray, beta: float) -> np.ndarray:
    return np.where(np.abs(d) < beta, 0.5 * d * d / beta, np.abs(d) - 0.5 * beta)


def _huber_np(d: np.ndarray, delta: float) -> np.ndarray:
    return np.where(np.abs(d) <= delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))


def _ce_np(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return -log_softmax_np(x, 1)[np.arange(len(labels)), labels]


def _multi_margin_np(x: np.ndarray, labels: np.ndarray, p: int, margin: float) -> np.ndarray:
    n, c = x.shape
    z = np.maximum(0, margin - x[np.arange(n), labels][:, None] + x) ** p
    z[np.arange(n), labels] = 0
    return z.sum(1) / c


# name -> (our function on tensors, NumPy reference, input arrays, kwargs); every first input is differentiated.
CASES: dict[str, tuple[Callable[..., Any], Callable[..., np.ndarray], tuple[np.ndarray, ...], dict[str, Any]]] = {
    "mse_loss": (F.mse_loss, lambda x, y: (x - y) ** 2, (D["x"], D["y"]), {}),
    "l1_loss": (F.l1_loss, lambda x, y: np.abs(x - y), (D["x"], D["y"]), {}),
    "smooth_l1_loss": (F.smooth_l1_loss, lambda x, y: _smooth_l1_np(x - y, 0.5), (D["x"], D["y"]), {"beta": 0.5}),
    "huber_loss": (F.huber_loss, lambda x, y: _huber_np(x - y, 0.7), (D["x"], D["y"]), {"delta": 0.7}),
    "binary_cross_entropy": (F.binary_cross_entropy, _bce_np, (D["p"], D["t01"]), {}),
    "binary_cross_entropy_with_logits": (
        F.binary_cross_entropy_with_logits,
        lambda x, t: (1 - t) * x + np.logaddexp(0, -x),
        (D["x"], D["t01"]),
        {},
    ),
    "soft_margin_loss": (F.soft_margin_loss, lambda x, y: np.logaddexp(0, -y * x), (D["x"], D["pm"]), {}),
    "hinge_loss": (F.hinge_loss, lambda x, y: np.maximum(0, 1 - y * x), (D["x"], D["pm"]), {}),
    "hinge_embedding_loss": (
        F.hinge_embedding_loss,
        lambda x, y: np.where(y == 1, x, np.maximum(0, 0.5 - x)),
        (D["x"], D["pm"]),
        {"margin": 0.5},
    ),
    "kl_div": (
        F.kl_div,
        lambda x, t: t * (np.log(t) - x),
        (log_softmax_np(D["x"], 1), D["probs"][:, :1].repeat(5, 1) / 5 + 0.1),
        {},
    ),
    "cross_entropy": (F.cross_entropy, _ce_np, (D["x"], D["labels"]), {}),
    "cross_entropy_probs": (
        F.cross_entropy,
        lambda x, t: -(log_softmax_np(x, 1) * t).sum(1),
        (D["x"], D["probs"]),
        {},
    ),
    "nll_loss": (F.nll_loss, lambda x, y: -x[np.arange(len(y)), y], (D["x"], D["labels"]), {}),
    "multi_margin_loss": (F.multi_margin_loss, lambda x, y: _multi_margin_np(x, y, 1, 1.0), (D["x"], D["labels"]), {}),
    "multi_margin_loss_p2": (
        F.multi_margin_loss,
        lambda x, y: _multi_margin_np(x, y, 2, 0.5),
        (D["x"], D["labels"]),
        {"p": 2, "margin": 0.5},
    ),
}


def tensors(arrays: tuple[np.ndarray, ...], grad: bool = True) -> list[am.Tensor]:
    return [am.tensor(a, requires_grad=grad and i == 0) for i, a in enumerate(arrays)]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
def test_forward_matches_numpy(name: str, reduction: str) -> None:
    function, reference, arrays, kwargs = CASES[name]
    out = function(*tensors(arrays, grad=False), reduction=reduction, **kwargs)
    expected = reduce_np(reference(*arrays), reduction)
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    assert out.dtype == np.float64


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
def test_gradcheck(name: str, reduction: str) -> None:
    function, _, arrays, kwargs = CASES[name]
    inputs = tensors(arrays)
    assert am.gradcheck(lambda x: function(x, *inputs[1:], reduction=reduction, **kwargs), (inputs[0],))


@pytest.mark.parametrize(
    ("function", "target"),
    [(F.mse_loss, D["y"]), (F.binary_cross_entropy_with_logits, D["t01"]), (F.cross_entropy, D["probs"])],
)
def test_gradcheck_with_respect_to_the_target(function: Callable[..., Any], target: np.ndarray) -> None:
    x = am.tensor(D["x"])
    assert am.gradcheck(lambda t: function(x, t), (am.tensor(target, requires_grad=True),))


def test_float32_stays_float32() -> None:
    x = am.tensor(D["x"].astype(np.float32), requires_grad=True)
    for loss in (
        F.mse_loss(x, am.tensor(D["y"])),  # a float64 target adopts the input's dtype
        F.cross_entropy(x, am.tensor(D["labels"]), weight=am.tensor(D["w"])),
        F.binary_cross_entropy_with_logits(x, am.tensor(D["t01"])),
        F.multi_margin_loss(x, am.tensor(D["labels"])),
    ):
        assert loss.dtype == np.float32
        loss.backward()
        assert x.grad is not None and x.grad.dtype == np.float32


# ------------------------------------------------------------------------------------ cross entropy options
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_cross_entropy_weight_ignore_index_label_smoothing(reduction: str, label_smoothing: float) -> None:
    x, labels, w = D["x"], D["labels"].copy(), D["w"]
    labels[1] = -1
    logp = log_softmax_np(x, 1)
    valid = labels != -1
    safe = np.where(valid, labels, 0)
    w_t = w[safe] * valid
    nll = -logp[np.arange(4), safe] * w_t
    smooth = -(logp * w).sum(1) * valid
    if reduction == "mean":
        nll, smooth = nll.sum() / w_t.sum(), smooth.sum() / w_t.sum()
    elif reduction == "sum":
        nll, smooth = nll.sum(), smooth.sum()
    expected = (1 - label_smoothing) * nll + label_smoothing / 5 * smooth
    out = F.cross_entropy(
        am.tensor(x),
        am.tensor(labels),
        am.tensor(w),
        ignore_index=-1,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )
    np.testing.assert_allclose(out.data, expected, rtol=1e-10)
    xt = am.tensor(x, requires_grad=True)
    assert am.gradcheck(
        lambda v: F.cross_entropy(v, am.tensor(labels), am.tensor(w), ignore_index=-1, label_smoothing=label_smoothing),
        (xt,),
    )


def test_cross_entropy_spatial_and_unbatched() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4, 5))
    labels = rng.integers(0, 3, (2, 4, 5))
    out = F.cross_entropy(am.tensor(x), am.tensor(labels), reduction="none")
    expected = -np.take_along_axis(log_softmax_np(x, 1), labels[:, None], 1)[:, 0]
    np.testing.assert_allclose(out.data, expected, rtol=1e-10)
    single = F.cross_entropy(am.tensor(x[0, :, 0, 0]), am.tensor(np.array(labels[0, 0, 0])))
    np.testing.assert_allclose(single.data, expected[0, 0, 0], rtol=1e-10)
    assert am.gradcheck(
        lambda v: F.cross_entropy(v, am.tensor(labels), label_smoothing=0.1), (am.tensor(x, requires_grad=True),)
    )


def test_all_targets_ignored_gives_nan_without_warnings() -> None:
    out = F.cross_entropy(am.tensor(D["x"]), am.tensor(np.full(4, -100)))
    assert np.isnan(out.item())


def test_bce_weight_and_pos_weight() -> None:
    x, t, w = D["x"], D["t01"], D["w"]
    pos = np.linspace(0.5, 3.0, 5)
    expected = ((1 - t) * x + (1 + (pos - 1) * t) * np.logaddexp(0, -x)) * w
    out = F.binary_cross_entropy_with_logits(am.tensor(x), am.tensor(t), am.tensor(w), pos_weight=am.tensor(pos))
    np.testing.assert_allclose(out.data, expected.mean(), rtol=1e-10)
    out = F.binary_cross_entropy(am.tensor(D["p"]), am.tensor(t), am.tensor(w), reduction="sum")
    np.testing.assert_allclose(out.data, (_bce_np(D["p"], t) * w).sum(), rtol=1e-10)


def test_kl_div_log_target_and_batchmean() -> None:
    x, t = log_softmax_np(D["x"], 1), D["probs"]
    expected = (t * (np.log(t) - x)).sum() / 4
    np.testing.assert_allclose(F.kl_div(am.tensor(x), am.tensor(t), reduction="batchmean").data, expected)
    log_t = am.tensor(np.log(t))
    np.testing.assert_allclose(F.kl_div(am.tensor(x), log_t, reduction="batchmean", log_target=True).data, expected)
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(am.tensor(x), am.tensor(t))


def test_weighted_elementwise_losses() -> None:
    x, y, w = D["x"], D["y"], D["p"]
    out = F.mse_loss(am.tensor(x), am.tensor(y), weight=am.tensor(w))
    np.testing.assert_allclose(out.data, ((x - y) ** 2 * w).sum() / w.sum())
    out = F.huber_loss(am.tensor(x), am.tensor(y), weight=am.tensor(w))
    np.testing.assert_allclose(out.data, (_huber_np(x - y, 1.0) * w).mean())
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        F.l1_loss(am.tensor(x), am.tensor(y), weight=am.tensor(w[0]))


# ------------------------------------------------------------------------------------ stability
@pytest.mark.parametrize(
    ("function", "target"),
    [
        (F.binary_cross_entropy_with_logits, np.array([[1.0, 0.0, 1.0, 0.0]])),
        (F.soft_margin_loss, np.array([[1.0, -1.0, -1.0, 1.0]])),
        (F.cross_entropy, np.array([1])),
        (F.cross_entropy, np.array([[0.0, 0.5, 0.25, 0.25]])),
        (F.multi_margin_loss, np.array([0])),
        (F.hinge_loss, np.array([[1.0, -1.0, -1.0, 1.0]])),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_give_finite_losses_and_gradients(
    function: Callable[..., Any], target: np.ndarray, dtype: Any
) -> None:
    x = am.tensor(np.array([[1000.0, -1000.0, 1000.0, -1000.0]], dtype=dtype), requires_grad=True)
    loss = function(x, am.tensor(target))
    loss.backward()
    assert np.isfinite(loss.item())
    assert x.grad is not None and np.all(np.isfinite(x.grad.data))


def test_extreme_logit_values_are_exact() -> None:
    x = am.tensor(np.array([1000.0, -1000.0]), requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, am.tensor(np.array([0.0, 1.0])), reduction="none")
    np.testing.assert_allclose(loss.data, [1000.0, 1000.0])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0, -1.0])  # type: ignore[union-attr]
    ce = F.cross_entropy(am.tensor(np.array([[1000.0, -1000.0, 0.0]])), am.tensor(np.array([1])))
    np.testing.assert_allclose(ce.item(), 2000.0)


def test_bce_at_exact_zero_and_one_is_clamped_at_100() -> None:
    p = am.tensor(np.array([0.0, 1.0, 0.0, 1.0]), requires_grad=True)
    loss = F.binary_cross_entropy(p, am.tensor(np.array([1.0, 0.0, 0.0, 1.0])), reduction="none")
    np.testing.assert_allclose(loss.data, [100.0, 100.0, 0.0, 0.0])
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad.data))  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------ errors
def test_batch_size_mismatch_message() -> None:
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(4\)\."):
        F.cross_entropy(am.randn(3, 5), am.tensor(np.zeros(4, dtype=np.int64)))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(4\)\."):
        F.nll_loss(am.randn(3, 5), am.tensor(np.zeros(4, dtype=np.int64)))


def test_other_errors() -> None:
    x = am.randn(3, 5)
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        F.cross_entropy(x, am.tensor(np.array([0, 7, 1])))
    with pytest.raises(RuntimeError, match="expected scalar type Long"):
        F.nll_loss(x, am.tensor(np.array([0.0, 1.0, 2.0])))
    with pytest.raises(RuntimeError, match="Expected target size \\[3, 4\\], got \\[3, 5\\]"):
        F.cross_entropy(am.randn(3, 2, 4), am.tensor(np.zeros((3, 5), dtype=np.int64)))
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 5 classes"):
        F.cross_entropy(x, am.tensor(np.array([0, 1, 2])), weight=am.ones(4))
    with pytest.raises(RuntimeError, match=r"label_smoothing must be between 0\.0 and 1\.0"):
        F.cross_entropy(x, am.tensor(np.array([0, 1, 2])), label_smoothing=1.5)
    with pytest.raises(ValueError, match="bogus is not a valid value for reduction"):
        F.mse_loss(x, x, reduction="bogus")
    with pytest.raises(ValueError, match=r"Target size \(\[3, 1\]\) must be the same as input size \(\[3\]\)"):
        F.binary_cross_entropy_with_logits(am.randn(3), am.zeros(3, 1))
    with pytest.raises(ValueError, match=r"binary_cross_entropy.*different to the input size"):
        F.binary_cross_entropy(am.rand(3), am.zeros(3, 1))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(am.tensor([0.5, 1.5]), am.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        F.multi_margin_loss(x, am.tensor(np.array([0, 1, 2])), p=3)
    with pytest.raises(RuntimeError, match=r"mse_loss.*cannot be broadcast"):
        F.mse_loss(am.randn(3, 4), am.randn(3, 5))
    with pytest.warns(UserWarning, match="Using a target size"):
        F.mse_loss(am.randn(3, 4), am.randn(4))
    with pytest.warns(UserWarning, match="please use reduction='sum' instead"):
        out = F.l1_loss(x, am.zeros(3, 5), size_average=False)
    np.testing.assert_allclose(out.item(), np.abs(x.data).sum(), rtol=1e-6)


# ------------------------------------------------------------------------------------ modules
MODULES = [
    (nn.MSELoss(), F.mse_loss, "y", {}),
    (nn.L1Loss(reduction="sum"), F.l1_loss, "y", {"reduction": "sum"}),
    (nn.SmoothL1Loss(beta=0.5), F.smooth_l1_loss, "y", {"beta": 0.5}),
    (nn.HuberLoss(delta=0.5), F.huber_loss, "y", {"delta": 0.5}),
    (nn.BCEWithLogitsLoss(pos_weight=am.tensor(np.full(5, 2.0))), F.binary_cross_entropy_with_logits, "t01", {}),
    (nn.CrossEntropyLoss(weight=am.tensor(D["w"]), label_smoothing=0.1), F.cross_entropy, "labels", {}),
    (nn.NLLLoss(reduction="none"), F.nll_loss, "labels", {"reduction": "none"}),
    (nn.SoftMarginLoss(), F.soft_margin_loss, "pm", {}),
    (nn.HingeLoss(), F.hinge_loss, "pm", {}),
    (nn.HingeEmbeddingLoss(margin=2.0), F.hinge_embedding_loss, "pm", {"margin": 2.0}),
    (nn.MultiMarginLoss(p=2), F.multi_margin_loss, "labels", {"p": 2}),
    (nn.KLDivLoss(reduction="batchmean"), F.kl_div, "probs", {"reduction": "batchmean"}),
]


@pytest.mark.parametrize(("module", "function", "target", "kwargs"), MODULES, ids=lambda v: type(v).__name__)
def test_modules_call_their_functions(
    module: nn.Module, function: Callable[..., Any], target: str, kwargs: dict[str, Any]
) -> None:
    x, t = am.tensor(D["x"]), am.tensor(D[target])
    if isinstance(module, (nn.BCEWithLogitsLoss, nn.CrossEntropyLoss)):
        kwargs = {"pos_weight": module.pos_weight} if isinstance(module, nn.BCEWithLogitsLoss) else {
            "weight": module.weight, "label_smoothing": 0.1}  # fmt: skip
    np.testing.assert_allclose(module(x, t).data, function(x, t, **kwargs).data)


def test_module_weights_are_buffers_and_repr() -> None:
    loss = nn.CrossEntropyLoss(weight=am.tensor(D["w"]))
    assert list(loss.state_dict()) == ["weight"]
    assert repr(nn.MSELoss()) == "MSELoss()"
    assert list(nn.BCEWithLogitsLoss(pos_weight=am.ones(3)).state_dict()) == ["pos_weight"]
    assert nn.MarginRankingLoss(margin=0.5)(
        am.ones(3), am.zeros(3), am.tensor([1.0, -1.0, 1.0])
    ).item() == pytest.approx(0.5)

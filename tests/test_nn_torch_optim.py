"""PyTorch as an oracle: loss values and gradients, optimizer trajectories, scheduler lr sequences, grad clipping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import nn.functional as F
from nn import optim
from nn.optim import lr_scheduler as S

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 5))
X4 = RNG.standard_normal((2, 3, 4, 5))
T = {
    "y": RNG.standard_normal((4, 5)),
    "p": RNG.uniform(0.05, 0.95, (4, 5)),
    "t01": RNG.uniform(0, 1, (4, 5)),
    "pm": np.where(RNG.standard_normal((4, 5)) > 0, 1.0, -1.0),
    "labels": np.array([0, 4, 2, 2]),
    "ignored": np.array([0, -100, 2, 4]),
    "labels4": RNG.integers(0, 3, (2, 4, 5)),
    "probs": RNG.dirichlet(np.ones(5), 4),
    "logp": np.log(RNG.dirichlet(np.ones(5), 4)),
}
W = RNG.uniform(0.5, 2.0, 5)

# (name, function name, input, target key, differentiate the target?, kwargs with "W" standing for the class weights)
LOSS_CASES: list[tuple[str, str, np.ndarray, str, bool, dict[str, Any]]] = [
    ("mse", "mse_loss", X, "y", True, {}),
    ("mse_weight", "mse_loss", X, "y", True, {"weight": "P"}),
    ("l1", "l1_loss", X, "y", True, {}),
    ("l1_weight", "l1_loss", X, "y", False, {"weight": "P"}),
    ("smooth_l1", "smooth_l1_loss", X, "y", True, {"beta": 0.5}),
    ("smooth_l1_beta0", "smooth_l1_loss", X, "y", False, {"beta": 0.0}),
    ("huber", "huber_loss", X, "y", True, {"delta": 0.7}),
    ("huber_weight", "huber_loss", X, "y", False, {"delta": 0.7, "weight": "P"}),
    ("bce", "binary_cross_entropy", T["p"], "t01", True, {}),
    ("bce_weight", "binary_cross_entropy", T["p"], "t01", False, {"weight": "W"}),
    ("bce_logits", "binary_cross_entropy_with_logits", X, "t01", True, {}),
    ("bce_logits_weights", "binary_cross_entropy_with_logits", X, "t01", True, {"weight": "W", "pos_weight": "W"}),
    ("ce", "cross_entropy", X, "labels", False, {}),
    ("ce_all", "cross_entropy", X, "ignored", False, {"weight": "W", "ignore_index": -100, "label_smoothing": 0.2}),
    ("ce_ignore_other", "cross_entropy", X, "labels", False, {"ignore_index": 2}),
    ("ce_probs", "cross_entropy", X, "probs", True, {"weight": "W", "label_smoothing": 0.1}),
    ("ce_spatial", "cross_entropy", X4, "labels4", False, {"label_smoothing": 0.1, "weight": "W3"}),
    ("nll", "nll_loss", T["logp"], "ignored", False, {"weight": "W"}),
    ("soft_margin", "soft_margin_loss", X, "pm", False, {}),
    ("multi_margin", "multi_margin_loss", X, "labels", False, {}),
    ("multi_margin_p2", "multi_margin_loss", X, "labels", False, {"p": 2, "margin": 0.5, "weight": "W"}),
    ("hinge_embedding", "hinge_embedding_loss", X, "pm", False, {"margin": 0.5}),
    ("kl_div", "kl_div", T["logp"], "probs", True, {}),
    ("kl_div_log_target", "kl_div", T["logp"], "logp", True, {"log_target": True}),
]


def _kwargs(kwargs: dict[str, Any], make: Callable[[np.ndarray], Any]) -> dict[str, Any]:
    values = {"W": W, "W3": W[:3], "P": T["p"]}
    return {k: make(values[v]) if isinstance(v, str) and v in values else v for k, v in kwargs.items()}


LOSS_PARAMS = [
    pytest.param(*case, reduction, id=f"{case[0]}-{reduction}")
    for case in LOSS_CASES
    for reduction in ("none", "mean", "sum", *(("batchmean",) if case[1] == "kl_div" else ()))
]


@pytest.mark.parametrize(("name", "fname", "x", "tkey", "grad_target", "kwargs", "reduction"), LOSS_PARAMS)
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
def test_loss_values_and_gradients_match_torch(
    name: str, fname: str, x: np.ndarray, tkey: str, grad_target: bool, kwargs: dict[str, Any], reduction: str
) -> None:
    target = T[tkey]
    floating = target.dtype.kind == "f"
    ours_x = am.tensor(x, requires_grad=True)
    ours_t = am.tensor(target, requires_grad=grad_target and floating)
    theirs_x = torch.tensor(x, requires_grad=True)
    theirs_t = torch.tensor(target, requires_grad=grad_target and floating)
    ours = getattr(F, fname)(ours_x, ours_t, reduction=reduction, **_kwargs(kwargs, am.tensor))
    theirs = getattr(TF, fname)(theirs_x, theirs_t, reduction=reduction, **_kwargs(kwargs, torch.tensor))
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = np.random.default_rng(1).standard_normal(ours.shape)
    (ours * am.tensor(upstream)).sum().backward()
    (theirs * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(ours_x.grad.data, theirs_x.grad.numpy(), rtol=1e-9, atol=1e-12)  # type: ignore[union-attr]
    if grad_target and floating:
        np.testing.assert_allclose(ours_t.grad.data, theirs_t.grad.numpy(), rtol=1e-9, atol=1e-12)  # type: ignore[union-attr]


def test_margin_ranking_and_hinge_match_torch() -> None:
    a, b, y = X[0], X[1], T["pm"][0]
    ours = F.margin_ranking_loss(am.tensor(a), am.tensor(b), am.tensor(y), margin=0.3)
    theirs = TF.margin_ranking_loss(torch.tensor(a), torch.tensor(b), torch.tensor(y), margin=0.3)
    np.testing.assert_allclose(ours.data, theirs.numpy())
    # the binary hinge max(0, 1 - y f) is torch's two-class multi_margin_loss on scores (-f/2, f/2), times 2
    scores = np.stack([-a / 2, a / 2], 1)
    theirs = TF.multi_margin_loss(torch.tensor(scores), torch.tensor((y > 0).astype(np.int64))) * 2
    np.testing.assert_allclose(F.hinge_loss(am.tensor(a), am.tensor(y)).data, theirs.numpy())


@pytest.mark.parametrize("module", ["MSELoss", "CrossEntropyLoss", "BCEWithLogitsLoss", "NLLLoss", "KLDivLoss"])
def test_loss_module_state_dict_keys_match_torch(module: str) -> None:
    weight = {"BCEWithLogitsLoss": "pos_weight"}.get(module, "weight")
    kwargs = {weight: np.ones(5)} if module in ("CrossEntropyLoss", "BCEWithLogitsLoss", "NLLLoss") else {}
    ours = getattr(nn, module)(**{k: am.tensor(v) for k, v in kwargs.items()})
    theirs = getattr(torch.nn, module)(**{k: torch.tensor(v) for k, v in kwargs.items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)


# ------------------------------------------------------------------------------------ optimizer trajectories
XS = RNG.standard_normal((8, 3))
YS = RNG.standard_normal((8, 2))
W0 = RNG.standard_normal((3, 2))
B0 = RNG.standard_normal(2)


def trajectory(
    lib: Any, cls_name: str, kwargs: dict[str, Any], steps: int = 20, closure_step: bool = False
) -> np.ndarray:
    """Parameters after each step of a small tanh regression with a quartic penalty, in either library."""
    mod = am if lib is am else torch
    w, b = mod.tensor(W0.copy(), requires_grad=True), mod.tensor(B0.copy(), requires_grad=True)
    x, y = mod.tensor(XS), mod.tensor(YS)
    groups = kwargs.pop("groups", None)
    params = [{"params": [w], **groups[0]}, {"params": [b], **groups[1]}] if groups else [w, b]
    opt = getattr(optim if lib is am else torch.optim, cls_name)(params, **kwargs)
    sign = -1.0 if kwargs.get("maximize") else 1.0

    def closure() -> Any:
        opt.zero_grad()
        loss = (((mod.tanh(x @ w + b) - y) ** 2).mean() + 0.1 * (w**4).sum()) * sign
        loss.backward()
        return loss

    path = []
    for _ in range(steps):
        if closure_step:
            opt.step(closure)
        else:
            closure()
            opt.step()
        path.append(np.concatenate([np.asarray(w.detach()).ravel(), np.asarray(b.detach()).ravel()]))
    return np.array(path)


OPTIMIZER_CASES: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "maximize": True, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adam", {"lr": 0.05, "groups": [{"lr": 0.01}, {"amsgrad": True, "weight_decay": 0.2}]}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "momentum": 0.9, "centered": True, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-8}),
    ("Adagrad", {"lr": 0.1, "maximize": True}),
]


@pytest.mark.parametrize(("cls_name", "kwargs"), OPTIMIZER_CASES, ids=lambda v: v if isinstance(v, str) else str(v))
def test_optimizer_trajectories_match_torch(cls_name: str, kwargs: dict[str, Any]) -> None:
    ours = trajectory(am, cls_name, dict(kwargs))
    theirs = trajectory(torch, cls_name, dict(kwargs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    assert np.abs(ours - theirs).max() < 1e-10  # in float64 they agree far below the required 1e-5


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 1.0},
        {"lr": 0.5, "line_search_fn": "strong_wolfe"},
        {"history_size": 3, "max_iter": 5, "line_search_fn": "strong_wolfe"},
        {"max_iter": 4, "max_eval": 6, "tolerance_grad": 1e-5, "tolerance_change": 1e-7},
    ],
    ids=str,
)
def test_lbfgs_trajectories_match_torch(kwargs: dict[str, Any]) -> None:
    ours = trajectory(am, "LBFGS", dict(kwargs), steps=5, closure_step=True)
    theirs = trajectory(torch, "LBFGS", dict(kwargs), steps=5, closure_step=True)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-8)


def test_float32_adam_matches_torch_to_1e_5() -> None:
    paths = []
    for lib in (am, torch):
        mod = am if lib is am else torch
        w = mod.tensor(W0.astype(np.float32), requires_grad=True)
        opt = (optim if lib is am else torch.optim).Adam([w], lr=0.05, amsgrad=True)
        path = []
        for _ in range(20):
            opt.zero_grad()
            ((w - 1.0) ** 2 * mod.tensor(np.float32(3.0)) + w**4).sum().backward()
            opt.step()
            path.append(np.asarray(w.detach()).copy())
        paths.append(np.array(path))
    assert paths[0].dtype == np.float32
    np.testing.assert_allclose(paths[0], paths[1], rtol=1e-5, atol=1e-6)


def test_adam_state_dict_matches_torch_layout() -> None:
    ours = am.tensor(W0.copy(), requires_grad=True)
    theirs = torch.tensor(W0.copy(), requires_grad=True)
    states = []
    for p, opt in ((ours, optim.Adam([ours], amsgrad=True)), (theirs, torch.optim.Adam([theirs], amsgrad=True))):
        (p * p).sum().backward()
        opt.step()
        states.append(opt.state_dict())
    assert set(states[0]["state"][0]) == set(states[1]["state"][0])
    np.testing.assert_allclose(states[0]["state"][0]["exp_avg_sq"].data, states[1]["state"][0]["exp_avg_sq"].numpy())
    assert states[0]["param_groups"][0]["params"] == states[1]["param_groups"][0]["params"] == [0]
    for key in ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"):
        assert states[0]["param_groups"][0][key] == states[1]["param_groups"][0][key]


# ------------------------------------------------------------------------------------ schedulers
def lr_sequence(
    lib: Any, build: Callable[[Any, Any], Any], cls_name: str = "SGD", epochs: int = 30, metrics: Any = None
) -> list[Any]:
    mod, optim_mod, sched_mod = (am, optim, S) if lib is am else (torch, torch.optim, torch.optim.lr_scheduler)
    params = [{"params": [mod.zeros(2, requires_grad=True)]}, {"params": [mod.zeros(1, requires_grad=True)], "lr": 0.3}]
    extra = {"momentum": 0.9} if cls_name == "SGD" else {}
    opt = getattr(optim_mod, cls_name)(params, lr=0.1, **extra)
    scheduler = build(sched_mod, opt)
    values = []
    for epoch in range(epochs):
        opt.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[epoch])
        group = opt.param_groups[0]
        values.append((scheduler.get_last_lr(), group.get("momentum"), group.get("betas")))
    return values


SCHEDULER_CASES: list[tuple[str, Callable[[Any, Any], Any], dict[str, Any]]] = [
    ("StepLR", lambda s, o: s.StepLR(o, step_size=4, gamma=0.5), {}),
    ("MultiStepLR", lambda s, o: s.MultiStepLR(o, milestones=[3, 7, 7, 12], gamma=0.3), {}),
    ("ExponentialLR", lambda s, o: s.ExponentialLR(o, gamma=0.95), {}),
    ("CosineAnnealingLR", lambda s, o: s.CosineAnnealingLR(o, T_max=7, eta_min=0.01), {}),
    ("LambdaLR", lambda s, o: s.LambdaLR(o, [lambda e: 0.9**e, lambda e: 1 / (1 + e)]), {}),
    ("OneCycleLR", lambda s, o: s.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=31), {}),
    (
        "OneCycleLR_linear3",
        lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=31, anneal_strategy="linear", three_phase=True),
        {},
    ),
    (
        "OneCycleLR_adam",
        lambda s, o: s.OneCycleLR(o, max_lr=0.5, epochs=3, steps_per_epoch=11, pct_start=0.25),
        {"cls_name": "Adam"},
    ),
    (
        "ReduceLROnPlateau",
        lambda s, o: s.ReduceLROnPlateau(o, factor=0.5, patience=2, cooldown=1, min_lr=[0.01, 0.05]),
        {"metrics": [5.0, 4.0] + [4.0] * 10 + [3.0] + [3.5] * 17},
    ),
    (
        "ReduceLROnPlateau_max_abs",
        lambda s, o: s.ReduceLROnPlateau(o, mode="max", threshold=0.1, threshold_mode="abs", patience=1),
        {"metrics": list(np.sin(np.arange(30)))},
    ),
]


@pytest.mark.parametrize(("name", "build", "options"), SCHEDULER_CASES, ids=[c[0] for c in SCHEDULER_CASES])
def test_scheduler_lr_sequences_match_torch(
    name: str, build: Callable[[Any, Any], Any], options: dict[str, Any]
) -> None:
    ours = lr_sequence(am, build, **options)
    theirs = lr_sequence(torch, build, **options)
    for (our_lr, our_m, our_b), (their_lr, their_m, their_b) in zip(ours, theirs):
        np.testing.assert_allclose(our_lr, their_lr, rtol=1e-12)
        if their_m is not None:
            np.testing.assert_allclose(our_m, their_m, rtol=1e-12)
        if their_b is not None:
            np.testing.assert_allclose(our_b, their_b, rtol=1e-12)


# ------------------------------------------------------------------------------------ clipping
@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type: float, max_norm: float) -> None:
    grads = [RNG.standard_normal((3, 4)), RNG.standard_normal(5)]
    ours = [am.tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for o, t, g in zip(ours, theirs, grads):
        o.grad, t.grad = am.tensor(g.copy()), torch.tensor(g.copy())
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-10)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-10)  # type: ignore[union-attr]

"""Learning-rate schedulers: lr sequences against closed forms, plateau logic, OneCycle, state dicts, warnings."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
from nn import optim
from nn.optim import lr_scheduler as S


def make_optimizer(lr: float = 0.1, groups: int = 1, cls: Any = optim.SGD, **kwargs: Any) -> optim.Optimizer:
    params = [{"params": [am.tensor(np.ones(2), requires_grad=True)], "lr": lr * (i + 1)} for i in range(groups)]
    return cls(params, lr=lr, **kwargs)


def run(optimizer: optim.Optimizer, scheduler: Any, epochs: int) -> list[list[float]]:
    """The lrs in use at each epoch: read before stepping, as a training loop sees them."""
    lrs = []
    for _ in range(epochs):
        lrs.append([group["lr"] for group in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    return lrs


CLOSED_FORMS: list[tuple[str, Callable[[optim.Optimizer], Any], Callable[[float, int], float]]] = [
    ("StepLR", lambda o: S.StepLR(o, step_size=3, gamma=0.5), lambda b, e: b * 0.5 ** (e // 3)),
    (
        "MultiStepLR",
        lambda o: S.MultiStepLR(o, [2, 5, 5], gamma=0.1),
        lambda b, e: b * 0.1 ** ((e >= 2) + 2 * (e >= 5)),
    ),
    ("ExponentialLR", lambda o: S.ExponentialLR(o, gamma=0.9), lambda b, e: b * 0.9**e),
    (
        "CosineAnnealingLR",
        lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
        lambda b, e: 0.01 + (b - 0.01) * (1 + math.cos(math.pi * e / 10)) / 2,
    ),
    ("LambdaLR", lambda o: S.LambdaLR(o, lambda e: 1 / (e + 1)), lambda b, e: b / (e + 1)),
]


@pytest.mark.parametrize(("name", "build", "closed_form"), CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS])
def test_lr_sequences_follow_closed_forms(name: str, build: Callable[[optim.Optimizer], Any], closed_form: Any) -> None:
    optimizer = make_optimizer(groups=2)
    scheduler = build(optimizer)
    assert scheduler.last_epoch == 0 and scheduler.base_lrs == [0.1, 0.2]
    lrs = run(optimizer, scheduler, 25 if name == "CosineAnnealingLR" else 12)
    for epoch, values in enumerate(lrs):
        np.testing.assert_allclose(values, [closed_form(0.1, epoch), closed_form(0.2, epoch)], rtol=1e-10, atol=1e-12)
    assert scheduler.get_last_lr() == [group["lr"] for group in optimizer.param_groups]


def test_lambda_lr_per_group_and_state_dict() -> None:
    optimizer = make_optimizer(groups=2)
    scheduler = S.LambdaLR(optimizer, [lambda e: 0.5**e, lambda e: 1.0 + e])
    run(optimizer, scheduler, 3)
    np.testing.assert_allclose(scheduler.get_last_lr(), [0.1 * 0.125, 0.2 * 4.0])
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [None, None] and state["last_epoch"] == 3
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        S.LambdaLR(optimizer, [lambda e: 1.0])


def test_state_dict_round_trip_through_a_file(tmp_path: Path) -> None:
    optimizer = make_optimizer()
    scheduler = S.MultiStepLR(optimizer, [3, 6], gamma=0.5)
    run(optimizer, scheduler, 4)
    nn.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, tmp_path / "ckpt.safetensors")
    checkpoint = nn.load(tmp_path / "ckpt.safetensors")
    fresh_optimizer = make_optimizer()
    fresh_optimizer.load_state_dict(checkpoint["optimizer"])
    fresh = S.MultiStepLR(fresh_optimizer, [1], gamma=0.9)
    fresh.load_state_dict(checkpoint["scheduler"])
    assert fresh.last_epoch == 4 and fresh.milestones == {3: 1, 6: 1}
    assert run(fresh_optimizer, fresh, 4) == run(optimizer, scheduler, 4)


def test_resuming_needs_initial_lr() -> None:
    optimizer = make_optimizer()
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        S.StepLR(optimizer, step_size=2, last_epoch=5)


def test_warnings() -> None:
    optimizer = make_optimizer()
    scheduler = S.StepLR(optimizer, step_size=2)
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before `optimizer.step\\(\\)`"):
        scheduler.step()
    optimizer = make_optimizer()
    scheduler = S.StepLR(optimizer, step_size=2, gamma=0.5)
    optimizer.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
        scheduler.step(5)
    assert scheduler.get_last_lr() == [pytest.approx(0.1 * 0.25)]
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        S.StepLR([], step_size=1)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ ReduceLROnPlateau
def test_reduce_on_plateau_patience_and_cooldown() -> None:
    optimizer = make_optimizer(lr=1.0)
    scheduler = S.ReduceLROnPlateau(optimizer, factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    metrics = [10, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]
    lrs = []
    for value in metrics:
        optimizer.step()
        scheduler.step(value)
        lrs.append(scheduler.get_last_lr()[0])
    # improvements at epochs 1-2; three bad epochs reduce; one cooldown epoch; three more reduce; floor at 0.2
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]
    for value in [9] * 4:
        scheduler.step(value)
    assert scheduler.get_last_lr() == [0.2]


def test_reduce_on_plateau_max_mode_abs_threshold_and_errors() -> None:
    optimizer = make_optimizer(lr=1.0)
    scheduler = S.ReduceLROnPlateau(optimizer, mode="max", patience=0, threshold=0.5, threshold_mode="abs")
    scheduler.step(1.0)  # improvement over -inf
    scheduler.step(1.4)  # not better than 1.0 + 0.5: reduce at once (patience 0)
    assert scheduler.get_last_lr() == [pytest.approx(0.1)]
    scheduler.step(am.tensor(2.0))  # a 0-d tensor metric
    assert scheduler.best == 2.0
    with pytest.raises(ValueError, match=r"Factor should be < 1\.0\."):
        S.ReduceLROnPlateau(optimizer, factor=1.0)
    with pytest.raises(ValueError, match="mode sideways is unknown!"):
        S.ReduceLROnPlateau(optimizer, mode="sideways")
    with pytest.raises(ValueError, match="expected 1 min_lrs, got 2"):
        S.ReduceLROnPlateau(optimizer, min_lr=[0.1, 0.2])
    state = scheduler.state_dict()
    fresh = S.ReduceLROnPlateau(optimizer)
    fresh.load_state_dict(state)
    assert fresh.mode == "max" and fresh.mode_worse == -math.inf


# ------------------------------------------------------------------------------------ OneCycleLR
@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize("anneal_strategy", ["cos", "linear"])
def test_one_cycle(three_phase: bool, anneal_strategy: str) -> None:
    optimizer = make_optimizer(lr=0.01, momentum=0.9)
    scheduler = S.OneCycleLR(
        optimizer, max_lr=1.0, total_steps=20, anneal_strategy=anneal_strategy, three_phase=three_phase
    )
    lrs, momenta = [], []
    for _ in range(20):
        lrs.append(optimizer.param_groups[0]["lr"])
        momenta.append(optimizer.param_groups[0]["momentum"])
        optimizer.step()
        if len(lrs) < 20:
            scheduler.step()
    assert lrs[0] == pytest.approx(1.0 / 25) and momenta[0] == pytest.approx(0.95)
    assert max(lrs) == pytest.approx(1.0) and lrs.index(max(lrs)) == 5  # end of warm-up: 0.3 * 20 - 1
    assert momenta[5] == pytest.approx(0.85)
    assert lrs[-1] == pytest.approx(1.0 / 25 / 1e4)
    with pytest.raises(ValueError, match="Tried to step 21 times"):
        scheduler.step()
        scheduler.step()


def test_one_cycle_cycles_adam_beta1_and_validates() -> None:
    optimizer = make_optimizer(cls=optim.Adam)
    S.OneCycleLR(optimizer, max_lr=0.1, epochs=2, steps_per_epoch=5)
    assert optimizer.param_groups[0]["betas"] == (0.95, 0.999)
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        S.OneCycleLR(optimizer, max_lr=0.1)
    with pytest.raises(ValueError, match="Expected float between 0 and 1 pct_start"):
        S.OneCycleLR(optimizer, max_lr=0.1, total_steps=10, pct_start=2.0)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        S.OneCycleLR(make_optimizer(cls=optim.Adagrad), max_lr=0.1, total_steps=10)
    with pytest.raises(ValueError, match=r"max_lr must have the same length as optimizer\.param_groups"):
        S.OneCycleLR(optimizer, max_lr=[0.1, 0.2], total_steps=10)

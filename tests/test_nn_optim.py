"""Optimizers: descent on a quadratic, None gradients, in-place updates, state dicts, errors, LBFGS and line search."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
from nn import optim

RNG = np.random.default_rng(0)
A = RNG.standard_normal((4, 4))
H = A @ A.T + 4 * np.eye(4)  # a positive definite Hessian
B = RNG.standard_normal(4)
X0 = RNG.standard_normal(4)

CONFIGS: list[tuple[type[optim.Optimizer], dict[str, Any]]] = [
    (optim.SGD, {"lr": 0.02}),
    (optim.SGD, {"lr": 0.02, "momentum": 0.9}),
    (optim.SGD, {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    (optim.SGD, {"lr": 0.02, "momentum": 0.5, "dampening": 0.5}),
    (optim.Adam, {"lr": 0.05}),
    (optim.Adam, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01}),
    (optim.AdamW, {"lr": 0.05}),
    (optim.AdamW, {"lr": 0.05, "amsgrad": True}),
    (optim.RMSprop, {"lr": 0.01}),
    (optim.RMSprop, {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.01}),
    (optim.Adagrad, {"lr": 0.1}),
    (optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
]


def config_id(config: Any) -> str:
    if isinstance(config, type):
        return config.__name__
    return ",".join(f"{k}={v}" for k, v in config.items())


def quadratic(x: am.Tensor) -> am.Tensor:
    """0.5 x^T H x - b^T x, minimised at H^-1 b."""
    return (x @ (am.tensor(H) @ x)) * 0.5 - am.tensor(B) @ x


def train(opt: optim.Optimizer, x: am.Tensor, steps: int, sign: float = 1.0) -> list[float]:
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = quadratic(x) * sign
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS, ids=config_id)
def test_steps_decrease_a_quadratic(cls: type[optim.Optimizer], kwargs: dict[str, Any]) -> None:
    x = am.tensor(X0.copy(), requires_grad=True)
    opt = cls([x], **kwargs)
    start = quadratic(x).item()
    train(opt, x, 30)
    assert quadratic(x).item() < start - 0.1


@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS, ids=config_id)
def test_maximize_ascends(cls: type[optim.Optimizer], kwargs: dict[str, Any]) -> None:
    x = am.tensor(X0.copy(), requires_grad=True)
    opt = cls([x], **kwargs, maximize=True)
    start = quadratic(x).item()
    train(opt, x, 30, sign=-1.0)  # maximizing -f minimises f
    assert quadratic(x).item() < start - 0.1


@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS, ids=config_id)
def test_updates_in_place_and_skips_none_grads(cls: type[optim.Optimizer], kwargs: dict[str, Any]) -> None:
    x = am.tensor(X0.copy(), requires_grad=True)
    frozen = am.tensor(np.ones(3), requires_grad=True)
    array = x.data
    opt = cls([x, frozen], **kwargs)
    train(opt, x, 3)
    assert x.data is array and not np.allclose(array, X0)
    assert frozen.grad is None
    np.testing.assert_array_equal(frozen.data, np.ones(3))
    if cls is not optim.Adagrad:  # Adagrad creates its state eagerly, as torch does
        assert frozen not in opt.state


@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS, ids=config_id)
def test_state_dict_round_trip(cls: type[optim.Optimizer], kwargs: dict[str, Any], tmp_path: Path) -> None:
    x = am.tensor(X0.copy(), requires_grad=True)
    opt = cls([x], **kwargs)
    train(opt, x, 3)
    saved = copy.deepcopy(opt.state_dict())
    nn.save(opt.state_dict(), tmp_path / "opt.safetensors")
    for source in (saved, nn.load(tmp_path / "opt.safetensors")):
        y = am.tensor(x.data.copy(), requires_grad=True)
        twin = cls([y], lr=123.0)  # hyperparameters come from the state dict
        twin.load_state_dict(source)
        assert twin.param_groups[0]["lr"] == kwargs["lr"]
        x_copy = am.tensor(x.data.copy(), requires_grad=True)
        original = cls([x_copy], **kwargs)
        original.load_state_dict(saved)
        train(twin, y, 3)
        train(original, x_copy, 3)
        np.testing.assert_allclose(y.data, x_copy.data, rtol=1e-12)


def test_state_dict_layout_and_param_groups() -> None:
    w = am.tensor(np.ones((2, 2)), requires_grad=True)
    b = am.tensor(np.zeros(2), requires_grad=True)
    opt = optim.SGD([{"params": [w]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    (w.sum() + b.sum()).backward()
    opt.step()
    state = opt.state_dict()
    assert [g["params"] for g in state["param_groups"]] == [[0], [1]]
    assert set(state["state"]) == {0, 1} and set(state["state"][0]) == {"momentum_buffer"}
    np.testing.assert_allclose(b.data, [-0.5, -0.5])
    c = am.tensor(np.zeros(1), requires_grad=True)
    opt.add_param_group({"params": [c], "momentum": 0.0})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.0
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [w]})
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([w]).load_state_dict(state)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.SGD([{"params": [w, b]}, {"params": [c]}]).load_state_dict(state)
    assert "Parameter Group 1" in repr(opt) and "    lr: 0.5" in repr(opt)


def test_named_parameters_are_accepted() -> None:
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.named_parameters())
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]


def test_zero_grad() -> None:
    x = am.tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([x], lr=0.1)
    (x * x).sum().backward()
    grad = x.grad
    opt.zero_grad(set_to_none=False)
    assert x.grad is grad
    np.testing.assert_array_equal(grad.data, np.zeros(3))  # type: ignore[union-attr]
    opt.zero_grad()
    assert x.grad is None


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda p: optim.SGD(p, lr=-1), "Invalid learning rate: -1"),
        (lambda p: optim.SGD(p, momentum=-0.5), "Invalid momentum value: -0.5"),
        (lambda p: optim.SGD(p, weight_decay=-1e-2), "Invalid weight_decay value: -0.01"),
        (lambda p: optim.SGD(p, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
        (lambda p: optim.Adam(p, eps=-1.0), "Invalid epsilon value: -1.0"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
        (lambda p: optim.AdamW(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
        (lambda p: optim.RMSprop(p, alpha=-1), "Invalid alpha value: -1"),
        (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
        (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
        (lambda p: optim.LBFGS(p, lr=-2), "Invalid learning rate: -2"),
        (lambda p: optim.SGD([]), "optimizer got an empty parameter list"),
        (lambda p: optim.LBFGS([{"params": p}, {"params": [am.zeros(1, requires_grad=True)]}]), "per-parameter"),
    ],
)
def test_invalid_hyperparameters(build: Callable[[list[am.Tensor]], Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build([am.tensor(np.ones(2), requires_grad=True)])


def test_invalid_params() -> None:
    x = am.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got Tensor"):
        optim.SGD(x)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([x * 2])
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is list"):
        optim.SGD([[x]])
    with pytest.raises(TypeError, match="ordering of tensors in sets will change between runs"):
        optim.SGD([{"params": {x}}])
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([x, x])


# ------------------------------------------------------------------------------------ LBFGS and line search
def rosenbrock(xy: am.Tensor) -> am.Tensor:
    return (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2


def closure_for(opt: optim.Optimizer, f: Callable[[am.Tensor], am.Tensor], x: am.Tensor) -> Callable[[], am.Tensor]:
    def closure() -> am.Tensor:
        opt.zero_grad()
        loss = f(x)
        loss.backward()
        return loss

    return closure


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_minimises_a_quadratic(line_search_fn: str | None) -> None:
    x = am.tensor(X0.copy(), requires_grad=True)
    opt = optim.LBFGS([x], line_search_fn=line_search_fn, max_iter=50, tolerance_change=1e-14, tolerance_grad=1e-12)
    for _ in range(3):
        opt.step(closure_for(opt, quadratic, x))
    np.testing.assert_allclose(x.data, np.linalg.solve(H, B), atol=1e-6)


def test_lbfgs_strong_wolfe_solves_rosenbrock() -> None:
    x = am.tensor(np.array([-1.5, 2.0]), requires_grad=True)
    opt = optim.LBFGS(
        [x], line_search_fn="strong_wolfe", max_iter=200, history_size=10, tolerance_grad=1e-12, tolerance_change=1e-14
    )
    first = opt.step(closure_for(opt, rosenbrock, x))
    assert first.item() > 1.0
    np.testing.assert_allclose(x.data, [1.0, 1.0], atol=1e-5)
    state = opt.state[x]
    assert state["n_iter"] > 10 and state["func_evals"] >= state["n_iter"]


def test_lbfgs_state_dict_saves_history(tmp_path: Path) -> None:
    x = am.tensor(np.array([-1.5, 2.0]), requires_grad=True)
    opt = optim.LBFGS([x], line_search_fn="strong_wolfe", max_iter=5, history_size=3)
    opt.step(closure_for(opt, rosenbrock, x))
    nn.save(opt.state_dict(), tmp_path / "lbfgs.safetensors")
    loaded = nn.load(tmp_path / "lbfgs.safetensors")
    assert len(loaded["state"][0]["old_dirs"]) == len(opt.state[x]["old_dirs"]) > 0
    y = am.tensor(x.data.copy(), requires_grad=True)
    twin = optim.LBFGS([y])
    twin.load_state_dict(loaded)
    opt.step(closure_for(opt, rosenbrock, x))
    twin.step(closure_for(twin, rosenbrock, y))
    np.testing.assert_allclose(y.data, x.data, rtol=1e-12)


def test_lbfgs_needs_a_closure() -> None:
    with pytest.raises(RuntimeError, match="requires a closure"):
        optim.LBFGS([am.tensor(np.ones(2), requires_grad=True)]).step()


def test_gradient_descent_line_search_converges_and_satisfies_armijo() -> None:
    x = am.tensor(X0.copy(), requires_grad=True)
    opt = optim.GradientDescentLineSearch([x], lr=1.0)
    closure = closure_for(opt, quadratic, x)
    losses, steps = [], []
    for _ in range(60):
        before = x.data.copy()
        loss = opt.step(closure)
        losses.append(loss.item())
        t = opt.state[x]["t"]
        steps.append(t)
        g = H @ before - B
        after = quadratic(am.tensor(x.data)).item()
        assert after <= loss.item() - 1e-4 * t * (g @ g) + 1e-12  # the Armijo condition
    assert all(b <= a for a, b in itertools.pairwise(losses))
    np.testing.assert_allclose(x.data, np.linalg.solve(H, B), atol=1e-6)
    assert 0 < steps[0] < 1.0  # the first trial step 1.0 is too long for this Hessian


def test_gradient_descent_line_search_on_rosenbrock_and_errors() -> None:
    x = am.tensor(np.array([-1.0, 1.5]), requires_grad=True)
    opt = optim.GradientDescentLineSearch([x], lr=1.0, beta=0.5)
    closure = closure_for(opt, rosenbrock, x)
    start = rosenbrock(x).item()
    for _ in range(30):
        opt.step(closure)
    assert rosenbrock(x).item() < 1e-2 * start
    with pytest.raises(RuntimeError, match="requires a closure"):
        opt.step()
    with pytest.raises(ValueError, match="Invalid backtracking factor beta"):
        optim.GradientDescentLineSearch([x], beta=1.5)
    with pytest.raises(ValueError, match="Invalid learning rate: 0"):
        optim.GradientDescentLineSearch([x], lr=0)


def test_gradient_descent_line_search_stops_at_a_stationary_point() -> None:
    x = am.tensor(np.linalg.solve(H, B), requires_grad=True)
    opt = optim.GradientDescentLineSearch([x], tolerance_grad=1e-8)
    before = x.data.copy()
    opt.step(closure_for(opt, quadratic, x))
    np.testing.assert_array_equal(x.data, before)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.LBFGS, optim.GradientDescentLineSearch])
def test_a_step_bumps_the_version_so_stale_graphs_refuse_backward(cls: type[optim.Optimizer]) -> None:
    x = am.tensor(X0.copy(), requires_grad=True)
    opt = cls([x], lr=0.01)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    version = x._version
    opt.step(closure_for(opt, quadratic, x))
    assert x._version > version
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()

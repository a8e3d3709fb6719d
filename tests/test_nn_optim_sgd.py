"""SGD's written-out step against a plain NumPy reference, bit for bit, over several steps.

The reference is torch.optim.SGD's update with Python-number hyperparameters, which NumPy casts to
each array's dtype (NEP 50).  ``SGD.step`` multiplies by 0-d arrays of the parameter's dtype instead
(faster, same values), so every case compares with ``assert_array_equal``, not a tolerance: changed
hyperparameters between steps, weight decay, dampening, Nesterov, maximize, skipped (None)
gradients, several dtypes in one group, and gradients or buffers whose dtype differs from the parameter's.
Also: which parameters get state (as torch: only momentum buffers), and the cached 0-d constants.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
from nn import optim

SETTINGS = [
    {"momentum": 0.0},
    {"momentum": 0.9},
    {"momentum": 0.9, "weight_decay": 0.01},
    {"momentum": 0.9, "weight_decay": 0.01, "nesterov": True},
    {"momentum": 0.5, "dampening": 0.3},
    {"momentum": 0.5, "dampening": 0.3, "weight_decay": 0.02, "maximize": True},
    {"momentum": 0.0, "weight_decay": 0.05, "maximize": True},
]


class Reference:
    """torch.optim.SGD's update on NumPy arrays (one parameter group), hyperparameters read every step."""

    def __init__(self, params: list[np.ndarray], group: dict[str, Any]) -> None:
        self.params = params
        self.group = group
        self.buffers: list[np.ndarray | None] = [None] * len(params)

    def step(self, grads: list[np.ndarray | None]) -> None:
        g = self.group
        for i, (param, grad) in enumerate(zip(self.params, grads)):
            if grad is None:
                continue
            if g["maximize"]:
                grad = -grad
            if g["weight_decay"] != 0:
                grad = grad + g["weight_decay"] * param
            if g["momentum"] != 0:
                buffer = self.buffers[i]
                if buffer is None:
                    buffer = self.buffers[i] = grad.copy()
                else:
                    buffer *= g["momentum"]
                    buffer += (1 - g["dampening"]) * grad
                grad = grad + g["momentum"] * buffer if g["nesterov"] else buffer
            param -= np.asarray(g["lr"] * grad, dtype=param.dtype)


def run_both(
    setting: dict[str, Any], dtypes: list[Any], grad_dtypes: list[Any], steps: int = 5
) -> tuple[list[nn.Parameter], optim.SGD, Reference]:
    rng = np.random.default_rng(7)
    start = [rng.standard_normal((3, 4)).astype(dtype) for dtype in dtypes]
    params = [nn.Parameter(am.tensor(a.copy())) for a in start]
    opt = optim.SGD(params, lr=0.1, **setting)
    reference = Reference([a.copy() for a in start], dict(opt.param_groups[0]))
    for step in range(steps):
        grads: list[np.ndarray | None] = [rng.standard_normal((3, 4)).astype(dtype) for dtype in grad_dtypes]
        if step == 2:
            grads[0] = None  # a parameter without a gradient is skipped, its buffer kept
        for param, grad in zip(params, grads):
            param.grad = None if grad is None else am.tensor(grad.copy())
        if step >= 3:  # a scheduler (or the user) changing the group between steps
            for group in (opt.param_groups[0], reference.group):
                group["lr"] = 0.1 / (step + 1)
                group["momentum"] = setting["momentum"] * 0.5
        opt.step()
        reference.step(grads)
        for param, expected in zip(params, reference.params):
            assert param.data.dtype == expected.dtype
            np.testing.assert_array_equal(param.data, expected)
    return params, opt, reference


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_matches_the_reference_bit_for_bit(setting: dict[str, Any], dtype: Any) -> None:
    params, opt, reference = run_both(setting, [dtype] * 3, [dtype] * 3)
    if setting["momentum"] == 0:
        assert not opt.state  # as torch: no entries at all (not even empty dicts) without momentum
        return
    for param, expected in zip(params, reference.buffers):
        buffer = opt.state[param]["momentum_buffer"]
        assert isinstance(buffer, am.Tensor) and expected is not None
        np.testing.assert_array_equal(buffer.data, expected)


@pytest.mark.parametrize("setting", SETTINGS[1:4], ids=["momentum", "weight_decay", "nesterov"])
def test_mixed_dtypes_in_one_group(setting: dict[str, Any]) -> None:
    """Parameters of several dtypes alternate, and some gradients are float64 on float32 parameters."""
    dtypes = [np.float32, np.float64, np.float32, np.float16]
    run_both(setting, dtypes, [np.float32, np.float64, np.float64, np.float16])


@pytest.mark.parametrize(
    ("lr", "as_computed"),
    [(np.float64(0.037), np.float64(0.037)), (am.tensor(0.037), np.float32(0.037))],
    ids=["float64 scalar", "float32 Tensor"],
)
def test_numpy_scalar_and_tensor_learning_rates_keep_their_own_precision(lr: Any, as_computed: Any) -> None:
    """A float64 NumPy scalar promotes the float32 product (the result is cast back), a float32 Tensor does not."""
    # Starting from 0, and many values: a learning rate rounded to another precision would show.
    param = nn.Parameter(am.tensor(np.zeros(1000, np.float32)))
    grad = np.linspace(0.1, 0.9, 1000).astype(np.float32)
    opt = optim.SGD([param], lr=0.5, momentum=0.9)
    opt.param_groups[0]["lr"] = lr
    for _ in range(2):
        param.grad = am.tensor(grad.copy())
        opt.step()
    expected = np.zeros(1000, np.float32)
    buffer = grad.copy()
    expected -= np.asarray(as_computed * buffer, dtype=np.float32)
    buffer *= 0.9
    buffer += grad
    expected -= np.asarray(as_computed * buffer, dtype=np.float32)
    np.testing.assert_array_equal(param.data, expected)


def test_a_buffer_loaded_in_another_dtype_keeps_working() -> None:
    """A float64 momentum buffer on a float32 parameter (e.g. put in the state by hand) gets Python-number maths."""
    param = nn.Parameter(am.tensor(np.ones(4, np.float32)))
    opt = optim.SGD([param], lr=0.1, momentum=0.9)
    opt.state[param]["momentum_buffer"] = am.tensor(np.full(4, 0.25, np.float64))
    grad = np.array([0.1, 0.2, 0.3, 0.4], np.float32)
    param.grad = am.tensor(grad)
    opt.step()
    buffer = np.full(4, 0.25, np.float64) * 0.9 + grad
    np.testing.assert_array_equal(opt.state[param]["momentum_buffer"].data, buffer)
    np.testing.assert_array_equal(param.data, np.ones(4, np.float32) - np.asarray(0.1 * buffer, dtype=np.float32))


def test_several_groups_and_the_closure() -> None:
    a = nn.Parameter(am.tensor(np.array([1.0, 2.0], np.float32)))
    b = nn.Parameter(am.tensor(np.array([3.0], np.float64)))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5, "momentum": 0.9}], lr=0.1)
    calls = []

    def closure() -> am.Tensor:
        calls.append(am.is_grad_enabled())
        opt.zero_grad()
        loss = (a * a).sum() + (b * b).sum()
        loss.backward()
        return loss

    with am.no_grad():
        for _ in range(2):
            loss = opt.step(closure)
    assert calls == [True, True] and isinstance(loss, am.Tensor)
    expected_a, expected_b, buffer = np.array([1.0, 2.0], np.float32), np.array([3.0]), None
    for _ in range(2):
        grad_a, grad_b = 2 * expected_a, 2 * expected_b
        expected_a = expected_a - 0.1 * grad_a
        buffer = grad_b.copy() if buffer is None else 0.9 * buffer + grad_b
        expected_b = expected_b - 0.5 * buffer
    np.testing.assert_array_equal(a.data, expected_a)
    np.testing.assert_array_equal(b.data, expected_b)


def test_only_momentum_keeps_state_as_torch_does() -> None:
    """Plain SGD leaves ``state`` and the state dict's ``"state"`` empty; momentum keeps a buffer per
    parameter that had a gradient, and a group switched to momentum 0 leaves its buffers alone."""
    a, b = (nn.Parameter(am.tensor(np.ones(3, np.float32))) for _ in range(2))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "momentum": 0.9}], lr=0.1)
    a.grad = am.tensor(np.ones(3, np.float32))
    for _ in range(2):
        opt.step()
    assert not opt.state and opt.state_dict()["state"] == {}
    b.grad = am.tensor(np.ones(3, np.float32))
    opt.step()
    assert list(opt.state) == [b] and list(opt.state_dict()["state"]) == [1]
    opt.param_groups[1]["momentum"] = 0
    opt.step()
    np.testing.assert_array_equal(opt.state[b]["momentum_buffer"].data, np.ones(3, np.float32))


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_state_dict_entries_match_torch(momentum: float) -> None:
    torch = pytest.importorskip("torch")
    ours = [nn.Parameter(am.tensor(np.ones(n, np.float32))) for n in (3, 2)]
    theirs = [torch.nn.Parameter(torch.ones(n)) for n in (3, 2)]
    opts = optim.SGD(ours, lr=0.1, momentum=momentum), torch.optim.SGD(theirs, lr=0.1, momentum=momentum)
    ours[0].grad, theirs[0].grad = am.tensor(np.ones(3, np.float32)), torch.ones(3)  # the second has none
    for opt in opts:
        opt.step()
    state, expected = opts[0].state_dict()["state"], opts[1].state_dict()["state"]
    assert {k: set(v) for k, v in state.items()} == {k: set(v) for k, v in expected.items()}
    for key, value in expected.items():
        np.testing.assert_array_equal(state[key]["momentum_buffer"].data, value["momentum_buffer"].numpy())


def test_cached_constants_follow_changed_hyperparameters_and_stay_read_only() -> None:
    """Cached 0-d learning rates are looked up by value every step: a new value applies at once, an
    old one comes back right, and nothing the step returns or stores is a shared constant."""
    param = nn.Parameter(am.tensor(np.zeros(4, np.float32)))
    opt = optim.SGD([param], lr=0.5, momentum=0.9)
    grad = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    expected, buffer = np.zeros(4, np.float32), None
    for lr in (0.5, 0.25, 0.5, 0.1):
        opt.param_groups[0]["lr"] = lr
        param.grad = am.tensor(grad.copy())
        opt.step()
        buffer = grad.copy() if buffer is None else buffer * np.float32(0.9) + grad
        expected -= np.float32(lr) * buffer
        np.testing.assert_array_equal(param.data, expected)
    assert opt.state[param]["momentum_buffer"].data.flags.writeable and param.data.flags.writeable


def test_an_equal_numpy_scalar_does_not_take_the_cached_python_float() -> None:
    """0.037 and np.float64(0.037) are equal (and hash alike), but only the Python float becomes float32."""
    param = nn.Parameter(am.tensor(np.zeros(1000, np.float32)))
    grad = np.linspace(0.1, 0.9, 1000).astype(np.float32)
    opt = optim.SGD([param], lr=0.037)
    expected = np.zeros(1000, np.float32)
    python, numpy = (0.037, np.float32(0.037)), (np.float64(0.037), np.float64(0.037))
    for lr, as_computed in [python, numpy, python]:
        opt.param_groups[0]["lr"] = lr
        param.grad = am.tensor(grad.copy())
        opt.step()
        expected -= np.asarray(as_computed * grad, dtype=np.float32)
        np.testing.assert_array_equal(param.data, expected)
    assert not np.array_equal(np.float32(0.037) * grad, np.asarray(np.float64(0.037) * grad, np.float32))

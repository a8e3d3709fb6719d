"""The unrecorded path of add_, sub_, mul_, div_ and copy_ (NumPy writes straight into the storage):
the same values, version counts, refusals and messages as the general path, and graphs made before
such a write still refuse to backpropagate through it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import _saved
from nn.parameter import Parameter

MODIFIED = r"modified by an inplace operation: .* is at version 1; expected version 0 instead"
LEAF = r"^a leaf Variable that requires grad is being used in an in-place operation\. \({}\)$"
OVERLAP = (
    r"^{}: unsupported operation: more than one element of the written-to tensor refers to a single memory "
    r"location\. Please clone\(\) the tensor before performing the operation\.$"
)

RNG = np.random.default_rng(0)
BASE = RNG.standard_normal((4, 3)).astype(np.float32)
ARRAY = (RNG.standard_normal((4, 3)) + 3).astype(np.float32)  # away from 0: div_ stays finite

# (method call, NumPy reference): the operand is an array, a row that broadcasts, a Python number, or a Tensor.
CASES: dict[str, tuple[Callable[[am.Tensor], Any], Callable[[np.ndarray], np.ndarray]]] = {
    "add_": (lambda t: t.add_(ARRAY), lambda a: a + ARRAY),
    "add_ alpha": (lambda t: t.add_(ARRAY, alpha=-0.01), lambda a: a - ARRAY * np.float32(0.01)),
    "add_ row": (lambda t: t.add_(ARRAY[0]), lambda a: a + ARRAY[0]),
    "add_ tensor": (lambda t: t.add_(am.Tensor(ARRAY)), lambda a: a + ARRAY),
    "add_ tensor alpha": (lambda t: t.add_(am.Tensor(ARRAY), alpha=2.0), lambda a: a + ARRAY * np.float32(2)),
    "sub_": (lambda t: t.sub_(ARRAY), lambda a: a - ARRAY),
    "sub_ alpha": (lambda t: t.sub_(ARRAY, alpha=0.1), lambda a: a - ARRAY * np.float32(0.1)),
    "sub_ number": (lambda t: t.sub_(0.25), lambda a: a - np.float32(0.25)),
    "sub_ tensor": (lambda t: t.sub_(am.Tensor(ARRAY)), lambda a: a - ARRAY),
    "mul_": (lambda t: t.mul_(ARRAY), lambda a: a * ARRAY),
    "mul_ number": (lambda t: t.mul_(0.9), lambda a: a * np.float32(0.9)),
    "mul_ then add_": (lambda t: t.mul_(0.9).add_(ARRAY), lambda a: a * np.float32(0.9) + ARRAY),
    "div_": (lambda t: t.div_(ARRAY), lambda a: a / ARRAY),
    "div_ tensor": (lambda t: t.div_(am.Tensor(ARRAY)), lambda a: a / ARRAY),
    "copy_": (lambda t: t.copy_(ARRAY), lambda a: ARRAY.copy()),
    "copy_ float64": (lambda t: t.copy_(ARRAY.astype(np.float64) / 3), lambda a: ARRAY.astype(np.float64) / 3),
    "copy_ tensor": (lambda t: t.copy_(am.Tensor(ARRAY)), lambda a: ARRAY.copy()),
    "fill_": (lambda t: t.fill_(1.5), lambda a: np.full_like(a, 1.5)),
    "zero_": (lambda t: t.zero_(), lambda a: np.zeros_like(a)),
    "+=": (lambda t: t.__iadd__(ARRAY), lambda a: a + ARRAY),
    "-=": (lambda t: t.__isub__(ARRAY), lambda a: a - ARRAY),
    "*=": (lambda t: t.__imul__(ARRAY), lambda a: a * ARRAY),
    "/=": (lambda t: t.__itruediv__(ARRAY), lambda a: a / ARRAY),
}

# Where nothing is recorded: a parameter under no_grad (the optimizer's step), and a tensor that does not
# require grad with grad mode on.
SETTINGS = ["parameter under no_grad", "leaf requiring grad under no_grad", "constant with grad on"]


def _target(setting: str) -> am.Tensor:
    if setting == "parameter under no_grad":
        return Parameter(BASE.copy())
    return am.Tensor(BASE.copy(), requires_grad=setting.startswith("leaf"))


def _mode(setting: str) -> Any:
    return am.enable_grad() if setting == "constant with grad on" else am.no_grad()


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("case", list(CASES))
def test_values_version_and_identity(case: str, setting: str) -> None:
    call, reference = CASES[case]
    t = _target(setting)
    storage = t.data
    requires_grad = t.requires_grad
    made_before = am.ones(1, requires_grad=True).exp().grad_fn
    assert made_before is not None and made_before.seq > _saved.last_write
    with _mode(setting):
        result = call(t)
    assert result is t and t.data is storage  # written in place, into the same array
    assert t.dtype == np.float32
    expected = reference(BASE.copy()).astype(np.float32)
    np.testing.assert_array_equal(t.data, expected)  # bit for bit: the same NumPy arithmetic
    steps = 2 if case == "mul_ then add_" else 1
    assert t._version == steps
    assert made_before.seq < _saved.last_write  # graphs made before see the write
    assert t.grad_fn is None and t.requires_grad is requires_grad


def test_every_write_bumps_the_version_once() -> None:
    p = Parameter(np.ones(5, np.float32))
    with am.no_grad():
        for step in range(1, 6):
            p.sub_(np.full(5, 0.5, np.float32), alpha=0.1)
            assert p._version == step
        p.mul_(0.9).add_(np.ones(5, np.float32))
        assert p._version == 7


@pytest.mark.parametrize("write", ["view", "base"])
def test_views_share_the_version_counter(write: str) -> None:
    base = Parameter(np.zeros((2, 3), np.float32))
    with am.no_grad():
        view = base[0]
        reshaped = base.reshape(3, 2)
        (view if write == "view" else base).add_(np.ones(3, np.float32))
    assert base._version == view._version == reshaped._version == 1
    expected = [[1.0] * 3, [0.0] * 3] if write == "view" else [[1.0] * 3] * 2
    assert base.tolist() == expected


def test_a_parameter_updated_under_no_grad_is_refused_by_an_earlier_graph() -> None:
    x = am.tensor([1.0, 2.0, 3.0])
    w = Parameter(np.array([0.5, -1.0, 2.0], np.float32))
    loss = (x * w).sum()  # mul saves w
    with am.no_grad():
        w.sub_(np.full(3, 0.1, np.float32))  # the optimizer's update
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_a_write_through_a_view_is_refused_by_an_earlier_graph() -> None:
    w = Parameter(np.array([0.5, -1.0, 2.0], np.float32))
    y = w.sin()  # saves w
    with am.no_grad():
        w[1:].mul_(2.0)
    assert w._version == 1
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()


@pytest.mark.parametrize("write", [lambda y: y.mul_(2.0), lambda y: y.copy_(np.zeros(3, np.float32))])
def test_a_saved_output_written_without_recording_is_refused(write: Callable[[am.Tensor], Any]) -> None:
    x = am.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x.exp()  # its vjp reads its output: the first write makes y's counter and links the node to it
    with am.no_grad():
        write(y)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()


def test_a_constant_input_written_with_grad_on_is_refused() -> None:
    w = am.tensor([0.5, -1.0, 2.0], requires_grad=True)
    c = am.tensor([1.0, 2.0, 3.0])
    loss = (c * w).sum()  # mul saves c, which does not require grad
    c.add_(np.ones(3, np.float32))  # nothing to record: the unrecorded path, with grad on
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_a_graph_made_after_the_write_backpropagates() -> None:
    w = Parameter(np.array([0.5, -1.0, 2.0], np.float32))
    with am.no_grad():
        w.sub_(np.full(3, 0.5, np.float32))
    loss = (w * w).sum()
    loss.backward()
    assert w.grad is not None
    np.testing.assert_allclose(w.grad.data, 2 * np.array([0.0, -1.5, 1.5], np.float32))


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("add_", lambda t: t.add_(1.0)),
        ("sub_", lambda t: t.sub_(ARRAY, alpha=0.5)),
        ("mul_", lambda t: t.mul_(am.Tensor(ARRAY))),
        ("div_", lambda t: t.div_(2.0)),
        ("copy_", lambda t: t.copy_(ARRAY)),
        ("copy_", lambda t: t.zero_()),
    ],
)
def test_a_leaf_requiring_grad_is_refused_with_grad_on(name: str, call: Callable[[am.Tensor], Any]) -> None:
    t = am.Tensor(BASE.copy(), requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF.format(name)):
        call(t)
    np.testing.assert_array_equal(t.data, BASE)
    assert t._version == 0


ERRORS: list[tuple[Callable[[], Any], str]] = [
    (
        lambda: am.Tensor(np.ones(3, np.float32)).add_(np.ones((2, 3), np.float32)),
        r"^add_: output with shape \[3\] doesn't match the broadcast shape \[2, 3\]$",
    ),
    (
        lambda: am.Tensor(np.ones(3, np.float32)).sub_(np.ones(4, np.float32), alpha=2.0),
        r"^sub_: output with shape \[3\] doesn't match the broadcast shape \[4\]$",
    ),
    (
        lambda: am.Tensor(np.ones(3, np.float32)).copy_(np.ones((2, 3), np.float32)),
        r"^copy_: output with shape \[3\] doesn't match the broadcast shape \[2, 3\]$",
    ),
    (
        lambda: am.Tensor(np.arange(3)).add_(0.5),
        r"^add_: result type float64 can't be cast to the desired output type int64$",
    ),
    (
        lambda: am.Tensor(np.arange(3)).mul_(am.Tensor(np.ones(3))),
        r"^mul_: result type float64 can't be cast to the desired output type int64$",
    ),
    (  # true division of integers makes floats: the message names the ufunc's result, not the operands' type
        lambda: am.Tensor(np.arange(3)).div_(2),
        r"^div_: result type float64 can't be cast to the desired output type int64$",
    ),
    (
        lambda: am.Tensor(np.arange(3)).div_(am.Tensor(np.full(3, 2))),
        r"^div_: result type float64 can't be cast to the desired output type int64$",
    ),
    (  # no NumPy loop at all for these dtypes: a RuntimeError naming the method, not a bare NumPy TypeError
        lambda: am.Tensor(np.array([True, False])).sub_(True),
        r"^sub_: numpy boolean subtract",
    ),
    (lambda: am.Tensor(np.ones(1, np.float32)).expand(3).mul_(2.0), OVERLAP.format("mul_")),
    (lambda: am.Tensor(np.ones(1, np.float32)).expand(3).zero_(), OVERLAP.format("copy_")),
]


@pytest.mark.parametrize("grad_mode", [False, True])
@pytest.mark.parametrize(("call", "message"), ERRORS)
def test_errors_are_the_general_paths(call: Callable[[], Any], message: str, grad_mode: bool) -> None:
    with am.set_grad_enabled(grad_mode):
        with pytest.raises(RuntimeError, match=message):
            call()


def test_a_refused_write_changes_nothing() -> None:
    p = Parameter(BASE.copy())
    with am.no_grad():
        with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
            p.sub_(np.ones(5, np.float32))
        with pytest.raises(RuntimeError, match="can't be cast"):
            p.add_(np.ones((4, 3), np.complex64))
    np.testing.assert_array_equal(p.data, BASE)
    assert p._version == 0


def test_an_out_of_range_python_integer_still_raises_numpys_error() -> None:
    t = am.Tensor(np.ones(3, np.int8))
    with pytest.raises(OverflowError):
        t.add_(1000)
    assert t._version == 0


def test_inference_tensors_are_written_without_a_version() -> None:
    with am.inference_mode():
        t = am.zeros(3) + 1.0
        t.add_(np.ones(3, np.float32)).mul_(2.0)
    assert t.tolist() == [4.0, 4.0, 4.0]
    assert t._version == 0 and _saved.INFERENCE_VERSION == [0]


def test_the_recorded_path_still_records() -> None:
    x = am.tensor([0.5, -1.0, 2.0], requires_grad=True)
    w = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1.0  # not a leaf: may be written in place with grad on
    h.mul_(w).sub_(w, alpha=0.5).add_(2.0).div_(2.0)
    assert h.grad_fn is not None and h.grad_fn.name() == "DivBackward0"
    assert h._version == 4
    h.sum().backward()
    assert x.grad is not None and w.grad is not None
    np.testing.assert_allclose(x.grad.data, np.array([1.0, 2.0, 3.0]) / 2)
    np.testing.assert_allclose(w.grad.data, (np.array([0.5, -1.0, 2.0]) - 0.5) / 2)


@pytest.mark.parametrize(
    ("call", "name", "gradient"),
    [
        (lambda c, w: c.add_(w), "AddBackward0", [1.0, 1.0, 1.0]),
        (lambda c, w: c.sub_(w, alpha=3.0), "SubBackward0", [-3.0, -3.0, -3.0]),
        (lambda c, w: c.mul_(w), "MulBackward0", [2.0, 2.0, 2.0]),
        (lambda c, w: c.div_(w), "DivBackward0", [-2.0, -0.5, -2.0 / 9.0]),
        (lambda c, w: c.copy_(w), "WhereBackward0", [1.0, 1.0, 1.0]),
    ],
)
def test_a_constant_written_with_an_operand_requiring_grad_is_recorded(
    call: Callable[[am.Tensor, am.Tensor], Any], name: str, gradient: list[float]
) -> None:
    w = am.tensor([1.0, 2.0, 3.0], dtype=am.float64, requires_grad=True)
    c = am.tensor([2.0, 2.0, 2.0], dtype=am.float64)
    call(c, w)
    assert c.requires_grad and c.grad_fn is not None and c.grad_fn.name() == name and c._version == 1
    c.sum().backward()
    assert w.grad is not None
    np.testing.assert_allclose(w.grad.data, gradient)


def test_an_operand_requiring_grad_under_no_grad_is_not_recorded() -> None:
    w = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = am.tensor([0.0, 0.0, 0.0])
    with am.no_grad():
        c.add_(w, alpha=2.0).div_(w)
    assert c.grad_fn is None and not c.requires_grad
    assert c.tolist() == [2.0, 2.0, 2.0] and c._version == 2

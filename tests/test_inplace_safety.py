"""Version counters: in-place writes to saved tensors are refused; allowed ones give right gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am

MODIFIED = r"modified by an inplace operation: .* is at version 1; expected version 0 instead"


def _x() -> am.Tensor:
    return am.tensor([0.5, -1.0, 2.0], dtype=am.float64, requires_grad=True)


def test_every_inplace_op_bumps_the_version() -> None:
    t = am.zeros(3)
    for step, op in enumerate(
        [lambda: t.add_(1.0), lambda: t.sub_(0.5), lambda: t.mul_(2.0), lambda: t.div_(2.0), lambda: t.zero_(),
         lambda: t.fill_(3.0), lambda: t.copy_(am.ones(3)), lambda: t.__setitem__(0, 5.0), lambda: t.clamp_(0, 1)],
        start=1,
    ):  # fmt: skip
        op()
        assert t._version == step


def test_views_share_the_version_counter() -> None:
    base = am.zeros(4)
    view = base[1:3]
    reshaped = base.reshape(2, 2)
    view.add_(1.0)
    assert base._version == view._version == reshaped._version == 1
    assert base.tolist() == [0.0, 1.0, 1.0, 0.0]


def test_modified_input_of_sin_is_refused() -> None:
    x = _x()
    h = x * 2
    y = h.sin()
    h.add_(1.0)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()


def test_modified_output_of_exp_is_refused() -> None:
    x = _x()
    y = x.exp()
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()


def test_modification_through_a_view_is_seen() -> None:
    x = _x()
    h = x * 1.0
    y = h.sin()
    with am.no_grad():
        h[0:2].zero_()
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()


def test_relu_inplace_on_output_is_allowed_and_right() -> None:
    # relu's backward needs only the mask taken at forward time, as in PyTorch.
    x = _x()
    h = x * 3
    h.relu_()
    (h * am.tensor([1.0, 2.0, 3.0], dtype=am.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 0.0, 9.0])


def test_exp_inplace_after_mul_is_allowed_and_right() -> None:
    # mul saved its inputs (x and 2), not its output, so exp_ on that output is fine.
    x = _x()
    y = x * 2
    y.exp_()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(2 * x.data))


def test_inplace_on_an_unsaved_input_is_allowed_and_right() -> None:
    x = _x()
    h = x * 1.0
    y = h + 1.0  # add saves nothing
    h.mul_(5.0)
    (y * am.tensor([1.0, 1.0, 1.0], dtype=am.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0, 1.0])


def test_inplace_on_a_view_of_a_graph_tensor_is_refused() -> None:
    h = _x() * 1.0
    with pytest.raises(RuntimeError, match="in-place modification of a view of a tensor that requires grad"):
        h[0:2].mul_(2.0)


def test_setitem_on_the_base_keeps_gradients_right() -> None:
    x = _x()
    h = x * 2
    h[1] = 0.0
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 0.0, 2.0])


def test_retain_graph_second_backward_sees_modification() -> None:
    x = _x()
    h = x * 1.0
    y = (h * h).sum()
    y.backward(retain_graph=True)
    h.add_(1.0)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_copy_fill_zero_overwrite_infs_and_nans_cleanly() -> None:
    t = am.tensor([np.inf, np.nan])
    t.copy_(am.tensor([1.0, 2.0]))
    assert t.tolist() == [1.0, 2.0]
    t = am.tensor([np.nan, 1.0])
    t.zero_()
    assert t.tolist() == [0.0, 0.0]
    t.fill_(3)
    assert t.tolist() == [3.0, 3.0] and t._version == 2


def test_copy_is_differentiable_with_respect_to_the_source() -> None:
    x = _x()
    source = am.tensor(5.0, dtype=am.float64, requires_grad=True)
    y = x * 2
    y.copy_(source)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, 0.0])
    assert source.grad.item() == 3.0


def _write_after_no_grad(y: am.Tensor) -> None:
    with am.no_grad():
        y.add_(1.0)


def _write_through_later_view(y: am.Tensor) -> None:
    view = y[0:2]  # the output's version counter is made here, shared with the view
    with am.no_grad():
        view.mul_(3.0)


def _write_recorded(y: am.Tensor) -> None:
    y.mul_(2.0)  # rewires y's history; the node that made y must still see the write


def _write_after_detach(y: am.Tensor) -> None:
    y.detach().zero_()


@pytest.mark.parametrize(
    "write",
    [_write_after_no_grad, _write_through_later_view, _write_recorded, _write_after_detach],
    ids=lambda f: f.__name__,
)
@pytest.mark.parametrize("op", ["exp", "tanh", "sigmoid", "relu"])
def test_saved_output_written_in_place_is_refused(op: str, write: Any) -> None:
    """Ops whose vjp reads their output see every later write to it, however the write reaches it
    (the output's version counter is made on first need and linked to the node then)."""
    x = _x()
    y = getattr(x * 1.0, op)()
    write(y)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: .* is at version 1; expected version 0"):
        y.sum().backward()

"""Nodes keep their inputs' arrays, not the input Tensors (PyTorch's saved variables).

An intermediate that the user drops is freed while its graph lives on; the node finds the version of what it
saved through its edges (or a watch list for constants and tensors that already had a counter), so every
in-place write after the node was made is still refused, and writes to other storage are not.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

import numpy as np
import pytest

import autograd_mini as am

MODIFIED = r"modified by an inplace operation: .* is at version 1; expected version 0 instead"


def _leaf() -> am.Tensor:
    return am.tensor(np.linspace(-1.0, 1.0, 4), requires_grad=True)


def test_a_dropped_intermediate_is_freed_while_its_graph_lives() -> None:
    x = _leaf()
    hidden = x.tanh()
    watcher = weakref.ref(hidden)
    y = (hidden * 3.0).sum()
    del hidden
    assert watcher() is None  # freed by reference counting, no collection needed
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 3.0 * (1.0 - np.tanh(x.detach().numpy()) ** 2))


def test_a_chain_leaves_one_tracked_object_per_op() -> None:
    """The cyclic collector's work while a long graph is built: one node per op (no edge tuple, no Tensor)."""
    x = am.tensor(np.ones(16, dtype=np.float32), requires_grad=True)
    steps = 2000
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        y = x
        for _ in range(steps):
            y = y.tanh() * 1.0001 + 0.001
        grown = len(gc.get_objects()) - before
    finally:
        gc.enable()
    assert 3 * steps <= grown <= 3 * steps + 50, grown  # three ops per step
    y.sum().backward()
    assert x.grad is not None


def test_rebuilt_inputs_share_the_graph_and_the_version_counter() -> None:
    x = _leaf()
    h = x * 2.0
    y = h * h
    view = h[1:]  # makes h's counter, shared with the node's rebuilt input
    inputs = y.grad_fn.inputs
    assert inputs is not None
    first, second = inputs
    assert first.grad_fn is h.grad_fn and first.requires_grad
    assert first._version_box is second._version_box is h._version_box is view._version_box
    np.testing.assert_array_equal(first.detach().numpy(), h.detach().numpy())
    leaf_input = h.grad_fn.inputs
    assert leaf_input is not None and leaf_input[0] is x  # a leaf requiring grad comes back itself


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda h: h.add_(1.0), id="intermediate written"),
        pytest.param(lambda h: h.detach().add_(1.0), id="through a detached alias"),
        pytest.param(lambda h: h[1:].detach().mul_(2.0), id="through a view of an alias"),
        pytest.param(lambda h: (h.detach_(), h.add_(1.0)), id="after detach_"),
    ],
)
@pytest.mark.parametrize("read", [lambda h: h * h, lambda h: h.sin()], ids=["two saved", "one saved"])
def test_writes_to_a_saved_intermediate_are_refused(
    write: Callable[[am.Tensor], object], read: Callable[[am.Tensor], am.Tensor]
) -> None:
    x = _leaf()
    h = x * 2.0
    y = read(h).sum()
    write(h)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


@pytest.mark.parametrize("read", [lambda h: h * h, lambda h: h.sin()], ids=["two saved", "one saved"])
def test_a_saved_intermediate_that_already_had_a_counter_is_watched(read: Callable[[am.Tensor], am.Tensor]) -> None:
    x = _leaf()
    h = x * 2.0
    h.mul_(1.0)  # version 1, and h's grad_fn is now the in-place node
    y = read(h).sum()
    with am.no_grad():
        h.add_(1.0)
    with pytest.raises(RuntimeError, match="is at version 2; expected version 1 instead"):
        y.backward()


def test_a_constant_written_after_it_was_saved_is_refused_and_a_cached_one_is_not_watched() -> None:
    x = _leaf()
    data = am.tensor(np.arange(4.0))
    y = (x * data).sum()
    product = y.grad_fn.next[0]  # the sum's input: the product's node
    assert product._watch is not None and product._watch[1] is data
    scaled = x * 0.5  # the cached 0.5 is read-only: nothing to watch
    assert scaled.grad_fn._watch is None
    assert x.sin().grad_fn._watch is None and (x * 2.0).sin().grad_fn._watch is None  # found through the edge
    data.add_(1.0)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_an_in_place_write_does_not_refuse_the_snapshot_it_saved() -> None:
    """The in-place node saves a copy with the old grad_fn; the write moves only the written tensor's counter."""
    x = _leaf()
    h = x * 2.0
    h.mul_(3.0)  # saves a snapshot of h: same grad_fn, other storage, no counter
    h.pow_(2.0)  # again, now of a tensor with a counter (version 1)
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 72.0 * x.detach().numpy())


def test_double_backward_through_rebuilt_inputs() -> None:
    x = _leaf()
    h = x.sin()
    y = (h * h * h).sum()
    del h
    (grad,) = am.grad(y, x, create_graph=True)
    (second,) = am.grad(grad.sum(), x)
    s, c = np.sin(x.detach().numpy()), np.cos(x.detach().numpy())
    np.testing.assert_allclose(grad.detach().numpy(), 3 * s**2 * c)
    np.testing.assert_allclose(second.numpy(), 6 * s * c**2 - 3 * s**3)


def test_a_saved_view_sees_writes_to_its_base() -> None:
    x = _leaf()
    y = x * 2.0
    view = y[1:3]  # shares y's storage and counter
    z = (view * view).sum()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match=MODIFIED):
        z.backward()


def test_a_copying_reshape_has_its_own_counter() -> None:
    """A reshape that copies (of a transposed input) is an intermediate of its own: writing its base does not
    move its version, writing it does."""
    x = am.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x * 1.0
    flat = y.transpose(0, 1).reshape(6)  # a copy: the transpose is not contiguous
    z = (flat * flat).sum()
    y.add_(1.0)  # nothing z needs
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2.0 * np.arange(6.0).reshape(2, 3))
    again = (flat * flat).sum()
    with am.no_grad():
        flat.mul_(2.0)
    with pytest.raises(RuntimeError, match=MODIFIED):
        again.backward()

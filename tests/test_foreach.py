"""``foreach_add_`` (torch._foreach_add_): each pair as ``tensor.add_(alpha * other)``, in one call."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am


def _pairs(dtype: str = "float32") -> tuple[list[am.Tensor], list[am.Tensor]]:
    rng = np.random.default_rng(0)
    shapes = [(3, 2), (4,), ()]
    tensors = [am.tensor(rng.uniform(-1, 1, s).astype(dtype)) for s in shapes]
    others = [am.tensor(rng.uniform(-1, 1, s).astype(dtype)) for s in shapes]
    return tensors, others


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("alpha", [1, -0.1, 2.5, -3])
def test_matches_add_one_pair_at_a_time(dtype: str, alpha: float) -> None:
    tensors, others = _pairs(dtype)
    expected = [t.clone() for t in tensors]
    for t, o in zip(expected, others):
        t.add_(o * alpha)
    versions = [t._version for t in tensors]
    am.foreach_add_(tensors, others, alpha=alpha)
    for t, e, v in zip(tensors, expected, versions):
        assert t.dtype == e.dtype
        np.testing.assert_array_equal(t.numpy(), e.numpy())  # alpha * other in other's dtype, as add_ computes it
        assert t._version == v + 1


def test_takes_arrays_and_the_torch_result() -> None:
    torch = pytest.importorskip("torch")
    tensors, others = _pairs()
    reference = [torch.tensor(t.numpy().copy()) for t in tensors]
    torch._foreach_add_(reference, [torch.tensor(o.numpy()) for o in others], alpha=-0.1)
    am.foreach_add_(tensors, [o.numpy() for o in others], alpha=-0.1)
    for t, r in zip(tensors, reference):
        np.testing.assert_allclose(t.numpy(), r.numpy(), rtol=1e-6)


def test_a_graph_saved_before_refuses_backward() -> None:
    w = am.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with am.no_grad():
        am.foreach_add_([w], [am.tensor([0.5, 0.5])], alpha=-1.0)
    np.testing.assert_array_equal(w.detach().numpy(), [0.5, 1.5])
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_inference_tensors_are_written_without_a_version() -> None:
    with am.inference_mode():
        t = am.zeros(2)
    am.foreach_add_([t], [am.ones(2)])
    np.testing.assert_array_equal(t.numpy(), [1.0, 1.0])


def test_bad_input_names_the_op_and_shapes() -> None:
    tensors, others = _pairs()
    with pytest.raises(RuntimeError, match="same number of tensors, got 3 and 2"):
        am.foreach_add_(tensors, others[:2])
    versions = [t._version for t in tensors]
    before = [t.numpy().copy() for t in tensors]
    with pytest.raises(RuntimeError, match=r"add_: output with shape \[4\] doesn't match the broadcast shape \[5\]"):
        am.foreach_add_(tensors, [others[0], am.ones(5), others[2]])
    # The first pair was written (and counted), the rest not.
    assert [t._version for t in tensors] == [versions[0] + 1, versions[1], versions[2]]
    np.testing.assert_array_equal(tensors[0].numpy(), before[0] + others[0].numpy())
    np.testing.assert_array_equal(tensors[2].numpy(), before[2])
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type int64"):
        am.foreach_add_([am.tensor([1, 2])], [am.tensor([0.5, 0.5])])


def test_in_grad_mode_a_pair_is_recorded_or_refused_as_add_() -> None:
    w = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        am.foreach_add_([w], [am.ones(2)])
    h = w * 1.0
    other = am.tensor([3.0, 4.0], requires_grad=True)
    am.foreach_add_([h], [other], alpha=2.0)
    h.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(other.grad.numpy(), [2.0, 2.0])

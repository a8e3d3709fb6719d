"""Basic indexing's short path agrees with the general one; full `sum()` / `mean()` keep PyTorch's dtypes and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am


def _leaf(shape: tuple[int, ...], dtype: str = "float64") -> am.Tensor:
    return am.tensor(np.random.default_rng(0).uniform(-1, 1, shape).astype(dtype), requires_grad=True)


@pytest.mark.parametrize(
    "index",
    [0, -1, slice(1, None), (slice(None), 0), (Ellipsis, 1), (None, 0), (0, None, slice(None, None, -1)), ()],
)
def test_basic_index_matches_numpy_and_scatters_its_gradient(index: object) -> None:
    x = _leaf((3, 4))
    y = x[index]
    expected = x.data[index]
    np.testing.assert_array_equal(y.data, expected)
    assert y.grad_fn is not None and y.grad_fn.name() == "IndexBackward0"
    y.sum().backward()
    mask = np.zeros((3, 4))
    mask[index] = 1
    np.testing.assert_array_equal(x.grad.data, mask)


def test_bool_and_numpy_integer_indices_take_the_general_path() -> None:
    x = _leaf((3, 4))
    assert x[True].shape == (1, 3, 4)  # a bool is a mask (a new dim), as in PyTorch, though it is an int
    assert x[False].shape == (0, 3, 4)
    np.testing.assert_array_equal(x[np.int64(2)].data, x.data[2])
    np.testing.assert_array_equal(x[0, [2, 0]].data, x.data[0, [2, 0]])


def test_out_of_range_basic_index_names_the_shape() -> None:
    with pytest.raises(IndexError, match=r"shape \[3, 4\]"):
        _leaf((3, 4))[5]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_full_sum_and_mean(dtype: str) -> None:
    x = _leaf((5, 3), dtype)
    total, average = x.sum(), x.mean()
    assert total.dtype == x.dtype and average.dtype == x.dtype and total.shape == ()
    # One node each, named as PyTorch names them.
    assert total.grad_fn is not None and total.grad_fn.name() == "SumBackward0"
    assert average.grad_fn is not None and average.grad_fn.name() == "MeanBackward0"
    assert average.grad_fn.next == (x,)  # x is a leaf that requires grad: the edge leads to it
    # Over dims, PyTorch's other overloads (``x.mean(0)`` records MeanBackward1 in torch too).
    assert x.mean(dim=0, keepdim=True).grad_fn.name() == "MeanBackward1"
    assert x.sum(dim=0).grad_fn.name() == "SumBackward1" and x.sum(keepdim=True).grad_fn.name() == "SumBackward1"
    np.testing.assert_allclose(total.data, x.data.sum(), rtol=1e-6)
    np.testing.assert_allclose(average.data, x.data.mean(), rtol=1e-6)
    (total + average).backward()
    np.testing.assert_allclose(x.grad.data, np.full((5, 3), 1 + 1 / 15), rtol=1e-6)
    assert am.gradgradcheck(lambda t: (t * t).mean() + (t * t).sum(), (_leaf((2, 3)),))


def test_integer_and_bool_reductions_keep_pytorch_dtypes() -> None:
    assert am.tensor([True, True, False]).sum().dtype == am.int64
    assert am.tensor([1, 2], dtype=am.int32).sum().item() == 3
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        am.tensor([1, 2]).mean()


def test_a_full_reduction_takes_its_gradient_as_a_numpy_scalar() -> None:
    # Products of 0-d gradients come back from NumPy as scalars (np.float32), not 0-d arrays: sum_all and
    # mean_all broadcast them back to the input's shape like arrays.
    x = _leaf((4, 3), "float32")
    loss = (x.sum() * 3.0) * 2.0 + x.mean() * 0.5 * 4.0
    loss.backward()
    assert x.grad is not None and x.grad.shape == (4, 3) and x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, np.full((4, 3), 6.0 + 2.0 / 12), rtol=1e-6)

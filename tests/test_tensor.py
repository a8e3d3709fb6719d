"""Tensor construction, dtypes, properties, conversions, repr, operators and grad modes."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am


def test_python_data_defaults_follow_pytorch() -> None:
    assert am.tensor([1.0, 2.0]).dtype == am.float32
    assert am.tensor([1, 2]).dtype == am.int64
    assert am.tensor(True).dtype == am.bool_
    assert am.tensor(np.zeros(3)).dtype == am.float64  # a NumPy array keeps its dtype
    assert am.Tensor([1, 2], dtype=am.float64).dtype == am.float64
    assert am.tensor([1, 2], dtype="float32").dtype == am.float32


def test_tensor_copies_and_from_numpy_shares() -> None:
    array = np.zeros(3, dtype=np.float32)
    copied, shared = am.tensor(array), am.from_numpy(array)
    array[0] = 7
    assert copied.data[0] == 0 and shared.data[0] == 7


def test_properties() -> None:
    x = am.zeros(2, 3, requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size() == (2, 3) and x.size(-1) == 3
    assert x.numel() == 6 and x.is_leaf and x.grad_fn is None and x.requires_grad
    assert len(x) == 2 and x.T.shape == (3, 2) and x.mT.shape == (3, 2)
    y = x * 2
    assert not y.is_leaf and y.requires_grad and y.grad is None


def test_t_transposes_matrices_and_refuses_more_dimensions() -> None:
    w = am.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    wt = w.t()
    np.testing.assert_array_equal(wt.detach().numpy(), [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]])
    (wt * am.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]])
    v = am.tensor([1.0, 2.0])
    assert v.t() is v and am.tensor(3.0).t().shape == ()
    with pytest.raises(RuntimeError, match=r"t\(\) expects a tensor with <= 2 dimensions, but self is 3D"):
        am.zeros(2, 3, 4).t()


def test_factories() -> None:
    am.manual_seed(0)
    a = am.randn(2, 3)
    am.manual_seed(0)
    b = am.randn((2, 3))
    np.testing.assert_array_equal(a.data, b.data)
    assert a.dtype == am.float32
    assert am.ones(2).tolist() == [1.0, 1.0] and am.full((2,), 3.0).tolist() == [3.0, 3.0]
    assert am.arange(5).dtype == am.int64 and am.arange(0.0, 1.0, 0.5).tolist() == [0.0, 0.5]
    assert am.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    assert am.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert am.zeros_like(a).shape == (2, 3) and am.ones_like(a).dtype == am.float32
    assert am.full_like(a, 2.0).sum().item() == 12.0
    r = am.rand(100)
    assert 0 <= r.data.min() and r.data.max() < 1
    assert am.randint(0, 3, (10,)).dtype == am.int64


def test_conversions() -> None:
    x = am.tensor([[1.5, 2.0]], requires_grad=True)
    assert x.detach().numpy().tolist() == [[1.5, 2.0]]
    assert x.tolist() == [[1.5, 2.0]]
    assert am.tensor([3.5]).item() == 3.5 and float(am.tensor(2.0)) == 2.0 and int(am.tensor(3)) == 3
    d = x.detach()
    assert not d.requires_grad and d.data is x.data


def test_repr_matches_pytorch_style() -> None:
    assert repr(am.tensor([1.0, 2.0, 3.0])) == "tensor([1., 2., 3.])"
    assert repr(am.tensor([0.1, 0.25])) == "tensor([0.1000, 0.2500])"
    assert repr(am.tensor(3.0)) == "tensor(3.)"
    assert repr(am.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(am.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(am.tensor([1.0], dtype=am.float64)) == "tensor([1.], dtype=float64)"
    assert repr(am.tensor([[1, 2], [3, 4]])) == "tensor([[1, 2],\n        [3, 4]])"


def test_operators_with_numbers_and_arrays_on_either_side() -> None:
    x = am.tensor([1.0, 2.0])
    arr = np.array([2.0, 4.0], dtype=np.float32)
    assert (x + 1).tolist() == [2.0, 3.0] and (1 + x).tolist() == [2.0, 3.0]
    assert (x - 1).tolist() == [0.0, 1.0] and (1 - x).tolist() == [0.0, -1.0]
    assert (x * 2).tolist() == [2.0, 4.0] and (2 * x).tolist() == [2.0, 4.0]
    assert (x / 2).tolist() == [0.5, 1.0] and (2 / x).tolist() == [2.0, 1.0]
    assert (x**2).tolist() == [1.0, 4.0] and (2**x).tolist() == [2.0, 4.0]
    assert (x // 2).tolist() == [0.0, 1.0] and (-x).tolist() == [-1.0, -2.0]
    assert isinstance(arr + x, am.Tensor) and (arr + x).tolist() == [3.0, 6.0]
    assert isinstance(arr * x, am.Tensor) and (x @ arr).item() == 10.0 and (arr @ x).item() == 10.0
    assert abs(am.tensor([-1.0, 2.0])).tolist() == [1.0, 2.0]


def test_float32_is_not_promoted_by_python_numbers() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 0.5 + 3) / 7.0 - 1
    assert y.dtype == am.float32
    y.sum().backward()
    assert x.grad.dtype == am.float32


def test_int_tensor_with_float_number_gives_float32() -> None:
    assert (am.tensor([1, 2]) * 0.5).dtype == am.float32
    assert (am.tensor([1, 2]) / am.tensor([2, 2])).dtype == am.float32


def test_comparisons_are_bool_and_not_differentiable() -> None:
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (x > 1.5, x >= 2, x < 2, x <= 2, x == 2, x != 2, 2 < x):
        assert result.dtype == am.bool_ and not result.requires_grad
    assert (x > 1.5).tolist() == [False, True, True]


def test_indexing_forms() -> None:
    x = am.arange(24).reshape(2, 3, 4)
    assert x[1].shape == (3, 4) and x[:, 1].shape == (2, 4) and x[..., 0].shape == (2, 3)
    assert x[None].shape == (1, 2, 3, 4) and x[:, ::-1].tolist() == x.data[:, ::-1].tolist()
    assert x[x > 20].tolist() == [21, 22, 23]
    assert x[[0, 0, 1], 0, [1, 2, 3]].tolist() == [1, 2, 15]
    assert x[am.tensor([1]), :, 0].shape == (1, 3)


def test_no_grad_enable_grad_set_grad_enabled() -> None:
    x = am.tensor([1.0], requires_grad=True)
    with am.no_grad():
        assert not am.is_grad_enabled()
        assert not (x * 2).requires_grad
        with am.enable_grad():
            assert (x * 2).requires_grad
    assert am.is_grad_enabled()

    @am.no_grad()
    def doubled(t: am.Tensor) -> am.Tensor:
        return t * 2

    assert not doubled(x).requires_grad
    with am.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert am.is_grad_enabled()
    am.set_grad_enabled(False)
    assert not am.is_grad_enabled()
    am.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_requires_grad_setters() -> None:
    x = am.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        y.requires_grad = False
    y.detach_()
    assert not y.requires_grad and y.is_leaf


def test_split_chunk_stack_cat_shapes() -> None:
    x = am.arange(10.0)
    assert [p.shape for p in x.split(4)] == [(4,), (4,), (2,)]
    assert [p.shape for p in x.chunk(3)] == [(4,), (4,), (2,)]
    assert am.stack([x, x], 1).shape == (10, 2) and am.cat([x, x]).shape == (20,)
    values, indices = am.tensor([[1.0, 5.0], [7.0, 2.0]]).max(1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]

"""Hypothesis properties: broadcasting binary ops and reductions over random dims.

For every drawn shape (``hypothesis.extra.numpy``), values and a RANDOM upstream gradient ``v``, the
gradient of each input equals the vector-Jacobian product computed independently with NumPy (with
broadcasting undone by summing) and has the input's shape and dtype.  Example counts come from the
profile loaded in ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_mini as am

Array = np.ndarray
# NumPy vjp: (inputs..., out, v) -> one gradient per input, in the broadcast shape.
NumpyVjp = Callable[..., tuple[Array, ...]]


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum a gradient of the broadcast shape down to an input's shape."""
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def values(shape: tuple[int, ...], low: float = -3.0, high: float = 3.0) -> st.SearchStrategy[Array]:
    """Float64 arrays; Hypothesis favours repeated and round values, which exercises the tie rules."""
    return hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False, allow_infinity=False))


def nonzero_values(shape: tuple[int, ...]) -> st.SearchStrategy[Array]:
    return values(shape, 0.25, 3.0).flatmap(
        lambda a: hnp.arrays(np.bool_, shape).map(lambda negative: np.where(negative, -a, a))
    )


def upstream(seed: int, shape: tuple[int, ...]) -> Array:
    """A random, non-uniform upstream gradient (never all ones: that would hide a vjp ignoring it)."""
    return np.random.default_rng(seed).standard_normal(shape)


def check_vjp(
    f: Callable[..., am.Tensor], arrays: list[Array], want_out: Array, want_grads: tuple[Array, ...], v: Array
) -> None:
    inputs = [am.tensor(a, requires_grad=True) for a in arrays]
    out = f(*inputs)
    np.testing.assert_allclose(out.data, want_out, rtol=1e-12, atol=1e-12)
    grads = am.grad(out, inputs, am.tensor(v))
    for tensor, grad, want in zip(inputs, grads, want_grads):
        assert grad is not None
        assert grad.shape == tensor.shape and grad.dtype == np.float64
        np.testing.assert_allclose(
            grad.data, unbroadcast(np.broadcast_to(want, out.shape), tensor.shape), rtol=1e-9, atol=1e-9
        )


# ------------------------------------------------------------------- binary ops with broadcasting
def _max_weight(a: Array, b: Array) -> Array:
    return (a > b) + 0.5 * (a == b)


BINARY: dict[str, tuple[Callable[..., am.Tensor], Callable[[Array, Array], Array], NumpyVjp]] = {
    "add": (am.add, np.add, lambda a, b, out, v: (v, v)),
    "sub": (am.sub, np.subtract, lambda a, b, out, v: (v, -v)),
    "mul": (am.mul, np.multiply, lambda a, b, out, v: (v * b, v * a)),
    "div": (am.div, np.divide, lambda a, b, out, v: (v / b, -v * a / b**2)),
    "maximum": (am.maximum, np.maximum, lambda a, b, out, v: (v * _max_weight(a, b), v * (1 - _max_weight(a, b)))),
    "minimum": (am.minimum, np.minimum, lambda a, b, out, v: (v * _max_weight(b, a), v * (1 - _max_weight(b, a)))),
    "pow": (am.pow, np.power, lambda a, b, out, v: (v * b * a ** (b - 1), v * out * np.log(a))),
}


@st.composite
def binary_case(draw: st.DrawFn, name: str) -> tuple[Array, Array, Array]:
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3))
    a_shape, b_shape = shapes.input_shapes
    if name == "pow":
        a = draw(values(a_shape, 0.25, 3.0))  # positive base
        b = draw(values(b_shape, -2.0, 2.0))
    else:
        a = draw(values(a_shape))
        b = draw(nonzero_values(b_shape) if name == "div" else values(b_shape))
    return a, b, upstream(draw(st.integers(0, 2**32 - 1)), shapes.result_shape)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_op_vjp_matches_numpy(name: str, data: st.DataObject) -> None:
    a, b, v = data.draw(binary_case(name))
    f, forward, numpy_vjp = BINARY[name]
    out = forward(a, b)
    check_vjp(f, [a, b], out, numpy_vjp(a, b, out, v), v)


@given(
    hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4, max_side=3).flatmap(
        lambda s: st.tuples(
            st.just(s),
            hnp.arrays(np.bool_, s.input_shapes[0]),
            values(s.input_shapes[1]),
            values(s.input_shapes[2]),
            st.integers(0, 2**32 - 1),
        )
    )
)
def test_where_vjp_matches_numpy(case: tuple[Any, Array, Array, Array, int]) -> None:
    shapes, condition, a, b, seed = case
    v = upstream(seed, shapes.result_shape)
    check_vjp(
        lambda x, y: am.where(condition, x, y),
        [a, b],
        np.where(condition, a, b),
        (np.where(condition, v, 0.0), np.where(condition, 0.0, v)),
        v,
    )


# ------------------------------------------------------------------- reductions over random dims
def _expand(v: Array, x: Array, axes: tuple[int, ...], keepdim: bool) -> Array:
    """The upstream gradient of a reduction, broadcast back over the reduced axes."""
    return np.broadcast_to(v if keepdim else np.expand_dims(v, axes), x.shape)


def _count(x: Array, axes: tuple[int, ...]) -> int:
    return int(np.prod([x.shape[a] for a in axes]))


def _ref_sum(x: Array, axes: tuple[int, ...], keepdim: bool, v: Array) -> tuple[Array, Array]:
    return x.sum(axis=axes, keepdims=keepdim), _expand(v, x, axes, keepdim)


def _ref_mean(x: Array, axes: tuple[int, ...], keepdim: bool, v: Array) -> tuple[Array, Array]:
    return x.mean(axis=axes, keepdims=keepdim), _expand(v, x, axes, keepdim) / _count(x, axes)


def _ref_amax(x: Array, axes: tuple[int, ...], keepdim: bool, v: Array) -> tuple[Array, Array]:
    hits = x == x.max(axis=axes, keepdims=True)
    share = hits / hits.sum(axis=axes, keepdims=True)  # ties split evenly
    return x.max(axis=axes, keepdims=keepdim), _expand(v, x, axes, keepdim) * share


def _ref_logsumexp(x: Array, axes: tuple[int, ...], keepdim: bool, v: Array) -> tuple[Array, Array]:
    peak = x.max(axis=axes, keepdims=True)
    total = np.log(np.exp(x - peak).sum(axis=axes, keepdims=True)) + peak
    out = total if keepdim else total.squeeze(axis=axes)
    return out, _expand(v, x, axes, keepdim) * np.exp(x - total)


def _ref_var(x: Array, axes: tuple[int, ...], keepdim: bool, v: Array, correction: int) -> tuple[Array, Array]:
    n = _count(x, axes)
    centred = x - x.mean(axis=axes, keepdims=True)
    out = (centred**2).sum(axis=axes, keepdims=keepdim) / (n - correction)
    return out, _expand(v, x, axes, keepdim) * 2 * centred / (n - correction)


REDUCTIONS: dict[str, tuple[Callable[..., am.Tensor], Callable[..., tuple[Array, Array]]]] = {
    "sum": (lambda x, dim, keepdim: am.sum(x, dim, keepdim), _ref_sum),
    "mean": (lambda x, dim, keepdim: am.mean(x, dim, keepdim), _ref_mean),
    "amax": (lambda x, dim, keepdim: am.amax(x, dim, keepdim), _ref_amax),
    "logsumexp": (lambda x, dim, keepdim: am.logsumexp(x, dim, keepdim), _ref_logsumexp),
    "var": (lambda x, dim, keepdim: am.var(x, dim, keepdim=keepdim, correction=0), lambda *a: _ref_var(*a, 0)),
    "var_unbiased": (lambda x, dim, keepdim: am.var(x, dim, keepdim=keepdim), lambda *a: _ref_var(*a, 1)),
}


@st.composite
def reduction_case(draw: st.DrawFn, name: str) -> tuple[str, Array, Any, tuple[int, ...], bool, int]:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    x = draw(values(shape))
    ndim = len(shape)
    axes = tuple(sorted(draw(st.sets(st.integers(0, ndim - 1), min_size=1, max_size=ndim))))
    if name == "var_unbiased" and _count(x, axes) < 2:
        name = "var"  # one element: the unbiased variance divides by zero
    # spell the dims as None (all), one (maybe negative) int, or a tuple of (maybe negative) ints
    style = draw(st.sampled_from(["tuple", "int", "none"] if len(axes) in (1, ndim) else ["tuple"]))
    if style == "none" and len(axes) == ndim:
        dim: Any = None
    elif style == "int" and len(axes) == 1:
        dim = axes[0] - draw(st.sampled_from([0, ndim]))
    else:
        dim = tuple(a - draw(st.sampled_from([0, ndim])) for a in axes)
    return name, x, dim, axes, draw(st.booleans()), draw(st.integers(0, 2**32 - 1))


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(data=st.data())
def test_reduction_vjp_matches_numpy(name: str, data: st.DataObject) -> None:
    name, x, dim, axes, keepdim, seed = data.draw(reduction_case(name))
    f, reference = REDUCTIONS[name]
    out_shape = np.sum(x, axis=axes, keepdims=keepdim).shape
    v = upstream(seed, out_shape)
    want_out, want_grad = reference(x, axes, keepdim, v)
    tensor = am.tensor(x, requires_grad=True)
    out = f(tensor, dim, keepdim)
    assert out.shape == out_shape
    np.testing.assert_allclose(out.data, want_out, rtol=1e-10, atol=1e-10)
    (grad,) = am.grad(out, [tensor], am.tensor(v))
    assert grad.shape == x.shape and grad.dtype == np.float64
    np.testing.assert_allclose(grad.data, want_grad, rtol=1e-9, atol=1e-9)


@given(
    hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3).flatmap(
        lambda s: st.tuples(st.just(s), values(s.input_shapes[0]), values(s.input_shapes[1]))
    )
)
def test_broadcast_gradients_match_finite_differences(case: tuple[Any, Array, Array]) -> None:
    """A composite of several broadcasting ops, checked with gradcheck (full Jacobians)."""
    _, a, b = case
    inputs = (am.tensor(a, requires_grad=True), am.tensor(b, requires_grad=True))
    assert am.gradcheck(lambda x, y: (x * y + am.tanh(x - y)) / (1.5 + am.sigmoid(y)), inputs)

"""The cache of 0-d constants behind Python numbers in expressions (``x * 0.5``) and ``am.scalar_array``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am


def test_scalar_array_is_a_shared_read_only_0d_array_of_the_dtype() -> None:
    f32, f64 = np.dtype(np.float32), np.dtype(np.float64)
    a = am.scalar_array(0.1, f32)
    assert a.shape == () and a.dtype == f32 and a == np.float32(0.1)
    assert am.scalar_array(0.1, f32) is a  # cached
    assert am.scalar_array(0.1, f64) is not a and am.scalar_array(0.1, f64) == 0.1  # per dtype, full precision
    with pytest.raises(ValueError, match="read-only"):
        a[...] = 2.0


def test_zeros_keep_their_sign() -> None:
    f32 = np.dtype(np.float32)
    assert math.copysign(1.0, float(am.scalar_array(-0.0, f32))) == -1.0
    assert math.copysign(1.0, float(am.scalar_array(0.0, f32))) == 1.0
    x = am.tensor([1.0, -1.0])
    # 1 / (x * -0.0) is -inf where x > 0: a cached +0.0 would flip it.
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal((1 / (x * -0.0)).data, [-np.inf, np.inf])
        np.testing.assert_array_equal((1 / (x * 0.0)).data, [np.inf, -np.inf])


def test_python_numbers_in_expressions_take_the_tensors_dtype() -> None:
    x32 = am.tensor([1.0, 2.0], dtype=am.float32)
    x64 = am.tensor([1.0, 2.0], dtype=am.float64)
    assert (x32 * 0.1).dtype == am.float32 and (x64 * 0.1).dtype == am.float64
    np.testing.assert_array_equal((x64 * 0.1).data, np.array([1.0, 2.0]) * 0.1)  # not rounded through float32


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64])
def test_zero_and_one_by_dtype_are_the_cached_read_only_constants(dtype: type) -> None:
    from autograd_mini._convert import ONE, ZERO

    key = np.dtype(dtype)
    for table, value in ((ZERO, 0), (ONE, 1)):
        array = table[key]
        assert array.shape == () and array.dtype == key and array == value
        assert table[key] is array  # made once
        assert not array.flags.writeable


def test_a_cleared_cache_still_gives_equal_constants() -> None:
    from autograd_mini import _convert

    x = am.tensor([1.0, 2.0])
    before = (x * 0.25).data.copy()
    _convert._SCALARS.clear()  # as when the cache is full
    np.testing.assert_array_equal((x * 0.25).data, before)
    assert (x * 0.25).dtype == am.float32

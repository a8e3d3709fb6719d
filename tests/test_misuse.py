"""Bad input raises the right exception type with a message naming the op, the shapes or the value.

Each case is (description, callable, exception type, regex the message must match).  The
regexes insist on the shapes or values at fault, so a bare NumPy message would not pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.ops.registry import OPS, defop


def _ones(*shape: int, grad: bool = False) -> am.Tensor:
    return am.ones(*shape, requires_grad=grad)


def _backward_twice() -> None:
    x = _ones(2, grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _inplace_on_leaf() -> None:
    _ones(3, grad=True).add_(1.0)


def _grad_of_unused() -> None:
    x, unused = _ones(1, grad=True), _ones(1, grad=True)
    am.grad((x * 2).sum(), [x, unused])


def _set_requires_grad_on_non_leaf() -> None:
    (_ones(2, grad=True) * 2).requires_grad = False


CASES: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    ("add shapes", lambda: _ones(2, 3) + _ones(4), RuntimeError, r"size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1"),
    ("mul shapes", lambda: _ones(2, 3) * _ones(2, 2), RuntimeError, r"tensor a \(3\).*tensor b \(2\).*\[2, 3\] and \[2, 2\]"),
    ("matmul shapes", lambda: _ones(2, 3) @ _ones(4, 5), RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
    ("matmul 0-d", lambda: am.matmul(am.tensor(1.0), _ones(2)), RuntimeError, r"matmul need to be at least 1D, but they are 0D and 1D"),
    ("matmul 1-d lengths", lambda: _ones(3) @ _ones(4), RuntimeError, r"inconsistent tensor size.*\[3\].*\[4\]"),
    ("mm on 3-d", lambda: am.mm(_ones(2, 2, 2), _ones(2, 2)), RuntimeError, r"mm\(\): expected 2D tensors, got 3D and 2D"),
    ("dot on 2-d", lambda: am.dot(_ones(2, 2), _ones(2)), RuntimeError, r"1D tensors expected, but got 2D and 1D"),
    ("int requires grad", lambda: am.tensor([1, 2], requires_grad=True), RuntimeError, r"Only Tensors of floating point .* can require gradients \(got dtype int64\)"),
    ("sum bad dim", lambda: _ones(2, 3).sum(dim=2), IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    ("unsqueeze bad dim", lambda: _ones(2).unsqueeze(3), IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 3\)"),
    ("index out of bounds", lambda: _ones(3)[5], IndexError, r"index 5 is out of bounds for dimension 0 with size 3"),
    ("float index", lambda: _ones(3)[1.5], IndexError, r"only integers, slices.*got float"),
    ("float tensor index", lambda: _ones(3)[am.tensor([0.5])], IndexError, r"indices must be long, int, byte or bool tensors \(got an index of dtype float32\)"),
    ("backward non-scalar", lambda: (_ones(3, grad=True) * 2).backward(), RuntimeError, r"grad can be implicitly created only for scalar outputs"),
    ("gradient shape", lambda: (_ones(3, grad=True) * 2).backward(am.ones(2)), RuntimeError, r"Mismatch in shape: grad_output\[0\] has a shape of \[2\] and output\[0\] has a shape of \[3\]"),
    ("root without grad", lambda: _ones(2).sum().backward(), RuntimeError, r"element 0 of tensors does not require grad and does not have a grad_fn"),
    ("backward twice", _backward_twice, RuntimeError, r"backward through the graph a second time.*retain_graph=True"),
    ("numpy with grad", lambda: _ones(2, grad=True).numpy(), RuntimeError, r"Can't call numpy\(\) on Tensor that requires grad"),
    ("inplace on leaf", _inplace_on_leaf, RuntimeError, r"a leaf Variable that requires grad is being used in an in-place operation. \(add_\)"),
    ("inplace broadcast", lambda: _ones(3).add_(_ones(2, 3)), RuntimeError, r"add_: output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"),
    ("inplace into expanded", lambda: _ones(1).expand(3).add_(1.0), RuntimeError, r"add_: unsupported operation: more than one element"),
    ("reshape size", lambda: _ones(2, 3).reshape(4, 4), RuntimeError, r"shape '\[4, 4\]' is invalid for input of size 6"),
    ("two inferred dims", lambda: _ones(6).reshape(-1, -1), RuntimeError, r"only one dimension can be inferred"),
    ("item of many", lambda: _ones(2, 3).item(), RuntimeError, r"a Tensor with 6 elements cannot be converted to Scalar"),
    ("bool of many", lambda: bool(_ones(3)), RuntimeError, r"Boolean value of Tensor with 3 values is ambiguous"),
    ("cat ndim", lambda: am.cat([_ones(2, 2), _ones(2)]), RuntimeError, r"Tensors must have same number of dimensions: got 2 and 1 \(at position 1\)"),
    ("cat sizes", lambda: am.cat([_ones(2, 2), _ones(3, 3)], 1), RuntimeError, r"cat\(\): Sizes of tensors must match except in dimension 1 \(got shapes \[2, 2\], \[3, 3\]\)"),
    ("stack shapes", lambda: am.stack([_ones(2), _ones(3)]), RuntimeError, r"stack expects each tensor to be equal size, but got \[2\] at entry 0 and \[3\] at entry 1"),
    ("permute length", lambda: _ones(2, 3).permute(0), RuntimeError, r"input.dim\(\) = 2 is not equal to len\(dims\) = 1"),
    ("expand size", lambda: _ones(2).expand(3), RuntimeError, r"expanded size of the tensor \(3\) must match the existing size \(2\) at non-singleton dimension 0"),
    ("split sizes", lambda: _ones(5).split([2, 2]), RuntimeError, r"split_sizes to sum exactly to 5.*split_sizes=\[2, 2\]"),
    ("gather ndim", lambda: am.gather(_ones(2, 3), 1, am.tensor([0, 1])), RuntimeError, r"Index tensor must have the same number of dimensions as input tensor"),
    ("gather bounds", lambda: am.gather(_ones(2, 3), 1, am.tensor([[0], [3]])), RuntimeError, r"index 3 is out of bounds for dimension 1 with size 3"),
    ("one_hot negative", lambda: am.one_hot(am.tensor([-1, 2])), RuntimeError, r"Class values must be non-negative"),
    ("one_hot too big", lambda: am.one_hot(am.tensor([0, 5]), 3), RuntimeError, r"Class values must be smaller than num_classes"),
    ("grad of unused", _grad_of_unused, RuntimeError, r"appears to not have been used in the graph. Set allow_unused=True"),
    ("grad wrt constant", lambda: am.grad(_ones(1, grad=True).sum(), _ones(1)), RuntimeError, r"One of the differentiated Tensors does not require grad"),
    ("requires_grad of non-leaf", _set_requires_grad_on_non_leaf, RuntimeError, r"only change requires_grad flags of leaf variables"),
    ("retain_grad without grad", lambda: _ones(2).retain_grad(), RuntimeError, r"can't retain_grad on Tensor that has requires_grad=False"),
    ("hook without grad", lambda: _ones(2).register_hook(lambda g: g), RuntimeError, r"cannot register a hook on a tensor that doesn't require gradient"),
    ("clamp without bounds", lambda: _ones(2).clamp(), RuntimeError, r"At least one of 'min' or 'max' must not be None"),
    ("mean of ints", lambda: am.tensor([1, 2]).mean(), RuntimeError, r"mean\(\): could not infer output dtype.*Got: int64"),
    ("ragged data", lambda: am.tensor([[1.0, 2.0], [3.0]]), ValueError, r"could not build a tensor from list"),
    ("bad dtype", lambda: am.tensor([1.0], dtype="floaty"), TypeError, r"invalid dtype: 'floaty'"),
    ("gelu approximate", lambda: am.gelu(_ones(2), approximate="fast"), ValueError, r"approximate argument must be either none or tanh, got 'fast'"),
    ("pad length", lambda: am.pad(_ones(2, 2), (1, 2, 3)), RuntimeError, r"Padding length must be divisible by 2.*got 3 for a 2-d input"),
    ("window too large", lambda: am.sliding_windows(_ones(1, 1, 2, 2), 3), RuntimeError, r"kernel \[3, 3\].*larger than the \(padded\) input of spatial size \[2, 2\]"),
    ("max of empty", lambda: am.zeros(0).max(), RuntimeError, r"amax\(\): Expected reduction dim to be specified for input.numel\(\) == 0"),
    ("div rounding mode", lambda: am.div(_ones(2), 2, rounding_mode="up"), ValueError, r"rounding_mode to be one of None, 'trunc', or 'floor' but found 'up'"),
    ("len of 0-d", lambda: len(am.tensor(1.0)), TypeError, r"len\(\) of a 0-d tensor"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "action", "error", "pattern"), CASES, ids=[case[0] for case in CASES])
def test_misuse_raises_clear_error(case: str, action: Callable[[], Any], error: type[Exception], pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        action()


def test_there_are_at_least_25_misuse_cases() -> None:
    assert len(CASES) >= 25


@pytest.fixture
def registered_op() -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        OPS.pop(name, None)


def test_vjp_returning_a_wrong_shape_is_named(registered_op: list[str]) -> None:
    registered_op.append("bad_shape_op")
    op = defop("bad_shape_op", lambda x: x * 2, lambda g, out, x: am.ones(5))
    x = _ones(3, grad=True)
    y = am.engine.apply(op, (x,), {})
    with pytest.raises(
        RuntimeError,
        match=r"Function BadShapeOpBackward0 returned an invalid gradient at index 0 - got \[5\] but expected shape compatible with \[3\]",
    ):
        y.sum().backward()


def test_errors_are_not_numpy_tracebacks() -> None:
    with pytest.raises(RuntimeError) as info:
        _ones(2, 3) + _ones(4)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert not isinstance(info.value, ValueError) and np is not None

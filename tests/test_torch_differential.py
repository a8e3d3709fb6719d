"""Differential tests against PyTorch, over the whole op spec table (``op_specs.py``).

For every spec with a PyTorch equivalent: on random float64 inputs the forward values, shapes and
dtypes agree, and so do the gradients of every input for a random upstream gradient on every output;
on float32 inputs the output dtypes agree (no promotion that PyTorch would not do).
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pytest
from op_specs import SPECS, OpSpec, outputs

import autograd_mini as am

torch = pytest.importorskip("torch")

# Specs with no PyTorch equivalent, each with the reason.  Every other spec carries a ``torch``
# function in op_specs.py; names that differ are mapped there (sliding_windows ~ Tensor.unfold per
# spatial dim, col2im ~ nn.functional.fold, index_scatter ~ the vjp of indexing, sum_to ~
# Tensor.sum_to_size, prod_except ~ products of the other elements, norm ~ linalg.vector_norm,
# cast ~ Tensor.to, negative-step slices ~ flip, since torch refuses negative steps).
TORCH_SKIP: dict[str, str] = {}

COMPARED = [spec for spec in SPECS if spec.name not in TORCH_SKIP]


def rng_for(spec: OpSpec, salt: str = "") -> np.random.Generator:
    return np.random.default_rng(zlib.crc32((spec.name + "torch" + salt).encode()))


def ids(spec: OpSpec) -> str:
    return spec.name


def to_torch(array: np.ndarray, requires_grad: bool) -> Any:
    tensor = torch.from_numpy(array.copy())
    return tensor.requires_grad_(requires_grad and tensor.is_floating_point())


def test_every_spec_has_a_torch_equivalent_or_a_reason() -> None:
    missing = [spec.name for spec in SPECS if spec.torch is None and spec.name not in TORCH_SKIP]
    assert not missing, f"specs with neither a torch function nor a TORCH_SKIP entry: {missing}"
    assert set(TORCH_SKIP) <= {spec.name for spec in SPECS}, "stale TORCH_SKIP entry"


@pytest.mark.parametrize("spec", COMPARED, ids=ids)
def test_forward_and_gradients_match_torch(spec: OpSpec) -> None:
    assert spec.torch is not None
    rng = rng_for(spec)
    arrays = spec.arrays(rng)
    ours_in = spec.tensors(arrays)
    theirs_in = [to_torch(a, spec.differentiable) for a in arrays]
    ours = outputs(spec(*ours_in))
    theirs = outputs(spec.torch(torch, *theirs_in, **spec.kwargs))
    assert len(ours) == len(theirs), f"{spec.name}: {len(ours)} outputs, torch has {len(theirs)}"
    for o, t in zip(ours, theirs):
        expected = t.detach().numpy()
        assert o.shape == expected.shape, f"{spec.name}: shape {o.shape}, torch {expected.shape}"
        assert o.dtype == expected.dtype, f"{spec.name}: dtype {o.dtype}, torch {expected.dtype}"
        np.testing.assert_allclose(o.data, expected, rtol=1e-9, atol=1e-12, err_msg=spec.name)
    if not spec.differentiable:
        return

    pairs = [(o, t) for o, t in zip(ours, theirs) if o.is_floating_point() and t.requires_grad]
    assert pairs, f"{spec.name}: no differentiable output"
    upstream = [rng.standard_normal(o.shape).astype(o.dtype) for o, _ in pairs]
    our_leaves = [t for t in ours_in if t.requires_grad]
    their_leaves = [t for t in theirs_in if t.requires_grad]
    our_grads = am.grad([o for o, _ in pairs], our_leaves, [am.tensor(v) for v in upstream], allow_unused=True)
    their_grads = torch.autograd.grad(
        [t for _, t in pairs], their_leaves, [torch.from_numpy(v) for v in upstream], allow_unused=True
    )
    for index, (leaf, g, tg) in enumerate(zip(our_leaves, our_grads, their_grads)):
        want = np.zeros(leaf.shape) if tg is None else tg.numpy()
        got = np.zeros(leaf.shape) if g is None else g.data
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=f"{spec.name}: input {index}")


@pytest.mark.parametrize("spec", COMPARED, ids=ids)
def test_float32_output_dtypes_match_torch(spec: OpSpec) -> None:
    assert spec.torch is not None
    arrays = spec.arrays(rng_for(spec, "float32"), np.float32)
    ours = outputs(spec(*spec.tensors(arrays, requires_grad=False)))
    theirs = outputs(spec.torch(torch, *[to_torch(a, False) for a in arrays], **spec.kwargs))
    for o, t in zip(ours, theirs):
        assert o.dtype == t.detach().numpy().dtype, f"{spec.name}: float32 input gave {o.dtype}, torch {t.dtype}"

"""One parametrized check per entry of the op spec table (``op_specs.py``), plus coverage meta-tests.

For every spec: the forward matches the NumPy reference (values, shape, dtype), float32 inputs give
float32 outputs and gradients, and ``gradcheck``/``gradgradcheck`` pass in float64 (full Jacobians,
so every upstream direction is covered; the float32 backward seeds a random upstream gradient).
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pytest
from op_specs import SPECS, OpSpec, outputs

import autograd_mini as am
from autograd_mini import functional

DIFFERENTIABLE = [spec for spec in SPECS if spec.differentiable]
SECOND_ORDER = [spec for spec in DIFFERENTIABLE if spec.gradgrad]

# Names of functional.__all__ that are not tensor functions, so they get no spec:
EXEMPT = {
    "inplace",  # the machinery behind Tensor.add_ & co. (takes a compute callback); tested with in-place ops
    "inplace_ufunc",  # the same, writing with a NumPy ufunc when nothing is recorded
    "setitem_",  # Tensor.__setitem__ (mutates, returns None); tested with in-place ops
    "foreach_add_",  # mutates a list of tensors, returns None; tested in test_foreach.py
    "as_tensor",  # a factory / conversion, no computation
    "allclose",  # returns a Python bool
    "equal",  # returns a Python bool
}


def rng_for(spec: OpSpec, salt: str = "") -> np.random.Generator:
    """A seed fixed per spec (and per test), independent of test order."""
    return np.random.default_rng(zlib.crc32((spec.name + salt).encode()))


def ids(spec: OpSpec) -> str:
    return spec.name


def float_outputs(result: Any) -> list[am.Tensor]:
    return [o for o in outputs(result) if isinstance(o, am.Tensor) and o.is_floating_point()]


def recorded_ops(tensors: list[am.Tensor]) -> set[str]:
    """Names of the primitives recorded in the graphs behind ``tensors``."""
    names: set[str] = set()
    seen: set[int] = set()
    stack = [t.grad_fn for t in tensors if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        names.add(node.op.name)
        stack.extend(edge for edge, _ in node.next_functions if isinstance(edge, am.Node))
    return names


# ------------------------------------------------------------------- forward
@pytest.mark.parametrize("spec", SPECS, ids=ids)
def test_forward_matches_numpy(spec: OpSpec) -> None:
    arrays = spec.arrays(rng_for(spec))
    got = outputs(spec(*spec.tensors(arrays, requires_grad=False)))
    want = [np.asarray(w) for w in outputs(spec.reference(*arrays))]
    assert len(got) == len(want), f"{spec.name}: {len(got)} outputs, reference has {len(want)}"
    for g, w in zip(got, want):
        assert isinstance(g, am.Tensor)
        assert g.shape == w.shape, f"{spec.name}: shape {g.shape}, reference {w.shape}"
        expected = spec.out_dtype or (np.float64 if w.dtype.kind == "f" else w.dtype)
        assert g.dtype == expected, f"{spec.name}: dtype {g.dtype}, expected {np.dtype(expected)}"
        np.testing.assert_allclose(g.data, w, rtol=1e-10, atol=1e-12, err_msg=spec.name)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.differentiable], ids=ids)
def test_forward_same_with_grad_recording(spec: OpSpec) -> None:
    """Recording a graph changes nothing in the values, and the output requires grad."""
    arrays = spec.arrays(rng_for(spec))
    plain = outputs(spec(*spec.tensors(arrays, requires_grad=False)))
    recorded = outputs(spec(*spec.tensors(arrays)))
    for p, r in zip(plain, recorded):
        np.testing.assert_array_equal(p.data, r.data)
        assert r.requires_grad == r.is_floating_point()


@pytest.mark.parametrize("spec", [s for s in SPECS if not s.differentiable], ids=ids)
def test_forward_only_results_carry_no_gradient(spec: OpSpec) -> None:
    arrays = spec.arrays(rng_for(spec))
    inputs = [am.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    for out in outputs(spec(*inputs)):
        assert not out.requires_grad and out.grad_fn is None


FLOATING_SPECS = [s for s in SPECS if any(a.dtype.kind == "f" for a in s.arrays(rng_for(s)))]


@pytest.mark.parametrize("spec", FLOATING_SPECS, ids=ids)
def test_float32_stays_float32(spec: OpSpec) -> None:
    """float32 in, float32 out (no silent promotion), values close to the float64 reference; and
    a backward pass seeded with a random float32 upstream gradient gives float32 gradients of the
    inputs' shapes."""
    rng = rng_for(spec, "float32")
    arrays = spec.arrays(rng, np.float32)
    inputs = spec.tensors(arrays)
    result = spec(*inputs)
    want = [
        np.asarray(w)
        for w in outputs(spec.reference(*[a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays]))
    ]
    for g, w in zip(outputs(result), want):
        if w.dtype.kind != "f":
            continue
        assert g.dtype == (spec.out_dtype or np.float32), f"{spec.name}: float32 input gave {g.dtype}"
        np.testing.assert_allclose(g.data, w, rtol=2e-4, atol=2e-5, err_msg=spec.name)
    if not spec.differentiable:
        return
    outs = [o for o in float_outputs(result) if o.requires_grad]
    leaves = [t for t in inputs if t.requires_grad]
    upstream = [am.tensor(rng.standard_normal(o.shape).astype(o.dtype)) for o in outs]
    grads = am.grad(outs, leaves, upstream, allow_unused=True)
    for leaf, g in zip(leaves, grads):
        assert g is not None, f"{spec.name}: no gradient for an input"
        assert g.dtype == np.float32 and g.shape == leaf.shape, f"{spec.name}: grad {g.dtype} {g.shape}"
        assert np.isfinite(g.data).all()


# ------------------------------------------------------------------- derivatives
@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=ids)
def test_gradcheck(spec: OpSpec) -> None:
    inputs = spec.tensors(spec.arrays(rng_for(spec)))
    assert am.gradcheck(spec, tuple(inputs), eps=spec.eps)


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=ids)
def test_backward_on_arrays_matches_backward_on_tensors(spec: OpSpec) -> None:
    """A backward that builds no graph calls the vjps with ndarrays; with ``create_graph`` with Tensors.
    Both must give the same gradients (gradcheck covers the first, gradgradcheck only differentiates
    the second, so this is what pins the Tensor-mode first derivatives)."""
    rng = rng_for(spec, "modes")
    inputs = spec.tensors(spec.arrays(rng))
    wanted = [t for t in inputs if t.requires_grad]
    outs = [o for o in float_outputs(spec(*inputs)) if o.requires_grad]
    if not outs or not wanted:
        pytest.skip("no differentiable output")
    seeds = [am.tensor(rng.standard_normal(o.shape)) for o in outs]
    on_arrays = am.autograd.grad(outs, wanted, seeds, retain_graph=True, allow_unused=True)
    on_tensors = am.autograd.grad(outs, wanted, seeds, create_graph=True, allow_unused=True)
    for index, (a, t) in enumerate(zip(on_arrays, on_tensors)):
        assert (a is None) == (t is None), f"{spec.name}: input {index} has a gradient in only one mode"
        if a is not None and t is not None:
            assert a.dtype == t.dtype and a.shape == t.shape, (spec.name, index, a.dtype, t.dtype, a.shape, t.shape)
            np.testing.assert_allclose(a.data, t.data, rtol=1e-12, atol=1e-12, err_msg=f"{spec.name} input {index}")


@pytest.mark.parametrize("spec", SECOND_ORDER, ids=ids)
def test_gradgradcheck(spec: OpSpec) -> None:
    inputs = spec.tensors(spec.arrays(rng_for(spec)))
    assert am.gradgradcheck(spec, tuple(inputs), eps=spec.eps)


# ------------------------------------------------------------------- coverage meta-tests
def test_every_registered_primitive_has_a_spec() -> None:
    covered = {name for spec in SPECS for name in spec.primitives}
    missing = sorted(set(am.OPS) - covered)
    assert not missing, f"registered primitives with no spec in tests/op_specs.py: {missing}"


def test_every_functional_name_has_a_spec() -> None:
    covered = {spec.function for spec in SPECS}
    missing = sorted(set(functional.__all__) - covered - EXEMPT)
    assert not missing, f"functions of autograd_mini.functional with no spec in tests/op_specs.py: {missing}"


def test_specs_name_real_functions_and_primitives() -> None:
    unknown_functions = sorted({spec.function for spec in SPECS} - set(functional.__all__))
    unknown_primitives = sorted({name for spec in SPECS for name in spec.primitives} - set(am.OPS))
    assert not unknown_functions and not unknown_primitives, (unknown_functions, unknown_primitives)
    assert not EXEMPT - set(functional.__all__), "stale exemption"


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=ids)
def test_spec_records_its_primitives(spec: OpSpec) -> None:
    """A spec's ``primitives`` really appear in the graph its call records (so coverage is real)."""
    assert spec.primitives, f"{spec.name}: a differentiable spec names the primitives it exercises"
    result = spec(*spec.tensors(spec.arrays(rng_for(spec))))
    missing = set(spec.primitives) - recorded_ops(float_outputs(result))
    assert not missing, f"{spec.name} does not record {sorted(missing)}"


# ------------------------------------------------------------------- indexing semantics shared by reads and writes
def test_setitem_with_an_integer_and_an_advanced_index_follows_pytorch() -> None:
    """``y[0, :, [0, 2]] = w`` writes where ``y[0, :, [0, 2]]`` reads (PyTorch: integers first), so w is (3, 2)."""
    rng = np.random.default_rng(11)
    x = am.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    w = am.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    y = x * 1.0
    y[0, :, [0, 2]] = w * 2.0
    expected = x.data.copy()
    expected[0][:, [0, 2]] = 2.0 * w.data
    np.testing.assert_array_equal(y.data, expected)
    np.testing.assert_array_equal(y[0, :, [0, 2]].data, 2.0 * w.data)
    v = rng.standard_normal(y.shape)
    gx, gw = am.grad(y, [x, w], am.tensor(v))
    kept = np.ones(y.shape)
    kept[0][:, [0, 2]] = 0.0
    np.testing.assert_array_equal(gx.data, v * kept)
    np.testing.assert_array_equal(gw.data, 2.0 * v[0][:, [0, 2]])

"""gradcheck / gradgradcheck: PyTorch's algorithm and report, plus localisation of a wrong op."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.ops.registry import OPS, OpDef, defop


@pytest.fixture
def scratch_ops() -> Iterator[list[str]]:
    """Register throw-away ops for a test and remove them afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        OPS.pop(name, None)


def _register(names: list[str], name: str, *args: object, **kwargs: object) -> OpDef:
    names.append(name)
    return defop(name, *args, **kwargs)  # type: ignore[arg-type]


def _inputs(*shapes: tuple[int, ...]) -> tuple[am.Tensor, ...]:
    rng = np.random.default_rng(0)
    return tuple(am.tensor(rng.standard_normal(s), dtype=am.float64, requires_grad=True) for s in shapes)


def test_gradcheck_passes_on_a_small_network() -> None:
    x, w, b = _inputs((4, 3), (3, 2), (2,))
    assert am.gradcheck(lambda x, w, b: am.tanh(x @ w + b).log_softmax(1), (x, w, b))
    assert am.gradgradcheck(lambda x, w, b: am.tanh(x @ w + b).log_softmax(1), (x, w, b))


def test_gradcheck_handles_several_outputs_and_constant_inputs() -> None:
    (x,) = _inputs((3,))
    constant = am.tensor([1.0, 2.0, 3.0], dtype=am.float64)
    assert am.gradcheck(lambda x, c: (x * c, x.exp().sum()), (x, constant))


def test_wrong_vjp_is_reported_with_the_culprit_op(scratch_ops: list[str]) -> None:
    # cube with a deliberately wrong derivative: 2 x^2 instead of 3 x^2
    bad_cube = _register(scratch_ops, "bad_cube", lambda x: x**3, lambda g, out, x: g * 2 * x * x)
    x, w = _inputs((3,), (3,))

    def model(x: am.Tensor, w: am.Tensor) -> am.Tensor:
        hidden = am.tanh(x * w)
        return am.engine.apply(bad_cube, (hidden,), {}).exp().sum()

    with pytest.raises(am.GradcheckError) as info:
        am.gradcheck(model, (x, w))
    message = str(info.value)
    assert message.startswith("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:")
    assert "analytical:" in message
    assert "first op whose vjp disagrees with finite differences is BadCubeBackward0 (op 'bad_cube'" in message
    assert am.gradcheck(model, (x, w), raise_exception=False) is False


def test_wrong_second_derivative_is_localised(scratch_ops: list[str]) -> None:
    # First derivative right, but computed from detached data: its own derivative is lost.
    detached_square = _register(scratch_ops, "detached_square", lambda x: x * x, lambda g, out, x: g * 2 * x.detach())
    (x,) = _inputs((3,))

    def model(x: am.Tensor) -> am.Tensor:
        return am.engine.apply(detached_square, (x.sin(),), {}).sum()

    assert am.gradcheck(model, (x,))
    with pytest.raises(am.GradcheckError) as info:
        am.gradgradcheck(model, (x,))
    assert "DetachedSquareBackward0" in str(info.value)
    assert "second derivative" in str(info.value)


def test_non_double_inputs_warn() -> None:
    x = am.tensor([0.5, 1.5], requires_grad=True)
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double precision"):
        am.gradcheck(lambda t: t * 2, (x,), eps=1e-2, atol=1e-2, rtol=1e-2)


def test_gradcheck_perturbation_leaves_inputs_unchanged() -> None:
    (x,) = _inputs((2, 2))
    before = x.data.copy()
    am.gradcheck(lambda t: t.flip(0) * 3, (x,))
    np.testing.assert_array_equal(x.data, before)


def test_an_op_whose_vjp_is_a_primitive_on_its_output(scratch_ops: list[str]) -> None:
    # exp declared as PyTorch declares tanh: its vjp is a primitive applied to (g, out), here g * out
    # (whose own vjps make second order work).  Both backwards (arrays, and a recorded graph) must agree.
    times = _register(scratch_ops, "times_out", np.multiply, lambda gg, out, g, y: gg * y, lambda gg, out, g, y: gg * g)
    my_exp = _register(scratch_ops, "my_exp", np.exp, output_vjp=times, saves=())
    assert my_exp.uses_out and my_exp.output_vjp is times
    (x,) = _inputs((4,))
    model = lambda x: am.engine.apply(my_exp, (am.sin(x),), {}).sum()  # noqa: E731
    assert am.gradcheck(model, (x,)) and am.gradgradcheck(model, (x,))
    (on_arrays,) = am.autograd.grad(model(x), [x])
    (recorded,) = am.autograd.grad(model(x), [x], create_graph=True)
    np.testing.assert_allclose(on_arrays.data, np.exp(np.sin(x.data)) * np.cos(x.data), rtol=1e-14)
    np.testing.assert_allclose(recorded.data, on_arrays.data, rtol=1e-14)
    with pytest.raises(ValueError, match="output_vjp replaces the vjps"):
        _register(scratch_ops, "both_ways", np.exp, lambda g, out, x: g * out, output_vjp=times)


def test_nodes_of_other_shapes_take_the_general_backward_on_arrays(scratch_ops: list[str]) -> None:
    # Each op's backward on arrays is specialised for its arity; a node of another shape (fewer vjps than
    # inputs, attributes on a binary or three-input op) must fall back to the general path, with the same
    # gradients as the recorded (create_graph) backward.
    scale_by_first = _register(scratch_ops, "scale_by", lambda x, k: x * k[0], lambda g, out, x, k: g * k[0])
    shifted = _register(
        scratch_ops,
        "shifted_mul",
        lambda x, y, *, shift: x * y + shift,
        lambda g, out, x, y, *, shift: g * y,
        lambda g, out, x, y, *, shift: g * x,
    )
    fma = _register(
        scratch_ops,
        "scaled_fma",
        lambda x, y, z, *, scale: scale * x * y + z,
        lambda g, out, x, y, z, *, scale: g * scale * y,
        lambda g, out, x, y, z, *, scale: g * scale * x,
        lambda g, out, x, y, z, *, scale: g,
    )
    x, y, z = _inputs((3,), (3,), (3,))
    k = am.tensor([2.0, 5.0], dtype=am.float64)

    def model(x: am.Tensor, y: am.Tensor, z: am.Tensor) -> am.Tensor:
        apply = am.engine.apply
        a = apply(scale_by_first, (x, k), {})
        b = apply(shifted, (a, y), {"shift": 0.5})
        return apply(fma, (b, y, z), {"scale": 3.0}).sum()

    assert am.gradcheck(model, (x, y, z))
    on_arrays = am.autograd.grad(model(x, y, z), [x, y, z])
    recorded = am.autograd.grad(model(x, y, z), [x, y, z], create_graph=True)
    expected_x = 3.0 * y.data * y.data * 2.0
    np.testing.assert_allclose(on_arrays[0].data, expected_x, rtol=1e-14)
    for array_grad, graph_grad in zip(on_arrays, recorded):
        np.testing.assert_allclose(array_grad.data, graph_grad.data, rtol=1e-14)
    # The package's common ops run a specialised backward (linear its own, written out); ops of other kinds
    # keep the general one.
    kinds = {name: getattr(OPS[name].array_backward, "__name__", "") for name in ("tanh", "mul", "linear", "concat")}
    assert kinds == {
        "tanh": "unary",
        "mul": "binary",
        "linear": "_linear_backward_on_arrays",
        "concat": "backward_arrays",
    }

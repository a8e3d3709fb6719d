"""Engine semantics: accumulation, retain_graph, create_graph, grad(), hooks, scale and memory."""

from __future__ import annotations

import gc
import importlib
import weakref

import numpy as np
import pytest

import autograd_mini as am


def test_reused_input_accumulates() -> None:
    a = am.tensor(3.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad is not None and a.grad.item() == 4.0


def test_square_by_self_multiplication() -> None:
    x = am.tensor([1.0, -2.0, 3.0], requires_grad=True)
    upstream = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    (x * x).backward(am.tensor(upstream))
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.data * upstream)


def test_leaf_grads_accumulate_across_backwards() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_second_backward_through_freed_graph_raises() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_create_graph_gives_differentiable_gradients() -> None:
    x = am.tensor(2.0, dtype=am.float64, requires_grad=True)
    y = x**3
    (first,) = am.grad(y, x, create_graph=True)
    assert first is not None and first.requires_grad
    assert first.item() == pytest.approx(12.0)
    (second,) = am.grad(first, x)
    assert second is not None and second.item() == pytest.approx(12.0)  # 6x


def test_backward_create_graph_then_grad_of_grad() -> None:
    x = am.tensor([0.3, -0.7], dtype=am.float64, requires_grad=True)
    am.sin(x).sum().backward(create_graph=True)
    assert x.grad is not None and x.grad.requires_grad
    gradient = x.grad
    x.grad = None
    gradient.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), -np.sin(x.data))


def test_grad_returns_without_touching_dot_grad() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    w = am.tensor([3.0, 4.0], requires_grad=True)
    gx, gw = am.grad((x * w).sum(), [x, w])
    np.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(gw.numpy(), [1.0, 2.0])
    assert x.grad is None and w.grad is None


def test_grad_with_respect_to_a_non_leaf() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    (gh,) = am.grad((h * h).sum(), h)
    np.testing.assert_allclose(gh.numpy(), 2 * h.data)


def test_grad_allow_unused() -> None:
    x = am.tensor(1.0, requires_grad=True)
    unused = am.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        am.grad(x * 2, [x, unused])
    gx, gu = am.grad(x * 2, [x, unused], allow_unused=True)
    assert gx is not None and gx.item() == 2.0 and gu is None


def test_grad_outputs_seed_non_scalar_outputs() -> None:
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    seed = am.tensor([0.1, -1.0, 2.0])
    (gx,) = am.grad(x * x, x, grad_outputs=seed)
    np.testing.assert_allclose(gx.numpy(), 2 * x.data * seed.data, rtol=1e-6)


def test_backward_inputs_accumulates_only_there() -> None:
    x = am.tensor(1.0, requires_grad=True)
    w = am.tensor(2.0, requires_grad=True)
    (x * w).backward(inputs=[w])
    assert x.grad is None and w.grad is not None and w.grad.item() == 1.0


def test_retain_grad_keeps_non_leaf_gradient() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    other = x * 2
    (h * other).sum().backward()
    assert h.retains_grad and not other.retains_grad
    np.testing.assert_allclose(h.grad.numpy(), other.data)
    assert other.grad is None


def test_hooks_replace_gradients_and_can_be_removed() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    seen: list[np.ndarray] = []
    handle = x.register_hook(lambda g: seen.append(g.data.copy()) or g * 10)
    h = x * 1.0
    h.register_hook(lambda g: g + 1)
    (h + h).sum().backward()
    # h's gradient is 2 (two uses), plus 1 from its hook; x's hook sees the total once and scales it.
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])
    handle.remove()
    x.grad = None
    (x * 1.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])
    assert len(seen) == 1


def test_leaf_root_backward() -> None:
    x = am.tensor(5.0, requires_grad=True)
    x.backward()
    assert x.grad is not None and x.grad.item() == 1.0


def test_hundred_thousand_op_chain() -> None:
    x = am.tensor(np.linspace(-1, 1, 16), dtype=am.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0  # two ops per step: a 200,000-node chain, no recursion
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.ones(16))


def test_hundred_thousand_way_fan_in() -> None:
    xs = [am.tensor(float(i % 7), requires_grad=True) for i in range(100_000)]
    w = am.tensor(2.0, requires_grad=True)
    products = [x * w for x in xs]
    total = am.stack(products).sum()
    total.backward()
    assert xs[10].grad is not None and xs[10].grad.item() == 2.0
    assert w.grad is not None and w.grad.item() == pytest.approx(sum(i % 7 for i in range(100_000)))


def test_graph_is_freed_by_reference_counting_alone() -> None:
    gc.disable()
    try:
        x = am.tensor([1.0, 2.0], requires_grad=True)
        y = am.tanh(x * 2).sum()
        node_ref = weakref.ref(y.grad_fn)
        hidden = weakref.ref(y.grad_fn.next[0])
        del y
        assert node_ref() is None and hidden() is None  # no cycles: freed without the collector
    finally:
        gc.enable()


def test_backward_frees_saved_tensors_but_keeps_edges() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    data_ref = weakref.ref(h)
    y.backward()
    assert y.grad_fn is not None and y.grad_fn.released
    assert y.grad_fn.next_functions[0][0] is not None
    del h
    assert data_ref() is None


def test_grad_fn_names_follow_pytorch() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    assert (x * 2).grad_fn.name() == "MulBackward0"
    assert (x + 2).grad_fn.name() == "AddBackward0"
    assert x.sum().grad_fn.name() == "SumBackward0"
    assert (x @ x).grad_fn is not None
    assert x.exp().grad_fn.name() == "ExpBackward0"
    assert repr(x * 2).endswith("grad_fn=<MulBackward0>)")


def test_scalar_graph_micrograd_style() -> None:
    # A neuron of 0-d tensors: o = tanh(x1 w1 + x2 w2 + b), the classic micrograd picture.
    x1, x2 = am.tensor(2.0, requires_grad=True), am.tensor(0.0, requires_grad=True)
    w1, w2 = am.tensor(-3.0, requires_grad=True), am.tensor(1.0, requires_grad=True)
    b = am.tensor(6.8813735870195432, requires_grad=True)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    assert o.shape == () and o.item() == pytest.approx(0.7071, abs=1e-4)
    assert x1.grad.item() == pytest.approx(-1.5, abs=1e-4)
    assert w1.grad.item() == pytest.approx(1.0, abs=1e-4)
    assert x2.grad.item() == pytest.approx(0.5, abs=1e-4)
    assert w2.grad.item() == pytest.approx(0.0, abs=1e-6)


def test_inplace_on_non_leaf_rebases_history() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.mul_(x)  # y = 2x * x
    assert y._version == 1 and y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * x.data)


def test_inplace_on_leaf_allowed_under_no_grad_and_bumps_version() -> None:
    p = am.tensor([1.0, 2.0], requires_grad=True)
    with am.no_grad():
        p.sub_(am.tensor([0.5, 0.5]))
        p.add_(1.0, alpha=2.0)
        p *= 2
    np.testing.assert_allclose(p.data, [5.0, 7.0])
    assert p._version == 3 and p.is_leaf


def test_setitem_is_differentiable() -> None:
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = am.tensor(5.0, requires_grad=True)
    y = x * 1.0
    y[1] = v * 2
    (y * am.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.0, 3.0])
    assert v.grad.item() == 4.0


def test_vjps_run_without_recording_unless_create_graph() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    (x.exp() * x).sum().backward()
    assert x.grad is not None and not x.grad.requires_grad and x.grad.grad_fn is None


def test_singular_derivatives_are_ieee_values_without_warnings() -> None:
    x = am.tensor([1.0, 1.0, 1.0], requires_grad=True)
    x.std().backward()  # zero variance: the derivative of sqrt at 0
    assert np.isnan(x.grad.numpy()).all()
    y = am.tensor([0.0], requires_grad=True)
    (y**0.5).sum().backward()
    assert np.isinf(y.grad.numpy()).all()


def test_seed_gradient_takes_the_output_dtype() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).backward(am.tensor([1.0, 1.0], dtype=am.float64))
    assert x.grad.dtype == am.float32


def test_leaf_gradients_never_alias_each_other_or_the_seed() -> None:
    a = am.tensor([1.0, 2.0], requires_grad=True)
    b = am.tensor([3.0, 4.0], requires_grad=True)
    seed = am.tensor([1.0, 1.0])
    (a + b).backward(seed)  # add passes the seed straight through to both leaves
    assert a.grad is not None and b.grad is not None
    assert not np.shares_memory(a.grad.data, b.grad.data) and not np.shares_memory(a.grad.data, seed.data)
    (a * 3).sum().backward()  # accumulates in place into a.grad only
    np.testing.assert_allclose(a.grad.numpy(), [4.0, 4.0])
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(seed.numpy(), [1.0, 1.0])


def test_leaf_gradient_seen_by_a_hook_is_not_adopted() -> None:
    w = am.tensor([1.0, 2.0], requires_grad=True)
    seen: list[am.Tensor] = []
    h = w * 2
    h.register_hook(lambda g: seen.append(g) or None)
    (h + 0).sum().backward()
    (w * 2).sum().backward()  # the second accumulation must not change what the hook kept
    np.testing.assert_allclose(seen[0].numpy(), [1.0, 1.0])
    np.testing.assert_allclose(w.grad.numpy(), [4.0, 4.0])


def test_custom_function_gradient_is_copied_into_grad() -> None:
    kept = am.tensor([1.0, 1.0])

    class ReturnsKept(am.Function):
        @staticmethod
        def forward(ctx: am.FunctionCtx, x: am.Tensor) -> am.Tensor:
            return x * 1.0

        @staticmethod
        def backward(ctx: am.FunctionCtx, grad: am.Tensor) -> am.Tensor:
            return kept

    x = am.tensor([5.0, 6.0], requires_grad=True)
    ReturnsKept.apply(x).sum().backward()
    ReturnsKept.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
    np.testing.assert_allclose(kept.numpy(), [1.0, 1.0])


def test_backward_without_trusted_reference_counts_gives_the_same_gradients(monkeypatch: pytest.MonkeyPatch) -> None:
    """From Python 3.14 (or without the GIL) backward never writes in place nor adopts arrays: same results."""
    backward_module = importlib.import_module("autograd_mini.backward")

    def gradients() -> list[np.ndarray]:
        x = am.tensor([0.5, -1.0, 2.0], requires_grad=True)
        w = am.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        h = (w @ x).tanh()
        loss = (h * h).sum() + (x * x).sum() + (h + h).sum()  # shared values: several contributions each
        loss.backward()
        assert x.grad is not None and w.grad is not None
        return [x.grad.numpy().copy(), w.grad.numpy().copy()]

    trusted = gradients()
    monkeypatch.setattr(backward_module, "_REFCOUNTS_EXACT", False)
    for got, want in zip(gradients(), trusted):
        np.testing.assert_array_equal(got, want)


def test_zero_dimensional_gradients_reach_hooks_results_and_leaves_as_tensors_of_arrays() -> None:
    """0-d vjp results travel as NumPy scalars inside backward; what users see is always a 0-d array."""
    a = am.tensor(2.0, requires_grad=True)
    b = am.tensor(3.0, requires_grad=True)
    h = a * b
    h.retain_grad()
    seen: list[am.Tensor] = []
    h.register_hook(lambda g: seen.append(g) or None)
    out = h * h + a
    (ga,) = am.autograd.grad(out, [a], retain_graph=True)
    out.backward()
    for t in [ga, a.grad, b.grad, h.grad, seen[0]]:
        assert t is not None and type(t.data) is np.ndarray and t.shape == ()
    assert float(a.grad) == 2 * 6.0 * 3.0 + 1 and float(b.grad) == 2 * 6.0 * 2.0
    assert float(h.grad) == 24.0  # retained during grad() too, as PyTorch does: 12 twice
    assert float(ga) == float(a.grad)


def test_backward_silences_fp_errors_only_while_it_runs() -> None:
    # Derivatives at singular points are inf/NaN without warnings (sqrt'(0)); the caller's NumPy error
    # state is back afterwards, also when backward fails, and nested backwards (from a hook) work.
    import importlib

    fp_errors = importlib.import_module("autograd_mini._fp_errors")
    for silencer in ("context variable", "errstate"):
        saved = fp_errors._extobj_contextvar
        if silencer == "errstate":
            fp_errors._extobj_contextvar = None  # the fallback for other NumPy versions
        try:
            with np.errstate(divide="raise", invalid="raise", over="raise", under="ignore"):
                x = am.tensor([0.0, 4.0], requires_grad=True)
                am.sqrt(x).sum().backward()
                assert np.isinf(x.grad.data[0]) and x.grad.data[1] == 0.25  # type: ignore[union-attr]
                assert np.geterr()["divide"] == "raise"
                inner = am.tensor(1.0, requires_grad=True)
                y = am.tensor(2.0, requires_grad=True)
                z = y * 3.0

                def nested(grad: am.Tensor) -> None:  # a backward inside a backward (hooks run without grad mode)
                    with am.enable_grad():
                        (inner * 0.0).backward()

                z.register_hook(nested)
                z.backward()
                assert inner.grad is not None and np.geterr()["invalid"] == "raise"
                w = am.tensor(1.0, requires_grad=True)
                loss = w * 2.0
                loss.backward()
                with pytest.raises(RuntimeError, match="second time"):
                    loss.backward()
                assert np.geterr() == {"divide": "raise", "over": "raise", "under": "ignore", "invalid": "raise"}
        finally:
            fp_errors._extobj_contextvar = saved


def test_a_recorded_result_is_set_up_as_tensor_make_sets_one_up() -> None:
    # apply writes Tensor._make's body out for recorded results: every slot must come out the same.
    x = am.tensor([1.0, -2.0], requires_grad=True)
    recorded = x * 3.0
    made = am.Tensor._make(recorded.data, recorded.grad_fn)
    slots = [name for cls in type(made).__mro__ for name in getattr(cls, "__slots__", ()) if name != "__weakref__"]
    assert {"data", "grad", "grad_fn", "_requires_grad", "_version_box", "_hooks"} <= set(slots)
    for name in slots:
        assert getattr(recorded, name) is getattr(made, name), name

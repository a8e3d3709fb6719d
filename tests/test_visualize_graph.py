"""visualize.draw_graph: the DOT source (no Graphviz binary needed): nodes, edges, labels, styles, gradients,
module clusters, collapsing, escaping, and graphs of 10,000+ nodes."""

from __future__ import annotations

import html
import re
import time

import numpy as np
import pytest

import autograd_mini as am
import nn
import visualize
from visualize import styles
from visualize.modules import ModuleTrace

NODE = re.compile(r"^\s*(\w+) \[label=<")
EDGE = re.compile(r"^\s*(\w+) -> (\w+)")


def label_of(line: str) -> str:
    """The HTML-like label of a node line (balanced angle brackets: the label's own text is escaped)."""
    start = line.index("label=<") + len("label=<")
    depth = 1
    for position in range(start, len(line)):
        depth += {"<": 1, ">": -1}.get(line[position], 0)
        if depth == 0:
            return line[start:position]
    raise AssertionError(f"unbalanced label in {line!r}")


def text_of(label: str) -> str:
    """Label markup to plain text: line breaks become newlines, tags go, entities are decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<br[^>]*/>", "\n", label)))


def nodes(view: visualize.GraphView) -> dict[str, str]:
    """Node id -> full DOT line (legend excluded)."""
    found = {}
    for line in view.source.splitlines():
        match = NODE.match(line)
        if match and match.group(1) != "legend":
            found[match.group(1)] = line
    return found


def texts(view: visualize.GraphView) -> dict[str, str]:
    return {key: text_of(label_of(line)) for key, line in nodes(view).items()}


def edges(view: visualize.GraphView) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for line in view.source.splitlines() if (m := EDGE.match(line))]


def attr(line: str, name: str) -> str | None:
    match = re.search(rf'\b{name}="?([^" \]]+)"?', line[line.index("label=<") + len(label_of(line)) :])
    return match.group(1) if match else None


def neuron() -> tuple[am.Tensor, ...]:
    """micrograd's neuron: o = tanh(x1 w1 + x2 w2 + b), all 0-d."""
    x1, x2 = am.tensor(2.0, requires_grad=True), am.tensor(0.0, requires_grad=True)
    w1, w2 = am.tensor(-3.0, requires_grad=True), am.tensor(1.0, requires_grad=True)
    b = am.tensor(6.8813735870195432, requires_grad=True)
    n = x1 * w1 + x2 * w2 + b
    return x1, x2, w1, w2, b, n, n.tanh()


def mlp(seed: int = 0) -> nn.Sequential:
    am.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))


def mlp_loss(model: nn.Module, seed: int = 0) -> am.Tensor:
    rng = np.random.default_rng(seed)
    x = am.tensor(rng.normal(size=(5, 3)).astype(np.float32))
    y = am.tensor(np.array([0, 1, 1, 0, 1]))
    return nn.functional.cross_entropy(model(x), y)


# ------------------------------------------------------------------------------------------------ structure


def test_scalar_neuron_counts_names_values_and_direction() -> None:
    x1, x2, w1, w2, b, n, o = neuron()
    view = visualize.draw_graph(o, show_values=True, names={"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "n": n})
    found = texts(view)
    ops = {k: v for k, v in found.items() if k.startswith("o")}
    assert sorted(v.splitlines()[0] for v in ops.values()) == sorted(
        ["TanhBackward0", "AddBackward0", "AddBackward0", "MulBackward0", "MulBackward0"]
    )
    leaves = {k: v for k, v in found.items() if k.startswith("t")}
    assert sorted(v.splitlines()[0] for v in leaves.values()) == ["b", "w1", "w2", "x1", "x2"]
    assert "data 2" in found[next(k for k, v in leaves.items() if v.startswith("x1"))]
    assert "scalar float32" in found["r0"] and "data 0.7071" in found["r0"]
    assert any("→ n: scalar float32" in v for v in ops.values())  # a named intermediate
    assert len(found) == 11  # 5 ops + 5 leaves + the output
    assert view.info["ops"] == 5 and view.info["leaves"] == 5 and view.info["drawn"] == 11
    pairs = edges(view)
    assert len(pairs) == view.info["edges"] == 10  # 4 into the muls, 1 for b, 2 adds chained, tanh, output
    # Data flows forward: leaves only start edges, the output only ends one.
    assert all(not dst.startswith("t") for _, dst in pairs) and [src for src, dst in pairs if dst == "r0"] == ["o0"]


def test_op_attributes_and_output_shapes_are_shown() -> None:
    x = am.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    y = x.reshape(3, 2).sum(dim=1, keepdim=True)
    found = texts(visualize.draw_graph(y))
    assert any("ViewBackward0" in v and "shape=(3, 2)" in v and "→ [3, 2] float32" in v for v in found.values())
    assert any("SumBackward1" in v and "keepdims=True" in v and "→ [3, 1] float32" in v for v in found.values())
    assert "[2, 3] float32" in found["t0"]


def test_custom_function_node_is_named_without_its_context() -> None:
    class Cube(am.Function):
        @staticmethod
        def forward(ctx: am.FunctionCtx, x: am.Tensor) -> am.Tensor:
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx: am.FunctionCtx, grad: am.Tensor) -> am.Tensor:
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x

    x = am.tensor([0.5, 2.0], requires_grad=True)
    view = visualize.draw_graph(Cube.apply(x).sum(), show_saved=True)
    cube = next(v for v in texts(view).values() if v.startswith("CubeBackward"))
    assert "ctx" not in cube and "layout" not in cube


def test_parameters_are_named_and_styled_apart_from_inputs_and_outputs() -> None:
    model = nn.Linear(3, 2)
    x = am.tensor(np.ones((4, 3), np.float32), requires_grad=True)
    out = model(x).sum()
    for params in (model, dict(model.named_parameters())):
        view = visualize.draw_graph(out, params=params, names={"x": x})
        lines = {text_of(label_of(line)).splitlines()[0]: line for line in nodes(view).values()}
        assert attr(lines["weight"], "fillcolor") == styles.KINDS["parameter"]["fill"]
        assert attr(lines["bias"], "fillcolor") == styles.KINDS["parameter"]["fill"]
        assert attr(lines["x"], "fillcolor") == styles.KINDS["input"]["fill"]
        assert attr(lines["output"], "fillcolor") == styles.KINDS["output"]["fill"]
        legend = next(line for line in view.source.splitlines() if line.lstrip().startswith("legend"))
        assert "parameter" in legend and "input (leaf)" in legend and "output" in legend


def test_grad_none_is_shown_apart_from_zero_gradients() -> None:
    a = am.tensor([1.0, 2.0], requires_grad=True)
    b = am.tensor(np.arange(12, dtype=np.float32), requires_grad=True)
    out = (a * 0).sum() + (b * 0).sum()
    before = nodes(visualize.draw_graph(out, names={"a": a, "b": b}))
    assert all("<i>grad None</i>" in line for key, line in before.items() if key.startswith("t"))
    out.backward()
    found = texts(visualize.draw_graph(out, names={"a": a, "b": b}))
    small = next(v for v in found.values() if v.startswith("a"))
    large = next(v for v in found.values() if v.startswith("b"))
    assert "grad [0, 0]" in small and "None" not in small
    assert "‖grad‖ 0 (all zeros)" in large and "None" not in large


def test_values_are_printed_for_small_tensors_and_summarised_for_large_ones() -> None:
    small = am.tensor([1.5, -2.0], requires_grad=True)
    large = am.tensor(np.arange(10, dtype=np.float32), requires_grad=True)
    found = texts(visualize.draw_graph((small.sum() + large.sum()), show_values=True, max_values=4))
    assert any("data [1.5, -2]" in v for v in found.values())
    assert any("data min 0, max 9" in v for v in found.values())
    assert not any("data" in v for v in texts(visualize.draw_graph(small.sum())).values())


def test_saved_tensors_are_drawn_until_backward_frees_them() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    view = visualize.draw_graph(y, show_saved=True)
    saved = {k: v for k, v in texts(view).items() if k.startswith("s")}
    assert saved and all(v.startswith("saved") for v in saved.values())
    assert any("result" in v for v in saved.values())  # exp saves its output
    dashed = [line for line in view.source.splitlines() if "->" in line and 'style="dashed"' in line]
    assert len(dashed) == len(saved)
    y.backward()
    assert not [k for k in nodes(visualize.draw_graph(y, show_saved=True)) if k.startswith("s")]


def test_intermediates_are_separate_tensor_nodes_micrograd_style() -> None:
    *_, n, o = neuron()
    view = visualize.draw_graph(o, show_values=True, show_intermediates=True, compute_grads=True, names={"n": n})
    found = texts(view)
    tensors = [k for k in found if k.startswith("v")]
    assert len(tensors) == 5  # one per op output; the root's is the output node
    assert any(v.startswith("n\nscalar float32\ndata 0.8814\ngrad 0.5") for v in found.values())
    assert "r0" not in found and sum(v.startswith("output") for v in found.values()) == 1
    assert ("o0", "v0") in edges(view)


def test_root_without_grad_and_leaf_root_are_drawn() -> None:
    constant = am.tensor([1.0, 2.0])
    view = visualize.draw_graph(constant, show_values=True)
    assert list(texts(view).values()) == ["output\n[2] float32\ndata [1, 2]\ngrad None"]
    leaf = am.tensor(3.0, requires_grad=True)
    assert list(nodes(visualize.draw_graph(leaf))) == ["t0"]


def test_rankdir_title_and_legend_switches() -> None:
    x = am.tensor(1.0, requires_grad=True)
    view = visualize.draw_graph(x * 2, rankdir="LR", title="step 1", legend=False)
    assert "rankdir=LR" in view.source and "<b>step 1</b>" in view.source and "legend" not in view.source


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"color_by": "value"}, ValueError),
        ({"rankdir": "UP"}, ValueError),
        ({"depth": -1}, ValueError),
        ({"max_nodes": 0}, ValueError),
    ],
)
def test_invalid_options_are_refused(kwargs: dict[str, object], error: type[Exception]) -> None:
    x = am.tensor(1.0, requires_grad=True)
    with pytest.raises(error):
        visualize.draw_graph(x * 2, **kwargs)  # type: ignore[arg-type]


def test_roots_must_be_tensors() -> None:
    with pytest.raises(ValueError, match="at least one"):
        visualize.draw_graph()
    with pytest.raises(TypeError, match="Tensors"):
        visualize.draw_graph([1.0])  # type: ignore[list-item]
    x = am.tensor(1.0, requires_grad=True)
    assert visualize.draw_graph([x * 2, x * 3]).info["ops"] == 2  # a list of roots


# ------------------------------------------------------------------------------------------------ escaping


@pytest.mark.parametrize(
    "name",
    ['say "hi"', "<lambda>", "a & b", "two\nlines", "back\\slash", "tab\tand \x01 control", "it's", "</b></font>"],
)
def test_names_are_escaped_in_labels(name: str) -> None:
    x = am.tensor(1.0, requires_grad=True)
    view = visualize.draw_graph(x * 2, names={name: x}, title=name)
    line = nodes(view)["t0"]
    label = label_of(line)
    if any(c in name for c in '<>&"'):
        assert name not in label  # markup characters are entities
    first = text_of(label).split("\nscalar float32")[0]
    expected = name.replace("\x01", "\\x01")
    assert first == expected
    assert line.count('"') % 2 == 0  # quotes inside the label never unbalance the DOT line


# ------------------------------------------------------------------------------------------------ gradients


def test_color_by_grad_norm_computes_gradients_and_leaves_dot_grad_alone() -> None:
    model = mlp()
    loss = mlp_loss(model)
    hidden = model[0].weight  # a Parameter
    view = visualize.draw_graph(loss, params=model, color_by="grad_norm")
    assert view.info["grads"] == "computed"
    assert all(p.grad is None for p in model.parameters())
    fills = {attr(line, "fillcolor") for line in nodes(view).values()}
    assert len(fills) > 3 and styles.NONE_COLOR not in fills
    weight = next(v for v in texts(view).values() if v.startswith("0.weight"))
    loss.backward()
    assert hidden.grad is not None
    expected = styles.fmt_norm(float(np.linalg.norm(hidden.grad.numpy())))
    assert f"‖grad‖ {expected}" in weight
    legend = next(line for line in view.source.splitlines() if line.lstrip().startswith("legend"))
    assert "gradient norm (log scale)" in legend and "exactly 0" in legend


def test_compute_grads_restores_retained_gradients() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    y = (h * h).sum()
    y.backward(retain_graph=True)
    assert h.grad is not None
    kept = h.grad.numpy().copy()
    visualize.draw_graph(y, compute_grads=True)
    np.testing.assert_array_equal(h.grad.numpy(), kept)
    assert x.grad is not None and np.allclose(x.grad.numpy(), 18 * x.detach().numpy())  # one backward's worth


def test_after_backward_colours_use_dot_grad_and_compute_is_refused() -> None:
    model = mlp()
    loss = mlp_loss(model)
    loss.backward()
    view = visualize.draw_graph(loss, params=model, color_by="grad_norm")
    assert view.info["grads"] == "attributes"
    lines = {text_of(label_of(line)).splitlines()[0]: line for line in nodes(view).values()}
    assert attr(lines["2.weight"], "fillcolor") != styles.NONE_COLOR
    assert attr(lines["ReluBackward0"], "fillcolor") == styles.NONE_COLOR  # intermediates: unknown
    with pytest.raises(RuntimeError, match="record_grads"):
        visualize.draw_graph(loss, compute_grads=True)


def test_retained_gradients_show_after_backward() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    y = (h * h).sum()
    y.backward()
    found = texts(visualize.draw_graph(y))
    assert any(v.startswith("MulBackward0\n→ [2] float32\n‖grad‖") for v in found.values())


def test_record_grads_during_the_users_backward_gives_every_node_and_the_order() -> None:
    x = am.tensor([1.0, -2.0], requires_grad=True)
    z = (x.exp() + x * 3).relu().sum()
    with visualize.record_grads(z) as record:
        z.backward()
    assert len(record.node_grads) == 5 and len(record.leaf_grads) == 1
    assert x.grad is not None and record.grad_of(x) is not None
    np.testing.assert_allclose(record.grad_of(x).numpy(), x.grad.numpy())  # type: ignore[union-attr]
    view = visualize.draw_graph(z, grads=record, show_order=True, color_by="grad_norm")
    assert view.info["grads"] == "given"
    titles = sorted(v.splitlines()[0] for k, v in texts(view).items() if k.startswith("o"))
    assert [t.split()[0] for t in titles] == ["#1", "#2", "#3", "#4", "#5"]
    assert "#1 SumBackward0" in titles
    values = texts(visualize.draw_graph(z, grads=record, show_values=True, show_intermediates=True))
    assert any(v.startswith("[2] float32\ndata [2.718, 0.1353]") for v in values.values())  # exp(x), kept
    # After the block the hooks are gone: another backward records nothing more.
    x.grad = None
    count = len(record.order)
    x2 = am.tensor([1.0], requires_grad=True)
    (x2 * 2).sum().backward()
    assert len(record.order) == count


def test_record_grads_needs_an_unfreed_graph() -> None:
    x = am.tensor([1.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="freed"), visualize.record_grads(y):
        pass


def test_grads_mapping_of_tensors_nodes_and_arrays() -> None:
    x = am.tensor([3.0, 4.0], requires_grad=True)
    h = x * 2
    y = h.sum()
    view = visualize.draw_graph(y, grads={x: np.array([3.0, 4.0]), h: am.tensor([1.0, 1.0])}, color_by="grad_norm")
    found = texts(view)
    assert "grad [3, 4]" in found["t0"]
    assert any(v.startswith("MulBackward0") and "‖grad‖ 1.41" in v for v in found.values())
    with pytest.raises(TypeError, match="keys"):
        visualize.draw_graph(y, grads={"x": np.ones(2)})


def test_vanishing_and_exploding_gradients_take_the_ends_of_the_scale() -> None:
    x = am.tensor([1.0], requires_grad=True)
    h = x
    for _ in range(6):
        h = h * 10.0
    view = visualize.draw_graph(h.sum(), color_by="grad_norm")
    fills = {text_of(label_of(line)).splitlines()[0]: attr(line, "fillcolor") for line in nodes(view).values()}
    assert fills[next(k for k in fills if k.startswith("[1]"))] == styles.SCALE[-1]  # x: gradient 1e6
    assert fills["SumBackward0"] == styles.SCALE[0]  # gradient 1 at the top
    pinned = visualize.draw_graph(h.sum(), color_by="grad_norm", grad_range=(1e-3, 1e9))
    assert styles.SCALE[-1] not in pinned.source.split("legend")[0]


def test_zero_and_nonfinite_gradients_have_their_own_colours() -> None:
    x = am.tensor([0.0, 1.0], requires_grad=True)
    y = (x.sqrt() * 0).sum() + (x * 0).sum()  # sqrt'(0) = inf, times 0 -> nan
    view = visualize.draw_graph(y, color_by="grad_norm")
    source = view.source.split("legend")[0]
    assert styles.NONFINITE_COLOR in source and styles.ZERO_COLOR in source


# ------------------------------------------------------------------------------------------------ modules


def cluster_labels(view: visualize.GraphView) -> list[str]:
    return [html.unescape(m.group(1)) for m in re.finditer(r"label=<([^<>]*)> labeljust", view.source)]


def test_trace_modules_groups_nodes_into_labelled_clusters() -> None:
    model = mlp()
    with visualize.trace_modules(model) as trace:
        loss = mlp_loss(model)
    assert isinstance(trace, ModuleTrace) and len(trace) >= 3
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())  # hooks removed
    view = visualize.draw_graph(loss, group_by=model)
    assert sorted(cluster_labels(view)) == ["0: Linear", "1: ReLU", "2: Linear", "Sequential"]
    assert view.source.count("subgraph cluster_") == 4
    relu = view.source.split("1: ReLU")[1].split("}")[0]
    assert len(re.findall(r"\bo\d+ \[label=", relu)) == 1  # the activation's one op
    first = view.source.split("0: Linear")[1].split("}")[0]
    assert "0.weight" in first and "0.bias" in first and "Backward" in first  # parameters named from the model
    outside = view.source.split("subgraph cluster_")[0]
    assert "NllLossBackward0" in outside  # the loss is not part of the model


def test_grouping_without_a_trace_is_inferred_from_parameters() -> None:
    model = mlp()
    loss = mlp_loss(model)
    view = visualize.draw_graph(loss, group_by=model)
    labels = cluster_labels(view)
    assert "0: Linear" in labels and "2: Linear" in labels and "Sequential" in labels
    linear = view.source.split("0: Linear")[1].split("}")[0]
    assert "0.weight" in linear and re.findall(r"(\w+Backward0)", linear)
    assert "NllLossBackward0" in view.source.split("subgraph cluster_")[0]


def test_depth_collapses_modules_into_boxes() -> None:
    model = mlp()
    with visualize.trace_modules(model):
        loss = mlp_loss(model)
    one = visualize.draw_graph(loss, group_by=model, depth=1, color_by="grad_norm")
    boxes = {k: v for k, v in texts(one).items() if k.startswith("m")}
    assert sorted(v.splitlines()[0] for v in boxes.values()) == ["0: Linear", "1: ReLU", "2: Linear"]
    linear = next(v for v in boxes.values() if v.startswith("0: Linear"))
    assert re.search(r"\n\d+ ops?\n", linear) and "weight [4, 3] float32" in linear and "bias [4] float32" in linear
    assert "‖grad params‖" in linear
    assert not [k for k in nodes(one) if k.startswith("t")]  # parameters live inside the boxes
    assert one.info["collapsed"] >= 7 and "depth=1" in one.info["collapsed_by"]
    box_edges = [(a, b) for a, b in edges(one) if a.startswith("m") and b.startswith("m")]
    assert len(box_edges) == 2  # Linear -> ReLU -> Linear
    zero = visualize.draw_graph(loss, group_by=model, depth=0)
    assert [v.splitlines()[0] for k, v in texts(zero).items() if k.startswith("m")] == ["Sequential"]
    two = visualize.draw_graph(loss, group_by=model, depth=2)
    assert not [k for k in nodes(two) if k.startswith("m")]  # nothing is that deep


def test_depth_without_modules_cuts_far_nodes_into_one_summary() -> None:
    x = am.tensor([1.0], requires_grad=True)
    h = x
    for _ in range(10):
        h = h * 2
    view = visualize.draw_graph(h.sum(), depth=3)
    ops = [k for k in nodes(view) if k.startswith("o")]
    assert len(ops) == 4 and "collapsed" in nodes(view)
    summary = texts(view)["collapsed"]
    assert "7 ops and 1 tensors not drawn" in summary and "depth=3" in summary
    assert ("collapsed", "o3") in edges(view)


def test_max_nodes_keeps_the_nearest_nodes_and_says_what_it_collapsed() -> None:
    x = am.tensor([1.0], requires_grad=True)
    h = x
    for _ in range(50):
        h = (h * 1.01).tanh()
    view = visualize.draw_graph(h.sum(), max_nodes=20)
    kept = [k for k in nodes(view) if k.startswith(("o", "t"))]
    assert len(kept) == 20 and view.info["collapsed"] == 101 + 1 - 20
    assert "max_nodes=20" in texts(view)["collapsed"] and view.info["collapsed_by"] == "max_nodes=20"
    assert "82 more nodes" in texts(view)["collapsed"]
    assert "o0" in kept and "o19" in kept and "o20" not in kept


def test_heavily_shared_leaf_is_drawn_next_to_each_user() -> None:
    w = am.tensor([0.5], requires_grad=True)
    h = am.tensor([1.0], requires_grad=True)
    for _ in range(8):
        h = h * w
    view = visualize.draw_graph(h.sum(), names={"w": w})
    copies = [v for k, v in texts(view).items() if k.startswith("t") and v.startswith("w")]
    assert len(copies) == 8 and all("(shared by 8 ops)" in v for v in copies)


# ------------------------------------------------------------------------------------------------ special graphs


def test_second_order_graph_of_a_create_graph_gradient() -> None:
    x = am.tensor(1.5, requires_grad=True)
    y = x.tanh() * x
    (g,) = am.grad(y, [x], create_graph=True)
    assert g is not None and g.grad_fn is not None
    forward = visualize.draw_graph(y).info["ops"]
    view = visualize.draw_graph(g, y, names={"dy/dx": g, "y": y, "x": x})
    assert view.info["ops"] > forward
    found = texts(view)
    assert [v.splitlines()[0] for k, v in found.items() if k.startswith("r")] == ["dy/dx", "y"]
    assert sum(v.startswith("x") for v in found.values()) == 1  # forward and backward graphs share x


def test_graph_with_in_place_update_still_draws() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.add_(1.0)
    view = visualize.draw_graph((h * h).sum(), color_by="grad_norm")
    assert view.info["ops"] == 4 and view.info["grads"] == "computed"


def test_a_graph_backward_would_refuse_draws_without_computed_gradients() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    h.add_(1.0)  # backward through y now raises: h was saved before this change
    view = visualize.draw_graph(y, color_by="grad_norm")
    assert view.info["grads"] == "attributes" and x.grad is None
    with pytest.raises(RuntimeError, match=r"in ?place"):
        visualize.draw_graph(y, compute_grads=True)


def test_a_graph_of_more_than_ten_thousand_nodes_builds_quickly_without_recursion() -> None:
    rng = np.random.default_rng(0)
    w = am.tensor(rng.normal(size=(4, 4)).astype(np.float32), requires_grad=True)
    b = am.tensor(np.zeros(4, np.float32), requires_grad=True)
    h = am.tensor(rng.normal(size=(2, 4)).astype(np.float32), requires_grad=True)
    for _ in range(3334):
        h = (h @ w + b).tanh()
    loss = h.sum()
    start = time.perf_counter()
    view = visualize.draw_graph(loss, max_nodes=None)
    seconds = time.perf_counter() - start
    assert view.info["ops"] == 10003 and view.info["drawn"] >= 10003 and view.info["collapsed"] == 0
    print(f"\nDOT source of a {view.info['ops']}-op graph: {seconds:.3f} s ({view.info['seconds']:.3f} s building)")
    capped = visualize.draw_graph(loss)  # the default max_nodes keeps the drawing renderable
    assert capped.info["collapsed_by"] == f"max_nodes={visualize.graph.DEFAULT_MAX_NODES}"


def test_a_hundred_thousand_op_chain_is_walked_iteratively() -> None:
    x = am.tensor([1.0], requires_grad=True)
    h = x
    for _ in range(100_000):
        h = h * 1.0
    view = visualize.draw_graph(h, max_nodes=10)
    assert view.info["ops"] == 100_000 and view.info["collapsed"] == 100_001 - 10

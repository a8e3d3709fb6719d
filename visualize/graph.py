"""``draw_graph`` and ``save_graph``: the computation graph behind some tensors, as a Graphviz drawing.

Nothing in the model or the engine changes to be drawn: the graph recorded by an ordinary forward pass is walked
from the given roots (iteratively, so graphs of any depth work), before or after ``backward``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import autograd_mini as am
from autograd_mini import Node, Tensor

from ._dot import build
from ._layout import Options, Resolved
from ._walk import GraphModel, collect
from .grads import GradRecord, compute_grads
from .modules import ModuleTrace, module_paths
from .render import GraphView

GradsArg = GradRecord | Mapping[Any, Any] | None
DEFAULT_MAX_NODES = 1000


def draw_graph(
    *roots: Tensor | Sequence[Tensor],
    params: Mapping[str, Tensor] | Any = None,
    show_values: bool = False,
    show_grads: bool = True,
    show_saved: bool = False,
    color_by: str | None = None,
    group_by: Any = None,
    depth: int | None = None,
    rankdir: str = "TB",
    max_nodes: int | None = DEFAULT_MAX_NODES,
    show_order: bool = False,
    show_intermediates: bool = False,
    names: Mapping[str, Tensor] | None = None,
    grads: GradsArg = None,
    compute_grads: bool | None = None,
    grad_range: tuple[float, float] | None = None,
    max_values: int = 6,
    legend: bool = True,
    title: str | None = None,
) -> GraphView:
    """Draw the graph that produced ``roots``; returns a :class:`GraphView` (a ``graphviz.Digraph``, shown inline in
    notebooks; ``.source`` is the DOT text, ``.save(path)`` renders it).

    Nodes: one per op (its ``grad_fn`` name such as ``MulBackward0``, its attributes, and the shape and dtype of its
    output when known), one per leaf that requires grad (inputs, and parameters named by ``params``), one per root
    (outputs).  Edges follow the data forward, from inputs to outputs.

    Args:
        roots: the output tensors (several may be given, e.g. a loss and a ``create_graph`` gradient of it).
        params: names for parameters: ``dict(model.named_parameters())`` or a module (anything with
            ``named_parameters()``); defaults to ``group_by``'s parameters.
        show_values: print the values of tensors with at most ``max_values`` elements (range otherwise).
        show_grads: print gradients: for tensors their values when small and their norm otherwise, with
            ``grad None`` (grey) set apart from a gradient of zeros; for ops the norm of their output's gradient.
        show_saved: draw the tensors each op saved for backward (before backward frees them).
        color_by: ``"grad_norm"`` colours nodes and edges by gradient norm on a log scale, with a legend.
        group_by: a module (or a :class:`~visualize.modules.ModuleTrace`): draw each submodule as a labelled
            cluster, using the latest ``trace_modules(model)`` trace of this graph or, without one, parameter use.
        depth: with ``group_by``, draw each module ``depth`` levels below the model as a single node (the model is
            level 0, so ``depth=0`` draws it as one box); without, draw only ops within ``depth`` edges of the roots.
        rankdir: Graphviz layout direction: ``"TB"`` (inputs at the top), ``"LR"``, ``"BT"`` or ``"RL"``.
        max_nodes: the most ops, leaves and module boxes drawn, nearest the roots first; the rest is summarised
            in one node saying how many were collapsed (also in ``view.info``).  None draws everything.  A leaf
            used by more than four drawn ops is drawn next to each of them (it counts once here), which keeps
            ``dot`` fast on deep graphs that reuse a weight.
        show_order: number the ops in the order backward runs them (recorded, or the engine's order).
        show_intermediates: draw each op's output as its own tensor node (micrograd's picture).
        names: extra names, ``{"h": h, ...}``, for any tensor of the graph (leaves, intermediates, outputs).
        grads: gradients to show and colour by: a :class:`~visualize.grads.GradRecord` from ``record_grads`` or a
            mapping from tensors or nodes to gradients.  Else gradients come from ``compute_grads`` and ``.grad``.
        compute_grads: run one backward pass (``retain_graph=True``, ``.grad`` left unchanged) to know the gradient
            reaching every node.  None (default): only for ``color_by="grad_norm"`` when no ``grads`` were given
            and the graph is not freed; otherwise the leaves' ``.grad`` (and ``retain_grad()`` tensors) are used.
        grad_range: fix the colour scale's (low, high) norms instead of the range found in the graph.
        max_values: how many elements a tensor may have for its values to be printed.
        legend: draw a legend of the node kinds and colours used.
        title: a title above the drawing.
    """
    tensors = _flatten_roots(roots)
    options = Options(
        show_values=show_values, show_grads=show_grads, show_saved=show_saved, show_order=show_order,
        show_intermediates=show_intermediates, color_by=color_by, depth=depth, max_nodes=max_nodes,
        rankdir=rankdir, max_values=max_values, legend=legend, title=title, grad_range=grad_range,
    )  # fmt: skip
    _check(options)
    known = [t for t in (names or {}).values() if isinstance(t, Tensor)]
    if isinstance(grads, GradRecord):
        known.extend(grads.outputs.values())
    graph = collect(tensors, known)
    if params is None and group_by is not None:
        params = group_by.model if isinstance(group_by, ModuleTrace) else group_by
    resolved = _resolve(graph, params, names, grads, compute_grads, color_by)
    if group_by is not None:
        resolved.node_paths, resolved.leaf_paths, resolved.classes = module_paths(group_by, graph)
    return build(resolved, options)


def save_graph(root: Tensor | Sequence[Tensor] | GraphView, path: str | Path, **kwargs: Any) -> Path:
    """Draw ``root`` (or save an existing drawing) to ``path``; the suffix picks the format: ``.svg``, ``.png``,
    ``.pdf`` (rendered by ``dot``) or ``.dot``/``.gv`` (the source, no binary needed).  ``kwargs`` go to
    :func:`draw_graph`.  Returns the path written.
    """
    view = root if isinstance(root, GraphView) else draw_graph(root, **kwargs)
    return view.save(path)


def _flatten_roots(roots: tuple[Any, ...]) -> list[Tensor]:
    tensors: list[Tensor] = []
    for item in roots:
        for tensor in [item] if isinstance(item, Tensor) else list(item):
            if not isinstance(tensor, Tensor):
                raise TypeError(f"draw_graph expects Tensors as roots, got {type(tensor).__name__}")
            tensors.append(tensor)
    if not tensors:
        raise ValueError("draw_graph needs at least one tensor to draw")
    return tensors


def _check(o: Options) -> None:
    if o.color_by not in (None, "grad_norm"):
        raise ValueError(f"color_by must be None or 'grad_norm', got {o.color_by!r}")
    if o.rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be one of 'TB', 'LR', 'BT', 'RL', got {o.rankdir!r}")
    if o.depth is not None and o.depth < 0:
        raise ValueError(f"depth must be a non-negative integer or None, got {o.depth}")
    if o.max_nodes is not None and o.max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive integer or None, got {o.max_nodes}")


def _resolve(
    graph: GraphModel,
    params: Any,
    names: Mapping[str, Tensor] | None,
    grads: GradsArg,
    compute: bool | None,
    color_by: str | None,
) -> Resolved:
    """Names, gradients and the backward order of every node and leaf."""
    param_names: dict[int, str] = {}
    if params is not None:
        pairs = params.named_parameters() if hasattr(params, "named_parameters") else params.items()
        param_names = {id(t): name for name, t in pairs}
    extra = {id(t.grad_fn) if t.grad_fn is not None else id(t): name for name, t in (names or {}).items()}
    leaf_names = [extra.get(id(t), param_names.get(id(t))) for t in graph.leaves]
    record = _as_record(grads)
    source = "given" if record is not None else "attributes"
    wants = compute if compute is not None else (color_by == "grad_norm" and record is None and not graph.released)
    if wants:
        if graph.released:
            raise RuntimeError(
                "compute_grads=True needs the graph before backward frees it: draw before backward, call backward "
                "with retain_graph=True, or record the gradients with visualize.record_grads"
            )
        try:
            record, source = compute_grads(graph), "computed"
        except RuntimeError:
            if compute:  # asked for explicitly
                raise
            # Opportunistic (color_by without grads): a graph whose outputs cannot all be reached, e.g. after
            # in-place changes, is drawn with the gradients that .grad holds.
    node_grads = [record.grad_of(n) if record is not None else None for n in graph.nodes]
    for i, info in enumerate(graph.outputs):
        if node_grads[i] is None and info.tensor is not None and info.tensor.grad is not None:
            node_grads[i] = info.tensor.grad  # a retain_grad() tensor
    leaf_grads = [(record.grad_of(t) if record is not None else None) for t in graph.leaves]
    leaf_grads = [g if g is not None else t.grad for g, t in zip(leaf_grads, graph.leaves)]
    if record is not None and record.order:
        position = {key: k + 1 for k, key in enumerate(record.order)}
        order: list[int | None] = [position.get(id(n)) for n in graph.nodes]
    else:
        order = list(range(1, len(graph.nodes) + 1))
    return Resolved(
        graph=graph,
        leaf_names=leaf_names,
        is_param=[id(t) in param_names for t in graph.leaves],
        node_names=[extra.get(id(n)) for n in graph.nodes],
        node_grads=node_grads,
        leaf_grads=leaf_grads,
        order=order,
        grads_source=source,
    )


def _as_record(grads: GradsArg) -> GradRecord | None:
    """A GradRecord from a record, or from a mapping of tensors or nodes to gradients (Tensors or arrays)."""
    if grads is None or isinstance(grads, GradRecord):
        return grads
    record = GradRecord()
    for key, value in grads.items():
        grad = value if isinstance(value, Tensor) or value is None else am.as_tensor(value)
        if grad is None:
            continue
        if isinstance(key, Node):
            record.node_grads[id(key)] = grad
        elif isinstance(key, Tensor) and key.grad_fn is not None:
            record.node_grads[id(key.grad_fn)] = grad
        elif isinstance(key, Tensor):
            record.leaf_grads[id(key)] = grad
        else:
            raise TypeError(f"grads keys must be Tensors or graph nodes, got {type(key).__name__}")
        record._alive[id(key)] = key
    return record

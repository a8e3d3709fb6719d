"""Placement: which drawn node each graph node becomes, itself, a collapsed module box, or the one summary node
of what ``depth`` or ``max_nodes`` left out; plus the option and fact records shared by the drawing code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autograd_mini import Tensor

from ._walk import GraphModel

CUT = "collapsed"


@dataclass
class Options:
    """The drawing switches of :func:`visualize.draw_graph`."""

    show_values: bool = False
    show_grads: bool = True
    show_saved: bool = False
    show_order: bool = False
    show_intermediates: bool = False
    color_by: str | None = None
    depth: int | None = None
    max_nodes: int | None = None
    rankdir: str = "TB"
    max_values: int = 6
    legend: bool = True
    title: str | None = None
    grad_range: tuple[float, float] | None = None


@dataclass(eq=False)
class Resolved:
    """Per-node and per-leaf facts gathered by :func:`visualize.draw_graph` before drawing."""

    graph: GraphModel
    leaf_names: list[str | None]
    is_param: list[bool]
    node_names: list[str | None]
    node_grads: list[Tensor | None]
    leaf_grads: list[Tensor | None]
    order: list[int | None]
    node_paths: list[str | None] | None = None
    leaf_paths: list[str | None] | None = None
    classes: dict[str, str] = field(default_factory=dict)
    grads_source: str = "none"


def level(path: str) -> int:
    return 0 if path == "" else path.count(".") + 1


def parent(path: str) -> str | None:
    return None if path == "" else path.rpartition(".")[0]


@dataclass
class Placement:
    """Drawn ids per node (``o{i}``) and leaf (``t{j}``), module boxes (``m{k}``) or ``CUT``, and why nodes were cut."""

    node_ids: list[str]
    leaf_ids: list[str]
    boxes: dict[str, str] = field(default_factory=dict)  # module path -> drawn id
    cut_reason: str | None = None

    def cut_count(self) -> int:
        return sum(d == CUT for d in self.node_ids) + sum(d == CUT for d in self.leaf_ids)


def place(r: Resolved, o: Options) -> Placement:
    """Collapse modules deeper than ``depth`` into boxes (with module paths), or cut ops farther than ``depth`` from
    the roots (without); then keep at most ``max_nodes`` drawn nodes, nearest the roots first."""
    g = r.graph
    p = Placement([f"o{i}" for i in range(len(g.nodes))], [f"t{j}" for j in range(len(g.leaves))])
    if o.depth is not None and r.node_paths is not None and r.leaf_paths is not None:
        for ids, paths in ((p.node_ids, r.node_paths), (p.leaf_ids, r.leaf_paths)):
            for k, path in enumerate(paths):
                if path is not None and level(path) >= o.depth:
                    box = ".".join(path.split(".")[: o.depth]) if o.depth else ""
                    ids[k] = p.boxes.setdefault(box, f"m{len(p.boxes)}")
    node_dist, leaf_dist = g.distances()
    if o.depth is not None and r.node_paths is None:
        _cut(
            p, {i for i, d in enumerate(node_dist) if d > o.depth}, {j for j, d in enumerate(leaf_dist) if d > o.depth}
        )
        p.cut_reason = f"depth={o.depth}" if p.cut_count() else None
    if o.max_nodes is not None:
        ranked = sorted([(d, 0, i) for i, d in enumerate(node_dist)] + [(d, 1, j) for j, d in enumerate(leaf_dist)])
        kept: set[str] = set()
        for _, kind, k in ranked:
            drawn = (p.node_ids if kind == 0 else p.leaf_ids)[k]
            if drawn != CUT and drawn not in kept and len(kept) < o.max_nodes:
                kept.add(drawn)
        before = p.cut_count()
        _cut(
            p,
            {i for i, d in enumerate(p.node_ids) if d not in kept},
            {j for j, d in enumerate(p.leaf_ids) if d not in kept},
        )
        if p.cut_count() > before:
            reason = f"max_nodes={o.max_nodes}"
            p.cut_reason = reason if p.cut_reason is None else f"{p.cut_reason}, {reason}"
    return p


def _cut(p: Placement, nodes: set[int], leaves: set[int]) -> None:
    for i in nodes:
        p.node_ids[i] = CUT
    for j in leaves:
        p.leaf_ids[j] = CUT

"""Turn a collected graph plus resolved names, gradients and module paths into a :class:`GraphView` (DOT source):
clusters per module, nodes with HTML-like labels, deduplicated edges, a legend.  Placement is in ``_layout``.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import graphviz

from autograd_mini import Tensor

from . import styles as st
from ._layout import CUT, Options, Resolved, level, parent, place
from .grads import combined_norm, grad_norm
from .render import GraphView

SHARED_SPLIT = 4  # a leaf used by more drawn nodes than this is drawn next to each of them


class _Builder:
    def __init__(self, r: Resolved, o: Options) -> None:
        self.r, self.o, self.g = r, o, r.graph
        self.node_norms = [grad_norm(x) for x in r.node_grads]
        self.leaf_norms = [grad_norm(x) for x in r.leaf_grads]
        known = [n for n in self.node_norms + self.leaf_norms if n is not None]
        self.scale = st.GradScale(known, o.grad_range) if o.color_by else None
        placement = place(r, o)
        self.node_ids, self.leaf_ids = placement.node_ids, placement.leaf_ids
        self.boxes, self.cut_reason = placement.boxes, placement.cut_reason
        self.kinds: set[str] = set()
        self.clusters: dict[str, graphviz.Digraph] = {}
        self.attr_cache: dict[tuple[Any, ...], str] = {}
        self.drawn = self.edges = 0
        self.split: dict[int, list[str]] = {}  # leaves drawn once per user
        self.view = GraphView(
            name="autograd_graph",
            graph_attr={"rankdir": o.rankdir, "fontname": st.FONT, "nodesep": "0.3", "ranksep": "0.35"},
            node_attr={"fontname": st.FONT, "fontsize": "11", "margin": "0.12,0.05"},
            edge_attr={"arrowsize": "0.7", "color": "#555555"},
        )
        if o.title:
            self.view.attr(label=st.html_label([st.bold(st.esc(o.title))]), labelloc="t")

    # ------------------------------------------------------------------------------------------ emission
    def target(self, path: str | None) -> graphviz.Digraph:
        if path is None or self.r.node_paths is None:
            return self.view
        chain = [path]
        while (up := parent(chain[-1])) is not None:
            chain.append(up)
        for p in chain:  # the module's cluster and those of its ancestors
            if p not in self.clusters:
                title = self.r.classes.get(p, "model") if p == "" else f"{p}: {self.r.classes.get(p, '?')}"
                self.clusters[p] = graphviz.Digraph(
                    name=f"cluster_{len(self.clusters)}",
                    graph_attr={
                        "label": st.html_label([st.esc(title)]),
                        "style": "rounded,dashed",
                        "color": st.KINDS["module"]["border"],
                        "fontcolor": st.KINDS["module"]["border"],
                        "labeljust": "l",
                    },
                )
        return self.clusters[path]

    def node(
        self, target: graphviz.Digraph, node_id: str, lines: list[str], kind: str, norm: float | None, **extra: str
    ) -> None:
        fill = self.scale.colour(norm) if self.scale is not None else None
        # Written as the line Digraph.node would write: ids are ours, labels are escaped HTML and the other values
        # are fixed names and colours, so the general quoting (two thirds of the time on large graphs) is skipped.
        target.body.append(f"\t{node_id} [label={st.html_label(lines)} {self._attrs(kind, fill, extra)}]\n")
        self.kinds.add(kind)
        self.drawn += 1

    def _attrs(self, kind: str, fill: str | None, extra: dict[str, str]) -> str:
        key = (kind, fill, *extra.items())
        text = self.attr_cache.get(key)
        if text is None:
            attrs = {**st.node_attrs(kind, fill), **extra}
            text = self.attr_cache[key] = " ".join(f'{k}="{v}"' for k, v in sorted(attrs.items()))
        return text

    def tensor_lines(self, title: str | None, tensor_like: Any, grad: Tensor | None, norm: float | None) -> list[str]:
        o = self.o
        lines = [st.bold(st.esc(title))] if title else []
        shape, dtype, data = tensor_like
        if shape is not None:
            lines.append(st.esc(st.fmt_shape(shape, dtype)))
        if o.show_values and data is not None:
            lines.append(st.esc("data " + st.fmt_array(data, o.max_values)))
        if o.show_grads:
            if grad is None:
                lines.append(st.muted("grad None"))
            elif grad.data.size <= o.max_values:
                lines.append(st.esc("grad " + st.fmt_array(grad.data, o.max_values)))
            elif norm is not None:
                zeros = " (all zeros)" if norm == 0 else ""
                lines.append(st.esc(f"‖grad‖ {st.fmt_norm(norm)}{zeros}"))
        return lines or [st.muted("tensor")]

    def op_lines(self, i: int) -> list[str]:
        node, o, r = self.g.nodes[i], self.o, self.r
        title = node.name()
        if o.show_order and r.order[i] is not None:
            title = f"#{r.order[i]} {title}"
        lines = [st.bold(st.esc(title))]
        attrs = [] if "ctx" in node.attrs else [f"{k}={st.fmt_attr(v)}" for k, v in node.attrs.items()]
        lines += [st.esc(", ".join(attrs[start : start + 2])) for start in range(0, len(attrs), 2)]  # two a line
        if not o.show_intermediates:
            shape, dtype, _ = self.output_facts(i)
            name = f"{r.node_names[i]}: " if r.node_names[i] else ""
            if shape is not None:
                lines.append(st.esc(f"→ {name}{st.fmt_shape(shape, dtype)}"))
            elif name:
                lines.append(st.esc(f"→ {name[:-2]}"))
            norm = self.node_norms[i]
            if norm is not None and (o.show_grads or o.color_by):
                lines.append(st.esc(f"‖grad‖ {st.fmt_norm(norm)}"))
        return lines

    def output_facts(self, i: int) -> tuple[Any, Any, Any]:
        """Shape, dtype and values of node ``i``'s output; after backward freed the graph, a gradient still tells
        the shape and dtype (it has the output's)."""
        info, grad = self.g.outputs[i], self.r.node_grads[i]
        data = info.tensor.data if info.tensor is not None else info.array
        if info.shape is None and grad is not None:
            return grad.shape, grad.dtype, None
        return info.shape, info.dtype, data

    def emit(self) -> GraphView:
        g, r, o = self.g, self.r, self.o
        root_nodes = {id(t.grad_fn) for t in g.roots if t.grad_fn is not None}
        source = ["o"] * len(g.nodes)  # edges leave an op, or its intermediate tensor node ('v')
        for i, node in enumerate(g.nodes):
            if self.node_ids[i] != f"o{i}":
                continue
            path = r.node_paths[i] if r.node_paths is not None else None
            target = self.target(path)
            plain = o.show_intermediates
            self.node(target, f"o{i}", self.op_lines(i), "op", None if plain else self.node_norms[i])
            if plain:
                kind = "output" if id(node) in root_nodes else "intermediate"
                title = r.node_names[i] or ("output" if kind == "output" else None)
                lines = self.tensor_lines(title, self.output_facts(i), r.node_grads[i], self.node_norms[i])
                self.node(target, f"v{i}", lines, kind, self.node_norms[i])
                self.edge(f"o{i}", f"v{i}")
                source[i] = "v"
            if o.show_saved:
                self.saved(target, i)
        for j, leaf in enumerate(g.leaves):
            if self.leaf_ids[j] == f"t{j}":
                path = r.leaf_paths[j] if r.leaf_paths is not None else None
                kind = "parameter" if r.is_param[j] else "input"
                facts = (leaf.shape, leaf.dtype, leaf.data)
                lines = self.tensor_lines(r.leaf_names[j], facts, r.leaf_grads[j], self.leaf_norms[j])
                users = sorted({self.node_ids[c] for c, _ in g.leaf_consumers[j]})
                if len(users) <= SHARED_SPLIT:
                    self.node(self.target(path), f"t{j}", lines, kind, self.leaf_norms[j])
                    continue
                # One copy per user: a single node with edges to ops all over a deep graph (a weight shared by
                # every step of an unrolled loop) makes dot's layout take minutes.
                lines.insert(1 if r.leaf_names[j] else 0, st.esc(f"(shared by {len(users)} ops)"))
                self.split[j] = users
                for user in users:
                    self.node(self.target(path), f"t{j}_{user}", lines, kind, self.leaf_norms[j])
        self.emit_boxes()
        self.emit_roots(source)
        self.emit_edges(source)
        for path in sorted(self.clusters, key=level, reverse=True):
            up = parent(path)
            (self.view if up is None else self.clusters[up]).subgraph(self.clusters[path])
        if o.legend and (len(self.kinds) > 1 or self.scale is not None or self.cut_reason):
            order = [k for k in st.KINDS if k in self.kinds]
            notes = ["#n: the order in which backward runs the nodes"] if o.show_order else []
            self.view.node("legend", label=st.legend_label(order, self.scale, notes), shape="plaintext")
        self.view.info = {
            "ops": len(g.nodes),
            "leaves": len(g.leaves),
            "drawn": self.drawn,
            "edges": self.edges,
            "collapsed": sum(d == CUT or d.startswith("m") for d in self.node_ids + self.leaf_ids),
            "collapsed_by": ", ".join(
                reason for reason in (f"depth={o.depth} (modules)" if self.boxes else None, self.cut_reason) if reason
            )
            or None,
            "grads": r.grads_source,
        }
        return self.view

    def saved(self, target: graphviz.Digraph, i: int) -> None:
        node = self.g.nodes[i]
        if node.inputs is None or "ctx" in node.attrs:
            return
        saves = node.op.saves
        wanted: list[tuple[str, Any]] = [
            (f"input {s}", node.inputs[s].data) for s in (range(len(node.inputs)) if saves is None else saves)
        ]
        if node.out_data is not None:
            wanted.append(("result", node.out_data))
        for k, (what, array) in enumerate(wanted):
            lines = [st.bold("saved"), st.esc(what), st.esc(st.fmt_shape(array.shape, array.dtype))]
            if self.o.show_values:
                lines.append(st.esc(st.fmt_array(array, self.o.max_values)))
            self.node(target, f"s{i}_{k}", lines, "saved", None, fontsize="9")
            self.edge(f"s{i}_{k}", f"o{i}", style="dashed", color=st.KINDS["saved"]["border"])

    def emit_boxes(self) -> None:
        r = self.r
        for path, box in self.boxes.items():
            members = [i for i, d in enumerate(self.node_ids) if d == box]
            params = [j for j, d in enumerate(self.leaf_ids) if d == box]
            title = r.classes.get(path, "model") if path == "" else f"{path}: {r.classes.get(path, '?')}"
            lines = [st.bold(st.esc(title)), st.esc(f"{len(members)} op{'s' if len(members) != 1 else ''}")]
            for j in params:
                name = (r.leaf_names[j] or "")[len(path) + 1 if path else 0 :]
                lines.append(st.esc(f"{name} {st.fmt_shape(self.g.leaves[j].shape, self.g.leaves[j].dtype)}"))
            norm = combined_norm([self.leaf_norms[j] for j in params])
            if norm is None:
                norm = max((n for i in members if (n := self.node_norms[i]) is not None), default=None)
            if norm is not None and (self.o.show_grads or self.o.color_by):
                lines.append(st.esc(f"‖grad{' params' if params else ''}‖ {st.fmt_norm(norm)}"))
            self.node(self.target(parent(path)), box, lines, "module", norm)
        if self.cut_reason is not None:
            ops = sum(d == CUT for d in self.node_ids)
            leaves = sum(d == CUT for d in self.leaf_ids)
            lines = [
                st.bold(st.esc(f"⋯ {ops + leaves:,} more nodes")),
                st.esc(f"{ops:,} ops and {leaves:,} tensors not drawn"),
                st.esc(f"({self.cut_reason})"),
            ]
            self.node(self.view, CUT, lines, "collapsed", None)

    def emit_roots(self, source: list[str]) -> None:
        g, r = self.g, self.r
        seen: set[int] = set()
        many = len(g.roots) > 1
        for k, root in enumerate(g.roots):
            if id(root) in seen or (root.grad_fn is None and root.requires_grad):
                continue
            seen.add(id(root))
            if root.grad_fn is None:
                title = f"output {k}" if many else "output"
                self.node(
                    self.view,
                    f"r{k}",
                    self.tensor_lines(title, (root.shape, root.dtype, root.data), None, None),
                    "output",
                    None,
                )
                continue
            i = g.node_index[id(root.grad_fn)]
            if source[i] == "v":
                continue
            title = r.node_names[i] or (f"output {k}" if many else "output")
            lines = self.tensor_lines(title, (root.shape, root.dtype, root.data), r.node_grads[i], self.node_norms[i])
            self.node(self.view, f"r{k}", lines, "output", self.node_norms[i])
            self.edge(self.node_ids[i] if source[i] == "o" else f"v{i}", f"r{k}")

    def emit_edges(self, source: list[str]) -> None:
        done: set[tuple[str, str]] = set()
        for kind, p, c, _ in self.g.edges():
            if kind == "op":
                src, norm = self.node_ids[p], self.node_norms[p]
                if src == f"o{p}" and source[p] == "v":
                    src = f"v{p}"
            else:
                src, norm = self.leaf_ids[p], self.leaf_norms[p]
            dst = self.node_ids[c]
            if kind == "leaf" and p in self.split:
                src = f"t{p}_{dst}"
            if src == dst or (src, dst) in done:
                continue
            done.add((src, dst))
            if self.scale is not None and not (src.startswith("m") or src == CUT):
                colour = _darken(self.scale.colour(norm)) if norm is not None else "#bbbbbb"
                self.edge(src, dst, color=colour, penwidth="1.8")
            else:
                self.edge(src, dst)

    def edge(self, src: str, dst: str, **attrs: str) -> None:
        text = " [" + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + "]" if attrs else ""
        self.view.body.append(f"\t{src} -> {dst}{text}\n")
        self.edges += 1


@functools.lru_cache(maxsize=1024)
def _darken(colour: str, factor: float = 0.72) -> str:
    return "#" + "".join(f"{round(int(colour[k : k + 2], 16) * factor):02x}" for k in (1, 3, 5))


def build(resolved: Resolved, options: Options) -> GraphView:
    """The GraphView for ``resolved`` drawn with ``options``; ``info['seconds']`` is the time spent here."""
    start = time.perf_counter()
    view = _Builder(resolved, options).emit()
    view.info["seconds"] = time.perf_counter() - start
    return view

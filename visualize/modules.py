"""Which submodule produced which graph node: recorded by forward hooks, or inferred from the parameters.

Nodes know nothing of modules, so grouping needs one of two sources:

- a trace (exact)::

      with visualize.trace_modules(model):
          loss = loss_fn(model(x), y)
      visualize.draw_graph(loss, group_by=model)

  Hooks registered from outside (no change to the model's code) mark, when each module returns, the nodes between
  its inputs and its outputs; a submodule's nodes keep the innermost module's name.
- without a trace, ``group_by=model`` infers the grouping: a node that uses a module's parameters belongs to that
  module, and so does a node between two nodes of the same module (the matmul between ``weight.T`` and ``+ bias``).
  Parameter-free modules (activations, pooling) are then grouped only when they lie inside a larger module.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from typing import Any

from autograd_mini import Node, Tensor

from ._walk import GraphModel


class ModuleTrace:
    """Node-to-module assignments recorded while ``trace_modules(model)`` was active (nodes are held weakly)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.paths: weakref.WeakKeyDictionary[Node, str] = weakref.WeakKeyDictionary()
        self.classes: dict[str, str] = {path: type(m).__name__ for path, m in model.named_modules()}

    def path_of(self, node: Node) -> str | None:
        """The dotted name of the innermost module that produced ``node`` ('' for the model itself), or None."""
        return self.paths.get(node)

    def __len__(self) -> int:
        return len(self.paths)


_LATEST: weakref.WeakKeyDictionary[Any, ModuleTrace] = weakref.WeakKeyDictionary()


def latest_trace(model: Any) -> ModuleTrace | None:
    """The most recent trace taken of ``model``, if any."""
    try:
        return _LATEST.get(model)
    except TypeError:  # a model that cannot be weakly referenced is never traced
        return None


@contextlib.contextmanager
def trace_modules(model: Any) -> Iterator[ModuleTrace]:
    """Record which of ``model``'s submodules creates each graph node during the forward passes run in the block.

    Uses ``register_forward_pre_hook``/``register_forward_hook`` on every module of ``model.named_modules()``;
    the hooks are removed on exit.  ``draw_graph(..., group_by=model)`` then uses this trace.
    """
    record = ModuleTrace(model)
    names = {id(m): path for path, m in model.named_modules()}
    frames: dict[int, list[set[int]]] = {}

    def before(module: Any, args: Any) -> None:
        boundary = {id(t.grad_fn) for t in _tensors(args) if t.grad_fn is not None}
        frames.setdefault(id(module), []).append(boundary)

    def after(module: Any, args: Any, output: Any) -> None:
        stack = frames.get(id(module))
        boundary = stack.pop() if stack else set()
        _claim(record, names[id(module)], [t.grad_fn for t in _tensors(output) if t.grad_fn is not None], boundary)

    handles = []
    for _, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(before))
        handles.append(module.register_forward_hook(after))
    try:
        yield record
    finally:
        for handle in handles:
            handle.remove()
        _LATEST[model] = record


def _tensors(obj: Any) -> list[Tensor]:
    """Tensors inside nested tuples, lists and dicts (iteratively)."""
    found: list[Tensor] = []
    todo = [obj]
    while todo:
        item = todo.pop()
        if isinstance(item, Tensor):
            found.append(item)
        elif isinstance(item, (tuple, list)):
            todo.extend(item)
        elif isinstance(item, dict):
            todo.extend(item.values())
    return found


def _inside(path: str, ancestor: str) -> bool:
    """True when module ``path`` is strictly inside module ``ancestor``."""
    return path != ancestor and (ancestor == "" or path.startswith(ancestor + "."))


def _claim(record: ModuleTrace, path: str, starts: list[Node], boundary: set[int]) -> None:
    """Give ``path`` every unclaimed node between the module's outputs and its inputs.

    The walk goes through nodes of the module's own submodules and stops at its inputs, at leaves, and at nodes
    owned by any other module (earlier calls of this module included).
    """
    seen: set[int] = set()
    todo = list(starts)
    while todo:
        node = todo.pop()
        if id(node) in seen or id(node) in boundary:
            continue
        seen.add(id(node))
        owner = record.paths.get(node)
        if owner is None:
            record.paths[node] = path
        elif not _inside(owner, path):
            continue
        todo.extend(edge for edge in node.next if isinstance(edge, Node))


def _common(a: str, b: str) -> str:
    """The innermost module containing both dotted paths ('' for the model itself)."""
    shared = []
    for x, y in zip(a.split("."), b.split(".")):
        if x != y:
            break
        shared.append(x)
    return ".".join(shared)


def module_paths(model: Any, graph: GraphModel) -> tuple[list[str | None], list[str | None], dict[str, str]]:
    """Module paths of every node and leaf of ``graph`` (None: outside the model), and each path's class name.

    Uses ``model``'s latest trace when it covers this graph (or ``model`` itself when it is a ModuleTrace),
    and infers the paths from parameters otherwise.
    """
    trace = model if isinstance(model, ModuleTrace) else latest_trace(model)
    module = trace.model if trace is not None else model
    classes = trace.classes if trace is not None else {p: type(m).__name__ for p, m in module.named_modules()}
    owners = {id(p): name.rpartition(".")[0] for name, p in module.named_parameters()}
    leaf_paths = [owners.get(id(leaf)) for leaf in graph.leaves]
    if trace is not None and any(node in trace.paths for node in graph.nodes):
        return [trace.paths.get(node) for node in graph.nodes], leaf_paths, classes
    return _infer(graph, owners), leaf_paths, classes


def _infer(graph: GraphModel, owners: dict[int, str]) -> list[str | None]:
    """Nodes using a module's parameters belong to it; so does a node with a producer and a consumer in one module."""
    paths: list[str | None] = [None] * len(graph.nodes)
    todo: list[int] = []
    for index, node in enumerate(graph.nodes):
        owned = [owners[id(e)] for e in node.next if isinstance(e, Tensor) and id(e) in owners]
        if owned:
            common = owned[0]
            for other in owned[1:]:
                common = _common(common, other)
            paths[index] = common
    _bridge_chains(graph, paths)
    todo = [n for i, p in enumerate(paths) if p is not None for n in _neighbours(graph, i)]
    while todo:
        index = todo.pop()
        if paths[index] is not None:
            continue
        node = graph.nodes[index]
        before = {owners[id(e)] for e in node.next if isinstance(e, Tensor) and id(e) in owners}
        before.update(p for e in node.next if isinstance(e, Node) and (p := paths[graph.node_index[id(e)]]) is not None)
        after = {p for c, _ in graph.consumers[index] if (p := paths[c]) is not None}
        if before and after:
            paths[index] = max((_common(a, b) for a in before for b in after), key=lambda p: (p != "", p.count(".")))
            todo.extend(_neighbours(graph, index))
    return paths


def _bridge_chains(graph: GraphModel, paths: list[str | None], longest: int = 6) -> None:
    """A short chain of single-consumer nodes from one module's node to another's belongs to the innermost module
    holding both: conv2d's weight reshape -> transpose -> matmul -> + bias, or the activation between two layers."""
    for start, path in enumerate(list(paths)):
        if path is None:
            continue
        for consumer, _ in graph.consumers[start]:
            chain: list[int] = []
            while paths[consumer] is None and len(chain) < longest and len(graph.consumers[consumer]) == 1:
                chain.append(consumer)
                consumer = graph.consumers[consumer][0][0]
            end = paths[consumer]
            if chain and end is not None:
                for index in chain:
                    paths[index] = _common(path, end)


def _neighbours(graph: GraphModel, index: int) -> list[int]:
    producers = [graph.node_index[id(e)] for e in graph.nodes[index].next if isinstance(e, Node)]
    return producers + [c for c, _ in graph.consumers[index]]

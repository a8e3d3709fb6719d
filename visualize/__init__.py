"""visualize: computation graphs drawn with Graphviz, and matplotlib plots of training.

>>> import autograd_mini as am, visualize
>>> x = am.tensor(2.0, requires_grad=True)
>>> view = visualize.draw_graph((x * x).tanh(), show_values=True)   # a graphviz.Digraph, inline in notebooks
>>> view.save("graph.svg")                                           # doctest: +SKIP

Graph drawing needs the ``graphviz`` Python package; rendering to SVG/PNG/PDF needs Graphviz's ``dot`` binary.
The plots (``visualize.plots``) need matplotlib (the ``plot`` extra) and are imported on first use.
``autograd_mini`` never imports this package.
"""

from __future__ import annotations

from typing import Any

from .grads import GradRecord, record_grads
from .graph import draw_graph, save_graph
from .modules import ModuleTrace, trace_modules
from .render import DotNotFoundError, GraphView, dot_available

_PLOTS = (
    "plot_activations",
    "plot_training",
    "plot_decision_regions",
    "plot_fit",
    "plot_grad_flow",
    "plot_loss_landscape",
)

__all__ = [
    "DotNotFoundError",
    "GradRecord",
    "GraphView",
    "ModuleTrace",
    "dot_available",
    "draw_graph",
    "record_grads",
    "save_graph",
    "trace_modules",
    *_PLOTS,
]


def __getattr__(name: str) -> Any:
    """The plot functions, imported from ``visualize.plots`` (and so matplotlib) only when first asked for."""
    if name in _PLOTS:
        from . import plots

        return getattr(plots, name)
    raise AttributeError(f"module 'visualize' has no attribute {name!r}")

"""Rendering with Graphviz's ``dot`` binary: the :class:`GraphView` that notebooks display, and file output.

The ``graphviz`` Python package builds DOT source on its own; turning it into SVG, PNG or PDF runs the ``dot``
executable (as a subprocess with an argument list, never through a shell).  When ``dot`` is missing every rendering
path raises :class:`DotNotFoundError`, which says how to install it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import graphviz

INSTALL_HINT = (
    "Graphviz's `dot` binary was not found on PATH. The `graphviz` Python package only writes DOT source; rendering "
    "to SVG, PNG or PDF runs `dot`. Install Graphviz: `sudo apt-get install graphviz` (Debian/Ubuntu), "
    "`brew install graphviz` (macOS) or `conda install -c conda-forge graphviz`. Saving to a .dot or .gv file needs "
    "no binary."
)

SOURCE_SUFFIXES = ("dot", "gv")


class DotNotFoundError(graphviz.ExecutableNotFound):
    """Graphviz's ``dot`` executable is not installed (a ``graphviz.ExecutableNotFound`` with installation advice)."""

    def __init__(self, detail: str = "") -> None:
        RuntimeError.__init__(self, INSTALL_HINT + (f" ({detail})" if detail else ""))


def dot_available() -> bool:
    """True when the ``dot`` executable is on PATH."""
    return shutil.which("dot") is not None


def require_dot() -> None:
    """Raise :class:`DotNotFoundError` unless ``dot`` is on PATH."""
    if not dot_available():
        raise DotNotFoundError()


class GraphView(graphviz.Digraph):
    """A ``graphviz.Digraph`` of a computation graph that notebooks display inline as SVG.

    Everything a Digraph offers works (``source``, ``pipe``, ``render``, ``subgraph``...).  Added: :meth:`svg`,
    :meth:`save` (format from the file suffix) and ``info``, a dict of counts: ``ops`` and ``leaves`` in the
    graph, ``drawn`` nodes and ``edges`` written, ``collapsed`` (nodes folded into module boxes or a summary node)
    with ``collapsed_by``, where the gradients came from (``grads``) and ``seconds`` spent building the source.
    """

    info: dict[str, Any] = {}  # noqa: RUF012 - replaced per instance by draw_graph

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        """As ``graphviz.Digraph.pipe``, raising :class:`DotNotFoundError` when ``dot`` is missing."""
        require_dot()
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as error:
            raise DotNotFoundError(str(error)) from None

    def render(self, *args: Any, **kwargs: Any) -> Any:
        """As ``graphviz.Digraph.render``, raising :class:`DotNotFoundError` when ``dot`` is missing."""
        require_dot()
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as error:
            raise DotNotFoundError(str(error)) from None

    def svg(self) -> str:
        """The drawing as SVG text (runs ``dot``)."""
        text: str = self.pipe(format="svg", encoding="utf-8", quiet=True)
        return text

    def save(self, path: str | Path, format: str | None = None) -> Path:
        """Write the drawing to ``path``; the format comes from the suffix (svg, png, pdf, ...) unless given.

        A ``.dot`` or ``.gv`` suffix writes the DOT source itself, without running ``dot``.
        """
        target = Path(path)
        kind = (format or target.suffix.lstrip(".")).lower()
        if not kind:
            raise ValueError(f"cannot infer a format from {str(target)!r}: use a suffix such as .svg, .png, .pdf, .dot")
        if kind in SOURCE_SUFFIXES:
            target.write_text(self.source, encoding="utf-8")
            return target
        if kind not in graphviz.FORMATS:
            raise ValueError(
                f"unknown graph format {kind!r} for {target.name!r}: use svg, png, pdf or dot "
                f"(or another Graphviz output format: {', '.join(sorted(graphviz.FORMATS))})"
            )
        data: bytes = self.pipe(format=kind, quiet=True)
        target.write_bytes(data)
        return target

    def _repr_svg_(self) -> str | None:
        """Notebook display: SVG text, or None (no image) when ``dot`` is not installed."""
        return self.svg() if dot_available() else None

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **_: Any
    ) -> dict[str, bytes | str]:  # the parent's signature
        """Notebook display: ``image/svg+xml``, or a plain-text note on how to install ``dot`` when it is missing."""
        if not dot_available():
            return {"text/plain": f"{self!r}\n{INSTALL_HINT}"}
        bundle: dict[str, bytes | str] = {"image/svg+xml": self.svg(), "text/plain": repr(self)}
        if include is not None:
            bundle = {k: v for k, v in bundle.items() if k in set(include)}
        if exclude is not None:
            bundle = {k: v for k, v in bundle.items() if k not in set(exclude)}
        return bundle

    def __repr__(self) -> str:
        info = self.info
        if not info:
            return f"<{type(self).__name__} {self.name or ''}>"
        collapsed = f", {info['collapsed']} collapsed ({info['collapsed_by']})" if info.get("collapsed") else ""
        return f"<GraphView: {info['ops']} ops, {info['leaves']} leaves, {info['drawn']} nodes drawn{collapsed}>"

"""Rendering with Graphviz's ``dot``: SVG parsed as XML, file formats from suffixes, notebook reprs, and the error
when ``dot`` is missing.  Tests that need ``dot`` are skipped only when it is not installed."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import graphviz
import numpy as np
import pytest

import autograd_mini as am
import nn
import visualize
from visualize import render

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot binary is not installed")
SVG = "{http://www.w3.org/2000/svg}"


def small_graph() -> tuple[am.Tensor, am.Tensor]:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    return x, (x.exp() * x).sum()


def svg_root(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    return root


def svg_groups(root: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == kind]


def svg_texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


@needs_dot
def test_svg_is_xml_with_one_group_per_node_and_edge() -> None:
    _, y = small_graph()
    view = visualize.draw_graph(y, show_values=True)
    root = svg_root(view.svg())
    assert len(svg_groups(root, "node")) == view.info["drawn"] + 1  # and the legend
    assert len(svg_groups(root, "edge")) == view.info["edges"]
    texts = svg_texts(root)
    assert "SumBackward0" in texts and "MulBackward0" in texts and "ExpBackward0" in texts


@needs_dot
def test_module_clusters_render_as_svg_clusters() -> None:
    am.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with visualize.trace_modules(model):
        out = model(am.randn(5, 3))
    view = visualize.draw_graph(out.sum(), group_by=model, color_by="grad_norm")
    root = svg_root(view.svg())
    assert len(svg_groups(root, "cluster")) == 4
    assert {"0: Linear", "1: ReLU", "2: Linear", "Sequential"} <= set(svg_texts(root))


@needs_dot
@pytest.mark.parametrize(
    "name", ['say "hi"', "<lambda>", "a & b", "two\nlines", "back\\slash", "it's", "</b></font>", "x\x01y"]
)
def test_escaped_names_render_as_written(name: str) -> None:
    x = am.tensor(1.0, requires_grad=True)
    view = visualize.draw_graph(x * 2, names={name: x}, title=name)
    texts = svg_texts(svg_root(view.svg()))
    for line in name.replace("\x01", "\\x01").split("\n"):
        assert texts.count(line) == 2  # in the node and in the title


@needs_dot
def test_notebook_reprs_return_svg_text() -> None:
    _, y = small_graph()
    view = visualize.draw_graph(y)
    text = view._repr_svg_()
    assert isinstance(text, str) and "<svg" in text
    svg_root(text)
    bundle = view._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/plain"} and isinstance(bundle["image/svg+xml"], str)
    assert "<svg" in bundle["image/svg+xml"] and "GraphView" in str(bundle["text/plain"])
    assert set(view._repr_mimebundle_(include=["image/svg+xml"])) == {"image/svg+xml"}
    assert set(view._repr_mimebundle_(exclude=["image/svg+xml"])) == {"text/plain"}


@needs_dot
@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_save_graph_takes_the_format_from_the_suffix(tmp_path: Path, suffix: str, magic: bytes) -> None:
    _, y = small_graph()
    written = visualize.save_graph(y, tmp_path / f"graph{suffix}", color_by="grad_norm")
    assert written == tmp_path / f"graph{suffix}" and written.read_bytes().startswith(magic)
    assert not list(tmp_path.glob("graph")), "no stray DOT source file is left next to the output"


@pytest.mark.parametrize("suffix", [".dot", ".gv"])
def test_dot_source_is_saved_without_the_binary(tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot here
    _, y = small_graph()
    view = visualize.draw_graph(y)
    written = visualize.save_graph(view, tmp_path / f"graph{suffix}")
    assert written.read_text(encoding="utf-8") == view.source


def test_unknown_or_missing_suffix_is_refused(tmp_path: Path) -> None:
    _, y = small_graph()
    with pytest.raises(ValueError, match="unknown graph format 'docx'"):
        visualize.save_graph(y, tmp_path / "graph.docx")
    with pytest.raises(ValueError, match="cannot infer a format"):
        visualize.save_graph(y, tmp_path / "graph")


def test_missing_dot_raises_an_error_naming_the_binary_and_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not visualize.dot_available()
    _, y = small_graph()
    view = visualize.draw_graph(y)
    for attempt in (view.svg, lambda: view.save(tmp_path / "g.svg"), lambda: view.render(tmp_path / "g", format="png")):
        with pytest.raises(visualize.DotNotFoundError, match="`dot` binary") as caught:
            attempt()
        assert "apt-get install graphviz" in str(caught.value)
        assert isinstance(caught.value, graphviz.ExecutableNotFound)
    assert view._repr_svg_() is None
    bundle = view._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "apt-get install graphviz" in str(bundle["text/plain"])


def test_graphviz_failing_to_find_dot_is_translated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render, "require_dot", lambda: None)  # as if dot vanished after the check
    _, y = small_graph()
    with pytest.raises(visualize.DotNotFoundError, match="apt-get install graphviz"):
        visualize.draw_graph(y).svg()


@needs_dot
def test_dot_runs_as_an_argument_list_without_a_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []

    def spying(real: Any) -> Any:
        def spy(cmd: Any, *args: Any, **kwargs: Any) -> Any:
            calls.append((cmd, kwargs))
            return real(cmd, *args, **kwargs)

        return spy

    monkeypatch.setattr(subprocess, "run", spying(subprocess.run))
    monkeypatch.setattr(subprocess, "Popen", spying(subprocess.Popen))
    _, y = small_graph()
    visualize.draw_graph(y).svg()
    assert calls
    for cmd, kwargs in calls:
        assert isinstance(cmd, list) and Path(cmd[0]).name == "dot" and not kwargs.get("shell")


@needs_dot
def test_a_thousand_node_drawing_with_a_shared_weight_renders(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    w = am.tensor(rng.normal(size=(4, 4)).astype(np.float32), requires_grad=True)
    h = am.tensor(rng.normal(size=(2, 4)).astype(np.float32), requires_grad=True)
    for _ in range(600):
        h = (h @ w).tanh()
    view = visualize.draw_graph(h.sum(), color_by="grad_norm")  # default max_nodes
    assert view.info["collapsed"] > 0
    root = svg_root(view.svg())
    assert len(svg_groups(root, "node")) == view.info["drawn"] + 1

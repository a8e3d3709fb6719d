"""The look of a drawn graph in one place: node styles per kind, the gradient colour scale, label text and the legend.

Labels are Graphviz HTML-like labels, built here from escaped text, so user-supplied names containing quotes, angle
brackets, ampersands, backslashes or newlines are drawn as written and can never break the DOT source.
"""

from __future__ import annotations

import functools
import html
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

FONT = "Helvetica"

# Fill (light) and border (dark) colours per kind of node.  Under ``color_by="grad_norm"`` the fill shows the
# gradient and the border keeps the kind, so both stay readable.
KINDS: dict[str, dict[str, str]] = {
    "op": {"fill": "#f3f3f3", "border": "#6f6f6f", "shape": "box", "style": "rounded,filled", "what": "operation"},
    "input": {"fill": "#cfe2f3", "border": "#3d85c6", "shape": "box", "style": "filled", "what": "input (leaf)"},
    "parameter": {"fill": "#d9ead3", "border": "#38761d", "shape": "box", "style": "filled", "what": "parameter"},
    "output": {"fill": "#fff2cc", "border": "#bf9000", "shape": "box", "style": "filled,bold", "what": "output"},
    "intermediate": {"fill": "#ffffff", "border": "#999999", "shape": "box", "style": "filled", "what": "tensor"},
    "saved": {"fill": "#fce5cd", "border": "#e69138", "shape": "box", "style": "filled,dashed", "what": "saved tensor"},
    "module": {"fill": "#ead1dc", "border": "#a64d79", "shape": "box3d", "style": "filled", "what": "module"},
    "collapsed": {"fill": "#eeeeee", "border": "#999999", "shape": "note", "style": "filled", "what": "collapsed"},
}

# Gradient magnitude, small to large: blue (vanishing) through pale yellow to red (exploding) on a log scale.
SCALE = ("#4575b4", "#74add1", "#abd9e9", "#e0f3f8", "#ffffbf", "#fee090", "#fdae61", "#f46d43", "#d73027")
ZERO_COLOR = "#8073ac"  # exactly zero: dead units, detached paths
NONE_COLOR = "#ffffff"  # no gradient known
NONFINITE_COLOR = "#e7298a"  # nan or inf


def node_attrs(kind: str, fill: str | None = None) -> dict[str, str]:
    """Graphviz attributes for a node of ``kind``, with the fill replaced by ``fill`` when given."""
    spec = KINDS[kind]
    colour = fill or spec["fill"]
    attrs = {"shape": spec["shape"], "style": spec["style"], "fillcolor": colour, "color": spec["border"]}
    if fill is not None:
        attrs["penwidth"] = "2"
        if _is_dark(colour):
            attrs["fontcolor"] = "#ffffff"
    return attrs


def _is_dark(colour: str) -> bool:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * red + 0.587 * green + 0.114 * blue < 110


class GradScale:
    """Maps gradient norms to colours on a log10 scale between ``low`` and ``high`` (clipped outside)."""

    def __init__(self, norms: Iterable[float], grad_range: tuple[float, float] | None = None) -> None:
        if grad_range is not None:
            low, high = grad_range
            if not (0 < low < high and math.isfinite(high)):
                raise ValueError(f"grad_range must be two positive increasing finite numbers, got {grad_range}")
        else:
            positive = [n for n in norms if n > 0 and math.isfinite(n)]
            low, high = (min(positive), max(positive)) if positive else (1.0, 1.0)
        self.low = float(low)
        self.high = float(high)

    def colour(self, norm: float | None) -> str:
        """The fill colour for a gradient of this norm (None: unknown)."""
        if norm is None:
            return NONE_COLOR
        if not math.isfinite(norm):
            return NONFINITE_COLOR
        if norm == 0:
            return ZERO_COLOR
        return _interpolate(self.position(norm))

    def position(self, norm: float) -> float:
        """Where ``norm`` falls on the scale, from 0 (low) to 1 (high)."""
        low, high = math.log10(self.low), math.log10(self.high)
        if high <= low:
            return 0.5
        return min(1.0, max(0.0, (math.log10(norm) - low) / (high - low)))

    def ticks(self, count: int = 5) -> list[tuple[str, float]]:
        """(colour, norm) pairs spaced evenly in log space, for the legend."""
        if self.high <= self.low:
            return [(_interpolate(0.5), self.low)]
        low, high = math.log10(self.low), math.log10(self.high)
        return [(_interpolate(i / (count - 1)), 10 ** (low + (high - low) * i / (count - 1))) for i in range(count)]


@functools.lru_cache(maxsize=1024)
def _interpolate(t: float) -> str:
    """Linear interpolation along ``SCALE`` in RGB (``t`` is rounded to 1/500 so colours repeat and cache)."""
    t = round(t * 500) / 500
    x = t * (len(SCALE) - 1)
    i = min(int(x), len(SCALE) - 2)
    frac = x - i
    a, b = SCALE[i], SCALE[i + 1]
    rgb = [round(int(a[k : k + 2], 16) * (1 - frac) + int(b[k : k + 2], 16) * frac) for k in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


# ----------------------------------------------------------------------------------------------------- label text
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


_PLAIN = re.compile(r"[^&<>\"'\x00-\x1f\x7f]*")


def esc(text: Any) -> str:
    """Escape any text for an HTML-like label: markup characters become entities, newlines become line breaks."""
    text = str(text)
    if _PLAIN.fullmatch(text):
        return text
    escaped = html.escape(str(text), quote=True)
    escaped = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", escaped)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", '<br align="center"/>')


def html_label(lines: Sequence[str]) -> str:
    """Join already-escaped lines into an HTML-like label (the ``<...>`` form that Graphviz does not quote)."""
    return "<" + "<br/>".join(lines) + ">"


def bold(text: str) -> str:
    """Bold markup around already-escaped text."""
    return f"<b>{text}</b>"


def muted(text: str) -> str:
    """Grey italic markup around already-escaped text (used for 'grad None')."""
    return f'<font color="#888888"><i>{text}</i></font>'


def fmt_shape(shape: Sequence[int], dtype: Any) -> str:
    """``[5, 4] float32``; a 0-d tensor reads ``scalar float32``."""
    name = str(dtype) if isinstance(dtype, np.dtype) else np.dtype(dtype).name
    return f"scalar {name}" if len(shape) == 0 else "[" + ", ".join(str(n) for n in shape) + f"] {name}"


def fmt_number(value: float) -> str:
    """Four significant digits, as micrograd's pictures."""
    if value == 0:
        return "0"
    return f"{value:.4g}"


def fmt_array(array: np.ndarray, max_values: int) -> str:
    """All values of a small array, or its range and norm when larger than ``max_values``."""
    if array.size == 0:
        return "(empty)"
    if array.ndim == 0 or array.size == 1:
        return fmt_number(float(array.reshape(-1)[0])) if array.dtype.kind in "fiub" else str(array.reshape(-1)[0])
    if array.size <= max_values:
        return np.array2string(array, separator=", ", max_line_width=60, formatter={"all": _fmt_element})
    if array.dtype.kind not in "fiub":
        return f"({array.size} values)"
    data = array.astype(np.float64, copy=False)
    return f"min {fmt_number(float(data.min()))}, max {fmt_number(float(data.max()))}"


def _fmt_element(value: Any) -> str:
    return fmt_number(float(value)) if isinstance(value, (float, int, np.floating, np.integer)) else str(value)


def fmt_norm(norm: float) -> str:
    """A gradient norm: '0', 'nan', 'inf' or three significant digits."""
    if math.isnan(norm):
        return "nan"
    if math.isinf(norm):
        return "inf"
    return "0" if norm == 0 else f"{norm:.3g}"


def fmt_attr(value: Any, limit: int = 40) -> str:
    """An op attribute as short text: arrays by dtype and shape, slices as ``a:b:c``, long text cut."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype.name}[{', '.join(str(n) for n in value.shape)}]"
    if isinstance(value, slice):
        parts = ["" if p is None else str(p) for p in (value.start, value.stop, value.step)]
        return ":".join(parts[:2] if value.step is None else parts)
    if value is Ellipsis:
        return "..."
    if isinstance(value, (tuple, list)) and any(isinstance(v, (np.ndarray, slice)) or v is Ellipsis for v in value):
        inner = ", ".join(fmt_attr(v, limit) for v in value)
        text = f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    elif isinstance(value, np.generic):
        text = str(value.item())
    else:
        text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def legend_label(kinds: Iterable[str], scale: GradScale | None, notes: Sequence[str] = ()) -> str:
    """An HTML table: one swatch per node kind drawn and, when colouring by gradient, the colour scale.

    Under gradient colouring the fill shows the gradient, so the kinds are told apart by their border colour.
    """
    rows = ['<tr><td colspan="2"><b>legend</b></td></tr>']
    if scale is not None:
        rows.append('<tr><td colspan="2" align="left">border: kind of node</td></tr>')
    for kind in kinds:
        spec = KINDS[kind]
        fill = "#ffffff" if scale is not None else spec["fill"]
        swatch = f'<td bgcolor="{fill}" color="{spec["border"]}" border="2" width="24"> </td>'
        rows.append(f'<tr>{swatch}<td align="left">{esc(spec["what"])}</td></tr>')
    if scale is not None:
        rows.append('<tr><td colspan="2"><b>fill: gradient norm (log scale)</b></td></tr>')
        for colour, norm in reversed(scale.ticks()):
            rows.append(f'<tr><td bgcolor="{colour}"> </td><td align="left">{esc(fmt_norm(norm))}</td></tr>')
        rows.append(f'<tr><td bgcolor="{ZERO_COLOR}"> </td><td align="left">exactly 0</td></tr>')
        rows.append(f'<tr><td bgcolor="{NONFINITE_COLOR}"> </td><td align="left">nan or inf</td></tr>')
        rows.append(f'<tr><td bgcolor="{NONE_COLOR}"> </td><td align="left">no gradient known</td></tr>')
    for note in notes:
        rows.append(f'<tr><td colspan="2" align="left">{esc(note)}</td></tr>')
    return '<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">' + "".join(rows) + "</table>>"

"""Charts as inline SVG, drawn on the server: pages work offline, without script, and print.

Pure functions of their numbers that return `Markup`. Every text is escaped; colours and
sizes are SVG presentation attributes (the CSP allows no `style=`), which the classes in
static/css/app.css may refine. Each chart carries `role="img"`, an `aria-label` with its
numbers and a `<title>`; the page puts the same numbers in a table under it.

Text widths are estimated (a CJK character is as wide as the font size, other characters
about 0.6 of it), which is enough to size the label column and to keep axis labels apart.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

FONT = 12  # px, axis and value labels
ROW = 24  # px per bar
BAR = 15  # px, a bar's thickness
MAX_LABEL = 168  # px: longer labels are cut with … (the full text is in the bar's <title>)
BAR_FILL = "#1d4ed8"
HIGHLIGHT_FILL = "#b42318"
INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#d9dee4"
LINE = "#1b7a3a"

Number = int | Decimal | float


def text_width(text: str, size: float = FONT) -> float:
    """Estimated width of `text` in px at `size` (no font metrics on the server)."""
    return sum(size if unicodedata.east_asian_width(c) in ("W", "F") else 0.6 * size for c in text)


def fit(text: str, limit: float, size: float = FONT) -> str:
    """`text`, cut with an ellipsis so that it fits in `limit` px."""
    if text_width(text, size) <= limit:
        return text
    while text and text_width(text + "…", size) > limit:
        text = text[:-1]
    return text + "…"


def _n(x: float) -> str:
    """A coordinate: one decimal at most, no trailing zeros."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _value(v: Number) -> str:
    return format(v, "f") if isinstance(v, Decimal) else str(v)


def _open(width: float, height: float, title: str, label: str, kind: str) -> str:
    return (
        f'<svg class="chart chart-{kind}" viewBox="0 0 {_n(width)} {_n(height)}"'
        f' width="{_n(width)}" height="{_n(height)}" role="img" aria-label="{escape(label)}"'
        f' font-size="{FONT}"><title>{escape(title)}</title>'
    )


def bar_chart(
    labels: Sequence[str],
    values: Sequence[Number],
    *,
    title: str,
    highlight: Iterable[int] = (),
    links: Sequence[str | None] | None = None,
    unit: str = "",
    width: int = 520,
) -> Markup:
    """Horizontal bars, one row per label, the value written at each bar's end.

    `highlight`: indexes drawn in the warning colour; `links`: an address per row (or None)
    that the row links to; `unit` follows each value in the texts (e.g. "项")."""
    if len(labels) != len(values):
        raise ValueError("one value per label")
    marked = set(highlight)
    texts = [f"{_value(v)}{unit}" for v in values]
    described = "，".join(f"{lab} {t}" for lab, t in zip(labels, texts, strict=True))
    aria = f"{title}：{described}" if labels else f"{title}：暂无数据"
    if not labels:
        height = ROW + 8
        return Markup(
            _open(width, height, title, aria, "bar")
            + f'<text x="{width / 2:.0f}" y="{ROW / 2 + 8:.0f}" text-anchor="middle"'
            f' fill="{MUTED}">暂无数据</text></svg>'
        )
    left = min(max(text_width(lab) for lab in labels), MAX_LABEL) + 10
    right = max(text_width(t) for t in texts) + 10
    plot = max(width - left - right - 4, 40)
    top = 6
    height = top * 2 + ROW * len(labels)
    top_value = max(max(float(v) for v in values), 0) or 1  # all zero: empty bars, no ÷0
    parts = [_open(width, height, title, aria, "bar")]
    for i, (label, v, t) in enumerate(zip(labels, values, texts, strict=True)):
        y = top + ROW * i
        mid = y + ROW / 2
        length = plot * max(float(v), 0) / top_value
        hot = i in marked
        row = [f"<title>{escape(label)}：{escape(t)}</title>"]
        row.append(
            f'<text class="chart-label" x="{_n(left - 6)}" y="{_n(mid + FONT * 0.35)}"'
            f' text-anchor="end" fill="{INK}">{escape(fit(label, MAX_LABEL))}</text>'
        )
        if length > 0:
            # A value too small to see still shows a sliver, so that it reads as "not zero".
            row.append(
                f'<rect class="chart-bar{" is-highlight" if hot else ""}" x="{_n(left)}"'
                f' y="{_n(mid - BAR / 2)}" width="{_n(max(length, 2))}" height="{BAR}"'
                f' rx="2" fill="{HIGHLIGHT_FILL if hot else BAR_FILL}"/>'
            )
        weight = ' font-weight="700"' if hot else ""
        row.append(
            f'<text class="chart-value" x="{_n(left + length + 5)}"'
            f' y="{_n(mid + FONT * 0.35)}" fill="{HIGHLIGHT_FILL if hot else INK}"{weight}>'
            f"{escape(t)}</text>"
        )
        link = links[i] if links else None
        if link:
            parts.append(f'<a href="{escape(link)}"><g class="chart-row">{"".join(row)}</g></a>')
        else:
            parts.append(f'<g class="chart-row">{"".join(row)}</g>')
    parts.append(
        f'<line class="chart-axis" x1="{_n(left)}" y1="{top}" x2="{_n(left)}"'
        f' y2="{_n(height - top)}" stroke="{MUTED}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def day_label(day: date, with_year: bool) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if with_year else f"{day.month}月{day.day}日"


def line_chart(
    points: Sequence[tuple[date, Number]],
    *,
    title: str,
    point_titles: Sequence[str] | None = None,
    width: int = 520,
    height: int = 220,
) -> Markup:
    """Per cent (0–100) over dates: grid lines at every 25 %, a marker per point (its
    `point_titles` entry as tooltip), dates under the axis as far as they fit, the last
    value written beside its marker."""
    if not points:
        return Markup(
            _open(width, 40, title, f"{title}：暂无数据", "line")
            + f'<text x="{width / 2:.0f}" y="24" text-anchor="middle" fill="{MUTED}">'
            "暂无数据</text></svg>"
        )
    days = [d for d, _ in points]
    values = [min(max(float(v), 0.0), 100.0) for _, v in points]
    with_year = days[0].year != days[-1].year
    labels = [day_label(d, with_year) for d in days]
    first, last = days[0], days[-1]
    aria = (
        f"{title}：{labels[0]} {_value(points[0][1])}%"
        + (f" 至 {labels[-1]} {_value(points[-1][1])}%" if len(points) > 1 else "")
        + f"，共 {len(points)} 个时点"
    )
    left, right, top, bottom = 44, 24, 14, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    span = (last - first).days

    def x(d: date) -> float:
        return left + (plot_w / 2 if span == 0 else plot_w * (d - first).days / span)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / 100)

    parts = [_open(width, height, title, aria, "line")]
    for tick in (0, 25, 50, 75, 100):
        parts.append(
            f'<line class="chart-grid" x1="{left}" y1="{_n(y(tick))}" x2="{left + plot_w}"'
            f' y2="{_n(y(tick))}" stroke="{GRID if tick else MUTED}" stroke-width="1"/>'
            f'<text class="chart-tick" x="{left - 6}" y="{_n(y(tick) + FONT * 0.35)}"'
            f' text-anchor="end" fill="{MUTED}">{tick}%</text>'
        )
    widths = [text_width(t) for t in labels]
    # A label at either end is moved inwards rather than cut by the edge of the drawing.
    centres = [
        min(max(x(d), w / 2 + 1), width - w / 2 - 1) for d, w in zip(days, widths, strict=True)
    ]
    for i in _spaced(centres, widths):
        parts.append(
            f'<line x1="{_n(x(days[i]))}" y1="{top + plot_h}" x2="{_n(x(days[i]))}"'
            f' y2="{top + plot_h + 4}" stroke="{MUTED}" stroke-width="1"/>'
            f'<text class="chart-tick" x="{_n(centres[i])}" y="{top + plot_h + 18}"'
            f' text-anchor="middle" fill="{MUTED}">{escape(labels[i])}</text>'
        )
    coords = [(x(d), y(v)) for d, v in zip(days, values, strict=True)]
    if len(coords) > 1:
        path = " ".join(f"{_n(a)},{_n(b)}" for a, b in coords)
        parts.append(
            f'<polyline class="chart-line" points="{path}" fill="none" stroke="{LINE}"'
            ' stroke-width="2" stroke-linejoin="round"/>'
        )
    for i, (a, b) in enumerate(coords):
        tip = point_titles[i] if point_titles else f"{labels[i]}：{_value(points[i][1])}%"
        parts.append(
            f'<circle class="chart-point" cx="{_n(a)}" cy="{_n(b)}" r="3.5" fill="#fff"'
            f' stroke="{LINE}" stroke-width="2"><title>{escape(tip)}</title></circle>'
        )
    # The latest rate beside its marker: above it, or below when the marker is near the top.
    a, b = coords[-1]
    text = f"{_value(points[-1][1])}%"
    ty = b - 8 if b - 8 - FONT > 0 else b + FONT + 6
    half = text_width(text) / 2
    parts.append(
        f'<text class="chart-value" x="{_n(min(max(a, half + 1), width - half - 1))}"'
        f' y="{_n(ty)}" text-anchor="middle" fill="{INK}" font-weight="700">'
        f"{escape(text)}</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def _spaced(xs: Sequence[float], widths: Sequence[float], gap: float = 8) -> list[int]:
    """Indexes of the labels to draw, centred at `xs`, without overlap: the first and the
    last always, the others from the left as long as they keep `gap` from their neighbours."""
    if len(xs) == 1:
        return [0]
    last = len(xs) - 1

    def clear(i: int, j: int) -> bool:
        return abs(xs[j] - xs[i]) >= (widths[i] + widths[j]) / 2 + gap

    chosen = [0]
    for i in range(1, last):
        if clear(chosen[-1], i) and clear(i, last):
            chosen.append(i)
    return [*chosen, last]

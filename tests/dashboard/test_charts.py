"""The SVG charts as pure functions: well-formed XML, every text escaped, no inline style or
outside reference, readable with zero, one and many values."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from markupsafe import Markup

from wfapp.web.charts import bar_chart, fit, line_chart, text_width

EVIL = "<script>alert(\"x\")</script> & '单位'"


def parse(svg: Markup) -> ET.Element:
    assert isinstance(svg, Markup)
    root = ET.fromstring(str(svg))  # raises on anything that is not well-formed XML
    assert root.tag == "svg" and root.get("role") == "img" and root.get("aria-label")
    assert root.find("title") is not None and root.find("title").text
    return root


def plain(svg: Markup) -> None:
    """Nothing the CSP refuses or that leaves the server."""
    text = str(svg)
    assert "style=" not in text and "<script" not in text and "<foreignObject" not in text
    assert not re.search(r"https?:|//[a-z]", text, re.I)
    assert " on" not in text.split(">")[0]  # no event handler attributes on the root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter("text")]


# --- bar chart ----------------------------------------------------------------------------


def test_bar_labels_and_titles_are_escaped():
    svg = bar_chart([EVIL, "初稿"], [3, 0], title=f"图{EVIL}", unit="项")
    plain(svg)
    root = parse(svg)
    # Escaped in the markup, the original text once parsed back.
    assert "<script>" not in str(svg)
    assert root.find("title").text == f"图{EVIL}"
    assert EVIL in root.get("aria-label")
    assert f"{EVIL}：3项" in [t.text for t in root.iter("title")]  # the row's tooltip
    assert texts(root)[0].startswith('<script>alert("x")') and "0项" in texts(root)


@pytest.mark.parametrize("values", [[0, 0, 0], [0], [5], list(range(40))])
def test_bars_with_zero_one_and_many_values(values):
    """All zeros draw no bar and divide by nothing; one value fills the width; forty rows
    make a taller chart, each label and value present."""
    labels = [f"单位{i}" for i in range(len(values))]
    svg = bar_chart(labels, values, title="逾期整改事项")
    plain(svg)
    root = parse(svg)
    bars = [r for r in root.iter("rect") if "chart-bar" in r.get("class", "")]
    assert len(bars) == sum(1 for v in values if v > 0)
    assert texts(root).count("0") == values.count(0)
    height = float(root.get("height"))
    assert height >= 20 * len(values)
    widths = [float(b.get("width")) for b in bars]
    width = float(root.get("width"))
    for b in bars:  # inside the drawing
        assert float(b.get("x")) > 0 and float(b.get("x")) + float(b.get("width")) < width
    if widths:
        assert max(widths) == pytest.approx(widths[-1])  # the largest value is the longest


def test_bar_highlight_links_and_long_labels():
    name = "泉州市市场监督管理局综合行政执法支队第一大队"
    svg = bar_chart(
        [name, "单位B"],
        [Decimal("2"), 1],
        title="逾期",
        highlight=[0],
        links=["/plans/1/rectification?a=1&b=2", None],
    )
    plain(svg)
    root = parse(svg)
    (link,) = root.iter("a")
    assert link.get("href") == "/plans/1/rectification?a=1&b=2"
    bars = [r for r in root.iter("rect") if "chart-bar" in r.get("class", "")]
    assert "is-highlight" in bars[0].get("class") and "is-highlight" not in bars[1].get("class")
    shown = texts(root)[0]
    assert shown.endswith("…") and name.startswith(shown[:-1])
    assert name in [t.text for t in root.iter("title")][1]  # the full name as the tooltip


def test_no_bars_say_so():
    root = parse(bar_chart([], [], title="等次分布"))
    assert texts(root) == ["暂无数据"]
    with pytest.raises(ValueError):
        bar_chart(["a"], [], title="x")


def test_text_width_counts_cjk_as_full_width():
    assert text_width("单位") == 2 * text_width("ab") / 1.2
    assert fit("单位甲乙丙丁", text_width("单位甲")) == "单位…"
    assert fit("单位", 100) == "单位"


# --- line chart ---------------------------------------------------------------------------


def _series(n: int, start: date = date(2025, 3, 3)) -> list[tuple[date, Decimal]]:
    return [(start + timedelta(days=7 * i), Decimal(100 * i // max(n - 1, 1))) for i in range(n)]


def test_line_axes_ticks_and_markers():
    points = _series(5)
    svg = line_chart(points, title="整改销号率", point_titles=[f"第{i}点" for i in range(5)])
    plain(svg)
    root = parse(svg)
    shown = texts(root)
    for tick in ("0%", "25%", "50%", "75%", "100%"):
        assert tick in shown
    assert "3月3日" in shown and "3月31日" in shown  # the first and the last date
    circles = list(root.iter("circle"))
    assert [c.find("title").text for c in circles] == [f"第{i}点" for i in range(5)]
    ys = [float(c.get("cy")) for c in circles]
    assert ys == sorted(ys, reverse=True)  # rising rate: markers climb
    assert len(root.find("polyline").get("points").split()) == 5


def test_line_with_one_point_and_none():
    root = parse(line_chart([(date(2025, 3, 3), Decimal("0.0"))], title="销号率"))
    assert len(list(root.iter("circle"))) == 1 and root.find("polyline") is None
    assert "3月3日" in texts(root) and "0.0%" in texts(root)
    assert texts(parse(line_chart([], title="销号率"))) == ["暂无数据"]


def test_many_dates_keep_their_labels_apart_and_inside():
    """A year of weekly points: only as many dates as fit are written, none overlapping,
    none past the edges, the last date always; a year change writes the years."""
    points = _series(53, date(2024, 6, 3))
    root = parse(line_chart(points, title="销号率"))
    width = float(root.get("width"))
    dates = [t for t in root.iter("text") if "年" in (t.text or "")]
    assert 3 <= len(dates) < 20
    assert dates[-1].text == "2025年6月2日"
    spans = []
    for t in dates:
        x, w = float(t.get("x")), text_width(t.text)
        assert x - w / 2 >= 0 and x + w / 2 <= width
        spans.append((x - w / 2, x + w / 2))
    assert all(a[1] <= b[0] for a, b in pairwise(spans))


def test_line_values_are_clamped_to_the_axis():
    root = parse(line_chart([(date(2025, 1, 1), 150), (date(2025, 1, 8), -5)], title="x"))
    top, bottom = (float(c.get("cy")) for c in root.iter("circle"))
    height = float(root.get("height"))
    assert 0 < top < bottom < height

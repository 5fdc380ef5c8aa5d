"""The workflow drawn as SVG from its own description: states in order, forward arrows
labelled with the actions that move a plan on, arcs below for actions that take it back,
the current state highlighted. Pure string building: no graphviz, no browser script."""

from __future__ import annotations

from html import escape
from itertools import pairwise
from typing import Any

BOX_W, BOX_H, GAP, TOP, MARGIN = 96, 44, 30, 46, 8


def render_svg(description: dict[str, Any], current: str | None = None) -> str:
    states = [s["name"] for s in description["states"]]
    labels = {s["name"]: s["label"] for s in description["states"]}
    order = {s: i for i, s in enumerate(states)}
    forward: dict[tuple[str, str], list[str]] = {}
    backward: dict[tuple[str, str], list[str]] = {}
    for action in description["actions"]:
        for t in action["transitions"]:
            src, dst = t["from"], t["to"]
            if src == dst:
                continue
            bucket = forward if order[dst] > order[src] else backward
            names = bucket.setdefault((src, dst), [])
            if action["label"] not in names:
                names.append(action["label"])

    def x(state: str) -> int:
        return MARGIN + order[state] * (BOX_W + GAP)

    deepest = max((order[s] - order[d] for s, d in backward), default=0)
    height = TOP + BOX_H + 34 + 22 * deepest
    width = 2 * MARGIN + len(states) * BOX_W + (len(states) - 1) * GAP
    parts = [
        f'<svg class="workflow" viewBox="0 0 {width} {height}"'
        ' role="img" aria-labelledby="wf-title">',
        '<title id="wf-title">方案流程图</title>',
        '<defs><marker id="wf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"'
        ' markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"'
        ' class="wf-head"/></marker></defs>',
    ]
    mid = TOP + BOX_H // 2
    for a, b in pairwise(states):
        names = forward.get((a, b))
        cls = "wf-edge" if names else "wf-edge wf-later"
        parts.append(
            f'<line class="{cls}" x1="{x(a) + BOX_W}" y1="{mid}" x2="{x(b) - 2}" y2="{mid}"'
            f' marker-end="url(#wf-arrow)"/>'
        )
        if names:
            cx = x(a) + BOX_W + GAP // 2
            parts.append(
                f'<text class="wf-label" x="{cx}" y="{TOP - 8}" text-anchor="middle">'
                f"{escape('／'.join(names))}</text>"
            )
    # Forward jumps over more than one state (none today) arc above the boxes.
    for a, b in forward:
        if order[b] - order[a] > 1:
            x1, x2 = x(a) + BOX_W // 2, x(b) + BOX_W // 2
            parts.append(
                f'<path class="wf-edge" d="M{x1},{TOP} C{x1},{TOP - 30} {x2},{TOP - 30}'
                f' {x2},{TOP}" marker-end="url(#wf-arrow)"/>'
            )
    for (a, b), names in sorted(backward.items(), key=lambda kv: order[kv[0][0]]):
        depth = 26 + 22 * (order[a] - order[b] - 1)
        x1, x2, y = x(a) + BOX_W // 2, x(b) + BOX_W // 2 + 14, TOP + BOX_H
        parts.append(
            f'<path class="wf-edge wf-back" d="M{x1},{y} C{x1},{y + depth} {x2},{y + depth}'
            f' {x2},{y + 2}" marker-end="url(#wf-arrow)"/>'
        )
        # A cubic's lowest point is 3/4 of the control depth, midway between its ends.
        parts.append(
            f'<text class="wf-label wf-back-label" x="{(x1 + x2) // 2}" y="{y + depth * 3 // 4 + 13}"'
            f' text-anchor="middle">{escape("／".join(names))}</text>'
        )
    for s in states:
        cls = "wf-state wf-current" if s == current else "wf-state"
        aria = ' aria-current="step"' if s == current else ""
        parts.append(
            f'<g class="{cls}"{aria}><rect x="{x(s)}" y="{TOP}" width="{BOX_W}"'
            f' height="{BOX_H}" rx="6"/><text x="{x(s) + BOX_W // 2}" y="{mid + 5}"'
            f' text-anchor="middle">{escape(labels[s])}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)

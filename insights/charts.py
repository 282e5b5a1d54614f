"""Charts drawn on the server as SVG: no script, no internet asset, no inline style.

Colours and sizes are SVG presentation attributes (``fill=``, ``stroke=``), which the
strict CSP allows and which print and turn into PDF unchanged. Every chart carries a
title and a description for screen readers; the pages also offer the numbers as a
table.

A chart is one image to a screen reader (``role="img"``) unless its bars are links:
an image cannot hold controls, so such a chart is a named group whose every bar is a
link named by its tip (e.g. "Week of 2025-03-03: 12 orders"), reachable by keyboard.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

INK = "#1f2328"
SOFT = "#57606a"
LINE = "#d8dee4"
BAR = "#0969da"
BAR_LATEST = "#b3261e"
SERIES = ("#0969da", "#1a7f37", "#b3261e")
FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"


@dataclass(frozen=True)
class Bar:
    value: int
    tip: str
    label: str = ""  # shown under the bar (e.g. a month name at its first week)
    href: str = ""


def _nice_max(value: int) -> int:
    """A round upper bound for the axis: 7 → 10, 430 → 500, 0 → 1."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def bar_chart(
    bars: list[Bar], *, title: str, desc: str, width: int = 760, height: int = 200
) -> SafeString:
    """Vertical bars, the last one in the accent colour (the current period)."""
    left, right, top, bottom = 44, 8, 10, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((b.value for b in bars), default=0))
    n = max(len(bars), 1)
    slot = plot_w / n
    bar_w = max(1.0, slot * 0.72)
    parts: list[str] = []
    for fraction in (0, 0.5, 1):
        y = top + plot_h - plot_h * fraction
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>'
                '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="{}">{}</text>',
                left,
                f"{y:.1f}",
                width - right,
                f"{y:.1f}",
                LINE,
                left - 6,
                f"{y + 4:.1f}",
                SOFT,
                round(top_value * fraction),
            )
        )
    for i, bar in enumerate(bars):
        h = plot_h * bar.value / top_value
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h - h
        rect = format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
            f"{x:.1f}",
            f"{y:.1f}",
            f"{bar_w:.1f}",
            f"{h:.1f}",
            BAR_LATEST if i == len(bars) - 1 else BAR,
            bar.tip,
        )
        if bar.href:
            rect = format_html('<a href="{}" aria-label="{}">{}</a>', bar.href, bar.tip, rect)
        parts.append(rect)
        if bar.label:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11" fill="{}">{}</text>',
                    f"{x:.1f}",
                    height - 6,
                    SOFT,
                    bar.label,
                )
            )
    linked = any(bar.href for bar in bars)
    return _svg(width, height, title, desc, parts, role="group" if linked else "img")


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]  # 0..1, None where there is nothing to show


def line_chart(
    labels: list[str],
    series: list[Series],
    *,
    title: str,
    desc: str,
    width: int = 760,
    height: int = 200,
) -> SafeString:
    """Rates over time, 0–100 %, one line per series with a legend."""
    left, right, top, bottom = 44, 8, 26, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(labels), 1)
    step = plot_w / max(n - 1, 1)
    parts: list[str] = []
    for fraction in (0, 0.5, 1):
        y = top + plot_h - plot_h * fraction
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>'
                '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="{}">{}%</text>',
                left,
                f"{y:.1f}",
                width - right,
                f"{y:.1f}",
                LINE,
                left - 6,
                f"{y + 4:.1f}",
                SOFT,
                round(100 * fraction),
            )
        )
    for i, label in enumerate(labels):
        if label:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="{}">{}</text>',
                    f"{left + i * step:.1f}",
                    height - 6,
                    SOFT,
                    label,
                )
            )
    for index, line in enumerate(series):
        colour = SERIES[index % len(SERIES)]
        points = [
            (left + i * step, top + plot_h - plot_h * value)
            for i, value in enumerate(line.values)
            if value is not None
        ]
        if len(points) > 1:
            parts.append(
                format_html(
                    '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>',
                    " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
                    colour,
                )
            )
        parts.append(
            format_html_join(
                "",
                '<circle cx="{}" cy="{}" r="3" fill="{}"/>',
                ((f"{x:.1f}", f"{y:.1f}", colour) for x, y in points),
            )
        )
        legend_x = left + index * 150
        parts.append(
            format_html(
                '<rect x="{}" y="6" width="12" height="12" fill="{}"/>'
                '<text x="{}" y="16" font-size="12" fill="{}">{}</text>',
                legend_x,
                colour,
                legend_x + 16,
                INK,
                line.name,
            )
        )
    return _svg(width, height, title, desc, parts)


def _svg(
    width: int, height: int, title: str, desc: str, parts: list[str], *, role: str = "img"
) -> SafeString:
    body = mark_safe("".join(parts))  # noqa: S308 — every part was built by format_html
    return format_html(
        '<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
        'width="100%" role="{role}" aria-label="{title}" font-family="{font}" '
        'preserveAspectRatio="xMinYMin meet">'
        "<title>{title}</title><desc>{desc}</desc>{body}</svg>",
        w=width,
        h=height,
        role=role,
        font=FONT,
        title=title,
        desc=desc,
        body=body,
    )

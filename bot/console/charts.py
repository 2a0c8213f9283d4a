"""Bar charts as inline SVG, drawn on the server: no script and nothing loaded from elsewhere."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

HEIGHT, TOP, BOTTOM, LEFT, RIGHT = 280, 16, 80, 48, 12
MAX_LABELS = 16
MAX_LABEL_CHARS = 16


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str
    values: list[float]


def _nice_step(span: float) -> float:
    raw = span / 4 or 1
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if step * magnitude >= raw)


def _bounds(series: list[Series], stacked: bool) -> tuple[float, float]:
    columns = list(zip(*(item.values for item in series), strict=True)) if series else []
    if stacked:
        totals = [sum(column) for column in columns] or [0]
        return 0.0, max(max(totals), 1.0)
    values = [value for column in columns for value in column] or [0]
    return min(0.0, min(values)), max(0.0, max(values), 1.0 if min(values) >= 0 else 0.0)


def bar_chart(
    title: str, labels: list[str], series: list[Series], *, stacked: bool = False,
    fmt: Callable[[float], str] = lambda value: f"{value:g}",
) -> Markup:
    """Grouped (or stacked) bars, one group per label, with a legend; negative values hang below zero."""
    low, high = _bounds(series, stacked)
    step = _nice_step(high - low)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    group = max(14, min(64, 640 // max(1, len(labels))))
    width = LEFT + RIGHT + group * max(1, len(labels))
    plot_height = HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * plot_height

    parts = [
        Markup('<svg class="chart" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
               'xmlns="http://www.w3.org/2000/svg"><title>{t}</title>').format(w=width, h=HEIGHT, t=title)
    ]
    tick = low
    while tick <= high + step / 2:
        parts.append(Markup('<line class="grid" x1="{x1}" x2="{x2}" y1="{y}" y2="{y}"/>'
                            '<text class="tick" x="{tx}" y="{ty}">{label}</text>').format(
            x1=LEFT, x2=width - RIGHT, y=round(y(tick), 1), tx=LEFT - 6, ty=round(y(tick) + 4, 1), label=fmt(tick)))
        tick += step
    every = max(1, math.ceil(len(labels) / MAX_LABELS))
    for index, label in enumerate(labels):
        x0 = LEFT + index * group
        parts.extend(_bars(series, index, x0, group, stacked, y, fmt, label))
        if index % every == 0:
            short = label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"
            parts.append(Markup('<text class="label" x="{x}" y="{y}" transform="rotate(-35 {x} {y})">{l}</text>')
                         .format(x=x0 + group / 2, y=HEIGHT - BOTTOM + 14, l=short))
    parts.append(Markup('<line class="axis" x1="{x1}" x2="{x2}" y1="{y}" y2="{y}"/>').format(
        x1=LEFT, x2=width - RIGHT, y=round(y(0), 1)))
    parts.append(Markup("</svg>"))
    legend = Markup("").join(
        Markup('<li><span class="swatch {c}"></span>{n}</li>').format(c=item.css_class, n=item.name) for item in series
    )
    return Markup('<figure class="chart-box">{svg}<ul class="legend">{legend}</ul></figure>').format(
        svg=Markup("").join(parts), legend=legend)


def _bars(series: list[Series], index: int, x0: float, group: int, stacked: bool,
          y: Callable[[float], float], fmt: Callable[[float], str], label: str) -> list[Markup]:
    bars, base = [], 0.0
    width = (group - 4) if stacked else (group - 4) / max(1, len(series))
    for number, item in enumerate(series):
        value = item.values[index]
        bottom, top = (base, base + value) if stacked else (min(0.0, value), max(0.0, value))
        x = x0 + 2 + (0 if stacked else number * width)
        bars.append(Markup('<rect class="{c}" x="{x}" y="{y}" width="{w}" height="{h}">'
                           '<title>{label}: {name} {value}</title></rect>').format(
            c=item.css_class, x=round(x, 1), y=round(y(top), 1), w=round(max(width - 1, 1), 1),
            h=round(y(bottom) - y(top), 1), label=escape(label), name=item.name, value=fmt(value)))
        base = top if stacked else base
    return bars

"""Bar and stacked-bar charts as inline SVG, rendered on the server (no JavaScript, no CDN, no package).

``render(chart)`` takes plain data (``Chart``: categories along the x axis, one or more ``Series`` of
numbers) and returns a ``SafeString`` holding one ``<svg>`` element:

* ``role="img"`` with an ``aria-label`` that names the chart and sums it up, and a ``<title>`` child;
* a y axis with "nice" ticks (1, 2, 2.5 or 5 × 10ⁿ) and grid lines, axis labels on both axes;
* one ``<rect>`` per non-zero value, each with its own ``<title>`` (the browser's tooltip:
  ``category · series: value``);
* a legend when there is more than one series, and a plain "no data" message when all values are zero.

Every piece of text is escaped here; callers pass raw strings. Pure functions of their input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Number = int | float | Decimal

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#999933",
    "#882255",
    "#44AA99",
    "#332288",
    "#AA4499",
    "#117733",
    "#661100",
    "#888888",
)

ROTATED_LABEL_CHARS = 22
CHAR_WIDTH = 6.0  # average width of an 11 px label character
SIN40 = math.sin(math.radians(40))
COS40 = math.cos(math.radians(40))
FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\""


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[Number, ...]
    color: str = ""


@dataclass(frozen=True)
class Chart:
    """What to draw. ``stacked`` stacks the series in each category; otherwise they stand side by side."""

    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    x_label: str = ""
    y_label: str = ""
    stacked: bool = True
    width: int = 720
    height: int = 340
    described_by: str = ""  # id of the data table that holds the same numbers
    colors: dict[str, str] = field(default_factory=dict)  # series name -> colour override


def nice_ticks(maximum: float, target: int = 5, *, integer: bool = False) -> list[float]:
    """Tick values from 0 to at least ``maximum``: about ``target`` steps of 1, 2, 2.5 or 5 × 10ⁿ
    (whole steps only when ``integer``: counts have no 0.2)."""
    if maximum <= 0 or not math.isfinite(maximum):
        return [0.0, 1.0]
    raw = maximum / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1, math.ceil(step))
    count = math.ceil(maximum / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def _value_text(value: Number) -> str:
    if isinstance(value, Decimal):
        return f"{value:,}"
    return _fmt(float(value))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _attr(text: str) -> str:
    return str(escape(text))


def _colors(chart: Chart) -> list[str]:
    """One colour per series: its own, else the chart's override, else the next palette colour that no
    series has taken explicitly (so "Allowed" in green never shares its colour with a rule)."""
    fixed = [s.color or chart.colors.get(s.name, "") for s in chart.series]
    free = [c for c in PALETTE if c not in fixed] or list(PALETTE)
    colors, i = [], 0
    for color in fixed:
        if color:
            colors.append(color)
        else:
            colors.append(free[i % len(free)])
            i += 1
    return colors


def _summary(chart: Chart, totals: list[float]) -> str:
    kind = "Stacked bar chart" if chart.stacked and len(chart.series) > 1 else "Bar chart"
    if not any(totals):
        return f"{chart.title}. {kind} with no data."
    names = ", ".join(s.name for s in chart.series)
    top = max(range(len(totals)), key=lambda i: totals[i])
    return (
        f"{chart.title}. {kind} of {names} over {len(chart.categories)} "
        f"{chart.x_label.lower() or 'categories'}; total {_fmt(sum(totals))}, highest "
        f"{chart.categories[top]} with {_fmt(totals[top])}."
    )


def _legend(chart: Chart, left: float, top: float, width: float) -> tuple[list[str], float]:
    """Legend swatches wrapped over as many rows as needed; returns the parts and the height used."""
    if len(chart.series) < 2:
        return [], 0.0
    parts = ['<g class="legend">']
    colors = _colors(chart)
    x, y, row_height = left, top, 18.0
    for i, series in enumerate(chart.series):
        item_width = 22 + 7 * len(series.name) + 14
        if x + item_width > left + width and x > left:
            x, y = left, y + row_height
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="12" height="12" fill="{colors[i]}"></rect>'
            f'<text x="{x + 17:.1f}" y="{y + 10:.1f}" font-size="12" {FONT}>{escape(series.name)}</text>'
        )
        x += item_width
    parts.append("</g>")
    return parts, y - top + row_height + 6


def _head(chart: Chart, label: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{_attr(label)}" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet"'
        + (f' aria-describedby="{_attr(chart.described_by)}"' if chart.described_by else "")
        + f"><title>{escape(chart.title)}</title>"
    )


def render(chart: Chart) -> SafeString:
    """The chart as one accessible ``<svg>`` element (see the module docstring)."""
    n = len(chart.categories)
    for series in chart.series:
        if len(series.values) != n:
            raise ValueError(f"series {series.name!r} has {len(series.values)} values for {n} categories")
    values = [[float(v) for v in s.values] for s in chart.series]
    totals = [sum(col) for col in zip(*values, strict=True)] if values and n else [0.0] * n
    peak = max(totals if chart.stacked else [v for row in values for v in row], default=0.0)
    width, height = chart.width, chart.height
    label = _summary(chart, totals)
    if not n or peak <= 0:
        return mark_safe(  # noqa: S308 - every interpolated text is escaped above
            _head(chart, label, width, height)
            + f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="none" stroke="#ccc">'
            f'</rect><text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" font-size="14" '
            f'fill="#555" {FONT}>No data for the selected period.</text></svg>'
        )

    shown = [_short(c, ROTATED_LABEL_CHARS) for c in chart.categories]
    longest = max(len(c) for c in shown)
    rotate = n > 8 or longest * CHAR_WIDTH > (width - 76) / n
    # Rotated labels hang down and to the left of their tick: room below, and left of the first one.
    first_reach = len(shown[0]) * CHAR_WIDTH * COS40 - (width - 76) / n / 2 if rotate else 0.0
    left, right, top = max(64.0, first_reach + 8), 12.0, 10.0
    legend, legend_height = _legend(chart, left, top, width - left - right)
    plot_top = top + legend_height + 8
    bottom = (24 + longest * CHAR_WIDTH * SIN40 if rotate else 32.0) + (20 if chart.x_label else 0)
    # Long labels get their room below the plot, not out of it.
    height = max(height, int(height + bottom - 80))
    plot_height = height - plot_top - bottom
    plot_width = width - left - right
    whole = all(isinstance(v, int) for series in chart.series for v in series.values)
    ticks = nice_ticks(peak, integer=whole)
    scale = plot_height / ticks[-1]
    parts = [_head(chart, label, width, height), *legend]

    # y axis: grid lines, tick labels, axis label
    for tick in ticks:
        y = plot_top + plot_height - tick * scale
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" stroke="#e3e3e3"></line>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#333" {FONT}>'
            f"{_fmt(tick)}</text>"
        )
    if chart.y_label:
        cy = plot_top + plot_height / 2
        parts.append(
            f'<text transform="translate(14 {cy:.1f}) rotate(-90)" text-anchor="middle" font-size="12" '
            f'fill="#333" {FONT}>{escape(chart.y_label)}</text>'
        )

    # bars
    band = plot_width / n
    bar_width = band * 0.7
    colors = _colors(chart)
    for ci, category in enumerate(chart.categories):
        x0 = left + ci * band + (band - bar_width) / 2
        stack = 0.0
        for si, series in enumerate(chart.series):
            value = values[si][ci]
            if value <= 0:
                continue
            color = colors[si]
            if chart.stacked:
                x, w = x0, bar_width
                y = plot_top + plot_height - (stack + value) * scale
                stack += value
            else:
                w = bar_width / len(chart.series)
                x = x0 + si * w
                y = plot_top + plot_height - value * scale
            tip = f"{category} · {series.name}: {_value_text(series.values[ci])}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w - 0.5, 0.5):.1f}" '
                f'height="{max(value * scale, 0.5):.1f}" fill="{color}"><title>{escape(tip)}</title></rect>'
            )
        # category label
        cx = left + ci * band + band / 2
        ly = plot_top + plot_height + 14
        text = escape(shown[ci] if rotate else category)
        if rotate:
            parts.append(
                f'<text transform="translate({cx:.1f} {ly:.1f}) rotate(-40)" text-anchor="end" '
                f'font-size="11" fill="#333" {FONT}>{text}</text>'
            )
        else:
            parts.append(
                f'<text x="{cx:.1f}" y="{ly:.1f}" text-anchor="middle" font-size="11" fill="#333" {FONT}>'
                f"{text}</text>"
            )

    # axes and x label
    base = plot_top + plot_height
    parts.append(
        f'<line x1="{left}" y1="{base:.1f}" x2="{left + plot_width}" y2="{base:.1f}" stroke="#333"></line>'
        f'<line x1="{left}" y1="{plot_top:.1f}" x2="{left}" y2="{base:.1f}" stroke="#333"></line>'
    )
    if chart.x_label:
        parts.append(
            f'<text x="{left + plot_width / 2:.1f}" y="{height - 6}" text-anchor="middle" font-size="12" '
            f'fill="#333" {FONT}>{escape(chart.x_label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


def bar_chart(
    title: str, categories: Sequence[str], values: Sequence[Number], *, x_label: str = "", y_label: str = ""
) -> SafeString:
    """One series of bars."""
    return render(
        Chart(
            title=title,
            categories=tuple(categories),
            series=(Series(y_label or title, tuple(values)),),
            x_label=x_label,
            y_label=y_label,
        )
    )


def stacked_bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    x_label: str = "",
    y_label: str = "",
) -> SafeString:
    """Several series stacked in each category, with a legend."""
    return render(
        Chart(
            title=title,
            categories=tuple(categories),
            series=tuple(series),
            x_label=x_label,
            y_label=y_label,
        )
    )

"""The server-side SVG charts: accessible, escaped, with ticks and tooltips, and honest when empty."""

from __future__ import annotations

from decimal import Decimal

from compliance.charts import Chart, Series, bar_chart, nice_ticks, render, stacked_bar_chart


def test_nice_ticks_cover_the_maximum_in_round_steps() -> None:
    assert nice_ticks(83) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(5) == [0, 1, 2, 3, 4, 5]
    assert nice_ticks(1, integer=True) == [0, 1]
    assert nice_ticks(0.9) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(0) == [0.0, 1.0]


def test_a_stacked_chart_is_one_accessible_svg_with_a_tooltip_per_bar_and_a_legend() -> None:
    svg = stacked_bar_chart(
        "Decisions",
        ["W1", "W2"],
        [Series("Allowed", (3, 0)), Series("Blocked: HOURS", (1, 2))],
        x_label="Week",
        y_label="Decisions",
    )

    assert svg.startswith(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="Decisions.'
    )
    assert "<title>Decisions</title>" in svg
    assert svg.count("<rect") == 3 + 2  # three non-zero bars, two legend swatches
    assert "<title>W1 · Allowed: 3</title>" in svg and "<title>W2 · Blocked: HOURS: 2</title>" in svg
    assert "<title>W2 · Allowed: 0</title>" not in svg  # nothing drawn for a zero
    assert ">Week</text>" in svg and ">Decisions</text>" in svg
    assert "total 6, highest W1 with 4" in svg


def test_every_text_is_escaped() -> None:
    svg = bar_chart('<script>alert("x")</script>', ["<b>&"], [1])

    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "&lt;b&gt;&amp;" in svg


def test_an_all_zero_chart_says_there_is_no_data() -> None:
    svg = render(Chart(title="Empty", categories=("a", "b"), series=(Series("s", (0, 0)),)))

    assert 'role="img"' in svg and "No data for the selected period." in svg
    assert "with no data" in svg


def test_decimal_values_are_shown_exactly_in_tooltips() -> None:
    svg = bar_chart("Amounts", ["agent"], [Decimal("1234.50")])

    assert "<title>agent · Amounts: 1,234.50</title>" in svg


def test_series_of_the_wrong_length_are_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="has 1 values for 2 categories"):
        render(Chart(title="t", categories=("a", "b"), series=(Series("s", (1,)),)))

"""Analytics figures over a period, and the SVG charts drawn from them."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import date, datetime, timedelta

import pytest

from bot.console import analytics, charts
from tests.support.console import backdate, open_escalation, usage
from tests.support.steady_env import SteadyPaths

TODAY = date(2025, 6, 30)


def test_the_default_period_is_the_last_30_days() -> None:
    period = analytics.parse_period(None, "", TODAY)
    assert period == analytics.Period(date(2025, 6, 1), TODAY) and len(period.days()) == 30


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2025-02-30", None, "The start date '2025-02-30' is not a date"),
        (None, "tomorrow", "The end date 'tomorrow' is not a date"),
        ("2025-06-10", "2025-06-01", "The start date is after the end date."),
        ("2023-01-01", "2025-01-01", "at most 366 days"),
    ],
)
def test_a_bad_period_gets_a_clear_message(first: str | None, last: str | None, message: str) -> None:
    result = analytics.parse_period(first, last, TODAY)
    assert isinstance(result, str) and message in result


def run(
    pseudonym: str, run_id: str, exercise: str, at: datetime, before: float | None, after: float | None, complete: bool
) -> None:
    usage(pseudonym, "start", exercise=exercise, run_id=run_id, at=at)
    if before is not None:
        usage(pseudonym, "rating", exercise=exercise, run_id=run_id, phase="before", value=before, at=at)
    if after is not None:
        usage(
            pseudonym,
            "rating",
            exercise=exercise,
            run_id=run_id,
            phase="after",
            value=after,
            at=at + timedelta(minutes=5),
        )
    usage(
        pseudonym, "complete" if complete else "abandon", exercise=exercise, run_id=run_id, at=at + timedelta(minutes=6)
    )


def test_exercise_figures_pair_before_and_after_ratings_by_run(steady_env: SteadyPaths) -> None:
    day = datetime(2025, 6, 10, 22, 0)
    run("p-1", "a", "grounding", day, 8, 4, complete=True)  # -4
    run("p-2", "b", "grounding", day, 6, 5, complete=True)  # -1
    run("p-3", "c", "grounding", day, 7, None, complete=False)  # no pair
    run("p-1", "d", "breathing", day, None, None, complete=False)
    run("p-4", "e", "grounding", datetime(2025, 5, 1), 9, 1, complete=True)  # before the period
    figures = {
        figure.exercise: figure for figure in analytics.exercise_figures(analytics.Period(date(2025, 6, 1), TODAY))
    }
    grounding, breathing = figures["grounding"], figures["breathing"]
    assert (grounding.starts, grounding.completions, grounding.paired_ratings) == (3, 2, 2)
    assert grounding.mean_change == pytest.approx(-2.5) and grounding.completion_rate == pytest.approx(2 / 3)
    assert (breathing.starts, breathing.completions, breathing.mean_change) == (1, 0, None)


def test_a_run_started_on_the_last_day_counts_even_if_it_ends_the_next_day(steady_env: SteadyPaths) -> None:
    run("p-1", "a", "grounding", datetime(2025, 6, 30, 23, 58), 7, 3, complete=True)
    [figure] = analytics.exercise_figures(analytics.Period(TODAY, TODAY))
    assert (figure.starts, figure.completions, figure.mean_change) == (1, 1, -4)


def test_escalations_per_day_include_empty_days(steady_env: SteadyPaths) -> None:
    made = (
        ("a", "high", datetime(2025, 6, 2, 1)),
        ("b", "high", datetime(2025, 6, 2, 23)),
        ("c", "imminent", datetime(2025, 6, 4, 12)),
        ("d", "low", datetime(2025, 7, 1)),
    )
    for conversation, severity, when in made:
        backdate(open_escalation(conversation, severity), when)
    days = analytics.escalations_per_day(analytics.Period(date(2025, 6, 1), date(2025, 6, 4)))
    assert [(day.day, counts["high"], counts["imminent"], counts["low"]) for day, counts in days] == [
        (1, 0, 0, 0),
        (2, 2, 0, 0),
        (3, 0, 0, 0),
        (4, 0, 1, 0),
    ]


def test_a_chart_is_well_formed_svg_with_escaped_labels_and_bars_to_scale() -> None:
    svg = str(
        charts.bar_chart(
            "Runs <by> exercise",
            ["<script>", "b"],
            [charts.Series("Started", "s-start", [4, 2]), charts.Series("Completed", "s-complete", [2, 0])],
        )
    )
    assert "<script>" not in svg
    tree = ElementTree.fromstring(svg)
    rects = tree.findall(".//{http://www.w3.org/2000/svg}rect")
    heights = [float(rect.get("height")) for rect in rects]
    assert len(rects) == 4 and heights[3] == 0
    assert heights[0] == pytest.approx(2 * heights[1], abs=0.2) and heights[0] == pytest.approx(2 * heights[2], abs=0.2)


def test_negative_values_hang_below_the_zero_line() -> None:
    svg = str(charts.bar_chart("Change", ["a", "b"], [charts.Series("Mean change", "s-change", [-3, 1.5])]))
    tree = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    zero = float(tree.find(f".//{ns}line[@class='axis']").get("y1"))
    down, up = tree.findall(f".//{ns}rect")
    assert float(down.get("y")) == pytest.approx(zero, abs=0.1) and float(down.get("height")) > 0
    assert float(up.get("y")) + float(up.get("height")) == pytest.approx(zero, abs=0.1)


def test_stacked_bars_add_up() -> None:
    svg = str(
        charts.bar_chart(
            "Per day",
            ["d1"],
            [charts.Series("high", "s-high", [2]), charts.Series("imminent", "s-imminent", [3])],
            stacked=True,
        )
    )
    rects = ElementTree.fromstring(svg).findall(".//{http://www.w3.org/2000/svg}rect")
    low, high = rects
    assert float(high.get("y")) + float(high.get("height")) == pytest.approx(float(low.get("y")), abs=0.1)
    assert float(high.get("height")) == pytest.approx(1.5 * float(low.get("height")), abs=0.2)

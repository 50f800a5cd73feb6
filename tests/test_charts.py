"""The gabapentin titration chart: layers, cap rule, tooltips and data."""

from __future__ import annotations

from unittest.mock import patch

import altair as alt
import pytest

from logic.engine.gabapentin import build_gabapentin_plan
from logic.engine.renal import RenalBand
from logic.formats.charts import titration_chart, titration_spec


def spec(band: RenalBand, crcl: float | None, **kwargs: float) -> tuple[dict, object]:
    plan = build_gabapentin_plan(band, crcl, **kwargs)
    chart = titration_chart(plan)
    assert isinstance(chart, alt.LayerChart)
    return chart.to_dict(), plan


def marks(d: dict) -> list[str]:
    return [layer["mark"]["type"] for layer in d["layer"]]


def layer_data(d: dict, layer: dict) -> list[dict]:
    """Inline rows of a layer (Altair moves data to top-level datasets)."""
    return d["datasets"][layer["data"]["name"]]


def test_chart_has_band_step_line_points_rule_and_label():
    """Layers: effective-range band, step line, points, dashed cap rule, cap label."""
    d, _ = spec(RenalBand.normal, 90)
    assert marks(d) == ["rect", "line", "point", "rule", "text"]
    line = d["layer"][1]["mark"]
    assert line["interpolate"] == "step-after"
    assert d["layer"][3]["mark"]["strokeDash"]


@pytest.mark.parametrize(
    ("band", "crcl", "cap"),
    [(RenalBand.normal, 90, 3600), (RenalBand.moderate, 45, 1400), (RenalBand.severe, 20, 700)],
)
def test_rule_sits_at_renal_maximum_with_label(band, crcl, cap):
    """The dashed rule is at the label cap and its text names the CrCl band."""
    d, _ = spec(band, crcl)
    rule = d["layer"][3]
    rows = layer_data(d, rule)
    assert rows[0]["total_daily_mg"] == cap
    assert rows[0]["label"] == f"Renal maximum {cap} mg/day (CrCl band {band.value})"


def test_step_data_has_one_row_per_plan_step():
    """Line data rows are the plan's steps, day by day."""
    d, plan = spec(RenalBand.normal, 90)
    rows = layer_data(d, d["layer"][1])
    assert [r["day"] for r in rows] == [s.day for s in plan.steps]
    assert [r["total_daily_mg"] for r in rows] == [s.total_daily_mg for s in plan.steps]
    assert [r["dose_mg"] for r in rows] == [s.doses[0] for s in plan.steps]


def test_points_have_tooltips_for_day_total_frequency_and_dose():
    """Hovering a point shows day, total mg/day, doses per day and mg per dose."""
    d, _ = spec(RenalBand.normal, 90)
    tooltip = d["layer"][2]["encoding"]["tooltip"]
    assert [t["field"] for t in tooltip] == ["day", "total_daily_mg", "doses_per_day", "dose_mg"]


def test_effective_band_is_clipped_to_y_domain():
    """The 1200–3600 band stops at the top of the y axis (10 % above max(cap, target))."""
    d, _ = spec(RenalBand.moderate, 45, target_daily_mg=1800)
    band_rows = layer_data(d, d["layer"][0])
    top = 1800 * 1.1
    assert band_rows[0]["y"] == 1200
    assert band_rows[0]["y2"] == pytest.approx(top)
    assert d["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0, pytest.approx(top)]


def test_effective_band_hidden_when_below_the_axis():
    """With a 300 mg/day ceiling and target, the 1200+ band is not drawn."""
    d, _ = spec(RenalBand.very_severe, None, target_daily_mg=300)
    assert marks(d) == ["line", "point", "rule", "text"]


def test_chart_fills_container_and_has_titles():
    """Width follows the container; axes and chart are titled."""
    d, _ = spec(RenalBand.normal, 90)
    assert d["width"] == "container"
    assert d["title"]["text"] == "Gabapentin titration"
    line_enc = d["layer"][1]["encoding"]
    assert line_enc["x"]["title"] == "Day"
    assert line_enc["y"]["title"] == "Total daily dose (mg/day)"


def test_chart_without_steps_still_renders():
    """A no-schedule plan (CrCl < 5) still gives a chart with the cap rule."""
    d, plan = spec(RenalBand.very_severe, 4)
    assert plan.steps == ()
    assert "rule" in marks(d)


@pytest.mark.parametrize(
    ("band", "crcl"), [(RenalBand.normal, 90), (RenalBand.severe, 20), (RenalBand.very_severe, 4)]
)
def test_titration_spec_is_the_chart_as_a_dict(band, crcl):
    """The spec the page draws is exactly the Altair chart's Vega-Lite dict."""
    plan = build_gabapentin_plan(band, crcl)
    assert titration_spec(plan) == titration_chart(plan).to_dict()


def test_titration_spec_is_built_once_per_plan():
    """A second request for the same plan (an equal model, not the same object) is not rebuilt."""
    with patch("logic.formats.charts.titration_chart", wraps=titration_chart) as build:
        first = titration_spec(build_gabapentin_plan(RenalBand.moderate, 45))
        again = titration_spec(build_gabapentin_plan(RenalBand.moderate, 45))
        other = titration_spec(build_gabapentin_plan(RenalBand.severe, 20))
    assert again is first
    assert other is not first
    assert build.call_count == 2


def test_drawing_the_spec_leaves_it_unchanged():
    """st.vega_lite_chart moves the datasets out of *its copy*: the memoised dict stays whole."""
    from streamlit.testing.v1 import AppTest

    def page() -> None:
        import streamlit as st

        from logic.engine.gabapentin import build_gabapentin_plan
        from logic.engine.renal import RenalBand
        from logic.formats.charts import titration_spec

        st.vega_lite_chart(titration_spec(build_gabapentin_plan(RenalBand.normal, 90)))

    plan = build_gabapentin_plan(RenalBand.normal, 90)
    at = AppTest.from_function(page).run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 1
    assert titration_spec(plan) == titration_chart(plan).to_dict()
    assert titration_spec(plan)["datasets"]

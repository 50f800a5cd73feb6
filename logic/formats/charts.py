"""Altair charts for the plan. Pure chart objects: the page decides how to show them.

The titration chart puts the day-by-day dose next to the renal ceiling and the usual effective
range, so a reader sees at a glance whether the target is reachable with this kidney function.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from logic.models import GabapentinPlan

if TYPE_CHECKING:  # imported where a chart is built: Altair and pandas cost ~0.5 s to import
    import altair as alt
    import pandas as pd

# NeuPSIG recommendations (Finnerup NB et al. Lancet Neurol 2015;14:162-73): gabapentin
# 1200–3600 mg/day in three divided doses.
EFFECTIVE_RANGE_MG: tuple[float, float] = (1200, 3600)
EFFECTIVE_RANGE_SOURCE = "NeuPSIG, Finnerup 2015"
Y_TITLE = "Total daily dose (mg/day)"
HEADROOM = 1.1  # y axis extends 10 % above max(cap, target) so the cap label fits
CHART_HEIGHT = 280  # px: tall enough to read on a phone, short enough to scroll past
STEP_COLOUR = "#1f5f8b"
CAP_COLOUR = "#b22222"
RANGE_COLOUR = "#2e8b57"
AXIS_LABEL_SIZE, AXIS_TITLE_SIZE = 12, 13  # readable on a phone


def _steps_frame(plan: GabapentinPlan) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "day": [s.day for s in plan.steps],
            "total_daily_mg": [s.total_daily_mg for s in plan.steps],
            "doses_per_day": [len(s.doses) for s in plan.steps],
            "dose_mg": [s.doses[0] for s in plan.steps],
        },
        columns=["day", "total_daily_mg", "doses_per_day", "dose_mg"],
    )


def titration_chart(plan: GabapentinPlan) -> alt.LayerChart:
    """Daily gabapentin dose by day, against the renal maximum and the usual effective range."""
    import altair as alt
    import pandas as pd

    steps = _steps_frame(plan)
    y_top = max(plan.max_daily_mg, plan.target_daily_mg) * HEADROOM
    last_day = int(steps["day"].max()) if not steps.empty else 14
    x_scale = alt.Scale(domain=[1, last_day], nice=False)
    y_scale = alt.Scale(domain=[0, y_top], nice=False)
    x = alt.X(
        "day:Q",
        title="Day",
        scale=x_scale,
        axis=alt.Axis(
            tickMinStep=1, format="d", labelFontSize=AXIS_LABEL_SIZE, titleFontSize=AXIS_TITLE_SIZE
        ),
    )
    y = alt.Y(
        "total_daily_mg:Q",
        title=Y_TITLE,
        scale=y_scale,
        axis=alt.Axis(labelFontSize=AXIS_LABEL_SIZE, titleFontSize=AXIS_TITLE_SIZE),
    )

    layers: list[alt.Chart] = []
    low, high = EFFECTIVE_RANGE_MG
    if low < y_top:
        band = pd.DataFrame(
            {
                "y": [low],
                "y2": [min(high, y_top)],
                "label": [
                    f"Usual effective range {low:g}–{high:g} mg/day ({EFFECTIVE_RANGE_SOURCE})"
                ],
            }
        )
        layers.append(
            alt.Chart(band)
            .mark_rect(color=RANGE_COLOUR, opacity=0.12)
            .encode(
                y=alt.Y("y:Q", scale=y_scale, title=Y_TITLE),
                y2="y2:Q",
                tooltip=[alt.Tooltip("label:N", title="Shaded band")],
            )
        )

    tooltip = [
        alt.Tooltip("day:Q", title="Day"),
        alt.Tooltip("total_daily_mg:Q", title="Total mg/day", format=",.0f"),
        alt.Tooltip("doses_per_day:Q", title="Doses per day"),
        alt.Tooltip("dose_mg:Q", title="mg per dose", format=",.0f"),
    ]
    base = alt.Chart(steps).encode(x=x, y=y, tooltip=tooltip)
    layers.append(base.mark_line(interpolate="step-after", color=STEP_COLOUR, strokeWidth=2.5))
    layers.append(base.mark_point(color=STEP_COLOUR, filled=True, size=45))

    cap_label = f"Renal maximum {plan.max_daily_mg:g} mg/day (CrCl band {plan.band})"
    cap = pd.DataFrame({"total_daily_mg": [plan.max_daily_mg], "label": [cap_label]})
    cap_chart = alt.Chart(cap).encode(
        y=alt.Y("total_daily_mg:Q", scale=y_scale, title=Y_TITLE),
        tooltip=[alt.Tooltip("label:N", title="Cap")],
    )
    layers.append(cap_chart.mark_rule(color=CAP_COLOUR, strokeDash=[6, 4], strokeWidth=2))
    layers.append(
        cap_chart.mark_text(
            align="left", baseline="bottom", dx=4, dy=-3, color=CAP_COLOUR, fontSize=12
        ).encode(x=alt.value(0), text="label:N")
    )

    chart = alt.LayerChart(layer=layers)
    return chart.properties(
        width="container",
        height=CHART_HEIGHT,
        title=alt.TitleParams(
            "Gabapentin titration",
            subtitle=f"Target {plan.target_daily_mg:g} mg/day; one point per day",
            anchor="start",
        ),
    )


def titration_spec(plan: GabapentinPlan) -> dict[str, Any]:
    """`titration_chart(plan).to_dict()`, built once per plan and then reused.

    Building and schema-validating the Altair chart takes tens of milliseconds; the page redraws
    the same plan's chart on every rerun. The result is shared between callers: read it, do not
    change it (`st.vega_lite_chart` copies before it edits). The cache is keyed on the plan (a
    frozen, hashable model) and on the chart builder, so a replaced `titration_chart` (a test's
    patch, say) is never answered from the old builder's results.
    """
    return _spec(plan, titration_chart)


@lru_cache(maxsize=64)
def _spec(
    plan: GabapentinPlan, build: Callable[[GabapentinPlan], alt.LayerChart]
) -> dict[str, Any]:
    return build(plan).to_dict()

"""The summary card leads with what is most urgent (issue 21), driven with AppTest."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from logic.engine.avoid_list import merge_avoid
from logic.engine.cautions import gabapentin_ceiling
from logic.engine.plan import build_plan
from logic.formats.share import share_query_string
from logic.models import PatientCase

#: NSAID labels (boxed warning, renal toxicity): ibuprofen after CrCl < 30 and with an
#: anticoagulant is contraindicated; the review says harm may already have been done.
HARMED = PatientCase(
    age_years=58,
    sex="male",
    weight_kg=70,
    crcl_ml_min=25,
    conditions=["anticoagulant_use"],
    tried=[{"drug": "ibuprofen", "dose": 400}],
    radicular=True,
)
SAFE = PatientCase(age_years=40, sex="male", weight_kg=70, crcl_ml_min=90)


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches():
    st.cache_data.clear()
    st.cache_resource.clear()


def open_case(case: PatientCase) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=30)
    for key, value in parse_qsl(share_query_string(case)):
        at.query_params[key] = value
    return at.run()


def test_harm_already_done_is_on_the_summary_card() -> None:
    at = open_case(HARMED)
    assert not at.exception
    titles = [getattr(e.proto, "title", "") for e in at.error]
    assert "Harm may already have been done" in titles
    assert any("ibuprofen" in e.value.lower() for e in at.error)
    safe = open_case(SAFE)
    assert "Harm may already have been done" not in [
        getattr(e.proto, "title", "") for e in safe.error
    ]


def test_gabapentin_figure_is_the_order_cap() -> None:
    """One number for the cap: the figure shows the discharge order's 'max ... mg/day', not
    the label's band maximum beside it (issue 21: 'max 400' next to 'Gabapentin max 700')."""
    plan = build_plan(HARMED)
    ceiling = gabapentin_ceiling(plan)
    assert ceiling is not None
    order = next(o for o in plan.discharge if o.generic == "gabapentin")
    assert f"(max {ceiling:g} mg/day)" in order.sig
    at = open_case(HARMED)
    figures = {m.label: m.value for m in at.metric}
    assert figures["Gabapentin max (mg/day)"] == f"{ceiling:g}"


def test_summary_avoid_line_names_each_drug_once() -> None:
    case = PatientCase(
        age_years=72,
        sex="female",
        weight_kg=60,
        serum_creatinine_mg_dl=1.0,
        conditions=["serotonergic_drug_use"],
    )
    at = open_case(case)
    line = next(m.value for m in at.markdown if "**Avoid:**" in m.value)
    names = line.split("**Avoid:** ", 1)[1].split("; ")
    assert len(names) == len(set(names))
    assert len(names) == len(merge_avoid(build_plan(case).avoid))

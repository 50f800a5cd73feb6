"""The Streamlit page, driven headlessly with AppTest (what a user sees, not the clinical maths)."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from logic.engine.plan import build_plan
from logic.formats.typed_number import read_number
from logic.library.cases import CASES_DIR, load_case
from logic.models import PatientCase

CONTENT = Path(__file__).resolve().parent.parent / "content"

# The reference case the page opens on: cases/reference.toml is its only copy.
REFERENCE = load_case(CASES_DIR / "reference.toml").case
REFERENCE_TRIED = tuple(item.drug for item in REFERENCE.tried)


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches():
    """st.cache_data is process-global; clear it so no test sees another's evidence."""
    st.cache_data.clear()
    st.cache_resource.clear()


def typed(at: AppTest, key: str) -> float | None:
    """The number a number box holds (its text, read as the page reads it)."""
    return read_number(at.text_input(key=key).value).value


def page() -> AppTest:
    """The page after its first run, with the generous timeout a loaded CI machine needs."""
    return AppTest.from_file("../app.py", default_timeout=30).run()


def metrics(at: AppTest) -> dict[str, str]:
    """Key figures by label."""
    return {m.label: m.value for m in at.metric}


def subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def text(at: AppTest) -> str:
    """All markdown, captions and alerts on the page, for 'is it shown' checks."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [a.value for kind in (at.error, at.warning, at.info, at.success) for a in kind]
    return "\n".join(parts)


def has_section(at: AppTest, words: str) -> bool:
    return any(words in s for s in subheaders(at))


def test_default_page_shows_reference_plan():
    """The page opens on the reference case and shows a full plan with no exception or error."""
    at = page()
    assert not at.exception
    assert not at.error
    assert at.multiselect(key="tried").value == list(REFERENCE_TRIED)
    assert typed(at, "tried_doses_given_orphenadrine") == 2
    figures = metrics(at)
    assert set(figures) >= {"CrCl (mL/min)", "Opioid (MME/day)", "Naloxone"}
    assert figures["Naloxone"] in {"Yes", "No"}
    for section in ("Give now", "Why what was tried did not work", "Discharge plan", "Avoid"):
        assert has_section(at, section), section
    assert not has_section(at, "Safety"), "details are built only while their tab is open"
    at.session_state["plan_tab"] = "Safety and follow-up"
    at.run()
    for section in ("Safety", "Follow-up"):
        assert has_section(at, section), section
    at.session_state["plan_tab"] = "Why"
    at.run()
    assert "non-radicular" in " ".join(subheaders(at))
    shown = text(at)
    plan = build_plan(reference_case())
    for order in (*plan.give_now, *plan.discharge):
        assert order.sig in shown
    for review in plan.tried_review:
        assert review.reason in shown
    assert not at.get("vega_lite_chart"), "no titration chart for non-radicular pain"


def test_radicular_shows_titration_section():
    """Switching to radicular pain adds the gabapentin titration chart, table and CSV download."""
    at = page()
    at.toggle(key="radicular").set_value(True).run()
    assert not at.exception
    assert has_section(at, "Gabapentin titration")
    assert has_section(at, "Discharge plan (radicular pain)")
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    assert charts[0].proto.alt.startswith("Gabapentin total daily dose by day")
    table = at.dataframe[0].value
    assert {"day", "dose_mg", "capsules"} <= set(table.columns)
    assert at.download_button[0].label == "Download the schedule (CSV)"


def test_radicular_feature_switches_radicular_on():
    """Ticking a radicular feature (leg pain below the knee) turns the radicular switch on."""
    at = page()
    at.pills(key="radicular_features").set_value(["leg_pain_below_knee"]).run()
    assert at.toggle(key="radicular").value is True
    assert len(at.get("vega_lite_chart")) == 1


def test_crcl_25_lowers_gabapentin_maximum():
    """Entering a creatinine clearance of 25 mL/min lowers the gabapentin maximum shown."""
    at = page()
    at.toggle(key="radicular").set_value(True).run()
    before = float(metrics(at)["Gabapentin max (mg/day)"])
    at.segmented_control(key="creatinine_unit").set_value("crcl").run()
    at.text_input(key="crcl_ml_min").input(str(25)).run()
    assert not at.exception
    after = float(metrics(at)["Gabapentin max (mg/day)"])
    assert after < before
    assert metrics(at)["CrCl (mL/min)"] == "25"
    assert f"{after:g} mg/day" in text(at)


def test_emergency_red_flag_replaces_plan():
    """A cauda equina red flag shows the emergency banner and hides the discharge plan."""
    at = page()
    at.pills(key="red_flags").set_value(["saddle_anesthesia"]).run()
    assert not at.exception
    assert at.error, "emergency banner"
    assert "MRI" in at.error[0].value
    assert not has_section(at, "Discharge plan")
    assert not has_section(at, "Avoid")
    assert has_section(at, "Analgesia while this is arranged")
    assert not at.metric


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("weight_kg", 900.0, ["Weight", "25–350 kg"]),
        ("serum_creatinine_mg_dl", 88.0, ["Serum creatinine", "0.1–25 mg/dL"]),
        ("age_years", 12, ["Age", "18–110 years"]),
        ("pain_duration_weeks", 9999.0, ["Pain duration", "0–520 weeks"]),
    ],
)
def test_out_of_range_input_shows_error_and_no_plan(key, value, words):
    """An implausible value is named with its range beside the input and above; no plan shows."""
    at = page()
    at.text_input(key=key).input(str(value)).run()
    assert not at.exception
    beside_input, summary = at.error
    for word in words:
        assert word in beside_input.value
        assert word in summary.value
    assert not at.metric
    assert not has_section(at, "Give now")


def test_inconsistent_case_shows_error():
    """A model-level contradiction (dialysis with CrCl 80) is shown as a sentence, not a trace."""
    at = page()
    at.segmented_control(key="creatinine_unit").set_value("crcl").run()
    at.text_input(key="crcl_ml_min").input(str(80)).run()
    at.checkbox(key="on_hemodialysis").check().run()
    assert not at.exception
    assert "haemodialysis" in at.error[0].value
    assert not at.metric


@pytest.mark.parametrize(
    ("list_name", "drug", "dose", "unit", "words"),
    [
        # The model's limit: a dose is more than 0 and at most 5000 (in its unit).
        (
            "current_medications",
            "oxycodone",
            6000.0,
            None,
            ["Regular medicines, oxycodone (Roxicodone): dose each time", "at most 5000"],
        ),
        # Oxycodone comes as tablets and solutions in mg (Roxicodone, OxyContin labels).
        (
            "current_medications",
            "oxycodone",
            10.0,
            "mcg",
            ["Regular medicines, oxycodone (Roxicodone): dose unit", "dosed in mg, not mcg"],
        ),
        # Fentanyl is dosed in mcg (Sublimaze, Actiq, Fentora) or mcg/h (Duragesic), never mg.
        (
            "current_medications",
            "fentanyl",
            100.0,
            "mg",
            ["Regular medicines, fentanyl (Sublimaze): dose unit", "mcg (mcg/h for a patch)"],
        ),
        (
            "tried",
            "fentanyl",
            100.0,
            "mg",
            ["Medicines already tried, fentanyl (Sublimaze): dose unit", "not mg"],
        ),
    ],
)
def test_a_bad_medicine_dose_names_its_list_and_medicine_and_no_plan(
    list_name, drug, dose, unit, words
):
    """A wrong dose or unit in a medicine row is named with its list and medicine, beside the
    list and above the plan; no plan (no metric) is shown and no traceback."""
    at = page()
    at.multiselect(key=list_name).select(drug).run()
    prefix = "current" if list_name == "current_medications" else "tried"
    if list_name == "tried":
        at.selectbox(key=f"tried_relief_{drug}").select("none").run()
    at.text_input(key=f"{prefix}_dose_{drug}").input(str(dose)).run()
    if unit is not None:
        at.selectbox(key=f"{prefix}_unit_{drug}").select(unit).run()
    assert not at.exception
    shown = [e.value.replace("\\", "") for e in at.error]  # Markdown escapes, as rendered
    for word in words:
        assert sum(word in value for value in shown) == 2, (word, shown)  # beside it and above
    assert not at.metric
    assert not has_section(at, "Give now")


def test_a_good_regular_medicine_dose_shows_the_plan():
    """The other side: oxycodone 10 mg twice a day builds a plan with its MME."""
    at = page()
    at.multiselect(key="current_medications").select("oxycodone").run()
    at.text_input(key="current_dose_oxycodone").input(str(10.0)).run()
    at.text_input(key="current_doses_per_day_oxycodone").input(str(2.0)).run()
    assert not at.exception
    assert not at.error
    assert at.metric


def test_engine_failure_shows_message_not_traceback():
    """If the engine raises, the page says so plainly and shows no plan and no exception."""
    with patch("logic.engine.plan.build_plan", side_effect=RuntimeError("boom")):
        at = page()
    assert not at.exception
    assert "could not be built" in at.error[0].value
    assert not at.metric


def test_display_failure_shows_message_not_traceback():
    """If drawing part of the plan raises, the page says so plainly instead of a traceback."""
    at = page()
    with patch("logic.formats.charts.titration_chart", side_effect=ValueError("bad chart")):
        at.toggle(key="radicular").set_value(True).run()
    assert not at.exception
    assert "could not be displayed" in at.error[-1].value


@pytest.mark.parametrize("audience", ["clinician", "resident", "patient"])
def test_each_audience_renders(audience):
    """Clinician, resident and patient views all render; only professionals see orders."""
    at = page()
    at.segmented_control(key="audience").set_value(audience).run()
    assert not at.exception
    sig = build_plan(reference_case()).discharge[0].sig
    if audience == "resident":  # attempt first, then reveal (issue 21)
        assert sig not in text(at)
        at.button(key="attempt_reveal").click().run()
    shown = text(at)
    if audience == "patient":
        assert sig not in shown
        assert "not a prescription" in shown
        assert "Come back now" in shown
        assert "PDMP" not in shown, "no clinician items in the patient view"
        assert not at.text_input, "no form in the patient view"
    else:
        assert sig in shown
    if audience == "resident":
        at.session_state["plan_tab"] = "Pitfalls"
        at.run()
        assert has_section(at, "Pitfalls")


def test_pounds_are_converted_and_shown():
    """Switching weight to pounds keeps the patient's weight and shows the kg conversion."""
    at = page()
    at.segmented_control(key="weight_unit").set_value("lb").run()
    assert typed(at, "weight_kg") == pytest.approx(176.4)
    assert "= 80.0 kg" in text(at)
    at.text_input(key="weight_kg").input(str(180.0)).run()
    assert not at.exception
    assert "= 81.6 kg" in text(at)


def test_micromoles_are_converted_and_shown():
    """Switching creatinine to µmol/L converts the typed value (0.9 mg/dL x 88.4 = 79.56, shown
    to one decimal) instead of reinterpreting it; a value typed in µmol/L is converted once."""
    at = page()
    at.segmented_control(key="creatinine_unit").set_value("µmol/L").run()
    assert typed(at, "serum_creatinine_mg_dl") == pytest.approx(79.6)
    at.text_input(key="serum_creatinine_mg_dl").input(str(88.4)).run()
    assert not at.exception
    assert "= 1.00 mg/dL" in text(at)
    expected = build_plan(REFERENCE.model_copy(update={"serum_creatinine_mg_dl": 1.0}))
    assert metrics(at)["CrCl (mL/min)"] == f"{expected.renal.crcl_ml_min:.0f}"


@pytest.mark.parametrize(
    ("back_to", "expected"),
    [
        ("mg/dL", REFERENCE.serum_creatinine_mg_dl),  # the value as typed
        # the same quantity in the other unit: x 88.4 µmol/L per mg/dL, to one decimal
        ("µmol/L", round(REFERENCE.serum_creatinine_mg_dl * 88.4, 1)),
    ],
)
def test_crcl_known_and_back_keeps_the_creatinine(back_to: str, expected: float):
    """Choosing "CrCl known" hides the creatinine without emptying it (issue 21): back on a
    creatinine unit it is there again, converted from the unit it was typed in, and the plan is
    the one it gave before."""
    at = page()
    before = metrics(at)["CrCl (mL/min)"]
    at.segmented_control(key="creatinine_unit").set_value("crcl").run()
    at.text_input(key="crcl_ml_min").input("25").run()
    at.segmented_control(key="creatinine_unit").set_value(back_to).run()
    assert not at.exception
    assert typed(at, "serum_creatinine_mg_dl") == pytest.approx(expected)
    assert metrics(at)["CrCl (mL/min)"] == before
    # and the clearance typed meanwhile is kept the same way
    at.segmented_control(key="creatinine_unit").set_value("crcl").run()
    assert typed(at, "crcl_ml_min") == 25
    assert metrics(at)["CrCl (mL/min)"] == "25"


def test_height_in_inches_converts_on_switch():
    """70 in switched to cm becomes 177.8 cm (70 x 2.54), not 70 cm."""
    at = page()
    at.segmented_control(key="height_unit").set_value("in").run()
    at.text_input(key="height_cm").input(str(70.0)).run()
    at.segmented_control(key="height_unit").set_value("cm").run()
    assert typed(at, "height_cm") == pytest.approx(177.8)


def test_values_are_shown_as_typed():
    """0.6 weeks stays 0.6 and 3.5 stays 3.5 (no rounding across the 4-week rule)."""
    at = page()
    assert typed(at, "pain_duration_weeks") == pytest.approx(0.6)
    at.text_input(key="pain_duration_weeks").input(str(3.5)).run()
    assert not at.exception
    assert typed(at, "pain_duration_weeks") == pytest.approx(3.5)


def test_pregnancy_only_for_female():
    """The pregnancy box appears only when the patient is female."""
    at = page()
    assert "pregnant" not in [c.key for c in at.checkbox]
    at.segmented_control(key="sex").set_value("female").run()
    assert "pregnant" in [c.key for c in at.checkbox]
    assert not at.exception


def test_new_case_clears_and_reference_restores():
    """'New case' empties every clinical field and the URL and names what is required;
    'Reference case' brings the reference case back."""
    at = page()
    at.segmented_control(key="setting").set_value("clinic").run()
    at.button(key="new_case").click().run()
    assert not at.exception
    assert at.multiselect(key="tried").value == []
    for key in ("age_years", "weight_kg", "serum_creatinine_mg_dl", "pain_duration_weeks"):
        assert typed(at, key) is None, key
    assert typed(at, "pain_score") is None
    for key in ("sex", "setting"):
        assert at.segmented_control(key=key).value is None, key
    assert at.toggle(key="radicular").value is False
    assert at.pills(key="red_flags").value == []
    message = at.info[0].value
    for required in ("age", "sex", "weight", "serum creatinine", "pain duration", "pain score"):
        assert required in message, required
    assert "Required" in at.text_input(key="age_years").placeholder
    assert not at.metric
    assert dict(at.query_params) in ({}, {"audience": "clinician"})
    at.button(key="reference_case").click().run()
    assert at.multiselect(key="tried").value == list(REFERENCE_TRIED)
    assert at.metric


def test_a_new_medicine_needs_its_relief():
    """A medicine added to the tried list asks for its own relief before a plan is shown."""
    at = page()
    at.multiselect(key="tried").select("naproxen").run()
    assert "relief with naproxen" in at.info[0].value
    assert not at.metric
    at.selectbox(key="tried_relief_naproxen").select("partial").run()
    assert at.metric
    assert not at.exception


def test_an_empty_dose_unit_shows_the_unit_the_engine_will_read():
    """Fentanyl is dosed in mcg (and a patch in mcg/h: Duragesic label), so an empty unit box
    must not say mg; most drugs are in mg."""
    at = page()
    at.multiselect(key="current_medications").select("fentanyl").run()
    assert at.multiselect(key="current_medications").value == ["fentanyl"]
    unit = at.selectbox(key="current_unit_fentanyl")
    assert unit.proto.placeholder == "mcg"
    at.selectbox(key="current_formulation_fentanyl").select("patch").run()
    assert at.selectbox(key="current_unit_fentanyl").proto.placeholder == "mcg/h"
    assert at.selectbox(key="tried_unit_ketorolac").proto.placeholder == "mg"
    assert not at.exception


def test_regular_medicines_can_be_added_and_removed_on_the_page():
    """The picker keeps what was picked (its callback forgets only the rows of medicines taken
    off the list), and each medicine's dose row keeps its values while another is removed."""
    at = page()
    picker = at.multiselect(key="current_medications")
    picker.select("sertraline").run()
    at.multiselect(key="current_medications").select("apixaban").run()
    assert at.multiselect(key="current_medications").value == ["sertraline", "apixaban"]
    at.text_input(key="current_dose_sertraline").input(str(50)).run()
    at.multiselect(key="current_medications").unselect("apixaban").run()
    assert at.multiselect(key="current_medications").value == ["sertraline"]
    assert typed(at, "current_dose_sertraline") == 50
    assert "current_dose_apixaban" not in at.session_state
    assert not at.exception


def test_a_combination_product_is_picked_by_its_name_and_its_acetaminophen_is_seen():
    """Percocet is its own pick-list entry (Percocet label: oxycodone with acetaminophen), so
    the plan withholds a second acetaminophen naming it (FDA 2011); a link restores it."""
    at = page()
    at.multiselect(key="current_medications").select("percocet").run()
    at.text_input(key="current_dose_percocet").input(str(10)).run()
    at.text_input(key="current_doses_per_day_percocet").input(str(6)).run()
    assert not at.exception
    assert "Already takes acetaminophen in Percocet" in text(at)
    linked = AppTest.from_file("../app.py", default_timeout=30)
    linked.query_params["age_years"] = "50"
    linked.query_params["sex"] = "male"
    linked.query_params["weight_kg"] = "80"
    linked.query_params["current_medications"] = "percocet:10:mg:6"
    linked.run()
    assert linked.multiselect(key="current_medications").value == ["percocet"]
    assert typed(linked, "current_dose_percocet") == 10
    assert not linked.exception


def test_link_prefills_widgets():
    """A shared link's query parameters set the widgets on first load (audience by label too)."""
    at = AppTest.from_file("../app.py", default_timeout=30)
    at.query_params["audience"] = "Resident"
    at.query_params["radicular"] = "true"
    at.run()
    assert at.segmented_control(key="audience").value == "resident"
    assert at.toggle(key="radicular").value is True


@pytest.mark.parametrize("radicular", [False, True])
def test_every_cited_evidence_id_has_a_content_file(radicular):
    """Each evidence id the plan cites (default and radicular case) has a content/<id>.md page."""
    if not list(CONTENT.glob("*.md")):
        pytest.skip("content/ has no evidence pages yet")
    from logic.library.evidence import load_evidence

    library = load_evidence(CONTENT)
    plan = build_plan(reference_case(radicular=radicular))
    missing = [i for i in plan.evidence_ids if not (CONTENT / f"{i}.md").exists()]
    assert not missing
    assert set(plan.evidence_ids) <= set(library)


def reference_case(radicular: bool = False) -> PatientCase:
    """The case the page opens on, read from cases/reference.toml (its only copy)."""
    return REFERENCE.model_copy(update={"radicular": radicular})


def page_default_crcl() -> str:
    return f"{build_plan(reference_case()).renal.crcl_ml_min:.0f}"


def test_a_medicine_outside_the_catalogue_is_kept_as_not_checked():
    """Issue 20: a name the lists do not know is typed in its own box; the plan is still built
    and names it as not checked for interactions (a caution), in plain text."""
    at = page()
    at.multiselect(key="unchecked_medicines").set_value(["Blorpamine **x**"]).run()
    assert not at.exception
    assert not at.error
    assert has_section(at, "Give now")
    at.session_state["plan_tab"] = "Safety and follow-up"
    at.run()
    cautions = " ".join(w.value for w in at.warning)
    assert "Not checked for interactions: Blorpamine x" in cautions

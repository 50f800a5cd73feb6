"""The case form: compact inputs in the left column, every widget keyed as in ui.fields.FIELDS.

Widgets carry no limits of their own: a typed value always reaches the model, whose ranges decide
(an out-of-range number hides the plan and is named beside its input, never silently kept).
Number boxes are text boxes (ui.number_box): text that is not a number is named, never guessed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from logic.case_fields import ROW_PARTS
from logic.drugs.catalogue import (
    CATALOGUE,
    DoseUnit,
    Formulation,
    default_unit,
    display_name,
    known_names,
    medicine_names,
    picker_label,
    resolve_drug,
)
from logic.drugs.suggest import suggest
from logic.engine import units
from logic.engine.thresholds import PREGNANCY_NSAID_AVOID_WEEKS_FROM
from logic.engine.triage import GROUPS, red_flag_label
from logic.formats.plaintext import plain_text
from logic.formats.typed_number import read_number
from logic.models import Allergy, ChildPugh, Condition, RedFlag, Relief, Route
from ui.fields import (
    BLANK,
    FIELDS,
    KIDNEY_INPUTS,
    ROWS,
    UNIT_KINDS,
    Field,
    converted,
    model_range,
    row_keys,
)
from ui.number_box import KEEP, number_box

SEXES = {"female": "Female", "male": "Male"}
#: The medicine lists' entries (generics, then combination products).
_OPTIONS = frozenset(medicine_names())
SETTINGS = {"ed": "Emergency department", "clinic": "Clinic"}
RELIEF = {
    Relief.none.value: "No relief",
    Relief.minimal.value: "Minimal",
    Relief.partial.value: "Partial",
}
ROUTES = {
    Route.po.value: "PO",
    Route.iv.value: "IV",
    Route.im.value: "IM",
    Route.sc.value: "SC",
    Route.topical.value: "Topical",
    Route.transdermal.value: "Patch",
    Route.intranasal.value: "Nasal",
}
RADICULAR_FEATURES = {
    "leg_pain_below_knee": "Leg pain below the knee",
    "dermatomal_numbness": "Numbness or tingling in a dermatome",
    "positive_slr": "Positive straight-leg raise",
    "myotomal_weakness": "Weakness in one nerve root's muscles",
    "reflex_change": "Reduced ankle or knee reflex",
}
CONDITIONS = {
    Condition.ckd: "Chronic kidney disease",
    Condition.gi_bleed_history: "Past GI bleed",
    Condition.peptic_ulcer: "Peptic ulcer",
    Condition.anticoagulant_use: "Takes an anticoagulant",
    Condition.antiplatelet_use: "Takes an antiplatelet (incl. aspirin)",
    Condition.heart_failure: "Heart failure",
    Condition.recent_mi: "Recent heart attack",
    Condition.recent_cabg: "Recent heart bypass surgery (CABG)",
    Condition.cirrhosis: "Cirrhosis",
    Condition.sleep_apnea: "Sleep apnoea",
    Condition.copd: "COPD",
    Condition.opioid_use_disorder: "Opioid use disorder",
    Condition.substance_use_disorder: "Other substance use disorder",
    Condition.benzodiazepine_use: "Takes a benzodiazepine",
    Condition.serotonergic_drug_use: "Takes a serotonergic drug (SSRI, SNRI, MAOI)",
    Condition.seizure_disorder: "Seizure disorder",
    Condition.cardiac_conduction_disease: "Cardiac conduction disease (heart block)",
    Condition.qt_prolongation: "Long QT (congenital or prolonged QTc)",
    Condition.glaucoma: "Angle-closure glaucoma",
    Condition.urinary_retention_history: "History of urinary retention",
    Condition.fall_risk: "High fall risk",
    Condition.opioid_tolerant: "Opioid tolerant",
}
ALLERGIES = {
    Allergy.nsaid.value: "NSAID or aspirin",
    Allergy.opioid.value: "Opioids (class)",
    Allergy.sulfonamide.value: "Sulfonamide (sulfa)",
}
FORMULATIONS = {
    Formulation.ir.value: "IR",
    Formulation.er.value: "ER / long-acting",
    Formulation.patch.value: "Patch",
}
# Red flags in the order of the triage groups (most dangerous syndrome first).
RED_FLAG_ORDER = [flag for group in GROUPS for flag in RedFlag if flag in group.flags]
RED_FLAG_ORDER += [flag for flag in RedFlag if flag not in RED_FLAG_ORDER]

#: Picker labels: the generic with every brand, so typing any brand finds it ('contains' filter).
_PICKER_LABELS = {
    d.generic: d.generic + (f" ({', '.join(b.title() for b in d.brands)})" if d.brands else "")
    for d in CATALOGUE
}

_FACTOR_WORDS = {
    "weight_unit": f"1 lb = {units.KG_PER_LB} kg",
    "height_unit": f"1 in = {units.CM_PER_INCH} cm",
    "creatinine_unit": f"÷ {units.CREATININE_UMOL_PER_MG_DL}",
}

_ROW_PREFIXES = tuple(f"{prefix}_" for prefix, _, _ in ROWS.values())


def set_case_widgets(values: Mapping[str, Any]) -> None:
    """Put every case widget to `values` (tried rows included) and forget the old rows."""
    for key in list(st.session_state.keys()):
        if str(key).startswith(_ROW_PREFIXES):
            del st.session_state[key]
    st.session_state.pop(CREATININE_TYPED_IN, None)  # the new case's creatinine is in mg/dL
    for key, value in {**BLANK, **values}.items():
        st.session_state[key] = value


def _label(spec: Field, unit: str | None = None) -> str:
    """The label with its unit, or for a number without one (a score) its scale: 'Pain score
    now (0–10)', the range read from the model."""
    shown = unit or spec.unit
    if not shown and spec.kind in {"number", "integer"}:
        shown = model_range(spec.key) or ""
    return f"{spec.label} ({shown})" if shown else spec.label


def _help(spec: Field, unit: str | None = None) -> str:
    span = model_range(spec.key)
    words = f" Allowed: {span} {spec.unit}." if span and spec.unit else ""  # a score: in its label
    if unit and unit != spec.unit and span:
        words = f" Allowed: {span} {spec.unit} (after conversion)."
    required = " Required." if spec.required else ""
    return f"{spec.help}{words}{required}".strip()


def number(where: DeltaGenerator | ModuleType, key: str, unit: str | None = None) -> None:
    """A number box for a FIELDS entry: the typed text reaches the model (ui.number_box)."""
    spec = FIELDS[key]
    number_box(
        where,
        _label(spec, unit),
        key,
        placeholder=spec.placeholder or ("Required" if spec.required else None),
        help=_help(spec, unit),
    )


def show_conversion(key: str, unit: str) -> None:
    """'= 80.0 kg' under a value typed in another unit: the value the engine will use."""
    spec = FIELDS[key]
    value = read_number(st.session_state.get(key)).value
    if value is None or unit == spec.unit or spec.unit_key is None:
        return
    try:
        base = converted(float(value), UNIT_KINDS[spec.unit_key][0], unit, spec.unit)
        exact = _FACTOR_WORDS[spec.unit_key]
    except (KeyError, ValueError):
        return
    digits = 2 if spec.unit == "mg/dL" else 1
    st.caption(f"= {round(base or 0, digits):.{digits}f} {spec.unit} ({exact})")


#: The unit the hidden creatinine was typed in while "CrCl known" or "Not known" is chosen.
CREATININE_TYPED_IN = "creatinine_typed_in"


def convert_on_unit_switch(unit_key: str, value_key: str, previous: str | None) -> None:
    """Unit switch callback: convert the typed value to the new unit.

    Never reinterprets: 1.00 mg/dL becomes 88.4 µmol/L, 70 in becomes 177.8 cm. Text that is not
    a number stays as typed (its error stays beside it) rather than being converted or cleared.
    Choosing "CrCl known" or "Not known" hides the creatinine (and leaving "CrCl known" hides the
    clearance) without emptying it: switching back shows it again, converted from the unit it
    was typed in (issue 21: the creatinine came back empty).
    """
    new = st.session_state.get(unit_key)
    kind, choices = UNIT_KINDS[unit_key]
    if unit_key == "creatinine_unit":
        if previous in choices:
            st.session_state[CREATININE_TYPED_IN] = previous
        previous = st.session_state.get(CREATININE_TYPED_IN, previous)
    if previous not in choices or new not in choices or previous == new:
        return
    typed = read_number(st.session_state.get(value_key))
    if typed.error is None:
        st.session_state[value_key] = converted(typed.value, kind, previous, new)


def _as_option(name: str) -> str:
    """A typed name the catalogue knows ('Zoloft') as its pick-list entry ('sertraline'); an
    unknown name stays exactly as typed."""
    if name in _OPTIONS:
        return name
    generic = resolve_drug(name)
    key = " ".join(name.lower().split())
    if key in _OPTIONS:
        return key
    return generic if generic is not None else name


def medicine_label(name: str) -> str:
    """Pick-list label; a typed name the catalogue does not know reads exactly as typed (the
    widget maps labels back to values, so a marked label would become a new value; the row
    under the list says it is not recognised)."""
    return picker_label(name) if name in _OPTIONS else name


def replace_medicine(list_name: str, typed: str, option: str) -> None:
    """'Did you mean' button: the typed name gives way to the medicine picked, in its place."""
    current = list(st.session_state.get(list_name) or ())
    replaced = [option if item == typed else item for item in current]
    st.session_state[list_name] = list(dict.fromkeys(replaced))
    medicines_changed(list_name, normalise=False)


def medicines_changed(list_name: str, *, normalise: bool = True) -> None:
    """Picker callback: a typed known name becomes its entry, and the rows of medicines taken
    off the list are forgotten (a re-add starts clean)."""
    if normalise:
        typed = list(st.session_state.get(list_name) or ())
        st.session_state[list_name] = list(dict.fromkeys(_as_option(t) for t in typed))
    prefix, names, _ = ROWS[list_name]
    # Row keys only ("current_dose_<drug>", ...): the list's own key ("current_medications")
    # shares the prefix and must survive its own callback.
    row_prefixes = tuple(f"{prefix}_{name}_" for name in names)
    kept = {
        k
        for drug in st.session_state.get(list_name) or ()
        for k in row_keys(drug, list_name).values()
    }
    for key in list(st.session_state.keys()):
        if str(key).startswith(row_prefixes) and key not in kept:
            del st.session_state[key]


def unit_switch(where: DeltaGenerator, unit_key: str, value_key: str, label: str) -> str:
    """A segmented unit switch beside its number box; returns the unit in use."""
    _, choices = UNIT_KINDS[unit_key]
    current = st.session_state.get(unit_key) or choices[0]
    chosen = where.segmented_control(
        label,
        options=list(choices),
        default=choices[0],
        required=True,
        key=unit_key,
        persist_state=KEEP,
        on_change=convert_on_unit_switch,
        args=(unit_key, value_key, current),
        label_visibility="collapsed",
    )
    return chosen or choices[0]


#: The pickers that keep a typed name (accept_new_options); ui.form draws them with these keys.
_TYPED_NAME_PICKERS = ("tried", "current_medications", "unchecked_medicines")
#: Tab in a picker with a name typed does what Enter does first (adds the highlighted entry or
#: keeps the name as typed), then moves on: the widget itself dropped the text on blur, with no
#: trace (issue 21). Fixed code; nothing typed is ever put into it.
_TAB_KEEPS_NAME = """<script>
(() => {
  if (window.__backPainTabKeepsName) return;
  window.__backPainTabKeepsName = true;
  const pickers = %s.map((key) => ".st-key-" + key + " input").join(", ");
  document.addEventListener("keydown", (event) => {
    const box = event.target;
    if (event.key !== "Tab" || !(box instanceof HTMLInputElement)) return;
    if (!box.value.trim() || !box.matches(pickers)) return;
    const enter = new KeyboardEvent("keydown", {key: "Enter", code: "Enter", bubbles: true,
                                                cancelable: true});
    for (const name of ["keyCode", "which"]) Object.defineProperty(enter, name, {value: 13});
    box.dispatchEvent(enter);
  }, true);
})();
</script>"""


def radicular_follows_features() -> None:
    """Any radicular feature ticked switches "Radicular pain" on (the engine's rule; the switch
    shows it). Called before the case is read, so the plan and the switch agree on this run."""
    if st.session_state.get("radicular_features") and not st.session_state.get("radicular"):
        st.session_state["radicular"] = True


def field_error(where: DeltaGenerator | ModuleType, errors: Mapping[str, str], key: str) -> None:
    """The error of one input, drawn beside it; nothing at all when it has none (an empty
    placeholder per input was an element per input on every change, issue 24)."""
    if errors.get(key):
        where.error(errors[key], icon=":material/error:")


def show_form(errors: Mapping[str, str]) -> DeltaGenerator:
    """Draw the case inputs, each input's error (ui.messages.beside_inputs) beside it.

    Returns the place at the top of the case column where an urgent or emergency triage appears
    the moment a flag is ticked; it stays on screen while the column scrolls (sticky).
    """
    st.header("Case", anchor="case")
    st.html(_TAB_KEEPS_NAME % json.dumps(list(_TYPED_NAME_PICKERS)), unsafe_allow_javascript=True)
    triage_here = st.container(key="triage_alert").empty()
    with st.container(border=True, key="patient_inputs"):
        st.subheader(":material/person: Patient")
        left, right = st.columns(2)
        number(left, "age_years")
        field_error(left, errors, "age_years")
        right.segmented_control(
            _label(FIELDS["sex"]),
            options=list(SEXES),
            format_func=SEXES.__getitem__,
            key="sex",
            persist_state=KEEP,
            help=_help(FIELDS["sex"]),
        )
        field_error(right, errors, "sex")

        for value_key, unit_key, switch_label in (
            ("weight_kg", "weight_unit", "Weight unit"),
            ("height_cm", "height_unit", "Height unit"),
        ):
            unit = st.session_state.get(unit_key) or UNIT_KINDS[unit_key][1][0]
            left, right = st.columns([3, 2], vertical_alignment="bottom")
            number(left, value_key, unit)
            unit_switch(right, unit_key, value_key, switch_label)
            show_conversion(value_key, unit)
            field_error(st, errors, value_key)

        kidney = st.segmented_control(
            "Kidney function",
            options=list(KIDNEY_INPUTS),
            format_func=KIDNEY_INPUTS.__getitem__,
            default="mg/dL",
            required=True,
            key="creatinine_unit",
            persist_state=KEEP,
            on_change=convert_on_unit_switch,
            args=(
                "creatinine_unit",
                "serum_creatinine_mg_dl",
                st.session_state.get("creatinine_unit"),
            ),
            help="Serum creatinine (the engine estimates the clearance) or a known clearance.",
        )
        if kidney in UNIT_KINDS["creatinine_unit"][1]:
            number(st, "serum_creatinine_mg_dl", kidney)
            show_conversion("serum_creatinine_mg_dl", kidney)
            field_error(st, errors, "serum_creatinine_mg_dl")
        elif kidney == "crcl":
            number(st, "crcl_ml_min")
            field_error(st, errors, "crcl_ml_min")
        else:
            number(st, "egfr_ml_min_1_73m2")
            field_error(st, errors, "egfr_ml_min_1_73m2")
            st.caption("The plan says what it assumed; enter a creatinine as soon as you have one.")
        flags = st.container(horizontal=True, key="patient_flags")
        flags.checkbox(
            FIELDS["on_hemodialysis"].label,
            key="on_hemodialysis",
            persist_state=KEEP,
            help="Gabapentin then needs a post-dialysis dose.",
        )
        if st.session_state.get("sex") == "female":
            flags.checkbox(
                "Pregnant",
                key="pregnant",
                persist_state=KEEP,
                help="Changes which analgesics are safe (NSAIDs from "
                f"{PREGNANCY_NSAID_AVOID_WEEKS_FROM} weeks, for example: FDA 2020).",
            )
            flags.checkbox("Breastfeeding", key="breastfeeding", persist_state=KEEP)
            if st.session_state.get("pregnant"):
                number(st, "pregnancy_weeks")
                field_error(st, errors, "pregnancy_weeks")
        field_error(st, errors, "pregnant")
        st.segmented_control(
            FIELDS["setting"].label,
            options=list(SETTINGS),
            format_func=SETTINGS.__getitem__,
            key="setting",
            persist_state=KEEP,
            help=_help(FIELDS["setting"]),
        )
        field_error(st, errors, "setting")

    with st.container(border=True, key="red_flag_inputs"):
        st.subheader(":material/flag: Red flags")
        st.pills(
            "Select any present",
            options=[flag.value for flag in RED_FLAG_ORDER],
            format_func=lambda value: red_flag_label(RedFlag(value)).capitalize(),
            selection_mode="multi",
            key="red_flags",
            persist_state=KEEP,
            help="Cauda equina, aneurysm, infection, cancer or fracture. Any of them changes "
            "what to do first.",
        )

    with st.container(border=True, key="pain_inputs"):
        st.subheader(":material/bolt: Pain")
        left, right = st.columns(2)
        number(left, "pain_duration_weeks")
        field_error(left, errors, "pain_duration_weeks")
        number(right, "pain_score")
        field_error(right, errors, "pain_score")
        st.pills(
            "Radicular features",
            options=list(RADICULAR_FEATURES),
            format_func=RADICULAR_FEATURES.__getitem__,
            selection_mode="multi",
            key="radicular_features",
            persist_state=KEEP,
            help="Any of these makes the pain radicular (sciatica), which changes the plan.",
        )
        features = bool(st.session_state.get("radicular_features"))
        st.toggle(
            FIELDS["radicular"].label,
            key="radicular",
            persist_state=KEEP,
            disabled=features,
            help="On whenever a feature above is ticked (the engine's rule); switch it on "
            "yourself for radicular pain without a listed feature.",
        )

    with st.container(border=True, key="tried_inputs"):
        st.subheader(":material/medication: Medicines already tried")
        tried = medicine_picker("tried", "Given for this episode")
        if tried:
            st.caption(
                "Per medicine: doses given, dose each time, unit, route, relief, and hours since "
                "the last dose (ketorolac: also days since its first dose, 0 = today)"
            )
        for drug in tried:
            tried_row(drug)
        field_error(st, errors, "tried")

    with st.container(border=True, key="condition_inputs"):
        st.subheader(":material/clinical_notes: Regular medicines, allergies and conditions")
        regular = medicine_picker("current_medications", "Regular medicines")
        for drug in regular:
            current_row(drug)
        field_error(st, errors, "current_medications")
        unchecked_picker()
        left, right = st.columns(2)
        left.pills(
            FIELDS["allergies"].label,
            options=[a.value for a in Allergy],
            format_func=lambda value: ALLERGIES[value],
            selection_mode="multi",
            key="allergies",
            persist_state=KEEP,
        )
        right.multiselect(
            FIELDS["allergic_to"].label,
            options=known_names(),
            format_func=lambda name: _PICKER_LABELS.get(name, name),
            key="allergic_to",
            persist_state=KEEP,
            placeholder="None recorded",
            select_all=False,
            filter_mode="contains",
        )
        st.multiselect(
            FIELDS["conditions"].label,
            options=[c.value for c in CONDITIONS],
            format_func=lambda value: CONDITIONS[Condition(value)],
            key="conditions",
            persist_state=KEEP,
            placeholder="None recorded",
            select_all=False,
            filter_mode="contains",
            help="These decide which medicines are safe: bleeding, kidneys, breathing, "
            "interactions.",
        )
        st.segmented_control(
            FIELDS["child_pugh"].label,
            options=[c.value for c in ChildPugh],
            key="child_pugh",
            persist_state=KEEP,
            help=_help(FIELDS["child_pugh"]),
        )
        field_error(st, errors, "child_pugh")
        flags = st.container(horizontal=True, key="risk_flags")
        flags.checkbox(FIELDS["prior_overdose"].label, key="prior_overdose", persist_state=KEEP)
        flags.checkbox(
            FIELDS["heavy_alcohol_use"].label, key="heavy_alcohol_use", persist_state=KEEP
        )
        flags.checkbox(
            FIELDS["frail"].label, key="frail", help=FIELDS["frail"].help, persist_state=KEEP
        )
    return triage_here


def medicine_picker(list_name: str, label: str) -> list[str]:
    """A medicine list: Enter adds the one highlighted medicine (exact names first). A
    combination product (Percocet) is its own entry, so its acetaminophen is seen too."""
    chosen = st.multiselect(
        label,
        options=medicine_names(),
        format_func=medicine_label,
        key=list_name,
        persist_state=KEEP,
        on_change=medicines_changed,
        args=(list_name,),
        placeholder="Type a generic or brand name, e.g. Norflex",
        help="Type a generic or brand name; Enter adds the highlighted one. A name not in "
        "the list is kept as typed, with the nearest names to choose from.",
        select_all=False,  # Enter must add one medicine, never "Select N matches"
        filter_mode="contains",  # 'prednisone' must not also match prednisolone
        accept_new_options=True,  # a misspelt name is kept, never silently dropped
    )
    return list(chosen or ())


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.lower())[:40]


def unknown_row(list_name: str, typed: str) -> None:
    """A name the catalogue does not know: kept as typed, with 'did you mean ...?' buttons
    (nearest generic, brand or product names, logic/drugs/suggest.py)."""
    slug = _slug(typed)
    options = suggest(typed)
    with st.container(key=f"unknown_{list_name}_{slug}"):
        said = (
            f"**{plain_text(typed, 60)}** is not a medicine this tool knows: it is kept as typed, "
            "but it cannot be checked for interactions or doses."
        )
        st.warning(
            said + (" Did you mean:" if options else " Check the spelling or the brand name."),
            icon=":material/spellcheck:",
        )
        if options:
            with st.container(horizontal=True, key=f"suggestions_{list_name}_{slug}"):
                for option in options:
                    st.button(
                        option.label,
                        key=f"suggest_{list_name}_{slug}_{_slug(option.option)}",
                        on_click=replace_medicine,
                        args=(list_name, typed, option.option),
                        icon=":material/check:",
                    )


def unchecked_picker() -> None:
    """Medicines outside the catalogue, typed by name: kept on the case and named in the plan
    as not checked for interactions (issue 20), never a reason to refuse the plan."""
    st.multiselect(
        FIELDS["unchecked_medicines"].label,
        options=[],
        key="unchecked_medicines",
        persist_state=KEEP,
        accept_new_options=True,
        placeholder="Type a name and press Enter",
        help="Any medicine not in the lists above (regular or given today). The plan is built "
        "on the rest and names these as not checked for interactions.",
    )


def dose_inputs(name: str, keys: dict[str, str], generic: str) -> None:
    """Dose and its unit. An empty unit is read as the catalogue's usual unit for the drug (mcg/h
    for a patch), and the placeholder shows which."""
    form_key = keys.get("formulation")  # tried rows have no formulation
    form = st.session_state.get(form_key) if form_key else None
    usual = default_unit(generic, Formulation(form) if form else None).value
    number_box(
        st,
        ROW_PARTS["dose"].widget_label(name),
        keys["dose"],
        placeholder="Dose",
        label_visibility="collapsed",
        width=85,
    )
    st.selectbox(
        ROW_PARTS["unit"].widget_label(name),
        options=[u.value for u in DoseUnit],
        index=None,
        key=keys["unit"],
        persist_state=KEEP,
        placeholder=usual,
        label_visibility="collapsed",
        width=90,
    )


def compact_choice(
    label: str, options: dict[str, str], key: str, placeholder: str, width: int
) -> None:
    """A label-less select box in a medicine row (the row's drug name is its visible label)."""
    st.selectbox(
        label,
        options=list(options),
        format_func=options.__getitem__,
        index=None,
        key=key,
        persist_state=KEEP,
        placeholder=placeholder,
        label_visibility="collapsed",
        width=width,
    )


def compact_number(label: str, key: str, placeholder: str, width: int) -> None:
    """A label-less, empty-by-default number box in a medicine row."""
    number_box(st, label, key, placeholder=placeholder, label_visibility="collapsed", width=width)


def current_row(drug: str) -> None:
    """One regular medicine: dose, unit, doses a day, formulation and weeks taken."""
    if drug not in _OPTIONS:
        unknown_row("current_medications", drug)
        return
    keys = row_keys(drug, "current_medications")
    name = display_name(drug)
    with st.container(
        horizontal=True, vertical_alignment="center", key=f"current_row_{drug}", wrap=True
    ):
        st.markdown(f"**{name}**", width=150)
        dose_inputs(name, keys, drug)
        compact_number(
            ROW_PARTS["doses_per_day"].widget_label(name), keys["doses_per_day"], "/day", 85
        )
        compact_choice(ROW_PARTS["route"].widget_label(name), ROUTES, keys["route"], "Route", 95)
        compact_choice(
            ROW_PARTS["formulation"].widget_label(name),
            FORMULATIONS,
            keys["formulation"],
            "Form",
            95,
        )
        compact_number(ROW_PARTS["weeks"].widget_label(name), keys["weeks"], "Weeks", 90)


def tried_row(drug: str) -> None:
    """One tried medicine: doses given, dose (mg), route and its own relief."""
    if drug not in _OPTIONS:
        unknown_row("tried", drug)
        return
    keys = row_keys(drug)
    name = display_name(drug)
    with st.container(
        horizontal=True, vertical_alignment="center", key=f"tried_row_{drug}", wrap=True
    ):
        st.markdown(f"**{name}**", width=150)
        number_box(
            st,
            ROW_PARTS["doses_given"].widget_label(name),
            keys["doses_given"],
            placeholder="1",  # empty is the model's default, one dose
            label_visibility="collapsed",
            width=64,
            default="1",
        )
        # Said in words after the box: a "×" icon in it read as a delete button (issue 21)
        st.caption("doses", width="content")
        dose_inputs(name, keys, drug)
        compact_choice(ROW_PARTS["route"].widget_label(name), ROUTES, keys["route"], "Route", 95)
        compact_choice(
            ROW_PARTS["relief"].widget_label(name), RELIEF, keys["relief"], "Relief?", 120
        )
        # When it was given (optional): the plan says when the next dose may follow (the
        # label's interval) and, for ketorolac, which day of its 5-day course this is.
        number_box(
            st,
            ROW_PARTS["hours_ago"].widget_label(name),
            keys["hours_ago"],
            placeholder="Hours ago",
            label_visibility="collapsed",
            width=95,
        )
        if drug == "ketorolac":
            number_box(
                st,
                ROW_PARTS["days_since_first_dose"].widget_label(name),
                keys["days_since_first_dose"],
                placeholder="Days since 1st dose",
                label_visibility="collapsed",
                width=170,
            )

"""What each case field is called, its unit and why it is asked: one row per PatientCase field.

The page's labels and help (ui/fields.py), the link's notices (logic/formats/share.py) and the
model's field descriptions (logic/models.py) all read this table, so a field is named once and
a label cannot drift between the form, a notice about a hand-edited link and the schema.
Widget details (kind, unit switch, placeholder, required) stay with the page; ranges stay with
the model (`Field(ge=..., le=...)`), and the cut-offs the help quotes are read from
logic.engine.thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

from logic.engine.thresholds import (
    CHRONIC_PAIN_WEEKS_ABOVE,
    PREGNANCY_NSAID_AVOID_WEEKS_FROM,
    SUBACUTE_PAIN_WEEKS_FROM,
)

__all__ = ["CASE_FIELDS", "ROW_PARTS", "CaseField", "RowPart", "description", "row_part"]


@dataclass(frozen=True, slots=True)
class CaseField:
    """One case field in words."""

    #: The page's label, e.g. "Serum creatinine".
    label: str
    #: The unit the model holds the value in; "" for a flag, a choice, a list or a 0-10 score.
    unit: str = ""
    #: What to enter and why, as the page's help shows it.
    help: str = ""
    #: Where a number or rule in `help` comes from ("" when the help quotes none).
    source: str = ""
    #: The field named inside a sentence when the label does not read there (a question).
    noun: str = ""

    @property
    def in_sentence(self) -> str:
        """The label as a sentence names it: 'serum creatinine', 'eGFR', 'setting'."""
        if self.noun:
            return self.noun
        return self.label[:1].lower() + self.label[1:]

    @property
    def description(self) -> str:
        """The model's description of the field: label, unit, help and source."""
        text = f"{self.label} ({self.unit})" if self.unit else self.label
        if self.help:
            text = f"{text} {self.help}" if text.endswith("?") else f"{text}. {self.help}"
        if self.source:
            text = f"{text.rstrip('.')}. Source: {self.source}."
        return text


#: Every PatientCase field, in the page's form order.
CASE_FIELDS: dict[str, CaseField] = {
    "age_years": CaseField("Age", "years", help="Adults only."),
    "sex": CaseField(
        "Sex",
        help="Sex at birth: used by the Cockcroft-Gault creatinine clearance.",
        source="Cockcroft DW, Gault MH. Nephron 1976 (x 0.85 if female)",
    ),
    "weight_kg": CaseField("Weight", "kg", help="Actual body weight today."),
    "height_cm": CaseField(
        "Height",
        "cm",
        help="Optional: lets the engine use ideal or adjusted body weight for the clearance.",
    ),
    "serum_creatinine_mg_dl": CaseField(
        "Serum creatinine", "mg/dL", help="Most recent stable value."
    ),
    "crcl_ml_min": CaseField(
        "Creatinine clearance",
        "mL/min",
        help="Cockcroft-Gault or measured clearance (not eGFR per 1.73 m²).",
    ),
    "egfr_ml_min_1_73m2": CaseField(
        "eGFR",
        "mL/min/1.73 m²",
        help="Only if no creatinine or clearance is at hand: eGFR is not CrCl, and the plan says "
        "which one it used.",
    ),
    "on_hemodialysis": CaseField("On haemodialysis"),
    "pregnant": CaseField("Pregnant"),
    "pregnancy_weeks": CaseField(
        "Pregnancy",
        "weeks",
        help=f"Gestational age: NSAIDs are avoided from {PREGNANCY_NSAID_AVOID_WEEKS_FROM} weeks "
        "(FDA 2020).",
        source="FDA Drug Safety Communication, 15 Oct 2020",
    ),
    "breastfeeding": CaseField("Breastfeeding"),
    "prior_overdose": CaseField("Past opioid overdose"),
    "heavy_alcohol_use": CaseField("Heavy alcohol use"),
    "frail": CaseField(
        "Frail",
        help="Clinical frailty, cachexia or debilitation, as you judge it: lower acetaminophen "
        "ceiling (3 g a day), reduced opioid start, gabapentin from 100 mg.",
        source="Reid et al., Br J Clin Pharmacol 2022 (acetaminophen 3 g a day); oxycodone and "
        "hydromorphone labels (cachectic or debilitated); Northern Ireland Formulary "
        "(gabapentin 100 mg start)",
    ),
    "setting": CaseField(
        "Where is the patient now?",
        help="The emergency department can give parenteral doses now; a clinic gives oral ones.",
        noun="setting",
    ),
    "pain_duration_weeks": CaseField(
        "Pain duration",
        "weeks",
        help=f"Acute: under {SUBACUTE_PAIN_WEEKS_FROM} weeks; subacute: "
        f"{SUBACUTE_PAIN_WEEKS_FROM}–{CHRONIC_PAIN_WEEKS_ABOVE}; chronic: over "
        f"{CHRONIC_PAIN_WEEKS_ABOVE}.",
        source="CDC 2022 Clinical Practice Guideline (acute under 1 month, subacute 1-3 "
        "months, chronic over 3 months)",
    ),
    "pain_score": CaseField("Pain score now", help="0 = no pain, 10 = worst imaginable."),
    "radicular_features": CaseField("Radicular features"),
    "radicular": CaseField("Radicular pain (sciatica)"),
    "red_flags": CaseField("Red flags"),
    "conditions": CaseField("Conditions"),
    "allergies": CaseField("Allergies (class)"),
    "allergic_to": CaseField("Allergic to (medicine)"),
    "current_medications": CaseField("Regular medicines"),
    "tried": CaseField("Medicines already tried"),
    "unchecked_medicines": CaseField("Other medicines (not in the lists)"),
    "child_pugh": CaseField(
        "Liver disease: Child-Pugh class",
        help="A mild, B moderate, C severe. Any class applies the cirrhosis limits; B and C add "
        "the labels' moderate and severe limits (celecoxib halved then not recommended, "
        "cyclobenzaprine and tapentadol not recommended). Cirrhosis ticked with no class is read "
        "as A.",
        source="Pugh RNH et al., Br J Surg 1973; Celebrex, Flexeril and Nucynta labels (hepatic "
        "impairment)",
    ),
    "take_home_opioid": CaseField("Take-home opioid chosen after a shared decision"),
}


@dataclass(frozen=True, slots=True)
class RowPart:
    """One part of a medicine row (a tried or regular medicine) in words, as its box says it.

    The row's widget labels (ui/form.py), the page's error lines (ui/fields.py, ui/messages.py)
    and the link's notices (logic/formats/share.py) all read this, so a notice names the box the
    user sees.
    """

    #: The words after the medicine's name in the box's label, e.g. "dose each time".
    label: str
    #: The unit quoted with a range when the part has one fixed unit ("" otherwise).
    unit: str = ""
    #: What the box's label adds in brackets: "optional", "required" or "" for nothing.
    marker: str = ""

    def widget_label(self, medicine: str) -> str:
        """The box's (collapsed, screen-reader) label: 'Ibuprofen: dose each time (optional)'."""
        text = f"{medicine}: {self.label}"
        return f"{text} ({self.marker})" if self.marker else text


#: Every part of a TriedMedication or CurrentMedication row, by model field name.
ROW_PARTS: dict[str, RowPart] = {
    "drug": RowPart("medicine"),
    "dose": RowPart("dose each time", marker="optional"),
    # The legacy mg-only dose of a tried medicine: no box of its own, read from old links.
    "dose_mg": RowPart("dose", "mg"),
    "unit": RowPart("dose unit"),
    "doses_given": RowPart("number of doses given"),
    "doses_per_day": RowPart("doses a day"),
    "weeks": RowPart("weeks taken", "weeks"),
    "route": RowPart("route", marker="optional"),
    "formulation": RowPart("formulation"),
    "relief": RowPart("relief", marker="required"),
    "hours_ago": RowPart("hours since the last dose", "hours", marker="optional"),
    "days_since_first_dose": RowPart(
        "days since the first dose (0 = today)", "days", marker="optional"
    ),
}


def row_part(name: str) -> RowPart:
    """The words for a medicine-row part; a part with no row reads as its field name."""
    return ROW_PARTS.get(name) or RowPart(name.replace("_", " "))


def description(name: str) -> str:
    """The model's description of a PatientCase field (KeyError for a field with no row)."""
    return CASE_FIELDS[name].description

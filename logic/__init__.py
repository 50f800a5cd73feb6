"""Clinical engine for refractory back pain. Pure Python: nothing here imports Streamlit."""

from logic.drugs.catalogue import display_name, known_names, resolve_drug
from logic.drugs.opioids import daily_mme
from logic.engine.gabapentin import gabapentin_schedule
from logic.engine.plan import EVIDENCE_IDS, build_plan
from logic.engine.renal import cockcroft_gault
from logic.engine.rules import known_rule_ids, rule_by_id
from logic.models import (
    Avoid,
    Condition,
    Departure,
    GabapentinPlan,
    Order,
    PatientCase,
    Point,
    RedFlag,
    Relief,
    RenalAssessment,
    Route,
    Severity,
    TreatmentPlan,
    TriageLevel,
    TriedMedication,
    TriedReview,
    Warning,
)

__all__ = [
    "EVIDENCE_IDS",
    "Avoid",
    "Condition",
    "Departure",
    "GabapentinPlan",
    "Order",
    "PatientCase",
    "Point",
    "RedFlag",
    "Relief",
    "RenalAssessment",
    "Route",
    "Severity",
    "TreatmentPlan",
    "TriageLevel",
    "TriedMedication",
    "TriedReview",
    "Warning",
    "build_plan",
    "cockcroft_gault",
    "daily_mme",
    "display_name",
    "gabapentin_schedule",
    "known_names",
    "known_rule_ids",
    "resolve_drug",
    "rule_by_id",
]

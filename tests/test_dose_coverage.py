"""Which pain medicines have no dose-limit row, and why (issue 20).

A drug with no row in logic/drugs/dose_limits.py is never checked: a regular dose, a dose given
this visit or an order of it passes whatever its size. These tests list every catalogue drug of
the classes this page reasons about (the ones a back-pain patient takes or the plan can order)
that has no row, against an explicit exemption list that says why each is exempt; and every
order the engine makes over generated cases is of a limited or exempt drug. A new drug in these
classes, or a new order, fails here until it gets a row or a stated exemption.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from logic.drugs.catalogue import CATALOGUE, DrugClass
from logic.drugs.dose_limits import LIMITED
from logic.engine.plan import build_plan
from logic.models import PatientCase, TreatmentPlan
from tests.strategies import cases

C = DrugClass

#: The classes the page reasons about as pain treatment (the rest of the catalogue is there for
#: interactions: co-medications are not dosed by this page).
PAIN_CLASSES = frozenset(
    {
        C.nsaid,
        C.corticosteroid,
        C.muscle_relaxant,
        C.gabapentinoid,
        C.opioid,
        C.atypical_opioid,
        C.partial_opioid,
        C.acetaminophen,
        C.tricyclic,
        C.snri,
        C.topical,
    }
)

_NO_CEILING = (
    "full opioid agonist: its label sets no maximum dose (titrated to effect and tolerance); "
    "CDC 2022 MME thresholds apply instead (logic/drugs/opioids.py)"
)
_RARE_OPIOID = "opioid not marketed or rarely used in the US/UK; no label maximum to hand"
_DEPRESSION_ONLY = (
    "antidepressant used here for interactions, not offered for pain; dosed by its prescriber "
    "for depression (label maxima not verified here)"
)

#: Drugs of PAIN_CLASSES with no row, each with the reason. Remove an entry when its row lands.
EXEMPT: dict[str, str] = {
    # Ketorolac's limits are rule rows in logic/engine/rules.py (weight-ketorolac, beers-
    # ketorolac, renal-ketorolac-avoid, harm-ketorolac-dose, harm-ketorolac-duration) and the
    # plan's own regimen (10 mg IV ceiling); a second copy here would review a dose twice.
    "ketorolac": "limits are rule rows in logic/engine/rules.py (harm-ketorolac-dose and others)",
    "aspirin": "antiplatelet dose (75-325 mg) or OTC analgesic dose: the ceiling depends on the "
    "product's Drug Facts, not checked here",
    "prednisone": "corticosteroid: no label maximum; dose set by the indication",
    "prednisolone": "corticosteroid: no label maximum; dose set by the indication",
    "methylprednisolone": "corticosteroid: no label maximum; dose set by the indication",
    "dexamethasone": "corticosteroid: no label maximum; dose set by the indication",
    "lidocaine": "topical patch: dosed in patches (Lidoderm: up to 3 for 12 hours), not mg",
    "diclofenac gel": "topical gel: dosed in grams of gel (Voltaren gel: 32 g a day), not mg",
    # Hydromorphone, morphine and fentanyl have partial rows (opioid-naive IV, renal, patch) and
    # so are in LIMITED; beyond those rows their labels set no ceiling either.
    "oxycodone": _NO_CEILING,
    "hydrocodone": _NO_CEILING,
    "oxymorphone": _NO_CEILING,
    "methadone": _NO_CEILING + "; also a MOUD (CDC 2022: never reduced by this plan)",
    "levorphanol": _NO_CEILING,
    "sufentanil": "anaesthetic opioid: given only under anaesthesia care",
    "remifentanil": "anaesthetic opioid: given only under anaesthesia care",
    "alfentanil": "anaesthetic opioid: given only under anaesthesia care",
    "buprenorphine": "partial agonist dosed by product (Butrans mcg/h, Belbuca mcg, Suboxone "
    "mg); as MOUD never reduced by this plan (CDC 2022 rec 12)",
    "dihydrocodeine": "UK opioid (BNF): no US label; not checked here",
    "pentazocine": _RARE_OPIOID,
    "butorphanol": _RARE_OPIOID,
    "nalbuphine": _RARE_OPIOID,
    "opium": _RARE_OPIOID,
    "diamorphine": "UK opioid (heroin, BNF): no label maximum",
    "dipipanone": _RARE_OPIOID,
    "dextromoramide": _RARE_OPIOID,
    "meptazinol": _RARE_OPIOID,
    "tilidine": _RARE_OPIOID,
    "papaveretum": _RARE_OPIOID,
    "pholcodine": "antitussive opioid (UK): not an analgesic",
    "propoxyphene": "withdrawn from the US market in 2010 (FDA)",
    "levomethadyl": "withdrawn (FDA 2003): MOUD only",
    "normethadone": _RARE_OPIOID,
    "levomethadone": _RARE_OPIOID + "; MOUD in some countries",
    "imipramine": _DEPRESSION_ONLY,
    "doxepin": _DEPRESSION_ONLY,
    "desipramine": _DEPRESSION_ONLY,
    "clomipramine": _DEPRESSION_ONLY,
    "desvenlafaxine": _DEPRESSION_ONLY,
    "levomilnacipran": _DEPRESSION_ONLY,
}

#: Orders the plan makes that carry no limit row, with the reason.
EXEMPT_ORDERS: dict[str, str] = {
    "naloxone": "overdose reversal: no maximum (repeat doses until breathing; label)",
    "omeprazole": "gastroprotection at the label's 20 mg a day (the plan's only dose)",
    "senna": "laxative with an opioid order; the plan's dose is the label's adult dose",
}


def test_every_pain_medicine_has_a_limit_row_or_a_stated_exemption() -> None:
    missing = sorted(
        d.generic
        for d in CATALOGUE
        if d.drug_class in PAIN_CLASSES and d.generic not in LIMITED and d.generic not in EXEMPT
    )
    assert missing == [], f"no dose-limit row and no exemption: {missing}"


def test_no_exemption_is_stale() -> None:
    """An exempt drug that has since got a row, or is not in the catalogue, is an old entry."""
    generics = {d.generic for d in CATALOGUE}
    assert sorted(set(EXEMPT) & LIMITED) == []
    assert sorted(set(EXEMPT) - generics) == []
    assert sorted(set(EXEMPT_ORDERS) & LIMITED) == []


def test_the_issue_named_drugs_have_rows() -> None:
    """Issue 20 named baclofen (renal, dialysis) and diclofenac (oral daily maximum)."""
    assert {"baclofen", "diclofenac"} <= LIMITED


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(medicines=True))
def test_property_every_order_is_of_a_limited_or_exempt_drug(case: PatientCase) -> None:
    plan = build_plan(case)
    unchecked = {
        o.generic
        for o in (*plan.give_now, *plan.discharge)
        if o.generic not in LIMITED and o.generic not in EXEMPT and o.generic not in EXEMPT_ORDERS
    }
    assert unchecked == set()


# ---- The new rows end to end: a regular dose over the limit is flagged, at the limit it is not

BASE = {"age_years": 45, "sex": "male", "weight_kg": 80.0, "crcl_ml_min": 90.0, "pain_score": 8}


@pytest.mark.parametrize(
    ("changes", "drug", "over", "at", "row"),
    [
        # Baclofen labels 2.3 (4/2024) / Vlavonou: half the dose at CrCl 30-50 (40 mg a day).
        ({"crcl_ml_min": 45}, "baclofen", (15, 3), (10, 4), "dose-baclofen-crcl-30-50"),
        # On haemodialysis: not used at all (even 5 mg a day is flagged).
        (
            {"crcl_ml_min": None, "on_hemodialysis": True},
            "baclofen",
            (5, 1),
            None,
            "dose-baclofen-dialysis",
        ),
        # Lioresal label: 80 mg a day at most with normal kidneys.
        ({}, "baclofen", (25, 4), (20, 4), "dose-baclofen-max"),
        # Cataflam label: up to 200 mg a day (a 75 mg x 3 regimen is over).
        ({}, "diclofenac", (75, 3), (50, 4), "dose-diclofenac-max"),
        # Nucynta label 8.6: not in severe renal impairment.
        ({"crcl_ml_min": 25}, "tapentadol", (50, 2), None, "dose-tapentadol-crcl-below-30"),
    ],
)
def test_new_rows_flag_a_regular_dose_over_the_limit(
    changes: dict[str, object],
    drug: str,
    over: tuple[float, float],
    at: tuple[float, float] | None,
    row: str,
) -> None:
    def plan_with(dose: float, per_day: float) -> TreatmentPlan:
        med = {"drug": drug, "dose": dose, "doses_per_day": per_day}
        return build_plan(PatientCase(**{**BASE, **changes, "current_medications": [med]}))

    warning = next(w for w in plan_with(*over).warnings if w.code == f"dose-limit-{drug}")
    assert warning.rule_ids == (row,)
    assert "Do not continue" in warning.message
    if at is not None:
        assert all(w.code != f"dose-limit-{drug}" for w in plan_with(*at).warnings)


def test_baclofen_given_this_visit_on_dialysis_is_a_harm_review() -> None:
    """A baclofen dose given on dialysis is harm already done, not 'given for this episode'."""
    case = PatientCase(
        **{**BASE, "crcl_ml_min": None, "on_hemodialysis": True},
        tried=[{"drug": "baclofen", "dose": 10, "route": "po"}],
    )
    (review,) = build_plan(case).tried_review
    assert review.reason.startswith("Harm may already have been done")
    assert "dose-baclofen-dialysis" in review.rule_ids

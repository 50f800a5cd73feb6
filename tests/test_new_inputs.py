"""New inputs of issue 20: recent coronary bypass surgery (CABG).

The NSAID class labelling (FDA boxed warning; 4 Contraindications) contraindicates NSAIDs "in
the setting of CABG surgery"; the ketorolac label names CABG pain too. The input is a condition
box: the engine withholds every NSAID with the row named, the page offers the box, the link
carries it only when sharing is asked for (conditions are sensitive), and FHIR writes and reads
it back.
"""

from __future__ import annotations

import datetime as dt

import pytest

from logic import build_plan
from logic.drugs.catalogue import Trait, traits
from logic.formats import share
from logic.formats.fhir.read import case_from_resources
from logic.formats.fhir.write import case_resources
from logic.models import Condition, PatientCase

BASE = {"age_years": 45, "sex": "male", "weight_kg": 80.0, "crcl_ml_min": 90.0, "pain_score": 8}


def _case(*conditions: Condition) -> PatientCase:
    return PatientCase(**BASE, conditions=list(conditions))


@pytest.mark.parametrize(
    ("conditions", "nsaid_offered"),
    [
        # NSAID labels, boxed warning: contraindicated in the setting of CABG surgery.
        ((Condition.recent_cabg,), False),
        # The other side: the same patient without it is offered an NSAID (ACP 2017 first line).
        ((), True),
    ],
)
def test_recent_cabg_withholds_every_nsaid(
    conditions: tuple[Condition, ...], nsaid_offered: bool
) -> None:
    plan = build_plan(_case(*conditions))
    orders = [o.generic for o in (*plan.give_now, *plan.discharge)]
    assert any(Trait.nsaid in traits(g) for g in orders) is nsaid_offered
    withheld = [a for a in plan.avoid if "cabg-nsaid" in a.rule_ids]
    assert bool(withheld) is not nsaid_offered
    if withheld:
        assert "CABG" in withheld[0].reason
        assert "boxed warning" in withheld[0].reason


def test_the_page_offers_the_box() -> None:
    from ui.form import CONDITIONS

    assert "CABG" in CONDITIONS[Condition.recent_cabg]


def test_the_link_carries_it_only_when_sharing() -> None:
    case = _case(Condition.recent_cabg)
    assert "recent_cabg" in share.share_query(case)["conditions"]
    assert "recent_cabg" not in share.private_query(case).get("conditions", "")
    back = share.case_from_query(share.share_query(case)).case
    assert back is not None
    assert Condition.recent_cabg in back.conditions


def test_fhir_writes_and_reads_it_back() -> None:
    today = dt.date(2026, 1, 1)
    case = _case(Condition.recent_cabg)
    back = case_from_resources(case_resources(case, today=today), today=today).case
    assert back is not None
    assert back.conditions == (Condition.recent_cabg,)

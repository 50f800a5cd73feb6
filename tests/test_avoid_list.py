"""The avoid list shown to the reader names each drug once (logic/engine/avoid_list.py, issue
21)."""

from __future__ import annotations

import pytest

from logic.engine.avoid_list import merge_avoid
from logic.engine.plan import build_plan
from logic.engine.rules import TARGET_LABELS
from logic.models import Avoid, PatientCase

L = TARGET_LABELS


def _avoid(label: str, reason: str, rule: str) -> Avoid:
    return Avoid(drug=label, reason=reason, evidence=(f"ev-{rule}",), rule_ids=(rule,))


# (entries in, labels out, why): hand-worked from the labels' own wording.
CASES = [
    (
        [("snri", "A"), ("tricyclic", "B"), ("antidepressant", "C")],
        ["Duloxetine", "Amitriptyline (tricyclics)"],
        "'Amitriptyline or duloxetine' names two drugs already listed: each gets its reason",
    ),
    (
        [("antidepressant", "C")],
        ["Amitriptyline", "Duloxetine"],
        "alone, the two-drug entry is split, one entry a drug",
    ),
    (
        [("tramadol", "T"), ("discharge:opioid", "H"), ("opioid", "O")],
        ["Opioids (give now and take-home)"],
        "every opioid is withheld: tramadol and the take-home opioid join that entry",
    ),
    (
        [("tramadol", "T"), ("discharge:opioid", "H")],
        ["Tramadol", "Take-home opioid"],
        "without the all-opioid entry nothing is folded (other opioids stay possible)",
    ),
    (
        [("ketorolac", "K"), ("nsaid", "N"), ("corticosteroid", "S")],
        [L["nsaid"], L["corticosteroid"]],
        "ketorolac is an NSAID: one NSAID entry",
    ),
]


@pytest.mark.parametrize(("entries", "expected", "why"), CASES, ids=[c[2] for c in CASES])
def test_merge_names_each_drug_once(
    entries: list[tuple[str, str]], expected: list[str], why: str
) -> None:
    avoid = [_avoid(L[key], reason, key) for key, reason in entries]
    merged = merge_avoid(avoid)
    assert [m.drug for m in merged] == expected, why
    # Nothing is lost: every reason, evidence id and rule id is still on some entry.
    for entry in avoid:
        holders = [m for m in merged if entry.reason in m.reason]
        assert holders, entry.drug
        assert all(set(entry.rule_ids) <= set(m.rule_ids) for m in holders)
        assert all(set(entry.evidence) <= set(m.evidence) for m in holders)


def test_split_entry_reason_reaches_both_drugs() -> None:
    merged = merge_avoid(
        [_avoid(L["tricyclic"], "Beers.", "t"), _avoid(L["antidepressant"], "Serotonin.", "a")]
    )
    by_drug = {m.drug: m for m in merged}
    assert by_drug["Amitriptyline (tricyclics)"].reason == "Beers. Serotonin."
    assert by_drug["Duloxetine"].reason == "Serotonin."


def test_engine_plan_on_an_maoi_lists_no_drug_twice() -> None:
    """Phenelzine (an MAOI, also serotonergic) at 72 with apixaban: the engine withholds
    amitriptyline, duloxetine and 'amitriptyline or duloxetine', and opioids and tramadol.
    The merged list names each drug once and keeps every reason."""
    case = PatientCase(
        age_years=72,
        sex="female",
        weight_kg=60,
        serum_creatinine_mg_dl=1.0,
        current_medications=[{"drug": "phenelzine", "dose": 15, "doses_per_day": 3}],
        radicular=True,
    )
    plan = build_plan(case)
    merged = merge_avoid(plan.avoid)
    labels = [m.drug.lower() for m in merged]
    assert len(labels) == len(set(labels))
    assert not any(" or " in label for label in labels)
    assert sum("amitriptyline" in label for label in labels) <= 1
    assert "tramadol" not in labels  # folded into the all-opioid entry
    text = " ".join(m.reason for m in merged)
    for entry in plan.avoid:
        assert entry.reason in text

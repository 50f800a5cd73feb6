"""Why might it still hurt? Conditions that present as back pain, and the bedside check for each.

One typed table (`MIMICS`), one row per condition with its check and its source, and a typed
list of the patient facts that make each one more likely (`Trigger`). `why_it_might_still_hurt`
applies every row the same way: rows whose triggers this case meets come first, most triggers
first, each naming the facts that put it there; the rest follow in table order. The sources are
the ones content/back-pain-mimics.md cites. Pure Python.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from logic.drugs.catalogue import resolve_drug
from logic.models import Condition, PatientCase, RedFlag

PAGE = "back-pain-mimics"

#: Rubano 2013: the ED ultrasound studies enrolled symptomatic patients over 50, in whom about
#: 23% had an aneurysm.
AORTA_AGE = 50


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TriggerKind(StrEnum):
    age_at_least = "age_at_least"
    condition = "condition"
    red_flag = "red_flag"
    tried = "tried"  # a medicine already given this episode (by generic name)


class Trigger(_Frozen):
    """One patient fact that makes a mimic more likely; `label` says it to the reader."""

    kind: TriggerKind
    value: str
    label: Annotated[str, Field(min_length=1)]

    def met(self, case: PatientCase) -> bool:
        if self.kind is TriggerKind.age_at_least:
            return case.age_years >= int(self.value)
        if self.kind is TriggerKind.condition:
            return Condition(self.value) in case.conditions
        if self.kind is TriggerKind.red_flag:
            return RedFlag(self.value) in case.red_flags
        return any(resolve_drug(t.drug) == self.value for t in case.tried)


class Mimic(_Frozen):
    id: Annotated[str, Field(pattern=r"^[a-z_]+$")]
    condition: Annotated[str, Field(min_length=1)]
    check: Annotated[str, Field(min_length=1)]
    triggers: tuple[Trigger, ...]
    source: Annotated[str, Field(min_length=1)]  # as cited on the page: "Rubano 2013"


def _t(kind: TriggerKind, value: str | int, label: str) -> Trigger:
    return Trigger(kind=kind, value=str(value), label=label)


MIMICS: tuple[Mimic, ...] = (
    Mimic(
        id="aorta",
        condition="Abdominal aortic aneurysm or dissection",
        check="Bedside ultrasound of the aorta (ED scans: sensitivity 99%)",
        triggers=(
            _t(TriggerKind.age_at_least, AORTA_AGE, f"age {AORTA_AGE} or over"),
            _t(TriggerKind.red_flag, RedFlag.pulsatile_abdominal_mass, "a pulsatile mass"),
            _t(TriggerKind.condition, Condition.recent_mi, "recent heart attack"),
            _t(TriggerKind.condition, Condition.heart_failure, "heart failure"),
        ),
        source="Rubano 2013",
    ),
    Mimic(
        id="bleed",
        condition="Bleeding on an anticoagulant (retroperitoneal or spinal)",
        check="Haemoglobin and anticoagulation level; CT if suspected",
        triggers=(
            _t(TriggerKind.condition, Condition.anticoagulant_use, "takes an anticoagulant"),
            _t(TriggerKind.condition, Condition.antiplatelet_use, "takes an antiplatelet"),
        ),
        source="Oh 2020",
    ),
    Mimic(
        id="abscess",
        condition="Spinal epidural abscess or vertebral osteomyelitis",
        check="ESR and CRP; MRI if raised or any deficit",
        triggers=(
            _t(TriggerKind.red_flag, RedFlag.iv_drug_use, "injection drug use"),
            _t(TriggerKind.red_flag, RedFlag.immunosuppression, "immunosuppression"),
            _t(TriggerKind.red_flag, RedFlag.fever, "fever"),
            _t(TriggerKind.red_flag, RedFlag.recent_spinal_procedure, "recent spinal procedure"),
            _t(TriggerKind.condition, Condition.cirrhosis, "chronic liver disease"),
            _t(TriggerKind.condition, Condition.ckd, "chronic kidney disease"),
        ),
        source="Davis 2011",
    ),
    Mimic(
        id="retention",
        condition="Urinary retention or cauda equina compression",
        check="Bladder scan straight after voiding (residual over 200 mL: MRI)",
        triggers=(
            _t(TriggerKind.red_flag, RedFlag.urinary_retention, "urinary retention"),
            _t(TriggerKind.red_flag, RedFlag.saddle_anesthesia, "saddle numbness"),
            _t(TriggerKind.red_flag, RedFlag.bilateral_sciatica, "sciatica in both legs"),
            _t(TriggerKind.condition, Condition.urinary_retention_history, "past retention"),
            _t(TriggerKind.tried, "orphenadrine", "orphenadrine given (anticholinergic)"),
        ),
        source="Venkatesan 2019",
    ),
    Mimic(
        id="kidney",
        condition="A kidney cause (pyelonephritis or a stone)",
        check="Urinalysis",
        triggers=(_t(TriggerKind.red_flag, RedFlag.fever, "fever"),),
        source="Chou 2007",
    ),
    Mimic(
        id="shingles",
        condition="Shingles before the rash",
        check="Look at the skin over the painful band, and again at review",
        triggers=(_t(TriggerKind.red_flag, RedFlag.immunosuppression, "immunosuppression"),),
        source="Janniger 2021",
    ),
)


class MimicLine(_Frozen):
    """One row as this patient sees it: the facts that put it where it is."""

    mimic: Mimic
    because: tuple[str, ...]  # labels of the triggers this case meets; empty if none


def why_it_might_still_hurt(case: PatientCase) -> tuple[MimicLine, ...]:
    """Every mimic, the ones this case's facts point to first (most facts first)."""
    lines = [
        MimicLine(mimic=m, because=tuple(t.label for t in m.triggers if t.met(case)))
        for m in MIMICS
    ]
    order = {line.mimic.id: index for index, line in enumerate(lines)}
    return tuple(sorted(lines, key=lambda line: (-len(line.because), order[line.mimic.id])))

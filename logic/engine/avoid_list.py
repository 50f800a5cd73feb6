"""The avoid list as a reader sees it: one entry per drug, all its reasons together.

The engine withholds per rule target, so one drug can be named by several entries ("Duloxetine",
"Amitriptyline (tricyclics)" and "Amitriptyline or duloxetine"; "Tramadol" beside "Opioids (give
now and take-home)"). `merge_avoid` is a pure post-processing step over `plan.avoid`, which
stays the engine's audit trail (one entry per rule target). The page, the note and the
reasoning document show the merged list, so no drug is listed twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from logic.drugs.catalogue import resolve_drug
from logic.engine.rules import TARGET_LABELS
from logic.models import Avoid

__all__ = ["BROADER", "merge_avoid"]


class Broader(NamedTuple):
    """An entry that is wholly covered by a class entry when both are withheld."""

    narrow: str  # rule target key (logic.engine.rules.TARGET_LABELS)
    broad: str
    why: str


#: Narrow entries folded into a broader one that is withheld too: every member of the broader
#: entry is withheld (its label says so), so the narrow entry adds reasons, not a drug.
BROADER: tuple[Broader, ...] = (
    Broader("discharge:opioid", "opioid", "a take-home opioid is an opioid"),
    Broader("er_opioid", "opioid", "an extended-release opioid is an opioid"),
    Broader("tramadol", "opioid", "tramadol is an opioid (tramadol label, opioid agonist)"),
    Broader("morphine", "opioid", "morphine and codeine are opioids"),
    Broader("oxycodone", "opioid", "oxycodone is an opioid"),
    Broader("ketorolac", "nsaid", "ketorolac is an NSAID (ketorolac label)"),
)

_PARENTHESIS = re.compile(r"\s*\([^)]*\)")


def _generics(label: str) -> tuple[str, ...] | None:
    """The catalogue drugs a label names ('Amitriptyline or duloxetine' -> both), or None when
    a part is not one drug (a class such as 'NSAIDs (...)')."""
    parts = [p.strip() for p in _PARENTHESIS.sub("", label).split(" or ")]
    generics = [resolve_drug(p) for p in parts if p]
    if not generics or any(g is None for g in generics):
        return None
    return tuple(g for g in generics if g is not None)


def _join(entries: Sequence[Avoid], label: str) -> Avoid:
    reasons = list(dict.fromkeys(e.reason.strip() for e in entries if e.reason.strip()))
    return Avoid(
        drug=label,
        reason=" ".join(reasons),
        evidence=tuple(dict.fromkeys(i for e in entries for i in e.evidence)),
        rule_ids=tuple(dict.fromkeys(i for e in entries for i in e.rule_ids)),
    )


def merge_avoid(avoid: Sequence[Avoid]) -> tuple[Avoid, ...]:
    """One entry per drug, in the order drugs first appear; an entry naming several drugs is
    split into one per drug, and a narrow entry joins its broader class entry (BROADER)."""
    present = {a.drug for a in avoid}
    folded_into = {
        TARGET_LABELS[row.narrow]: TARGET_LABELS[row.broad]
        for row in BROADER
        if TARGET_LABELS[row.broad] in present
    }
    # The label a drug is shown under: its own single-drug entry when there is one.
    own_label: dict[str, str] = {}
    for entry in avoid:
        generics = _generics(entry.drug)
        if generics is not None and len(generics) == 1:
            own_label.setdefault(generics[0], entry.drug)

    groups: dict[str, list[Avoid]] = {}
    labels: dict[str, str] = {}
    for entry in avoid:
        target = folded_into.get(entry.drug)
        generics = _generics(entry.drug) if target is None else None
        if target is not None:
            keys = [(target, target)]
        elif generics is None:
            keys = [(entry.drug, entry.drug)]
        else:
            keys = [(g, own_label.get(g, g[:1].upper() + g[1:])) for g in generics]
        for key, label in keys:
            groups.setdefault(key, []).append(entry)
            labels.setdefault(key, label)
    return tuple(_join(groups[key], labels[key]) for key in groups)

"""One vocabulary for the formulation a medication text names: immediate or extended release,
or a patch.

The FHIR reader (logic.formats.fhir.read) and the CDS Hooks service (service/cards.py) both read
free medication text ("OxyContin 10 mg 12 hr tablet", "MS Contin", "fentanyl 25 mcg/h patch"); both
ask this module, so "is this an extended-release opioid?" has one answer. The words are the
ones product labels and the FDA's ER/LA opioid class labelling use for these forms.
"""

from __future__ import annotations

from logic.drugs.catalogue import Formulation

__all__ = ["EXTENDED_RELEASE_WORDS", "PATCH_WORDS", "formulation_in_text"]

#: Words (space-padded where they are abbreviations) that mark an extended-release or
#: long-acting product: ER/XR/SR/CR/LA suffixes, "12 hr"/"24 hr" tablets, and the Contin
#: brands (MS Contin, OxyContin labels: extended-release tablets).
EXTENDED_RELEASE_WORDS: tuple[str, ...] = (
    " er ",
    " xr ",
    " sr ",
    " cr ",
    " la ",
    "extended",
    "long-acting",
    "12 hr",
    "24 hr",
    "contin",
)
#: Words that mark a transdermal patch (Duragesic and Butrans labels: transdermal systems).
PATCH_WORDS: tuple[str, ...] = ("patch", "transdermal", "duragesic")


def formulation_in_text(text: str) -> Formulation | None:
    """The formulation a medication text names (patch before extended release), else None."""
    lowered = f" {text.lower().replace('-', ' ').replace('/', ' ')} "
    lowered = lowered.replace("long acting", "long-acting")
    if any(w in lowered for w in PATCH_WORDS):
        return Formulation.patch
    if any(w in lowered for w in EXTENDED_RELEASE_WORDS):
        return Formulation.er
    return None

"""Drug catalogue: generic names, classes and the brand names clinicians actually type.

Brand-to-generic pairs are from the US drug labels (DailyMed) for each product; combination
products resolve to their opioid component because that is what drives the safety rules.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class DrugClass(StrEnum):
    nsaid = "NSAID"
    corticosteroid = "systemic corticosteroid"
    muscle_relaxant = "skeletal muscle relaxant"
    benzodiazepine = "benzodiazepine"
    gabapentinoid = "gabapentinoid"
    opioid = "opioid"
    atypical_opioid = "opioid (atypical: tramadol/tapentadol)"
    acetaminophen = "acetaminophen (paracetamol)"
    tricyclic = "tricyclic antidepressant"
    snri = "SNRI"
    topical = "topical analgesic"


class Drug(NamedTuple):
    generic: str
    drug_class: DrugClass
    brands: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()


CATALOGUE: tuple[Drug, ...] = (
    # NSAIDs
    Drug("ketorolac", DrugClass.nsaid, ("toradol", "sprix")),
    Drug("ibuprofen", DrugClass.nsaid, ("motrin", "advil", "caldolor")),
    Drug("naproxen", DrugClass.nsaid, ("naprosyn", "aleve", "anaprox"), ("naproxen sodium",)),
    Drug("diclofenac", DrugClass.nsaid, ("voltaren", "cataflam")),
    Drug("meloxicam", DrugClass.nsaid, ("mobic",)),
    Drug("celecoxib", DrugClass.nsaid, ("celebrex",)),
    Drug("indomethacin", DrugClass.nsaid, ("indocin",)),
    # Systemic corticosteroids
    Drug("prednisone", DrugClass.corticosteroid, ("deltasone", "rayos")),
    Drug("prednisolone", DrugClass.corticosteroid, ("orapred",)),
    Drug("methylprednisolone", DrugClass.corticosteroid, ("medrol", "solu-medrol", "depo-medrol")),
    Drug("dexamethasone", DrugClass.corticosteroid, ("decadron",)),
    # Skeletal muscle relaxants
    Drug("orphenadrine", DrugClass.muscle_relaxant, ("norflex",)),
    Drug("cyclobenzaprine", DrugClass.muscle_relaxant, ("flexeril", "amrix")),
    Drug("methocarbamol", DrugClass.muscle_relaxant, ("robaxin",)),
    Drug("tizanidine", DrugClass.muscle_relaxant, ("zanaflex",)),
    Drug("baclofen", DrugClass.muscle_relaxant, ("lioresal",)),
    Drug("metaxalone", DrugClass.muscle_relaxant, ("skelaxin",)),
    Drug("carisoprodol", DrugClass.muscle_relaxant, ("soma",)),
    Drug("chlorzoxazone", DrugClass.muscle_relaxant, ("parafon forte",)),
    # Benzodiazepines
    Drug("diazepam", DrugClass.benzodiazepine, ("valium",)),
    Drug("lorazepam", DrugClass.benzodiazepine, ("ativan",)),
    Drug("clonazepam", DrugClass.benzodiazepine, ("klonopin",)),
    Drug("alprazolam", DrugClass.benzodiazepine, ("xanax",)),
    # Gabapentinoids
    Drug("gabapentin", DrugClass.gabapentinoid, ("neurontin", "gralise", "horizant")),
    Drug("pregabalin", DrugClass.gabapentinoid, ("lyrica",)),
    # Opioids
    Drug("oxycodone", DrugClass.opioid, ("roxicodone", "oxycontin", "percocet", "endocet")),
    Drug("hydrocodone", DrugClass.opioid, ("norco", "vicodin", "lortab")),
    Drug("hydromorphone", DrugClass.opioid, ("dilaudid",)),
    Drug("morphine", DrugClass.opioid, ("ms contin",)),
    Drug("codeine", DrugClass.opioid, ("tylenol #3", "tylenol with codeine")),
    Drug("fentanyl", DrugClass.opioid, ("sublimaze", "duragesic")),
    Drug("tramadol", DrugClass.atypical_opioid, ("ultram", "ultracet")),
    Drug("tapentadol", DrugClass.atypical_opioid, ("nucynta",)),
    # Others
    Drug("acetaminophen", DrugClass.acetaminophen, ("tylenol", "ofirmev"), ("paracetamol", "apap")),
    Drug("amitriptyline", DrugClass.tricyclic, ("elavil",)),
    Drug("nortriptyline", DrugClass.tricyclic, ("pamelor",)),
    Drug("duloxetine", DrugClass.snri, ("cymbalta",)),
    Drug("lidocaine", DrugClass.topical, ("lidoderm",), ("lidocaine patch",)),
    Drug("diclofenac gel", DrugClass.topical, ("voltaren gel",)),
)

_BY_GENERIC: dict[str, Drug] = {d.generic: d for d in CATALOGUE}
_NAME_TO_GENERIC: dict[str, str] = {
    name: d.generic for d in CATALOGUE for name in (d.generic, *d.brands, *d.synonyms)
}


def resolve_drug(name: str) -> str | None:
    """Generic name for a generic, brand or synonym (case-insensitive), or None if unknown."""
    key = " ".join(name.strip().lower().split())
    return _NAME_TO_GENERIC.get(key)


def drug_class(generic: str) -> DrugClass:
    """Class of a catalogue drug; raises KeyError for a name that was not resolved first."""
    return _BY_GENERIC[generic].drug_class


def known_names() -> list[str]:
    """Every generic name, for pick-lists."""
    return sorted(_BY_GENERIC)


def display_name(generic: str) -> str:
    """'ketorolac (Toradol)' for pick-lists and reviews."""
    drug = _BY_GENERIC[generic]
    if not drug.brands:
        return drug.generic
    return f"{drug.generic} ({drug.brands[0].title()})"

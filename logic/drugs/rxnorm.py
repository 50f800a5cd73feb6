"""RxNorm product codes -> ingredients, strengths and dose form, so an EHR's coded medicine is
read by its code, not by whatever text the EHR put beside it.

The codes are the CDC opioid CDS value sets (extended-release opioids, opioid analgesics,
benzodiazepines, naloxone, buprenorphine and methadone; `data/rxnorm_cdc_medications.tsv`,
provenance in its header). Each code's RxNorm name follows RxNorm's naming conventions
(RxNorm Technical Documentation, "Clinical Drug" and "Branded Drug" term types: ingredient,
strength and unit per ingredient separated by " / ", then the dose form, then the brand in
brackets; extended-release products carry "Extended Release" in the dose form or a duration
prefix such as "12 HR"). This module parses those names once; the catalogue then decides what
each ingredient is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from logic.drugs.catalogue import (
    COMBINATIONS,
    Combination,
    DrugClass,
    Formulation,
    combination,
    implied_formulation,
    resolve_drug,
)
from logic.drugs.catalogue import drug as catalogue_drug

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
TABLE = Path(__file__).resolve().parents[1] / "data" / "rxnorm_cdc_medications.tsv"
#: Ingredient (term type IN) codes for catalogue generics, each row with where it was checked.
INGREDIENTS = Path(__file__).resolve().parents[1] / "data" / "rxnorm_ingredients.tsv"

#: Value-set tags (see the table's header).
ER_OPIOID = "er_opioid"

# A leading "Abuse-Deterrent" or "Matrix Delivery", a duration ("12 HR", "168 HR") or a volume
# ("2 ML"), in RxNorm's order.
_PREFIX = re.compile(
    r"^(?:(?:abuse-deterrent|matrix delivery)\s+)?(?:\d+(?:\.\d+)?\s+(?:hr|ml|actuat)\s+)?"
    r"(?:abuse-deterrent\s+)?",
    re.IGNORECASE,
)
_DURATION = re.compile(r"^(?:(?:abuse-deterrent|matrix delivery)\s+)?\d+\s+hr\b", re.IGNORECASE)
# A pack: "{2 (0.1 ML) (Diazepam 100 MG/ML Nasal Spray [Valtoco]) } Pack [...]": its first
# component is read as the product.
_PACK = re.compile(r"^\{\d+\s+(?:\([\d.]+\s+ML\)\s+)?\((?P<inner>.+?)\)\s*\}\s*Pack", re.IGNORECASE)
_BRAND = re.compile(r"\s*\[([^\]]+)\]\s*$")
# "Oxycodone Hydrochloride 10 MG Extended Release Oral Tablet": name, strength, unit, form.
_PART = re.compile(
    r"^(?P<name>.+?)\s+(?P<value>\d+(?:\.\d+)?)\s+(?P<unit>[A-Z]+(?:/[A-Z]+)?)(?:\s+(?P<form>.*))?$"
)
_PATCH_FORMS = ("transdermal system", "transdermal patch", "patch")
_ER_FORMS = ("extended release", "extended-release", "24 hr", "12 hr")

#: Class order for the ingredient a multi-ingredient product is entered as: the one whose dose
#: the safety rules weigh most (an opioid's MME, a benzodiazepine's co-sedation).
_PRIORITY = (
    DrugClass.opioid,
    DrugClass.partial_opioid,
    DrugClass.atypical_opioid,
    DrugClass.benzodiazepine,
    DrugClass.opioid_reversal,
    DrugClass.opioid_antagonist,
)


class Ingredient(NamedTuple):
    """One ingredient as RxNorm names it, with the catalogue generic it resolves to (or None)."""

    name: str
    generic: str | None
    strength: float | None
    unit: str | None  # RxNorm's unit: MG, MCG, MG/ML, MG/HR, ...


class Product(NamedTuple):
    code: str
    display: str
    ingredients: tuple[Ingredient, ...]
    formulation: Formulation | None
    brand: str | None
    value_sets: frozenset[str]

    @property
    def generics(self) -> frozenset[str]:
        return frozenset(i.generic for i in self.ingredients if i.generic is not None)

    @property
    def primary(self) -> Ingredient | None:
        """The ingredient the product is entered as (see `_PRIORITY`), or None if the catalogue
        knows none of them."""
        known = [i for i in self.ingredients if i.generic is not None]
        if not known:
            return None

        def rank(item: Ingredient) -> int:
            cls = catalogue_drug(str(item.generic)).drug_class
            return _PRIORITY.index(cls) if cls in _PRIORITY else len(_PRIORITY)

        return min(known, key=rank)


def _generic(name: str) -> str | None:
    """The catalogue generic for an RxNorm ingredient name ('Oxycodone Hydrochloride' ->
    oxycodone): the longest leading run of its words the catalogue knows."""
    words = name.lower().replace(",", " ").split()
    for end in range(len(words), 0, -1):
        found = resolve_drug(" ".join(words[:end]))
        if found is not None:
            return found
    return None


def parse(code: str, display: str, value_sets: Iterable[str] = ()) -> Product:
    """A product from its RxNorm name; tolerant of names without strength or form."""
    text = display.strip()
    pack = _PACK.match(text)
    if pack is not None:
        text = pack.group("inner")
    brand_match = _BRAND.search(text)
    brand = brand_match.group(1) if brand_match else None
    if brand_match:
        text = text[: brand_match.start()]
    duration = bool(_DURATION.match(text))
    text = _PREFIX.sub("", text, count=1)
    ingredients: list[Ingredient] = []
    form = ""
    for part in text.split(" / "):
        match = _PART.match(part.strip())
        if match is None:
            ingredients.append(Ingredient(part.strip(), _generic(part), None, None))
            continue
        name = match.group("name")
        ingredients.append(
            Ingredient(name, _generic(name), float(match.group("value")), match.group("unit"))
        )
        form = match.group("form") or form
    form_l = form.lower()
    units = {i.unit for i in ingredients}
    tags = frozenset(value_sets)
    formulation: Formulation | None = None
    if any(word in form_l for word in _PATCH_FORMS) or units & {"MG/HR", "MCG/HR"}:
        formulation = Formulation.patch
    elif duration or any(word in form_l for word in _ER_FORMS) or ER_OPIOID in tags:
        formulation = Formulation.er
    # Otherwise None, as for a text: a plain "Oral Tablet" is not read as a claim of immediate
    # release (the reader states only what the record affirms).
    if brand is not None and formulation is None:
        # An SBDC without a dose form ('Morphine Sulfate 10 MG [Kadian]'): the brand says it.
        formulation = implied_formulation(brand)
    return Product(code, display, tuple(ingredients), formulation, brand, tags)


@cache
def table() -> dict[str, Product]:
    """Code -> product, for every code in the shipped value sets."""
    products: dict[str, Product] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith(("#", "code\t")):
            continue
        code, display, tags = line.split("\t")
        products[code] = parse(code, display, tags.split(","))
    return products


class IngredientCode(NamedTuple):
    code: str
    generic: str
    # cdc-mme | rxnconso | autoicd | rxnav-in | cdc-cpg | cpic | unverified (see the table's header)
    source: str


@cache
def ingredient_codes() -> dict[str, IngredientCode]:
    """Ingredient code -> the catalogue generic it names, from `data/rxnorm_ingredients.tsv`."""
    rows: dict[str, IngredientCode] = {}
    for line in INGREDIENTS.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith(("#", "code\t")):
            continue
        code, generic, source = line.split("\t")
        rows[code] = IngredientCode(code, generic, source)
    return rows


def ingredient_code(generic: str) -> str | None:
    """The RxNorm ingredient code of a catalogue generic, or None when the table has none."""
    return next((r.code for r in ingredient_codes().values() if r.generic == generic), None)


def product(code: str) -> Product | None:
    """The product a code names: a row of the CDC value sets, or an ingredient code read as
    the bare ingredient (no strength, no form: an EHR that codes only the ingredient says no
    more; the dose and the form come from the rest of the record)."""
    found = table().get(code)
    if found is not None:
        return found
    row = ingredient_codes().get(code)
    if row is None:
        return None
    return Product(
        code,
        row.generic,
        (Ingredient(row.generic, row.generic, None, None),),
        None,
        None,
        frozenset(),
    )


@cache
def _by_display() -> dict[str, Product]:
    return {p.display: p for p in table().values()}


def read_name(text: str) -> Product:
    """The product an RxNorm name stands for: the table's row (with its value sets, so a
    long-acting methadone tablet is extended release) when the name is one of the table's,
    else the name parsed on its own."""
    return _by_display().get(text) or parse("", text)


def coded_product(concept: object) -> Product | None:
    """The first RxNorm coding of a CodeableConcept that the table knows, or None."""
    if not isinstance(concept, Mapping):
        return None
    for coding in concept.get("coding") or ():
        if not isinstance(coding, Mapping) or coding.get("system") != RXNORM:
            continue
        code: Any = coding.get("code")
        if isinstance(code, str) and (found := product(code)) is not None:
            return found
    return None


#: The dose form every catalogue combination product is (logic.drugs.catalogue.Combination:
#: "Every product here is an immediate-release tablet"), as RxNorm names it.
_TABLET_FORM = " Oral Tablet"


def _is_combination_row(found: Product, combo: Combination) -> bool:
    """A CDC row that is this combination as named: exactly its ingredients, an oral tablet
    (immediate release: no extended-release or other form words), the brand when the name is a
    brand (Percocet) and no brand when it is the generic name (oxycodone-acetaminophen)."""
    generics = {resolve_drug(i.generic) if i.generic else None for i in found.ingredients}
    if generics != {combo.drug, *combo.others} or len(found.ingredients) != len(generics):
        return False
    named = found.display[: -len(f" [{found.brand}]")] if found.brand else found.display
    if not named.endswith(_TABLET_FORM) or found.formulation not in (None, Formulation.ir):
        return False
    rest = named.split(" / ")[-1]
    if any(w in rest.lower() for w in (*_ER_FORMS, "disintegrating", "chewable", "effervescent")):
        return False
    brand = combo.label if combo.label != combo.name else None
    return (found.brand or "").lower() == (brand or "").lower()


@cache
def _combination_rows() -> dict[tuple[str, float], tuple[Product, ...]]:
    """(combination name, strength in mg of its entered ingredient) -> the CDC rows it can be."""
    rows: dict[tuple[str, float], list[Product]] = {}
    for combo in COMBINATIONS:
        for found in table().values():
            if not _is_combination_row(found, combo):
                continue
            entered = next(
                i for i in found.ingredients if i.generic and resolve_drug(i.generic) == combo.drug
            )
            if entered.unit == "MG" and entered.strength is not None:
                rows.setdefault((combo.name, entered.strength), []).append(found)
    return {key: tuple(found) for key, found in rows.items()}


def product_for(product: str, dose_mg: float | None) -> Product | None:
    """The CDC row a combination product names when the record says which: the one oral tablet
    of that product (the brand's own row for a brand) whose entered ingredient has this strength
    ('percocet', 5 mg -> 1049640, Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet
    [Percocet]). None when there is no such row or more than one (Percocet 7.5 was made with 325
    and with 500 mg of acetaminophen: the record does not say which, so no code is claimed)."""
    combo = combination(product)
    if combo is None or dose_mg is None:
        return None
    found = _combination_rows().get((combo.name, dose_mg), ())
    return found[0] if len(found) == 1 else None


def medicine_coding(
    generic: str, product: str | None, dose_mg: float | None
) -> dict[str, str] | None:
    """The RxNorm Coding a medicine is written with (FHIR export, logic.formats.fhir.write): a
    combination product by its product code (`product_for`, with the table's name as display),
    a single drug by its ingredient code (no display: RxNorm's ingredient name is not always the
    catalogue's generic, e.g. 36387 is 'sennosides, USP'). None when the tables know none."""
    if product is not None:
        found = product_for(product, dose_mg)
        if found is None:
            return None
        return {"system": RXNORM, "code": found.code, "display": found.display}
    code = ingredient_code(generic)
    return {"system": RXNORM, "code": code} if code is not None else None

"""'Did you mean ...?' for a medicine name the catalogue does not know.

A typed name that is not in the catalogue is never dropped: the page keeps it as typed and
offers the nearest known names (generic, brand or combination product) to pick instead. The
nearness is difflib's ratio over every name the catalogue resolves, after the dose a clinician
often types with the name ('toradol 30') is set aside.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import NamedTuple

from logic.drugs.catalogue import (
    CATALOGUE,
    COMBINATIONS,
    combination,
    display_name,
    medicine_names,
    resolve_drug,
)

__all__ = ["CUTOFF", "Suggestion", "name_part", "suggest"]

#: difflib ratio a name must reach to be offered (0.6 is difflib's own default: 'flexril'
#: and 'flexeril' score 0.93, 'sertaline' and 'sertraline' 0.95).
CUTOFF = 0.6
_DOSE = re.compile(r"\s*\d.*$")  # '30', '30 mg', '10/325' and anything after them


class Suggestion(NamedTuple):
    """A known medicine to offer: `option` is the pick-list value, `label` how it reads."""

    option: str
    label: str


def name_part(typed: str) -> str:
    """The name without a dose typed after it, lower case, single spaces."""
    return " ".join(_DOSE.sub("", typed).lower().split())


@lru_cache(maxsize=1)
def _names() -> dict[str, Suggestion]:
    """Every name the catalogue resolves -> the pick-list entry it stands for."""
    options = medicine_names()
    picked = set(options)
    by_name: dict[str, Suggestion] = {}
    for product in COMBINATIONS:
        option = product.name
        if option not in picked:  # a spelling variant: offer the listed product with its drugs
            same = {product.drug, *product.others}
            option = next(
                o
                for o in options
                if (c := combination(o)) is not None and {c.drug, *c.others} == same
            )
        by_name[product.name] = Suggestion(
            option, f"{product.label} ({product.drug} with {' and '.join(product.others)})"
        )
    for entry in CATALOGUE:
        by_name.setdefault(entry.generic, Suggestion(entry.generic, display_name(entry.generic)))
        for other in (*entry.brands, *entry.synonyms):
            if other not in by_name:
                by_name[other] = Suggestion(entry.generic, f"{other.title()} ({entry.generic})")
    return by_name


def suggest(typed: str, limit: int = 3) -> tuple[Suggestion, ...]:
    """Up to `limit` known medicines nearest to `typed`, nearest first, each entry once. A name
    that resolves once its dose is set aside ('toradol 30') comes first."""
    names = _names()
    key = name_part(typed)
    if not key:
        return ()
    found: list[Suggestion] = []
    if resolve_drug(key) is not None and key in names:
        found.append(names[key])
    for close in difflib.get_close_matches(key, list(names), n=limit * 4, cutoff=CUTOFF):
        found.append(names[close])
    out: dict[str, Suggestion] = {}
    for item in found:
        out.setdefault(item.option, item)
    return tuple(out.values())[:limit]

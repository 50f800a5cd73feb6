"""Nearest known medicine names for a misspelt one (logic/drugs/suggest.py). The expectations are
the medicines the typist meant (issue 21's examples and common misspellings), checked against
the catalogue's brand list (Zoloft is sertraline, Flexeril cyclobenzaprine, Toradol ketorolac,
Percocet oxycodone with acetaminophen)."""

from __future__ import annotations

import pytest

from logic.drugs.catalogue import medicine_names
from logic.drugs.suggest import name_part, suggest

MEANT = [
    ("sertaline", "sertraline"),
    ("flexril", "cyclobenzaprine"),
    ("toradol 30", "ketorolac"),
    ("Toradol 30 mg", "ketorolac"),
    ("percoset", "percocet"),
    ("naprosin", "naproxen"),
    ("dilaudid 2mg", "hydromorphone"),
    ("oxycodon", "oxycodone"),
    ("gabapentine", "gabapentin"),
    ("ibuprofin", "ibuprofen"),
]


@pytest.mark.parametrize(("typed", "meant"), MEANT)
def test_the_meant_medicine_is_offered_first(typed: str, meant: str) -> None:
    offered = suggest(typed)
    assert offered, typed
    assert offered[0].option == meant


@pytest.mark.parametrize("typed", ["zzzz", "", "   ", "12 mg", "xq"])
def test_nothing_near_means_no_suggestion(typed: str) -> None:
    assert suggest(typed) == ()


def test_every_suggestion_is_a_pick_list_entry_once() -> None:
    options = set(medicine_names())
    for typed, _ in MEANT:
        offered = suggest(typed)
        assert len(offered) <= 3
        assert all(s.option in options for s in offered)
        assert len({s.option for s in offered}) == len(offered)


def test_brand_suggestion_names_the_brand_and_the_generic() -> None:
    first = suggest("flexril")[0]
    assert first.label == "Flexeril (cyclobenzaprine)"


def test_dose_typed_after_the_name_is_set_aside() -> None:
    assert name_part("Toradol 30 mg IV") == "toradol"
    assert name_part("  Percocet   10/325 ") == "percocet"

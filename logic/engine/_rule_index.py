"""Private speed machinery for the rule table: which rows can fire, as bit masks.

The rows in logic.engine.rules are plain records and never mention this module. rules.py builds one
index over its table here: per index key (a gate, condition, red flag or medicine trait), the
rows that read it as one int (bit i is row i). For a patient, only the rows whose keys hold are
looked at, and of those only the rows whose trigger is more than its keys are called. A set of
fired rows is one int, so the plan intersects it with the rows a candidate's tags select.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Protocol, TypeVar


class _HasKeys(Protocol):
    @property
    def keys(self) -> frozenset[Hashable]: ...


F = TypeVar("F", bound=_HasKeys)


def fired_mask_over(
    key_sets: Sequence[tuple[Hashable, ...]], triggers: Sequence[Callable[[F], bool] | None]
) -> Callable[[F], int]:
    """A function from a patient's facts to the mask of rows that fire. Row i is indexed by
    `key_sets[i]` (a necessary condition) and, unless `triggers[i]` is None (the keys are the
    whole trigger), confirmed by calling `triggers[i]`."""
    key_mask: dict[Hashable, int] = {}
    for i, keys in enumerate(key_sets):
        for key in keys:
            key_mask[key] = key_mask.get(key, 0) | 1 << i
    checked_mask = sum(1 << i for i, trigger in enumerate(triggers) if trigger is not None)
    calls = tuple(triggers)

    def fired_mask(facts: F) -> int:
        mask = 0
        get = key_mask.get
        for key in facts.keys:
            mask |= get(key, 0)
        checked = mask & checked_mask
        while checked:
            low = checked & -checked
            trigger = calls[low.bit_length() - 1]
            if trigger is not None and not trigger(facts):
                mask ^= low
            checked ^= low
        return mask

    return fired_mask


def positions(mask: int) -> tuple[int, ...]:
    """The table positions set in a rule mask, in table order."""
    found = []
    while mask:
        low = mask & -mask
        found.append(low.bit_length() - 1)
        mask ^= low
    return tuple(found)

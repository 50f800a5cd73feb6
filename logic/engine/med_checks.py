"""The interaction and dose-limit tables applied to one case and its plan (issue 20).

The plan calls in here at a few fixed points (logic/engine/plan.py keeps only the calls):

* `case_warnings`: medicines outside the catalogue ("not checked for interactions"), every
  interacting pair already on board (home x home, home x given), and every regular dose above
  this patient's label limit.
* `screen_orders`: the plan's own orders, in order, against what is on board and against the
  orders kept before them; an order that forms a contraindicated or avoid pair, or whose dose is
  above this patient's limit, is withheld with the pair (or the limit) named.
* `review_given`: a dose given this episode above this patient's limit (or of a drug the
  patient should not have had at all) is reviewed as possible harm, with what to monitor.
* `moud_mme`: the MME of a methadone dose taken for opioid use disorder, which CDC 2022 keeps out
  of the MME thresholds.
* `patch_on_board` / `non_drug_for`: no heat advice with a transdermal opioid patch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

from logic.drugs.catalogue import OPIOIDS, Formulation, Trait, traits
from logic.drugs.dose_limits import (
    LIMITED,
    PER_KG,
    DoseLimit,
    Gate,
    Limit,
    Patient,
    gates_of,
    limit_for,
    limit_of,
    why,
)
from logic.drugs.interactions import FORBIDDING, Pair, forbidding, on_board
from logic.engine.medications import MedicineFacts
from logic.engine.review import er_opioid_given
from logic.engine.rules import STEP, step_text
from logic.formats.plaintext import plain_text
from logic.models import (
    Allergy,
    ChildPugh,
    Condition,
    Order,
    PatientCase,
    Point,
    RenalAssessment,
    Route,
    Severity,
    TriedReview,
    Warning,
)

UNCHECKED_RULE_ID = "unchecked-medicine"
MOUD_MME_RULE_ID = "moud-mme-excluded"
PATCH_HEAT_RULE_ID = "patch-no-heat"
ER_WITHHOLD_RULE_ID = "er-opioid-given-no-more-opioid"
PATCH_DOSE_RULE_ID = "patch-dose-unknown"

HARM = "Harm may already have been done"
WATCH_OPIOID = (
    "sedation on a sedation scale (e.g. POSS) and respiratory rate, with naloxone at the bedside"
)
WATCH_OTHER = "drowsiness, confusion, falls and the drug's own toxicity (see its label)"


#: Child-Pugh class as a rank for the dose-limit gates (0: no liver disease known).
_HEPATIC_RANK: dict[ChildPugh | None, int] = {
    None: 0,
    ChildPugh.a: 1,
    ChildPugh.b: 2,
    ChildPugh.c: 3,
}


def patient_of(case: PatientCase, renal: RenalAssessment, meds: MedicineFacts) -> Patient:
    """The facts the dose-limit gates read."""
    return Patient(
        age=case.age_years,
        weight_kg=case.weight_kg,
        crcl=renal.crcl_ml_min,
        dialysis=case.on_hemodialysis,
        # Any liver disease (cirrhosis ticked or a Child-Pugh class): PatientCase.hepatic_class.
        cirrhosis=case.hepatic_class is not None,
        hepatic_rank=_HEPATIC_RANK[case.hepatic_class],
        breastfeeding=case.breastfeeding,
        opioid_tolerant=meds.opioid_tolerant or case.has(Condition.opioid_tolerant),
        sulfonamide_allergy=Allergy.sulfonamide in case.allergies,
    )


def on_board_generics(case: PatientCase) -> tuple[str, ...]:
    """Every catalogue generic in either list, combination ingredients included, once each."""
    items = (*case.current_medications, *case.tried)
    if not items:
        return ()
    names: list[str] = []
    for item in items:
        names.append(item.drug)
        if item.product is not None:
            names.extend(item.also_contains)
    return tuple(dict.fromkeys(names))


# ---- Warnings on the case ----------------------------------------------------------------------


def unchecked_warning(case: PatientCase) -> Warning | None:
    """A caution naming every medicine outside the catalogue (plain text: the model keeps only
    letters, digits and a few name marks)."""
    names = case.unchecked_medicines
    if not names:
        return None
    count = len(names)
    return Warning(
        code="not-checked-medicines",
        severity=Severity.caution,
        message=(
            f"Not checked for interactions: {', '.join(plain_text(n, 60) for n in names)} "
            f"({count} medicine"
            f"{'s' if count != 1 else ''} outside this tool's catalogue). The plan is built on "
            "the other medicines: check each of these against its label and against the plan's "
            "orders before prescribing."
        ),
        source="The product labels of the medicines named",
        rule_ids=(UNCHECKED_RULE_ID,),
    )


def _row_text(pairs: list[Pair]) -> str:
    """One interaction row and every pair it applies to, said once ('oxycodone + diazepam,
    tramadol + diazepam (adjust): ...'), so three opioid options with one benzodiazepine do not
    repeat the same mechanism three times."""
    r = pairs[0].row
    names = ", ".join(f"{p.first} + {p.second}" for p in pairs)
    return f"{names} ({r.severity.value}): {r.mechanism}; {r.action} ({r.source})"


@lru_cache(maxsize=4096)
def _pair_warning(code: str, severity: Severity, lead: str, pairs: tuple[Pair, ...]) -> Warning:
    by_row: dict[str, list[Pair]] = {}
    for pair in pairs:
        by_row.setdefault(pair.row.id, []).append(pair)
    return Warning(
        code=code,
        severity=severity,
        message=f"{lead}: " + "; ".join(_row_text(group) for group in by_row.values()) + ".",
        source="; ".join(dict.fromkeys(p.row.source for p in pairs)),
        rule_ids=tuple(dict.fromkeys(p.row.id for p in pairs)),
    )


def interaction_warnings(
    case: PatientCase, already: Iterable[str], board: tuple[str, ...] | None = None
) -> list[Warning]:
    """The interacting pairs already on board, forbidden ones in a danger warning and the rest
    in a caution. A pair a rules.py row already warns about (`warned_by` in `already`) is left
    to that row."""
    done = frozenset(already)
    if board is None:
        board = on_board_generics(case)
    pairs = [p for p in on_board(board) if p.row.warned_by not in done]
    out = []
    bad = [p for p in pairs if p.row.severity in FORBIDDING]
    if bad:
        out.append(
            _pair_warning(
                "interactions-on-board",
                Severity.danger,
                "Interacting medicines already on board; review with the prescriber, do not "
                "simply continue",
                tuple(bad),
            )
        )
    check = [p for p in pairs if p.row.severity not in FORBIDDING]
    if check:
        out.append(
            _pair_warning(
                "interactions-on-board-check",
                Severity.caution,
                "Interactions to manage",
                tuple(check),
            )
        )
    return out


def _unit(r: DoseLimit | None) -> str:
    return "" if r is None else r.source


def undosed_patches(case: PatientCase) -> tuple[str, ...]:
    """The regular opioid patches (fentanyl, buprenorphine) entered without a strength."""
    return tuple(
        dict.fromkeys(
            m.drug
            for m in case.current_medications
            if m.formulation is Formulation.patch
            and m.dose is None
            and Trait.opioid in traits(m.drug)
        )
    )


def patch_dose_warning(patches: tuple[str, ...]) -> Warning:
    """A patch with no strength is not counted as nothing: its MME is unknown and the patient
    may be opioid tolerant (see the patch-dose-unknown row for what the plan does)."""
    if "fentanyl" in patches:
        mme = "its MME is unknown, so the MME shown leaves it out and is a lower bound"
        keep = (
            "the plan does not tell you to remove it (the Duragesic label contraindicates the "
            "patch only in patients who are not opioid tolerant)"
        )
    else:
        mme = "its strength is unknown (buprenorphine has no MME factor, CDC 2022)"
        keep = "the patch is continued"
    row = STEP[PATCH_DOSE_RULE_ID]
    names = " and ".join(p.capitalize() for p in patches)
    return Warning(
        code=PATCH_DOSE_RULE_ID,
        severity=row.severity,
        message=step_text(PATCH_DOSE_RULE_ID, names=names, mme=mme, keep=keep),
        source=row.source,
        rule_ids=(PATCH_DOSE_RULE_ID,),
    )


def dose_warnings(case: PatientCase, patient: Patient) -> list[Warning]:
    """Every regular dose above this patient's label limit: a danger warning with the limit and
    its source (never 'continue'). A patch with no strength entered is not judged by the
    opioid-naive row (the patient may be tolerant): `patch_dose_warning` says what the plan does
    instead."""
    out = []
    patches = undosed_patches(case)
    if patches:
        out.append(patch_dose_warning(patches))
    for med in case.current_medications:
        limit = limit_for(med.drug, patient, med.route, med.formulation)
        if limit is None:
            continue
        found = _over(limit, med.dose_mg, med.doses_per_day, med.formulation)
        if found is None:
            continue
        what, row = found
        if med.drug in patches and row.gate in (Gate.opioid_naive, Gate.opioid_naive_65_plus):
            continue  # possibly tolerant: the patch is not stopped on a guess
        out.append(
            Warning(
                code=f"dose-limit-{med.drug}",
                severity=Severity.danger,
                message=(
                    f"Regular {med.product_label or med.drug}: {what}. Do not continue at this "
                    "dose: reduce it to the limit or stop it, with the prescriber."
                ),
                source=row.source,
                rule_ids=(row.id,),
            )
        )
    return out


def _over(
    limit: Limit, dose_mg: float | None, per_day: float | None, formulation: Formulation | None
) -> tuple[str, DoseLimit] | None:
    """What is above the limit, in words, with the row that set it; None when within it."""
    if limit.single_mg == 0 and limit.single_row is not None:
        return (
            f"not to be used for this patient ({why(limit.single_row)})",
            limit.single_row,
        )
    if limit.daily_mg == 0 and limit.daily_row is not None:
        return f"not to be used for this patient ({why(limit.daily_row)})", limit.daily_row
    if dose_mg is None or formulation is Formulation.patch:
        return None
    if per_day is not None and limit.daily_mg is not None and limit.daily_row is not None:
        daily = dose_mg * per_day
        if daily > limit.daily_mg + 1e-9:
            return (
                f"{daily:g} mg a day is above this patient's limit of {limit.daily_mg:g} mg a "
                f"day ({why(limit.daily_row)})",
                limit.daily_row,
            )
    single, single_row = limit.single_mg, limit.single_row
    if single is not None and single_row is not None and dose_mg > single + 1e-9:
        return (
            f"{dose_mg:g} mg a dose is above this patient's limit of {single:g} mg a dose "
            f"({why(single_row)})",
            single_row,
        )
    return None


def case_warnings(
    case: PatientCase,
    patient: Patient,
    already: Iterable[str],
    board: tuple[str, ...] | None = None,
) -> list[Warning]:
    """Everything the two tables say about the case before any order is chosen."""
    if not (case.current_medications or case.tried or case.unchecked_medicines):
        return []
    out = [w for w in (unchecked_warning(case),) if w is not None]
    out.extend(interaction_warnings(case, already, board))
    out.extend(dose_warnings(case, patient))
    return out


# ---- The plan's own orders ---------------------------------------------------------------------


class Withheld(NamedTuple):
    label: str
    reason: str
    rule_id: str


class Screen(NamedTuple):
    give_now: tuple[Order, ...]
    discharge: tuple[Order, ...]
    withheld: tuple[Withheld, ...]
    #: adjust/monitor pairs an order forms (for one caution).
    to_manage: tuple[Pair, ...]


def _order_over(
    order: Order, gates: frozenset[Gate], weight_kg: float
) -> tuple[str, DoseLimit] | None:
    """An order's dose above this patient's limit (caps from the rules are already in it)."""
    return _dose_over(
        order.generic,
        order.route,
        order.formulation,
        order.dose_mg,
        order.max_daily_mg,
        order.every_hours,
        gates,
        weight_kg if order.generic in PER_KG else 0.0,
    )


def _dose_over(
    generic: str,
    route: Route,
    formulation: Formulation | None,
    dose_mg: float,
    max_daily_mg: float | None,
    every_hours: float | None,
    gates: frozenset[Gate],
    weight_kg: float,
) -> tuple[str, DoseLimit] | None:
    limit = limit_of(generic, gates, weight_kg, route, formulation)
    if limit is None:
        return None
    per_day = None
    if max_daily_mg is not None:
        per_day = max_daily_mg / dose_mg
    elif every_hours:
        per_day = 24 / every_hours
    return _over(limit, dose_mg, per_day, formulation)


class GivenHarm(NamedTuple):
    """An opioid given this episode after which no further opioid is offered: what, the
    source, and the row."""

    what: str
    source: str
    rule_id: str


def _given_opioid_harm(case: PatientCase, patient: Patient) -> GivenHarm | None:
    """The first opioid given this episode above this patient's limit, or extended-release or
    long-acting for acute pain (CDC 2022 rec 3); None when there is none."""
    for item in case.tried:
        if Trait.opioid not in traits(item.drug):
            continue
        limit = limit_for(item.drug, patient, item.route, item.formulation)
        found = None if limit is None else _over(limit, item.dose_mg, None, item.formulation)
        if found is not None:
            return GivenHarm(f"{item.drug}: {found[0]}", found[1].source, found[1].id)
        er = er_opioid_given(case, item)
        if er is not None:
            return GivenHarm(
                f"{item.drug} ({er}) given for acute pain",
                STEP[ER_WITHHOLD_RULE_ID].source,
                ER_WITHHOLD_RULE_ID,
            )
    return None


def screen_orders(
    case: PatientCase,
    patient: Patient,
    give_now: Sequence[Order],
    discharge: Sequence[Order],
    board: tuple[str, ...] | None = None,
) -> Screen:
    """Each order against what is on board and the orders kept before it. Definite orders are
    screened first, then the shared-decision options (an option yields to an order: the
    tramadol option goes, not the cyclobenzaprine order). After an opioid dose given this
    episode above this patient's limit, no further opioid is offered."""
    if board is None:
        board = on_board_generics(case)
    given_over = _given_opioid_harm(case, patient) if case.tried else None
    gates = gates_of(patient)
    weight = patient.weight_kg if Gate.under_50_kg in gates else 0.0  # per-kg rows only < 50 kg
    return _screen(board, given_over, tuple(give_now), tuple(discharge), gates, weight)


def _label(order: Order) -> str:
    return order.drug[:1].upper() + order.drug[1:]


@lru_cache(maxsize=4096)
def _screen(
    board: tuple[str, ...],
    given_over: GivenHarm | None,
    give_now: tuple[Order, ...],
    discharge: tuple[Order, ...],
    gates: frozenset[Gate],
    weight_kg: float,
) -> Screen:
    """`screen_orders` on what decides it (definite orders first, then the options): the same
    orders on the same board for patients with the same gates are screened once."""
    kept: tuple[str, ...] = ()
    withheld: list[Withheld] = []
    dropped: set[int] = set()
    orders = give_now + discharge
    sequence = [i for i, o in enumerate(orders) if not o.shared_decision]
    sequence += [i for i, o in enumerate(orders) if o.shared_decision]
    for index in sequence:
        order = orders[index]
        generic = order.generic
        if given_over is not None and order.is_opioid:
            withheld.append(
                Withheld(
                    _label(order),
                    f"{HARM}: {given_over.what} ({given_over.source}). No further opioid until "
                    "sedation and breathing are reassessed.",
                    given_over.rule_id,
                )
            )
            dropped.add(index)
            continue
        pair = (forbidding(generic, board) if board else None) or (
            forbidding(generic, kept) if kept else None
        )
        if pair is not None:
            other = pair.second if pair.first == generic else pair.first
            where = "already on board" if other in board else "another order in this plan"
            withheld.append(
                Withheld(
                    _label(order),
                    f"Not with {other} ({where}): {pair.row.severity.value}, "
                    f"{pair.row.mechanism}; {pair.row.action} ({pair.row.source}).",
                    pair.row.id,
                )
            )
            dropped.add(index)
            continue
        over = _order_over(order, gates, weight_kg) if generic in LIMITED else None
        if over is not None:
            what, r = over
            withheld.append(Withheld(_label(order), f"{what} ({r.source}).", r.id))
            dropped.add(index)
            continue
        if generic not in kept:
            kept += (generic,)
    manage = _to_manage(board, kept)
    if not dropped:
        return Screen(give_now, discharge, tuple(withheld), manage)
    cut = len(give_now)
    now = tuple(o for i, o in enumerate(give_now) if i not in dropped)
    later = tuple(o for i, o in enumerate(discharge, start=cut) if i not in dropped)
    return Screen(now, later, tuple(withheld), manage)


@lru_cache(maxsize=4096)
def _to_manage(board: tuple[str, ...], kept: tuple[str, ...]) -> tuple[Pair, ...]:
    """The adjust/monitor pairs the kept orders form with the board or with each other."""
    ordered = frozenset(kept)
    return tuple(
        p
        for p in on_board((*board, *(g for g in kept if g not in board)))
        if p.row.severity not in FORBIDDING and (p.first in ordered or p.second in ordered)
    )


@lru_cache(maxsize=4096)
def manage_warning(pairs: tuple[Pair, ...]) -> Warning | None:
    if not pairs:
        return None
    unique = list(dict.fromkeys(pairs))
    return _pair_warning(
        "interactions-with-orders", Severity.caution, "The plan's orders interact", tuple(unique)
    )


# ---- Doses given this episode ------------------------------------------------------------------


def review_given(
    case: PatientCase, patient: Patient, reviews: tuple[TriedReview, ...]
) -> tuple[TriedReview, ...]:
    """Reviews with a dose given above this patient's limit turned into a harm review."""
    if not reviews:
        return reviews
    out = list(reviews)
    for i, (item, review) in enumerate(zip(case.tried, reviews, strict=False)):
        if item.drug not in LIMITED:
            continue
        limit = limit_for(item.drug, patient, item.route, item.formulation)
        if limit is None:
            continue
        found = _over(limit, item.dose_mg, None, item.formulation)
        if found is not None:
            opioid = item.drug in OPIOIDS
            out[i] = _harm_review(review, item.product_label or item.drug, opioid, *found)
    return tuple(out)


@lru_cache(maxsize=4096)
def _harm_review(
    review: TriedReview, name: str, opioid: bool, what: str, row: DoseLimit
) -> TriedReview:
    """The review of a dose above the limit: harm first, what to monitor, then the rest."""
    watch = WATCH_OPIOID if opioid else WATCH_OTHER
    reason = f"{HARM}: {name} given this episode, {what} ({row.source}). Monitor {watch}."
    if opioid:
        reason += " Offer no further opioid until sedation and breathing are reassessed."
    rest = review.reason
    if rest.startswith(f"{HARM}. "):  # already a harm review: say the words once
        rest = rest[len(HARM) + 2 :]
    return review.model_copy(
        update={
            "verdict": "unsafe for this patient",
            "reason": f"{reason} {rest}",
            "monitor": tuple(dict.fromkeys((*review.monitor, watch))),
            "rule_ids": (*review.rule_ids, row.id),
        }
    )


# ---- MOUD and MME ------------------------------------------------------------------------------


def moud_mme(case: PatientCase, meds: MedicineFacts) -> float:
    """The MME/day of regular methadone taken for opioid use disorder (the box ticked): CDC 2022
    says the MME thresholds are not for MOUD doses. Methadone without that box may be for pain
    and is counted."""
    if not case.has(Condition.opioid_use_disorder):
        return 0.0
    return sum(h.mme or 0.0 for h in meds.home_opioids if h.drug == "methadone")


def moud_warning(mme: float) -> Warning:
    return Warning(
        code="moud-mme",
        severity=Severity.info,
        message=(
            f"Methadone for opioid use disorder ({mme:.0f} MME/day) is MOUD: it is not counted "
            "against the 50 and 90 MME/day thresholds, and this plan never reduces it."
        ),
        source="CDC 2022 (MME thresholds do not apply to medications for opioid use "
        "disorder); CDC 2022 rec 12",
        rule_ids=(MOUD_MME_RULE_ID,),
    )


# ---- Non-drug advice ---------------------------------------------------------------------------


def patch_on_board(case: PatientCase) -> str | None:
    """The opioid patch on board (fentanyl or buprenorphine), or None."""
    for item in case.current_medications + case.tried:
        if item.formulation is Formulation.patch and Trait.opioid in traits(item.drug):
            return item.drug
    return None


def non_drug_for(case: PatientCase, points: tuple[Point, ...]) -> tuple[Point, ...]:
    """Non-drug advice read against the medicines: with an opioid patch, no heat (both labels:
    external heat raises absorption; deaths reported); the point says why instead."""
    patch = patch_on_board(case)
    if patch is None:
        return points
    kept = tuple(p for p in points if "heat" not in f"{p.title} {p.text}".lower())
    return (
        *kept,
        Point(
            title="No heat with the patch",
            text=(
                f"No heat pad, heat wrap, electric blanket, hot bath or sauna while wearing the "
                f"{patch} patch: heat raises how much drug it releases, and deaths have been "
                "reported (Duragesic and Butrans labels, Warnings). Cold packs away from the "
                "patch are an alternative."
            ),
            evidence=("non-drug-care",),
        ),
    )

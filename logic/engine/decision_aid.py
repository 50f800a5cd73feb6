"""Decision aid: what the ED trials found for each option this plan actually offers.

One typed table of trial arms (`TRIAL_ARMS`, one row per arm and outcome, each with its trial,
population, n, time point, value and source) is the only place these numbers live in code; the
content pages state the same figures in words, and tests/test_decision_aid.py checks each row
against the page and against the published value. `decision_rows(plan)` reads the options from
the plan's own orders, so an option the plan withholds can never be shown as a choice.
Pure Python: the page draws the rows and the icon arrays.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from logic.drugs.catalogue import DrugClass, drug_class, resolve_drug
from logic.models import Order, TreatmentPlan

#: Icon arrays show this many people; the share is a count of them.
PEOPLE = 100
GRID_COLUMNS = 10


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Option(StrEnum):
    """The choices a decision aid can show, in the order it shows them."""

    nsaid = "An NSAID alone (nothing extra added)"
    acetaminophen_added = "Acetaminophen added to the NSAID"
    muscle_relaxant = "A muscle relaxant added to the NSAID"
    steroid = "A steroid"
    opioid_rescue = "An opioid rescue dose or course"
    gabapentinoid = "A gabapentinoid for sciatica"


#: The option as a patient reads it.
PLAIN_OPTION: dict[Option, str] = {
    Option.nsaid: "An anti-inflammatory painkiller (such as naproxen or ibuprofen) on its own",
    Option.acetaminophen_added: "Adding paracetamol (acetaminophen) to the anti-inflammatory",
    Option.muscle_relaxant: "Adding a muscle relaxant",
    Option.steroid: "A steroid",
    Option.opioid_rescue: "An opioid painkiller",
    Option.gabapentinoid: "A nerve-pain medicine (gabapentin or pregabalin) for leg pain",
}


class Outcome(StrEnum):
    pain = "still had moderate or severe pain"
    poor_function = "still had functional disability"
    side_effect = "had a side effect"
    dizziness = "had dizziness"
    misuse = "had signs of opioid misuse"
    more_care = "sought more medical care"


class TrialArm(_Frozen):
    """One arm of one trial, one outcome: the figure and where it comes from."""

    option: Option
    trial: Annotated[str, Field(min_length=1)]  # as the content page names it: "Friedman 2017"
    arm: Annotated[str, Field(min_length=1)]
    control: bool  # the trial's comparison arm (placebo), shown beside the option's arm
    population: Annotated[str, Field(min_length=1)]
    n: Annotated[int | None, Field(ge=1)]  # patients analysed in the arm; None if unconfirmed
    outcome: Outcome
    time_point: Annotated[str, Field(min_length=1)]
    percent: Annotated[float, Field(ge=0, le=100)]
    source: Annotated[str, Field(min_length=1)]
    page: Annotated[str, Field(min_length=1)]  # content page that states the figure
    confirmed: bool = True  # False: read only in a secondary report (the page says so)


_ED_NONRADICULAR = "ED adults, acute non-radicular low back pain of up to 2 weeks"
_F2017 = "Friedman BW et al. Ann Emerg Med 2017. doi:10.1016/j.annemergmed.2016.10.002"
_F2018 = "Friedman BW et al. Ann Emerg Med 2018;71:348-56. doi:10.1016/j.annemergmed.2017.09.031"
_F2019 = "Friedman BW et al. Ann Emerg Med 2019;74:512-20. doi:10.1016/j.annemergmed.2019.02.017"
_F2020 = "Friedman BW et al. Acad Emerg Med 2020. doi:10.1111/acem.13898"
_F2008 = "Friedman BW et al. Spine 2008;33:E624-9. doi:10.1097/BRS.0b013e3181822711"
_ESKIN = "Eskin B et al. J Emerg Med 2014;47:65-70. doi:10.1016/j.jemermed.2014.02.010"
_OPAL = "Jones CMP et al. Lancet 2023;402:304-12. doi:10.1016/S0140-6736(23)00404-X"
_PRECISE = "Mathieson S et al. N Engl J Med 2017. doi:10.1056/NEJMoa1612292"


def _arm(option: Option, trial: str, arm: str, control: bool, **fields: Any) -> TrialArm:
    return TrialArm(option=option, trial=trial, arm=arm, control=control, **fields)


#: Every figure the decision aid can show. The abstract or page each value was read from is the
#: `source`; the content page `page` states it in words. Percentages are the trial's own.
TRIAL_ARMS: tuple[TrialArm, ...] = (
    # An NSAID alone: the placebo arms of the Bronx ED trials (everyone took the NSAID).
    *(
        _arm(
            Option.nsaid,
            "Friedman 2017",
            "naproxen 500 mg twice daily + placebo",
            False,
            population=_ED_NONRADICULAR,
            n=n,
            outcome=Outcome.pain,
            time_point=when,
            percent=value,
            source=_F2017,
            page="nsaids-ketorolac",
        )
        # 55 analysed at 1 week (UMEM pearl 3203); the 3-month denominator is unconfirmed.
        for when, value, n in (("1 week", 22, 55), ("3 months", 9, None))
    ),
    _arm(
        Option.nsaid,
        "Friedman 2019",
        "ibuprofen 600 mg three times daily + placebo",
        False,
        population=_ED_NONRADICULAR,
        n=None,
        outcome=Outcome.pain,
        time_point="1 week",
        percent=30,
        source=_F2019,
        page="nsaids-ketorolac",
    ),
    # Side effects on naproxen alone: the Friedman 2018 placebo arm (secondary report).
    _arm(
        Option.nsaid,
        "Friedman 2018",
        "naproxen 500 mg twice daily + placebo",
        False,
        population=_ED_NONRADICULAR,
        n=79,
        outcome=Outcome.side_effect,
        time_point="1 week",
        percent=17,
        source=_F2018,
        page="muscle-relaxants",
        confirmed=False,
    ),
    # Acetaminophen added to ibuprofen (Friedman 2020: 16 of 57 vs 15 of 53).
    _arm(
        Option.acetaminophen_added,
        "Friedman 2020",
        "ibuprofen + acetaminophen 500-1000 mg",
        False,
        population=_ED_NONRADICULAR,
        n=57,
        outcome=Outcome.pain,
        time_point="1 week",
        percent=28,
        source=_F2020,
        page="acetaminophen",
    ),
    _arm(
        Option.acetaminophen_added,
        "Friedman 2020",
        "ibuprofen + placebo",
        True,
        population=_ED_NONRADICULAR,
        n=53,
        outcome=Outcome.pain,
        time_point="1 week",
        percent=28,
        source=_F2020,
        page="acetaminophen",
    ),
    # Muscle relaxants added to ibuprofen (Friedman 2019) or naproxen (Friedman 2018).
    *(
        _arm(
            Option.muscle_relaxant,
            "Friedman 2019",
            arm,
            control,
            population=_ED_NONRADICULAR,
            n=None,
            outcome=Outcome.pain,
            time_point="1 week",
            percent=value,
            source=_F2019,
            page="muscle-relaxants",
        )
        for arm, control, value in (
            ("ibuprofen + baclofen 10 mg", False, 33),
            ("ibuprofen + metaxalone 400 mg", False, 37),
            ("ibuprofen + tizanidine 2 mg", False, 33),
            ("ibuprofen + placebo", True, 30),
        )
    ),
    *(
        _arm(
            Option.muscle_relaxant,
            "Friedman 2018",
            arm,
            control,
            population=_ED_NONRADICULAR,
            n=n,
            outcome=Outcome.side_effect,
            time_point="1 week",
            percent=value,
            source=_F2018,
            page="muscle-relaxants",
            confirmed=False,
        )  # adverse-event shares read in a secondary report
        for arm, control, n, value in (
            ("naproxen + orphenadrine 100 mg", False, 80, 9),
            ("naproxen + methocarbamol 750 mg", False, 81, 19),
            ("naproxen + placebo", True, 79, 17),
        )
    ),
    # Steroids: never offered by this tool (ACP 2017, NICE NG59), kept so the page and the
    # tests can show that a withheld option never appears.
    _arm(
        Option.steroid,
        "Friedman 2008",
        "methylprednisolone 160 mg IM once",
        False,
        population="ED adults 21-50, radicular pain of up to a week",
        n=None,
        outcome=Outcome.poor_function,
        time_point="1 month",
        percent=19,
        source=_F2008,
        page="systemic-corticosteroids",
    ),
    _arm(
        Option.steroid,
        "Friedman 2008",
        "placebo",
        True,
        population="ED adults 21-50, radicular pain of up to a week",
        n=None,
        outcome=Outcome.poor_function,
        time_point="1 month",
        percent=49,
        source=_F2008,
        page="systemic-corticosteroids",
    ),
    _arm(
        Option.steroid,
        "Eskin 2014",
        "prednisone 50 mg daily for 5 days",
        False,
        population="ED adults 18-55, pain from a bend or twist within 2 days",
        n=32,
        outcome=Outcome.more_care,
        time_point="5 days",
        percent=40,
        source=_ESKIN,
        page="systemic-corticosteroids",
    ),
    _arm(
        Option.steroid,
        "Eskin 2014",
        "placebo",
        True,
        population="ED adults 18-55, pain from a bend or twist within 2 days",
        n=35,
        outcome=Outcome.more_care,
        time_point="5 days",
        percent=18,
        source=_ESKIN,
        page="systemic-corticosteroids",
    ),
    # Opioids: OPAL (no pain benefit at any time point; misuse twice as common at a year).
    _arm(
        Option.opioid_rescue,
        "OPAL",
        "oxycodone-naloxone up to 20 mg/day, up to 6 weeks",
        False,
        population="adults with up to 12 weeks of low back or neck pain, Sydney "
        "primary care and EDs",
        n=174,
        outcome=Outcome.misuse,
        time_point="52 weeks",
        percent=20,
        source=_OPAL,
        page="opioids-acute-pain",
    ),
    _arm(
        Option.opioid_rescue,
        "OPAL",
        "placebo",
        True,
        population="adults with up to 12 weeks of low back or neck pain, Sydney primary care "
        "and EDs",
        n=173,
        outcome=Outcome.misuse,
        time_point="52 weeks",
        percent=10,
        source=_OPAL,
        page="opioids-acute-pain",
    ),
    # Gabapentinoids for sciatica: no ED trial; PRECISE (pregabalin) is the trial of record.
    _arm(
        Option.gabapentinoid,
        "PRECISE",
        "pregabalin 150-600 mg/day, up to 8 weeks",
        False,
        population="adults with sciatica in primary care",
        n=None,
        outcome=Outcome.dizziness,
        time_point="8 weeks",
        percent=40,
        source=_PRECISE,
        page="gabapentinoids-sciatica",
    ),
    _arm(
        Option.gabapentinoid,
        "PRECISE",
        "placebo",
        True,
        population="adults with sciatica in primary care",
        n=None,
        outcome=Outcome.dizziness,
        time_point="8 weeks",
        percent=13,
        source=_PRECISE,
        page="gabapentinoids-sciatica",
    ),
)

#: What each option's trials found on pain, when no arm gives a share to draw.
NO_SHARE_NOTE: dict[Option, str] = {
    Option.muscle_relaxant: (
        "Cyclobenzaprine's own ED trial (Friedman 2015) found no added benefit over naproxen; "
        "its arm-level shares are unconfirmed here, so the figures are for the relaxants of "
        "Friedman 2019 and 2018."
    ),
    Option.opioid_rescue: (
        "OPAL: no less pain than placebo at 2, 4, 6, 12 or 26 weeks; Friedman 2015: adding "
        "oxycodone/acetaminophen to naproxen did not improve function at 1 week or 3 months."
    ),
    Option.gabapentinoid: (
        "PRECISE: leg pain at 8 weeks 3.7 with pregabalin vs 3.1 with placebo (0-10); no "
        "benefit at 52 weeks either."
    ),
}

#: Most people improve anyway: the naproxen-alone arm at 3 months (Friedman 2017).
IMPROVE_ANYWAY = next(
    a for a in TRIAL_ARMS if a.option is Option.nsaid and a.time_point == "3 months"
)


class DecisionRow(_Frozen):
    """One option the plan offers, with the trial arms that speak to it."""

    option: Option
    drugs: tuple[str, ...]  # the plan's orders this option stands for
    arms: tuple[TrialArm, ...]
    note: str = ""


_CLASS_OPTION: dict[DrugClass, Option] = {
    DrugClass.nsaid: Option.nsaid,
    DrugClass.muscle_relaxant: Option.muscle_relaxant,
    DrugClass.corticosteroid: Option.steroid,
    DrugClass.opioid: Option.opioid_rescue,
    DrugClass.atypical_opioid: Option.opioid_rescue,
    DrugClass.partial_opioid: Option.opioid_rescue,
    DrugClass.gabapentinoid: Option.gabapentinoid,
}


def _order_class(order: Order) -> DrugClass | None:
    generic = resolve_drug(order.generic) or resolve_drug(order.drug.split(" (")[0])
    if generic is None:
        return None
    try:
        return drug_class(generic)
    except KeyError:
        return None


def offered_options(plan: TreatmentPlan) -> dict[Option, tuple[str, ...]]:
    """Each option the plan's own orders offer (now or at discharge), with the drugs behind it.

    Acetaminophen counts as "added to the NSAID" only when the plan also orders an NSAID, the
    comparison Friedman 2020 made; the gabapentinoid option also counts the titration plan.
    """
    found: dict[Option, list[str]] = {}
    classes: set[DrugClass] = set()
    for order in (*plan.give_now, *plan.discharge):
        kind = _order_class(order)
        if kind is None:
            continue
        classes.add(kind)
        option = _CLASS_OPTION.get(kind)
        if option is not None:
            found.setdefault(option, []).append(order.generic)
    if DrugClass.acetaminophen in classes and DrugClass.nsaid in classes:
        found[Option.acetaminophen_added] = ["acetaminophen"]
    if plan.gabapentin is not None:
        found.setdefault(Option.gabapentinoid, []).append("gabapentin")
    return {o: tuple(dict.fromkeys(found[o])) for o in Option if o in found}


def decision_rows(plan: TreatmentPlan) -> tuple[DecisionRow, ...]:
    """The decision aid for this plan: one row per offered option, none for anything withheld."""
    return tuple(
        DecisionRow(
            option=option,
            drugs=drugs,
            arms=tuple(a for a in TRIAL_ARMS if a.option is option),
            note=NO_SHARE_NOTE.get(option, ""),
        )
        for option, drugs in offered_options(plan).items()
    )


def headline(row: DecisionRow) -> TrialArm:
    """The arm the icon array draws: the option's arm that used the plan's own drug (naproxen
    or ibuprofen, say) when a trial tested it, else the option's first non-control arm."""
    arms = [a for a in row.arms if not a.control]
    own = [a for a in arms if any(d in a.arm for d in row.drugs)]
    return (own or arms)[0]


def people(arm: TrialArm) -> int:
    """The share as a whole number of the 100 people drawn."""
    return round(arm.percent * PEOPLE / 100)


def arm_line(arm: TrialArm) -> str:
    """'22 of 100 still had moderate or severe pain at 1 week (Friedman 2017, naproxen ...)'."""
    return (
        f"{people(arm)} of {PEOPLE} {arm.outcome.value} at {arm.time_point} "
        f"({arm.trial}, {arm.arm}; {arm.population}"
        + (f", n = {arm.n}" if arm.n else "")
        + (", read in a secondary report" if not arm.confirmed else "")
        + ")"
    )


def plain_line(arm: TrialArm) -> str:
    """The same figure for a patient, without trial detail."""
    what = {
        Outcome.pain: "still had moderate or bad pain",
        Outcome.poor_function: "still found it hard to do everyday things",
        Outcome.side_effect: "had a side effect",
        Outcome.dizziness: "felt dizzy",
        Outcome.misuse: "showed signs of misusing the medicine",
        Outcome.more_care: "went back for more medical care",
    }[arm.outcome]
    return f"About {people(arm)} in {PEOPLE} people {what} after {arm.time_point}."


def discussed_note(rows: tuple[DecisionRow, ...]) -> str:
    """One line for the clinical note: which options the decision aid showed."""
    if not rows:
        return "Decision aid: no option with trial figures was offered."
    return (
        "Decision aid discussed: "
        + "; ".join(f"{r.option.value} ({headline(r).trial})" for r in rows)
        + "."
    )


def icon_array_spec(arm: TrialArm) -> dict[str, Any]:
    """A Vega-Lite icon array: 100 people, `people(arm)` of them filled, as a dict spec.

    A plain dict (no Altair import on the page's hot path); the filled people come first, read
    row by row from the top left, as icon arrays are usually read.
    """
    affected = people(arm)
    label_yes = arm.outcome.value
    label_no = "did not"
    values = [
        {
            "col": i % GRID_COLUMNS,
            "row": i // GRID_COLUMNS,
            "status": label_yes if i < affected else label_no,
        }
        for i in range(PEOPLE)
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {
            "text": f"{affected} of {PEOPLE}",
            "subtitle": f"{arm.trial}, at {arm.time_point}",
            "anchor": "start",
        },
        "data": {"values": values},
        "width": 240,
        "height": 240,
        "mark": {"type": "point", "filled": True, "size": 150, "shape": "circle", "opacity": 1},
        "encoding": {
            "x": {
                "field": "col",
                "type": "quantitative",
                "axis": None,
                "scale": {"domain": [-0.5, GRID_COLUMNS - 0.5]},
            },
            "y": {
                "field": "row",
                "type": "quantitative",
                "axis": None,
                "scale": {"domain": [PEOPLE // GRID_COLUMNS - 0.5, -0.5]},
            },
            "color": {
                "field": "status",
                "type": "nominal",
                "scale": {"domain": [label_yes, label_no], "range": ["#a3281f", "#9aa9b5"]},
                "legend": {
                    "orient": "bottom",
                    "direction": "vertical",
                    "title": None,
                    "labelFontSize": 12,
                    "labelLimit": 0,
                },
            },
            "tooltip": [{"field": "status", "type": "nominal", "title": "This person"}],
        },
        "config": {"view": {"stroke": None}},
    }


def icon_array_alt(arm: TrialArm) -> str:
    """Alt text for the icon array: the same figure in one sentence."""
    return f"Icon array of {PEOPLE} people: {arm_line(arm)}."

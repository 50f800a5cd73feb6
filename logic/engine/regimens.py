"""Order templates: every dose the engine can emit, with its source beside the number.

A regimen is chosen, never computed: the engine picks the standard or the reduced row for the
patient. The reduced rows exist for older, frail, renally or hepatically impaired and co-sedated
patients (CDC 2022 recommendation 4: lowest effective dose for opioid-naive patients).
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import NamedTuple

from logic.drugs.catalogue import Formulation, parse_order_label
from logic.models import Order, Route


@cache
def _identity(label: str) -> tuple[str, Formulation | None]:
    """Generic and formulation of a regimen's label, parsed once per label."""
    parsed = parse_order_label(label)
    if parsed is None:
        raise ValueError(f"regimen drug '{label}' is not in the catalogue")
    return parsed


class Regimen(NamedTuple):
    key: str
    drug: str
    route: Route
    dose_mg_low: float
    dose_mg: float
    every_hours: float | None
    max_daily_mg: float | None
    days: int | None
    prn: bool
    note: str
    evidence: tuple[str, ...]
    source: str

    def order(
        self,
        *,
        choice: str | None = None,
        note: str | None = None,
        tradeoff: str = "",
        dose_cap_mg: float | None = None,
        daily_cap_mg: float | None = None,
    ) -> Order:
        """The regimen as an order; `note` replaces the default note when given, a `tradeoff`
        makes it a shared decision, and the caps (from the cap rules) lower its doses."""
        return _order(self, choice, note, tradeoff, dose_cap_mg, daily_cap_mg)


@lru_cache(maxsize=4096)
def _order(
    regimen: Regimen,
    choice: str | None,
    note: str | None,
    tradeoff: str,
    dose_cap_mg: float | None,
    daily_cap_mg: float | None,
) -> Order:
    """Orders are frozen: each (regimen, choice, note, tradeoff, caps) is built once and shared.

    A per-dose cap lowers the dose (and the low end of the range) only when it is lower; a daily
    cap lowers the daily maximum, or sets one for a scheduled regimen that had none."""
    generic, formulation = _identity(regimen.drug)
    dose, low, daily = regimen.dose_mg, regimen.dose_mg_low, regimen.max_daily_mg
    if dose_cap_mg is not None and dose_cap_mg < dose:
        dose, low = dose_cap_mg, min(low, dose_cap_mg)
    if daily_cap_mg is not None:
        if daily is not None:
            daily = min(daily, daily_cap_mg)
        elif regimen.every_hours is not None:
            daily = daily_cap_mg
    return Order(
        generic=generic,
        formulation=formulation,
        dose_mg_low=low,
        dose_mg=dose,
        route=regimen.route,
        every_hours=regimen.every_hours,
        max_daily_mg=daily,
        days=regimen.days,
        prn=regimen.prn,
        choice=choice,
        note=regimen.note if note is None else note,
        evidence=regimen.evidence,
        shared_decision=bool(tradeoff),
        tradeoff=tradeoff,
    )


OPIOID_EVIDENCE = ("opioids-acute-pain", "opioid-safety")

_R = Regimen
REGIMENS: dict[str, Regimen] = {
    r.key: r
    for r in (
        _R(
            # Oxycodone IR label: 5-15 mg initial dose in opioid-naive adults; CDC 2022 rec 4
            # (lowest effective dose) keeps the range at its bottom.
            key="oxycodone_po_now",
            drug="oxycodone (immediate release)",
            route=Route.po,
            dose_mg_low=5,
            dose_mg=10,
            every_hours=None,
            max_daily_mg=None,
            days=None,
            prn=False,
            note="Single rescue dose for an opioid-naive adult; reassess after 60 minutes.",
            evidence=OPIOID_EVIDENCE,
            source="Oxycodone IR label (initial 5-15 mg); CDC 2022 rec 4",
        ),
        _R(
            # Oxycodone label: start at 1/3-1/2 the usual dose in hepatic impairment and low in
            # renal impairment; CDC 2022: extra caution in older adults.
            key="oxycodone_po_now_reduced",
            drug="oxycodone (immediate release)",
            route=Route.po,
            dose_mg_low=2.5,
            dose_mg=5,
            every_hours=None,
            max_daily_mg=None,
            days=None,
            prn=False,
            note="Reduced single dose (older, frail, renal or hepatic impairment, or co-sedated); "
            "reassess after 60 minutes.",
            evidence=OPIOID_EVIDENCE,
            source="Oxycodone IR label (hepatic/renal: reduced start); CDC 2022 rec 4",
        ),
        _R(
            # Oxycodone label, hepatic impairment: start at 1/3-1/2 of the usual dose.
            key="oxycodone_po_now_hepatic",
            drug="oxycodone (immediate release)",
            route=Route.po,
            dose_mg_low=2.5,
            dose_mg=2.5,
            every_hours=None,
            max_daily_mg=None,
            days=None,
            prn=False,
            note="Cirrhosis: one-third to one-half of the usual dose; reassess after 60 minutes.",
            evidence=OPIOID_EVIDENCE,
            source="Oxycodone IR label (hepatic impairment)",
        ),
        _R(
            # A common order is "hydromorphone 2-4 mg PO/IV": 2-4 mg is the ORAL
            # starting range. The label's initial IV dose is 0.2-1 mg, given slowly over 2-3 min
            # (evidence: opioids-acute-pain). We follow the label.
            key="hydromorphone_iv_now",
            drug="hydromorphone",
            route=Route.iv,
            dose_mg_low=0.5,
            dose_mg=1,
            every_hours=None,
            max_daily_mg=None,
            days=None,
            prn=False,
            note="Give slowly over 2-3 minutes; may repeat once after 15 minutes if needed. "
            "Monitor sedation and oxygen saturation.",
            evidence=OPIOID_EVIDENCE,
            source="Hydromorphone injection label: initial 0.2-1 mg IV q2-3h (opioid-naive)",
        ),
        _R(
            # Label: start at 1/4-1/2 the usual dose in hepatic or renal impairment; Chang AK et
            # al., Drugs Aging 2013: 0.5 mg IV titrated dosing in adults >= 65.
            key="hydromorphone_iv_now_reduced",
            drug="hydromorphone",
            route=Route.iv,
            dose_mg_low=0.2,
            dose_mg=0.5,
            every_hours=None,
            max_daily_mg=None,
            days=None,
            prn=False,
            note="Reduced IV dose; give slowly. 0.5 mg IV was effective in adults 65 and over "
            "(Chang 2013). Monitor sedation and oxygen saturation.",
            evidence=OPIOID_EVIDENCE,
            source="Hydromorphone label (reduced start); Chang AK et al. Drugs Aging 2013",
        ),
        _R(
            key="tramadol_po_now",
            drug="tramadol",
            route=Route.po,
            dose_mg_low=50,
            dose_mg=100,
            every_hours=None,
            max_daily_mg=400,
            days=None,
            prn=False,
            note="Alternative to a full opioid agonist; moderate short-term relief at best.",
            evidence=("tramadol",),
            source="Tramadol label: 50-100 mg every 4-6 h, max 400 mg/day",
        ),
        _R(
            # Tramadol label: CrCl < 30 every 12 h, max 200 mg/day.
            key="tramadol_po_now_reduced",
            drug="tramadol",
            route=Route.po,
            dose_mg_low=50,
            dose_mg=50,
            every_hours=None,
            max_daily_mg=200,
            days=None,
            prn=False,
            # The reduced row is chosen for age, kidney function or frailty (any reduce rule);
            # the 12-hourly interval below CrCl 30 comes with its own cap rule's note.
            note="Single 50 mg dose: the reduced start for this patient.",
            evidence=("tramadol",),
            source="Tramadol label (renal impairment)",
        ),
        _R(
            # Tramadol label: cirrhosis 50 mg every 12 h.
            key="tramadol_po_now_hepatic",
            drug="tramadol",
            route=Route.po,
            dose_mg_low=50,
            dose_mg=50,
            every_hours=None,
            max_daily_mg=100,
            days=None,
            prn=False,
            note="Cirrhosis: 50 mg, doses at least 12 hours apart.",
            evidence=("tramadol",),
            source="Tramadol label (hepatic impairment)",
        ),
        _R(
            # Motov S et al., Ann Emerg Med 2017: 10 mg IV relieved pain as well as 15 or 30 mg.
            key="ketorolac_iv_now",
            drug="ketorolac",
            route=Route.iv,
            dose_mg_low=10,
            dose_mg=10,
            every_hours=None,
            max_daily_mg=None,
            days=None,
            prn=False,
            note="10 mg is the analgesic ceiling; counts toward the 5-day ketorolac limit.",
            evidence=("nsaids-ketorolac",),
            source="Ketorolac label (<65: max 30 mg IV single dose); Motov 2017 ceiling 10 mg",
        ),
        _R(
            key="naproxen_po_now",
            drug="naproxen",
            route=Route.po,
            dose_mg_low=500,
            dose_mg=500,
            every_hours=None,
            max_daily_mg=None,
            days=None,
            prn=False,
            note="First dose now, with food.",
            evidence=("nsaids-ketorolac",),
            source="Naproxen label: 500 mg initial dose",
        ),
        _R(
            # Label maximum 4 g/day; 2 g/day in cirrhosis (hepatology guidance), so half of the
            # usual single dose leaves room for the take-home doses on day 1.
            key="acetaminophen_po_now_hepatic",
            drug="acetaminophen",
            route=Route.po,
            dose_mg_low=500,
            dose_mg=500,
            every_hours=None,
            max_daily_mg=None,
            days=None,
            prn=False,
            note="Cirrhosis: 500 mg; count it toward today's 2 g limit.",
            evidence=("acetaminophen",),
            source="Acetaminophen label; hepatology guidance (2 g/day in cirrhosis)",
        ),
        _R(
            # Naproxen label: lowest effective dose in the elderly; NICE NG59.
            key="naproxen_po_now_reduced",
            drug="naproxen",
            route=Route.po,
            dose_mg_low=250,
            dose_mg=250,
            every_hours=None,
            max_daily_mg=None,
            days=None,
            prn=False,
            note="First dose now, with food (lower dose: age 65+, kidney disease or CrCl 30-59).",
            evidence=("nsaids-ketorolac",),
            source="Naproxen label (elderly: lowest effective dose); NICE NG59",
        ),
        _R(
            key="acetaminophen_po_now",
            drug="acetaminophen",
            route=Route.po,
            dose_mg_low=1000,
            dose_mg=1000,
            every_hours=None,
            max_daily_mg=None,
            days=None,
            prn=False,
            note="Given because NSAIDs are ruled out for this patient; on its own it is no better "
            "than placebo for acute low back pain (PACE trial).",
            evidence=("acetaminophen",),
            source="Acetaminophen label: 1000 mg per dose in adults",
        ),
        _R(
            # Naproxen label: 500 mg every 12 h, max 1000 mg/day after day 1. Friedman 2015
            # gave naproxen 500 mg twice daily for 10 days.
            key="naproxen_po",
            drug="naproxen",
            route=Route.po,
            dose_mg_low=500,
            dose_mg=500,
            every_hours=12,
            max_daily_mg=1000,
            days=7,
            prn=False,
            note="Scheduled, with food. Start no sooner than 6 hours after the last ketorolac dose "
            "and never with another NSAID.",
            evidence=("nsaids-ketorolac",),
            source="Naproxen label (500 mg q12h, max 1000 mg/day)",
        ),
        _R(
            # Naproxen label: lowest effective dose in the elderly; NICE NG59: lowest dose,
            # shortest time. AGS Beers 2023: avoid chronic use.
            key="naproxen_po_reduced",
            drug="naproxen",
            route=Route.po,
            dose_mg_low=250,
            dose_mg=250,
            every_hours=12,
            max_daily_mg=500,
            days=5,
            prn=False,
            note="Lower dose for age 65+ or CrCl 30-59: lowest dose for the shortest time, "
            "with food; never with another NSAID.",
            evidence=("nsaids-ketorolac", "older-adults-pregnancy"),
            source="Naproxen label (elderly: lowest effective dose); NICE NG59; Beers 2023",
        ),
        _R(
            # Beers 2023 allows a short NSAID course in older adults or with corticosteroids
            # only with gastroprotection (PPI); omeprazole label: 20 mg once daily.
            key="omeprazole_po",
            drug="omeprazole",
            route=Route.po,
            dose_mg_low=20,
            dose_mg=20,
            every_hours=24,
            max_daily_mg=20,
            days=7,
            prn=False,
            note="Gastroprotection while taking the NSAID.",
            evidence=("nsaids-ketorolac", "older-adults-pregnancy"),
            source="AGS Beers 2023 (gastroprotection); omeprazole label 20 mg daily",
        ),
        _R(
            # Label max 4 g/day; we keep 3 g/day as a margin for OTC combination products
            # (McNeil/Tylenol labelling lowered its own maximum to 3 g/day in 2011).
            key="acetaminophen_po",
            drug="acetaminophen",
            route=Route.po,
            dose_mg_low=650,
            dose_mg=1000,
            every_hours=6,
            max_daily_mg=3000,
            days=7,
            prn=True,
            note="Count acetaminophen in combination products toward the daily maximum.",
            evidence=("acetaminophen",),
            source="Acetaminophen label (max 4 g/day; 3 g/day conservative)",
        ),
        _R(
            # AASLD guidance and most hepatology references: <= 2 g/day in cirrhosis.
            key="acetaminophen_po_hepatic",
            drug="acetaminophen",
            route=Route.po,
            dose_mg_low=500,
            dose_mg=500,
            every_hours=6,
            max_daily_mg=2000,
            days=7,
            prn=True,
            note="Cirrhosis: no more than 2 g a day in total, including combination products.",
            evidence=("acetaminophen",),
            source="Hepatology guidance (max 2 g/day in cirrhosis)",
        ),
        _R(
            # CDC 2022 rec 3: immediate-release only; rec 6: no more than needed (often a few
            # days). A common escalation is 5-10 mg q4-6h for 3-5 days: 10 mg q4h is 90 MME/day,
            # above the 50 MME caution point, so we keep 5 mg q6h for 3 days (30 MME/day).
            key="oxycodone_po",
            drug="oxycodone (immediate release)",
            route=Route.po,
            dose_mg_low=5,
            dose_mg=5,
            every_hours=6,
            max_daily_mg=20,
            days=3,
            prn=True,
            note="Only for pain severe enough to need it; no refill without review. Immediate "
            "release only.",
            evidence=OPIOID_EVIDENCE,
            source="CDC 2022 recs 3, 4, 6; oxycodone IR label",
        ),
        _R(
            key="oxycodone_po_reduced",
            drug="oxycodone (immediate release)",
            route=Route.po,
            dose_mg_low=2.5,
            dose_mg=2.5,
            every_hours=6,
            max_daily_mg=10,
            days=3,
            prn=True,
            note="Reduced dose (older, frail, renal impairment or co-sedated). "
            "Immediate release only.",
            evidence=OPIOID_EVIDENCE,
            source="CDC 2022 rec 4; oxycodone IR label (reduced start)",
        ),
        _R(
            # Oxycodone label, hepatic impairment: start at 1/3-1/2 the usual dose.
            key="oxycodone_po_hepatic",
            drug="oxycodone (immediate release)",
            route=Route.po,
            dose_mg_low=2.5,
            dose_mg=2.5,
            every_hours=8,
            max_daily_mg=7.5,
            days=3,
            prn=True,
            note="Cirrhosis: one-third to one-half of the usual dose at a longer interval.",
            evidence=OPIOID_EVIDENCE,
            source="Oxycodone IR label (hepatic impairment)",
        ),
        _R(
            # Senna OTC label: 2 tablets (17.2 mg) once daily for adults.
            key="senna_po",
            drug="senna (sennosides)",
            route=Route.po,
            dose_mg_low=8.6,
            dose_mg=17.2,
            every_hours=24,
            max_daily_mg=17.2,
            days=3,
            prn=False,
            note="At bedtime while taking the opioid, to prevent constipation.",
            evidence=("opioid-safety",),
            source="Sennosides OTC label (8.6 mg tablets, 2 once daily)",
        ),
        _R(
            key="naloxone_in",
            drug="naloxone nasal spray",
            route=Route.intranasal,
            dose_mg_low=4,
            dose_mg=4,
            every_hours=None,
            max_daily_mg=None,
            days=None,
            prn=True,
            note="For suspected overdose: one spray in a nostril, call emergency services; repeat "
            "in the other nostril after 2-3 minutes if there is no response. Teach the household.",
            evidence=("opioid-safety",),
            source="Naloxone 4 mg nasal spray label; CDC 2022 rec 8",
        ),
        _R(
            # Urquhart DM et al., JAMA Intern Med 2018: 25 mg/day. NICE CG173: start 10 mg,
            # max 75 mg/day without specialist advice. A common 75-100 mg target is above that.
            key="amitriptyline_po",
            drug="amitriptyline",
            route=Route.po,
            dose_mg_low=10,
            dose_mg=25,
            every_hours=24,
            max_daily_mg=25,
            days=None,
            prn=False,
            note="Optional, at bedtime, for radicular pain that persists. Start 10 mg, increase "
            "to 25 mg after a week if tolerated; takes weeks to help. Higher doses only with "
            "specialist input (non-specialist maximum 75 mg).",
            evidence=("antidepressants",),
            source="Urquhart 2018 (25 mg/day); NICE CG173 (start 10 mg)",
        ),
        _R(
            # Cyclobenzaprine label: 5 mg three times a day (may rise to 10 mg), for no more
            # than 2-3 weeks; Friedman 2015 used 5 mg in the ED trial. ACP 2017: a muscle
            # relaxant is an option for acute or subacute pain (moderate-quality evidence of a
            # small short-term benefit in its review, low quality for the ED add-on question).
            key="cyclobenzaprine_po",
            drug="cyclobenzaprine",
            route=Route.po,
            dose_mg_low=5,
            dose_mg=5,
            every_hours=8,
            max_daily_mg=15,
            days=7,
            prn=True,
            note="Optional, for a few days: a small short-term benefit at best, and drowsiness "
            "and dry mouth are common. No alcohol, no driving if drowsy, no other sedative.",
            evidence=("muscle-relaxants",),
            source="Cyclobenzaprine label (5 mg three times daily, 2-3 weeks at most); ACP 2017",
        ),
        _R(
            # Duloxetine label (chronic musculoskeletal pain): 30 mg for 1 week, then 60 mg;
            # ACP 2017: second-line drug for chronic low back pain.
            key="duloxetine_po",
            drug="duloxetine",
            route=Route.po,
            dose_mg_low=30,
            dose_mg=60,
            every_hours=24,
            max_daily_mg=60,
            days=None,
            prn=False,
            note="Chronic low back pain: 30 mg once daily for a week, then 60 mg once daily. No "
            "benefit above 60 mg.",
            evidence=("antidepressants",),
            source="Duloxetine label; ACP 2017",
        ),
    )
}


def regimen(key: str) -> Regimen:
    """The regimen for a key; KeyError names a template that does not exist."""
    return REGIMENS[key]

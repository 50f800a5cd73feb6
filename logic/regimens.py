"""Order templates: every dose the engine can emit, with its source beside the number.

A regimen is chosen, never computed: the engine picks the standard or the reduced row for the
patient. The reduced rows exist for older, frail, renally or hepatically impaired and co-sedated
patients (CDC 2022 recommendation 4: lowest effective dose for opioid-naive patients).
"""

from __future__ import annotations

from typing import NamedTuple

from logic.models import Order, Route


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

    def order(self, *, choice: str | None = None, note: str | None = None) -> Order:
        """The regimen as an order; `note` replaces the default note when given."""
        return Order(
            drug=self.drug,
            dose_mg_low=self.dose_mg_low,
            dose_mg=self.dose_mg,
            route=self.route,
            every_hours=self.every_hours,
            max_daily_mg=self.max_daily_mg,
            days=self.days,
            prn=self.prn,
            choice=choice,
            note=self.note if note is None else note,
            evidence=self.evidence,
        )


OPIOID_EVIDENCE = ("opioids-acute-pain", "opioid-safety")

_R = Regimen
REGIMENS: dict[str, Regimen] = {
    r.key: r
    for r in (
        # ---- Give now: rescue analgesia -------------------------------------------------
        _R(
            "oxycodone_po_now",
            "oxycodone (immediate release)",
            Route.po,
            5,
            10,
            None,
            None,
            None,
            False,
            "Single rescue dose for an opioid-naive adult; reassess after 60 minutes.",
            OPIOID_EVIDENCE,
            # Oxycodone IR label: 5-15 mg initial dose in opioid-naive adults; CDC 2022 rec 4
            # (lowest effective dose) keeps the range at its bottom.
            "Oxycodone IR label (initial 5-15 mg); CDC 2022 rec 4",
        ),
        _R(
            "oxycodone_po_now_reduced",
            "oxycodone (immediate release)",
            Route.po,
            2.5,
            5,
            None,
            None,
            None,
            False,
            "Reduced single dose (older, frail, renal or hepatic impairment, or co-sedated); "
            "reassess after 60 minutes.",
            OPIOID_EVIDENCE,
            # Oxycodone label: start at 1/3-1/2 the usual dose in hepatic impairment and low in
            # renal impairment; CDC 2022: extra caution in older adults.
            "Oxycodone IR label (hepatic/renal: reduced start); CDC 2022 rec 4",
        ),
        _R(
            # The reference answer gives "hydromorphone 2-4 mg PO/IV": 2-4 mg is the ORAL
            # starting range. The label's initial IV dose is 0.2-1 mg, given slowly over 2-3 min
            # (evidence: opioids-acute-pain). We follow the label.
            "hydromorphone_iv_now",
            "hydromorphone",
            Route.iv,
            0.5,
            1,
            None,
            None,
            None,
            False,
            "Give slowly over 2-3 minutes; may repeat once after 15 minutes if needed. "
            "Monitor sedation and oxygen saturation.",
            OPIOID_EVIDENCE,
            "Hydromorphone injection label: initial 0.2-1 mg IV every 2-3 h in opioid-naive adults",
        ),
        _R(
            "hydromorphone_iv_now_reduced",
            "hydromorphone",
            Route.iv,
            0.2,
            0.5,
            None,
            None,
            None,
            False,
            "Reduced IV dose; give slowly. 0.5 mg IV was effective in adults 65 and over "
            "(Chang 2013). Monitor sedation and oxygen saturation.",
            OPIOID_EVIDENCE,
            # Label: start at 1/4-1/2 the usual dose in hepatic or renal impairment; Chang AK et
            # al., Drugs Aging 2013: 0.5 mg IV titrated dosing in adults >= 65.
            "Hydromorphone label (reduced start); Chang AK et al. Drugs Aging 2013",
        ),
        _R(
            "tramadol_po_now",
            "tramadol",
            Route.po,
            50,
            100,
            None,
            None,
            None,
            False,
            "Alternative to a full opioid agonist; moderate short-term relief at best.",
            ("tramadol",),
            "Tramadol label: 50-100 mg every 4-6 h, max 400 mg/day",
        ),
        _R(
            "tramadol_po_now_reduced",
            "tramadol",
            Route.po,
            50,
            50,
            None,
            None,
            None,
            False,
            "Single 50 mg dose (renal or hepatic impairment, or age over 75).",
            ("tramadol",),
            # Tramadol label: cirrhosis 50 mg every 12 h; CrCl < 30 every 12 h, max 200 mg/day.
            "Tramadol label (renal/hepatic adjustment)",
        ),
        _R(
            # Motov S et al., Ann Emerg Med 2017: 10 mg IV relieved pain as well as 15 or 30 mg.
            "ketorolac_iv_now",
            "ketorolac",
            Route.iv,
            10,
            10,
            None,
            None,
            None,
            False,
            "10 mg is the analgesic ceiling; counts toward the 5-day ketorolac limit.",
            ("nsaids-ketorolac",),
            "Ketorolac label (<65: max 30 mg IV single dose); Motov 2017 ceiling 10 mg",
        ),
        _R(
            "naproxen_po_now",
            "naproxen",
            Route.po,
            500,
            500,
            None,
            None,
            None,
            False,
            "First dose now, with food.",
            ("nsaids-ketorolac",),
            "Naproxen label: 500 mg initial dose",
        ),
        _R(
            "acetaminophen_po_now",
            "acetaminophen",
            Route.po,
            1000,
            1000,
            None,
            None,
            None,
            False,
            "Given because NSAIDs are ruled out for this patient; on its own it is no better "
            "than placebo for acute low back pain (PACE trial).",
            ("acetaminophen",),
            "Acetaminophen label: 1000 mg per dose in adults",
        ),
        # ---- Discharge ----------------------------------------------------------------------
        _R(
            "naproxen_po",
            "naproxen",
            Route.po,
            500,
            500,
            12,
            1000,
            7,
            False,
            "Scheduled, with food. Start no sooner than 6 hours after the last ketorolac dose "
            "and never with another NSAID.",
            ("nsaids-ketorolac",),
            # Naproxen label: 500 mg every 12 h, max 1000 mg/day after day 1. Friedman 2015
            # gave naproxen 500 mg twice daily for 10 days.
            "Naproxen label (500 mg q12h, max 1000 mg/day)",
        ),
        _R(
            "naproxen_po_reduced",
            "naproxen",
            Route.po,
            250,
            250,
            12,
            500,
            5,
            False,
            "Lower dose for age 65+ or CrCl 30-59: lowest dose for the shortest time, with food; "
            "never with another NSAID.",
            ("nsaids-ketorolac", "older-adults-pregnancy"),
            # Naproxen label: lowest effective dose in the elderly; NICE NG59: lowest dose,
            # shortest time. AGS Beers 2023: avoid chronic use.
            "Naproxen label (elderly: lowest effective dose); NICE NG59; Beers 2023",
        ),
        _R(
            "omeprazole_po",
            "omeprazole",
            Route.po,
            20,
            20,
            24,
            20,
            7,
            False,
            "Gastroprotection while taking the NSAID.",
            ("nsaids-ketorolac", "older-adults-pregnancy"),
            # Beers 2023 allows a short NSAID course in older adults or with corticosteroids
            # only with gastroprotection (PPI); omeprazole label: 20 mg once daily.
            "AGS Beers 2023 (gastroprotection); omeprazole label 20 mg daily",
        ),
        _R(
            "acetaminophen_po",
            "acetaminophen",
            Route.po,
            650,
            1000,
            6,
            3000,
            7,
            True,
            "Count acetaminophen in combination products toward the daily maximum.",
            ("acetaminophen",),
            # Label max 4 g/day; we keep 3 g/day as a margin for OTC combination products
            # (McNeil/Tylenol labelling lowered its own maximum to 3 g/day in 2011).
            "Acetaminophen label (max 4 g/day; 3 g/day conservative)",
        ),
        _R(
            "acetaminophen_po_hepatic",
            "acetaminophen",
            Route.po,
            500,
            500,
            6,
            2000,
            7,
            True,
            "Cirrhosis: no more than 2 g a day in total, including combination products.",
            ("acetaminophen",),
            # AASLD guidance and most hepatology references: <= 2 g/day in cirrhosis.
            "Hepatology guidance (max 2 g/day in cirrhosis)",
        ),
        _R(
            # CDC 2022 rec 3: immediate-release only; rec 6: no more than needed (often a few
            # days). The reference allows 5-10 mg q4-6h for 3-5 days: 10 mg q4h is 90 MME/day,
            # above the 50 MME caution point, so we keep 5 mg q6h for 3 days (30 MME/day).
            "oxycodone_po",
            "oxycodone (immediate release)",
            Route.po,
            5,
            5,
            6,
            20,
            3,
            True,
            "Only for pain severe enough to need it; no refill without review. Immediate "
            "release only.",
            OPIOID_EVIDENCE,
            "CDC 2022 recs 3, 4, 6; oxycodone IR label",
        ),
        _R(
            "oxycodone_po_reduced",
            "oxycodone (immediate release)",
            Route.po,
            2.5,
            2.5,
            6,
            10,
            3,
            True,
            "Reduced dose (older, frail, renal impairment or co-sedated). Immediate release only.",
            OPIOID_EVIDENCE,
            "CDC 2022 rec 4; oxycodone IR label (reduced start)",
        ),
        _R(
            "oxycodone_po_hepatic",
            "oxycodone (immediate release)",
            Route.po,
            2.5,
            2.5,
            8,
            7.5,
            3,
            True,
            "Cirrhosis: one-third to one-half of the usual dose at a longer interval.",
            OPIOID_EVIDENCE,
            # Oxycodone label, hepatic impairment: start at 1/3-1/2 the usual dose.
            "Oxycodone IR label (hepatic impairment)",
        ),
        _R(
            "senna_po",
            "senna (sennosides)",
            Route.po,
            8.6,
            17.2,
            24,
            17.2,
            3,
            False,
            "At bedtime while taking the opioid, to prevent constipation.",
            ("opioid-safety",),
            # Senna OTC label: 2 tablets (17.2 mg) once daily for adults.
            "Sennosides OTC label (8.6 mg tablets, 2 once daily)",
        ),
        _R(
            "naloxone_in",
            "naloxone nasal spray",
            Route.intranasal,
            4,
            4,
            None,
            None,
            None,
            True,
            "For suspected overdose: one spray in a nostril, call emergency services; repeat "
            "in the other nostril after 2-3 minutes if there is no response. Teach the household.",
            ("opioid-safety",),
            "Naloxone 4 mg nasal spray label; CDC 2022 rec 8",
        ),
        _R(
            "amitriptyline_po",
            "amitriptyline",
            Route.po,
            10,
            25,
            24,
            25,
            None,
            False,
            "Optional, at bedtime, for pain expected to persist. Start 10 mg, increase to 25 mg "
            "after a week if tolerated; takes weeks to help. Higher doses only with specialist "
            "input (non-specialist maximum 75 mg).",
            ("antidepressants",),
            # Urquhart DM et al., JAMA Intern Med 2018: 25 mg/day. NICE CG173: start 10 mg,
            # max 75 mg/day without specialist advice. The reference's 75-100 mg is above that.
            "Urquhart 2018 (25 mg/day); NICE CG173 (start 10 mg)",
        ),
        _R(
            "duloxetine_po",
            "duloxetine",
            Route.po,
            30,
            60,
            24,
            60,
            None,
            False,
            "Chronic low back pain: 30 mg once daily for a week, then 60 mg once daily. No "
            "benefit above 60 mg.",
            ("antidepressants",),
            # Duloxetine label (chronic musculoskeletal pain): 30 mg for 1 week, then 60 mg;
            # ACP 2017: second-line drug for chronic low back pain.
            "Duloxetine label; ACP 2017",
        ),
    )
}


def regimen(key: str) -> Regimen:
    """The regimen for a key; KeyError names a template that does not exist."""
    return REGIMENS[key]

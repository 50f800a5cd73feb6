"""The clinical cut-offs the engine decides by, each written once with its source.

Every module that compares a patient's age, pain duration, weight, gestation, pain score, MME
or kidney function against a line reads the line from here: the rules (logic.engine.rules), the plan
(logic.engine.plan), the review of what was tried (logic.engine.review), the renal assessment
(logic.engine.renal), the model's `older_adult` (logic.models), the page's help text (ui/) and the
service. A test table (tests/test_thresholds.py) puts a case on both sides of each line and checks
the plan against the source, so a second copy drifting or a line moved by one fails there.

Direction matters and is named: `*_FROM` is inclusive (age 65 is older), `*_ABOVE` is exclusive
(12 weeks is not yet chronic), `*_BELOW` is exclusive (50 kg is not low weight).
"""

from __future__ import annotations

from typing import Final

# ---- Age ------------------------------------------------------------------------------------
#: AGS Beers Criteria 2023 apply from age 65 (inclusive); the gabapentin label's renal caution
#: for older adults is read the same way.
OLDER_ADULT_AGE_FROM: Final = 65
#: Tramadol label (geriatric use): over 75, no more than 300 mg a day (exclusive: 75 is not).
TRAMADOL_OLDER_CAP_AGE_ABOVE: Final = 75
#: FDA boxed warning on every antidepressant: more suicidal thinking and behaviour in
#: short-term trials in children, adolescents and young adults under 25 (exclusive).
ANTIDEPRESSANT_BOXED_WARNING_AGE_BELOW: Final = 25

# ---- Pain duration (CDC 2022 Clinical Practice Guideline, duration categories) ---------------
#: Acute pain lasts under 1 month: from 4 weeks it is subacute (inclusive); failing to improve
#: after about a month is itself a reason to re-examine (ACP/APS 2007).
SUBACUTE_PAIN_WEEKS_FROM: Final = 4
#: Chronic pain lasts more than 3 months: more than 12 weeks (exclusive: 12 weeks is subacute).
CHRONIC_PAIN_WEEKS_ABOVE: Final = 12

# ---- Pain score -----------------------------------------------------------------------------
#: NRS 7-10 is severe pain (Serlin RC et al., Pain 1995;61:277-84). CDC 2022 recs 1 and 6 keep
#: opioids for pain severe enough to need them, so they are offered only from this score.
SEVERE_PAIN_SCORE_FROM: Final = 7

# ---- Weight ---------------------------------------------------------------------------------
#: Ketorolac label (lower doses under 50 kg) and acetaminophen (Ofirmev) label (15 mg/kg a dose,
#: 75 mg/kg a day under 50 kg): exclusive, so 50 kg takes the adult doses.
LOW_WEIGHT_KG_BELOW: Final = 50

# ---- Course length --------------------------------------------------------------------------
#: Ketorolac labels, boxed warning: combined IV, IM and oral use not more than 5 days (day 5
#: is the last day allowed; day 1 is the day of the first dose).
KETOROLAC_MAX_DAYS: Final = 5

# ---- Pregnancy (weeks of gestation) ---------------------------------------------------------
#: FDA Drug Safety Communication, 15 Oct 2020: avoid NSAIDs from 20 weeks (inclusive; fetal
#: kidney dysfunction and oligohydramnios). The help text on the page says "from 20 weeks".
PREGNANCY_NSAID_AVOID_WEEKS_FROM: Final = 20
#: NSAID labels: avoid from 30 weeks (premature closure of the fetal ductus arteriosus).
PREGNANCY_NSAID_CONTRAINDICATED_WEEKS_FROM: Final = 30

# ---- Opioid dose (CDC 2022) ---------------------------------------------------------------
#: CDC 2022 rec 4 and 8: at 50 MME/day or more, reassess and offer naloxone (inclusive).
MME_CAUTION_FROM: Final = 50
#: CDC 2016 rec 5 ("avoid or carefully justify" at 90 MME/day or more), kept as a danger line.
MME_DANGER_FROM: Final = 90

# ---- Kidney function: CrCl (mL/min), Neurontin label section 2.3 Table 1 -------------------
# The label's bands are ">=60", ">30-59", ">15-29" and "<15"; its gaps (exactly 30, exactly 15)
# go to the lower, safer band. "Below 60" and "below 30" in the rules are read from these bands.
#: Normal from 60 (inclusive).
CRCL_NORMAL_FROM: Final = 60.0
#: Moderate impairment above 30 (exclusive: exactly 30 is severe).
CRCL_MODERATE_ABOVE: Final = 30.0
#: Severe impairment above 15 (exclusive: exactly 15 is very severe).
CRCL_SEVERE_ABOVE: Final = 15.0

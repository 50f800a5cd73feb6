"""Drug interaction table: one typed row per interacting pair of drugs, classes or properties.

Every row is applied the same way to every pair of distinct medicines: home x home (a forbidden
pair already on board is named in a warning), home or given x each candidate order, and
candidate x candidate (the plan's own orders), so a new order never forms a pair the table
forbids (`screen_orders` withholds it with the pair named). A side of a row is a catalogue
generic, a class or a trait (logic.drugs.catalogue), so a row covers every drug that carries it.

Severity, from the label's own wording: `contraindicated` (section 4, Contraindications),
`avoid` ("avoid", "not recommended", a boxed warning to reserve the pair for when there is no
alternative), `adjust` (a dose change or closer monitoring the label asks for), `monitor` (a
warning to watch for). Only `contraindicated` and `avoid` withhold a candidate order.

Pair rules that rules.py also holds (MAOI, tramadol with serotonergic or seizure-threshold
drugs, naltrexone, benzodiazepine with an opioid, NSAID with an anticoagulant) stay there for
the candidate logic; here they make sure the pair is named whichever list it is in, and
`warned_by` names the rules.py row that already warns about it on board, so the plan does not
say it twice.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from logic.drugs.catalogue import DrugClass, Trait, drug_class, known_names, traits


class Severity(StrEnum):
    contraindicated = "contraindicated"
    avoid = "avoid"
    adjust = "adjust"
    monitor = "monitor"


#: Severities that withhold a candidate order and make a danger warning on board.
FORBIDDING = frozenset({Severity.contraindicated, Severity.avoid})


class Side(NamedTuple):
    """One side of a pair: a drug (generic), a class or a trait."""

    kind: str  # "drug" | "class" | "trait"
    value: str

    def matches(self, generic: str) -> bool:
        return self in _keys(generic)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


def drug(name: str) -> Side:
    return Side("drug", name)


def cls(value: DrugClass) -> Side:
    return Side("class", value.value)


def trait(value: Trait) -> Side:
    return Side("trait", value.value)


class Interaction(NamedTuple):
    id: str
    a: Side
    b: Side
    severity: Severity
    mechanism: str
    action: str
    source: str
    #: A rules.py row that already warns about this pair on board (no second warning).
    warned_by: str | None = None


@lru_cache(maxsize=1024)
def _keys(generic: str) -> frozenset[Side]:
    """Every side a drug matches: itself, its class, each of its traits."""
    return frozenset(
        {
            Side("drug", generic),
            Side("class", drug_class(generic).value),
            *(Side("trait", t.value) for t in traits(generic)),
        }
    )


T = Trait
S = Severity

INTERACTIONS: tuple[Interaction, ...] = (
    Interaction(
        "ix-tizanidine-cyp1a2-strong",
        drug("tizanidine"),
        trait(T.cyp1a2_strong_inhibitor),
        S.contraindicated,
        "fluvoxamine and ciprofloxacin block tizanidine's CYP1A2 clearance (AUC up 10- to "
        "33-fold): severe hypotension, bradycardia and sedation",
        "do not combine; stop one (an antibiotic without CYP1A2 inhibition, e.g. not a "
        "fluoroquinolone that inhibits it)",
        "Zanaflex (tizanidine) label, section 4 Contraindications and 7.1-7.2",
    ),
    Interaction(
        "ix-tizanidine-cyp1a2-other",
        drug("tizanidine"),
        trait(T.cyp1a2_inhibitor),
        S.avoid,
        "other CYP1A2 inhibitors raise tizanidine levels: hypotension, sedation",
        "avoid the pair; if it is needed, start tizanidine at 2 mg and watch blood pressure",
        "Zanaflex (tizanidine) label, section 5 Warnings and 7.3 (other CYP1A2 inhibitors)",
    ),
    Interaction(
        "ix-duloxetine-cyp1a2-strong",
        drug("duloxetine"),
        trait(T.cyp1a2_strong_inhibitor),
        S.avoid,
        "fluvoxamine and ciprofloxacin raise duloxetine levels (about 5-fold with fluvoxamine)",
        "avoid the pair",
        "Cymbalta (duloxetine) label, section 7.1 (potent CYP1A2 inhibitors)",
    ),
    Interaction(
        "ix-maoi-labelled",
        trait(T.maoi),
        trait(T.maoi_contraindicated),
        S.contraindicated,
        "serotonin syndrome or opioid toxicity with an MAOI or within 14 days of one",
        "do not give; wait 14 days after the MAOI is stopped",
        "Labels of the drug named (section 4 Contraindications: MAOI or within 14 days); FDA "
        "Drug Safety Communications 2011 (linezolid, methylene blue)",
        warned_by="maoi-home-opioid",
    ),
    Interaction(
        "ix-tramadol-serotonergic",
        drug("tramadol"),
        trait(T.serotonergic),
        S.avoid,
        "serotonin syndrome",
        "do not combine; choose a non-serotonergic analgesic",
        "Ultram (tramadol) label, section 5 Warnings (serotonin syndrome) and 7",
        warned_by="serotonergic-home-opioid",
    ),
    Interaction(
        "ix-tramadol-seizure",
        drug("tramadol"),
        trait(T.lowers_seizure_threshold),
        S.avoid,
        "seizures: both lower the seizure threshold",
        "do not combine",
        "Ultram (tramadol) label, section 5 Warnings (seizure risk)",
    ),
    Interaction(
        "ix-tramadol-cyp3a4-inducer",
        drug("tramadol"),
        trait(T.cyp3a4_inducer),
        S.avoid,
        "carbamazepine and other strong CYP3A4 inducers lower tramadol's effect and add "
        "seizure risk",
        "not recommended together; choose another analgesic",
        "Ultram (tramadol) label, section 7 (CYP3A4 inducers; carbamazepine)",
    ),
    Interaction(
        "ix-cyclobenzaprine-serotonergic",
        drug("cyclobenzaprine"),
        trait(T.serotonergic),
        S.monitor,
        "serotonin syndrome (cyclobenzaprine is a tricyclic compound)",
        "watch for agitation, tremor, clonus, fever; stop both if they appear",
        "Flexeril (cyclobenzaprine) label, section 5 Warnings (serotonin syndrome)",
    ),
    Interaction(
        "ix-opioid-naltrexone",
        trait(T.full_agonist),
        trait(T.opioid_blocker),
        S.contraindicated,
        "naltrexone blocks the opioid; overcoming the block can cause fatal overdose",
        "no opioid agonist; non-opioid analgesia",
        "Vivitrol (naltrexone) label, section 4 Contraindications and 5 Warnings",
        warned_by="naltrexone-opioid",
    ),
    Interaction(
        "ix-opioid-benzodiazepine",
        trait(T.opioid),
        cls(DrugClass.benzodiazepine),
        # The boxed warning reserves the pair for when alternatives are inadequate; the
        # engine's rule rows (benzodiazepine-opioid, CDC 2022 rec 11) keep an opioid option
        # with that warning rather than withhold it, and the condition box and the medicine
        # must give the same plan, so the table names the pair without withholding.
        S.adjust,
        "profound sedation, respiratory depression, coma and death",
        "reserve the pair for when alternatives are inadequate; lowest doses; naloxone",
        "Opioid and benzodiazepine labels, boxed warning (FDA 2016)",
        warned_by="benzodiazepine-home-opioid",
    ),
    Interaction(
        "ix-opioid-cyp3a4-inhibitor",
        trait(T.cyp3a4_substrate_opioid),
        trait(T.strong_cyp3a4_inhibitor),
        S.adjust,
        "CYP3A4 inhibition raises the opioid level: fatal respiratory depression",
        "avoid starting the pair; if already on it, lower the opioid dose and monitor "
        "sedation and breathing",
        "Oxycodone, fentanyl, hydrocodone and methadone labels, boxed warning (CYP3A4 "
        "interaction) and section 7",
        warned_by="cyp3a4-home-opioid",
    ),
    Interaction(
        "ix-opioid-cyp3a4-inducer",
        trait(T.cyp3a4_substrate_opioid),
        trait(T.cyp3a4_inducer),
        S.adjust,
        "a CYP3A4 inducer lowers the opioid level (withdrawal, poor relief); stopping the "
        "inducer raises it (overdose)",
        "expect a weaker effect; if the inducer is stopped, lower the opioid dose",
        "Oxycodone, fentanyl, hydrocodone and methadone labels, section 7 (CYP3A4 inducers)",
    ),
    Interaction(
        "ix-cyp2d6-prodrug-opioid",
        trait(T.cyp2d6_prodrug),
        trait(T.cyp2d6_strong_inhibitor),
        S.adjust,
        "a strong CYP2D6 inhibitor blocks the active metabolite (poor relief) and, for "
        "tramadol, raises the parent drug (serotonin and seizure risk)",
        "expect little relief; prefer a non-prodrug analgesic",
        "Ultram (tramadol) and codeine labels, section 7 (CYP2D6 inhibitors)",
    ),
    Interaction(
        "ix-methadone-qt",
        drug("methadone"),
        trait(T.qt_prolonging),
        S.adjust,
        "additive QT prolongation (torsades de pointes)",
        "ECG before and after; correct potassium and magnesium",
        "Dolophine (methadone) label, section 5 Warnings (QT prolongation) and 7",
    ),
    Interaction(
        "ix-qt-qt",
        trait(T.qt_prolonging),
        trait(T.qt_prolonging),
        S.monitor,
        "two QT-prolonging drugs: additive QT prolongation",
        "check the QT interval and electrolytes",
        "Labels of the drugs named (QT prolongation); CredibleMeds known-risk list",
    ),
    Interaction(
        "ix-nsaid-anticoagulant",
        trait(T.nsaid),
        trait(T.anticoagulant),
        S.avoid,
        "major bleeding",
        "no NSAID; acetaminophen instead",
        "NSAID labels, section 5 Warnings (bleeding with anticoagulants) and 7",
        warned_by="anticoagulant-home-nsaid",
    ),
    Interaction(
        "ix-nsaid-ssri-snri",
        trait(T.nsaid),
        trait(T.bleeding_serotonergic),
        S.monitor,
        "SSRIs and SNRIs impair platelets: more GI bleeding with an NSAID",
        "shortest NSAID course; gastroprotection; watch for bleeding",
        "NSAID labels, section 7 (SSRIs and SNRIs); ibuprofen and naproxen labels",
    ),
    Interaction(
        "ix-clopidogrel-omeprazole",
        drug("clopidogrel"),
        trait(T.cyp2c19_inhibitor_ppi),
        S.avoid,
        "omeprazole and esomeprazole block clopidogrel's CYP2C19 activation (less "
        "antiplatelet effect)",
        "use pantoprazole instead",
        "Plavix (clopidogrel) label, section 5.1 and 7 (CYP2C19 inhibitors: avoid omeprazole "
        "or esomeprazole)",
    ),
    Interaction(
        "ix-fluoroquinolone-nsaid",
        trait(T.fluoroquinolone),
        trait(T.nsaid),
        S.monitor,
        "NSAIDs add to the CNS stimulation and seizure risk of fluoroquinolones",
        "watch for seizures, especially with a seizure history",
        "Cipro (ciprofloxacin) label, section 7 (NSAIDs)",
    ),
    Interaction(
        "ix-suzetrigine-cyp3a4-inhibitor",
        drug("suzetrigine"),
        trait(T.strong_cyp3a4_inhibitor),
        S.contraindicated,
        "strong CYP3A inhibitors raise suzetrigine exposure several-fold",
        "do not combine",
        "Journavx (suzetrigine) label, section 4 Contraindications",
    ),
    Interaction(
        "ix-suzetrigine-cyp3a4-inducer",
        drug("suzetrigine"),
        trait(T.cyp3a4_inducer),
        S.avoid,
        "CYP3A inducers lower suzetrigine exposure (loss of effect)",
        "avoid the pair",
        "Journavx (suzetrigine) label, section 7 (CYP3A inducers)",
    ),
    Interaction(
        "ix-anticholinergic-pair",
        trait(T.anticholinergic),
        trait(T.anticholinergic),
        S.monitor,
        "additive anticholinergic burden: confusion, urinary retention, constipation, falls",
        "avoid two strongly anticholinergic drugs at 65+; prefer one or neither",
        "AGS Beers Criteria 2023 (two or more anticholinergic drugs)",
    ),
)

_BY_ID = {row.id: row for row in INTERACTIONS}
assert len(_BY_ID) == len(INTERACTIONS), "interaction ids must be unique"


def known_ids() -> frozenset[str]:
    """Every row id (for the meta-test that each row has its own test)."""
    return frozenset(_BY_ID)


def row(row_id: str) -> Interaction:
    return _BY_ID[row_id]


class Pair(NamedTuple):
    """A row that applies to two named medicines (in the row's order a, b)."""

    row: Interaction
    first: str
    second: str

    @property
    def text(self) -> str:
        r = self.row
        return (
            f"{self.first} + {self.second} ({r.severity.value}): {r.mechanism}; {r.action} "
            f"({r.source})"
        )


_RANK = {severity: i for i, severity in enumerate(Severity)}


def worst(pairs: tuple[Pair, ...]) -> Pair | None:
    """The most severe pair (table order breaks ties), or None."""
    if not pairs:
        return None
    return min(pairs, key=lambda p: _RANK[p.row.severity])


class _Index(NamedTuple):
    """Every pair of catalogue drugs the table covers, worked out once at import (like the
    rule masks): the rows for each ordered pair, and the worst forbidding pair."""

    pairs: dict[tuple[str, str], tuple[Pair, ...]]
    forbid: dict[tuple[str, str], Pair]
    touching: frozenset[str]


def _build(rows: tuple[Interaction, ...]) -> _Index:
    generics = known_names()
    found: dict[tuple[str, str], list[Pair]] = {}
    for row in rows:
        side_a = [g for g in generics if row.a in _keys(g)]
        side_b = [g for g in generics if row.b in _keys(g)]
        for one in side_a:
            for other in side_b:
                if one == other:
                    continue
                for key in ((one, other), (other, one)):
                    listed = found.setdefault(key, [])
                    if all(p.row.id != row.id for p in listed):
                        listed.append(Pair(row, one, other))
    pairs = {key: tuple(v) for key, v in found.items()}
    forbid = {}
    for key, held in pairs.items():
        bad = worst(tuple(p for p in held if p.row.severity in FORBIDDING))
        if bad is not None:
            forbid[key] = bad
    return _Index(pairs, forbid, frozenset(g for key in pairs for g in key))


_INDEX = _build(INTERACTIONS)


def rebuild() -> None:
    """Index the table again (tests that remove a row to show their check fails)."""
    global _INDEX
    _INDEX = _build(INTERACTIONS)


def rows_for(one: str, other: str) -> tuple[Pair, ...]:
    """The rows that apply to two distinct catalogue generics, either way round."""
    return _INDEX.pairs.get((one, other), ())


def on_board(generics: tuple[str, ...]) -> tuple[Pair, ...]:
    """Every row that applies between the medicines already on board (each pair once)."""
    index = _INDEX
    generics = tuple(g for g in generics if g in index.touching)
    if len(generics) < 2:
        return ()
    found: list[Pair] = []
    for i, one in enumerate(generics):
        for other in generics[i + 1 :]:
            found.extend(index.pairs.get((one, other), ()))
    return tuple(found)


def forbidding(candidate: str, others: tuple[str, ...]) -> Pair | None:
    """The most severe contraindicated or avoid pair a candidate would form, or None."""
    forbid = _INDEX.forbid
    found = tuple(p for other in others if (p := forbid.get((candidate, other))) is not None)
    return worst(found)

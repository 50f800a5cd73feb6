"""The evidence library: every page parses, cites what it lists, and reads at three depths."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import frontmatter
import pytest

import logic
from logic.library.evidence import (
    CONTENT_DIR,
    SECTION_TITLES,
    SOURCE_STATUS,
    EvidenceSource,
    SourceStatus,
    audience_view,
    cited_source_ids,
    format_source,
    load_evidence,
    load_topic,
    source_flags,
    split_sections,
)

REQUIRED_FIELDS = {
    "id": str,
    "title": str,
    "applies_to": list,
    "bottom_line": str,
    "summary": str,
    "evidence_grade": dict,
    "last_reviewed": datetime.date,
    "guidelines_disagree": bool,
    "sources": list,
}
PATHS = sorted(CONTENT_DIR.glob("*.md"))
IDS = [p.stem for p in PATHS]


@pytest.fixture(scope="module")
def library():
    return load_evidence()


def _raw(path: Path) -> frontmatter.Post:
    return frontmatter.load(path)


# ---------------------------------------------------------------------------------------------
# The shipped content


def test_every_evidence_id_used_by_the_engine_exists(library):
    """Every id the engine can cite (logic.EVIDENCE_IDS, all 20 topics) loads as a topic."""
    assert len(logic.EVIDENCE_IDS) == 20
    assert set(logic.EVIDENCE_IDS) <= set(library), sorted(set(logic.EVIDENCE_IDS) - set(library))


def test_no_topic_is_orphaned(library):
    """Every content file is one the engine can link to, so none is unreachable from a plan."""
    assert set(library) <= set(logic.EVIDENCE_IDS), sorted(set(library) - set(logic.EVIDENCE_IDS))


def test_whole_library_loads_sorted_by_id(library):
    """load_evidence returns every file, keyed by id, in id order."""
    assert list(library) == sorted(IDS)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_file_parses(path):
    """The front matter and body of the file load into an EvidenceTopic."""
    topic = load_topic(path)
    assert topic.title
    assert topic.bottom_line
    assert topic.summary


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_id_equals_file_stem(path):
    """The front-matter id is the file name, so links by id find the file."""
    assert _raw(path).metadata["id"] == path.stem


def test_no_two_files_share_an_id():
    """Ids are unique across the library."""
    ids = [_raw(p).metadata["id"] for p in PATHS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_required_fields_present_and_typed(path):
    """Every front-matter field is present with the YAML type the loader expects (no coercion)."""
    meta = _raw(path).metadata
    for name, kind in REQUIRED_FIELDS.items():
        assert name in meta, f"{path.name}: missing {name}"
        assert isinstance(meta[name], kind), f"{path.name}: {name} is {type(meta[name]).__name__}"
    assert meta["applies_to"]
    assert all(isinstance(a, str) and a for a in meta["applies_to"])
    assert set(meta["evidence_grade"]) == {"system", "grade"}
    assert all(isinstance(v, str) and v for v in meta["evidence_grade"].values())
    assert not isinstance(meta["last_reviewed"], datetime.datetime)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_sources_are_complete_and_findable(path):
    """Each source has an Sn id, authors, title, journal, a plausible year and a doi or url."""
    sources = _raw(path).metadata["sources"]
    assert sources
    for number, source in enumerate(sources, start=1):
        assert source["id"] == f"S{number}", f"{path.name}: sources must be numbered S1, S2, ..."
        for field in ("authors", "title", "journal"):
            assert isinstance(source.get(field), str)
            assert source[field].strip()
        assert isinstance(source["year"], int)
        assert 1970 <= source["year"] <= 2026
        assert source.get("doi") or source.get("url"), f"{path.name}: {source['id']}"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_last_reviewed_is_a_real_past_date(path):
    """last_reviewed is a calendar date, not in the future."""
    reviewed = load_topic(path).last_reviewed
    assert datetime.date(2020, 1, 1) <= reviewed <= datetime.date.today()


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_body_has_five_sections_in_order(path):
    """The body is exactly the five level-2 sections, in the fixed order, none empty."""
    sections = split_sections(_raw(path).content)
    assert tuple(sections) == SECTION_TITLES
    assert all(text.strip() for text in sections.values())


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_every_citation_has_a_source(path):
    """No [Sn] in the body points at a source the front matter does not list."""
    post = _raw(path)
    listed = {s["id"] for s in post.metadata["sources"]}
    assert cited_source_ids(post.content) <= listed


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_every_listed_source_is_cited(path):
    """Each listed source is cited somewhere in the body, so the list carries no padding."""
    post = _raw(path)
    listed = {s["id"] for s in post.metadata["sources"]}
    assert listed <= cited_source_ids(post.content)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_plain_words_section_is_short_and_uncited(path):
    """The patient section has no citation marks and stays short."""
    plain = split_sections(_raw(path).content)["In plain words"]
    assert not cited_source_ids(plain)
    assert len(plain.split()) <= 200


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_page_length_is_focused(path):
    """Each page stays roughly within the 350-700 word brief (generous bounds)."""
    words = len(_raw(path).content.split())
    assert 300 <= words <= 1100, words


# ---------------------------------------------------------------------------------------------
# Audience views


def test_audience_views_differ_in_depth(library):
    """Patient < clinician < resident, and each shows only what its reader needs."""
    for topic in library.values():
        patient = audience_view(topic, "patient")
        clinician = audience_view(topic, "clinician")
        resident = audience_view(topic, "resident")
        assert "Key numbers" not in patient
        assert "[S" not in patient
        assert "Key numbers" in clinician
        assert "Teaching points" not in clinician
        assert topic.bottom_line in clinician
        for title in SECTION_TITLES:
            assert f"### {title}" in resident
        assert "### Sources" in resident
        assert len(patient) < len(clinician) < len(resident)


def test_resident_view_lists_every_source_formatted(library):
    """The resident view ends with every source as 'Authors. Title. Journal Year. link'."""
    topic = library["nsaids-ketorolac"]
    view = audience_view(topic, "resident")
    for source in topic.sources:
        assert format_source(source) in view


def test_unknown_audience_is_refused(library):
    """A typo in the audience name fails loudly."""
    with pytest.raises(ValueError, match="unknown audience"):
        audience_view(library["tramadol"], "nurse")  # type: ignore[arg-type]


def test_format_source_prefers_a_doi_link():
    """A doi renders as a doi.org link; a url-only source renders the url."""
    with_doi = EvidenceSource(
        id="S1",
        authors="Cockcroft DW, Gault MH",
        title="Prediction of creatinine clearance",
        journal="Nephron",
        year=1976,
        doi="10.1159/000180580",
    )
    assert format_source(with_doi) == (
        "Cockcroft DW, Gault MH. Prediction of creatinine clearance. Nephron 1976. "
        "[doi:10.1159/000180580](https://doi.org/10.1159/000180580)"
    )
    url_only = with_doi.model_copy(update={"doi": None, "url": "https://example.org/x"})
    assert format_source(url_only).endswith("<https://example.org/x>")


def test_source_without_doi_or_url_is_refused():
    """A source nobody could look up is a validation error."""
    with pytest.raises(ValueError, match="doi or a url"):
        EvidenceSource(id="S1", authors="A", title="T", journal="J", year=2000)


# ---------------------------------------------------------------------------------------------
# Loader strictness, on synthetic files

_GOOD_META = """---
id: sample
title: Sample
applies_to: [ibuprofen]
bottom_line: One line [S1].
summary: Two sentences. Really.
evidence_grade: {system: GRADE, grade: low certainty}
last_reviewed: 2026-01-01
guidelines_disagree: false
sources:
  - {id: S1, authors: A B, title: T, journal: J, year: 2001, url: "https://example.org"}
---
"""


def _body(titles=SECTION_TITLES, cite="[S1]"):
    return "".join(f"## {t}\n\nText {cite}.\n\n" for t in titles)


def _write(tmp_path: Path, text: str, name: str = "sample.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_synthetic_good_file_loads(tmp_path):
    """A minimal valid file loads, which keeps the failure tests below honest."""
    topic = load_topic(_write(tmp_path, _GOOD_META + _body()))
    assert topic.id == "sample"
    assert topic.last_reviewed == datetime.date(2026, 1, 1)


def test_missing_field_names_the_file(tmp_path):
    """A missing front-matter field raises a ValueError naming the file and the field."""
    text = _GOOD_META.replace("summary: Two sentences. Really.\n", "") + _body()
    with pytest.raises(ValueError, match=r"sample\.md: summary"):
        load_topic(_write(tmp_path, text))


def test_missing_section_is_refused(tmp_path):
    """Dropping a section raises, naming the file."""
    with pytest.raises(ValueError, match=r"sample\.md: .*sections"):
        load_topic(_write(tmp_path, _GOOD_META + _body(SECTION_TITLES[:-1])))


def test_sections_out_of_order_are_refused(tmp_path):
    """Swapping two sections raises."""
    titles = (SECTION_TITLES[1], SECTION_TITLES[0], *SECTION_TITLES[2:])
    with pytest.raises(ValueError, match="in that order"):
        load_topic(_write(tmp_path, _GOOD_META + _body(titles)))


def test_dangling_citation_is_refused(tmp_path):
    """Citing [S2] when only S1 is listed raises."""
    with pytest.raises(ValueError, match="S2"):
        load_topic(_write(tmp_path, _GOOD_META + _body(cite="[S1, S2]")))


def test_id_must_match_file_name(tmp_path):
    """load_evidence refuses a file whose id differs from its stem."""
    _write(tmp_path, _GOOD_META + _body(), name="other.md")
    with pytest.raises(ValueError, match="does not match"):
        load_evidence(tmp_path)


def test_broken_yaml_names_the_file(tmp_path):
    """Unparseable front matter raises a ValueError naming the file."""
    with pytest.raises(ValueError, match=r"sample\.md"):
        load_topic(_write(tmp_path, "---\nid: [unclosed\n---\n" + _body()))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("none here", set()),
        ("one [S1] and [S12].", {"S1", "S12"}),
        ("grouped [S2, S3] and [S4,S5]", {"S2", "S3", "S4", "S5"}),
        ("not a cite [1] or [S] or [s1]", set()),
    ],
)
def test_cited_source_ids(text, expected):
    """Citation marks are found singly and in comma groups, nothing else."""
    assert cited_source_ids(text) == expected


def test_evidence_module_does_not_import_streamlit():
    """The loader stays pure so the engine and tests run without the UI."""
    source = (Path(logic.__file__).parent / "library" / "evidence.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|from)\s+streamlit", source, re.MULTILINE)


#: Sources added for issue 23, each with the page that must cite it (by DOI or URL).
ADDED_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("muscle-relaxants", "10.1016/j.annemergmed.2017.09.031", "Friedman 2018"),
    ("acetaminophen", "10.1111/acem.13898", "Friedman 2020"),
    ("nsaids-ketorolac", "10.1016/j.annemergmed.2016.10.002", "Friedman 2017"),
    ("nsaids-ketorolac", "10.1016/j.annemergmed.2019.02.017", "Friedman 2019"),
    ("systemic-corticosteroids", "10.1016/j.jemermed.2005.09.023", "Friedman 2006"),
    ("systemic-corticosteroids", "10.1097/BRS.0b013e3181822711", "Friedman 2008"),
    ("systemic-corticosteroids", "10.1016/j.jemermed.2014.02.010", "Eskin 2014"),
    ("antidepressants", "10.1002/14651858.CD001703.pub4", "Cochrane 2025 (Ferraro)"),
    ("antidepressants", "10.1136/bmj.m4825", "Ferreira 2021"),
    ("opioid-safety", "fda-approves-safety-labeling-changes-opioid-pain-medicines", "FDA 2023"),
    ("opioid-safety", "fda-requires-major-changes-opioid-pain-medication", "FDA 2025"),
    ("opioid-safety", "fda-approves-first-over-counter-naloxone", "OTC naloxone 2023"),
    ("opioid-safety", "cdc.gov/drugoverdose/resources/data.html", "CDC MME analytic file"),
    ("lidocaine", "10.1016/j.jemermed.2012.12.014", "Tanen 2014"),
    ("lidocaine", "query=lidoderm", "Lidoderm label"),
    ("acep-opioids-ed", "10.1016/j.annemergmed.2020.06.049", "ACEP 2020"),
    ("acetaminophen", "smfm.org/news/smfm-response-to-administration", "SMFM 2025"),
    ("back-pain-mimics", "10.1111/acem.12080", "Rubano 2013"),
    ("back-pain-mimics", "10.3171/2011.1.SPINE1091", "Davis 2011"),
    ("back-pain-mimics", "10.1097/BRS.0000000000003152", "Venkatesan 2019"),
    ("back-pain-mimics", "10.31083/j.rcm.2020.03.153", "Oh 2020"),
)


@pytest.mark.parametrize(
    ("page", "locator", "name"), ADDED_SOURCES, ids=[s[2] for s in ADDED_SOURCES]
)
def test_added_source_is_cited_by_its_page(library, page, locator, name):
    """The page lists the source (DOI or URL) and cites it as [Sn] in its text."""
    topic = library[page]
    found = [s for s in topic.sources if locator in (s.doi or "") or locator in (s.url or "")]
    assert found, f"{page} does not list {name}"
    body = " ".join((topic.bottom_line, topic.summary, *topic.sections.values()))
    assert found[0].id in cited_source_ids(body), f"{page} lists {name} but never cites it"


def test_nice_ng59_is_dated_by_its_last_update(library):
    """NICE NG59 was published in November 2016 and last updated in December 2020: every page
    that cites it gives both, and the 2020 year."""
    for topic in library.values():
        for source in topic.sources:
            if "NG59" in source.title:
                assert "last updated December 2020" in source.title, topic.id
                assert source.year == 2020, topic.id


def test_buccal_fentanyl_factor_is_not_attributed_to_cdc_2022():
    """Buccal fentanyl's 0.13 comes from CDC's analytic file (2014/2017), not the CDC 2022
    table: the engine's comment and the page say so."""
    source = (Path(logic.__file__).parent / "drugs" / "opioids.py").read_text(encoding="utf-8")
    line = next(x for x in source.splitlines() if '"fentanyl_buccal"' in x)
    index = source.splitlines().index(line)
    context = "\n".join(source.splitlines()[index - 1 : index + 1])
    assert "CDC 2022" not in line
    assert "analytic" in context


# ---------------------------------------------------------------------------------------------
# Evidence ages: last review date and withdrawn or draft sources, flagged on the page itself

#: ACP: "All ACP clinical guidelines are considered automatically withdrawn or invalid 5 years
#: after publication or once an update has been issued" (note on ACP's 2023 MDD guideline).
ACP_LAPSE_YEARS = 5


def test_acp_withdrawal_years_follow_the_five_year_rule():
    """ACP 2017 (published 2017) lapses in 2022; ACP/APS 2007 in 2012."""
    by_label = {row.label: row for row in SOURCE_STATUS}
    assert by_label["ACP 2017"].since == 2017 + ACP_LAPSE_YEARS
    assert by_label["ACP/APS 2007"].since == 2007 + ACP_LAPSE_YEARS
    assert by_label["ACP 2017"].status is SourceStatus.withdrawn


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_page_flags_each_withdrawn_or_draft_source_it_cites(path):
    """A page citing a flagged source shows the flag in the clinician and resident views, and a
    page that does not cite one shows none."""
    topic = load_topic(path)
    flags = source_flags(topic)
    where = {s.id: f"{s.doi or ''} {s.url or ''}" for s in topic.sources}
    expected = {
        (source_id, row.label)
        for source_id, text in where.items()
        for row in SOURCE_STATUS
        if row.locator in text
    }
    assert {(f.source_id, f.label) for f in flags} == expected
    for audience in ("clinician", "resident"):
        view = audience_view(topic, audience)
        assert topic.last_reviewed.isoformat() in view
        for flag in flags:
            assert f"{flag.label}: {flag.status.value} since {flag.since}" in view
    if not flags:
        assert "Source status" not in audience_view(topic, "resident")


def test_acp_2017_pages_are_flagged(library):
    """Every page citing ACP 2017 carries the withdrawal flag."""
    citing = [t for t in library.values() if any(s.doi == "10.7326/M16-2367" for s in t.sources)]
    assert citing
    for topic in citing:
        assert any(f.label == "ACP 2017" for f in source_flags(topic)), topic.id

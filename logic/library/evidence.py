"""Evidence library: the sourced topic pages in content/ as typed, frozen records.

Each page is markdown with YAML front matter. Loading is strict on purpose: a missing field, a
missing or reordered section, or a citation like [S4] with no matching source raises a ValueError
that names the file, so a broken page fails in the test suite instead of in front of a clinician.
Pure Python: this module parses and formats; the page decides how to show the result.
"""

from __future__ import annotations

import datetime
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import frontmatter
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"

SECTION_TITLES: tuple[str, ...] = (
    "Summary",
    "Key numbers",
    "Where guidance disagrees",
    "Teaching points",
    "In plain words",
)

Audience = Literal["clinician", "resident", "patient"]

# "[S1]" and also "[S1, S3]"; the ids inside are what must exist in the front matter.
_CITATION = re.compile(r"\[(S\d+(?:\s*,\s*S\d+)*)\]")
_HEADING = re.compile(r"^## +(.+?)\s*$", re.MULTILINE)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


_Text = Annotated[str, Field(min_length=1)]


class EvidenceSource(_Frozen):
    """One citable source: a trial, review, guideline or drug label."""

    id: Annotated[str, Field(pattern=r"^S\d+$")]
    authors: _Text
    title: _Text
    journal: _Text
    year: Annotated[int, Field(ge=1900, le=2100)]
    doi: Annotated[str | None, Field(pattern=r"^10\.\d{4,}/\S+$")] = None
    url: Annotated[str | None, Field(pattern=r"^https?://\S+$")] = None

    @model_validator(mode="after")
    def _findable(self) -> EvidenceSource:
        if self.doi is None and self.url is None:
            raise ValueError(f"source {self.id} needs a doi or a url so a reader can find it")
        return self


class EvidenceGrade(_Frozen):
    """Certainty as the named grading system states it (GRADE, ACP, Beers...)."""

    system: _Text
    grade: _Text


class EvidenceTopic(_Frozen):
    """One topic page. `sections` maps each of SECTION_TITLES to its markdown body."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
    title: _Text
    applies_to: Annotated[tuple[_Text, ...], Field(min_length=1)]
    bottom_line: _Text
    summary: _Text
    evidence_grade: EvidenceGrade
    last_reviewed: datetime.date
    guidelines_disagree: bool
    sources: Annotated[tuple[EvidenceSource, ...], Field(min_length=1)]
    sections: dict[str, str]

    @field_validator("sections")
    @classmethod
    def _all_sections(cls, sections: dict[str, str]) -> dict[str, str]:
        if tuple(sections) != SECTION_TITLES:
            raise ValueError(
                f"sections must be exactly {list(SECTION_TITLES)} in that order, "
                f"got {list(sections)}"
            )
        empty = [title for title, text in sections.items() if not text.strip()]
        if empty:
            raise ValueError(f"empty section(s): {empty}")
        return sections

    @model_validator(mode="after")
    def _citations_resolve(self) -> EvidenceTopic:
        ids = [s.id for s in self.sources]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate source ids: {duplicates}")
        cited = cited_source_ids(
            " ".join((self.bottom_line, self.summary, *self.sections.values()))
        )
        missing = sorted(cited - set(ids), key=_source_order)
        if missing:
            raise ValueError(f"cited but not listed in sources: {missing}")
        return self

    def source(self, source_id: str) -> EvidenceSource:
        """The source with this id; KeyError if the page does not list it."""
        for item in self.sources:
            if item.id == source_id:
                return item
        raise KeyError(source_id)


class SourceStatus(StrEnum):
    withdrawn = "withdrawn"
    draft = "draft"


class StatusRow(_Frozen):
    """A source whose standing has changed since pages began citing it: one row each."""

    locator: _Text  # DOI or URL fragment that identifies the source on any page
    label: _Text
    status: SourceStatus
    since: Annotated[int, Field(ge=1900, le=2100)]
    note: _Text
    source: _Text  # where the status itself is stated


#: Sources to flag wherever a page cites them. ACP states on its guidelines that each is
#: "considered automatically withdrawn or invalid 5 years after publication, or once an update
#: has been issued" (e.g. its 2023 living guideline on depression); ACP 2017 appeared in
#: February 2017. The AAPM/OHSU guideline is a draft (public comment closed 10 December 2025).
SOURCE_STATUS: tuple[StatusRow, ...] = (
    StatusRow(
        locator="10.7326/M16-2367",
        label="ACP 2017",
        status=SourceStatus.withdrawn,
        since=2022,
        note=(
            "withdrawn under ACP's own rule that a guideline lapses 5 years after publication "
            "unless updated; read what it says here as still supported only where another "
            "current source on this page agrees"
        ),
        source="ACP clinical guideline notes (Annals of Internal Medicine)",
    ),
    StatusRow(
        locator="10.7326/0003-4819-147-7-200710020-00006",
        label="ACP/APS 2007",
        status=SourceStatus.withdrawn,
        since=2012,
        note=(
            "withdrawn under ACP's rule that a guideline lapses 5 years after publication "
            "unless updated; its advice to reassess pain that does not improve is still "
            "standard teaching, but no longer a current ACP recommendation"
        ),
        source="ACP clinical guideline notes (Annals of Internal Medicine)",
    ),
    StatusRow(
        locator="painmed.org/acute",
        label="AAPM/OHSU draft 2025",
        status=SourceStatus.draft,
        since=2025,
        note="a draft for public comment, not a final guideline; it may change",
        source="AAPM draft page (comments closed 10 December 2025)",
    ),
)


class SourceFlag(_Frozen):
    """A cited source on this page whose standing has changed."""

    source_id: _Text
    label: _Text
    status: SourceStatus
    since: int
    note: _Text


def source_flags(topic: EvidenceTopic) -> tuple[SourceFlag, ...]:
    """Every source this page lists that SOURCE_STATUS marks withdrawn or draft."""
    flags = []
    for item in topic.sources:
        where = f"{item.doi or ''} {item.url or ''}"
        for row in SOURCE_STATUS:
            if row.locator in where:
                flags.append(
                    SourceFlag(
                        source_id=item.id,
                        label=row.label,
                        status=row.status,
                        since=row.since,
                        note=row.note,
                    )
                )
    return tuple(flags)


def flag_line(flag: SourceFlag) -> str:
    """'[S4] ACP 2017: withdrawn since 2022 (...)' for the page header."""
    return f"[{flag.source_id}] {flag.label}: {flag.status.value} since {flag.since} ({flag.note})."


def cited_source_ids(text: str) -> set[str]:
    """Every source id cited as [Sn] or [Sn, Sm] in the text."""
    return {part.strip() for group in _CITATION.findall(text) for part in group.split(",")}


def split_sections(body: str) -> dict[str, str]:
    """Level-2 headings of a markdown body mapped to their text, in document order.

    Text before the first heading is refused: the five sections are the whole body.
    """
    matches = list(_HEADING.finditer(body))
    if not matches:
        raise ValueError("body has no '## ' sections")
    if body[: matches[0].start()].strip():
        raise ValueError("text before the first '## ' section")
    sections: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(body)
        title = match.group(1)
        if title in sections:
            raise ValueError(f"section '## {title}' appears twice")
        sections[title] = body[match.end() : end].strip()
    return sections


def load_topic(path: Path | str) -> EvidenceTopic:
    """Parse and validate one content file; ValueError names the file and what is wrong."""
    path = Path(path)
    try:
        post = frontmatter.load(path)
    except Exception as exc:  # YAML and decoding errors come in many types
        raise ValueError(f"{path.name}: cannot read front matter: {exc}") from exc
    try:
        sections = split_sections(post.content)
        return EvidenceTopic.model_validate({**post.metadata, "sections": sections})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'page'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ValueError(f"{path.name}: {problems}") from exc
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from exc


def load_evidence(directory: Path | str = CONTENT_DIR) -> dict[str, EvidenceTopic]:
    """Every topic in the directory keyed by id, sorted by id; each id must equal its file stem."""
    topics: dict[str, EvidenceTopic] = {}
    for path in sorted(Path(directory).glob("*.md")):
        topic = load_topic(path)
        if topic.id != path.stem:
            raise ValueError(f"{path.name}: id '{topic.id}' does not match the file name")
        if topic.id in topics:
            raise ValueError(f"{path.name}: duplicate topic id '{topic.id}'")
        topics[topic.id] = topic
    return dict(sorted(topics.items()))


def format_source(source: EvidenceSource) -> str:
    """'Authors. Title. Journal Year. doi/url' as one markdown line with a working link."""
    parts = [_sentence(source.authors), _sentence(source.title), f"{source.journal} {source.year}."]
    if source.doi:
        parts.append(f"[doi:{source.doi}](https://doi.org/{source.doi})")
    else:
        parts.append(f"<{source.url}>")
    return " ".join(parts)


def audience_view(topic: EvidenceTopic, audience: Audience) -> str:
    """Markdown for one reader: clinician (bottom line and numbers), resident (everything), or
    patient (the plain-words section only, with citation marks removed)."""
    s = topic.sections
    if audience == "patient":
        return _CITATION.sub("", s["In plain words"]).replace(" .", ".").strip()
    flags = [f"*Source status: {flag_line(f)}*" for f in source_flags(topic)]
    if audience == "clinician":
        cited = cited_source_ids(s["Key numbers"])
        lines = [
            f"**Bottom line:** {topic.bottom_line}",
            "",
            f"*Last reviewed {topic.last_reviewed.isoformat()}.*",
            *flags,
            "",
            "### Key numbers",
            "",
            s["Key numbers"],
        ]
        if cited:
            lines += ["", "**Sources:**", ""]
            lines += [
                f"- [{item.id}] {format_source(item)}" for item in topic.sources if item.id in cited
            ]
        return "\n".join(lines)
    if audience == "resident":
        grade = topic.evidence_grade
        lines = [
            f"**Bottom line:** {topic.bottom_line}",
            "",
            f"*Evidence: {grade.grade} ({grade.system}). Last reviewed "
            f"{topic.last_reviewed.isoformat()}."
            + (" Guidelines disagree on this topic.*" if topic.guidelines_disagree else "*"),
            *flags,
        ]
        for title in SECTION_TITLES:
            lines += ["", f"### {title}", "", s[title]]
        lines += ["", "### Sources", ""]
        lines += [f"- [{item.id}] {format_source(item)}" for item in topic.sources]
        return "\n".join(lines)
    raise ValueError(f"unknown audience {audience!r}: use clinician, resident or patient")


def _sentence(text: str) -> str:
    """Text ending in exactly one full stop (keeps ? and ! that end a title)."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _source_order(source_id: str) -> int:
    return int(source_id[1:])

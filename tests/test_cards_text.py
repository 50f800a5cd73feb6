"""Text from the EHR never becomes markup in a card (issue 26: "EHR text renders as live links").

CDS Hooks 2.0.1 (Card attributes): `detail` MUST be GitHub-flavoured Markdown, so an EHR renders
it; a medicine's name, a condition's or an allergy's text that a card echoes must read as the
literal characters. Every such text goes through the page's own helper
(logic.formats.plaintext.plain_text). The independent check is markdown-it-py (CommonMark plus
GFM tables and strikethrough, tests/markdown_check.py): no card's summary or detail may parse to
a link, an image, a heading, HTML or a code span, and no rendered text may carry a bare URL,
``www.`` or e-mail address that GFM's autolinking would turn into a link.

The service runs in this process (FastAPI's TestClient) with unsigned calls allowed, so a
hypothesis run of many hostile requests stays quick; the HTTP path is tested in test_service*.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.token import Token

from tests import service_harness as h
from tests.markdown_check import MARKDOWN, TEXT_PATTERNS

DATA = Path(__file__).parent / "data" / "fhir"
SERVICE = "back-pain-order-sign"

#: Markdown token types no EHR text may produce.
FORBIDDEN = {
    "link_open",
    "image",
    "heading_open",
    "lheading_open",
    "html_block",
    "html_inline",
    "code_inline",
    "code_block",
    "fence",
    "table_open",
    "blockquote_open",
    "hr",
    "s_open",
}
LINKS = ("url autolink", "www autolink", "email autolink")

HOSTILE = [
    "[Call 555](https://evil.example)",
    "![x](https://evil.example/x.png)",
    "<https://evil.example>",
    "https://evil.example/a",
    "www.evil.example",
    "mail@evil.example",
    "# Heading",
    "Title\n===",
    "`",
    "``",
    "```",
    "~~~",
    "<script>alert(1)</script>",
    "<b>bold</b>",
    "<!-- c -->",
    "\n",
    "\r\n\r\n",
    "\u200b",
    "\u2028",
    "\u202e",
    "**",
    "_",
    "~~gone~~",
    "| a | b |\n|---|---|",
    "> quote",
    "- item",
    "1. item",
    "    indented",
    "\\",
    "[ref]: https://evil.example",
    "[ref]",
    "&lt;b&gt;",
    "&#x3C;",
    "---",
    "$x$",
    ":smile:",
]


def hostile_names() -> st.SearchStrategy[str]:
    """Names built of hostile fragments, words and catalogue names (so some resolve to a drug
    whose card echoes the name)."""
    parts = st.sampled_from(
        [*HOSTILE, "diazepam", "oxycodone 20 mg ER", "Mupirocin", " ", "x", "12 HR"]
    )
    return st.lists(parts | st.text(max_size=6), min_size=1, max_size=6).map("".join)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    yield from h.unsigned_test_client()


def entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"resource": resource}


def request_with(name: str, without_pain: bool = False) -> dict[str, Any]:
    """The reference order-sign request with `name` as every text the EHR can give: a draft
    order's medicine (uncoded), a regular medicine, a condition and an allergy."""
    body = copy.deepcopy(h.load_request(DATA / "reference_order_sign.json"))
    pre = body["prefetch"]
    subject = {"reference": "Patient/example"}
    body["context"]["draftOrders"]["entry"].append(
        entry(
            {
                "resourceType": "MedicationRequest",
                "id": "draft-hostile",
                "status": "draft",
                "intent": "order",
                "medicationCodeableConcept": {"text": name},
                "subject": subject,
            }
        )
    )
    pre["medicationStatements"]["entry"] = [
        entry(
            {
                "resourceType": "MedicationStatement",
                "id": "ms-hostile",
                "status": "active",
                "medicationCodeableConcept": {"text": name},
                "subject": subject,
            }
        )
    ]
    pre["conditions"]["entry"] = [
        entry(
            {
                "resourceType": "Condition",
                "id": "c-hostile",
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                            "code": "active",
                        }
                    ]
                },
                "code": {
                    "coding": [{"system": "http://snomed.info/sct", "code": "999999999"}],
                    "text": name,
                },
                "subject": subject,
            }
        )
    ]
    pre["allergies"]["entry"] = [
        entry(
            {
                "resourceType": "AllergyIntolerance",
                "id": "a-hostile",
                "patient": subject,
                "code": {"text": name},
            }
        )
    ]
    if without_pain:
        pre.pop("painScore")
    return body


def walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from walk(token.children or [])


def assert_no_markup(markdown: str, where: str) -> None:
    tokens = list(walk(MARKDOWN.parse(markdown)))
    bad = {t.type for t in tokens} & FORBIDDEN
    assert not bad, (where, bad, markdown)
    text = "".join(t.content for t in tokens if t.type in ("text", "text_special"))
    for pattern in LINKS:
        assert not TEXT_PATTERNS[pattern].search(text), (where, pattern, text)


def check(cards: list[dict[str, Any]]) -> None:
    assert cards
    for card in cards:
        assert_no_markup(card["summary"], "summary")
        assert "\n" not in card["summary"]
        assert len(card["summary"]) < 140
        assert_no_markup(card.get("detail", ""), "detail")
        for suggestion in card.get("suggestions", ()):
            assert_no_markup(suggestion["label"], "label")
            assert "\n" not in suggestion["label"]


@pytest.mark.parametrize("name", HOSTILE, ids=[json.dumps(n)[:30] for n in HOSTILE])
def test_each_hostile_fragment_stays_text(client, name) -> None:
    for without_pain in (False, True):  # the plan's cards, and the no-plan cards
        response = client.post(
            f"/cds-services/{SERVICE}", json=request_with(f"diazepam {name}", without_pain)
        )
        assert response.status_code == 200, response.text
        check(response.json()["cards"])


def test_the_issue_example_is_shown_not_linked(client) -> None:
    """issue 26: a MedicationStatement whose text is `[Call 555](https://evil.example)` became a
    live link in the 'Plan built without' card. The text still shows, literally."""
    name = "[Call 555](https://evil.example)"
    cards = client.post(f"/cds-services/{SERVICE}", json=request_with(name)).json()["cards"]
    check(cards)
    rendered = [
        "".join(t.content for t in walk(MARKDOWN.parse(c.get("detail", ""))) if t.type == "text")
        for c in cards
    ]
    assert any("[Call 555](https" in r for r in rendered)


def test_the_echo_is_cut_to_a_marked_length(client) -> None:
    name = "Zz" * 200
    cards = client.post(f"/cds-services/{SERVICE}", json=request_with(name)).json()["cards"]
    unknown = next(c for c in cards if c["summary"].startswith("Not checked"))
    assert "Zz" * 200 not in unknown["detail"]
    assert "…" in unknown["detail"]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=hostile_names(), without_pain=st.booleans())
def test_no_hostile_name_becomes_markup(client, name, without_pain) -> None:
    response = client.post(f"/cds-services/{SERVICE}", json=request_with(name, without_pain))
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        check(response.json()["cards"])

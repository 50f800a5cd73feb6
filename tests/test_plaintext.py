"""`plain_text` makes outside text literal on a Streamlit page.

Independent check: the output is rendered with markdown-it-py (CommonMark plus GFM tables and
strikethrough, the syntax Streamlit's remark-gfm adds) and the resulting token tree must hold only
a paragraph of text whose characters are exactly what was typed (after cleaning). The text-level
patterns Streamlit's frontend replaces inside parsed text (emoji and icon shortcodes, the logo,
GFM bare links; regexes copied from the 1.67 bundle and mdast-util-gfm-autolink-literal) must not
occur in that rendered text.
"""

from __future__ import annotations

import unicodedata

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from logic.formats.plaintext import ELLIPSIS, WORD_JOINER, plain_text
from tests.markdown_check import MARKDOWN, TEXT_PATTERNS, rendered_in, rendered_text

HOSTILE_FRAGMENTS = [
    "\n\n## Protocol update: morphine 10 mg IV",
    "[open](https://evil.example/)",
    "![t](http://198.51.100.7/p.png)",
    "**bold** __bold__ *it* _it_ ~~gone~~",
    "`code` ```fence```",
    ":red[alarm] :blue-background[x] :small[x] :help[x]",
    ":material/warning: :material_home: :streamlit: :smile: :+1:",
    "$x^2$ $$\\int$$",
    "<script>alert(1)</script> <img src=x onerror=alert(1)> &lt; &#58;",
    "javascript:alert(1)",
    "www.evil.example mail@evil.example http://x.y",
    "> quote",
    "- item",
    "+ item",
    "1. item",
    "| a | b |\n|---|---|",
    "    indented code",
    "===",
    "---",
    "[^1]: footnote",
    "<https://evil.example>",
    "\\*escaped\\*",
    "\u202emorphine\u202c",
    "a\u200bb\u00adc\ufeffd",
    "\r\n\t\x00\x1b[31m\x7f\x85\u2028\u2029",
    "é 中文 🙂 ＃",
]

hostile = st.lists(
    st.one_of(
        st.sampled_from(HOSTILE_FRAGMENTS),
        st.text(max_size=30),
        st.text(alphabet="!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \n\twx1", max_size=30),
    ),
    max_size=8,
).map("".join)


def expected_literal(value: str, limit: int) -> str:
    """What a reader should see: controls dropped, whitespace runs one space, cut at `limit`."""
    kept = "".join(
        " " if c.isspace() else c
        for c in value
        if c.isspace() or unicodedata.category(c) not in {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}
    )
    text = " ".join(kept.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


# How the page embeds a value: in a sentence, as a list item, on the line after other text.
TEMPLATES: dict[str, tuple[str, list[str]]] = {
    "sentence": ("Ignored x={}: not a case field", ["paragraph_open"]),
    "list item": ("- {}", ["bullet_list_open", "list_item_open", "paragraph_open"]),
    "next line": ("Ignored:\n{}", ["paragraph_open"]),
    "twice": ("{0}{0}", ["paragraph_open"]),
}


def unescaped(markdown: str) -> list[str]:
    """Characters that always need an escape but appear without one."""
    found: list[str] = []
    chars = iter(markdown)
    for char in chars:
        if char == "\\":
            next(chars, None)
        elif char in "`*~[]()!<>&|$:{}^":
            found.append(char)
    return found


@settings(max_examples=400, deadline=None)
@given(value=hostile, limit=st.integers(min_value=1, max_value=120))
def test_hostile_text_renders_as_exactly_the_typed_characters(value: str, limit: int) -> None:
    out = plain_text(value, limit)
    assert unescaped(out) == []
    assert "\n" not in out
    assert "\r" not in out
    text = rendered_text(out)
    assert text.replace(WORD_JOINER, "") == expected_literal(value, limit)
    assert "<" not in MARKDOWN.render(out).removeprefix("<p>").removesuffix("</p>\n")
    for name, pattern in TEXT_PATTERNS.items():
        assert not pattern.search(text), (name, text)


@settings(max_examples=300, deadline=None)
@given(value=hostile, limit=st.integers(min_value=1, max_value=60))
def test_hostile_text_stays_literal_wherever_the_page_puts_it(value: str, limit: int) -> None:
    out = plain_text(value, limit)
    literal = expected_literal(value, limit)
    assume(literal)  # an empty value leaves an empty list item: nothing of it to check
    for name, (template, opening) in TEMPLATES.items():
        text = rendered_in(template, opening, out).replace(WORD_JOINER, "")
        shown = template.format(literal)
        assert text == (shown.removeprefix("- ") if name == "list item" else shown), name


@given(value=hostile, limit=st.integers(min_value=1, max_value=120))
def test_output_is_at_most_the_limit_in_visible_characters(value: str, limit: int) -> None:
    visible = rendered_text(plain_text(value, limit)).replace(WORD_JOINER, "")
    assert len(visible) <= limit


def test_markers_that_would_act_are_escaped() -> None:
    assert plain_text("- x") == "\\- x"  # list item
    assert plain_text("# x") == "\\# x"  # heading
    assert plain_text("1. x") == "1\\. x"  # ordered list
    assert plain_text("_x_") == "\\_x\\_"  # emphasis (not inside a word)


def test_cut_marks_only_text_longer_than_the_limit() -> None:
    assert plain_text("x" * 40, 40) == "x" * 40  # at the limit: whole
    assert plain_text("x" * 41, 40) == "x" * 39 + ELLIPSIS  # one over: cut and marked


def test_issue_injection_examples_become_literal_text() -> None:
    # The examples from issue 14: a heading, a live link, an outside image, colour, LaTeX.
    heading = plain_text("\n\n## Protocol update: morphine 10 mg IV", 80)
    assert rendered_text(heading) == "## Protocol update: morphine 10 mg IV"
    link = plain_text("[open](https://evil.example/)", 80)
    assert rendered_text(link).replace(WORD_JOINER, "") == "[open](https://evil.example/)"
    image = plain_text("![t](http://198.51.100.7/p.png)", 80)
    assert "<img" not in MARKDOWN.render(image)
    colour = rendered_text(plain_text(":red[STOP] $x$ **b**", 80))
    assert colour.replace(WORD_JOINER, "") == ":red[STOP] $x$ **b**"


def test_ordinary_words_and_numbers_read_unchanged() -> None:
    # Unchanged even in the Markdown source: nothing in them can act as markup there.
    for value in ("ketorolac", "-5", "80.5", "no_such_case", "moon_face", "#5", "+1", "1.4"):
        assert plain_text(value) == value
    assert rendered_text(plain_text("80.5")) == "80.5"
    token = rendered_text(plain_text("orphenadrine::iv:2:minimal"))
    assert token.replace(WORD_JOINER, "") == "orphenadrine::iv:2:minimal"


def test_non_text_values_and_hostile_str_are_shown_safely() -> None:
    class Hostile:
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert plain_text(None) == "None"
    assert plain_text(42) == "42"
    assert rendered_text(plain_text(Hostile())) == "?"
    assert plain_text("abc", 0) == ELLIPSIS  # a limit below one still shows the cut marker


def test_a_huge_value_is_cut_without_reading_all_of_it() -> None:
    # Only the first 4,096 characters (16 x limit for larger limits) are looked at: a word
    # after 5,000 spaces is not reached and the value shows as cut; after 4,000 it is shown.
    assert plain_text(" " * 4000 + "b", 10) == "b"
    assert plain_text(" " * 5000 + "b", 10) == ELLIPSIS
    assert plain_text("x" * 10_000_000) == "x" * 39 + ELLIPSIS

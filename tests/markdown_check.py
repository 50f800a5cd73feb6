"""Independent check that text shows as plain text on a Streamlit page.

The text is rendered with markdown-it-py (CommonMark plus GFM tables and strikethrough, the
syntax Streamlit's remark-gfm adds): the token tree must hold only the blocks the caller's own
template makes, and plain text. The text-level patterns Streamlit's frontend replaces inside
parsed text (emoji and icon shortcodes, the Streamlit logo, GFM bare links; regexes from the 1.67
bundle and mdast-util-gfm-autolink-literal) must not occur in the rendered text.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])

TEXT_PATTERNS = {
    "emoji shortcode": re.compile(r":[\w+-][\w_+-]*:"),
    "material icon": re.compile(r":material[_/]\w+:"),
    "streamlit logo": re.compile(r":streamlit:"),
    "url autolink": re.compile(r"(?i)https?://"),
    "www autolink": re.compile(r"(?i)(?<![\w])www\."),
    "email autolink": re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+"),
}

PLAIN = {"text", "text_special", "softbreak"}


def rendered_text(markdown: str) -> str:
    """The text of `markdown` as rendered; fails if any node other than plain text appears."""
    tokens = MARKDOWN.parse(markdown)
    if not tokens:
        return ""
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"], tokens
    children = tokens[1].children or []
    kinds = {child.type for child in children}
    assert kinds <= {"text", "text_special"}, kinds
    return "".join(child.content for child in children)


def rendered_in(template: str, opening: list[str], value: str) -> str:
    """Render `value` inside `template`; only the template's own blocks and plain text allowed."""
    tokens = MARKDOWN.parse(template.format(value))
    inline = [t for t in tokens if t.type == "inline"]
    assert len(inline) == 1, tokens
    assert [t.type for t in tokens[: len(opening)]] == opening, tokens
    closing = {o.replace("_open", "_close") for o in opening}
    assert {t.type for t in tokens} <= {*opening, "inline", *closing}, tokens
    children = inline[0].children or []
    assert {c.type for c in children} <= PLAIN, children
    return "".join("\n" if c.type == "softbreak" else c.content for c in children)


def assert_plain(markdown: str) -> str:
    """`markdown` renders as plain text and carries no text-level pattern; returns the text."""
    text = rendered_text(markdown)
    for name, pattern in TEXT_PATTERNS.items():
        assert not pattern.search(text), (name, text)
    return text

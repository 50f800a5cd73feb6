"""Outside text made safe to echo on a Streamlit page: it reads as plain text, never as markup.

Every name or value that comes from a link, and any text a user typed, goes through
`plain_text` before the page shows it. The result is meant for Markdown contexts (``st.markdown``,
``st.warning`` and the other alert bodies, ``st.caption``, widget labels), which is where
Streamlit 1.67 interprets text. What it defends against, as Streamlit's Markdown renderer
(react-markdown with remark-gfm, remark-math, remark-directive, remark-emoji and Streamlit's own
text plugins, read from the 1.67 frontend bundle) would otherwise act on it:

* CommonMark and GFM syntax (headings, lists, block quotes, emphasis, code, links, images,
  tables, strikethrough, footnotes, raw HTML, entities): each ASCII punctuation character that
  can start or end markup is backslash-escaped, which CommonMark defines as the literal character.
  Always escaped: ``\\ ` * ~ [ ] ( ) ! < > & | $ : { } ^``. Escaped only where they act:
  ``_`` unless it sits inside a word (``moon_face``: CommonMark's flanking rules make an intraword
  underscore literal), and at the start of the text ``# - + =`` unless a letter or digit follows
  (``-5`` stays readable; ``- x`` or ``# x`` would start a list or heading), and the ``.`` or
  ``)`` of a leading ``1.`` / ``1)`` list marker. So ordinary values (``-5``, ``80.5``,
  ``no_such_case``) read unchanged in the source too.
* Line structure: control and format characters (C0/C1 controls, bidi overrides, zero-width
  characters), line and paragraph separators are removed, and every run of whitespace becomes one
  space, so no value can start a new line, block or indented code.
* LaTeX ``$...$``: Streamlit only loads math for an unescaped ``$``; all of them are escaped.
* Streamlit directives (``:red[...]``, ``:small[...]``, ``:help[...]``): the escaped ``:`` and
  ``[`` are no directive.
* Patterns Streamlit and GFM replace inside already-parsed *text* (so escaping alone does not stop
  them): emoji shortcodes ``:smile:``, Material icons ``:material/home:`` (rewritten to
  ``:material_home:``), the ``:streamlit:`` logo, and bare links ``https://...``, ``www.x.y`` and
  ``a@b.c``. A WORD JOINER (U+2060, invisible, no width) goes after a ``:`` that starts such a
  pattern, before every ``@`` and between ``www`` and ``.``, which breaks each pattern.
* Length: the cleaned text is cut to `limit` characters, the cut marked with "…". Only the
  first `max(4096, 16 * limit)` characters of the input are looked at, so a huge value costs no
  more than a short one.

HTML itself is escaped too (``<`` becomes ``\\<``), although Streamlit already shows HTML as text
unless a page opts in. The function is pure and total: any object, any string, never raises.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["ELLIPSIS", "WORD_JOINER", "plain_text", "visible"]

ELLIPSIS = "…"
"""Marks a value that was cut to the limit."""

WORD_JOINER = "\u2060"
"""Invisible, zero-width: breaks the text patterns Streamlit and GFM turn into icons or links."""

# Unicode categories dropped outright: controls, format characters (bidi overrides, zero-width
# joiners, soft hyphen...), surrogates, private use, line and paragraph separators.
_WINDOW = 4096  # input characters looked at (at least): bounded work for any value
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
# ASCII punctuation that can start or end markup anywhere in a line (CommonMark lets every ASCII
# punctuation character be backslash-escaped to a literal).
_ALWAYS = frozenset("\\`*~[]()!<>&|$:{}^")
_LINE_START = frozenset("#-+=")  # block markers, escaped at the start unless a word follows
_ORDERED_MARKER = re.compile(r"^([0-9]{1,9})([.)])(?= |$)")  # "1. x" / "1) x"
# After the cut and before escaping: where a word joiner breaks a text-level pattern.
_COLON_PATTERN = re.compile(r":(?=[\w+/-])")  # :smile: :+1: :material/x: :streamlit:
_AT = re.compile(r"@")  # GFM e-mail autolinks: name@host.tld
_WWW = re.compile(r"(?i)(?<![A-Za-z0-9_])(www)(?=\.)")  # GFM www autolinks


def _as_str(value: object) -> str:
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except Exception:  # a hostile __str__; nothing of it is shown
        return "?"


def _clean(text: str) -> str:
    """Drop control/format characters and make every whitespace run one plain space."""
    kept: list[str] = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) not in _DROPPED:
            kept.append(char)
    return " ".join("".join(kept).split())


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def _escape(text: str) -> str:
    marker = _ORDERED_MARKER.match(text)
    if marker:
        text = marker.group(1) + "\\" + marker.group(2) + text[marker.end() :]
        start = marker.end() + 1
    else:
        start = 0
    out: list[str] = [text[:start]]
    for index in range(start, len(text)):
        char = text[index]
        before = text[index - 1] if index > 0 else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        if char in _ALWAYS:
            out.append("\\" + char)
        elif char == "_" and not (before.isalnum() and after.isalnum()):
            out.append("\\_")
        elif index == 0 and char in _LINE_START and not after.isalnum():
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def plain_text(value: object, limit: int = 40) -> str:
    """`value` as one line of literal text for a Streamlit Markdown context, at most `limit`
    visible characters (cut with "…"). See the module docstring for what it neutralises.

    For example ``## Update: *morphine*`` becomes ``\\## Update\\: \\*morphine\\*``, which
    renders as the literal characters typed.
    """
    limit = max(1, int(limit))
    raw = _as_str(value)
    window = max(_WINDOW, 16 * limit)
    text = _clean(raw[:window])
    if len(raw) > window:  # the rest is not read: the value shows as cut
        text = f"{text} {ELLIPSIS}".lstrip()
    text = _cut(text, limit)
    text = _COLON_PATTERN.sub(":" + WORD_JOINER, text)
    text = _AT.sub(WORD_JOINER + "@", text)
    text = _WWW.sub(r"\1" + WORD_JOINER, text)
    return _escape(text)


def visible(value: object, window: int = 4096) -> str:
    """`value` with every character that would not show (controls, format characters such as
    U+200B ZERO WIDTH SPACE or bidi overrides, separators, any whitespace but a plain space)
    written as its code point, ``U+200B``, so a quoted value never reads as something else
    ('fe\u200bmale' is not 'female'). Only the first `window` characters are looked at. Pass
    the result through `plain_text` before showing it."""
    out: list[str] = []
    for char in str(value)[:window]:
        hidden = unicodedata.category(char) in _DROPPED or (char.isspace() and char != " ")
        out.append(
            f"U+{ord(char):04X}" if hidden or (not char.isprintable() and char != " ") else char
        )
    return "".join(out)

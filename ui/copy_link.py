"""'Copy case link' in one click: a small browser-side button that writes the link itself.

Streamlit 1.67 has no copy button of its own but the one on `st.code`, so the link took two
clicks: one to show it, one on the code box's copy icon (issue 21). This component is a
button whose click calls `navigator.clipboard.writeText` in the browser, with no rerun. Where
the browser refuses the clipboard (an http address other than localhost, or a denied
permission) it shows the link in a box, selected, to copy by keyboard.

The link goes to the browser as data with the Note tab, which already shows every input the
link holds; it is never put in the address bar or history, and never into HTML: the script
only sets `textContent` and a text box's `value`. Trusted, fixed code otherwise.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["COPIED", "REFUSED", "copy_link_button"]

#: What the button says after a click (the Chromium test reads these).
COPIED = "Copied: the full case link is on the clipboard."
REFUSED = (
    "This browser did not allow copying: the link is selected in the box below; press Ctrl+C "
    "(Cmd+C on a Mac)."
)

_HTML = """<div class="row">
  <button type="button" class="copy" aria-describedby="copy-status">Copy case link</button>
  <span class="status" id="copy-status" role="status" aria-live="polite"></span>
</div>
<textarea class="fallback" readonly rows="3" aria-label="Case link" hidden></textarea>"""

# Looks like Streamlit's secondary button (1.67 theme: 1px border, 0.5rem radius, 2.5rem high).
_CSS = """
.row { display: flex; flex-wrap: wrap; align-items: center; gap: 0.75rem; }
.copy {
  font: inherit; font-size: 1rem; line-height: 1.6; color: rgb(49, 51, 63);
  background: #fff; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem;
  min-height: 2.5rem; padding: 0.25rem 0.75rem; cursor: pointer;
}
.copy:hover { border-color: #ff4b4b; color: #ff4b4b; }
.copy:focus-visible { outline: 2px solid #1c83e1; outline-offset: 2px; }
.status { color: #1f6f43; font-size: 0.95rem; }
.fallback { display: block; width: 100%; margin-top: 0.5rem; font: 0.9rem monospace; }
.fallback[hidden] { display: none; }
"""

_JS = """
export default function (component) {
  const { data, parentElement } = component;
  const button = parentElement.querySelector("button.copy");
  const status = parentElement.querySelector(".status");
  const box = parentElement.querySelector("textarea.fallback");
  const refused = () => {
    box.value = data.link;
    box.hidden = false;
    box.focus();
    box.select();
    status.textContent = data.refused;
  };
  button.onclick = () => {
    if (!data || typeof data.link !== "string" || !data.link) return;
    status.textContent = "";
    try {
      navigator.clipboard.writeText(data.link).then(() => {
        box.hidden = true;
        status.textContent = data.copied;
      }, refused);
    } catch (error) {
      refused();  // no clipboard API at all (not a secure context)
    }
  };
}
"""

_copy_link = st.components.v2.component("back_pain_copy_link", html=_HTML, css=_CSS, js=_JS)


def copy_link_button(link: str) -> None:
    """The one-click button; without a browser (a test harness) the link is shown to copy."""
    try:
        _copy_link(
            data={"link": link, "copied": COPIED, "refused": REFUSED},
            key="copy_case_link",
        )
    except Exception:  # no component runtime: the code box's own copy icon still works
        st.code(link, language=None, wrap_lines=True)

"""The address bar, kept out of the tab's history: a tiny browser-side component.

Streamlit 1.67 writes `st.query_params` changes with `history.pushState` (its frontend's
handlePageInfoChanged pushes unless a back/forward navigation is under way), so every edit of the
case added a history entry and an opened share link stayed in history behind the rewritten
address (issue 22: 5 pushState, 0 replaceState in one walk; history.length 3 -> 7). This
component, drawn first on every run, does three things in the browser and nothing else:

* It turns the page's own query-only `pushState` calls into `replaceState`, so the address
  follows the case without adding entries (the page has one path; other calls pass through).
* When `first_address` is given (the run that read a link), it replaces the address with it at
  once: the entry the link opened no longer holds what the address bar must not hold.
* Once per session it reports the *shape* of the query the tab was opened with (the navigation's
  own URL, which no later rewrite changes): every character but ``&`` replaced by ``x``, so the
  server learns the length and parameter count that Streamlit's limits judge (a dropped link)
  and never the link's content. That report (one extra run per session) is also the sign that
  the pushState patch is in place: until then the page does not write `st.query_params` at all
  (`may_write_address`), because Streamlit would push and keep the opened link in history.

Trusted, fixed code: no value from a link or the case is ever put into its HTML or JS; the
address it writes is passed as data and only ever given to `history.replaceState`.
"""

from __future__ import annotations

import json

import streamlit as st

__all__ = ["keep_address", "may_write_address", "replace_now"]

_JS = """
export default function (component) {
  const { data, setStateValue } = component;
  const path = () => window.location.pathname;
  if (!window.__backPainAddressKept) {
    window.__backPainAddressKept = true;
    const push = window.history.pushState.bind(window.history);
    const replace = window.history.replaceState.bind(window.history);
    window.history.pushState = (state, unused, url) => {
      const target = new URL(url ?? window.location.href, window.location.href);
      if (target.pathname === path()) {
        replace(state, unused, url);  // the same page, a new query: no new history entry
      } else {
        push(state, unused, url);
      }
    };
  }
  if (data && typeof data.first_address === "string") {
    const want = data.first_address ? "?" + data.first_address : "";
    if (window.location.search !== want) {
      window.history.replaceState(window.history.state, "", path() + want + window.location.hash);
    }
  }
  if (data && !data.ready) {
    const entry = performance.getEntriesByType("navigation")[0];
    const opened = entry ? new URL(entry.name) : new URL(window.location.href);
    for (const key of ["embed", "embed_options"]) opened.searchParams.delete(key);
    const query = opened.search.replace(/^\\?/, "");
    setStateValue("opened", { shape: query.replace(/[^&]/g, "x"), at: Date.now() });
  }
}
"""

_address = st.components.v2.component("back_pain_address", js=_JS)

#: The same replace as the component's, as an inline script: `st.html` runs it as soon as the
#: element is drawn, about a second before the component's module has loaded (measured in
#: Chromium on this machine: the component ran 1-2.5 s after the run ended).
_REPLACE_NOW = """<script>
(() => {
  const want = %s;
  const search = want ? "?" + want : "";
  if (window.location.search !== search) {
    window.history.replaceState(window.history.state, "", window.location.pathname + search
      + window.location.hash);
  }
})();
</script>"""


def replace_now(first_address: str) -> None:
    """Replace the address with `first_address` (a query string built by urlencode from a
    validated case, so only URL-safe characters; json.dumps quotes it for the script)."""
    safe = json.dumps(first_address).replace("<", "\\u003c")
    st.html(_REPLACE_NOW % safe, unsafe_allow_javascript=True)


def _record(opened: object) -> None:
    if isinstance(opened, dict) and isinstance(opened.get("shape"), str):
        st.session_state["address_opened"] = opened["shape"]


def _reported() -> None:
    """The report's callback, before the run it causes: that run already draws the component
    as ready. Recorded only after the draw, the report's own run still said "not ready" and the
    browser reported again, one more start-up run a click could land in (issue 21's flake)."""
    state = st.session_state.get("address_bar")
    _record(state.get("opened") if isinstance(state, dict) else None)


def keep_address(first_address: str | None) -> str | None:
    """Draw the component (first on the page). Returns None until the browser has reported
    (then the page may write the address: the push is a replace from then on), and after that
    the shape of the query the tab was opened with ('' when it had none)."""
    ready = st.session_state.get("address_opened")
    # One slot on every run: the inline replace is drawn on the link's run only, and without
    # the slot every later element would move one place on the next run, so the browser would
    # redraw the whole form while the clinician types (a value typed then was lost).
    with st.container(key="address_slot"):
        if first_address is not None:
            replace_now(first_address)
        try:
            result = _address(
                data={"first_address": first_address, "ready": ready is not None},
                key="address_bar",
                on_opened_change=_reported,
            )
        except Exception:  # no browser address to keep (a test harness): the page still works
            return None
    _record(result.get("opened") if result is not None else None)
    shape = st.session_state.get("address_opened")
    return shape if isinstance(shape, str) else None


def may_write_address() -> bool:
    """Whether `st.query_params` may be written this run. In a browser, not before the component
    has reported: until then Streamlit's write would be a pushState that keeps the opened link
    in history (the component replaces the address itself on that first run). Without a browser
    (`st.context.url` is None, as in AppTest) there is no history to keep clean."""
    try:
        in_browser = st.context.url is not None
    except Exception:
        in_browser = False
    return not in_browser or st.session_state.get("address_opened") is not None

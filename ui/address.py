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
* When `check_dropped` is set (a session whose script received no parameters), it reports the
  *shape* of the query the tab was opened with (the navigation's own URL, which no later rewrite
  changes): every character but ``&`` replaced by ``x``, so the server learns the length and the
  parameter count that Streamlit's limits judge and never the link's content.

Trusted, fixed code: no value from a link or the case is ever put into its HTML or JS; the
address it writes is passed as data and only ever given to `history.replaceState`.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["keep_address"]

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
  if (data && data.check_dropped) {
    const entry = performance.getEntriesByType("navigation")[0];
    const opened = entry ? new URL(entry.name) : new URL(window.location.href);
    for (const key of ["embed", "embed_options"]) opened.searchParams.delete(key);
    const query = opened.search.replace(/^\\?/, "");
    setStateValue("dropped", query ? query.replace(/[^&]/g, "x") : "");
  }
}
"""

_address = st.components.v2.component("back_pain_address", js=_JS)


def keep_address(first_address: str | None, check_dropped: bool) -> str | None:
    """Draw the component (first on the page); returns the shape of the query the tab was opened
    with once the browser has reported it (see the module docstring), else None."""
    try:
        result = _address(
            data={"first_address": first_address, "check_dropped": check_dropped},
            key="address_bar",
            on_dropped_change=lambda: None,
        )
    except Exception:  # no browser address to keep (a test harness): the page still works
        return None
    dropped = result.get("dropped") if result is not None else None
    return dropped if isinstance(dropped, str) else None

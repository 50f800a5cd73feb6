"""The page's URL: read a shared link once, keep the address bar equal to the case.

logic/formats/share.py reads and writes the case; this module only wires it to `st.query_params`.
Reading never raises: a hand-edited link must not take the page down.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import urlencode

import streamlit as st

from logic.formats.share import (
    STREAMLIT_MAX_QUERY_CHARS,
    STREAMLIT_MAX_QUERY_FIELDS,
    case_from_query,
    dropped_link_notice,
    holds_sensitive,
    private_query,
    quote_link_text,
    unchecked_in_link,
)
from logic.library.cases import TeachingCase
from logic.models import PatientCase
from ui.address import may_write_address
from ui.fields import BLANK, FIELDS, widget_values
from ui.form import set_case_widgets

AUDIENCES = {"clinician": "Clinician", "resident": "Resident", "patient": "Patient"}
#: Link parameters that belong to the page, not to the case.
PAGE_PARAMS = ("audience", "case")


def read_link(cases: Mapping[str, TeachingCase]) -> list[str]:
    """First run only: restore the case a link carries; notices name what was ignored.

    A link with case fields restores exactly those fields; `?case=<id>` alone loads that
    teaching case. The notices quote the link; ui.messages shows them as plain text.
    """
    try:
        params: dict[str, str | list[str]] = {}
        for key in st.query_params:
            every = st.query_params.get_all(key)
            params[key] = every[0] if len(every) == 1 else every
        notices: list[str] = []
        wanted = params.get("audience")
        wanted = wanted[-1] if isinstance(wanted, list) else wanted
        if wanted:
            audience = next(
                (
                    k
                    for k, label in AUDIENCES.items()
                    if wanted.strip().lower() in (k, label.lower())
                ),
                None,
            )
            if audience is None:
                notices.append(
                    f"Ignored audience={quote_link_text(wanted)}: must be one of "
                    + ", ".join(AUDIENCES)
                )
            else:
                st.session_state["audience"] = audience
        case_id = params.get("case")
        case_id = case_id[-1] if isinstance(case_id, list) else case_id
        teaching = cases.get(case_id) if case_id else None
        if case_id and teaching is None:
            notices.append(
                f"Ignored case={quote_link_text(case_id)}: not one of the teaching cases"
            )
        opened: PatientCase | None = None
        if any(key not in PAGE_PARAMS for key in params):
            restored = case_from_query(params, ignore=PAGE_PARAMS)
            state, more = widget_values(restored.values)
            set_case_widgets(state)
            notices += [*restored.notices, *more]
            opened = restored.case
            remember_what_link_holds(restored.values)
        elif teaching is not None:
            state, more = widget_values(teaching.case.model_dump(exclude_defaults=True))
            set_case_widgets(state)
            notices += more
        if teaching is not None:
            st.session_state["case"] = teaching.id
        if params:  # the address this link leaves: never a sensitive field (ui.address)
            shown = st.session_state.get("audience") or "clinician"
            keep = link_params(opened, teaching.id if teaching else "", shown) if opened else {}
            st.session_state["first_address"] = urlencode(keep or {"audience": shown}, safe=",:/")
        return notices
    except Exception:  # the page opens on whatever was restored; the link is reported
        return ["Could not read the link's parameters: check the case before relying on it"]


def remember_what_link_holds(values: Mapping[str, object]) -> None:
    """For the page's question before any plan (`show_link_check`): what a case link gave and,
    when it holds no sensitive field, what it cannot say (logic.formats.share.unchecked_in_link)."""
    st.session_state["link_unchecked"] = list(unchecked_in_link(values))
    st.session_state["link_holds"] = [FIELDS[name].in_sentence for name in FIELDS if name in values]
    st.session_state["link_full"] = holds_sensitive(values)


def link_checked() -> None:
    """'Checked' button callback: the clinician has looked at what the link could not say."""
    st.session_state["link_unchecked"] = []


def forget_link() -> None:
    """New case / reference case: nothing on the page comes from the link any more."""
    for key in ("link_unchecked", "link_holds", "link_full"):
        st.session_state.pop(key, None)


def show_link_check() -> bool:
    """Before any plan from a case link that holds no sensitive field (a reloaded or copied
    address never does): say what it holds and what it cannot, and wait for 'Checked'. True
    while the question is open (the caller then draws no plan, link or download).

    Issue 22: a reload rebuilt the case from the address alone, and a pregnant patient with
    opioid use disorder on buprenorphine got ketorolac, oxycodone and tramadol with no word."""
    unchecked = list(st.session_state.get("link_unchecked") or ())
    if not unchecked:
        if st.session_state.get("link_full"):
            st.caption(
                "Opened from a full case link, sensitive fields included. The address bar leaves "
                "them out, so reloading the page will ask about them again."
            )
        return False
    holds = list(st.session_state.get("link_holds") or ())
    with st.container(border=True, key="link_check"):
        st.warning(
            "This case came from a link, and a link from the address bar (or a reloaded page) "
            "never holds the sensitive fields. It does not say anything about: "
            + "; ".join(unchecked)
            + ". Enter any that apply in the case form, then confirm. "
            + (f"The link held: {', '.join(holds)}." if holds else ""),
            title="Before the plan: check what this link does not hold",
            icon=":material/rule:",
        )
        st.button(
            "Checked: show the plan",
            key="link_checked",
            on_click=link_checked,
            icon=":material/task_alt:",
            type="primary",
            help="Confirms that the fields listed are entered in the form or do not apply.",
        )
    return True


def read_dropped_link(shape: str | None) -> None:
    """A link Streamlit dropped before the script ran (over its 1,000-parameter or 512 KiB
    limit): the browser reports the opened query's shape (ui.address); the case goes blank, not
    the reference case, and the notice says the link was not read (logic.formats.share)."""
    if shape is None or st.session_state.get("dropped_checked"):
        return
    st.session_state["dropped_checked"] = True
    notice = dropped_link_notice(shape, ())
    if notice is not None:
        _blank_with(notice)


def _blank_with(notice: str) -> None:
    set_case_widgets(BLANK)
    st.session_state["case"] = ""
    st.session_state["link_notices"] = [notice]


def _probed(dropped: bool) -> None:
    """The probe's button callback: the browser has said whether Streamlit dropped the link."""
    if st.session_state.get("dropped_checked"):
        return
    st.session_state["dropped_checked"] = True
    if dropped:  # the notice's wording for any query Streamlit drops: one field too many
        notice = dropped_link_notice("&" * STREAMLIT_MAX_QUERY_FIELDS, ())
        if notice is not None:
            _blank_with(notice)


#: Drawn on a session's first run when the script received no parameters, before any case or
#: plan: in the browser, at once (an inline script runs as soon as it is drawn), it judges the
#: query the tab was opened with by Streamlit's own rule (logic.formats.share.streamlit_drops)
#: and clicks one of two hidden buttons. Only a yes or a no reaches the server, never the link.
_PROBE = """<style>.st-key-link_probe { display: none !important; }</style>
<script>
(() => {
  const limits = %s;
  const entry = performance.getEntriesByType("navigation")[0];
  const opened = new URL(entry ? entry.name : window.location.href);
  for (const key of ["embed", "embed_options"]) {
    if (opened.searchParams.has(key)) opened.searchParams.delete(key);  // Streamlit's own
  }
  const query = opened.search.replace(/^\\?/, "");
  const dropped = query.length > limits.chars || (query && query.split("&").length > limits.fields);
  const key = dropped ? "link_probe_dropped" : "link_probe_read";
  let tries = 0;
  const click = () => {
    const button = document.querySelector(".st-key-" + key + " button");
    if (button) button.click();
    else if (tries++ < 1200) setTimeout(click, 25);  // the buttons are drawn after this
  };
  click();
})();
</script>"""


def waiting_for_browser() -> bool:
    """True on a session's first run in a browser when the script received no parameters: the
    tab may have been opened with a link Streamlit dropped before the script ran (it cannot tell
    the script, and the reference case would show with its plan). The caller then draws no case
    and no plan; the probe's answer (or ui.address's report) reruns the page, which then opens
    the reference case or, for a dropped link, a blank case with the notice (issue 22)."""
    try:
        in_browser = st.context.url is not None
    except Exception:
        in_browser = False
    if (
        not in_browser
        or st.session_state.get("link_received")
        or st.session_state.get("dropped_checked")
    ):
        return False
    limits = {"fields": STREAMLIT_MAX_QUERY_FIELDS, "chars": STREAMLIT_MAX_QUERY_CHARS}
    st.html(_PROBE % json.dumps(limits), unsafe_allow_javascript=True)
    st.caption("Opening the page…")
    with st.container(key="link_probe"):
        st.button("Link dropped", key="link_probe_dropped", on_click=_probed, args=(True,))
        st.button("Link read", key="link_probe_read", on_click=_probed, args=(False,))
    return True


def link_params(case: PatientCase, case_id: str, audience: str) -> dict[str, str]:
    """The address bar's parameters: the case without its sensitive fields (logic.formats.share
    private_query), the teaching case and the audience."""
    return {**private_query(case), **({"case": case_id} if case_id else {}), "audience": audience}


def write_link(case: PatientCase | None, case_id: str, audience: str) -> None:
    """Keep the URL equal to the case (or empty of it when there is no valid case).

    With no valid case the case fields are removed: an address bar never holds a stale case.
    """
    if not may_write_address():  # the browser's history is not safe to write yet (ui.address)
        return
    try:
        want = link_params(case, case_id, audience) if case is not None else {"audience": audience}
        have = {key: st.query_params.get_all(key) for key in st.query_params}
        if list(have) != list(want) or any(have[key] != [want[key]] for key in want):
            # Streamlit pushes a history entry for this; ui.address makes it a replace
            st.query_params.from_dict(want)
    except Exception:  # a URL that cannot be written must not hide the plan
        pass

"""The faithful floor (bench/browser.py): the page's own case form, drawn by ui.form exactly as
the page draws it, and no plan: one computed line where the plan would be. What a change costs
here is what the form alone costs Streamlit and the browser."""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

st.set_page_config(page_title="Floor", layout="wide")

from ui import form, page  # noqa: E402
from ui.fields import reference_values  # noqa: E402

st.html(page._STACK_CSS)
if not st.session_state.get("link_read"):
    st.session_state["link_read"] = True
    form.set_case_widgets(reference_values())
with st.container(key="workspace"):
    inputs, output = st.columns([2, 3], gap="medium")
form.radicular_follows_features()
with inputs:
    form.show_form({})
with output:
    st.header("Plan", anchor="plan")
    st.markdown(
        f"Pain {st.session_state.get('pain_score')}, "
        f"{'radicular' if st.session_state.get('radicular') else 'axial'}, "
        f"{len(st.session_state.get('current_medications') or ())} medicines"
    )

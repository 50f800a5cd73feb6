"""Refractory back pain: decision support page (placeholder until the UI issue lands)."""

import streamlit as st

st.set_page_config(page_title="Refractory back pain", page_icon=":material/healing:")
st.title("Refractory back pain: what now?")
st.caption("Educational decision support; not a substitute for clinical judgement.")

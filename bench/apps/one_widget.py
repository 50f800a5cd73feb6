"""The cheapest page each benchmarked change can update (bench/browser.py): one widget of each
kind the page's changes use (a number box, a toggle, a medicine picker) and one computed line.
Served with the project's .streamlit/config.toml, like the page."""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from logic.drugs.catalogue import medicine_names

pain = st.text_input("Pain score now (0–10)", key="pain_score", value="8")
radicular = st.toggle("Radicular pain (sciatica)", key="radicular")
medicines = st.multiselect(
    "Regular medicines", options=medicine_names(), key="current_medications", select_all=False
)
st.markdown(f"Pain {pain}, {'radicular' if radicular else 'axial'}, {len(medicines)} medicines")

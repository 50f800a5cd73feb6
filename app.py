"""Refractory back pain: from case to plan on one screen.

The entry point only. The page's parts live in ui/ (form, plan view, messages, downloads), the
clinical reasoning in logic/ (`build_plan(case)` decides everything clinical).
"""

from __future__ import annotations

import gc
from pathlib import Path

import streamlit as st

st.set_page_config(
    page_title="Refractory back pain: what now?",
    # A local icon: a Material icon here makes the browser fetch it from a font CDN.
    page_icon=str(Path(__file__).parent / "assets" / "icon.png"),
    layout="wide",
    menu_items={"About": "Educational decision support for refractory back pain."},
)

from ui import page, warmup  # noqa: E402 (set_page_config must be the first Streamlit call)

# Everything imported so far (Streamlit, pydantic, the engine's tables) lives for the whole
# process. Without this, Python's cyclic collector walks all of it again after every script run
# (Streamlit triggers a collection per rerun): 130-650 ms per widget change on a loaded 2-CPU
# machine (issue 12). Freezing moves these objects to a permanent generation the collector
# skips; objects created later are still collected as usual. Once per process is enough here;
# ui/warmup.py freezes again once its background imports (Altair, pandas, pyarrow) are done.
if not getattr(gc, "_back_pain_frozen", False):
    gc.freeze()
    gc._back_pain_frozen = True  # type: ignore[attr-defined]

page.main()
warmup.start()

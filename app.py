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
# process. Streamlit runs a full collection after every script run (runner.postScriptGC, left
# on), and without a freeze it walks all of that again: 130-650 ms per widget change on a
# loaded 2-CPU machine (issue 12). Freezing moves these objects to a permanent generation the
# collector skips; objects created later are still collected as usual. This freezes what the
# imports above created, once per process; ui/warmup.py freezes a second time once its
# background imports (Altair, pandas, pyarrow: about 76,000 more objects) are done, which took
# a full collection from 51.5 ms to under 0.1 ms (issue 24). What else a change costs, and the
# browser benchmark that measures it against a one-widget app, is in the README (Performance).
if not getattr(gc, "_back_pain_frozen", False):
    gc.freeze()
    gc._back_pain_frozen = True  # type: ignore[attr-defined]

page.main()
warmup.start()

"""Import what the chart and the schedule table need in the background, after the first render.

Altair and pandas are imported lazily (the reference case draws no chart), so the first
radicular toggle used to pay about 2 s of imports (issue 12). Starting the imports in a daemon
thread once the first page is drawn moves that cost off the clinician's first click.
"""

from __future__ import annotations

import gc
import threading

_started = threading.Event()


def _warm() -> None:
    try:
        import altair  # noqa: F401
        import pandas  # noqa: F401
        import pyarrow  # st.dataframe serialises the day-by-day table with it

        from logic.engine.gabapentin import build_gabapentin_plan, schedule_frame
        from logic.engine.renal import RenalBand
        from logic.formats.charts import titration_chart

        # One throwaway chart and table: Altair loads and compiles its JSON schema validator
        # on the first `to_dict()` (about a second), which the first clinician would otherwise
        # wait for. The page's own charts are memoised per plan in logic.formats.charts.
        sample = build_gabapentin_plan(RenalBand.normal, 100.0, target_daily_mg=1800)
        titration_chart(sample).to_dict()
        pyarrow.Table.from_pandas(schedule_frame(sample))
    except Exception:  # warming is an optimisation only
        pass
    # The imports above add about 76,000 long-lived objects after app.py's freeze; frozen too,
    # the collection Streamlit runs after each script run skips them (a full collection measured
    # 51.5 ms before this second freeze and under 0.1 ms after it, issue 24).
    gc.freeze()


def start() -> None:
    """Start the background imports once per process (later calls do nothing)."""
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_warm, name="warm-chart-imports", daemon=True).start()

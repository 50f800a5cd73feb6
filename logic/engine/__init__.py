"""The engine: the steps of `build_plan` and the tables that decide them.

Triage, renal function, medicine facts, the review of what was tried, the rule table and its
cut-offs (`thresholds`), order templates (`regimens`), gabapentin titration, the interaction and
dose-limit checks applied to a case (`med_checks`), cautions, mimics and the decision aid.
"""

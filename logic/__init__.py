"""Clinical engine for refractory back pain. Pure Python: nothing here imports Streamlit."""

from logic.catalogue import resolve_drug
from logic.models import PatientCase, TreatmentPlan, TriedMedication

__all__ = ["PatientCase", "TreatmentPlan", "TriedMedication", "resolve_drug"]

"""CDS Hooks service over logic.build_plan (FastAPI app in service.app)."""

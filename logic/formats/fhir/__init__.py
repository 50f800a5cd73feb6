"""FHIR R4: resources in to a case (`read`), a case and plan out as resources (`write`), and the
codes both use (`codes`)."""

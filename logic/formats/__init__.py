"""A case or a plan in and out of other shapes: links, notes, charts, FHIR, typed text.

Pure functions of their inputs; nothing here decides anything clinical.
"""

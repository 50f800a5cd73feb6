"""What is known about each medicine, whoever the patient is.

The catalogue (names, classes, traits, brands), morphine milligram equivalents (`opioids`), the
interaction and dose-limit tables, formulation words, RxNorm products and name suggestions.
"""

"""Risk screening after CASALUD's MIDO (issue 10): the screening engine, follow-up of probable
disease, care gaps and offline capture for community health workers (docs/screening.md).
"""

"""Simulated home devices (issue 9 part 7): pure, seeded physiology generators for CGM and
glucometer glucose, home blood pressure, heart-failure weight and COPD vitals, with the ground-truth
episodes (hypoglycaemia, hypertensive crisis, HF decompensation, COPD exacerbation) that alert
quality is scored against. The device actor (sim/actors/devices.py) sends the readings through
monitoring ingestion. Every shape and rate is an assumption written down in docs/monitoring.md,
"Simulation and alert quality".
"""

"""The patient app (issue 16 part 1): today's medicines with check-offs, self-entered readings with
feedback, offline sync (docs/patient-app.md)."""

"""Education (issue 16 parts 3 and 4): the patient education library, scheduled and triggered, and
clinician continuing education (docs/education.md)."""

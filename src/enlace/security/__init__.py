"""Authentication, authorization, consent, audit and protection of data (docs/security.md)."""

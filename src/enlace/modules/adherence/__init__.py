"""adherence (skeleton; see docs)."""

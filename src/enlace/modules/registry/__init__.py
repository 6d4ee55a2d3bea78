"""registry (skeleton; issue 14)."""

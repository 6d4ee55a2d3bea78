"""care (skeleton; issue 14)."""

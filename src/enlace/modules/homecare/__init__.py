"""homecare (skeleton; issue 14)."""

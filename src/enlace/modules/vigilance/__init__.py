"""vigilance (skeleton; issue 14)."""

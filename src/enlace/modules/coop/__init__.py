"""coop (skeleton; issue 15)."""

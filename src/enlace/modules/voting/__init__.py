"""voting (skeleton; issue 15)."""

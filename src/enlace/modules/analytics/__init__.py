"""analytics (skeleton; see docs)."""

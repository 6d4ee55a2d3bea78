"""messaging (skeleton; see docs)."""

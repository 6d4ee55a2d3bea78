"""supply (skeleton; see docs)."""

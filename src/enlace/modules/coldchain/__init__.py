"""coldchain (skeleton; see docs)."""

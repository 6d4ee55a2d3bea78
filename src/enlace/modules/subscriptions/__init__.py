"""subscriptions (skeleton; issue 14)."""

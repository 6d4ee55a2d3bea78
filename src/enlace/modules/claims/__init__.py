"""Claims (issue 7 part 3): adjudicated against proof of dispense. See docs/claims.md."""

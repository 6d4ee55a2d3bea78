"""Domain modules (DESIGN.md): one folder each; siblings talk through events or each other's public API."""

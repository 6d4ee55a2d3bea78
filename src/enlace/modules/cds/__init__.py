"""Clinical decision support as a CDS Hooks 2.0 service (issue 10 part 4, docs/cds.md)."""

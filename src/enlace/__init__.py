"""Enlace: an open FHIR R4 platform for chronic care networks."""

__version__ = "0.1.0"

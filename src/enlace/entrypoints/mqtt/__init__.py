"""MQTT edge: the ingestion subscriber (paho-mqtt lives only here and in the CLI)."""

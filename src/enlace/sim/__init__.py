"""The synthetic network: population, scenario driver (a client of the services, like a real network)."""

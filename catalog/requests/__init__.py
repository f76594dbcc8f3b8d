"""Requests: dialects (one module each), request schemas, the validator, its compiled cache,
issues and prompt-token estimates. No pydantic is loaded on a warm cache."""

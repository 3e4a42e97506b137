"""Fyers API v3 adapter for Ordo."""

"""Mirae Asset m.Stock adapter for Ordo."""

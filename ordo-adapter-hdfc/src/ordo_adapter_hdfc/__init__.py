"""HDFC Securities InvestRight adapter for Ordo."""

"""Paper broker (simulated) adapter for Ordo."""

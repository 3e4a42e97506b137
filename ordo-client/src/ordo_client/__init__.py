"""Client SDK for the Ordo gateway."""

"""The user's profile as a broker reports it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Profile(BaseModel):
    """Who the account belongs to. Brokers mask email and phone; Ordo passes on what they
    send and never asks for more."""

    model_config = ConfigDict(frozen=True)

    client_id: str
    """The broker's id of the user (Fyers ``fy_id``, m.Stock user id, HDFC client code)."""
    name: str = ""
    email: str | None = None
    phone: str | None = None
    broker: str
    """The adapter id that answered."""

"""The m.Stock Type A dialect: its paths, form fields and login steps.

Everything specific to Type A (Kite-like names, form-encoded writes,
``Authorization: token api_key:access_token``) is here and in ``mapping``; a Type B dialect
would be a sibling module with the same methods over JSON bodies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import SecretStr

from ordo_adapter_mirae.client import MiraeClient

SCRIPT_MASTER_PATH = "/instruments/scriptmaster"


class TypeAApi:
    """One method per Type A endpoint the adapter uses; each returns the reply's ``data``."""

    def __init__(self, client: MiraeClient) -> None:
        self._client = client

    # -- login -----------------------------------------------------------------------------
    async def login(self, username: str, password: SecretStr, field_names: tuple[str, str]) -> Any:
        """Step 1: checks the password and, unless TOTP is on, sends an SMS OTP.
        ``field_names`` are the form keys of the user id and the password."""
        user_key, password_key = field_names
        return await self._client.call(
            "POST",
            "/connect/login",
            form={user_key: username, password_key: password.get_secret_value()},
        )

    async def session_token(self, api_key: SecretStr, otp: str, checksum: str) -> Any:
        """Step 2 (SMS OTP): ``request_token`` is the OTP; ``checksum`` a literal source code."""
        return await self._client.call(
            "POST",
            "/session/token",
            form={
                "api_key": api_key.get_secret_value(),
                "request_token": otp,
                "checksum": checksum,
            },
        )

    async def verify_totp(self, api_key: SecretStr, totp: str) -> Any:
        """Step 2 (authenticator)."""
        return await self._client.call(
            "POST",
            "/session/verifytotp",
            form={"api_key": api_key.get_secret_value(), "totp": totp},
        )

    async def logout(self, token: SecretStr) -> Any:
        return await self._client.call("GET", "/logout", access_token=token)

    # -- reads -----------------------------------------------------------------------------
    async def fund_summary(self, token: SecretStr) -> Any:
        return await self._client.call("GET", "/user/fundsummary", access_token=token)

    async def holdings(self, token: SecretStr) -> Any:
        return await self._client.call("GET", "/portfolio/holdings", access_token=token)

    async def positions(self, token: SecretStr) -> Any:
        return await self._client.call("GET", "/portfolio/positions", access_token=token)

    async def order_book(self, token: SecretStr) -> Any:
        return await self._client.call("GET", "/orders", access_token=token)

    async def order_details(self, token: SecretStr, order_no: str, segment: str) -> Any:
        """``POST /order/details`` (form ``order_no``, ``segment`` E or D, as the official
        SDK sends it): the order's rows, its history; ``"None"`` for an unknown order."""
        return await self._client.call(
            "POST",
            "/order/details",
            access_token=token,
            form={"order_no": order_no, "segment": segment},
        )

    async def order_margin(self, token: SecretStr, body: Mapping[str, Any]) -> Any:
        """``POST /margins/orders`` (JSON): what the RMS would block; places nothing."""
        return await self._client.call(
            "POST", "/margins/orders", access_token=token, json_body=dict(body)
        )

    async def trade_book(self, token: SecretStr) -> Any:
        return await self._client.call("GET", "/tradebook", access_token=token)

    async def quotes(self, token: SecretStr, mode: str, keys: Sequence[str]) -> Any:
        """``mode`` is ``ltp`` or ``ohlc``; ``keys`` are ``EXCH:SYMBOL`` strings."""
        return await self._client.call(
            "GET",
            f"/instruments/quote/{mode}",
            access_token=token,
            params=[("i", key) for key in keys],
        )

    async def script_master(self, token: SecretStr | None, source: str | None) -> str:
        """The CSV master from the broker, or from ``source`` when it is a URL."""
        return await self._client.fetch_text(source or SCRIPT_MASTER_PATH, access_token=token)

    # -- writes ----------------------------------------------------------------------------
    async def place(self, token: SecretStr, variety: str, form: Mapping[str, str]) -> Any:
        return await self._client.call(
            "POST", f"/orders/{variety}", access_token=token, form=form, write=True
        )

    async def modify(self, token: SecretStr, order_id: str, form: Mapping[str, str]) -> Any:
        return await self._client.call(
            "PUT", f"/orders/regular/{order_id}", access_token=token, form=form, write=True
        )

    async def cancel(self, token: SecretStr, order_id: str) -> Any:
        return await self._client.call(
            "DELETE", f"/orders/regular/{order_id}", access_token=token, write=True
        )

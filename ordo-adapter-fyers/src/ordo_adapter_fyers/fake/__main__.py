"""``python -m ordo_adapter_fyers.fake``: serve the fake Fyers API on loopback for an offline
rehearsal, and print the adapter settings that point at it."""

from __future__ import annotations

import argparse
import ipaddress
import json

import uvicorn

from ordo_adapter_fyers.fake.app import create_app
from ordo_adapter_fyers.fake.master import MASTER_FILES
from ordo_adapter_fyers.fake.state import (
    DEFAULT_APP_ID,
    DEFAULT_APP_SECRET,
    DEFAULT_FYERS_ID,
    DEFAULT_PIN,
    DEFAULT_TOTP_SECRET,
    FakeFyers,
)


def rehearsal_settings(base: str, app_id: str, app_secret: str) -> dict[str, object]:
    """Adapter settings for a fake served at ``base`` (e.g. ``http://127.0.0.1:8100``)."""
    return {
        "app_id": app_id,
        "app_secret": app_secret,
        "redirect_uri": f"{base}/callback",
        "api_base_url": f"{base}/api/v3",
        "data_base_url": f"{base}/data",
        "login_base_url": f"{base}/vagator/v2",
        "order_socket_url": f"{base.replace('http', 'ws', 1)}/trade/v3",
        "symbol_master_sources": [f"{base}/sym_details/{name}" for name in MASTER_FILES],
    }


REGISTERED_IP_HELP = (
    "a static IP on file for the client: order calls from any other address are refused "
    "(repeatable)"
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the fake Fyers API v3 on loopback.")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--app-id", default=DEFAULT_APP_ID)
    parser.add_argument("--app-secret", default=DEFAULT_APP_SECRET)
    parser.add_argument(
        "--no-rate-limits", action="store_true", help="do not enforce 10/s and 200/min"
    )
    parser.add_argument("--registered-ip", action="append", default=[], help=REGISTERED_IP_HELP)
    args = parser.parse_args(argv)
    if not ipaddress.ip_address(args.host).is_loopback:
        parser.error("the fake only listens on a loopback address")
    base = f"http://{args.host}:{args.port}"
    fake = FakeFyers(
        app_id=args.app_id,
        app_secret=args.app_secret,
        redirect_uri=f"{base}/callback",
        enforce_rate_limits=not args.no_rate_limits,
        registered_ips={DEFAULT_FYERS_ID: args.registered_ip} if args.registered_ip else None,
    )
    settings = rehearsal_settings(base, args.app_id, args.app_secret)
    print("Fake Fyers adapter settings (accounts.<name>.settings):")
    print(json.dumps(settings, indent=2))
    print(
        f"Headless rehearsal: fyers_id={DEFAULT_FYERS_ID} pin={DEFAULT_PIN} "
        f"totp_secret={DEFAULT_TOTP_SECRET} (fake values)"
    )
    uvicorn.run(create_app(fake), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()

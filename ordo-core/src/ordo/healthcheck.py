"""``python -m ordo.healthcheck``: exit 0 when the gateway on this machine answers ``/health``.

The container image's ``HEALTHCHECK`` runs it, so it needs nothing the image lacks (no curl)
and imports nothing but the standard library. It reads the address the server was given
through ``ORDO_PORT`` and, when ``ORDO_CERTFILE`` is set, speaks TLS (without verifying the
certificate: it is issued for the public name, and this check only asks "is it up?").
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import urllib.request
from collections.abc import Mapping


def health_url(env: Mapping[str, str]) -> str:
    scheme = "https" if env.get("ORDO_CERTFILE") else "http"
    return f"{scheme}://127.0.0.1:{env.get('ORDO_PORT', '8000')}/health"


def check(url: str, timeout: float = 3.0) -> str | None:
    """Why the gateway is not healthy, or ``None``."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as reply:  # noqa: S310
            body = json.loads(reply.read())
    except (OSError, ValueError) as exc:
        return f"{url}: {exc}"
    if body.get("status") != "success":
        return f"{url}: answered {body!r}"
    return None


def main() -> int:
    problem = check(health_url(os.environ))
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

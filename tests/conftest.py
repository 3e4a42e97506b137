"""Fixtures for cross-package tests: a whole gateway in process over the paper broker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from ordo.config import AccountConfig, load_settings
from ordo_testing.server import InProcessGateway, gateway_in_process

TOKEN = "cross-package-token-0123456789"

GatewayFactory = Callable[..., AbstractAsyncContextManager[InProcessGateway]]


@pytest.fixture
def make_gateway(tmp_path: Path) -> GatewayFactory:
    """``async with make_gateway(accounts={...}, **settings) as gw``."""

    def factory(
        accounts: dict[str, dict[str, Any]] | None = None, **extra: Any
    ) -> AbstractAsyncContextManager[InProcessGateway]:
        settings = load_settings(
            None,
            data_dir=tmp_path,
            api_token=TOKEN,
            accounts={
                name: AccountConfig(**cfg)
                for name, cfg in (accounts or {"paper": {"adapter": "mock"}}).items()
            },
            **extra,
        )
        return gateway_in_process(settings, token=TOKEN)

    return factory


@pytest.fixture
async def paper(make_gateway: GatewayFactory) -> AsyncIterator[InProcessGateway]:
    async with make_gateway() as gw:
        yield gw

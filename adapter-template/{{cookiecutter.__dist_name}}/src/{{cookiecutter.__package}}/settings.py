"""Settings of one {{ cookiecutter.broker_name }} account (the ``accounts`` entry in Ordo's config)."""

from __future__ import annotations

from ordo.adapters.http import HttpSettings
from pydantic import SecretStr


class {{ cookiecutter.class_prefix }}Settings(HttpSettings):
    """``connect_timeout`` and ``read_timeout`` come from ``HttpSettings``."""

    client_id: str
    password: SecretStr
    base_url: str = "{{ cookiecutter.broker_api_url }}"

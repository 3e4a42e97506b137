"""Settings of one {{ cookiecutter.broker_name }} account (the ``accounts`` entry in Ordo's config)."""

from __future__ import annotations

from ordo import AdapterSettings
from pydantic import SecretStr


class {{ cookiecutter.class_prefix }}Settings(AdapterSettings):
    client_id: str
    password: SecretStr
    base_url: str = "{{ cookiecutter.broker_api_url }}"

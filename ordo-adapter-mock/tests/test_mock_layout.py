"""The paper broker has the shared adapter layout, minus what only an HTTP broker needs
(client, errors, mapping, fake)."""

from __future__ import annotations

from ordo_testing.layout import assert_adapter_layout


def test_package_has_the_shared_adapter_layout() -> None:
    assert_adapter_layout("ordo_adapter_mock", talks_http=False)

"""The package has the layout every Ordo adapter shares (see ``ordo_testing.layout``)."""

from __future__ import annotations

from ordo_testing.layout import assert_adapter_layout


def test_package_has_the_shared_adapter_layout() -> None:
    assert_adapter_layout("ordo_adapter_mirae")

"""A fake of the m.Stock Type A API for tests and offline rehearsal.

In process: ``FakeTransport(FakeMirae(FakeBroker(...)))`` as the adapter context's
transport. Standalone: ``python -m ordo_adapter_mirae.fake --port 8100``.
"""

from ordo_adapter_mirae.fake.app import DROPPED_HEADER, FakeMirae, FakeTransport, main
from ordo_adapter_mirae.fake.rows import FakeError, sample_master_csv
from ordo_adapter_mirae.fake.state import (
    API_KEY_MESSAGE,
    IP_MESSAGE,
    FakeBroker,
    FakeUser,
    RateWindows,
    Switches,
)

__all__ = [
    "API_KEY_MESSAGE",
    "DROPPED_HEADER",
    "IP_MESSAGE",
    "FakeBroker",
    "FakeError",
    "FakeMirae",
    "FakeTransport",
    "FakeUser",
    "RateWindows",
    "Switches",
    "main",
    "sample_master_csv",
]

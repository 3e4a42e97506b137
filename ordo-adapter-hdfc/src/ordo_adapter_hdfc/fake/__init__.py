"""A fake of the HDFC Securities InvestRight REST API for tests and offline rehearsal.

In process: ``FakeTransport(FakeBroker())`` as the adapter context's transport. Standalone:
``python -m ordo_adapter_hdfc.fake --port 8100``.
"""

from ordo_adapter_hdfc.fake.app import FakeTransport, create_app, main
from ordo_adapter_hdfc.fake.state import FakeBroker, FakeConfig, Switches, master_csv

__all__ = [
    "FakeBroker",
    "FakeConfig",
    "FakeTransport",
    "Switches",
    "create_app",
    "main",
    "master_csv",
]

"""A fake of the {{ cookiecutter.broker_name }} HTTP API for tests and offline rehearsal.

In process: ``httpx.ASGITransport(app=create_app(FakeBroker()))`` as the adapter context's
transport. Standalone: ``python -m {{ cookiecutter.__package }}.fake --port 8100``.
"""

from {{ cookiecutter.__package }}.fake.app import create_app
from {{ cookiecutter.__package }}.fake.state import BrokerError, FakeBroker, Scrip

__all__ = ["BrokerError", "FakeBroker", "Scrip", "create_app"]

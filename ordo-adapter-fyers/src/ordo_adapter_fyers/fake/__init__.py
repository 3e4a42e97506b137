"""A faithful fake of the Fyers API v3 for tests and offline rehearsal.

In process: ``FakeTransport(FakeFyers())`` as the adapter context's transport. Standalone:
``python -m ordo_adapter_fyers.fake --port 8100`` (see the package README).
"""

from ordo_adapter_fyers.fake.app import DROP_HEADER, create_app
from ordo_adapter_fyers.fake.book import OrderBook
from ordo_adapter_fyers.fake.master import MASTER_FILES, master_path, master_text
from ordo_adapter_fyers.fake.state import (
    DEFAULT_APP_ID,
    DEFAULT_APP_SECRET,
    DEFAULT_FYERS_ID,
    DEFAULT_PIN,
    DEFAULT_REDIRECT_URI,
    DEFAULT_TOTP_SECRET,
    FakeFyers,
)
from ordo_adapter_fyers.fake.transport import FakeTransport

__all__ = [
    "DEFAULT_APP_ID",
    "DEFAULT_APP_SECRET",
    "DEFAULT_FYERS_ID",
    "DEFAULT_PIN",
    "DEFAULT_REDIRECT_URI",
    "DEFAULT_TOTP_SECRET",
    "DROP_HEADER",
    "MASTER_FILES",
    "FakeFyers",
    "FakeTransport",
    "OrderBook",
    "create_app",
    "master_path",
    "master_text",
]

"""The contract every broker adapter implements.

Broker operations are async methods on a ``BrokerAdapter`` subclass; hooks only register the
class. One instance serves one named account and owns that account's HTTP client. Methods
return ``ordo.domain`` models and raise only ``BrokerError`` subclasses; they never retry:
the core decides that from the error class.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic

import httpx
from pydantic import BaseModel, ConfigDict
from typing_extensions import TypeVar

from ordo.adapters.capabilities import Capability
from ordo.adapters.egress import Egress
from ordo.adapters.errors import SessionExpired, UnsupportedOperation
from ordo.domain import (
    BrokerSession,
    Funds,
    Holding,
    Instrument,
    LoginChallenge,
    Order,
    OrderAck,
    OrderHistoryEntry,
    OrderModification,
    OrderRequest,
    Position,
    Profile,
    Quote,
    SymbolRef,
    Trade,
    exit_order_for,
)
from ordo.domain.algo import AlgoTag
from ordo.domain.protection import MarketProtection

if TYPE_CHECKING:  # a type only: sockets imports this module
    from ordo.adapters.sockets import SocketDialer


class AdapterSettings(BaseModel):
    """Base for an adapter's nested ``Settings``. Unknown keys are an error so a typo in the
    config file is caught at start. Declare secrets as ``SecretStr``."""

    model_config = ConfigDict(extra="forbid")


SettingsT = TypeVar("SettingsT", bound=AdapterSettings, default=Any)
"""An adapter's settings model. The default lets core code name ``BrokerAdapter`` (any
adapter, whatever its settings) without a type argument."""


class RateScope(StrEnum):
    """Which calls a quota applies to."""

    ALL = "all"
    ORDERS = "orders"
    """place, modify, cancel."""
    READS = "reads"
    """Books, portfolio, funds, instruments."""
    QUOTES = "quotes"


@dataclass(frozen=True)
class RateLimit:
    """``max_calls`` per ``period`` seconds for calls of ``scope``."""

    max_calls: int
    period: float
    scope: RateScope = RateScope.ALL


@dataclass
class AdapterContext:
    """What the core hands an adapter besides its settings."""

    account: str
    data_dir: Path
    transport: httpx.AsyncBaseTransport | None = None
    """Set by tests to route HTTP to the adapter's fake (``httpx.ASGITransport``)."""
    egress: Egress | None = None
    """Where the account's broker calls leave from (``accounts.<name>.egress``): pass it to
    ``build_http_client`` for every client, and to WebSocket connects; ``None`` is the
    host's default route."""
    socket_dialer: SocketDialer | None = None
    """How the adapter opens its push channel's WebSocket; ``None``: the one its settings
    give (``ordo.adapters.sockets.build_socket_dialer``). Set by tests to observe or
    script connection attempts."""
    extra: dict[str, Any] = field(default_factory=dict)


class BrokerAdapter(ABC, Generic[SettingsT]):
    """Base class of every broker adapter, generic over its settings model.

    Subclasses set the class attributes, implement the abstract operations (what every
    broker must do: login, funds, holdings, positions, quotes, instruments, place, cancel,
    the order book and the lookup by tag) and override the optional operations their
    capabilities declare. An optional operation that is not overridden raises
    ``UnsupportedOperation``.
    """

    id: ClassVar[str]
    display_name: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    Settings: ClassVar[type[AdapterSettings]] = AdapterSettings
    """The settings model the core validates an account's ``settings`` with; an instance
    of it (``SettingsT``) is what ``__init__`` receives."""
    declared_rate_limits: ClassVar[tuple[RateLimit, ...]] = ()
    """The broker's quotas under default settings; ``rate_limits_for`` may adjust them."""
    reconcile_settle_seconds: ClassVar[float] = 0.5
    """How long after a lost order reply the broker's book can be trusted to show the
    order. Absence is believed (and the order resent) only after this pause."""
    market_protection: ClassVar[MarketProtection] = MarketProtection.LIMIT
    """How this broker takes a MARKET or SL-M order (algo market orders are refused by the
    exchange): ``FIELD`` when ``place_order`` maps ``order.market_protection_pct`` to the
    broker's own protection field, else ``LIMIT``: the core sends a LIMIT (SL) priced from
    a fresh quote and the percentage, and ``place_order`` never sees a MARKET order."""
    sessions_survive_restart: ClassVar[bool] = True
    """Whether a stored session is still good after Ordo restarts. ``False`` (the paper
    broker, whose book lives in the process) makes an unattended adapter log in afresh at
    every start instead of adopting the stored session."""
    reaches_exchange: ClassVar[bool] = True
    """Whether orders go on to an exchange, whose rules then apply (the order-rate ceiling
    per segment, ``compliance:``). ``False`` (the paper broker): the ceiling applies only
    when the account's own ``compliance.order_rate_per_second`` asks for it."""

    def __init__(self, settings: SettingsT, context: AdapterContext) -> None:
        if not isinstance(settings, type(self).Settings):
            # The core validates raw config with ``cls.Settings``; anything else is a bug.
            raise TypeError(
                f"{type(self).__name__} needs {type(self).Settings.__name__}, "
                f"not {type(settings).__name__}"
            )
        self.settings: SettingsT = settings
        self.context = context
        self.session: BrokerSession | None = None

    @classmethod
    def rate_limits_for(cls, settings: SettingsT) -> tuple[RateLimit, ...]:
        """The quotas of an account with ``settings``; override when a setting (a paid
        tier, a configurable read rate) changes them."""
        return cls.declared_rate_limits

    @property
    def rate_limits(self) -> tuple[RateLimit, ...]:
        """This account's quotas, as the rate limiter and ``/status`` read them."""
        return self.rate_limits_for(self.settings)

    @property
    def account(self) -> str:
        return self.context.account

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        """Open connections, load cached instruments. Called once before first use."""

    async def aclose(self) -> None:
        """Release the HTTP client and anything else ``start`` opened."""

    def logs_in_unattended(self) -> bool:
        """Whether ``begin_login`` completes without any user input (no OTP, no browser)
        under this account's settings, e.g. because they carry a TOTP seed (and PIN), so the
        core may log in at start, after a broker 401 and daily without sending an SMS or
        opening a URL. A seed in the account's own config (``totp_secret`` beside
        ``settings``) is answered by the core and need not be reported here."""
        return False

    def restore_session(self, session: BrokerSession | None) -> None:
        """Adopt a session the core kept in its token store (or drop it with ``None``)."""
        self.session = session

    def require_session(self) -> BrokerSession:
        """The current session, or ``SessionExpired`` when there is none or it has ended."""
        if self.session is None:
            raise SessionExpired(f"account {self.account!r} is not logged in")
        if self.session.is_expired():
            raise SessionExpired(f"the session of account {self.account!r} has expired")
        return self.session

    # -- login -------------------------------------------------------------------------
    @abstractmethod
    async def begin_login(self) -> LoginChallenge | BrokerSession:
        """Start a login: return the first challenge, or a session when none is needed."""
        raise UnsupportedOperation(f"{self.id} has no login flow")

    @abstractmethod
    async def complete_login(
        self, challenge: LoginChallenge, answer: str
    ) -> LoginChallenge | BrokerSession:
        """Answer ``challenge``; return the next challenge or the new session."""
        raise UnsupportedOperation(f"{self.id} has no login flow")

    async def resend_challenge(self, challenge: LoginChallenge) -> LoginChallenge:
        """Ask the broker to send the OTP again (when ``challenge.resendable``)."""
        raise UnsupportedOperation(f"{self.id} cannot resend a challenge")

    async def refresh(self, session: BrokerSession) -> BrokerSession:
        """Extend a session without user input (``Capability.SESSION_REFRESH``)."""
        raise UnsupportedOperation(f"{self.id} cannot refresh a session")

    async def logout(self) -> None:
        """End the session at the broker. The core forgets it either way."""
        self.session = None

    # -- portfolio and data -----------------------------------------------------------
    @abstractmethod
    async def get_funds(self) -> Funds:
        raise UnsupportedOperation(f"{self.id} does not report funds")

    @abstractmethod
    async def get_holdings(self) -> list[Holding]:
        raise UnsupportedOperation(f"{self.id} does not report holdings")

    @abstractmethod
    async def get_positions(self) -> list[Position]:
        raise UnsupportedOperation(f"{self.id} does not report positions")

    @abstractmethod
    async def get_quotes(self, symbols: Sequence[SymbolRef]) -> list[Quote]:
        raise UnsupportedOperation(f"{self.id} does not serve quotes")

    @abstractmethod
    async def get_instrument(self, ref: SymbolRef) -> Instrument:
        """The instrument for ``ref``; ``InstrumentNotFound`` when the master lacks it."""
        raise UnsupportedOperation(f"{self.id} has no instrument master")

    @abstractmethod
    async def load_instruments(self, *, force: bool = False) -> int:
        """(Re)load the instrument master; returns how many instruments are known."""
        raise UnsupportedOperation(f"{self.id} has no instrument master")

    async def search_instruments(self, query: str, limit: int = 20) -> list[Instrument]:
        raise UnsupportedOperation(f"{self.id} cannot search instruments")

    async def get_profile(self) -> Profile:
        """The user's profile at the broker (``Capability.PROFILE``)."""
        raise UnsupportedOperation(f"{self.id} does not report the user's profile")

    async def required_margin(self, order: OrderRequest) -> Decimal:
        """What the broker would block for ``order`` now, from its margin calculator
        (``Capability.MARGIN``); read only, it places nothing."""
        raise UnsupportedOperation(f"{self.id} has no margin calculator")

    # -- orders ------------------------------------------------------------------------
    @abstractmethod
    async def place_order(self, order: OrderRequest, tag: str) -> OrderAck:
        """Send one order carrying ``tag`` (see ``ordo.safety.tags``) so it can be found
        again by ``find_orders_by_tag`` when the reply is lost."""
        raise UnsupportedOperation(f"{self.id} cannot place orders")

    async def place_algo_order(self, order: OrderRequest, tag: str, algo: AlgoTag) -> OrderAck:
        """``place_order`` with the API token's algo metadata in the broker's own field for
        it. The core calls it only on adapters that declare ``Capability.ALGO_ID`` (and
        only for a token that has the metadata); the others get ``place_order``."""
        raise UnsupportedOperation(f"{self.id} has no field for an algo id")

    async def modify_order(self, order_id: str, changes: OrderModification) -> OrderAck:
        raise UnsupportedOperation(f"{self.id} cannot modify orders")

    @abstractmethod
    async def cancel_order(self, order_id: str) -> OrderAck:
        raise UnsupportedOperation(f"{self.id} cannot cancel orders")

    @abstractmethod
    async def get_order(self, order_id: str) -> Order:
        """One order; ``OrderNotFound`` when the broker does not know ``order_id``."""
        raise UnsupportedOperation(f"{self.id} has no order book")

    @abstractmethod
    async def list_orders(self) -> list[Order]:
        raise UnsupportedOperation(f"{self.id} has no order book")

    async def get_order_history(self, order_id: str) -> list[OrderHistoryEntry]:
        """The broker's trail of one order, oldest first (``Capability.ORDER_HISTORY``);
        ``OrderNotFound`` when the broker does not know ``order_id``."""
        raise UnsupportedOperation(f"{self.id} does not report an order's history")

    def exit_orders(self, positions: Sequence[Position]) -> list[tuple[Position, OrderRequest]]:
        """The orders that flatten ``positions`` (``Capability.EXIT_POSITIONS``), each with
        the position it closes; flat positions get none. By default a market order on the
        opposite side for the whole net quantity; override where the broker needs another
        form (the core refuses any order that would not only reduce its position)."""
        if not self.supports(Capability.EXIT_POSITIONS):
            raise UnsupportedOperation(f"{self.id} cannot exit positions")
        return [(p, order) for p in positions if (order := exit_order_for(p)) is not None]

    async def get_trades(self) -> list[Trade]:
        raise UnsupportedOperation(f"{self.id} has no trade book")

    @abstractmethod
    async def find_orders_by_tag(self, tag: str) -> list[Order]:
        """Every order of today's book that carries ``tag``; empty when none does."""
        raise UnsupportedOperation(f"{self.id} cannot look orders up by tag")

    # -- helpers -----------------------------------------------------------------------
    @classmethod
    def supports(cls, capability: Capability) -> bool:
        return capability in cls.capabilities

    def __repr__(self) -> str:
        return f"<{type(self).__name__} account={self.account!r}>"

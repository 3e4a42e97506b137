"""Sessions end with their IST trading day: the arithmetic, the guard's refusal before any
broker call, and the day-end logout setting's validation."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from ordo.adapters.clock import IST
from ordo.config import ConfigError, load_settings
from ordo.domain import BrokerSession
from ordo.errors import SessionExpired
from ordo.sessions.trading_day import (
    PreviousDaySession,
    from_earlier_day,
    refuse_previous_day,
    trading_day,
)
from pydantic import SecretStr

pytestmark = pytest.mark.usefixtures("clean_ordo_env")


def session_at(moment: datetime) -> BrokerSession:
    return BrokerSession(access_token=SecretStr("t"), logged_in_at=moment)


def test_the_trading_day_is_the_ist_date() -> None:
    # 20:00 UTC on 2 Dec is 01:30 IST on 3 Dec.
    assert trading_day(datetime(2026, 12, 2, 20, 0, tzinfo=UTC)).isoformat() == "2026-12-03"
    assert trading_day(datetime(2026, 12, 2, 18, 29, tzinfo=UTC)).isoformat() == "2026-12-02"


def test_a_session_from_an_earlier_ist_date_is_refused() -> None:
    opened = datetime(2026, 12, 2, 8, 45, tzinfo=IST)
    later_same_day = datetime(2026, 12, 2, 23, 59, tzinfo=IST)
    next_morning = datetime(2026, 12, 3, 0, 0, tzinfo=IST)
    assert not from_earlier_day(session_at(opened), later_same_day)
    assert from_earlier_day(session_at(opened), next_morning)
    refuse_previous_day("desk", session_at(opened), later_same_day)
    refuse_previous_day("desk", None, next_morning)  # no session: the adapter says so
    with pytest.raises(PreviousDaySession) as refused:
        refuse_previous_day("desk", session_at(opened), next_morning)
    assert isinstance(refused.value, SessionExpired)
    assert refused.value.code == "SESSION_EXPIRED"
    assert "'desk'" in refused.value.message
    assert "2026-12-02" in refused.value.message


def test_day_end_logout_is_an_ist_time_after_the_close(tmp_path: Path) -> None:
    settings = load_settings(None, data_dir=tmp_path, day_end_logout="16:00")
    assert settings.day_end_time() == time(16, 0)
    assert load_settings(None, data_dir=tmp_path).day_end_time() is None
    with pytest.raises(ConfigError, match=r"day_end_logout.*market hours"):
        load_settings(None, data_dir=tmp_path, day_end_logout="11:00")
    with pytest.raises(ConfigError, match="day_end_logout"):
        load_settings(None, data_dir=tmp_path, day_end_logout="25:00")
    with pytest.raises(ConfigError, match="day_end_logout and login_schedule"):
        load_settings(None, data_dir=tmp_path, day_end_logout="08:45", login_schedule="08:45")

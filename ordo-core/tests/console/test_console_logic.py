"""The console's pure parts: answer checks per challenge kind, which accounts "log in all"
visits, the kill switch's reason and cancel rows, and the session store's expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ordo.console.auth import ConsoleSessions
from ordo.console.logins import accounts_to_walk, check_answer, input_for
from ordo.console.pages_safety import cancel_rows, check_reason
from ordo.domain import AccountResult, ChallengeKind, ResultStatus, SessionState


@pytest.mark.parametrize(
    ("kind", "answer", "sent", "problem"),
    [
        (ChallengeKind.OTP, " 123 456 ", "123456", None),
        (ChallengeKind.OTP, "12-34", "1234", None),
        (ChallengeKind.OTP, "12a456", None, "digits only"),
        (ChallengeKind.OTP, "\uff11\uff12\uff13\uff14", None, "digits only"),  # full-width
        (ChallengeKind.TOTP, "123", None, "4 to 8 digits; 3 were entered"),
        (ChallengeKind.PIN, "123456789", None, "4 to 8 digits; 9 were entered"),
        (ChallengeKind.PIN, "4321", "4321", None),
        (ChallengeKind.PASSWORD, " s3cret pass ", "s3cret pass", None),
        (ChallengeKind.AUTH_CODE, "   ", None, "Enter the authorisation code."),
        (ChallengeKind.REDIRECT_URL, "x" * 4097, None, "too long"),
    ],
)
def test_answers_are_checked_before_the_broker_sees_them(
    kind: ChallengeKind, answer: str, sent: str | None, problem: str | None
) -> None:
    text, message = check_answer(kind, answer)
    if problem is None:
        assert message is None
        assert text == sent
    else:
        assert message is not None
        assert problem in message


def test_codes_get_the_digit_pad_and_the_sms_code() -> None:
    otp = input_for(ChallengeKind.OTP)
    assert (otp.inputmode, otp.autocomplete, otp.pattern) == (
        "numeric",
        "one-time-code",
        "[0-9]{4,8}",
    )
    assert input_for(ChallengeKind.PIN).type == "password"
    assert input_for(ChallengeKind.PASSWORD).autocomplete == "current-password"


def test_log_in_all_visits_the_accounts_without_a_session_in_order() -> None:
    states = {
        "a": SessionState.ACTIVE,
        "b": SessionState.EXPIRED,
        "c": SessionState.NONE,
        "d": SessionState.PENDING_CHALLENGE,
    }
    assert accounts_to_walk(states, everyone=False) == ["b", "c", "d"]
    assert accounts_to_walk(states, everyone=True) == ["a", "b", "c", "d"]


def test_a_reason_is_required_and_bounded() -> None:
    assert check_reason({"reason": "  strategy \n misbehaving "}) == ("strategy misbehaving", None)
    assert check_reason({})[1] is not None
    assert check_reason({"reason": "x" * 501})[1] == "Keep the reason under 500 characters."


def test_cancel_rows_show_each_order() -> None:
    results = [
        AccountResult(
            account="a",
            broker="mock",
            status=ResultStatus.SUCCESS,
            data={
                "cancelled": ["1", "2"],
                "failed": [{"order_id": "3", "error_code": "ORDER_REJECTED", "message": "late"}],
                "confirmed": {"1": "CANCELLED", "2": "UNCONFIRMED"},
            },
        ),
        AccountResult(
            account="b",
            broker="mock",
            status=ResultStatus.ERROR,
            error_code="SESSION_EXPIRED",
            message="not logged in",
        ),
    ]
    rows = cancel_rows(results)
    assert rows[0]["orders"] == [
        {"order_id": "1", "ok": True, "detail": "CANCELLED"},
        {"order_id": "2", "ok": True, "detail": "UNCONFIRMED"},
        {"order_id": "3", "ok": False, "detail": "ORDER_REJECTED: late"},
    ]
    assert rows[1] == {
        "account": "b",
        "status": "error",
        "error_code": "SESSION_EXPIRED",
        "message": "not logged in",
        "orders": [],
    }


def test_sessions_expire_and_end() -> None:
    now = datetime(2026, 1, 30, 9, 0, tzinfo=UTC)
    store = ConsoleSessions(timedelta(minutes=30), clock=lambda: now)
    cookie, session = store.create("ops")
    assert store.lookup(cookie) == (session, False)
    assert store.lookup("forged") == (None, False)
    assert store.lookup(None) == (None, False)
    later = ConsoleSessions(timedelta(minutes=30), clock=lambda: now)
    later_cookie, _ = later.create("ops")
    later.clock = lambda: now + timedelta(minutes=30)
    assert later.lookup(later_cookie) == (None, True)
    assert later.lookup(later_cookie) == (None, False)  # gone once seen expired
    assert store.end(cookie) == session
    assert store.lookup(cookie) == (None, False)
    assert cookie not in repr(store.__dict__)  # only a digest of the cookie is kept

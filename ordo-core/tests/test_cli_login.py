"""``ordo login`` against an in-process gateway: the CLI's sync ``Ordo`` client reaches the
app through an httpx transport injected as the click context object (``RemoteDeps``)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from ordo import hookimpl
from ordo.cli import build_cli
from ordo.cli.remote import RemoteDeps
from ordo.config import AccountConfig, Settings, load_settings
from ordo.domain import BrokerSession, ChallengeKind, LoginChallenge
from ordo.plugins import create_plugins
from ordo_adapter_mock.adapter import MockAdapter
from ordo_testing.threaded import ServerThread
from typer.testing import CliRunner, Result

pytestmark = pytest.mark.usefixtures("clean_ordo_env")

TOKEN = "cli-login-token-5d1f0a9c"
OTP = "24681097"
AUTH_CODE = "AC-7F3K9Q"
URL = "http://ordo.test"
T = TypeVar("T")


class RedirectAdapter(MockAdapter):
    """The paper broker behind a browser login: open a URL, paste back where it lands.
    The auth code in the redirected URL is the paper broker's OTP."""

    id: ClassVar[str] = "redirectpaper"

    def logs_in_unattended(self) -> bool:
        return False

    async def begin_login(self) -> LoginChallenge | BrokerSession:
        step = await super().begin_login()
        assert isinstance(step, LoginChallenge)
        return step.model_copy(
            update={
                "kind": ChallengeKind.REDIRECT_URL,
                "prompt": "Log in at the broker in a browser",
                "url": "https://broker.example/authorize?client_id=ORDO&state=s1",
            }
        )

    async def complete_login(
        self, challenge: LoginChallenge, answer: str
    ) -> LoginChallenge | BrokerSession:
        code = parse_qs(urlsplit(answer).query).get("auth_code", [answer])[0]
        return await super().complete_login(challenge, code)


class RedirectPlugin:
    __name__ = "redirect_plugin"

    @hookimpl
    def register_adapters(self, register: Any) -> None:
        register(RedirectAdapter)


def settings_for(tmp_path: Path, **accounts: dict[str, Any]) -> Settings:
    return load_settings(
        None,
        data_dir=tmp_path,
        api_token=TOKEN,
        accounts={name: AccountConfig(**config) for name, config in accounts.items()},
    )


def otp_account(**extra: Any) -> dict[str, Any]:
    return {"adapter": "mock", "settings": {"login_otp": OTP, **extra}}


def invoke(args: list[str], transport: httpx.BaseTransport | None, stdin: str = "") -> Result:
    """``ordo <args>`` with the URL and token of the in-process gateway."""
    return CliRunner().invoke(
        build_cli(),
        [*args, "--url", URL, "--token", TOKEN] if transport is not None else args,
        input=stdin,
        obj=RemoteDeps(transport=transport),
    )


def states(server: ServerThread) -> dict[str, str]:
    rows = server.api("GET", "/api/v1/accounts", TOKEN)["data"]
    return {row["name"]: row["session_state"] for row in rows}


def test_otp_login_reprompts_after_a_wrong_answer(tmp_path: Path) -> None:
    with ServerThread(settings_for(tmp_path, desk=otp_account())) as server:
        result = invoke(["login", "desk"], server.transport(), stdin=f"111111\n{OTP}\n")
        assert result.exit_code == 0, result.output
        assert "wrong OTP" in result.stderr
        assert "try again" in result.stderr
        assert "desk: ok: logged in until" in result.stderr
        # The summary table: the account, its state and an expiry in IST.
        assert "desk" in result.stdout
        assert "active" in result.stdout
        assert "IST" in result.stdout
        # Hidden input: neither answer is echoed anywhere.
        assert OTP not in result.output
        assert "111111" not in result.output
        assert states(server) == {"desk": "active"}


def test_login_gives_up_after_max_attempts(tmp_path: Path) -> None:
    with ServerThread(settings_for(tmp_path, desk=otp_account())) as server:
        result = invoke(
            ["login", "desk", "--max-attempts", "2"], server.transport(), stdin="1\n2\n3\n"
        )
        assert result.exit_code == 1, result.output
        assert "wrong answer 2 time(s); gave up" in result.stderr
        assert states(server) == {"desk": "pending_challenge"}


def test_an_expired_challenge_restarts_the_login_once(tmp_path: Path) -> None:
    with ServerThread(settings_for(tmp_path, desk=otp_account())) as server:
        sessions = server.runtime.sessions
        real_clock = sessions.clock
        answers_sent: list[str] = []

        def skew(request: httpx.Request) -> None:
            # The first answer arrives "an hour later": the server finds its challenge
            # expired. The fresh login after that runs on the real clock again.
            if request.method == "POST" and "/login/" in request.url.path:
                answers_sent.append(request.url.path)
                if len(answers_sent) == 1:
                    sessions.clock = lambda: real_clock() + timedelta(hours=1)
            elif request.method == "POST" and request.url.path.endswith("/login"):
                sessions.clock = real_clock

        result = invoke(["login", "desk"], server.transport(skew), stdin=f"{OTP}\n{OTP}\n")
        assert result.exit_code == 0, result.output
        assert "expired" in result.stderr
        assert "starting once more" in result.stderr
        assert len(answers_sent) == 2
        assert answers_sent[0] != answers_sent[1]  # a new challenge id after the restart
        assert states(server) == {"desk": "active"}


def test_a_challenge_that_keeps_expiring_fails_after_one_restart(tmp_path: Path) -> None:
    account = otp_account(challenge_ttl_seconds=0)
    with ServerThread(settings_for(tmp_path, desk=account)) as server:
        result = invoke(["login", "desk"], server.transport(), stdin=f"{OTP}\n{OTP}\n{OTP}\n")
        assert result.exit_code == 1, result.output
        assert result.stderr.count("expired") >= 2
        assert "CHALLENGE_EXPIRED" in result.stderr
        assert states(server) == {"desk": "none"}


def test_all_logs_in_only_inactive_accounts_from_stdin(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, desk=otp_account(), paper={"adapter": "mock"})
    with ServerThread(settings) as server:
        assert states(server) == {"desk": "none", "paper": "active"}
        result = invoke(["login", "--all", "--answer-from-stdin"], server.transport(), OTP + "\n")
        assert result.exit_code == 0, result.output
        assert "desk: ok" in result.stderr
        assert "paper: ok" not in result.stderr  # already active: not logged in again
        assert result.stdout.count("active") == 2
        assert states(server) == {"desk": "active", "paper": "active"}

        again = invoke(["login", "--all"], server.transport())
        assert again.exit_code == 0, again.output
        assert "already active" in again.stderr


def test_answer_from_stdin_that_runs_dry_fails_the_account(tmp_path: Path) -> None:
    with ServerThread(settings_for(tmp_path, desk=otp_account())) as server:
        result = invoke(["login", "desk", "--answer-from-stdin"], server.transport(), "")
        assert result.exit_code == 1, result.output
        assert "no more lines" in result.stderr
        assert "pending_challenge" in result.stdout


@pytest.mark.parametrize(
    "pasted",
    [f"https://127.0.0.1:8765/callback?auth_code={AUTH_CODE}&state=s1", AUTH_CODE],
    ids=["redirected-url", "bare-code"],
)
def test_redirect_flow_prints_the_url_and_takes_the_pasted_answer(
    tmp_path: Path, pasted: str
) -> None:
    plugins = create_plugins(allow="mock", extra_plugins=[RedirectPlugin()])
    account = {"adapter": "redirectpaper", "settings": {"login_otp": AUTH_CODE}}
    with ServerThread(settings_for(tmp_path, web=account), plugins) as server:
        result = invoke(["login", "web"], server.transport(), stdin=pasted + "\n")
        assert result.exit_code == 0, result.output
        assert "https://broker.example/authorize?client_id=ORDO&state=s1" in result.stderr
        assert "paste the URL you were redirected to" in result.stdout  # the prompt
        assert states(server) == {"web": "active"}


def test_wrong_token_is_one_clear_line(tmp_path: Path) -> None:
    with ServerThread(settings_for(tmp_path, desk=otp_account())) as server:
        result = CliRunner().invoke(
            build_cli(),
            ["login", "desk", "--url", URL, "--token", "not-the-token"],
            obj=RemoteDeps(transport=server.transport()),
        )
        assert result.exit_code == 1
        assert "refused the API token" in result.stderr
        assert "not-the-token" not in result.output
        assert "Traceback" not in result.output
        assert states(server) == {"desk": "none"}


def test_unknown_account_and_bad_arguments(tmp_path: Path) -> None:
    with ServerThread(settings_for(tmp_path, desk=otp_account())) as server:
        unknown = invoke(["login", "nosuch"], server.transport())
        assert unknown.exit_code == 1
        assert "unknown account(s): nosuch (configured: desk)" in unknown.stderr

        both = invoke(["login", "desk", "--all"], server.transport())
        assert both.exit_code == 2
        assert "not both" in both.stderr

        neither = invoke(["login"], server.transport())
        assert neither.exit_code == 2
        assert "--all" in neither.stderr


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_unreachable_server_and_missing_token() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    result = CliRunner().invoke(build_cli(), ["login", "desk", "--url", url, "--token", TOKEN])
    assert result.exit_code == 2
    assert f"cannot reach the Ordo server at {url}" in result.stderr
    assert "Traceback" not in result.output

    missing = CliRunner().invoke(build_cli(), ["login", "desk", "--url", url])
    assert missing.exit_code == 2
    assert "no API token" in missing.stderr

    from_env = CliRunner().invoke(
        build_cli(), ["login", "desk"], env={"ORDO_URL": url, "ORDO_TOKEN": TOKEN}
    )
    assert from_env.exit_code == 2
    assert f"cannot reach the Ordo server at {url}" in from_env.stderr


def test_session_expiry_is_shown_in_ist(tmp_path: Path) -> None:
    with ServerThread(settings_for(tmp_path, desk=otp_account(session_ttl_seconds=3600))) as srv:
        before = datetime.now(UTC)
        result = invoke(["login", "desk", "--answer-from-stdin"], srv.transport(), OTP + "\n")
        assert result.exit_code == 0, result.output
        row = srv.api("GET", "/api/v1/accounts", TOKEN)["data"][0]
        expires = datetime.fromisoformat(row["expires_at"])
        assert timedelta(minutes=59) < expires - before <= timedelta(hours=1, seconds=5)
        shown = expires.astimezone(UTC) + timedelta(hours=5, minutes=30)
        assert shown.strftime("%Y-%m-%d %H:%M:%S") in result.stdout
        assert "(IST)" in result.stdout
        assert max(len(line) for line in result.stdout.splitlines()) <= 80

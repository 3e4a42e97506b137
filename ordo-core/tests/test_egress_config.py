"""``accounts.<name>.egress``: malformed values, what this host cannot use, and the sharing
rule (two accounts outside one family never on one egress IP), through ``load_settings``,
``ordo config check`` and ``ordo serve``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ordo.cli import build_cli, serve_cmd
from ordo.config import ConfigError, Settings, load_settings
from ordo.egress.checks import egresses
from ordo.plugins import Plugins
from typer.testing import CliRunner, Result

runner = CliRunner()


def settings_with(tmp_path: Path, **accounts: dict[str, Any]) -> Settings:
    return load_settings(
        None,
        data_dir=tmp_path,
        accounts={name: {"adapter": "mock", **fields} for name, fields in accounts.items()},
    )


def write_config(tmp_path: Path, text: str) -> Path:
    config = tmp_path / "ordo.yaml"
    config.write_text(text, encoding="utf-8")
    return config


def no_dns(host: str, port: int) -> list[str]:
    """Tests never resolve names; an IP literal resolves to itself."""
    import ipaddress

    return [str(ipaddress.ip_address(host))]


@pytest.mark.parametrize(
    ("egress", "field", "words"),
    [
        (
            {"source_address": "203.0.113.300", "registered_ips": ["203.0.113.10"]},
            "accounts.desk.egress.source_address",
            "IPv4 or IPv6 address",
        ),
        (
            {"proxy": "ftp://127.0.0.1:21", "registered_ips": ["203.0.113.10"]},
            "accounts.desk.egress.proxy",
            "unknown proxy scheme ftp://",
        ),
        (
            {"proxy": "socks5://user:pw@127.0.0.1:1080", "registered_ips": ["203.0.113.10"]},
            "accounts.desk.egress.proxy",
            "proxy_username and proxy_password",
        ),
        (
            {"proxy": "http://127.0.0.1", "registered_ips": ["203.0.113.10"]},
            "accounts.desk.egress.proxy",
            "explicit port",
        ),
        (
            {"registered_ips": ["203.0.113.10", "203.0.113.11", "203.0.113.12"]},
            "accounts.desk.egress.registered_ips",
            "at most 2",
        ),
        ({"registered_ips": []}, "accounts.desk.egress.registered_ips", "at least 1"),
        ({"source_address": "127.0.0.2"}, "accounts.desk.egress.registered_ips", "required"),
        (
            {"registered_ips": ["203.0.113.10", "203.0.113.010"]},
            "accounts.desk.egress.registered_ips",
            "IPv4 or IPv6",
        ),
        (
            {"registered_ips": ["203.0.113.10", "203.0.113.10"]},
            "accounts.desk.egress.registered_ips",
            "must differ",
        ),
        (
            {
                "source_address": "127.0.0.2",
                "proxy": "http://127.0.0.1:3128",
                "registered_ips": ["203.0.113.10"],
            },
            "accounts.desk.egress",
            "not both",
        ),
        (
            {"proxy_password": "x-secret-x", "registered_ips": ["203.0.113.10"]},
            "accounts.desk.egress",
            "need a proxy",
        ),
        (
            {"registered_ips": ["203.0.113.10"], "family": "Sharma Family"},
            "accounts.desk.egress.family",
            "family names",
        ),
        (
            {"registered_ips": ["203.0.113.10"], "sourceaddress": "127.0.0.2"},
            "accounts.desk.egress.sourceaddress",
            "unknown field",
        ),
    ],
)
def test_malformed_egress_names_the_field(
    tmp_path: Path, egress: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        settings_with(tmp_path, desk={"egress": egress})
    message = str(raised.value)
    assert f"{field}:" in message
    assert words in message


def test_a_missing_proxy_secret_names_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_ordo_env: None
) -> None:
    monkeypatch.delenv("EGRESS_PROXY_PASSWORD", raising=False)
    config = write_config(
        tmp_path,
        "accounts:\n  desk:\n    adapter: mock\n    egress:\n"
        "      proxy: socks5://127.0.0.1:1080\n      proxy_username: desk\n"
        "      proxy_password: {env: EGRESS_PROXY_PASSWORD}\n"
        "      registered_ips: [203.0.113.10]\n",
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    message = str(raised.value)
    assert "accounts.desk.egress.proxy_password" in message
    assert "EGRESS_PROXY_PASSWORD is not set" in message


def test_a_source_address_this_host_lacks_is_refused(tmp_path: Path) -> None:
    settings = settings_with(
        tmp_path,
        desk={"egress": {"source_address": "203.0.113.10", "registered_ips": ["203.0.113.10"]}},
    )
    with pytest.raises(ConfigError) as raised:
        egresses(settings.accounts)
    message = str(raised.value)
    assert message.startswith("accounts.desk.egress.source_address: this host has no address")
    assert "203.0.113.10" in message


def test_a_proxy_host_that_does_not_resolve_is_refused(tmp_path: Path) -> None:
    settings = settings_with(
        tmp_path,
        desk={"egress": {"proxy": "http://proxy.invalid:3128", "registered_ips": ["203.0.113.10"]}},
    )

    def unresolvable(host: str, port: int) -> list[str]:
        raise OSError(-2, "Name or service not known")

    with pytest.raises(ConfigError) as raised:
        egresses(settings.accounts, resolve=unresolvable)
    assert str(raised.value).startswith("accounts.desk.egress.proxy: the proxy host does not")


def test_socks_without_socksio_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ordo.egress import checks

    settings = settings_with(
        tmp_path,
        desk={"egress": {"proxy": "socks5://127.0.0.1:1080", "registered_ips": ["127.0.0.5"]}},
    )
    monkeypatch.setattr(checks, "socks_supported", lambda: False)
    with pytest.raises(ConfigError) as raised:
        egresses(settings.accounts, resolve=no_dns)
    assert "accounts.desk.egress.proxy" in str(raised.value)
    assert "pip install 'ordo-core[socks]'" in str(raised.value)


def test_egress_of_each_account_is_built(tmp_path: Path) -> None:
    settings = settings_with(
        tmp_path,
        bound={"egress": {"source_address": "127.0.0.2", "registered_ips": ["127.0.0.2"]}},
        proxied={
            "egress": {
                "proxy": "socks5://127.0.0.1:1080",
                "proxy_username": "desk",
                "proxy_password": "pw-0123456789",
                "registered_ips": ["198.51.100.7", "198.51.100.8"],
            }
        },
        plain={},
        off={"enabled": False, "egress": {"registered_ips": ["127.0.0.2"]}},
    )
    built = egresses(settings.accounts, resolve=no_dns)
    assert sorted(built) == ["bound", "proxied"]
    assert built["bound"].local_address == "127.0.0.2"
    assert built["bound"].describe() == "source 127.0.0.2"
    proxied = built["proxied"]
    assert proxied.describe() == "proxy socks5://127.0.0.1:1080"
    assert proxied.proxy_url() == "socks5://desk:pw-0123456789@127.0.0.1:1080"
    assert proxied.proxy_url(with_credentials=False) == "socks5://127.0.0.1:1080"
    assert "pw-0123456789" not in repr(proxied)
    assert proxied.registered_ips == ("198.51.100.7", "198.51.100.8")


SHARED = {"registered_ips": ["203.0.113.10"]}
USER_A = {"proxy_username": "anil", "proxy_password": "pw-anil-0123456789"}
USER_B = {"proxy_username": "bina", "proxy_password": "pw-bina-0123456789"}


@pytest.mark.parametrize(
    ("first", "second", "shown"),
    [
        (SHARED, SHARED, "IP 203.0.113.10"),
        (SHARED, {"registered_ips": ["203.0.113.99", "203.0.113.10"]}, "IP 203.0.113.10"),
        (
            {"source_address": "127.0.0.2", "registered_ips": ["203.0.113.10"]},
            {"source_address": "127.0.0.2", "registered_ips": ["203.0.113.11"]},
            "IP 127.0.0.2",
        ),
        (
            {"proxy": "http://127.0.0.1:3128", "registered_ips": ["203.0.113.10"]},
            {"proxy": "http://127.0.0.1:3128", "registered_ips": ["203.0.113.11"]},
            "proxy endpoint 127.0.0.1:3128",
        ),
        (
            {"proxy": "http://127.0.0.1:3128", "registered_ips": ["203.0.113.10"], **USER_A},
            {"proxy": "http://127.0.0.1:3128", "registered_ips": ["203.0.113.11"], **USER_A},
            "proxy endpoint 127.0.0.1:3128 as the same proxy user",
        ),
        ({**SHARED, "family": "sharma"}, SHARED, "IP 203.0.113.10"),
        ({**SHARED, "family": "sharma"}, {**SHARED, "family": "verma"}, "IP 203.0.113.10"),
    ],
)
def test_two_accounts_outside_one_family_never_share_an_egress(
    tmp_path: Path, first: dict[str, Any], second: dict[str, Any], shown: str
) -> None:
    settings = settings_with(tmp_path, anil={"egress": first}, bina={"egress": second})
    with pytest.raises(ConfigError) as raised:
        egresses(settings.accounts, resolve=no_dns)
    message = str(raised.value)
    assert message.startswith("accounts.anil.egress and accounts.bina.egress: accounts anil ")
    assert "and bina share egress " + shown in message
    assert "not one family" in message


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({**SHARED, "family": "sharma"}, {**SHARED, "family": "sharma"}),
        (
            {"proxy": "http://127.0.0.1:3128", "registered_ips": ["203.0.113.10"]},
            {"proxy": "http://127.0.0.1:3129", "registered_ips": ["203.0.113.11"]},
        ),
        (
            {"source_address": "127.0.0.2", "registered_ips": ["127.0.0.2"]},
            {"source_address": "127.0.0.3", "registered_ips": ["127.0.0.3"]},
        ),
        (  # a provider giving each proxy user its own static IP
            {"proxy": "http://127.0.0.1:3128", "registered_ips": ["203.0.113.10"], **USER_A},
            {"proxy": "http://127.0.0.1:3128", "registered_ips": ["203.0.113.11"], **USER_B},
        ),
    ],
)
def test_family_accounts_and_distinct_egresses_pass(
    tmp_path: Path, first: dict[str, Any], second: dict[str, Any]
) -> None:
    settings = settings_with(tmp_path, anil={"egress": first}, bina={"egress": second})
    assert sorted(egresses(settings.accounts, resolve=no_dns)) == ["anil", "bina"]


def test_a_disabled_account_is_not_compared(tmp_path: Path) -> None:
    settings = settings_with(
        tmp_path, anil={"egress": SHARED}, bina={"egress": SHARED, "enabled": False}
    )
    assert sorted(egresses(settings.accounts, resolve=no_dns)) == ["anil"]


TWO_ON_ONE_IP = """\
accounts:
  anil:
    adapter: mock
    egress:
      source_address: 127.0.0.2
      registered_ips: [203.0.113.10]{family_a}
  bina:
    adapter: mock
    egress:
      source_address: 127.0.0.3
      registered_ips: [203.0.113.10]{family_b}
"""


def test_config_check_refuses_two_non_family_accounts_on_one_ip(
    tmp_path: Path, clean_ordo_env: None
) -> None:
    config = write_config(tmp_path, TWO_ON_ONE_IP.format(family_a="", family_b=""))
    result = runner.invoke(build_cli(), ["config", "check", str(config)])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert text.count("share egress") == 1
    assert "accounts anil and bina share egress IP 203.0.113.10" in text


def test_config_check_accepts_family_accounts_on_one_ip(
    tmp_path: Path, clean_ordo_env: None
) -> None:
    family = "\n      family: sharma"
    config = write_config(tmp_path, TWO_ON_ONE_IP.format(family_a=family, family_b=family))
    result = runner.invoke(build_cli(), ["config", "check", str(config)])
    assert result.exit_code == 0, result.output
    assert "anil, bina" in result.output


def test_config_check_refuses_a_source_address_the_host_lacks(
    tmp_path: Path, clean_ordo_env: None
) -> None:
    config = write_config(
        tmp_path,
        "accounts:\n  desk:\n    adapter: mock\n    egress:\n"
        "      source_address: 192.0.2.77\n      registered_ips: [192.0.2.77]\n",
    )
    result = runner.invoke(build_cli(), ["config", "check", str(config)])
    assert result.exit_code == 2, result.output
    assert "accounts.desk.egress.source_address: this host has no address" in " ".join(
        result.output.split()
    )


class NeverServed:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, settings: Settings, plugins: Plugins) -> None:
        self.calls += 1


def serve(config: Path, data_dir: Path) -> Result:
    arguments = ["serve", "--config", str(config), "--data-dir", str(data_dir)]
    return runner.invoke(build_cli(), arguments)


def test_serve_refuses_two_non_family_accounts_on_one_ip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_ordo_env: None
) -> None:
    never = NeverServed()
    monkeypatch.setattr(serve_cmd, "run_server", never)
    config = write_config(tmp_path, TWO_ON_ONE_IP.format(family_a="", family_b=""))
    result = serve(config, tmp_path / "data")
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "accounts anil and bina share egress IP 203.0.113.10" in lines[0]
    assert never.calls == 0


def test_serve_starts_family_accounts_on_one_ip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_ordo_env: None
) -> None:
    never = NeverServed()
    monkeypatch.setattr(serve_cmd, "run_server", never)
    family = "\n      family: sharma"
    config = write_config(tmp_path, TWO_ON_ONE_IP.format(family_a=family, family_b=family))
    result = serve(config, tmp_path / "data")
    assert result.exit_code == 0, result.output
    assert never.calls == 1

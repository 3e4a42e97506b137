"""Ordo's log handler: level, JSON lines, the request id on every line, redaction of secret
values, bearer tokens and JWTs in messages, extras and tracebacks."""

from __future__ import annotations

import json
import logging

import pytest
from loguru import logger
from ordo.context import request_id_var
from ordo.logs import install_logging, route_stdlib_logging

SECRET = "s3cr3t-Value-991"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


@pytest.fixture
def lines() -> list[str]:
    return []


def capture(level: str, as_json: bool, out: list[str]) -> int:
    return install_logging(level, as_json=as_json, secrets=lambda: [SECRET], sink=out.append)


def test_level_filters(lines: list[str]) -> None:
    handler = capture("ERROR", False, lines)
    try:
        logger.info("quiet")
        logger.error("loud")
    finally:
        logger.remove(handler)
    assert len(lines) == 1
    assert "loud" in lines[0]
    assert "ERROR" in lines[0]


def test_text_lines_carry_the_request_id_and_are_redacted(lines: list[str]) -> None:
    handler = capture("DEBUG", False, lines)
    token = request_id_var.set("req-42")
    try:
        logger.debug("calling with {} and Bearer abcdef123456 and {}", SECRET, JWT)
        logger.info("braces {literal} stay", literal="{x}")
    finally:
        request_id_var.reset(token)
        logger.remove(handler)
    assert "| req-42 |" in lines[0]
    assert SECRET not in lines[0]
    assert "abcdef123456" not in lines[0]
    assert JWT not in lines[0]
    assert "***" in lines[0]
    assert "{x} stay" in lines[1]


def test_json_lines(lines: list[str]) -> None:
    handler = capture("INFO", True, lines)
    token = request_id_var.set("req-7")
    try:
        logger.bind(account="paper", api_token=SECRET).warning("odd thing {}", 5)
    finally:
        request_id_var.reset(token)
        logger.remove(handler)
    record = json.loads(lines[0])
    assert record["level"] == "WARNING"
    assert record["request_id"] == "req-7"
    assert record["message"] == "odd thing 5"
    assert record["extra"] == {"account": "paper", "api_token": "***"}
    assert record["time"].count(":") >= 2


def test_tracebacks_are_redacted_and_show_no_locals(lines: list[str]) -> None:
    handler = capture("INFO", True, lines)
    try:
        password = SECRET
        try:
            raise ValueError(f"login refused for {password}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.remove(handler)
    record = json.loads(lines[0])
    assert "ValueError" in record["exception"]
    assert SECRET not in lines[0]


def test_standard_library_logging_reaches_loguru(lines: list[str]) -> None:
    handler = capture("INFO", False, lines)
    previous = logging.getLogger().handlers[:], logging.getLogger().level
    try:
        route_stdlib_logging("INFO")
        logging.getLogger("uvicorn.error").info("started with %s", SECRET)
    finally:
        logger.remove(handler)
        logging.getLogger().handlers, _ = previous
        logging.getLogger().setLevel(previous[1])
    assert any("started with ***" in line for line in lines)

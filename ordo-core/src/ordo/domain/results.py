"""Per-account results and the collated response of a fanned-out request."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ResultStatus(StrEnum):
    SUCCESS = "success"
    ERROR = "error"
    UNKNOWN = "unknown"
    """The broker may have acted; reconciliation has not yet decided."""


class AccountResult(BaseModel):
    """The outcome of one request leg on one account."""

    account: str
    broker: str
    status: ResultStatus
    data: Any = None
    error_code: str | None = None
    message: str = ""
    retryable: bool = False
    http_status: int | None = Field(default=None, exclude=True, repr=False)
    """The HTTP status of this leg's error (from its error class); not part of the JSON:
    collation reads it to answer with the legs' common status."""


class Rejection(BaseModel):
    """A pre-trade check's refusal: a machine-readable code and a message a user can act on."""

    code: str
    message: str
    check: str = ""

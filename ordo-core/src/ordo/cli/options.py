"""Options shared by several commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="YAML configuration file (default: $ORDO_CONFIG).",
        exists=False,
        dir_okay=False,
    ),
]


def cli_logging() -> None:
    """Log as a command line tool does: warnings and errors only, one plain line each on
    stderr (loguru's default handler would print debug lines, tracebacks included)."""
    from loguru import logger

    logger.remove()

    # A function sink looks sys.stderr up at each write, so a replaced stream (a test runner's)
    # is never written to after it is closed.
    def to_stderr(line: str) -> None:
        sys.stderr.write(line)

    logger.add(
        to_stderr,
        level="WARNING",
        format="{message}",
        backtrace=False,
        diagnose=False,
    )

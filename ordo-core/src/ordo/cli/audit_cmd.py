"""``ordo audit verify``: check the audit file's hash chain across rotated files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ordo.audit.chain import verify_files
from ordo.audit.files import audit_files
from ordo.cli.options import ConfigOption
from ordo.config import ConfigError, load_settings

app = typer.Typer(no_args_is_help=True, help="Audit trail tools.")


@app.command("verify")
def verify(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Audit files, oldest first (default: the configured audit file and its "
            "rotated files).",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Report the first altered, removed or reordered line; exit 1 if there is one."""
    console = Console(highlight=False)
    if files:
        paths = list(files)
        missing = [p for p in paths if not p.is_file()]
        if missing:
            console.print(f"[red]no such file:[/red] {', '.join(map(str, missing))}")
            raise typer.Exit(2)
    else:
        try:
            settings = load_settings(config)
        except ConfigError as exc:
            console.print(f"[red]invalid configuration:[/red] {exc}")
            raise typer.Exit(2) from None
        paths = audit_files(settings.resolved_audit_file())
        if not paths:
            console.print(f"[red]no audit file at {settings.resolved_audit_file()}[/red]")
            raise typer.Exit(2)
    report = verify_files(paths)
    if report.failure is not None:
        failure = report.failure
        console.print(
            f"[red]FAILED[/red] {failure.file}:{failure.line}: {failure.reason} "
            f"({report.lines} line(s) verified before it)"
        )
        raise typer.Exit(1)
    start = (
        "from the first entry"
        if report.starts_at_genesis
        else f"from entry {report.first_seq} (older files rotated away)"
    )
    console.print(
        f"[green]OK[/green] {report.lines} line(s) in {len(paths)} file(s), chain intact {start}"
    )

"""``ordo adapters``: commands about installed broker adapters.

``ordo adapters check ID`` runs the compliance suite for one adapter against the fake its
package ships and prints the capability matrix (declared vs verified).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from ordo_testing.runner import ComplianceReport
    from rich.table import Table

app = typer.Typer(help="Inspect and verify installed broker adapters.", no_args_is_help=True)

AREAS = "contract, session, portfolio, quotes, instruments, orders, errors, tags"
INSTALL_HINT = "install ordo-testing (pip install ordo-testing) to run the compliance suite"
_STYLE = {"passed": "green", "failed": "bold red", "skipped": "yellow", "untested": "dim"}


def missing_kit() -> str | None:
    """Why the compliance suite cannot run here, or ``None``: the author's kit
    (``ordo-testing``, which brings pytest and pytest-asyncio) is a separate distribution so
    that a runtime install never carries test tools."""
    from importlib.util import find_spec

    absent = [m for m in ("ordo_testing", "pytest", "pytest_asyncio") if find_spec(m) is None]
    if absent:
        return f"{', '.join(absent)} not installed: {INSTALL_HINT}"
    return None


@app.callback()
def adapters() -> None:
    """Inspect and verify installed broker adapters."""


@app.command("check")
def check(
    adapter_id: str = typer.Argument(..., metavar="ID", help="adapter id, e.g. fyers or mock"),
    area: list[str] = typer.Option(
        [],
        "--area",
        "-a",
        help=f"limit to these areas (repeatable): {AREAS}",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="show pytest's own output"),
) -> None:
    """Run the compliance suite for adapter ID against its fake and print the matrix.

    Exits 1 when a declared (or required) capability fails, 2 when the adapter or its
    harness cannot be found or the suite cannot run.
    """
    from rich.console import Console

    console = Console()
    problem = missing_kit()
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    from ordo_testing.runner import run_compliance

    try:
        report = run_compliance(adapter_id, areas=area or None, verbose=verbose)
    except (LookupError, ValueError, TypeError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(render_matrix(report))
    for failure in report.failures:
        console.print(f"[red]FAILED[/red] {failure.nodeid}: {failure.message}", highlight=False)
    for error in report.errors:
        console.print(f"[red]ERROR[/red] {error}", highlight=False)
    if report.ok:
        console.print(f"[green]{adapter_id}: every declared capability verified[/green]")
        return
    console.print(f"[red]{adapter_id}: not compliant[/red]")
    raise typer.Exit(1)


def render_matrix(report: ComplianceReport) -> Table:
    """The capability matrix as a rich table."""
    from ordo_testing.runner import Verdict
    from rich.table import Table

    cls = report.adapter_cls
    table = Table(title=f"{cls.display_name} ({report.adapter_id}) compliance")
    table.add_column("capability")
    table.add_column("required")
    table.add_column("declared")
    table.add_column("verified")
    table.add_column("tests", justify="right")
    for row in report.rows:
        verdict = row.verified
        declared = "yes" if row.declared else ("[red]no[/red]" if row.required else "no")
        passed = sum(t.outcome is Verdict.PASSED for t in row.tests)
        table.add_row(
            row.name,
            "yes" if row.required else "",
            declared,
            f"[{_STYLE[verdict.value]}]{verdict.value}[/]",
            f"{passed}/{len(row.tests)}",
        )
    return table

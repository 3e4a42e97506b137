"""``ordo adapters``: commands about installed broker adapters.

``ordo adapters check ID`` runs the compliance suite for one adapter against the fake its
package ships and prints the capability matrix (declared vs verified).
"""

from __future__ import annotations

import typer
from ordo_testing.runner import (
    AREA_SUITES,
    ComplianceReport,
    Verdict,
    missing_test_dependencies,
    run_compliance,
)
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Inspect and verify installed broker adapters.", no_args_is_help=True)

_STYLE = {
    Verdict.PASSED: "green",
    Verdict.FAILED: "bold red",
    Verdict.SKIPPED: "yellow",
    Verdict.UNTESTED: "dim",
}


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
        help=f"limit to these areas (repeatable): {', '.join(AREA_SUITES)}",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="show pytest's own output"),
) -> None:
    """Run the compliance suite for adapter ID against its fake and print the matrix.

    Exits 1 when a declared (or required) capability fails, 2 when the adapter or its
    harness cannot be found or the suite cannot run.
    """
    console = Console()
    missing = missing_test_dependencies()
    if missing:
        console.print(
            f"[red]the compliance suite needs {', '.join(missing)}[/red]: "
            "install ordo-core[testing]"
        )
        raise typer.Exit(2)
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
            f"[{_STYLE[verdict]}]{verdict.value}[/]",
            f"{passed}/{len(row.tests)}",
        )
    return table

"""``ordo keys generate|rotate``: the Fernet keys that encrypt sessions and credentials.

Rotation: put a new key in front of ``ORDO_SECRET_KEY`` (``NEW,OLD``), run ``ordo keys
rotate`` with the server stopped, start the server, then drop ``OLD``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from ordo.cli.options import ConfigOption
from ordo.config import ConfigError, Settings, load_settings
from ordo.extras import check_extras
from ordo.persistence.db import Database
from ordo.persistence.tables import CredentialRecord, SessionRecord
from ordo.sessions.crypto import (
    KEY_FILE_NAME,
    SecretBox,
    SecretKeyError,
    load_or_create_key_file,
)

app = typer.Typer(no_args_is_help=True)


class RotationError(Exception):
    """A stored value could not be re-encrypted; nothing was written. Names the record,
    never its content."""


@dataclass(frozen=True)
class RotationReport:
    sessions: int
    credentials: int
    fingerprint: str


async def rotate_stored_secrets(db: Database, box: SecretBox) -> RotationReport:
    """Re-encrypt every stored session and credential under ``box``'s newest key.

    Everything is re-encrypted in memory first and written in one transaction, so a value
    that no configured key opens aborts the rotation before anything changes.
    """
    await db.create_all()
    async with db.session() as s:
        sessions = list(
            (await s.exec(select(SessionRecord).order_by(col(SessionRecord.account)))).all()
        )
        credentials = list(
            (
                await s.exec(
                    select(CredentialRecord).order_by(
                        col(CredentialRecord.account), col(CredentialRecord.name)
                    )
                )
            ).all()
        )
        rotated_sessions: list[tuple[SessionRecord, str]] = []
        for record in sessions:
            if record.encrypted_session:
                where = f"the session of account {record.account!r}"
                rotated_sessions.append((record, _rotate(box, record.encrypted_session, where)))
        rotated_credentials: list[tuple[CredentialRecord, str]] = []
        for credential in credentials:
            where = f"credential {credential.name!r} of account {credential.account!r}"
            rotated_credentials.append(
                (credential, _rotate(box, credential.encrypted_value, where))
            )
        for record, value in rotated_sessions:
            record.encrypted_session = value
            s.add(record)
        for credential, value in rotated_credentials:
            credential.encrypted_value = value
            s.add(credential)
        await s.commit()
    return RotationReport(len(rotated_sessions), len(rotated_credentials), box.fingerprint)


def _rotate(box: SecretBox, token: str, where: str) -> str:
    try:
        return box.rotate(token)
    except SecretKeyError as exc:
        raise RotationError(f"{where}: {exc}") from None


def rotation_keys(settings: Settings) -> tuple[list[str], Path | None]:
    """``ORDO_SECRET_KEY``'s keys (newest first), followed by the generated key file's key
    when one exists and is not listed: a quickstart database moves to a configured key by
    rotating once. Returns the keys and the key file used, if any."""
    keys = settings.secret_keys()
    path = settings.data_dir.expanduser() / KEY_FILE_NAME
    if not path.is_file():
        return keys, None
    file_key = load_or_create_key_file(path)
    if file_key in keys:
        return keys, None
    return [*keys, file_key], path


@app.command("generate")
def generate() -> None:
    """Print a new random Fernet key (for ORDO_SECRET_KEY)."""
    typer.echo(SecretBox.generate_key())


@app.command("rotate")
def rotate(config: ConfigOption = None) -> None:
    """Re-encrypt every stored session and credential under the newest key of
    ORDO_SECRET_KEY (the first of its comma-separated keys).

    Stop the server first: a running server keeps encrypting with the keys it started
    with. Put the new key in front (ORDO_SECRET_KEY=NEW,OLD), run this, start the server
    with NEW,OLD, and once it runs fine drop OLD. Works directly on the database the
    settings name (ORDO_DATABASE_URL or <data_dir>/ordo.db).
    """
    console = Console(stderr=True, highlight=False)
    try:
        settings = load_settings(config)
        check_extras(settings.database_url, None)
    except ConfigError as exc:
        console.print(f"[red]invalid configuration:[/red] {exc}")
        raise typer.Exit(2) from None
    if not settings.secret_keys():
        console.print(
            "[red]error:[/red] ORDO_SECRET_KEY is not set: set it to the new key followed by "
            "the old ones (NEW,OLD); `ordo keys generate` makes a key"
        )
        raise typer.Exit(2)
    url = settings.resolved_database_url()
    database = make_url(url).database
    if make_url(url).get_backend_name() == "sqlite" and not (
        database and Path(database).expanduser().is_file()
    ):
        console.print(f"[red]error:[/red] no database at {database}: nothing to rotate")
        raise typer.Exit(2)
    try:
        keys, key_file = rotation_keys(settings)
        box = SecretBox(keys)
        report = asyncio.run(_rotate_database(url, box))
    except (SecretKeyError, RotationError) as exc:
        console.print(f"[red]error:[/red] nothing was changed: {exc}", markup=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"re-encrypted {report.sessions} session(s) and {report.credentials} credential(s) "
        f"under the newest key ({report.fingerprint})"
    )
    if key_file is not None:
        typer.echo(f"the key in {key_file} is no longer needed for this database")
    if box.key_count > 1:
        typer.echo("start the server, then remove the older keys from ORDO_SECRET_KEY")


async def _rotate_database(url: str, box: SecretBox) -> RotationReport:
    db = Database(url)
    try:
        return await rotate_stored_secrets(db, box)
    finally:
        await db.dispose()

"""Backing up and restoring the whole database: SQLite's online backup, or PostgreSQL's pg_dump / pg_restore."""

import os
import shutil
import sqlite3
import subprocess

from sqlalchemy.engine import make_url

from .extensions import db


class BackupError(RuntimeError):
    """A backup or restore that could not be made, in words for whoever runs it."""


def _sqlite_path(url) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return url.database


def _libpq_url(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client, the same major version as the server).")
    return found


def backup(target: str) -> str:
    """Write a consistent copy of the live database to `target`, while the app keeps running."""
    url = make_url(db.engine.url)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(_sqlite_path(url)) as source, sqlite3.connect(target) as copy:
            source.backup(copy)  # SQLite's online backup: a consistent snapshot, writers keep working
        return "sqlite"
    if url.get_backend_name() == "postgresql":
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", _libpq_url(url)])
        return "postgresql"
    raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")


def restore(source: str) -> None:
    """Replace the database's contents with a backup made by `backup()` (stop the app servers first)."""
    if not os.path.exists(source):
        raise BackupError(f"There is no backup file at {source}.")
    url = make_url(db.engine.url)
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(source) as backup_copy, sqlite3.connect(_sqlite_path(url)) as live:
            backup_copy.backup(live)
        return
    if url.get_backend_name() == "postgresql":
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url(url)}", source])
        return
    raise BackupError(f"Restoring {url.get_backend_name()} databases is not supported.")


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tools
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{os.path.basename(command[0])} failed")

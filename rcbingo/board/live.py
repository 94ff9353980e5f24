"""Telling wall displays that their board changed, across workers and hosts.

Every transaction that changes what a unit's walls show bumps that unit's `BoardVersion` and, on
PostgreSQL, sends NOTIFY inside the same transaction (delivered only if it commits). Each server process
keeps one watcher: on PostgreSQL a LISTEN connection, on SQLite (one host) a cheap poll of the versions
table. Streams wait on the watcher, never on the database.
"""

import logging
import threading
import time

from sqlalchemy import select, text, update

from ..extensions import db
from .models import BoardVersion, Display

CHANNEL = "rcbingo_board"
SQLITE_POLL_SECONDS = 0.2
log = logging.getLogger(__name__)


def bump(session, unit_id: int) -> None:
    """Mark a unit's board as changed, in the caller's transaction."""
    changed = session.execute(update(BoardVersion).where(BoardVersion.unit_id == unit_id).values(
        version=BoardVersion.version + 1)).rowcount
    if not changed:
        session.add(BoardVersion(unit_id=unit_id, version=1))
        session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :unit)"), {"channel": CHANNEL, "unit": str(unit_id)})


def version(unit_id: int) -> int:
    return db.session.scalar(select(BoardVersion.version).where(BoardVersion.unit_id == unit_id)) or 0


class Watcher:
    """One per process: learns of changed boards and wakes the streams waiting for them."""

    def __init__(self, app):
        self.app = app
        self.changes = 0
        # What the streams need, read once per change for the whole process (not once per stream):
        self.versions: dict[int, int] = {}
        self.revoked: frozenset[str] = frozenset()  # token hashes of revoked displays
        self.condition = threading.Condition()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="board-watcher", daemon=True)
                self.thread.start()

    def wait(self, seen: int, timeout: float) -> int:
        """Block until something changed after `seen` (a value of `changes`) or `timeout` passes."""
        self.start()
        with self.condition:
            self.condition.wait_for(lambda: self.changes != seen, timeout=timeout)
            return self.changes

    def _refresh(self, connection) -> tuple:
        versions = dict(connection.execute(select(BoardVersion.unit_id, BoardVersion.version)).all())
        if versions != self.versions:
            self.revoked = frozenset(connection.scalars(select(Display.token_hash).where(
                Display.revoked_at.is_not(None))))
            self.versions = versions
        return tuple(sorted(versions.items()))

    def _wake(self) -> None:
        with self.condition:
            self.changes += 1
            self.condition.notify_all()

    def _run(self) -> None:
        while True:
            try:
                with self.app.app_context():
                    url = db.engine.url
                    if url.get_backend_name() == "postgresql":
                        self._listen(url)
                    else:
                        self._poll()
            except Exception:  # the database went away: wake everyone (they re-read), then try again
                log.warning("board watcher lost its database connection; retrying", exc_info=True)
                self._wake()
                time.sleep(1)

    def _listen(self, url) -> None:
        import psycopg

        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as listener:
            listener.execute(f"LISTEN {CHANNEL}")
            last = None
            while True:
                # A notification ends the wait at once; the short timeout also bounds the delay should one
                # arrive late (seen under gevent), at the cost of one small query per process per tick.
                for _notify in listener.notifies(timeout=SQLITE_POLL_SECONDS, stop_after=1):
                    break
                last = self._tick(last)

    def _poll(self) -> None:
        last = None
        while True:
            last = self._tick(last)
            time.sleep(SQLITE_POLL_SECONDS)

    def _tick(self, last):
        """Read the versions once for the process, and wake the streams if anything moved."""
        with db.engine.connect() as connection:
            current = self._refresh(connection)
            connection.rollback()
        if current != last:
            self._wake()
        return current

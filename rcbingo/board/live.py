"""Telling wall displays that their board changed, across workers and hosts.

Every transaction that changes what a unit's walls show bumps that unit's `BoardVersion` and, on
PostgreSQL, sends NOTIFY inside the same transaction (delivered only if it commits). Each server process
keeps one watcher: on PostgreSQL a LISTEN connection, on SQLite (one host) a cheap poll of the versions
table. Streams wait on the watcher, never on the database.
"""

import logging
import threading
import time
from collections import Counter
from contextlib import contextmanager

from flask import current_app, has_app_context
from sqlalchemy import event, select, text, update
from sqlalchemy.orm import Session

from ..extensions import db
from .models import BoardVersion, Display

CHANNEL = "rcbingo_board"
# The watcher reads the versions this often at least (on SQLite, that is all it does)...
TICK_SECONDS = 0.2
# ...and, after a change, waits this long before the next: under a burst of cards a wall gets a few boards
# a second, each rendered once, rather than one per card.
SETTLE_SECONDS = 0.25
# How old a process's idea of a board's version may be when a request asks for it (see recent_version).
VERSION_MAX_AGE = 0.2
_BUMPED = "rcbingo_bumped_units"
log = logging.getLogger(__name__)


def bump(session, unit_id: int) -> None:
    """Mark a unit's board as changed, in the caller's transaction."""
    changed = session.execute(update(BoardVersion).where(BoardVersion.unit_id == unit_id).values(
        version=BoardVersion.version + 1)).rowcount
    if not changed:
        session.add(BoardVersion(unit_id=unit_id, version=1))
        session.flush()
    session.info.setdefault(_BUMPED, set()).add(unit_id)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :unit)"), {"channel": CHANNEL, "unit": str(unit_id)})


def version(unit_id: int) -> int:
    return db.session.scalar(select(BoardVersion.version).where(BoardVersion.unit_id == unit_id)) or 0


def recent_version(unit_id: int) -> int:
    """The unit's board version as read at most VERSION_MAX_AGE seconds ago by this process, so a busy board
    route costs no database round-trip per request. A change this process commits is seen at once; one
    committed by another process, within VERSION_MAX_AGE."""
    known = current_app.extensions.setdefault("rcbingo_recent_versions", {})
    now = time.monotonic()
    cached = known.get(unit_id)
    if cached is None or now - cached[0] > VERSION_MAX_AGE:
        cached = known[unit_id] = (now, version(unit_id))
    return cached[1]


_compute_lock = threading.Lock()


def once_per_version(kind: str, unit_id: int, version: int, compute):
    """What `compute()` makes of a unit's board (a wall's message, the API's JSON), made once per board version
    in this process however many requests ask at once.

    Under gevent a database read yields, so without the lock every request that found the value stale would
    compute it at the same time: after each change, one computation per waiting request instead of one."""
    made = current_app.extensions.setdefault(f"rcbingo_{kind}", {})
    cached = made.get(unit_id)
    if cached is None or cached[0] < version:
        with _compute_lock:
            cached = made.get(unit_id)
            if cached is None or cached[0] < version:
                cached = made[unit_id] = (version, compute())
    return cached[1]


@event.listens_for(Session, "after_commit")
def _forget_committed_versions(session) -> None:
    units = session.info.pop(_BUMPED, ())
    if units and has_app_context():
        known = current_app.extensions.get("rcbingo_recent_versions", {})
        for unit_id in units:
            known.pop(unit_id, None)


@event.listens_for(Session, "after_rollback")
def _forget_bumps(session) -> None:
    session.info.pop(_BUMPED, None)


class Watcher:
    """One per process: learns of changed boards and wakes the streams waiting for them.

    `prepare(versions)`, if given, runs in the watcher before the streams wake, with the new version of each
    changed board that a stream of this process watches: the wall renders its message there once, while the
    streams sleep, rather than in the first of hundreds of streams that wake at once and would queue behind
    one another."""

    def __init__(self, app, prepare=None):
        self.app = app
        self.prepare = prepare
        self.changes = 0
        # What the streams need, read once per change for the whole process (not once per stream):
        self.versions: dict[int, int] = {}
        self.revoked: frozenset[str] = frozenset()  # token hashes of revoked displays
        self.watched: Counter[int] = Counter()  # streams open per unit
        self.condition = threading.Condition()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def start(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="board-watcher", daemon=True)
                self.thread.start()

    def stop(self) -> None:
        """Stop watching, for an app that goes away (the tests make one per test)."""
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=5)

    @contextmanager
    def watching(self, unit_id: int):
        """While a stream shows a unit's board."""
        with self.lock:
            self.watched[unit_id] += 1
        try:
            yield
        finally:
            with self.lock:
                self.watched[unit_id] -= 1

    def wait(self, seen: int, timeout: float) -> int:
        """Block until something changed after `seen` (a value of `changes`) or `timeout` passes."""
        self.start()
        with self.condition:
            self.condition.wait_for(lambda: self.changes != seen, timeout=timeout)
            return self.changes

    def _refresh(self, connection) -> dict[int, int]:
        """Read the versions (and, when they moved, the revoked displays); return the boards that changed."""
        versions = dict(connection.execute(select(BoardVersion.unit_id, BoardVersion.version)).all())
        changed = {unit: v for unit, v in versions.items() if self.versions.get(unit) != v}
        if changed:
            self.revoked = frozenset(connection.scalars(select(Display.token_hash).where(
                Display.revoked_at.is_not(None))))
            self.versions = versions
        return changed

    def _wake(self) -> None:
        with self.condition:
            self.changes += 1
            self.condition.notify_all()

    def _run(self) -> None:
        while not self.stopping.is_set():
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
                self.stopping.wait(1)

    def _listen(self, url) -> None:
        import psycopg

        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as listener:
            listener.execute(f"LISTEN {CHANNEL}")
            while not self.stopping.is_set():
                # A notification ends the wait at once; the short timeout also bounds the delay should one
                # arrive late (seen under gevent), at the cost of one small query per process per tick.
                for _notify in listener.notifies(timeout=TICK_SECONDS, stop_after=1):
                    break
                if self._tick():
                    self.stopping.wait(SETTLE_SECONDS)

    def _poll(self) -> None:
        while not self.stopping.is_set():
            self._tick()
            self.stopping.wait(TICK_SECONDS)

    def _tick(self) -> bool:
        """Read the versions once for the process; if any moved, prepare and wake the streams."""
        with db.engine.connect() as connection:
            changed = self._refresh(connection)
            connection.rollback()
        if changed:
            watched = {unit: v for unit, v in changed.items() if self.watched[unit] > 0}
            if watched and self.prepare is not None:
                try:
                    self.prepare(watched)
                except Exception:  # the streams will render for themselves
                    log.warning("could not prepare the changed boards", exc_info=True)
            self._wake()
        return bool(changed)

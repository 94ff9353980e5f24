"""Telling wall displays that their board changed, across workers and hosts.

Every transaction that changes what a unit's walls show bumps that unit's `BoardVersion` and, on
PostgreSQL, sends NOTIFY inside the same transaction (delivered only if it commits). Each server process
keeps one watcher: on PostgreSQL a LISTEN connection; on SQLite (one host) a Unix datagram socket that the
committing process writes to after the commit (`Doorbell`), with a cheap poll of the versions table as a
fallback. Streams wait on the watcher, never on the database.

The watcher is also how a process finds the database back after an outage: it retries every RECONNECT_SECONDS, so
its first read after the database's return ends the outage (database.outage) and wakes the streams, which show
the board again at once.
"""

import hashlib
import logging
import os
import socket
import stat
import tempfile
import threading
import time
import weakref
from collections import Counter
from contextlib import contextmanager, suppress
from functools import lru_cache

from flask import current_app, has_app_context
from sqlalchemy import Integer, String, bindparam, cast, event, func, select, update
from sqlalchemy.orm import Session

from ..database import OutOfTime, bounded, outage, rollback_quietly, unavailable_reason
from ..extensions import db
from .models import BoardVersion, Display

CHANNEL = "rcbingo_board"
# The watcher reads the versions this often at least (on SQLite, a doorbell rung by every commit wakes it sooner)...
TICK_SECONDS = 0.2
# ...and, after a change, waits this long before the next: under a burst of cards a wall gets a few boards
# a second, each rendered once, rather than one per card.
SETTLE_SECONDS = 0.25
# How old a process's idea of a board's version may be when a request asks for it (see recent_version).
VERSION_MAX_AGE = 0.2
# While the database is away the watcher tries again this often (a refused connection costs nothing).
RECONNECT_SECONDS = 0.25
_BUMPED = "rcbingo_bumped_units"
log = logging.getLogger(__name__)


def bump(session, unit_id: int, bumped: bool = False) -> None:
    """Mark a unit's board as changed, in the caller's transaction; `bumped`: the caller's own statement did it
    already (bump_statement), if the unit's version existed."""
    # What the transaction changed so far is written first, as every writer takes a game's lock before the board
    # version's (see board.service.count_card): a game's change would otherwise lock the game after the version.
    session.flush()
    connection = session.connection()
    notify = connection.dialect.name == "postgresql"
    # in one round trip with its NOTIFY (this runs under the game's lock: see board.service.count_card)
    if not bumped:
        result = connection.execute(bump_statement(notify), {"unit": unit_id})
        bumped = len(result.all()) if notify else result.rowcount
    if not bumped:
        session.add(BoardVersion(unit_id=unit_id, version=1))
        session.flush()
        if notify:
            session.execute(select(func.pg_notify(CHANNEL, str(unit_id))))
    session.info.setdefault(_BUMPED, set()).add(unit_id)


@lru_cache(maxsize=2)
def bump_statement(notify: bool):
    """bump's statement for the unit `:unit`, made once (a Core statement: the ORM's work per statement would be done
    under the lock); with `notify`, it returns a row if it found the unit's version."""
    versions, unit_id = BoardVersion.__table__, bindparam("unit", type_=Integer)
    statement = update(versions).where(versions.c.unit_id == unit_id).values(version=versions.c.version + 1)
    return statement.returning(func.pg_notify(CHANNEL, cast(unit_id, String))) if notify else statement


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




def _compute_lock() -> threading.Lock:
    """The process's lock for once_per_version, made at first use: a lock made when the module is imported is a real
    OS lock if that happens before gevent patches threading (gunicorn's master imports the app to read its routes,
    rcbingo.logs), and one held across a database read would then stop the whole worker."""
    made = current_app.extensions
    if "rcbingo_compute_lock" not in made:
        made["rcbingo_compute_lock"] = threading.Lock()
    return made["rcbingo_compute_lock"]


def once_per_version(kind: str, unit_id: int, version: int, compute):
    """What `compute()` makes of a unit's board (a wall's message, the API's JSON), made once per board version
    in this process however many requests ask at once.

    Under gevent a database read yields, so without the lock every request that found the value stale would
    compute it at the same time: after each change, one computation per waiting request instead of one."""
    made = current_app.extensions.setdefault(f"rcbingo_{kind}", {})
    cached = made.get(unit_id)
    if cached is None or cached[0] < version:
        with _compute_lock():
            cached = made.get(unit_id)
            if cached is None or cached[0] < version:
                cached = made[unit_id] = (version, compute())
    return cached[1]


def prepared(kind: str, unit_id: int, version: int):
    """What `once_per_version` made of the unit's board at `version` or later, if this process made it already (the
    watcher does, before it wakes the streams): (its version, the value), or None."""
    cached = current_app.extensions.get(f"rcbingo_{kind}", {}).get(unit_id)
    return cached if cached is not None and cached[0] >= version else None


@event.listens_for(Session, "after_commit")
def _forget_committed_versions(session) -> None:
    units = session.info.pop(_BUMPED, ())
    if units and has_app_context():
        known = current_app.extensions.get("rcbingo_recent_versions", {})
        for unit_id in units:
            known.pop(unit_id, None)
        if (folder := Doorbell.folder_for(session.get_bind().url)) is not None:
            Doorbell.ring(folder)


class Doorbell:
    """How a commit on SQLite wakes the board watchers of every server process on the host at once, instead of at
    their next poll: each watcher listens on a Unix datagram socket in a folder named after the database file, and
    the committing process sends one byte to each socket there. A socket left by a process that died refuses the
    byte and is removed. Nothing but "look now" is said: the watcher then reads the versions, as it would on a poll,
    so a stranger's byte costs one read."""

    def __init__(self, folder: str):
        self.folder = folder
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not self.ours(os.lstat(folder)):
            raise PermissionError(f"{folder} is not a private folder of this user")
        self.path = os.path.join(folder, f"{os.getpid()}-{os.urandom(4).hex()}.sock")
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(self.path)

    @staticmethod
    def folder_for(url) -> str | None:
        """The doorbells' folder for a SQLite database file (None for PostgreSQL, whose NOTIFY does this, and for an
        in-memory database, which no other process shares)."""
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        name = hashlib.sha256(os.path.realpath(url.database).encode()).hexdigest()[:16]
        return os.path.join(tempfile.gettempdir(), f"rcbingo-{os.getuid()}-{name}")

    @staticmethod
    def ours(found: os.stat_result) -> bool:
        """Whether a folder is this user's alone (in a shared temporary directory another user could make it)."""
        return stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid() and not found.st_mode & 0o077

    @staticmethod
    def ring(folder: str) -> None:
        """Wake every watcher of the folder. Works through the folder as opened (never a link), so that what it
        removes, only sockets that refuse, is in this user's folder even if the path is swapped meanwhile."""
        try:
            opened = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:  # no watcher on this host yet (or a link where the folder should be)
            return
        try:
            if not Doorbell.ours(os.fstat(opened)):  # a stranger's folder: never written to
                return
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as bell:
                bell.setblocking(False)
                for name in os.listdir(opened):
                    Doorbell._press(bell, opened, name)
        finally:
            os.close(opened)

    @staticmethod
    def _press(bell: socket.socket, folder_fd: int, name: str) -> None:
        try:
            if not stat.S_ISSOCK(os.lstat(name, dir_fd=folder_fd).st_mode):
                return
            bell.sendto(b"!", f"/proc/self/fd/{folder_fd}/{name}")  # the socket in the folder as opened
        except BlockingIOError:  # its queue is full: it has been rung already
            pass
        except ConnectionRefusedError:  # its process has gone
            with suppress(OSError):
                os.unlink(name, dir_fd=folder_fd)
        except OSError:  # gone meanwhile, or a socket of another kind: not a doorbell
            pass

    def wait(self, timeout: float) -> None:
        """Until rung (taking every ring waiting, as one) or `timeout` passes."""
        self.socket.settimeout(timeout)
        try:
            self.socket.recv(16)
        except TimeoutError:
            return
        self.socket.setblocking(False)
        with suppress(BlockingIOError):
            while self.socket.recv(16):
                pass

    def close(self) -> None:
        self.socket.close()
        with suppress(OSError):
            os.unlink(self.path)
            os.rmdir(self.folder)  # the last watcher of the database leaves no folder behind


@event.listens_for(Session, "after_rollback")
def _forget_bumps(session) -> None:
    session.info.pop(_BUMPED, None)


class StreamBudget:
    """The wall streams this process holds, per display link (its token's hash) and per client address, so that no
    one link or address can hold them all (config.py, "Budgets of public edges"). Counted per process: the count of
    the process that holds the streams is exact, and what a flood exhausts (a worker's connections) is per process.
    Made with the watcher, at first use in the worker (after gevent patched threading)."""

    def __init__(self):
        self.lock = threading.Lock()  # never held across a wait
        self.links: Counter[str] = Counter()
        self.addresses: Counter[str] = Counter()

    def room(self, link: str, address: str, per_link: int, per_address: int) -> bool:
        return self.links[link] < per_link and self.addresses[address] < per_address

    def take(self, link: str, address: str, per_link: int, per_address: int) -> bool:
        """Count one more stream, if within both budgets."""
        with self.lock:
            if not self.room(link, address, per_link, per_address):
                return False
            self.links[link] += 1
            self.addresses[address] += 1
            return True

    def give_back(self, link: str, address: str) -> None:
        with self.lock:
            for counter, key in ((self.links, link), (self.addresses, address)):
                counter[key] -= 1
                if counter[key] <= 0:
                    del counter[key]


_watchers: "weakref.WeakSet[Watcher]" = weakref.WeakSet()


def end_streams() -> None:
    """End every wall stream of this process: it is stopping (gunicorn.conf.py calls this once a worker stops taking
    requests). A stream never ends by itself, so a graceful stop or restart would otherwise wait its whole graceful
    timeout (30 s) for them; each wall reconnects by itself after its retry (2 s), to a worker still serving."""
    for watcher in list(_watchers):
        watcher.end_streams()


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
        self.streams = StreamBudget()
        self.condition = threading.Condition()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.recoveries = outage.recoveries  # the outages this watcher has told its streams are over
        self.failing = False  # its last read failed: the streams were told the database is away
        self.closing = False  # the process is stopping: its streams end (end_streams)
        _watchers.add(self)

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

    def end_streams(self) -> None:
        """End this watcher's streams now and any opened later (their walls reconnect, to a process still serving)."""
        self.closing = True
        self._wake()

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

    def wait_for_database(self, timeout: float) -> bool:
        """Block while this process finds the database away (the watcher wakes everyone when it is back), for at
        most `timeout`; whether it answers now."""
        deadline = time.monotonic() + timeout
        seen = self.changes
        if not outage.unreadable:
            # A read failed that the outage does not know of (it has just ended): a breath before trying again.
            self.stopping.wait(RECONNECT_SECONDS)
        while outage.unreadable and (left := deadline - time.monotonic()) > 0:
            seen = self.wait(seen, left)
        return not outage.unreadable

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
            except (Exception, OutOfTime) as error:
                reason = unavailable_reason(error)
                if reason is None:
                    log.warning("board watcher failed; retrying", exc_info=True)
                    self._wake()
                    self.stopping.wait(1)
                    continue
                # The database went away: one line in the log (database.outage), the streams told once, and
                # another try soon, so the walls come back the moment it answers.
                outage.failed(reason)
                if not self.failing:
                    self.failing = True
                    self._wake()
                self.stopping.wait(RECONNECT_SECONDS)

    def _listen(self, url) -> None:
        import psycopg

        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        timeout = max(2, round(self.app.config["DATABASE_CONNECT_TIMEOUT_SECONDS"]))
        with psycopg.connect(dsn, autocommit=True, connect_timeout=timeout) as listener:
            listener.execute(f"LISTEN {CHANNEL}")
            self._tick()  # what changed before it listened
            while not self.stopping.is_set():
                # A notification ends the wait at once; the short timeout also bounds the delay should one
                # arrive late (seen under gevent), at the cost of one small query per process per tick.
                for _notify in listener.notifies(timeout=TICK_SECONDS, stop_after=1):
                    break
                if self._tick():
                    self.stopping.wait(SETTLE_SECONDS)

    def _poll(self) -> None:
        folder, bell = Doorbell.folder_for(db.engine.url), None
        if folder is not None:
            try:
                bell = Doorbell(folder)
            except OSError:
                log.warning("walls will learn of changes by reading every %s s: no doorbell", TICK_SECONDS,
                            exc_info=True)
        try:
            while not self.stopping.is_set():
                # After a change, a breath before the next read (as on PostgreSQL): under a burst of cards a wall
                # gets a few boards a second; a ring meanwhile waits in the socket.
                if self._tick():
                    self.stopping.wait(SETTLE_SECONDS)
                if bell is None:
                    self.stopping.wait(TICK_SECONDS)
                else:
                    bell.wait(TICK_SECONDS)
        finally:
            if bell is not None:
                bell.close()

    def _tick(self) -> bool:
        """Read the versions once for the process; if any moved, prepare and wake the streams. Also wake them when
        the database is back after an outage (this read, or any other of the process, ended it)."""
        # A frozen server never answers (its kernel still acknowledges): the read is cut short, and retried.
        seconds = self.app.config["DATABASE_STATEMENT_TIMEOUT_SECONDS"]
        with bounded(seconds), db.engine.connect() as connection:
            changed = self._refresh(connection)
            connection.rollback()
        if changed:
            watched = {unit: v for unit, v in changed.items() if self.watched[unit] > 0}
            if watched and self.prepare is not None:
                try:
                    with bounded(seconds):
                        self.prepare(watched)
                except (Exception, OutOfTime) as error:  # the streams will render for themselves
                    if unavailable_reason(error) is None:
                        log.warning("could not prepare the changed boards", exc_info=True)
                    rollback_quietly()  # (a connection lost mid-way leaves the session unusable until then)
        if changed or self.failing or self.recoveries != outage.recoveries:
            self.recoveries, self.failing = outage.recoveries, False
            self._wake()
        return bool(changed)


# --- pages made once per change (the board page, and through rcbingo.pages the card and home pages) ---------------

_STAMP_STALE = "rcbingo_stamp_stale"


def recent_stamp(fresh: bool = False) -> int:
    """A number that grows with every change to any board (names and the roster included, as they bump every
    board), read at most VERSION_MAX_AGE seconds ago by this process (`fresh`: now, in the caller's transaction);
    a change this process commits is seen at once. Versions only grow and rows are never deleted: so does their sum."""
    def read() -> int:
        return int(db.session.scalar(select(func.coalesce(func.sum(BoardVersion.version), 0))))

    if fresh:
        return read()
    known = current_app.extensions.setdefault("rcbingo_recent_versions", {})
    now = time.monotonic()
    cached = known.get("stamp")
    if cached is None or now - cached[0] > VERSION_MAX_AGE:
        cached = known["stamp"] = (now, read())
    return cached[1]


@event.listens_for(Session, "before_commit")
def _note_stamp_stale(session) -> None:
    if session.info.get(_BUMPED):
        session.info[_STAMP_STALE] = True


@event.listens_for(Session, "after_commit")
def _forget_stamp(session) -> None:
    if session.info.pop(_STAMP_STALE, False) and has_app_context():
        current_app.extensions.get("rcbingo_recent_versions", {}).pop("stamp", None)


@event.listens_for(Session, "after_rollback")
def _forget_stamp_note(session) -> None:
    session.info.pop(_STAMP_STALE, None)

"""Database plumbing shared by the domains: UTC timestamps, SQLite write locking, bounded waits, and noticing
when the database is away and when it is back.

- Bounds: `engine_options()` gives PostgreSQL a connect timeout and a statement timeout (a pooled connection is
  checked before use by `_alive`), and SQLite its busy timeout; `bounded()` cuts a wait short in a gevent worker
  (where a frozen server would otherwise hold a request for ever: a stopped server's kernel still acknowledges
  every packet).
- Recovery: a SQLite connection that fails with "attempt to write a readonly database" was opened while the file
  was read-only and stays so for its whole life, as does every other connection of the process to that file (they
  share its lock and index state): all of them are closed, so the next one opens the file afresh.
- Outages: `outage` logs one line when this process finds the database away, and one when it answers again.
"""

import gc
import logging
import os
import select
import sqlite3
import threading
import time
import weakref
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

from sqlalchemy import DateTime, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from .extensions import db

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: store timestamps with a time zone")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def engine_options(config) -> dict:
    """SQLAlchemy's engine options for the configured database, with its bounds (settings in config.py)."""
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    # An error's message (logged, shown in a traceback) names its statement but never the values bound to it: an
    # account's email and password hash, a story, a name.
    options["hide_parameters"] = True
    if url.get_backend_name() == "postgresql":
        # A pooled connection to a server that restarted is found dead before use, not by the request using it
        # (see _alive: without the round trip of SQLAlchemy's pool_pre_ping).
        # Up to DATABASE_POOL_SIZE connections at once, of which five stay open when idle.
        options.setdefault("pool_size", min(5, config["DATABASE_POOL_SIZE"]))
        options.setdefault("max_overflow", config["DATABASE_POOL_SIZE"] - options["pool_size"])
        options.setdefault("pool_timeout", config["REQUEST_TIMEOUT_SECONDS"])
        # libpq's minimum is 2 s.
        connect_args.setdefault("connect_timeout", max(2, round(config["DATABASE_CONNECT_TIMEOUT_SECONDS"])))
        if "options" not in url.query:
            connect_args.setdefault("options", f"-c statement_timeout={statement_timeout_ms(config)}")
    elif url.get_backend_name() == "sqlite":
        connect_args.setdefault("timeout", config["SQLITE_BUSY_TIMEOUT_SECONDS"])
    options["connect_args"] = connect_args
    return options


def statement_timeout_ms(config, long: bool = False) -> int:
    seconds = config["LONG_REQUEST_TIMEOUT_SECONDS" if long else "DATABASE_STATEMENT_TIMEOUT_SECONDS"]
    return int(seconds * 1000)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # SQLAlchemy, not the driver, decides where transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # The busy timeout is the driver's `timeout` (engine_options).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    path = next((row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main"), "")
    cursor.close()
    if path:
        path = os.path.realpath(path)
        record.info["sqlite_path"] = path
        opened = _sqlite_connections.setdefault(path, weakref.WeakSet())
        if any(other.info.get("reopen") and other.dbapi_connection is not None for other in opened):
            # Opened while a read-only connection of ours to the file is still in use: it shares that one's state,
            # read-only too. It goes when it is returned, like that one.
            record.info["reopen"] = True
        opened.add(record)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    # A write that starts as a read cannot wait for the lock once another writer has
    # committed (SQLITE_BUSY_SNAPSHOT): writers take the lock up front and queue instead.
    immediate = conn.get_execution_options().get("sqlite_immediate")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction():
    """Run one unit of writes in a fresh transaction, committed on success and rolled back on error.

    On SQLite the write lock is taken at BEGIN, so concurrent writers wait their turn
    (up to the busy timeout) instead of failing with "database is locked". On PostgreSQL a transaction that has only
    read goes on (each of its statements read the latest commits anyway), saving a commit, a pooled connection's
    check and a BEGIN.
    """
    session = db.session()
    if session.in_transaction() and (session.get_bind().dialect.name != "postgresql" or _changed(session)):
        session.commit()
    if not session.in_transaction():
        session.connection(execution_options={"sqlite_immediate": True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _changed(session) -> bool:
    """Whether the session wrote or holds a change (as far as it can tell: what it flushed leaves a mark)."""
    return bool(session.new or session.dirty or session.deleted or written(session))


_WRITTEN = "rcbingo_written"


def written(session) -> set[type]:
    """The models whose rows the session's transaction wrote so far (flushed, or by a bulk statement of the ORM);
    `object` for a bulk statement on no model."""
    return session.info.get(_WRITTEN, set())


@event.listens_for(Session, "after_flush")
def _note_write(session, _context) -> None:
    session.info.setdefault(_WRITTEN, set()).update(type(row) for row in (*session.new, *session.dirty,
                                                                            *session.deleted))


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_write(state) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        state.session.info.setdefault(_WRITTEN, set()).add(state.bind_mapper.class_ if state.bind_mapper else object)


@event.listens_for(Session, "after_transaction_end")
def _forget_write(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WRITTEN, None)


def rollback_quietly() -> None:
    """Roll the session back, as before anything is read after a failure; a connection that went with the database
    is simply dropped (the pool replaces it)."""
    with suppress(Exception):
        db.session.rollback()


def end_session_quietly(_error=None) -> None:
    """End this context's session. A connection the database dropped after the last statement (a restart, an
    administrator) makes its rollback fail: the pool has already discarded that connection and the outage is
    already known, so the answer given stands, instead of a 500 and a traceback for work that was done."""
    try:
        db.session.remove()
    except sa_exc.SQLAlchemyError as error:
        if unavailable_reason(error) is None:
            raise
        with suppress(sa_exc.SQLAlchemyError):
            db.session.remove()
        db.session.registry.clear()


# --- Bounded waits --------------------------------------------------------------------------------------------


class OutOfTime(BaseException):
    """A wait cut short by `bounded()`. A BaseException, as gevent's own Timeout: SQLAlchemy then discards the
    connection it interrupted instead of handing it, mid-statement, to the next request."""


_gevent = None


def _gevent_patched() -> bool:
    global _gevent
    if _gevent is None:
        try:
            from gevent import monkey
        except ImportError:  # pragma: no cover - gevent is a dependency
            return False
        if not monkey.is_module_patched("socket"):
            return False
        import gevent

        _gevent = gevent
    return True


@contextmanager
def bounded(seconds: float | None):
    """Raise OutOfTime in this greenlet if the block waits longer than `seconds`.

    Only in a gevent worker (production): there every wait on the network is a cooperative switch that a timer can
    interrupt. Elsewhere (the development server, the tests' threads) it does nothing; the database's own
    timeouts still hold."""
    if not seconds or not _gevent_patched():
        yield
        return
    with _gevent.Timeout(seconds, OutOfTime(f"no answer within {seconds:g} s")):
        yield


# --- Outages --------------------------------------------------------------------------------------------------

UNREACHABLE, TIMED_OUT, BUSY, READ_ONLY = "unreachable", "timed out", "busy", "read-only"
# PostgreSQL error classes that say the server cannot serve now, rather than that a statement is wrong:
# connection exceptions, operator intervention (shutdown, starting up), insufficient resources, system errors.
_PG_UNAVAILABLE_CLASSES = ("08", "53", "57", "58")


def unavailable_reason(error: BaseException) -> str | None:
    """Why the database cannot answer just now, if that is what `error` says ("unreachable", "timed out", "busy",
    "read-only"); None for every other error (a bug, a refused row), which stays a server error."""
    if any(isinstance(link, OutOfTime) for link in _chain(error)):
        # (also an error raised while cleaning up after the cut: psycopg, asked to leave a statement it never
        # finished, says the connection is busy)
        return TIMED_OUT
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return BUSY
    invalidated = isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated
    if isinstance(error, sa_exc.DBAPIError):
        error = error.orig
    reason = _sqlite_reason(error) if isinstance(error, sqlite3.Error) else _postgresql_reason(error)
    return reason or (UNREACHABLE if invalidated else None)


def _chain(error: BaseException, depth: int = 6):
    """An error and those it was raised from or while handling."""
    while error is not None and depth:
        yield error
        error, depth = error.__cause__ or error.__context__, depth - 1


def _sqlite_reason(error: sqlite3.Error) -> str | None:
    name, text = getattr(error, "sqlite_errorname", "") or "", str(error)
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return READ_ONLY
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return BUSY
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL")) or any(
            words in text for words in ("unable to open database", "disk I/O error", "disk is full")):
        return UNREACHABLE
    return None


def _postgresql_reason(error: BaseException) -> str | None:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - a dependency
        return None
    if not isinstance(error, psycopg.Error):
        return None
    state = error.sqlstate or ""
    if state == "57014" or isinstance(error, psycopg.errors.ConnectionTimeout):  # (57014: the statement timeout)
        return TIMED_OUT
    if state in ("55P03", "53300"):  # lock_not_available, too_many_connections
        return BUSY
    if state == "25006":  # read_only_sql_transaction: a standby
        return READ_ONLY
    if state[:2] in _PG_UNAVAILABLE_CLASSES:
        return UNREACHABLE
    if not state and isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
        return UNREACHABLE  # no answer at all: refused, reset, closed
    return None


class Outage:
    """This process's view of the database: answering, or away since when and why.

    One line in the log when an outage starts, one when it ends (with its length): not one per request. A read-only
    database (SQLite's file, a PostgreSQL standby) still answers reads, so that outage ends only with a write."""

    def __init__(self):
        self.since: float | None = None
        self.reason: str | None = None
        self.recoveries = 0  # outages ended so far: the board watcher wakes its streams when this moves
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self.since is not None

    @property
    def unreadable(self) -> bool:
        """Even reads fail (everything but a read-only outage)."""
        return self.since is not None and self.reason != READ_ONLY

    def failed(self, reason: str) -> None:
        with self._lock:
            if self.since is not None:
                if reason != READ_ONLY:
                    self.reason = reason  # reads fail too now
                return
            self.since, self.reason = time.monotonic(), reason
        log.error("rcbingo[%d]: the database is unavailable (%s); answering 503 until it is back", os.getpid(), reason)

    def answered(self, wrote: bool) -> None:
        if self.since is None or (self.reason == READ_ONLY and not wrote):
            return
        with self._lock:
            if self.since is None:
                return
            lasted, self.since, self.reason = time.monotonic() - self.since, None, None
            self.recoveries += 1
        log.warning("rcbingo[%d]: the database is back after %.1f s", os.getpid(), lasted)

    def reset(self) -> None:
        """Forget any outage (for tests, which run many apps in one process)."""
        with self._lock:
            self.since = self.reason = None


outage = Outage()
_WRITES = ("INSERT", "UPDATE", "DELETE")  # (a read-only SQLite connection still begins IMMEDIATE)


@event.listens_for(Engine, "before_cursor_execute")
def _asking(_conn, _cursor, _statement, _parameters, context, _executemany):
    if outage.since is not None and context is not None:
        context.rcbingo_asked = time.monotonic()


@event.listens_for(Engine, "after_cursor_execute")
def _answered(conn, _cursor, statement, _parameters, context, _executemany):
    if outage.since is None and not _reopening:
        return
    wrote = statement.lstrip()[:6].upper().startswith(_WRITES)
    # Only an answer to a question asked since the outage began ends it (not one that was already on its way: a
    # server dying process by process still answers a little).
    if outage.since is not None and getattr(context, "rcbingo_asked", -1.0) >= outage.since:
        outage.answered(wrote)
    if wrote and _reopening and conn.dialect.name == "sqlite":
        _reopening.discard(os.path.realpath(conn.engine.url.database or ""))


@event.listens_for(Engine, "handle_error")
def _failed(context):
    if context.is_pre_ping:  # the pool reconnects by itself; a failure to reconnect comes here next
        return None
    reason = unavailable_reason(context.sqlalchemy_exception or context.original_exception)
    if reason is None:
        return None
    outage.failed(reason)
    if reason == READ_ONLY and context.engine is not None and context.engine.dialect.name == "sqlite":
        context.is_disconnect = True  # this connection goes; the pool's others are recycled
        reopen_sqlite(context.engine.url.database)
    return None


@event.listens_for(Engine, "handle_error")
def _without_values(context):
    """PostgreSQL repeats a refused row's values in its message (`DETAIL:  Key (email)=(…) already exists`, and
    `invalid input syntax for type integer: "…"`): the message keeps its first line, which names what refused the
    row, without them (the bound values are hidden by engine_options' `hide_parameters`)."""
    error = context.original_exception
    state = getattr(error, "sqlstate", None)
    if state and error.args and isinstance(error.args[0], str):
        primary = error.args[0].split("\n", 1)[0]
        if state.startswith("22"):  # a data exception: the value follows a colon
            primary = primary.split(":", 1)[0]
        error.args = (primary, *error.args[1:])
        wrapped = context.sqlalchemy_exception  # (its message was made from the DBAPI's already)
        if wrapped is not None and wrapped.args:
            wrapped.args = (f"({type(error).__module__}.{type(error).__name__}) {primary}", *wrapped.args[1:])
    return None


# --- SQLite: reopening a file that was read-only --------------------------------------------------------------

_sqlite_connections: dict[str, weakref.WeakSet] = {}
_reopening: set[str] = set()  # files whose last write here failed as read-only
_collected = 0.0
# How long a new connection waits for the read-only ones still in use to be returned (requests hold one briefly),
# and how often, while a file is being reopened, the garbage collector is asked to free the failed ones.
REOPEN_WAIT_SECONDS = 2
REOPEN_COLLECT_SECONDS = 0.25


@event.listens_for(Engine, "do_connect")
def _after_the_stale_ones(dialect, _record, cargs, _cparams):
    """A new SQLite connection waits (a moment at most) until this process's read-only ones to the same file are all
    closed: SQLite keeps one state per file and process (its locks, its shared index, even the file descriptors of
    connections already closed) for as long as any connection to it is open, and a connection opened meanwhile
    would be read-only too."""
    if dialect.name != "sqlite" or not cargs or not isinstance(cargs[0], str):
        return None
    path = os.path.realpath(cargs[0])
    if path not in _reopening:
        return None
    opened = _sqlite_connections.get(path, ())
    deadline = time.monotonic() + REOPEN_WAIT_SECONDS
    while time.monotonic() < deadline and any(
            record.info.get("reopen") and record.dbapi_connection is not None for record in list(opened)):
        time.sleep(0.01)  # (a gevent worker switches to the requests that still hold them)
    # A connection whose write failed is closed by SQLAlchemy but not by SQLite while the failure's traceback holds
    # its statement: only the garbage collector lets it go. Until a write succeeds again, at most a few times a second.
    global _collected
    if time.monotonic() - _collected > REOPEN_COLLECT_SECONDS:
        _collected = time.monotonic()
        gc.collect()
    return None


@event.listens_for(Engine, "checkout")
def _checked_out(dbapi_connection, record, _proxy):
    if "sqlite_path" in record.info:
        record.info["in_use"] = True
    elif not _alive(dbapi_connection):
        raise sa_exc.DisconnectionError("the database ended this connection")  # the pool opens another (up to 3 times)


def _alive(dbapi_connection) -> bool:
    """Whether an idle PostgreSQL connection taken from the pool is still open, without asking the server: one it
    ended (a restart, a crash, an administrator) has said so or closed its side, so its socket has something to
    read, which an idle connection of ours never has otherwise (the pool's connections listen to no channel)."""
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return True
    try:
        socket = pgconn.socket
    except Exception:  # psycopg: the connection is closed
        return False
    poll = _blocking_poll()
    poll.register(socket, select.POLLIN)
    return not poll.poll(0)


def _blocking_poll():
    """A poll object that never switches greenlets (a zero timeout needs no waiting)."""
    if _gevent_patched():
        from gevent import monkey

        return monkey.get_original("select", "poll")()
    return select.poll()


@event.listens_for(Engine, "checkin")
def _checked_in(dbapi_connection, record):
    if "sqlite_path" in record.info:
        record.info["in_use"] = False
        if record.info.pop("reopen", False):
            record.invalidate()


def reopen_sqlite(database: str | None) -> None:
    """Close this process's every connection to a SQLite file (those in use as soon as they are returned; new ones
    wait for that), so the next one opens it afresh; and give back write permission to the `-wal` and `-shm` files
    if SQLite made them while the database was read-only (it copies the database's mode, and they would then stay
    read-only for good)."""
    if not database or database == ":memory:":
        return
    path = os.path.realpath(database)
    _reopening.add(path)
    for record in list(_sqlite_connections.get(path, ())):
        if record.info.get("in_use"):
            record.info["reopen"] = True
        else:
            record.invalidate()
    _repair_sidecars(path)


def _repair_sidecars(path: str) -> None:
    try:
        mode = os.stat(path).st_mode & 0o666
        if not os.access(path, os.W_OK):
            return
        for sidecar in (path + "-wal", path + "-shm"):
            if os.path.exists(sidecar) and not os.access(sidecar, os.W_OK) and os.stat(sidecar).st_uid == os.geteuid():
                os.chmod(sidecar, mode)
                log.warning("rcbingo[%d]: %s was read-only (made while the database was): now writable again",
                            os.getpid(), os.path.basename(sidecar))
    except OSError as error:
        log.warning("rcbingo[%d]: could not check the database's -wal and -shm files: %s", os.getpid(), error)


# --- A lock others queue for, held in a gevent worker ----------------------------------------------------------

# How long a connection that holds such a lock waits for PostgreSQL's answer without letting other greenlets run.
HOLDING_SPIN_SECONDS = 0.005
_HOLDING = "rcbingo_holding_socket"
_holding: set[int] = set()  # the sockets of this process's connections holding such a lock


def holding_a_queued_lock(session) -> None:
    """Say that the session's transaction now holds a lock that other transactions queue for (a game's row, while a
    card is counted), until it ends. In a gevent worker every answer from PostgreSQL is otherwise awaited by
    switching to other greenlets, which may run for milliseconds before this one resumes, and all that time the
    queue waits: each of its round trips costs the queue only the database's own time."""
    if not _gevent_patched() or session.get_bind().dialect.name != "postgresql":
        return
    socket = session.connection().connection.driver_connection.pgconn.socket
    _holding.add(socket)
    session.info[_HOLDING] = socket


@event.listens_for(Session, "after_transaction_end")
def _released(session, transaction) -> None:
    if transaction.parent is None and (socket := session.info.pop(_HOLDING, None)) is not None:
        _holding.discard(socket)


def wait_keeping_the_cpu_while_holding() -> None:
    """psycopg's wait, in a gevent worker: as before (cooperative), except for a connection holding a queued lock,
    which waits up to HOLDING_SPIN_SECONDS without yielding first (see holding_a_queued_lock)."""
    import psycopg.waiting as waiting

    if not _gevent_patched() or getattr(waiting.wait, "keeps_the_cpu_while_holding", False):
        return
    polite = waiting.wait
    masks = {waiting.WAIT_R: select.POLLIN, waiting.WAIT_W: select.POLLOUT,
             waiting.WAIT_RW: select.POLLIN | select.POLLOUT}

    def wait(gen, fileno, interval=0.0, timeout=None):
        if fileno not in _holding or timeout is not None:
            return polite(gen, fileno, interval, timeout)
        spin_until = time.monotonic() + HOLDING_SPIN_SECONDS
        blocking, later = _blocking_poll(), select.poll()  # (select is gevent's)
        try:
            wanted = next(gen)
            while True:
                left_ms = int((spin_until - time.monotonic()) * 1000)
                poll = blocking if left_ms > 0 else later
                poll.register(fileno, masks[wanted])  # (again: a change of what is awaited)
                events = poll.poll(left_ms if left_ms > 0 else int(max(interval, 0) * 1000))
                ready = waiting.READY_NONE
                for _fd, happened in events:
                    if happened & select.POLLIN:
                        ready |= waiting.READY_R
                    if happened & select.POLLOUT:
                        ready |= waiting.READY_W
                    if not ready:  # an error or a hang-up: psycopg's own check raises
                        waiting._check_fd_closed(fileno)
                wanted = gen.send(ready)
        except StopIteration as done:
            return done.value

    wait.keeps_the_cpu_while_holding = True
    waiting.wait = wait

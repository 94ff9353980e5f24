"""Real faults under gunicorn (2 gevent workers), with tablets sending cards and walls watching:

- PostgreSQL: a private, throwaway server started here (never the shared one) is killed under load and restarted,
  then frozen (SIGSTOP) for longer than the statement timeout and the request budget.
- SQLite: the workers start while the database file is read-only (they run as another user than root, which
  ignores file modes), and must write again once it is writable, without a restart.

Each asserts: no acknowledged card lost or duplicated, every request answered within its bound, 503 with
Retry-After during the fault, /ready 503 then 200, every open wall updated within a second of the database's
return, and one outage line per worker in the log (not one per request). Each prints its row of the fault table
(and appends it, as JSON, to the file named by RCBINGO_FAULT_TABLE).

To keep the suite's two passes short, the PostgreSQL test runs in the PostgreSQL pass (TEST_DATABASE_URL set; its
server is its own all the same) and the SQLite one in the SQLite pass; RCBINGO_ALL_FAULTS=1 runs both anywhere.
"""

import contextlib
import glob
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from flask_migrate import upgrade

from rcbingo import create_app
from rcbingo.api.service import create_token
from rcbingo.board.service import create_display
from rcbingo.extensions import db
from rcbingo.org.service import load_roster, save_unit_settings, unit_by_key

from .conftest import ROSTER, TEST_DATABASE_URL
from .outages import free_port

ROOT = Path(__file__).resolve().parent.parent
ALL_FAULTS = bool(os.environ.get("RCBINGO_ALL_FAULTS"))
CARD = {"nominator": {"name": "Nora Nurse", "workgroup": "nurses", "unit": "icu"},
        "nominees": [{"name": "Phil Pharma", "workgroup": "pharmacists", "unit": "icu"}],
        "dimensions": ["timely"]}
# The bounds the servers run with here (shorter than the defaults, so the test is short).
BUDGET, STATEMENT, CONNECT = 3, 2, 2
SETTINGS = {"REQUEST_TIMEOUT_SECONDS": str(BUDGET), "DATABASE_STATEMENT_TIMEOUT_SECONDS": str(STATEMENT),
            "DATABASE_CONNECT_TIMEOUT_SECONDS": str(CONNECT), "READY_TIMEOUT_SECONDS": "1"}
SLACK = 1.0  # how much later than its bound an answer may arrive (a loaded 2-core machine, the client's threads)


# --- The servers --------------------------------------------------------------------------------------------


class Gunicorn:
    """The app under gunicorn with 2 gevent workers, optionally as another user; its log in a file."""

    def __init__(self, folder: str, database_url: str, user: str | None = None, python: str = sys.executable):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = os.path.join(folder, "gunicorn.log")
        self.database_url, self.user, self.python, self.folder = database_url, user, python, folder
        self.process = None

    def start(self) -> None:
        env = dict(os.environ, DATABASE_URL=self.database_url, SECRET_KEY="faults", HOME=self.folder,
                   PYTHONPATH=os.pathsep.join([str(ROOT), sysconfig.get_paths()["purelib"]]), **SETTINGS)
        env.pop("RATELIMIT_STORAGE_URI", None)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [self.python, "-m", "gunicorn", "--worker-class", "gevent", "--workers", "2",
                 "--worker-connections", "1000", "--graceful-timeout", "2", "--bind", f"127.0.0.1:{self.port}",
                 "--log-level", "info", "wsgi:app"],
                cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True, **as_user(self.user))
        deadline = time.monotonic() + 45  # (each worker builds the language detector first: seconds on a busy machine)
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.base}/health", timeout=1):  # noqa: S310
                return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start: {self.read_log()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def read_log(self) -> str:
        with open(self.log, encoding="utf-8", errors="replace") as log:
            return log.read()


def as_user(name: str | None) -> dict:
    """Popen's arguments to run a child as `name` (we are root), or nothing."""
    if name is None:
        return {}
    entry = pwd.getpwnam(name)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


class PrivatePostgres:
    """A throwaway PostgreSQL server of our own (Debian's binaries, a temporary data folder, a free port), so it
    can be killed and frozen without touching anyone else's."""

    def __init__(self, folder: str, user: str | None):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
        if not found:
            pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = os.path.dirname(found[-1])
        self.user, self.folder = user, folder
        self.data = os.path.join(folder, "data")
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.process = None

    def init(self) -> None:
        subprocess.run([f"{self.bin}/initdb", "--pgdata", self.data, "--username", "postgres", "--auth", "trust",
                        "--no-sync", "--encoding", "UTF8", "--locale", "C"], check=True, capture_output=True,
                       **as_user(self.user))

    def start(self) -> float:
        """Start (or restart, recovering from a crash) and return the moment it accepts connections."""
        with open(os.path.join(self.folder, "postgres.log"), "ab") as log:
            self.process = subprocess.Popen(
                [f"{self.bin}/postgres", "-D", self.data, "-p", str(self.port), "-k", self.folder,
                 "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off",
                 "-c", "max_connections=200"], stdout=log, stderr=log, **as_user(self.user))
        return self.wait_ready()

    def wait_ready(self) -> float:
        import psycopg

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return time.monotonic()
            except psycopg.OperationalError:
                time.sleep(0.02)
        raise RuntimeError("the private PostgreSQL server did not start")

    def processes(self) -> list[int]:
        """The postmaster and every process it started (the backends hold the connections)."""
        parent, found = self.process.pid, [self.process.pid]
        for status in glob.glob("/proc/[0-9]*/stat"):
            with contextlib.suppress(OSError):
                with open(status) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == parent:
                    found.append(int(status.split("/")[2]))
        return found

    def signal(self, signum: int) -> None:
        for pid in self.processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.signal(signal.SIGCONT)
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def private_folder(owner: str | None) -> str:
    """A temporary folder that `owner` can use (pytest's own are private to root)."""
    folder = tempfile.mkdtemp(prefix="rcbingo-faults-")
    if owner is not None:
        entry = pwd.getpwnam(owner)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    return folder


def other_user(name: str) -> str | None:
    """The user to run as: `name` when we are root (root ignores file modes, and PostgreSQL refuses it); else
    ourselves (None)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(name)
    except KeyError:
        pytest.skip(f"running as root, and there is no user {name!r} to run the servers as")
    return name


@pytest.fixture
def passable_to_others():
    """Our folders made passable (o+x, never listable) for the user the servers run as: a CI clone or a virtualenv
    may sit in a private folder. Put back afterwards."""
    changed = []
    if os.geteuid() == 0:
        for leaf in {ROOT, Path(sysconfig.get_paths()["purelib"])}:
            for folder in [leaf, *leaf.parents]:
                mode = folder.stat().st_mode
                if not mode & stat.S_IXOTH:
                    folder.chmod(mode | stat.S_IXOTH)
                    changed.append((folder, mode))
    yield
    for folder, mode in reversed(changed):
        folder.chmod(stat.S_IMODE(mode))


def python_for(user: str | None, folder: str) -> str:
    """An interpreter `user` may run with our packages (a virtualenv under /root is closed to others)."""
    if user is None:
        return sys.executable
    env = {"PYTHONPATH": os.pathsep.join([str(ROOT), sysconfig.get_paths()["purelib"]]), "HOME": folder}
    for candidate in (sys.executable, f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"):
        with contextlib.suppress(OSError):
            if subprocess.run([candidate, "-c", "import gevent, gunicorn, psycopg, rcbingo"], env=env, cwd=folder,
                              capture_output=True, check=False, **as_user(user)).returncode == 0:
                return candidate
    pytest.skip(f"no Python interpreter that {user!r} may run with this project's packages")


# --- The load -----------------------------------------------------------------------------------------------


class Load:
    """Tablets sending cards (each retried with the same Idempotency-Key until acknowledged), walls watching the
    board, and a monitor asking /ready, all recording what they saw and when."""

    def __init__(self, base: str, secret: str, token: str, tablets: int = 10, walls: int = 10):
        self.base, self.secret, self.token = base, secret, token
        self.answers: list[tuple[float, float, object, str | None]] = []  # (sent, answered, status, Retry-After)
        self.acknowledged: dict[str, tuple[int, float]] = {}  # key: (card id, when)
        self.ready: list[tuple[float, int]] = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._tablet, args=(n,), daemon=True) for n in range(tablets)]
        self.threads.append(threading.Thread(target=self._monitor, daemon=True))
        self.walls = [Wall(base, token) for _ in range(walls)]

    def start(self) -> None:
        for wall in self.walls:
            wall.start()
        for wall in self.walls:
            assert wall.first_board.wait(15), "a wall did not get its board"
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)
        for wall in self.walls:
            wall.close()

    def send(self, key: str, story: str) -> tuple[object, str | None, int | None]:
        request = urllib.request.Request(  # noqa: S310 - our own server
            f"{self.base}/api/v1/units/icu/cards", data=json.dumps(CARD | {"story": story}).encode(), method="POST",
            headers={"Authorization": f"Bearer {self.secret}", "Idempotency-Key": key,
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=BUDGET + 10) as response:  # noqa: S310 - our own server
                return response.status, None, json.loads(response.read())["id"]
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Retry-After"), None
        except (OSError, http.client.HTTPException) as error:
            return type(error).__name__, None, None

    def deliver(self, key: str, give_up: float) -> int | None:
        """Send one card until it is acknowledged (or `give_up`, a moment); its id."""
        while True:
            sent = time.monotonic()
            status, retry_after, card_id = self.send(key, story_of(key))
            with self.lock:
                self.answers.append((sent, time.monotonic(), status, retry_after))
                if card_id is not None:
                    self.acknowledged[key] = (card_id, time.monotonic())
            if card_id is not None or time.monotonic() > give_up:
                return card_id
            time.sleep(0.05 if key.startswith("marker") else 0.3)

    def _tablet(self, number: int) -> None:
        sent = 0
        while not self.stopping.is_set():
            key = f"tablet-{number}-{sent}"
            self.deliver(key, give_up=time.monotonic() + 60)
            sent += 1
            time.sleep(0.2)

    def _monitor(self) -> None:
        while not self.stopping.is_set():
            try:
                with urllib.request.urlopen(f"{self.base}/ready", timeout=BUDGET + 5) as response:  # noqa: S310
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            self.ready.append((time.monotonic(), status))
            time.sleep(0.2)

    def answers_between(self, start: float, end: float) -> list:
        """The answers to the requests sent from `start` to `end`."""
        return [a for a in self.answers if start <= a[0] < end]


class Wall(threading.Thread):
    """A wall display's stream, read as a browser's EventSource reads it (reconnecting after `retry`)."""

    def __init__(self, base: str, token: str):
        super().__init__(daemon=True)
        self.host, self.port = base.removeprefix("http://").split(":")
        self.token = token
        self.events: list[tuple[float, str, str]] = []  # (when, event, data)
        self.first_board = threading.Event()
        self.closing = False
        self.connection = None

    def run(self) -> None:
        while not self.closing:
            try:
                self.connection = http.client.HTTPConnection(self.host, int(self.port), timeout=60)
                self.connection.request("GET", f"/wall/{self.token}/stream")
                self._read(self.connection.getresponse())
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(2)  # the stream's retry

    def _read(self, response) -> None:
        event, data = None, []
        while True:
            line = response.readline()
            if not line:
                return
            line = line.decode().rstrip("\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif line == "":
                if event:
                    self.events.append((time.monotonic(), event, "\n".join(data)))
                    if event == "board":
                        self.first_board.set()
                event, data = None, []

    def showed(self, version: int, after: float) -> float | None:
        """When this wall first showed the board as of `version` (or later) after `after`."""
        return next((when for when, event, data in self.events if when >= after and event == "board"
                     and int(re.search(r'data-version="(\d+)"', data)[1]) >= version), None)

    def close(self) -> None:
        self.closing = True
        with contextlib.suppress(Exception):
            self.connection.sock.shutdown(socket.SHUT_RDWR)


# --- The checks and the table -------------------------------------------------------------------------------


def seed(database_uri: str) -> tuple[str, str]:
    """The test roster in a database already migrated; the ICU publishes at once. Returns (API secret, wall token)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "faults", "SQLALCHEMY_DATABASE_URI": database_uri})
    with app.app_context():
        load_roster(ROSTER)
        icu = unit_by_key("icu")
        save_unit_settings(icu, review_first=False, require_enrolled_tablets=False, actor=None)
        _token, secret = create_token("tablets", [icu], can_write=True, can_export=False, actor=None)
        _display, wall = create_display(icu, "Break room")
        db.session.remove()
        db.engine.dispose()
    return secret, wall


def board_version(database_uri: str) -> int:
    """The ICU board's version now (read beside the server, as any other process would)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "faults", "SQLALCHEMY_DATABASE_URI": database_uri})
    with app.app_context():
        from sqlalchemy import text

        version = db.session.scalar(text("SELECT max(version) FROM board_version"))
        db.session.remove()
        db.engine.dispose()
    return version


def stored_stories(database_uri: str) -> Counter:
    app = create_app({"TESTING": True, "SECRET_KEY": "faults", "SQLALCHEMY_DATABASE_URI": database_uri})
    with app.app_context():
        from sqlalchemy import text

        stories = Counter(db.session.scalars(text("SELECT story FROM card")))
        db.session.remove()
        db.engine.dispose()
    return stories


def story_of(key: str) -> str:
    return f"Card {key}, sent through the fault."


def fault_row(name: str, load: Load, stored: Counter, start: float, back: float, end: float,
              marker: tuple[float, int]) -> dict:
    """One row of the fault table, from what the load saw between `start` and `end`: the database returned at
    `back`, when a card was sent (and retried until acknowledged, at marker[0]) that made the board marker[1]."""
    window = load.answers_between(start, end)
    waits = [answered - sent for sent, answered, _status, _retry in window]
    writes_back = [answered for sent, answered, status, _r in window if status in (200, 201) and sent >= back]
    ready_back = next((when for when, status in load.ready if when >= back and status == 200), None)
    acknowledged_at, version = marker
    shown = [wall.showed(version, back) for wall in load.walls]
    told = [wall for wall in load.walls if any(start <= when < back + 1 and event == "status"
                                               for when, event, _data in wall.events)]
    redrawn = [wall.showed(0, back) for wall in told]  # the board again, as soon as the database answers
    acknowledged = [key for key, (_id, when) in load.acknowledged.items() if start <= when < end]
    return {
        "fault": name,
        "acknowledged": len(acknowledged),
        "stored": sum(1 for key in acknowledged if stored[story_of(key)]),
        "duplicates": sum(stored[story_of(key)] - 1 for key in acknowledged if stored[story_of(key)] > 1),
        "answers": dict(sorted(Counter(str(status) for _s, _a, status, _r in window).items())),
        "longest_wait_s": round(max(waits, default=0), 2),
        "walls_told_down": f"{len(told)}/{len(load.walls)}",
        "walls_redrawn_after_return_s": round(max((r - back for r in redrawn if r is not None), default=0), 2),
        "walls_with_next_card": f"{sum(1 for s in shown if s is not None)}/{len(shown)}",
        "card_to_every_wall_s": round(max((s - acknowledged_at for s in shown if s is not None), default=-1), 2),
        "first_write_after_return_s": round(min(writes_back, default=back - 1) - back, 2),
        "ready_200_after_return_s": round(ready_back - back, 2) if ready_back else None,
    }


def report(row: dict) -> None:
    print("\nFAULT", json.dumps(row))
    if os.environ.get("RCBINGO_FAULT_TABLE"):
        with open(os.environ["RCBINGO_FAULT_TABLE"], "a") as table:
            table.write(json.dumps(row) + "\n")


def check(row: dict, load: Load, start: float, back: float, end: float, walls: str = "") -> None:
    window = load.answers_between(start, end)
    during = [a for a in window if a[0] < back]
    assert row["stored"] == row["acknowledged"] and row["duplicates"] == 0, row
    assert set(row["answers"]) <= {"200", "201", "503"}, row  # no server error, no refused connection
    assert any(status == 503 for *_t, status, _r in during), row  # the fault was seen...
    assert all(retry for *_t, status, retry in window if status == 503), "a 503 without Retry-After"
    assert row["longest_wait_s"] <= BUDGET + SLACK, row  # ...and no one waited past the budget
    assert any(status == 503 for when, status in load.ready if start <= when < back), "/ready never said 503"
    assert row["ready_200_after_return_s"] is not None, row
    assert row["walls_with_next_card"] == f"{len(load.walls)}/{len(load.walls)}", (row, walls)
    assert row["walls_redrawn_after_return_s"] <= 1.0 and row["card_to_every_wall_s"] <= 1.0, (row, walls)


def keep_log(server: Gunicorn) -> None:
    """Copy the server's log where RCBINGO_FAULT_LOGS says (the folder it was in is removed)."""
    if os.environ.get("RCBINGO_FAULT_LOGS") and os.path.exists(server.log):
        os.makedirs(os.environ["RCBINGO_FAULT_LOGS"], exist_ok=True)
        shutil.copy(server.log, os.path.join(os.environ["RCBINGO_FAULT_LOGS"], f"gunicorn-{server.port}.log"))


def outage_lines(log: str) -> list[str]:
    # (after the app's log prefix: "[time] ERROR in database: rcbingo[pid]: …")
    return [line for line in log.splitlines() if "rcbingo[" in line]


def worker_pids(log: str) -> set[str]:
    return {line.rsplit(" ", 1)[1] for line in log.splitlines() if "Booting worker with pid" in line}


# --- The tests ----------------------------------------------------------------------------------------------


def debug_walls(load: Load, back: float) -> str:
    """What each wall saw around the return (for a failed check)."""
    return "\n".join(", ".join(f"{when - back:+.2f} {event}" for when, event, _data in wall.events if when > back - 10)
                     for wall in load.walls)


@pytest.mark.skipif(not (TEST_DATABASE_URL or ALL_FAULTS), reason="runs in the PostgreSQL pass (TEST_DATABASE_URL), "
                    "on a private server of its own; RCBINGO_ALL_FAULTS=1 runs it anywhere")
def test_a_killed_then_frozen_postgresql_loses_nothing_and_everything_recovers_by_itself():
    user = other_user("postgres")
    folder = private_folder(user)
    postgres = PrivatePostgres(folder, user)
    server = None
    try:
        postgres.init()
        postgres.start()
        url = postgres.url.replace("postgresql://", "postgresql+psycopg://")
        app = create_app({"TESTING": True, "SECRET_KEY": "faults", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            db.engine.dispose()
        secret, token = seed(url)
        server = Gunicorn(folder, postgres.url)
        server.start()
        load = Load(server.base, secret, token)
        load.start()
        faults = []  # (name, start, back, end, marker)

        # Killed under load (every server process, as by the OOM killer), restarted 3 s later.
        time.sleep(2)
        start = time.monotonic()
        postgres.kill()
        time.sleep(3)
        back = postgres.start()
        load.deliver("marker-kill", give_up=back + 30)
        marker = (load.acknowledged["marker-kill"][1], board_version(url))
        time.sleep(3)
        faults.append(("PostgreSQL killed (SIGKILL), restarted after 3 s", start, back, time.monotonic(), marker))
        time.sleep(0.5)  # (what is sent now belongs to neither fault's row; every answer is checked below)

        # Frozen for longer than the statement timeout and the request budget: only our own timers end a wait.
        start = time.monotonic()
        postgres.signal(signal.SIGSTOP)
        time.sleep(BUDGET + 2)
        postgres.signal(signal.SIGCONT)
        back = time.monotonic()
        load.deliver("marker-freeze", give_up=back + 30)
        marker = (load.acknowledged["marker-freeze"][1], board_version(url))
        time.sleep(3)
        faults.append((f"PostgreSQL frozen (SIGSTOP) for {BUDGET + 2} s", start, back, time.monotonic(), marker))
        load.stop()
        server.stop()

        stored = stored_stories(url)
        assert all(stored[story_of(key)] == 1 for key in load.acknowledged)  # over the whole run too
        assert max(answered - sent for sent, answered, _s, _r in load.answers) <= BUDGET + SLACK
        assert sum(stored.values()) == len(stored)
        for name, start, back, end, marker in faults:
            row = fault_row(name, load, stored, start, back, end, marker)
            report(row)
            check(row, load, start, back, end, debug_walls(load, back))
            assert row["walls_told_down"] == f"{len(load.walls)}/{len(load.walls)}", row  # "Reconnecting…"
        log = server.read_log()
        workers, lines = worker_pids(log), outage_lines(log)
        assert len(workers) == 2, log[-3000:]
        # Each worker: one line when each outage began, one when it ended; nothing else from us, no traceback.
        for pid in workers:
            mine = [line for line in lines if f"rcbingo[{pid}]" in line]
            assert [("unavailable" in line) for line in mine] == [True, False, True, False], lines
        assert len(lines) == 8 and "Traceback" not in log, log[-5000:]
    finally:
        if server is not None:
            server.stop()
            keep_log(server)
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(bool(TEST_DATABASE_URL) and not ALL_FAULTS, reason="runs in the SQLite pass (no TEST_DATABASE_URL)")
def test_workers_started_on_a_read_only_sqlite_file_write_again_once_it_is_writable(migrated_database,
                                                                                   passable_to_others):
    user = other_user("nobody")
    folder = private_folder(user)
    server = None
    try:
        path = os.path.join(folder, "rcbingo.sqlite3")
        if TEST_DATABASE_URL:  # (RCBINGO_ALL_FAULTS in the PostgreSQL pass) a SQLite file of our own
            app = create_app({"TESTING": True, "SECRET_KEY": "faults", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
            with app.app_context():
                upgrade()
                db.engine.dispose()
        else:
            shutil.copy(migrated_database, path)
        secret, token = seed(f"sqlite:///{path}")
        if user is not None:
            entry = pwd.getpwnam(user)
            for name in os.listdir(folder):
                os.chown(os.path.join(folder, name), entry.pw_uid, entry.pw_gid)
        for name in (path, path + "-wal", path + "-shm"):
            if os.path.exists(name):
                os.chmod(name, 0o444)

        server = Gunicorn(folder, f"sqlite:///{path}", user=user, python=python_for(user, folder))
        server.start()  # the workers open the file while it is read-only
        load = Load(server.base, secret, token)
        load.start()  # the walls only read: they show the board all along
        start = time.monotonic()
        time.sleep(3)
        os.chmod(path, 0o644)  # writable again (the -wal and -shm SQLite made meanwhile are still read-only)
        back = time.monotonic()
        load.deliver("marker-writable", give_up=back + 30)
        marker = (load.acknowledged["marker-writable"][1], board_version(f"sqlite:///{path}"))
        time.sleep(4)
        end = time.monotonic()
        load.stop()
        server.stop()
        stored = stored_stories(f"sqlite:///{path}")
        assert all(stored[story_of(key)] == 1 for key in load.acknowledged)
        row = fault_row("SQLite file read-only when the workers started, writable after 3 s", load, stored, start,
                        back, end, marker)
        report(row)
        check(row, load, start, back, end, debug_walls(load, back))
        # Once it has written again, every write of every worker goes through.
        late = [status for sent, _a, status, _r in load.answers if sent >= back + 1.5]
        assert late and set(late) <= {200, 201}, Counter(late)
        log = server.read_log()
        lines = [line for line in outage_lines(log) if "-shm" not in line and "-wal" not in line]
        for pid in worker_pids(log):
            mine = [line for line in lines if f"rcbingo[{pid}]" in line]
            assert [("unavailable" in line) for line in mine] in ([True, False], []), lines
        assert "Traceback" not in log, log[-5000:]
    finally:
        if server is not None:
            server.stop()
            keep_log(server)
        shutil.rmtree(folder, ignore_errors=True)

#!/usr/bin/env python3
"""RC Bingo benchmark: the brief's targets, measured in one run on SQLite and on PostgreSQL.

For each database: load 100,000 cards, start gunicorn with gevent workers, then measure
  live       publication → arrival at N connected wall displays (p50 / p95 / max; arrival: the kernel's receive
             time of the event, as this one client reads 500 walls one after the other), the server's memory per 100
             walls; on PostgreSQL also 500 walls watching a second app server (another host) on the same database
  pages      with wrk (Debian's `wrk`): requests/s of the pages people open (home, kiosk card, board page,
             wall page) and of the board's data route, each as a ratio to the trivial route /health measured in
             the same run (one route at a time, interleaved rounds, after a warm-up); one request alone (wrk -c1,
             median latency); the server's CPU per request (from /proc/<pid>/stat of the gunicorn processes)
  board      the data route's ratio again while cards are published five times a second
  submit     50 tablets sending cards for 30 s while 500 walls watch, each as soon as its last card is answered
             (the server's capacity), then for 20 s at one card every 2 s each (a steady 25 cards/s): cards/s,
             acknowledged vs stored, errors, p50 / p95, walls dropped
  newsletter a 300-story PDF asked for by a signed-in editor: seconds, the renderer's peak memory, and
             display latency while it renders
The Python client below drives what wrk cannot (walls, tablets with retries). The last line printed is one JSON
object with every figure; a full run (not --quick) is also kept in bench/results/<date>-<commit>.json with the
machine's facts. Traffic goes to 127.0.0.1 only.

Usage: python bench/run.py [--databases sqlite,postgresql] [--cards 100000] [--displays 1,100,500,1000] [--quick]
                           [--pages-only | --walls-only | --tablets-only]
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgresql://127.0.0.1:5432/postgres")
PG_NAME = "rcbingo_bench"
RESULTS = ROOT / "bench" / "results"
EDITOR, PASSWORD = "bench-editor@example.org", "a long benchmark password"


def pct(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))], 2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- preparing a database --------------------------------------------------------------------

def prepare(database: str, cards: int) -> tuple[dict, dict]:
    """A fresh database with the demo, `cards` published cards, a token and a display; returns env and ids."""
    env = dict(os.environ, FLASK_APP="rcbingo", SECRET_KEY=uuid.uuid4().hex, PYTHONPATH=str(ROOT))
    # The bench's walls are one link from one address, standing in for a thousand screens with links and addresses
    # of their own: the streams' budgets (config.py, "Budgets of public edges") are lifted for it.
    env |= {"WALL_STREAMS_PER_LINK": "100000", "WALL_STREAMS_PER_ADDRESS": "100000"}
    if database == "sqlite":
        folder = tempfile.mkdtemp(prefix="rcbingo-bench-")
        env["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {PG_NAME}")
        env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_NAME}"
    flask = [PYTHON, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo"], env=env, check=True, capture_output=True)
    started = time.monotonic()
    out = subprocess.run([PYTHON, __file__, "--load", str(cards)], env=env, check=True, capture_output=True, text=True)
    ids = json.loads(out.stdout.strip().splitlines()[-1])
    ids["load_seconds"] = round(time.monotonic() - started, 1)
    return env, ids


def load(cards: int) -> None:
    """(In a child process, inside the app.) Insert `cards` published cards fast, with their credits and squares:
    most spread over the past years, 300 in the current month for the newsletter."""
    from sqlalchemy import delete, func, insert, select

    from rcbingo import create_app
    from rcbingo.api.service import create_token
    from rcbingo.board.models import Credit, Game, Square
    from rcbingo.board.service import create_display
    from rcbingo.cards.models import Card, CardDimension, Nominee
    from rcbingo.database import write_transaction
    from rcbingo.extensions import db
    from rcbingo.org.accounts import create_account, set_roles
    from rcbingo.org.models import Person
    from rcbingo.org.service import unit_by_key
    from rcbingo.rc import DIMENSION_KEYS

    app = create_app()
    with app.app_context():
        icu = unit_by_key("icu")
        game = db.session.scalar(select(Game).where(Game.unit_id == icu.id))
        people = list(db.session.scalars(select(Person).where(Person.unit_id == icu.id)))
        participating = {w.id for w in game.workgroups}
        first_id = (db.session.scalar(select(func.max(Card.id))) or 0) + 1
        now = datetime.now(UTC)
        month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        rnd = random.Random(7)
        seq = game.credit_seq
        batch = 5000
        with write_transaction() as session:
            # Leave the last squares of every workgroup empty so no bingo is declared during loading.
            for start in range(0, cards, batch):
                rows, nominees, dims, credits = [], [], [], []
                for n in range(start, min(cards, start + batch)):
                    card_id = first_id + n
                    writer, nominee = rnd.sample(people, 2)
                    while nominee.workgroup_id == writer.workgroup_id:
                        nominee = rnd.choice(people)
                    # 300 in this month (the newsletter's), the rest over the two years before it
                    when = month_start - timedelta(minutes=rnd.randint(60 * 24, 60 * 24 * 700)) if n >= 300 else \
                        month_start + timedelta(hours=12, minutes=n)
                    chosen = rnd.sample(DIMENSION_KEYS[:5], 2)
                    rows.append({"id": card_id, "submission_id": uuid.uuid4().hex, "unit_id": icu.id,
                                 "nominator_name": writer.name, "nominator_workgroup_id": writer.workgroup_id,
                                 "nominator_unit_id": icu.id, "practice": "A practice worth copying",
                                 "story": f"Benchmark story {n}: they called early and the plan changed in time.",
                                 "search_text": f"a practice worth copying\nbenchmark story {n}: they called early and "
                                                "the plan changed in time.",
                                 "consent_publish": True, "show_nominator_name": n % 3 != 0, "status": "published",
                                 "created_at": when, "published_at": when, "flagged": False, "decision_reason": ""})
                    nominees.append({"card_id": card_id, "position": 0, "name": nominee.name,
                                     "workgroup_id": nominee.workgroup_id, "unit_id": icu.id})
                    dims += [{"card_id": card_id, "dimension": d} for d in chosen]
                    if nominee.workgroup_id in participating:
                        for d in chosen:
                            seq += 1
                            credits.append({"game_id": game.id, "card_id": card_id, "dimension": d, "seq": seq,
                                            "workgroup_id": nominee.workgroup_id, "counted_at": when})
                session.execute(insert(Card), rows)
                session.execute(insert(Nominee), nominees)
                session.execute(insert(CardDimension), dims)
                if credits:
                    session.execute(insert(Credit), credits)
            session.merge(game).credit_seq = seq
            session.execute(delete(Square).where(Square.game_id == game.id))
            counted = session.execute(select(Credit.workgroup_id, Credit.dimension, func.count()).where(
                Credit.game_id == game.id).group_by(Credit.workgroup_id, Credit.dimension)).all()
            session.add_all(Square(game_id=game.id, workgroup_id=w, dimension=d, cards=n) for w, d, n in counted)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                # The cards were inserted with their ids: move the id sequence past them.
                connection.exec_driver_sql("SELECT setval(pg_get_serial_sequence('card', 'id'), max(id)) FROM card")
                connection.commit()
            # Vacuumed now, not by autovacuum during the measurements (100,000 new rows would start it).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        editor = create_account(EDITOR, "Bench Editor", PASSWORD)
        set_roles(editor, {(icu.id, "editor")}, is_admin=False, actor=None)
        _token, secret = create_token("bench", [icu], can_write=True, can_export=False, actor=None)
        _display, wall = create_display(icu, "bench wall")
        total = db.session.scalar(select(func.count()).select_from(Card))
        print(json.dumps({"token": secret, "wall": wall, "cards": total}))


# --- a small HTTP client on asyncio (keeps everything on this machine, no extra packages) --------

async def request(port, method, path, headers=None, body=None, timeout=30, form=None):
    """One HTTP/1.1 request: (status, headers as lower-case names, body). `body` goes as JSON, `form` as a form."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    if form is not None:
        data, kind = urlencode(form).encode(), "application/x-www-form-urlencoded"
    else:
        data, kind = (json.dumps(body).encode() if body is not None else b""), "application/json"
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", f"Content-Length: {len(data)}"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if data:
        head.append(f"Content-Type: {kind}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), timeout)
    writer.close()
    status = int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/") else 0
    top, _, content = raw.partition(b"\r\n\r\n")
    fields = {}
    for line in top.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        fields.setdefault(name.strip().lower(), []).append(value.strip())
    if "chunked" in fields.get("transfer-encoding", []):
        content = dechunk(content)
    return status, fields, content


def dechunk(content: bytes) -> bytes:
    out = bytearray()
    while content:
        size, _, rest = content.partition(b"\r\n")
        length = int(size.split(b";")[0], 16)
        if not length:
            break
        out += rest[:length]
        content = rest[length + 2:]
    return bytes(out)


async def sign_in(port) -> dict:
    """Sign the bench's editor in; returns the Cookie header to send."""
    _status, fields, page = await request(port, "GET", "/sign-in")
    cookie = "; ".join(c.split(";")[0] for c in fields.get("set-cookie", []))
    token = re.search(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1).decode()
    status, fields, _ = await request(port, "POST", "/sign-in", {"Cookie": cookie},
                                      form={"csrf_token": token, "email": EDITOR, "password": PASSWORD})
    if status != 302:
        raise RuntimeError(f"the bench editor could not sign in ({status})")
    return {"Cookie": "; ".join(c.split(";")[0] for c in fields.get("set-cookie", []))}


WRK = "wrk"


def wrk_command(port, path, header, seconds, connections=16) -> list[str]:
    command = [WRK, f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if header:
        command += ["-H", header]
    return [*command, f"http://127.0.0.1:{port}{path}"]


def parse_wrk(out: str) -> dict:
    """wrk's report as figures: requests, seconds, requests/s, errors, latency percentiles (ms)."""

    def ms(text):
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return round(float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit], 3)

    done = re.search(r"(\d+) requests in ([\d.]+)(ms|s)", out)
    if done is None:
        raise RuntimeError(f"wrk said: {out.strip()}")
    requests, duration = int(done.group(1)), float(done.group(2)) / (1000 if done.group(3) == "ms" else 1)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    errors += int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    latency = {f"p{p}_ms": ms(m.group(1)) if (m := re.search(rf"^\s+{p}%\s+(\S+)", out, re.M)) else None
               for p in (50, 90, 99)}
    return {"requests": requests, "seconds": duration, "rps": requests / duration if duration else 0.0,
            "errors": errors, **latency}


def server_cpu_seconds(master: int) -> float:
    """CPU time (user + system) used so far by the gunicorn master and its workers, from /proc/<pid>/stat."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit():
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(entry.name) == master or int(fields[1]) == master:  # fields[1]: the parent's pid
                total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / tick


SERVER_PID = {"pid": 0}


async def wrk(port, path, header, seconds, connections=16) -> dict:
    """One wrk run against one route: its figures and the server's CPU per request (ms)."""
    before = server_cpu_seconds(SERVER_PID["pid"])
    process = await asyncio.create_subprocess_exec(*wrk_command(port, path, header, seconds, connections),
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await process.communicate()
    figures = parse_wrk(out.decode())
    figures["cpu_seconds"] = server_cpu_seconds(SERVER_PID["pid"]) - before
    return figures


async def pages(port, routes: dict, seconds: float, rounds: int = 3) -> dict:
    """For each route (name: (path, header)): requests/s and the ratio to the first route's (`/health`), the server's
    CPU per request and one request alone (wrk -c1: its median latency). Routes take turns: `rounds` runs of
    seconds/rounds each."""
    for path, header in routes.values():  # warm-up: every route, every worker, every cache
        await wrk(port, path, header, 1)
    runs = {name: [] for name in routes}
    for _ in range(rounds):
        for name, (path, header) in routes.items():
            runs[name].append(await wrk(port, path, header, max(1, round(seconds / rounds))))
    figures = {}
    for name, (path, header) in routes.items():
        done = runs[name]
        requests = sum(r["requests"] for r in done)
        alone = await wrk(port, path, header, 2, connections=1)
        figures[name] = {"rps": round(requests / sum(r["seconds"] for r in done)),
                         "errors": sum(r["errors"] for r in done),
                         "p50_ms": pct([r["p50_ms"] for r in done], 50),
                         "p99_ms": max(r["p99_ms"] or 0 for r in done),
                         "alone_ms": alone["p50_ms"],
                         "cpu_ms_per_request": round(1000 * sum(r["cpu_seconds"] for r in done) / requests, 3)
                         if requests else None}
    trivial = figures[next(iter(routes))]["rps"]
    for figure in figures.values():
        figure["ratio"] = round(figure["rps"] / trivial, 3) if trivial else None
    return figures


def pages_table(database: str, figures: dict) -> str:
    rows = [f"[{database}] {'route':<32} {'req/s':>7} {'x /health':>9} {'alone ms':>9} {'CPU ms/req':>10}"]
    for name, f in figures.items():
        shown = {k: "-" if f[k] is None else f[k] for k in ("rps", "ratio", "alone_ms", "cpu_ms_per_request")}
        rows.append(f"[{database}] {name:<32} {shown['rps']:>7} {shown['ratio']:>9} {shown['alone_ms']:>9} "
                    f"{shown['cpu_ms_per_request']:>10}" + (f"  ({f['errors']} errors)" if f["errors"] else ""))
    return "\n".join(rows)


def card_body(n: int) -> dict:
    return {"nominator": {"name": "Amara Osei", "workgroup": "nurses", "unit": "icu"},
            "nominees": [{"name": "Owen Fraser", "workgroup": "dietitians", "unit": "icu"}],
            "dimensions": ["timely"], "story": f"Bench card {n}: rang early with the lab results."}


async def publish(port, token, n):
    t = time.monotonic()
    status, _, _ = await request(port, "POST", "/api/v1/units/icu/cards",
                                 {"Authorization": f"Bearer {token}", "Idempotency-Key": f"bench-{n}-{uuid.uuid4()}"},
                                 card_body(n))
    return status, time.monotonic(), (time.monotonic() - t) * 1000


EVENT = b"event: board\n"


# The kernel's receive time of each chunk (SO_TIMESTAMPNS): a real wall is a device of its own, and this one client
# process reading 500 sockets one after the other would otherwise add its own queue to the later walls' figures.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


def received_at(ancillary, read: float) -> float:
    """The kernel's receive time of a chunk read at `read` (both on the monotonic clock)."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            seconds, nanoseconds = struct.unpack("qq", data)
            return min(read, read - (time.time() - (seconds + nanoseconds / 1e9)))
    return read


class Display:
    """One wall: an open SSE stream, noting when each board event reached it (`arrivals`: as the kernel received
    it; `read`: as this client got round to reading it)."""

    def __init__(self):
        self.arrivals, self.read, self.ready, self.task, self.dropped = [], [], asyncio.Event(), None, False

    async def run(self, port, wall):
        loop = asyncio.get_running_loop()
        sock = socket.socket()
        sock.setblocking(False)
        readable = asyncio.Event()
        try:
            await loop.sock_connect(sock, ("127.0.0.1", port))
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            await loop.sock_sendall(sock, f"GET /wall/{wall}/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                          "Accept: text/event-stream\r\n\r\n".encode())
            loop.add_reader(sock.fileno(), readable.set)
            # Whole chunks, counting event headers in them: parsing line by line would make this one client process,
            # not the server, the slowest part of the measurement at 500 walls.
            tail = b""
            while True:
                await readable.wait()
                readable.clear()
                while True:
                    try:
                        chunk, ancillary, _flags, _address = sock.recvmsg(1 << 16, socket.CMSG_SPACE(16))
                    except BlockingIOError:
                        break
                    if not chunk:
                        self.dropped = True
                        return
                    read = time.monotonic()
                    received = received_at(ancillary, read)
                    data = tail + chunk
                    for _ in range(data.count(EVENT)):
                        self.arrivals.append(received)
                        self.read.append(read)
                        self.ready.set()
                    tail = data[-(len(EVENT) - 1):]
        finally:
            with contextlib.suppress(ValueError, OSError):
                loop.remove_reader(sock.fileno())
            sock.close()


async def connect_walls(port, wall, count) -> list[Display]:
    """`count` walls watching the board, each having received it once."""
    displays = [Display() for _ in range(count)]
    for d in displays:
        d.task = asyncio.create_task(d.run(port, wall))
        await asyncio.sleep(0.002)
    await asyncio.wait_for(asyncio.gather(*(d.ready.wait() for d in displays)), 120)
    return displays


async def disconnect(displays: list[Display], port, token) -> None:
    """Close the walls, and let the server find out before the next phase: it learns that a wall has gone
    only when a write to it fails, the second after the wall closed, so two cards sweep them away."""
    for d in displays:
        d.task.cancel()
    for n in range(2):
        await publish(port, token, 90_000 + n)
        await asyncio.sleep(0.5)


def server_rss_mb(master: int) -> float:
    """Resident memory of the gunicorn master and its workers (MB), from /proc/<pid>/status."""
    total = 0
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit():
                continue
            status = (entry / "status").read_text()
            parent = int(status.split("PPid:")[1].split()[0])
            if int(entry.name) == master or parent == master:
                total += int(status.split("VmRSS:")[1].split()[0])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1024


async def live(port, token, wall, count, rounds, wall_port=None, memory_before=None, master=None):
    """Publish cards while `count` walls watch: ms from the publishing response to each wall's update. The walls
    watch the server on `wall_port` when given (another host behind the same load balancer: the card is published
    on `port`). `master` is the walls' server: its memory with the walls connected, less `memory_before` (read
    before any wall connected), is reported per 100 walls."""
    displays = await connect_walls(wall_port or port, wall, count)
    await asyncio.sleep(1)
    memory = server_rss_mb(master or SERVER_PID["pid"]) - memory_before if memory_before else None
    delays, as_read, missed, slowest = [], [], 0, []
    for r in range(rounds):
        before = [len(d.arrivals) for d in displays]
        _status, published, _ = await publish(port, token, 10_000 + r)
        await asyncio.sleep(3)
        this_round = [max(0.0, (d.arrivals[seen] - published) * 1000)
                      for d, seen in zip(displays, before, strict=True) if len(d.arrivals) > seen]
        as_read += [(d.read[seen] - published) * 1000 for d, seen in zip(displays, before, strict=True)
                    if len(d.read) > seen]
        missed += count - len(this_round)
        delays += this_round
        slowest.append(round(max(this_round), 1) if this_round else None)
    await disconnect(displays, port, token)
    return {"displays": count, "p50_ms": pct(delays, 50), "p95_ms": pct(delays, 95),
            "max_ms": round(max(delays), 1) if delays else None, "missed": missed, "slowest_per_round_ms": slowest,
            "p95_ms_as_this_client_read": pct(as_read, 95),
            "server_memory_mb_per_100_walls": round(memory / count * 100, 1) if memory and count >= 100 else None}


async def submit_load(port, token, seconds, tablets=50, every=None, phase="busy"):
    """`tablets` sending cards for `seconds`: each sends its next card as soon as the last is answered (every=None:
    the server's capacity), or one card every `every` seconds (a steady load)."""
    acknowledged, errors, latencies, deadline = [], 0, [], time.monotonic() + seconds

    async def tablet(t):
        nonlocal errors
        n = 0
        if every:
            await asyncio.sleep(random.uniform(0, every))
        while time.monotonic() < deadline:
            key = f"tablet-{phase}-{t}-{n}"
            started = time.monotonic()
            try:
                status, _, body = await request(port, "POST", "/api/v1/units/icu/cards",
                                                {"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                                                card_body(n))
                latencies.append((time.monotonic() - started) * 1000)
                if status in (200, 201):
                    acknowledged.append(json.loads(body)["id"])
                else:
                    errors += 1
            except (TimeoutError, OSError, ValueError):
                errors += 1
            n += 1
            if every:
                await asyncio.sleep(max(0.0, every - (time.monotonic() - started)))

    await asyncio.gather(*(tablet(t) for t in range(tablets)))
    return acknowledged, errors, latencies


async def tablets(database, env, port, token, wall, seconds, walls=500, every=None, phase="busy") -> dict:
    """50 tablets sending cards while `walls` walls watch: acknowledged vs stored, errors, p50/p95, walls dropped."""
    watching = await connect_walls(port, wall, walls)
    before = count_cards(env)["total"]
    started = time.monotonic()
    acknowledged, errors, latencies = await submit_load(port, token, seconds, every=every, phase=phase)
    elapsed = time.monotonic() - started
    acknowledged = set(acknowledged)
    counted = count_cards(env, acknowledged)
    await asyncio.sleep(2)
    await disconnect(watching, port, token)
    figures = {"acknowledged": len(acknowledged), "cards_per_second": round(len(acknowledged) / elapsed, 1),
               "stored": counted["stored"], "lost": len(acknowledged) - counted["stored"],
               # cards the phase stored beyond those acknowledged (a retry stored twice, say)
               "duplicated": counted["total"] - before - len(acknowledged),
               "errors": errors, "p50_ms": pct(latencies, 50), "p95_ms": pct(latencies, 95),
               "walls": len(watching), "walls_dropped": sum(d.dropped for d in watching),
               "fewest_updates_on_a_wall": min(len(d.arrivals) - 1 for d in watching)}
    print(f"[{database}] tablets ({phase}): {figures}", flush=True)
    return figures


def count_cards(env, ids=()) -> dict:
    """How many of the cards with these ids are stored, and how many cards are stored in all."""
    code = ("import json,sys;from rcbingo import create_app;from rcbingo.extensions import db;"
            "from rcbingo.cards.models import Card;from sqlalchemy import select,func;app=create_app()\n"
            "with app.app_context():\n ids=json.loads(sys.stdin.read())\n"
            " stored=db.session.scalar(select(func.count()).select_from(Card).where(Card.id.in_(ids)))\n"
            " print(json.dumps({'stored':stored,'total':db.session.scalar(select(func.count()).select_from(Card))}))")
    out = subprocess.run([PYTHON, "-c", code], env=env, input=json.dumps(list(ids)), capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def peak_rss_mb(name: bytes, stop: threading.Event) -> list[float]:
    """Watch /proc for processes whose command line holds `name` until `stop`; returns each one's peak RSS."""
    peaks: dict[int, float] = {}
    while not stop.is_set():
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and name in (entry / "cmdline").read_bytes():
                    status = (entry / "status").read_text()
                    peaks[int(entry.name)] = int(status.split("VmHWM:")[1].split()[0]) / 1024
            except (OSError, IndexError):
                continue
        time.sleep(0.05)
    return list(peaks.values())


async def newsletter(port, env, wall):
    """The month's 300-story issue as a PDF, asked for by a signed-in editor as the Export button does, while
    three walls watch a card being published."""
    draft = subprocess.run([PYTHON, "-m", "flask", "newsletter-draft", "icu", datetime.now(UTC).strftime("%Y-%m")],
                           env=env, capture_output=True, text=True, check=True)
    issue = draft.stdout.split()[0]
    cookie = await sign_in(port)
    displays = await connect_walls(port, wall, 3)
    stop = threading.Event()
    memory = asyncio.get_running_loop().run_in_executor(None, peak_rss_mb, b"newsletter/pdf.py", stop)
    started = time.monotonic()
    render = asyncio.create_task(request(port, "GET", f"/newsletter/{issue}/issue.pdf", cookie, timeout=120))
    await asyncio.sleep(1.5)  # well into the rendering
    seen = [len(d.arrivals) for d in displays]
    _status, published, _ = await publish(port, env["BENCH_TOKEN"], 99_999)
    status, _fields, pdf = await render
    seconds = time.monotonic() - started
    stop.set()
    peaks = await memory
    await asyncio.sleep(1)
    delays = [(d.arrivals[s] - published) * 1000 for d, s in zip(displays, seen, strict=True) if len(d.arrivals) > s]
    await disconnect(displays, port, env["BENCH_TOKEN"])
    out = os.path.join(tempfile.mkdtemp(prefix="rcbingo-bench-"), "issue.pdf")
    Path(out).write_bytes(pdf)
    pages = subprocess.run(["pdfinfo", out], capture_output=True, text=True).stdout if status == 200 else ""
    return {"status": status, "pdf_seconds": round(seconds, 2),
            "pdf_pages": next((int(l.split()[-1]) for l in pages.splitlines() if l.startswith("Pages:")), None),
            "renderer_peak_memory_mb": round(max(peaks), 1) if peaks else None,
            "display_latency_during_render_ms": round(max(delays), 1) if delays else None}


# --- one database ---------------------------------------------------------------------------

async def measure(database, env, ids, port, displays, quick, pages_only=False, other_host=None,
                  walls_only=False, tablets_only=False):
    token, wall = ids["token"], ids["wall"]
    env["BENCH_TOKEN"] = token
    result = {"database": database, "cards_stored": ids["cards"], "load_seconds": ids["load_seconds"]}
    if walls_only:
        await walls(database, result, port, token, wall, displays, quick, other_host)
        return result
    if tablets_only:
        await publishing_phases(database, env, result, port, token, wall, displays, quick)
        return result
    if not pages_only:
        result["newsletter"] = await newsletter(port, env, wall)  # first: the month holds the 300 loaded stories
        print(f"[{database}] newsletter: {result['newsletter']}", flush=True)
    seconds = 6 if quick else 12
    board_path = "/api/v1/units/icu/board"
    auth_header = f"Authorization: Bearer {token}"
    # What people open, and the board's data, each against the trivial route in the same run (wrk, one route at a
    # time, interleaved rounds after a warm-up so that a drift in the machine's speed touches every route alike).
    _status, fields, _page = await request(port, "GET", "/u/icu/card")  # a tablet keeps the cookie of its first card
    tablet = "Cookie: " + "; ".join(c.split(";")[0] for c in fields.get("set-cookie", []))
    routes = {"/health": ("/health", None), board_path: (board_path, auth_header), "/": ("/", None),
              "/u/icu/card": ("/u/icu/card", None), "/u/icu/card (returning tablet)": ("/u/icu/card", tablet),
              "/u/icu/board": ("/u/icu/board", None), "/wall/<token>": (f"/wall/{wall}", None)}
    result["pages"] = await pages(port, routes, seconds)
    print(pages_table(database, result["pages"]), flush=True)
    trivial = result["pages"]["/health"]["rps"]
    board_figures = result["pages"][board_path]

    async def publishing():
        n = 0
        while True:
            await publish(port, token, 50_000 + n)
            n += 1
            await asyncio.sleep(0.2)

    writer = asyncio.create_task(publishing())
    busy = await wrk(port, board_path, auth_header, seconds)
    writer.cancel()
    result["board"] = {"rps": board_figures["rps"], "trivial_rps": trivial, "ratio": board_figures["ratio"],
                       "p50_ms": board_figures["p50_ms"], "p99_ms": board_figures["p99_ms"],
                       "errors": board_figures["errors"], "rps_while_publishing": round(busy["rps"]),
                       "ratio_while_publishing": round(busy["rps"] / trivial, 2) if trivial else None,
                       "p99_ms_while_publishing": busy["p99_ms"], "errors_while_publishing": busy["errors"]}
    print(f"[{database}] board data {result['board']['ratio']}x /health "
          f"({result['board']['ratio_while_publishing']}x while publishing 5/s)", flush=True)
    if pages_only:
        return result
    await walls(database, result, port, token, wall, displays, quick, other_host)
    await publishing_phases(database, env, result, port, token, wall, displays, quick)
    return result


async def publishing_phases(database, env, result, port, token, wall, displays, quick) -> None:
    """50 tablets as fast as the server answers them (its capacity), then at a steady 25 cards a second in all."""
    walls_watching = min(500, max(displays))
    result["submit"] = await tablets(database, env, port, token, wall, 10 if quick else 30, walls_watching)
    result["submit_steady"] = await tablets(database, env, port, token, wall, 10 if quick else 20, walls_watching,
                                            every=2.0, phase="steady")


async def walls(database, result, port, token, wall, displays, quick, other_host) -> None:
    """The live phases: a card's arrival at each number of walls, and at walls on the other host."""
    result["live"] = []
    memory_before = None  # read once the server has served walls (its first board, templates and caches made)
    for count in displays:
        figures = await live(port, token, wall, count, rounds=2 if quick else 7, memory_before=memory_before)
        result["live"].append(figures)
        memory_before = memory_before or server_rss_mb(SERVER_PID["pid"])
        print(f"[{database}] live {count} displays: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
              f"max {figures['max_ms']} ms, missed {figures['missed']}, "
              f"server memory per 100 walls {figures['server_memory_mb_per_100_walls']} MB", flush=True)
    if other_host:  # a second app server on the same database, as behind a load balancer: walls there, cards here
        figures = await live(port, token, wall, 500, rounds=2 if quick else 7, wall_port=other_host)
        result["live_on_the_other_host"] = figures
        print(f"[{database}] live 500 displays on the other host: p50 {figures['p50_ms']} ms, "
              f"p95 {figures['p95_ms']} ms, max {figures['max_ms']} ms, missed {figures['missed']}", flush=True)


def run_database(database, args):
    print(f"[{database}] loading {args.cards} cards…", flush=True)
    env, ids = prepare(database, args.cards)
    # PostgreSQL also gets a second app server, as another host behind a load balancer (SQLite is one host's).
    one_host = args.pages_only or args.tablets_only
    servers = [start_server(env) for _ in range(2 if database == "postgresql" and not one_host else 1)]
    SERVER_PID["pid"] = servers[0][0].pid
    try:
        return asyncio.run(measure(database, env, ids, servers[0][1], args.displays, args.quick, args.pages_only,
                                   other_host=servers[1][1] if len(servers) > 1 else None,
                                   walls_only=args.walls_only, tablets_only=args.tablets_only))
    finally:
        for server, _port in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def start_server(env) -> tuple[subprocess.Popen, int]:
    """gunicorn with two gevent workers on a free port, as the README runs it; returns it once it answers."""
    port = free_port()
    server = subprocess.Popen([PYTHON, "-m", "gunicorn", "--worker-class", "gevent", "--workers", "2",
                               "--worker-connections", "2000", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                               "wsgi:app"], cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return server, port


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--displays", default="1,100,500,1000")
    parser.add_argument("--quick", action="store_true", help="shorter phases, for a smoke run")
    parser.add_argument("--pages-only", action="store_true",
                        help="only the wrk phases (pages and the board's data route), for a quick look")
    parser.add_argument("--walls-only", action="store_true",
                        help="only the live phases (walls, and walls on the other host), for a quick look")
    parser.add_argument("--tablets-only", action="store_true",
                        help="only the publishing phases (50 tablets at capacity, then steady), for a quick look")
    parser.add_argument("--load", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load is not None:
        return load(args.load)
    args.displays = [int(n) for n in args.displays.split(",")]
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 500 displays need 500 sockets
    if shutil.which(WRK) is None:
        sys.exit("wrk is missing: `make bench` installs it (Debian's wrk package), or: sudo apt-get install wrk")
    results = [run_database(database, args) for database in args.databases.split(",")]
    run = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit(), "machine": machine(),
           "quick": args.quick, "cards": args.cards, "results": results}
    # the history keeps full runs: a regression shows
    if not (args.quick or args.pages_only or args.walls_only or args.tablets_only):
        RESULTS.mkdir(exist_ok=True)
        name = f"{run['when'][:19].replace(':', '')}-{run['commit'][:12] or 'unknown'}.json"
        (RESULTS / name).write_text(json.dumps(run, indent=1) + "\n")
        print(f"saved in bench/results/{name}", flush=True)
    print(json.dumps(run))


def commit() -> str:
    """The commit measured (with "+changes" when the working tree differs from it)."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
    return head + ("+changes" if head and dirty else "")


def machine() -> dict:
    """What the figures were measured on: they are comparable only on the same machine."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", info, re.M)
    memory = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M) \
        if Path("/proc/meminfo").exists() else None
    version = subprocess.run([WRK, "--version"], capture_output=True, text=True)
    return {"nproc": os.cpu_count(), "memory_gb": round(int(memory.group(1)) / 1024 ** 2, 1) if memory else None,
            "cpu_model": model.group(1).strip() if model else None, "python": sys.version.split()[0],
            "wrk": (version.stdout + version.stderr).split("[")[0].strip() or None,
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


if __name__ == "__main__":
    main()

"""A graceful stop or restart of gunicorn does not wait for the wall streams: they end at once, and the walls
reconnect by themselves (gunicorn.conf.py, board.live.end_streams)."""

import os
import signal
import socket
import time

from .test_faults import free_port
from .test_wall_budgets import gunicorn, wall  # noqa: F401 - the fixture


def test_a_graceful_stop_ends_the_wall_streams_at_once_instead_of_waiting_its_timeout(app, wall, database_uri):  # noqa: F811
    """Before: each worker waited its whole graceful timeout (30 s by default) for streams that never end."""
    from rcbingo.extensions import db

    db.engine.dispose()
    port = free_port()
    server = gunicorn(port, database_uri, workers=1, graceful_timeout=30)
    stream = socket.create_connection(("127.0.0.1", port), timeout=40)
    try:
        stream.sendall(f"GET /wall/{wall}/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
                       .encode())
        received = b""
        while b"event: board" not in received:  # the wall shows its board
            received += stream.recv(65536)
        stopped = time.monotonic()
        os.killpg(server.pid, signal.SIGTERM)
        while chunk := stream.recv(65536):  # the server ends the stream (and the connection)
            received += chunk
        ended = time.monotonic() - stopped
        server.wait(timeout=40)
        gone = time.monotonic() - stopped
        assert received.endswith(b"0\r\n\r\n")  # the stream's last chunk: ended in good order, not cut
        assert ended < 3 and gone < 6, (ended, gone)
    finally:
        stream.close()
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()

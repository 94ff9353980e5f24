"""Faults on demand for the resilience tests: a database that stops answering, a server that stops and starts."""

import socket
import threading

from sqlalchemy import event
from werkzeug.serving import make_server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DatabaseSwitch:
    """While `away` is set, every statement of the engine fails as an unreachable database fails (the driver's own
    OperationalError), whichever request, stream or watcher sends it."""

    def __init__(self, engine):
        self.engine = engine
        self.away = False
        dbapi = engine.dialect.loaded_dbapi
        message = "unable to open database file" if engine.dialect.name == "sqlite" else "connection refused"

        def refuse(*_args):
            if self.away:
                raise dbapi.OperationalError(message)

        self._refuse = refuse
        event.listen(engine, "before_cursor_execute", refuse)

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._refuse)


class Server:
    """The app on a fixed local port in a background thread, which can be stopped (connections are refused) and
    started again at the same address."""

    def __init__(self, app):
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = None

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

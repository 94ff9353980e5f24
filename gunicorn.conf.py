"""gunicorn's settings for RC Bingo (read from the working folder, or with --config gunicorn.conf.py).

The access log masks the secrets that wall displays, survey links and tablet enrolment carry in their
addresses (rcbingo/logs.py). Workers, address, worker class and --access-logfile stay on the command line
(README)."""

import threading
import time

from gunicorn.glogging import Logger


class MaskingLogger(Logger):
    """gunicorn's logger with secrets masked in every value of the access log."""

    patterns = None

    def atoms(self, resp, req, environ, request_time):
        # The app is read in the worker on first use, never in the master: imported there, before gevent
        # patches threading, its module-level locks would stay real OS locks in every worker.
        from rcbingo.logs import app_patterns, mask

        if self.patterns is None:
            self.patterns = app_patterns()
        return {key: mask(value, self.patterns) if isinstance(value, str) else value
                for key, value in super().atoms(resp, req, environ, request_time).items()}


logger_class = MaskingLogger


def post_worker_init(worker):
    """Build the patient-information screen's language detector before the worker takes requests (about 2 s and
    200 MB; rcbingo/privacy/language.py), so no card waits for it. gevent has patched the worker by now."""
    from rcbingo.privacy.language import detector

    detector()
    # Wall streams end as soon as the worker stops taking requests (a graceful stop or restart, max_requests): never
    # ending by themselves, they would hold it for its whole graceful timeout. A thread, so a greenlet under gevent.
    threading.Thread(target=_end_streams_when_stopping, args=(worker,), name="end-streams", daemon=True).start()


def _end_streams_when_stopping(worker):
    from rcbingo.board.live import end_streams

    while worker.alive:
        time.sleep(0.5)
    end_streams()

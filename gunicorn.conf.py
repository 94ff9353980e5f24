"""gunicorn's settings for RC Bingo (read from the working folder, or with --config gunicorn.conf.py).

The access log, and gunicorn's own messages (an invalid request's line, "Error handling request <path>"), mask the
secrets that wall displays, survey links and tablet enrolment carry in their addresses (rcbingo/logs.py). Workers,
address, worker class and --access-logfile stay on the command line (README)."""

import logging
import sys

from gunicorn.glogging import Logger


class MaskedMessages(logging.Filter):
    """gunicorn's own messages masked as the access log is, in a worker that has made the app (the master never
    imports it, and names no request)."""

    def filter(self, record):
        logs = sys.modules.get("rcbingo.logs")
        if logs is not None and logs._served:
            record.msg, record.args = logs.mask(record.getMessage(), logs._served), ()
        return True


class MaskingLogger(Logger):
    """gunicorn's logger with secrets masked in every value of the access log."""

    patterns = None

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(MaskedMessages())

    def atoms(self, resp, req, environ, request_time):
        # The app is read in the worker on first use, never in the master: imported there, before gevent
        # patches threading, its module-level locks would stay real OS locks in every worker.
        from rcbingo.logs import app_patterns, mask

        if self.patterns is None:
            self.patterns = app_patterns()
        return {key: mask(value, self.patterns) if isinstance(value, str) else value
                for key, value in super().atoms(resp, req, environ, request_time).items()}


logger_class = MaskingLogger
# No path prefix from a request's headers, even from a trusted proxy's address: the app takes its prefix from its
# settings alone (BASE_URL, rcbingo/links.py). gunicorn's default trusts a SCRIPT_NAME header from 127.0.0.1, and a
# request whose path does not start with it got gunicorn's own 500.
forwarder_headers = ""


def post_worker_init(worker):
    """Build the patient-information screen's language detector before the worker takes requests (about 2 s and
    200 MB; rcbingo/privacy/language.py), so no card waits for it. gevent has patched the worker by now."""
    from rcbingo.privacy.language import detector

    detector()

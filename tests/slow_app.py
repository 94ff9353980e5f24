"""The app as wsgi.py makes it, plus two routes slow on purpose (SLOW_SECONDS), for tests/test_request_budget.py
to run under gunicorn: one slow before it answers, one slow in its teardown, after Flask has started the answer."""

import os

import gevent
from flask import g

from wsgi import app

SLOW = float(os.environ.get("SLOW_SECONDS", "2"))


@app.get("/slow/view")
def slow_view():
    gevent.sleep(SLOW)
    return "Too late."


@app.get("/slow/teardown")
def slow_teardown():
    g.slow_teardown = True
    return "An answer made in time. " * 80


@app.teardown_request
def _slow_teardown(_error):
    if g.get("slow_teardown"):
        gevent.sleep(SLOW)

"""Password hashes: made and checked off a gevent worker's event loop, a few at a time per process.

A scrypt hash (werkzeug's default) takes a tenth of a second of CPU and 32 MB. Run on a gevent worker's event loop it
lets nothing else run meanwhile: a burst of anonymous sign-ins once stalled every request of a worker (its walls
reconnected, a kiosk card waited 13 s). So in a gevent worker each hash runs in a gevent thread pool of its own
(hashlib's scrypt releases the GIL: the worker's other requests go on meanwhile; its threads yield the CPU to the
event loop), and each process runs at most
SIGN_IN_HASHES_AT_ONCE at once (config.py, "Budgets of public edges"); one that finds no turn within
SIGN_IN_HASH_WAIT_SECONDS raises Busy (the sign-in page answers 503 with Retry-After). Without gevent (the
development server, the tests) a hash runs in the calling thread, under the same bound.
"""

import os
import sys
import threading
from functools import cache

from flask import current_app
from werkzeug import security

from ..database import _gevent_patched


class Busy(Exception):
    """Every turn to hash stayed taken for the whole wait."""


def check(stored_hash: str, password: str) -> bool:
    return _in_turn(security.check_password_hash, stored_hash, password)


def make(password: str) -> str:
    return _in_turn(security.generate_password_hash, password)


@cache
def dummy() -> str:
    """Checked when no account matches, so an unknown email costs what a wrong password does (made on first use:
    a hash at every process start would cost each worker a tenth of a second)."""
    return make("not a real password")


def _in_turn(work, *args):
    config = current_app.config
    turns = _turns(config["SIGN_IN_HASHES_AT_ONCE"])
    if not turns.acquire(timeout=config["SIGN_IN_HASH_WAIT_SECONDS"]):
        raise Busy
    try:
        if _gevent_patched():
            return _pool(config["SIGN_IN_HASHES_AT_ONCE"]).apply(_meekly, (work, *args))
        return work(*args)
    finally:
        turns.release()


def _meekly(work, *args):
    """In a thread of the pool: behind the worker's event loop in the queue for the CPU (nice 10, Linux), so that a
    burst of hashes slows sign-ins, not the pages the loop serves."""
    if sys.platform.startswith("linux"):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    return work(*args)


@cache
def _pool(count: int):
    """gevent's threads for hashes alone (the hub's own pool also resolves host names: it is left at full speed)."""
    from gevent.threadpool import ThreadPool

    return ThreadPool(max(1, count))


@cache
def _turns(count: int):
    """The turns of this process, made at first use in the worker: in a gevent worker, gevent's semaphore, so that
    waiting for a turn lets the worker's other requests run."""
    if _gevent_patched():
        from gevent.lock import BoundedSemaphore

        return BoundedSemaphore(max(1, count))
    return threading.BoundedSemaphore(max(1, count))

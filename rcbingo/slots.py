"""At most N of one kind of heavy work at once on this host, across all its worker processes (the budgets in
config.py, "Budgets of public edges").

N lock files in a folder under the temporary directory; a holder keeps one locked (flock) while it works. The kernel
frees a lock when its holder's file is closed, so a worker that dies, even killed, frees its slot at once: nothing to
clean up, no count to drift. A slot is looked for again every 50 ms (a gevent worker's other requests run meanwhile)
until the wait runs out. Per host, not per deployment: each host has its own memory and cores, which is what the
bound protects; no Redis is needed.
"""

import fcntl
import hashlib
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

STEP_SECONDS = 0.05


class NoSlot(Exception):
    """Every slot stayed taken for the whole wait."""


def folder_for(kind: str, instance_path: str) -> Path:
    """The slots of `kind` for the app at `instance_path` (its processes share them; another app's do not)."""
    digest = hashlib.sha256(os.path.realpath(instance_path).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"rcbingo-{os.getuid()}-{digest}-{kind}"


@contextmanager
def slot(folder: Path, count: int, wait_seconds: float):
    """Hold one of `count` slots in `folder` for the block; NoSlot if none comes free within `wait_seconds`."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        for number in range(max(1, count)):
            held = os.open(folder / f"{number}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(held)
                continue
            try:
                yield
            finally:
                os.close(held)  # (frees the lock)
            return
        if time.monotonic() >= deadline:
            raise NoSlot
        time.sleep(STEP_SECONDS)

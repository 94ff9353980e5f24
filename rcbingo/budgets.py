"""Counted budgets of public edges (config.py, "Budgets of public edges"): who a client counts as, and a count that
checks in the same step.

Counts live where Flask-Limiter keeps them (RATELIMIT_STORAGE_URI: Redis when several workers or hosts serve the
app). `spend` counts first and answers whether the count stayed within the budget, in one step of the storage (Redis:
one INCR): requests sent at once cannot all pass a check made before any of them was counted.
"""

import ipaddress
from functools import lru_cache

from flask import current_app, request
from limits import parse_many

from .extensions import limiter


def client_network(address: str | None = None) -> str:
    """The client as a budget counts it (behind PROXY_HOPS proxies, the address they forward). An IPv6 client counts
    by its /64, which one household or hospital network holds whole (it could otherwise take a new address for every
    attempt); an IPv4 client by its address."""
    address = request.remote_addr if address is None else address
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or ""
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


def spend(budget: str, kind: str, key: str) -> bool:
    """Count one against every part of `budget` ("5 per minute; 20 per hour") for `key`, and say whether every part
    stayed within it. A refused attempt counts too (the storage counts before it compares). The counts of apps with
    different RATELIMIT_KEY_PREFIX settings stay apart in one storage."""
    names = (current_app.config.get("RATELIMIT_KEY_PREFIX") or "", kind, key)
    within = [limiter.limiter.hit(part, *names) for part in _parts(budget)]  # every part counts, refused or not
    return all(within)


@lru_cache(maxsize=16)
def _parts(budget: str):
    return tuple(parse_many(budget))

"""Secrets in links and cookies (sessions, tablets, walls, surveys, integrations) are stored only as hashes."""

import hashlib


def token_hash(token: str) -> str:
    """What is stored of a secret: enough to recognise it, nothing to reuse if the database leaks."""
    return hashlib.sha256(token.encode()).hexdigest()

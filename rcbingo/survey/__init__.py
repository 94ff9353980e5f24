"""Relational Coordination survey: scoring rules and CSV reading, as plain Python (no Flask, no database)."""

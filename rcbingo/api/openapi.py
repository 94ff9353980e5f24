"""The API's OpenAPI 3.1 document: the contract integrations (and schemathesis in CI) work from."""

from markupsafe import Markup

from ..cards.rules import NAME_MAX, PEOPLE_MAX, PRACTICE_MAX, STORY_MAX
from ..rc import DIMENSION_KEYS
from ..web import markdown_html

DOC_TAGS = {"p", "br", "em", "strong", "code", "a", "ul", "ol", "li"}


def as_html(text: str) -> Markup:
    """A description's Markdown as HTML for the docs page, with anything but simple formatting and links removed."""
    return markdown_html(text, DOC_TAGS)


def _person() -> dict:
    return {"type": "object", "required": ["name", "workgroup", "unit"], "additionalProperties": False,
            "properties": {"name": {"type": "string", "minLength": 1, "maxLength": NAME_MAX},
                           "workgroup": {"type": "string", "description": "A workgroup's key, e.g. nurses"},
                           "unit": {"type": "string", "description": "A unit's key, e.g. icu"}}}


def _error(description: str) -> dict:
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


UNIT = {"name": "unit", "in": "path", "required": True, "schema": {"type": "string"}, "description": "A unit's key"}


def document(version: str, server: str = "/") -> dict:
    card_in = {"type": "object", "required": ["nominator", "nominees", "dimensions", "story"],
               "additionalProperties": False, "properties": {
                   "nominator": _person(),
                   "nominees": {"type": "array", "minItems": 1, "maxItems": PEOPLE_MAX, "items": _person()},
                   "dimensions": {"type": "array", "minItems": 1, "uniqueItems": True,
                                  "items": {"type": "string", "enum": list(DIMENSION_KEYS)}},
                   "practice": {"type": "string", "maxLength": PRACTICE_MAX},
                   "story": {"type": "string", "minLength": 1, "maxLength": STORY_MAX},
                   "consent_publish": {"type": "boolean", "default": True},
                   "show_nominator_name": {"type": "boolean", "default": True}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "RC Bingo API", "version": version, "description": (
            "Cards, boards and exports for integrations. Every call needs `Authorization: Bearer <token>`; "
            "an administrator makes tokens (Manage → Integration tokens), each for some units, with optional "
            "rights to create cards and to export. Errors are JSON: `{\"error\": \"…\"}`, and card refusals add "
            "`problems` by field.")},
        "servers": [{"url": server}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "string"},
                    "problems": {"type": "object", "additionalProperties": {"type": "string"}}}},
                "CardIn": card_in,
            },
        },
        "paths": {
            "/api/v1/units/{unit}/cards": {
                "post": {
                    "summary": "Create a card, as if written on the unit's tablet",
                    "description": "Sending the same `Idempotency-Key` again with the same card returns the card "
                                   "already stored (**200**); with another card it is refused (**422**, as the "
                                   "IETF's Idempotency-Key draft says): a new card needs a new key.",
                    "parameters": [UNIT, {"name": "Idempotency-Key", "in": "header", "required": True,
                                          "schema": {"type": "string", "minLength": 1, "maxLength": 100}}],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/CardIn"}}}},
                    "responses": {"201": {"description": "Stored"}, "200": {"description": "Already stored"},
                                  "400": _error("Not JSON, or no Idempotency-Key"), "401": _error("No valid token"),
                                  "403": _error("Not allowed for this token"), "404": _error("No such unit"),
                                  "422": _error("Refused by the card's rules, or an Idempotency-Key already "
                                                "used for another card")}},
                "get": {
                    "summary": "Published cards of the unit, newest first, as shareable as their writers allowed",
                    "description": "A page holds at most `limit` cards; `next_cursor` (null on the last page) asks "
                                   "for the next, older ones: send it back as `cursor` with the same `since`. A "
                                   "cursor is opaque, and cards published meanwhile never move the pages after it.",
                    "parameters": [UNIT, {"name": "since", "in": "query", "schema": {"type": "string",
                                                                                    "format": "date-time"},
                                          "description": "Only cards published after this moment"},
                                   {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                              "maximum": 200, "default": 50}},
                                   {"name": "cursor", "in": "query", "schema": {"type": "string"},
                                    "description": "The `next_cursor` of the page before"}],
                    "responses": {"200": {"description": "The cards", "content": {"application/json": {"schema": {
                                      "type": "object", "required": ["cards", "next_cursor"], "properties": {
                                          "cards": {"type": "array", "items": {"type": "object"}},
                                          "next_cursor": {"type": ["string", "null"]}}}}}},
                                  "400": _error("A bad parameter"),
                                  "401": _error("No valid token"), "403": _error("Not allowed for this token"),
                                  "404": _error("No such unit")}}},
            "/api/v1/units/{unit}/board": {"get": {
                "summary": "The unit's board: its game, each workgroup's squares and progress, winners, focus",
                "description": "A change made through another server process shows within 0.2 seconds; "
                               "`version` grows with every change. `winners` lists the places announced (a "
                               "coordinator confirmed them where the unit confirms wins, and every earlier place "
                               "is decided), each with its `rank` (1 the winner, counted over announced places) and "
                               "its `place` in the order cards completed boards; `being_checked`, the wins still "
                               "waiting for that confirmation. `game.state` is `won` once a place is announced.",
                "parameters": [UNIT],
                "responses": {"200": {"description": "The board"}, "401": _error("No valid token"),
                              "403": _error("Not allowed for this token"), "404": _error("No such unit")}}},
            "/api/v1/units/{unit}/cards.csv": {"get": {
                "summary": "Every card written in the unit between two dates (coordinators' export)",
                "description": "Needs a token with the export right, or a signed-in coordinator of the unit. "
                               "`from` and `to` are days on the unit's clocks; times are written in its time "
                               "zone with their offset (ISO 8601, e.g. `2026-03-04T23:30:00-06:00`).",
                "parameters": [UNIT,
                               {"name": "from", "in": "query", "required": True, "schema": {"type": "string",
                                                                                            "format": "date"}},
                               {"name": "to", "in": "query", "required": True, "schema": {"type": "string",
                                                                                          "format": "date"}}],
                "responses": {"200": {"description": "CSV", "content": {"text/csv": {}}},
                              "400": _error("Bad dates"), "401": _error("No valid token"),
                              "403": _error("Not allowed"), "404": _error("No such unit")}}},
        },
    }

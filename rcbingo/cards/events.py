"""Moments in a card's life that other domains (the board) take part in, inside the same transaction."""

from dataclasses import dataclass

from blinker import Namespace

_events = Namespace()

# Sent with card and session when a card starts or stops counting (published; rejected or withdrawn
# after publication). Receivers write in the same session, so they commit or fail with the card.
card_published = _events.signal("card-published")
card_unpublished = _events.signal("card-unpublished")


@dataclass(frozen=True)
class Completed:
    """What a receiver of card_published may answer: the card completed these workgroups' board (`checked`: a
    coordinator confirms the bingo before it is announced). The card's thank-you reads it (cards.service.submit)."""

    workgroups: tuple[str, ...]
    checked: bool

# Sent with card and session when a published card's text changes (a coordinator's redaction): what
# shows it (the walls) must show the new text at once.
card_edited = _events.signal("card-edited")

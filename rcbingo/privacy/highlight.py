"""Splitting a text around its findings, so a page can mark each one."""

from collections.abc import Sequence


def segments(text: str, findings: Sequence) -> list[tuple[str, object | None]]:
    """The text in pieces: (piece, finding) for each finding's span, (piece, None) between them.

    Findings are sorted and do not overlap (the screen guarantees it); joining the pieces gives the text back.
    """
    pieces, at = [], 0
    for finding in findings:
        if finding.start < at:
            continue
        if finding.start > at:
            pieces.append((text[at:finding.start], None))
        pieces.append((text[finding.start:finding.end], finding))
        at = finding.end
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces

"""The organization view's chart, as plain functions of plain data."""

from dataclasses import dataclass

NICE_STEPS = (1, 2, 5)


@dataclass(frozen=True)
class Scale:
    """One scale for every unit's bars, so that their heights compare: 0 at the bottom, `top` at the top line."""

    top: int

    def height(self, count: int, full: float) -> float:
        """The height of a bar of `count` cards on a chart `full` units high."""
        return round(full * min(count, self.top) / self.top, 1)

    @property
    def middle(self) -> int | None:
        """A whole number halfway up to label, or None when half the top is not one."""
        return self.top // 2 if self.top % 2 == 0 else None


def scale(counts) -> Scale:
    """The smallest nice number (1, 2, 5, 10, 20, 50…) at or above the highest week's cards of any unit."""
    peak, magnitude = max(counts, default=0), 1
    while True:
        for step in NICE_STEPS:
            if step * magnitude >= peak:
                return Scale(step * magnitude)
        magnitude *= 10

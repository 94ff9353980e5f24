"""The seven dimensions of Relational Coordination, in the order and grouping of the paper card.

Plain data, no Flask and no database: every domain speaks of dimensions by their keys.
Labels are marked with N_() for extraction and translated where they are shown (the `tr` filter).
"""

from dataclasses import dataclass

# Every message marked with N_(): the only non-literal text the interface may translate, so that
# nothing a person typed or an administrator configured is ever taken for a message (or for markup).
MARKED: set[str] = set()


def N_(message: str) -> str:
    """Mark a string for translation without translating it here."""
    MARKED.add(message)
    return message


@dataclass(frozen=True)
class Family:
    key: str
    label: str


@dataclass(frozen=True)
class Dimension:
    key: str
    family: str
    card_label: str
    label: str
    description: str


RELATIONSHIPS = Family("relationships", N_("Relationships"))
COMMUNICATION = Family("communication", N_("Communication"))
FAMILIES = (RELATIONSHIPS, COMMUNICATION)

DIMENSIONS = (
    Dimension("shared_goals", "relationships", N_("Shared Goals"), N_("Shared goals"),
              N_("Acted on the goals we share for the patient and the work, not just their own role's goals.")),
    Dimension("shared_knowledge", "relationships", N_("Shared Knowledge"), N_("Shared knowledge"),
              N_("Understood how another role's work fits with theirs, or helped others understand it.")),
    Dimension("mutual_respect", "relationships", N_("Mutual Respect"), N_("Mutual respect"),
              N_("Showed that they value the work and the role of another profession.")),
    Dimension("frequent", "communication", N_("Frequent"), N_("Frequent communication"),
              N_("Kept in touch often enough that nothing fell between professions.")),
    Dimension("timely", "communication", N_("Timely"), N_("Timely communication"),
              N_("Passed information on while it could still change what happened next.")),
    Dimension("accurate", "communication", N_("Accurate"), N_("Accurate communication"),
              N_("Got the facts right and shared them clearly.")),
    Dimension("problem_solving", "communication", N_("Problem Solving"), N_("Problem-solving communication"),
              N_("When something went wrong, worked with others on the fix instead of assigning blame.")),
)

DIMENSION_KEYS = tuple(d.key for d in DIMENSIONS)
BY_KEY = {d.key: d for d in DIMENSIONS}


def dimensions_of(family: Family) -> tuple[Dimension, ...]:
    return tuple(d for d in DIMENSIONS if d.family == family.key)

"""Moments in the organization that other domains act on, in the same transaction."""

from blinker import Namespace

_events = Namespace()

# Sent with source_id and target_id when one workgroup is merged into another: whatever
# credits the source (cards, games) must credit the target from now on.
workgroups_merged = _events.signal("workgroups-merged")

# Sent with the session when names that boards show change (the program, units, workgroups): every
# board is redrawn.
names_changed = _events.signal("names-changed")

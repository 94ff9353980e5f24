"""Moments in the organization that other domains act on, in the same transaction."""

from blinker import Namespace

_events = Namespace()

# Sent with source_id and target_id when one workgroup is merged into another: whatever
# credits the source (cards, games) must credit the target from now on.
workgroups_merged = _events.signal("workgroups-merged")

# Sent with the session when names that boards or cards show change (the program, units, workgroups renamed,
# added, retired): every board is redrawn, and the pages made once per change (rcbingo.pages) are made again.
names_changed = _events.signal("names-changed")

# Sent with the session and unit_id when a unit's settings change (review first, enrolled tablets only): pages that
# keep a copy of the unit (rcbingo.pages) make it again.
settings_changed = _events.signal("settings-changed")

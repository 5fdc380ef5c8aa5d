"""In-process signals sent inside a service's transaction, before it commits.

Subscribers (reminders, notices) write their rows in the same transaction, so a state
change and what it makes due are committed together or not at all.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Plan; kwargs: actor, action, from_state, to_state, comment
plan_changed = _signals.signal("plan-changed")

# sender: the EvaluationSheet; kwargs: actor, action (sign / reopen), from_state, to_state
sheet_changed = _signals.signal("sheet-changed")

# sender: the RectificationItem; kwargs: actor, action (create / start / submit / reject /
# verify / close / edit / carry), from_state, to_state, comment
item_changed = _signals.signal("rectification-item-changed")

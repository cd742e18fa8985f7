"""Planning runs: a year represented by typical days (:mod:`.typical`, storage linked over the calendar by
:mod:`.linking`)."""

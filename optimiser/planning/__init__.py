"""Planning runs: capacity sizing co-optimised with dispatch (:mod:`.sizing`, :mod:`.sized_run`) and a year
represented by typical days (:mod:`.typical`, storage linked over the calendar by :mod:`.linking`)."""

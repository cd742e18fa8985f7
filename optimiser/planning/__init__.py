"""Planning runs: capacity sizing co-optimised with dispatch (and typical periods)."""

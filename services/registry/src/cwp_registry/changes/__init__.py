"""The change feed for provincial systems: every change in order, resumable."""

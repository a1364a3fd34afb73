"""Checks of resident ID numbers: every lookup by number, every duplicate found at
registration and every birth-date rule a caller without `pii` runs is counted against a
per-account limit (kept in the database, so it holds across replicas) and audited."""

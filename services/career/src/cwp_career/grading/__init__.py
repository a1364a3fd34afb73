"""Grading: the pure rule, grade history, single and mass regrades."""

"""career service."""

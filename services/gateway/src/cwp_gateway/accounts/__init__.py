"""Accounts (people and provincial systems) and the token endpoint that signs them in."""

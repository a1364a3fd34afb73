"""API gateway: sign-in, accounts, and the one public entry to the services."""

"""Community workers: registration, changes, transfers between communities, and exits."""

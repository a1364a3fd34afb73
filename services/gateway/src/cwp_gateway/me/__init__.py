"""/api/v1/me: a worker's home screen and detail lists, gathered from the services."""

"""Test support: real nats-server processes, databases and tokens."""

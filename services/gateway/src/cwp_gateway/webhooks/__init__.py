"""Webhooks: provincial systems subscribe to event types and the gateway delivers them,
signed (Standard Webhooks), retried with backoff, logged, and replayable by time."""

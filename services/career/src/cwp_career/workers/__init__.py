"""The projection of worker facts from registry and training events."""
